"""One version of an estate's rules of procedure (R-PROC-1): the canonical document, its hash, its adoption."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin, IdMixin


class ProcedureRulesVersion(IdMixin, CreatedAtMixin, Base):
    """Proposed by the organisers; in force from ``adopted_at``, when the topic proposing it PASSED, until a later
    adopted version (Beijing Art. 34(1)(1)); never edited (a change is a new version)."""

    __tablename__ = "procedure_rules_version"

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """``app.rules.procedure.ProcedureRules.to_document()``: canonical, validated."""
    sha256: Mapped[str] = mapped_column(sa.String(64))
    proposed_by: Mapped[str] = mapped_column(sa.String(200))
    adopted_at: Mapped[datetime | None]
    adopted_topic_id: Mapped[uuid.UUID | None]
    """The topic that adopted it; no foreign key (topics reference versions, so one would make a cycle)."""
