from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.common.schemas import Command, Instant, ReadModel

Name = Field(min_length=1, max_length=100)


class DistrictCreate(Command):
    code: str = Field(
        min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_-]+$", description="GB/T 2260 code, e.g. 110105"
    )
    name: str = Field(min_length=1, max_length=100, description="The code's district, e.g. 朝阳区 (R-PLACE-1)")


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


class StreetOfficeUpdate(Command):
    """Fields to change; those left out stay (R-PLACE-3)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    district_id: uuid.UUID | None = Field(default=None, description="Move to another district (operators only)")


class CommunityCreate(Command):
    street_office_id: uuid.UUID
    name: str = Name


class CommunityUpdate(Command):
    """Fields to change; those left out stay (R-PLACE-3)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    street_office_id: uuid.UUID | None = Field(
        default=None, description="Move under another street office (the editor must hold both)"
    )


class PlaceMerge(Command):
    """R-PLACE-4: merge the place of the path (the duplicate) into ``into_id`` (the place kept)."""

    into_id: uuid.UUID


class PlaceMergeRead(ReadModel):
    kept_id: uuid.UUID
    retired_id: uuid.UUID
    moved: dict[str, int] = Field(description="Rows re-pointed from the duplicate to the kept place, per table.column")


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
