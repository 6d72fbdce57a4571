"""Request and response bodies for committees, their members and the street office's convening grounds."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field

from app.committee.models import (
    Committee,
    Constituency,
    ConveningTrigger,
    MembershipEnd,
    PmcFormationGround,
    SeatKind,
)
from app.common.schemas import Command, Instant, ReadModel
from app.register.identifiers import IdentityDocument
from app.rules.committees import GROUND_BASIS, CommitteeKind, ConveningGround, term_end

SHA256 = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, 64 lower-case hex digits")
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2199, 12, 31), description="An Asia/Shanghai calendar date")]
"""Dates outside this range are typing errors (and would overflow the term arithmetic)."""


class CommitteeCreate(Command):
    kind: CommitteeKind
    seats: int = Field(ge=1, le=99, description="Member seats (Beijing Art. 39: odd, ≥ 5, or 3 for ≤ 100 households)")
    alternate_seats: int = Field(ge=0, le=99, description="Alternate seats, at most the member seats (Art. 39)")
    term_starts_on: Day
    term_ends_on: Day = Field(description="Beijing Art. 41: ≤ 5 years (业委会); Art. 58: ≤ 3 years (物管会)")
    formation_ground: PmcFormationGround | None = Field(default=None, description="物管会 only: Beijing Art. 53")
    elected_by_vote_id: uuid.UUID | None = Field(
        default=None,
        description="业委会 only: the evote vote that elected this term (a FULL election with its result published "
        "and the same seats, R-COMM-6)",
    )


class CommitteeFile(Command):
    """备案 (Beijing Art. 43), by the street office of the estate's jurisdiction."""

    filed_on: Day
    reference: str = Field(min_length=1, max_length=100, description="The filing document number")


class MemberCreate(Command):
    seat_kind: SeatKind
    seat: int = Field(ge=1, le=99)
    constituency: Constituency = Constituency.OWNER
    document_type: IdentityDocument | None = Field(
        default=None, description="OWNER: the owner's identity document as in the register (USCC: organisation)"
    )
    identifier: str | None = Field(default=None, max_length=40, description="OWNER: the document number")
    representative_phone: str | None = Field(
        default=None,
        max_length=20,
        description="The account that signs: an organisation's authorised representative (Art. 39 ¶2), or a 物管会 "
        "member who is not an owner (Art. 54)",
    )
    authorisation_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    started_on: Day | None = Field(default=None, description="Default: today within the term, else its first day")


class MemberEnd(Command):
    reason: MembershipEnd = Field(description="RESIGNED, INCAPACITATED or RECALLED (Beijing Art. 46)")
    ended_on: Day | None = Field(default=None, description="Default: today")


class VacancyFill(Command):
    """Beijing Art. 41 ¶3: an alternate takes a vacant member seat for the rest of the term."""

    seat: int = Field(ge=1, le=99)


class MemberRead(ReadModel):
    id: uuid.UUID
    seat_kind: SeatKind
    seat: int
    constituency: Constituency
    name: str | None = Field(description="As in the register; masked for owners reading (PIPL Art. 6)")
    organisation: bool
    started_on: date
    ended_on: date | None
    end_reason: MembershipEnd | None


class CommitteeRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    kind: CommitteeKind
    seats: int
    alternate_seats: int
    term_starts_on: date
    term_ends_on: date
    effective_term_ends_on: date = Field(description="The recorded end capped by the statutory term (R-COMM-2)")
    formation_ground: PmcFormationGround | None
    elected_by_vote_id: uuid.UUID | None
    filed_on: date | None
    vacant_seats: list[int] = Field(description="Member seats nobody sits in (R-COMM-4)")
    vacant_alternate_seats: list[int]
    members: list[MemberRead] = Field(description="Sitting and former members and alternates")

    @classmethod
    def of(
        cls, committee: Committee, names: dict[uuid.UUID, str | None], organisations: set[uuid.UUID]
    ) -> CommitteeRead:
        sitting = [m for m in committee.members if m.sitting]
        held = {m.seat for m in sitting if m.seat_kind is SeatKind.MEMBER}
        held_alternate = {m.seat for m in sitting if m.seat_kind is SeatKind.ALTERNATE}
        return cls.from_attributes_of(
            committee,
            effective_term_ends_on=term_end(committee.kind, committee.term_starts_on, committee.term_ends_on),
            vacant_seats=[seat for seat in range(1, committee.seats + 1) if seat not in held],
            vacant_alternate_seats=[s for s in range(1, committee.alternate_seats + 1) if s not in held_alternate],
            members=[
                MemberRead.from_attributes_of(
                    member, name=names.get(member.id), organisation=member.owner_id in organisations
                )
                for member in committee.members
            ],
        )


class CommitteesRead(ReadModel):
    items: list[CommitteeRead]


class TriggerCreate(Command):
    ground: ConveningGround
    occurred_on: Day = Field(description="Art. 36: the order's date; Art. 77: emergency service's first day")
    deadline_on: Day | None = Field(default=None, description="Art. 36: the time limit given to the committee")
    committee_id: uuid.UUID | None = Field(default=None, description="Arts. 36, 48: the committee that failed")
    document_ref: str = Field(min_length=1, max_length=100)
    evidence_sha256: str = SHA256


class TriggerRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    ground: ConveningGround
    basis: str
    occurred_on: date
    deadline_on: date | None
    committee_id: uuid.UUID | None
    document_ref: str
    evidence_sha256: str
    recorded_at: Instant

    @classmethod
    def of(cls, trigger: ConveningTrigger) -> TriggerRead:
        return cls.from_attributes_of(trigger, basis=GROUND_BASIS[trigger.ground])
