from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field, field_validator

from app.common.schemas import Command, ReadModel
from app.register.identifiers import valid_credit_code
from app.security.pii import normalise_identifier

Name = Field(min_length=1, max_length=100)


class DistrictCreate(Command):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")
    name: str = Name


class DistrictRead(ReadModel):
    id: uuid.UUID
    code: str
    name: str
    created_at: datetime


class StreetOfficeCreate(Command):
    district_id: uuid.UUID
    name: str = Name


class StreetOfficeRead(ReadModel):
    id: uuid.UUID
    district_id: uuid.UUID
    name: str
    created_at: datetime


class CommunityCreate(Command):
    street_office_id: uuid.UUID
    name: str = Name


class CommunityRead(ReadModel):
    id: uuid.UUID
    street_office_id: uuid.UUID
    name: str
    created_at: datetime


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
    )

    @field_validator("developer_credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normalised = normalise_identifier(value)
        if not valid_credit_code(normalised):
            raise ValueError("not a valid unified social credit code (GB 32100 check character)")
        return normalised


class EstateRead(ReadModel):
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    address: str | None
    include_parking: bool
    developer_name: str | None
    has_developer: bool
    committee_term_ends_on: date | None = None
    service_contract_ends_on: date | None = None
    preliminary_contract_ends_on: date | None = None
    created_at: datetime
