"""Bodies of the roll open to owners and of objections (R-ROLL-7)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from app.common.schemas import Command, Instant, ReadModel
from app.objection.models import ObjectionDecision
from app.register.schemas import Totals


class RollUnitRead(BaseModel):
    unit_key: str
    building: str
    entrance: str | None
    room: str
    area: int = Field(description="Voting area in 0.01 m² (R-NUM-1)")
    area_m2: str = Field(description="The same area in m², two decimals")
    owners: list[str] = Field(description="Owners' names masked to their first character (张**); never ID numbers")


class RollEntryRead(BaseModel):
    group_id: str = Field(description="The voter group's id in the estate: what an objection names")
    heads: int = Field(description="R-HEAD: one head per voter group")
    area: int = Field(description="R-AREA-4: the group's area in 0.01 m²")
    area_m2: str
    is_developer: bool = Field(description="R-HEAD-4: the developer's unsold and undelivered units")
    units: list[RollUnitRead]


class VoteRollPage(BaseModel):
    """One page of the vote's frozen roll (R-ROLL-1) as published to the estate's owners (R-ROLL-7)."""

    vote_id: uuid.UUID
    roll_hash: str
    register_version_id: uuid.UUID
    register_version_number: int
    total: Totals
    objections_open_until: Instant = Field(description="Voting opens then; objections are filed before it")
    items: list[RollEntryRead]
    next_cursor: str | None = None


class ObjectionCreate(Command):
    group_id: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{32}$", description="The roll entry objected to (its group_id)"
    )
    unit_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=220,
        description="One unit of the entry, or a unit the objector says is missing from the roll",
    )
    text: str = Field(min_length=1, max_length=5000, description="The objection and its grounds (kept restricted)")

    @model_validator(mode="after")
    def _names_an_entry(self) -> Self:
        if self.group_id is None and self.unit_key is None:
            raise ValueError("name the roll entry (group_id) or the unit (unit_key) objected to")
        return self


class ObjectionAnswer(Command):
    decision: ObjectionDecision
    reasons: str = Field(min_length=1, max_length=5000, description="The reasons, told to the objector")


class RollRepublish(Command):
    objection_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=1000, description="The accepted objections this correction acts on"
    )
    starts_at: datetime | None = Field(
        default=None, description="New start of voting; the notice period runs again from the re-publication"
    )
    ends_at: datetime | None = Field(default=None, description="New end of voting")


class ObjectionRead(ReadModel):
    id: uuid.UUID
    vote_id: uuid.UUID
    group_id: str | None
    unit_key: str | None
    text: str
    text_commitment: str
    salt: str = Field(description="Opens the logged commitments (with the texts): for the parties to check")
    roll_hash: str
    filed_at: Instant
    filed_by_me: bool
    decision: ObjectionDecision | None
    reasons: str | None
    reasons_commitment: str | None
    answered_at: Instant | None
    corrected_in_version_id: uuid.UUID | None


class ObjectionPage(BaseModel):
    items: list[ObjectionRead]
    next_cursor: str | None = None


class ObjectionEvidenceRead(BaseModel):
    """R-ROLL-7: the objections to the roll a result was counted on, by id (their texts stay restricted)."""

    filed: int
    accepted: int
    rejected: int
    unanswered: int = Field(description="Never answered before the close")
    unanswered_ids: list[uuid.UUID]
    answered_after_voting_opened_ids: list[uuid.UUID]
    accepted_not_corrected_ids: list[uuid.UUID] = Field(
        description="Accepted, but no corrected roll was re-published for them"
    )


class RollRepublishedRead(BaseModel):
    vote_id: uuid.UUID
    roll_hash: str
    previous_roll_hash: str
    notice_hash: str
    register_version_id: uuid.UUID
    register_version_number: int
    total: Totals
    republished_at: Instant
    earliest_start: Instant = Field(description="R-LIFE-3 counted again from the re-publication (R-ROLL-7)")
    starts_at: Instant
    ends_at: Instant
    objection_ids: list[uuid.UUID]
