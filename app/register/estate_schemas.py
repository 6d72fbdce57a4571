"""The command creating an estate with its developer (``app.register.estates``)."""

from __future__ import annotations

import uuid

from pydantic import Field, field_validator

from app.common.schemas import Command
from app.register.identifiers import valid_credit_code
from app.security.pii import normalise_identifier


class EstateCreate(Command):
    community_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    include_parking: bool = Field(
        default=False, description="R-AREA-3: count parking spaces only if the rules of procedure say so"
    )
    developer_name: str | None = Field(default=None, min_length=1, max_length=200)
    developer_credit_code: str | None = Field(
        default=None,
        min_length=18,
        max_length=18,
        description="Unified social credit code (stored encrypted)",
        examples=["91110000100012345L"],
    )

    @field_validator("developer_credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str | None) -> str | None:
        return _credit_code(value)


class EstateUpdate(Command):
    """Fields to change; those left out stay (R-PLACE-3). The developer needs its name and credit code together."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    community_id: uuid.UUID | None = Field(
        default=None, description="Move to another community (the editor must hold both jurisdictions)"
    )
    developer_name: str | None = Field(default=None, min_length=1, max_length=200)
    developer_credit_code: str | None = Field(
        default=None,
        min_length=18,
        max_length=18,
        description="Unified social credit code (stored encrypted)",
        examples=["91110000100012345L"],
    )

    @field_validator("developer_credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str | None) -> str | None:
        return _credit_code(value)


def _credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    normalised = normalise_identifier(value)
    if not valid_credit_code(normalised):
        raise ValueError("not a valid unified social credit code (GB 32100 check character)")
    return normalised
