from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from app.common.schemas import Instant, ReadModel, UnitRef
from app.register.models import OwnerKind, OwnershipEvidence
from app.register.parsing import RegisterFormat, TextEncoding
from app.rules.roll import AreaSource, SaleStatus


class RegisterVersionRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    number: int
    content_hash: str = Field(description="SHA-256 of the RFC 8785 canonical register content")
    unit_count: int
    source_name: str
    imported_by: str
    created_at: Instant


class Totals(BaseModel):
    heads: int = Field(description="R-HEAD-6: number of voter groups")
    area: int = Field(description="R-AREA-4: total voting area in 0.01 m² units")
    area_m2: str = Field(description="The same area in m², for display")


class RegisterImportRead(BaseModel):
    created: bool = Field(description="False when the file equals the latest version (nothing changed)")
    version: RegisterVersionRead
    totals: Totals
    format: RegisterFormat = Field(description="How the file was read: csv, json or xlsx")
    encoding: TextEncoding | None = Field(
        description="The text encoding a CSV or JSON file was read in (UTF-8, UTF-8 (BOM) or GB18030); null for xlsx"
    )


class OwnerRead(BaseModel):
    name: str = Field(description="Masked name")
    kind: OwnerKind
    identifier: str = Field(description="Masked identifier: last four characters only (R-PI-2)")


class UnitRead(BaseModel):
    unit_key: str
    building: str
    entrance: str | None
    room: str
    area: int = Field(description="Voting area in 0.01 m² units (R-NUM-1)")
    area_m2: str
    area_source: AreaSource
    is_parking: bool
    sale_status: SaleStatus
    delivered: bool
    evidence: OwnershipEvidence
    owners: list[OwnerRead]


class VoterGroupRead(BaseModel):
    group_id: str = Field(description="The voter group's id in the estate (32 hex), as in every other body")
    heads: int
    area: int
    area_m2: str
    is_developer: bool = Field(description="R-HEAD-4: the developer's unsold and undelivered units")
    owners: list[OwnerRead]
    units: list[UnitRef]


class RollRead(BaseModel):
    """Totals and voter groups of a register version (R-HEAD, R-AREA)."""

    version: RegisterVersionRead
    include_parking: bool
    totals: Totals
    excluded_parking_units: int
    groups: list[VoterGroupRead]
    next_cursor: str | None = None


class UnitChangeRead(BaseModel):
    """One unit that differs between two register versions; owners masked (R-PI-2)."""

    unit_key: str
    change: str = Field(description="ADDED, REMOVED or CHANGED")
    fields: list[str] = Field(description="For CHANGED: which fields differ (owners, certificate, area, …)")
    owners_before: list[OwnerRead]
    owners_after: list[OwnerRead]


class RegisterDiffRead(BaseModel):
    """What changed from one register version to another, so a planted and removed row stands out (R-SUP-1)."""

    from_version: RegisterVersionRead
    to_version: RegisterVersionRead
    added: int
    removed: int
    changed: int
    units: list[UnitChangeRead]
    next_cursor: str | None = None
