"""Objections to the first-assembly publicity (Beijing Art. 32, R-FIRST-3): the drafts, the candidates, the method.

Objections to the roll are ``app.objection``'s (R-ROLL-7); these are the other items the preparatory group
publicises 15 days before the first meeting. The texts are restricted like roll objections: the log holds their
hiding commitments only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, enum_column
from app.objection.models import ObjectionDecision


class PublicityItem(StrEnum):
    """What the preparatory group publicises besides the roll (Art. 32)."""

    MANAGEMENT_COVENANT = "MANAGEMENT_COVENANT"  # 管理规约草案
    RULES_OF_PROCEDURE = "RULES_OF_PROCEDURE"  # 议事规则草案
    CANDIDATES = "CANDIDATES"  # 候选人产生办法及名单
    ELECTION_METHOD = "ELECTION_METHOD"  # 选举办法
    MEETING_PLAN = "MEETING_PLAN"  # 会议方案


class PublicityObjection(IdMixin, Base):
    __tablename__ = "publicity_objection"
    __table_args__ = (
        sa.Index("ix_publicity_objection_vote_filed", "vote_id", "filed_at"),
        sa.CheckConstraint("(decision IS NULL) = (answered_at IS NULL)", name="answer_complete"),
    )

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"))
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    item: Mapped[PublicityItem] = mapped_column(enum_column(PublicityItem))
    text: Mapped[str] = mapped_column(sa.Text)
    salt: Mapped[str] = mapped_column(sa.String(32))
    text_commitment: Mapped[str] = mapped_column(sa.String(64))
    filed_by_account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"), index=True)
    filed_by_owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"))
    filed_at: Mapped[datetime]
    decision: Mapped[ObjectionDecision | None] = mapped_column(enum_column(ObjectionDecision))
    reasons: Mapped[str | None] = mapped_column(sa.Text)
    reasons_commitment: Mapped[str | None] = mapped_column(sa.String(64))
    answered_by: Mapped[str | None] = mapped_column(sa.String(200))
    answered_at: Mapped[datetime | None]
