from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from app.common.schemas import Command, Instant, ReadModel
from app.petition.models import PetitionKind, PetitionStatus
from app.rules.casting import ActingBasis
from app.rules.petitions import PetitionThreshold


class PetitionCreate(Command):
    kind: PetitionKind
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20000, description="What is proposed or applied for, and why")


class SignatureCreate(Command):
    group_id: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="Opaque voter-group id from /me/groups or the estate's roll"
    )


class PetitionCountRead(BaseModel):
    """The law core's count (``app.rules.petitions``): every integer, the thresholds reached and why.

    Areas are integers in 0.01 m² (R-NUM-1); comparisons are integer cross-multiplications (R-NUM-3).
    """

    rule: str = Field(description="R-LIFE-9 (first-assembly application) or R-LIFE-10 (temporary meeting)")
    register_version_id: uuid.UUID
    register_version_number: int
    total_heads: int = Field(description="R-HEAD-6: heads of the whole roll, the developer's group included")
    total_area: int = Field(description="R-AREA-4: area of the whole roll, 0.01 m²")
    total_area_m2: str = Field(description="The same in square metres with two decimals (display)")
    signed_heads: int = Field(description="Voter groups that signed and are in the counted roll (one head each)")
    signed_area: int = Field(description="Their summed area, 0.01 m²")
    signed_area_m2: str = Field(description="The same in square metres with two decimals (display)")
    heads_percent: str
    area_percent: str
    delivered_area: int | None = Field(
        None, description="R-LIFE-9 only: area of the groups that are not the developer's (R-HEAD-4)"
    )
    delivered_area_m2: str | None = Field(None, description="The same in square metres with two decimals (display)")
    delivered_area_percent: str | None = None
    applicant_is_developer: bool | None = Field(None, description="R-LIFE-9 only: the developer's group signed")
    formulas: list[str]
    thresholds_reached: list[PetitionThreshold]
    threshold_met: bool = Field(
        description="R-LIFE-9: eligible (precondition and any applicant ground); R-LIFE-10: 20 % of heads"
    )
    result: Literal["ELIGIBLE", "NOT_ELIGIBLE", "SUCCEEDED", "FAILED"] = Field(
        description="ELIGIBLE / NOT_ELIGIBLE (R-LIFE-9) or SUCCEEDED / FAILED (R-LIFE-10)"
    )
    reason_zh: str
    reason_en: str
    signatures_not_counted: int = Field(
        description="Signatures of groups no longer in the counted register version (their owner set changed)"
    )


class SignatureRead(BaseModel):
    group_id: str
    basis: ActingBasis = Field(description="Why the signer could act for the group (R-CAST)")
    signed_at: Instant
    counted: bool = Field(description="The group is in the counted register version")


class PetitionSummaryRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    kind: PetitionKind
    title: str
    status: PetitionStatus
    opened_at: Instant
    threshold_met_at: Instant | None
    submitted_at: Instant | None
    escalated_at: Instant | None
    signatures: int


class PetitionRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    kind: PetitionKind
    title: str
    text: str
    status: PetitionStatus
    opened_by_me: bool
    opened_at: Instant
    threshold_met_at: Instant | None
    submitted_at: Instant | None
    submitted_to: str = Field(description="COMMITTEE (temporary meeting) or STREET_OFFICE (application)")
    escalated_at: Instant | None = Field(description="Beijing Art. 36: the street office was asked to order it")
    count: PetitionCountRead
    signatures: list[SignatureRead]
