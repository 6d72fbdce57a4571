"""Decided results, one per topic, stored with the evidence that lets anyone recompute them (R-TALLY-10)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class TopicResult(Base):
    __tablename__ = "topic_result"

    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("topic.id", ondelete="RESTRICT"), primary_key=True)
    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """``to_dict()`` of the law core's result: every numerator and denominator as integers."""
    evidence_sha256: Mapped[str] = mapped_column(sa.String(64))
    decided_at: Mapped[datetime]
