"""Committees, their members and alternates, filing with the street office, and the street office's convening grounds.

A committee row is one term of one body: a 业委会 elected by the owners (Beijing Arts. 39–43) or a 物管会 formed by
the street office (Arts. 52–58). Its seats and alternate seats are fixed for the term; each member or alternate
holds one numbered seat and is linked to an owner on the estate's register (an organisation through the account
of its authorised natural-person representative, Art. 39 ¶2), or, for a 物管会, to the account of a residents'
committee or property-user representative (Art. 54). A seat is vacant when nobody sits in it; a member's sitting
ends by a recorded reason, never by deleting the row, so a by-election can be checked against the sitting
committee (Arts. 41 ¶3, 48).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column
from app.rules.committees import CommitteeKind, ConveningGround
from app.rules.first_assembly import GroupConstituency


class PmcFormationGround(StrEnum):
    """Beijing Art. 53: why the street office formed a 物管会."""

    ASSEMBLY_CONDITIONS_NOT_MET = "ASSEMBLY_CONDITIONS_NOT_MET"  # Art. 53(1)
    ASSEMBLY_DIFFICULT = "ASSEMBLY_DIFFICULT"  # Art. 53(2)
    NO_COMMITTEE_ELECTED = "NO_COMMITTEE_ELECTED"  # Art. 53(3)


class SeatKind(StrEnum):
    MEMBER = "MEMBER"  # 委员
    ALTERNATE = "ALTERNATE"  # 候补委员 (Beijing Arts. 39, 41 ¶3)


class Constituency(StrEnum):
    """Whom a member represents (Beijing Art. 54 for the 物管会; a 业委会 has owners only, Art. 39 ¶2)."""

    OWNER = "OWNER"
    RESIDENTS_COMMITTEE = "RESIDENTS_COMMITTEE"  # 居委会 representative, the 物管会's chair (Art. 54)
    PROPERTY_USER = "PROPERTY_USER"  # 物业使用人


class MembershipEnd(StrEnum):
    NO_LONGER_OWNER = "NO_LONGER_OWNER"  # Beijing Art. 46 ¶1(1): found by a new register version
    RESIGNED = "RESIGNED"  # Art. 46 ¶1(2)
    INCAPACITATED = "INCAPACITATED"  # Art. 46 ¶1(3)
    RECALLED = "RECALLED"  # Art. 46 ¶2, by the owners' decision
    PROMOTED = "PROMOTED"  # an alternate's seat, left to fill a member's vacancy (Art. 41 ¶3)


class Committee(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "committee"
    __table_args__ = (
        sa.CheckConstraint("seats > 0 AND alternate_seats >= 0", name="seats_positive"),
        sa.CheckConstraint("term_ends_on > term_starts_on", name="term_ordered"),
        sa.Index("ix_committee_estate_kind", "estate_id", "kind"),
    )

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"))
    kind: Mapped[CommitteeKind] = mapped_column(enum_column(CommitteeKind, length=40))
    seats: Mapped[int]
    alternate_seats: Mapped[int]
    term_starts_on: Mapped[date]
    term_ends_on: Mapped[date]
    """As recorded; the statutory cap applies whatever is recorded (``app.rules.committees.term_end``)."""
    formation_ground: Mapped[PmcFormationGround | None] = mapped_column(enum_column(PmcFormationGround, length=40))
    """物管会 only: the Art. 53 ground."""
    elected_by_vote_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"))
    """业委会: the owners' vote that elected it, when it was held in evote."""
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    """The acting role and place (``app.common.access.acting_role``)."""
    filed_on: Mapped[date | None]
    """备案: the day the street office of the estate's jurisdiction registered it (Beijing Art. 43); a 物管会 is
    formed by the street office, which records its forming as the filing."""
    filed_by: Mapped[str | None] = mapped_column(sa.String(200))
    filing_reference: Mapped[str | None] = mapped_column(sa.String(100))
    """The street office's filing document number."""

    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="committee", order_by="CommitteeMember.created_at", cascade="all, delete-orphan"
    )


class CommitteeMember(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "committee_member"
    __table_args__ = (
        sa.CheckConstraint("seat >= 1", name="seat_positive"),
        sa.CheckConstraint("owner_id IS NOT NULL OR account_id IS NOT NULL", name="linked"),
    )

    committee_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee.id", ondelete="CASCADE"), index=True)
    seat_kind: Mapped[SeatKind] = mapped_column(enum_column(SeatKind))
    seat: Mapped[int]
    """Member seats are 1..seats; alternate seats 1..alternate_seats, in the order alternates fill vacancies."""
    constituency: Mapped[Constituency] = mapped_column(enum_column(Constituency))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"), index=True)
    """The owner on the estate's register (a person, or the organisation a representative stands for)."""
    account_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"), index=True)
    """Who signs: an organisation's authorised natural-person representative, or a 物管会 member who is not an
    owner; None for a natural-person owner, who signs through any account bound to them in the estate."""
    authorisation_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    """SHA-256 of an organisation's letter of authorisation (Beijing Art. 39 ¶2)."""
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[MembershipEnd | None] = mapped_column(enum_column(MembershipEnd))
    ended_by_register_version_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("register_version.id", ondelete="RESTRICT")
    )

    committee: Mapped[Committee] = relationship(back_populates="members")

    @property
    def sitting(self) -> bool:
        return self.ended_on is None


class ConveningTrigger(IdMixin, CreatedAtMixin, Base):
    """The street office's recorded ground for convening the owners in the committee's place (R-CONV-3)."""

    __tablename__ = "convening_trigger"

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    ground: Mapped[ConveningGround] = mapped_column(enum_column(ConveningGround, length=40))
    occurred_on: Mapped[date]
    """Art. 36: the day of the order to convene; Art. 77: the first day of emergency service; otherwise the day
    the street office found the fact."""
    deadline_on: Mapped[date | None]
    """Art. 36: the time limit the committee was given to convene."""
    committee_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("committee.id", ondelete="RESTRICT"))
    """Arts. 36, 48: the committee that failed."""
    document_ref: Mapped[str] = mapped_column(sa.String(100))
    evidence_sha256: Mapped[str] = mapped_column(sa.String(64))
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[datetime]


class PreparatoryGroup(IdMixin, CreatedAtMixin, Base):
    """筹备组: formed under the street office to prepare the first owners' assembly (Beijing Arts. 31–32, R-FIRST-1).

    Recorded by the street office of the estate's jurisdiction; it convenes the first assembly (R-CONV-1) within
    60 days of ``formed_on`` (Art. 32, R-FIRST-3)."""

    __tablename__ = "preparatory_group"
    __table_args__ = (sa.Index("ix_preparatory_group_estate_formed", "estate_id", "formed_on"),)

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"))
    application_petition_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("petition.id", ondelete="RESTRICT"))
    """The submitted first-assembly application it answers (Art. 30, R-LIFE-9), when it was made in evote."""
    formed_on: Mapped[date]
    document_ref: Mapped[str] = mapped_column(sa.String(100))
    """The street office's document forming the group."""
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[datetime]
    members_publicised_on: Mapped[date]
    """The day its members were publicised to the owners (Art. 31, 7 days): the recording publishes them."""

    members: Mapped[list[PreparatoryGroupMember]] = relationship(
        back_populates="group", order_by="PreparatoryGroupMember.seat", cascade="all, delete-orphan"
    )


class PreparatoryGroupMember(IdMixin, Base):
    __tablename__ = "preparatory_group_member"
    __table_args__ = (
        sa.UniqueConstraint("group_id", "seat"),
        sa.CheckConstraint("constituency <> 'OWNER' OR owner_id IS NOT NULL", name="owner_linked"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("preparatory_group.id", ondelete="CASCADE"), index=True)
    seat: Mapped[int]
    constituency: Mapped[GroupConstituency] = mapped_column(enum_column(GroupConstituency))
    is_head: Mapped[bool]
    name: Mapped[str] = mapped_column(sa.String(100))
    """Publicised to the owners masked (张**); never logged."""
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"))
    """An owners' representative: the owner on the estate's register."""

    group: Mapped[PreparatoryGroup] = relationship(back_populates="members")
