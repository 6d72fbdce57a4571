from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.common.schemas import Command, Instant, ReadModel

Name = Field(min_length=1, max_length=100)


class DistrictCreate(Command):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$")
    name: str = Name


class DistrictRead(ReadModel):
    id: uuid.UUID
    code: str
    name: str
    created_at: Instant


class StreetOfficeCreate(Command):
    district_id: uuid.UUID
    name: str = Name


class StreetOfficeRead(ReadModel):
    id: uuid.UUID
    district_id: uuid.UUID
    name: str
    created_at: Instant


class CommunityCreate(Command):
    street_office_id: uuid.UUID
    name: str = Name


class CommunityRead(ReadModel):
    id: uuid.UUID
    street_office_id: uuid.UUID
    name: str
    created_at: Instant


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
    created_at: Instant
