"""Base models for request and response bodies, and the weight (heads and area) as every report shows it."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.rules.counts import Weight
from app.rules.numeric import area_display, percent_display


def reject_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL; refusing it here turns a would-be 500 into a 422."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


class Command(BaseModel):
    """A request body: unknown fields are refused, strings are stripped and may not contain NUL."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value)


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def from_attributes_of(cls, row: object, **values: Any) -> Self:
        """The body from the same-named attributes of ``row``; ``values`` give the fields it lacks or reshapes."""
        fields = {name: values[name] if name in values else getattr(row, name) for name in cls.model_fields}
        return cls(**fields)


class WeightRead(BaseModel):
    heads: int
    area: int = Field(description="0.01 m² units (R-NUM-1)")
    area_m2: str = Field(description="Display only, square metres with two decimals")

    @classmethod
    def of(cls, weight: Weight) -> WeightRead:
        return cls(heads=weight.heads, area=weight.area, area_m2=area_display(weight.area))


class RatesRead(BaseModel):
    """Display-only percentages, rounded half up (R-NUM-4); ``-`` when the base is zero."""

    heads: str
    area: str

    @classmethod
    def of(cls, part: Weight, whole: Weight) -> RatesRead:
        return cls(heads=percent_display(part.heads, whole.heads), area=percent_display(part.area, whole.area))
