"""Objections to a vote's published roll (R-ROLL-2, R-ROLL-7; SPC Interpretation (2020) Art. 13, Beijing Art. 32).

An owner of the estate objects to one entry of the frozen roll (a voter group, optionally one of its units, or a
unit missing from it) during the notice period; the organiser answers each objection, accepted or rejected with
reasons. The texts are kept here, restricted to the parties, the organiser and the street office: the audit log
holds only their hiding commitments (``app.objection.service.text_commitment``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, enum_column


class ObjectionDecision(StrEnum):
    ACCEPTED = "ACCEPTED"  # the entry will be corrected: a new register version and a re-published roll
    REJECTED = "REJECTED"  # the entry stands, for the reasons given


class RollObjection(IdMixin, Base):
    __tablename__ = "roll_objection"
    __table_args__ = (
        sa.Index("ix_roll_objection_vote_filed", "vote_id", "filed_at"),
        sa.CheckConstraint("(decision IS NULL) = (answered_at IS NULL)", name="answer_complete"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"))
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    group_id: Mapped[str | None] = mapped_column(sa.String(32))
    """The roll entry objected to (``app.rules.roll.public_group_id``); None: a unit missing from the roll."""
    unit_key: Mapped[str | None] = mapped_column(sa.String(220))
    """One unit of the entry, or the unit said to be missing."""
    text: Mapped[str] = mapped_column(sa.Text)
    """The objection and its grounds: restricted (may name persons)."""
    salt: Mapped[str] = mapped_column(sa.String(32))
    """128 random bits hiding the logged commitments of the texts (a short text could otherwise be guessed)."""
    text_commitment: Mapped[str] = mapped_column(sa.String(64))
    roll_hash: Mapped[str] = mapped_column(sa.String(64))
    """The roll as published when the objection was filed."""
    filed_by_account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"), index=True)
    filed_by_owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"))
    filed_at: Mapped[datetime]
    decision: Mapped[ObjectionDecision | None] = mapped_column(enum_column(ObjectionDecision))
    reasons: Mapped[str | None] = mapped_column(sa.Text)
    """The organiser's answer with its reasons: restricted like the objection."""
    reasons_commitment: Mapped[str | None] = mapped_column(sa.String(64))
    answered_by: Mapped[str | None] = mapped_column(sa.String(200))
    answered_at: Mapped[datetime | None]
    corrected_in_version_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("register_version.id", ondelete="RESTRICT")
    )
    """The register version of the re-published roll that acted on an accepted objection."""
