"""Base models for request and response bodies, the one time format of every response, and the weight (heads and
area) as every report shows it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from app.rules.counts import Weight
from app.rules.numeric import area_display, percent_display

#: Beijing time as a fixed UTC+8: the zone database would give +08:05:43 before 1901 and +09:00 in 1986-1991.
BEIJING = timezone(timedelta(hours=8))
#: Every instant in a response: RFC 3339, Beijing time (``+08:00``), whole seconds (README, "Times").
INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$"


def beijing_rfc3339(instant: datetime, *, round_up: bool = False) -> str:
    """``2026-12-22T00:00:00+08:00``: an aware instant in Asia/Shanghai, to the second (fractions cut off, or
    rounded up for a "retry at" that must not be reached early)."""
    whole = instant.replace(microsecond=0)
    if round_up and whole != instant:
        whole += timedelta(seconds=1)
    return whole.astimezone(BEIJING).isoformat()


Instant = Annotated[
    AwareDatetime,
    PlainSerializer(beijing_rfc3339, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": INSTANT_PATTERN,
            "description": "RFC 3339 instant in Beijing time (+08:00), whole seconds",
        }
    ),
]
"""The type of every instant in a response body. Request bodies take plain ``AwareDatetime`` (any RFC 3339
offset); signed documents and audit entries keep their own formats (docs/evidence-formats.md)."""


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


def unit_parts(unit_key: str) -> tuple[str, str | None, str]:
    """Building, entrance and room of a unit key (``3-2-1201``, ``3-1201``; a hyphen inside a part escaped as
    ``\\-``), the inverse of ``app.register.parsing.unit_key``."""
    parts: list[str] = []
    current, escaped = "", False
    for char in unit_key:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == "-":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return unit_key, None, ""  # not a key the register writes: shown whole as the building


class UnitRef(BaseModel):
    """A unit as every response names it: its key as on the roll (``1-1-101``) and the parts of that key."""

    unit_key: str = Field(description="The unit's label as on the roll: building-entrance-room, e.g. 1-1-101")
    building: str
    entrance: str | None
    room: str

    @classmethod
    def of_key(cls, unit_key: str) -> UnitRef:
        building, entrance, room = unit_parts(unit_key)
        return cls(unit_key=unit_key, building=building, entrance=entrance, room=room)


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
