"""Bodies of the first-assembly procedure (R-FIRST)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.assembly.models import PublicityItem
from app.committee.schemas import Day
from app.common.schemas import Command, Instant, ReadModel
from app.objection.models import ObjectionDecision
from app.register.identifiers import IdentityDocument
from app.rules.first_assembly import GroupConstituency, StepStatus


class GroupMemberCreate(Command):
    constituency: GroupConstituency
    name: str = Field(min_length=1, max_length=100, description="Publicised to the owners masked (张**)")
    is_head: bool = Field(default=False, description="Art. 31: the residents' committee staff member appointed head")
    document_type: IdentityDocument | None = Field(default=None, description="OWNER: as in the register")
    identifier: str | None = Field(default=None, max_length=40, description="OWNER: the document number")


class PreparatoryGroupCreate(Command):
    formed_on: Day
    document_ref: str = Field(min_length=1, max_length=100, description="The street office's document forming it")
    application_petition_id: uuid.UUID | None = Field(
        default=None, description="The submitted first-assembly application it answers (Art. 30), if made in evote"
    )
    members: list[GroupMemberCreate] = Field(min_length=1, max_length=99)


class GroupMemberRead(ReadModel):
    seat: int
    constituency: GroupConstituency
    is_head: bool
    name: str = Field(description="Masked (张**) for owners")


class PreparatoryGroupRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    formed_on: date
    members_publicised_on: date
    application_petition_id: uuid.UUID | None
    meeting_due_on: date = Field(description="Art. 32: the first meeting opens by this day (60 days)")
    members: list[GroupMemberRead]


class PublicityObjectionCreate(Command):
    item: PublicityItem
    text: str = Field(min_length=1, max_length=5000)


class PublicityObjectionAnswer(Command):
    decision: ObjectionDecision
    reasons: str = Field(min_length=1, max_length=5000)


class PublicityObjectionRead(ReadModel):
    id: uuid.UUID
    vote_id: uuid.UUID
    item: PublicityItem
    text: str
    text_commitment: str
    filed_at: Instant
    decision: ObjectionDecision | None
    reasons: str | None
    reasons_commitment: str | None
    answered_at: Instant | None


class ProcedureStepRead(ReadModel):
    step: str
    basis: str
    status: StepStatus
    done_on: date | None
    due_on: date | None
    detail: str | None = None


class FirstAssemblyProcedureRead(ReadModel):
    estate_id: uuid.UUID
    today: date
    preparatory_group_id: uuid.UUID | None
    vote_id: uuid.UUID | None
    committee_id: uuid.UUID | None
    steps: list[ProcedureStepRead]
