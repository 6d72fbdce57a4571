"""Supervision actions of the street office and the courts (R-SUP-1, R-SUP-3; Beijing Arts. 8, 51).

Each row records one act with its reason and the written decision document it rests on (街道办事处的书面决定
文书号, or the court's judgment number), who did it and when, and the SHA-256 of its canonical content; the same
content is appended to the audit log (``supervision.<kind>``) and notified to the owners in scope.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, enum_column


class SupervisionKind(StrEnum):
    SUSPENSION = "SUSPENSION"  # voting halted while the street office examines the procedure
    RESUMPTION = "RESUMPTION"  # voting continues, the window extended by at least the suspended time (R-SUP-5)
    CORRECTION_ORDER = "CORRECTION_ORDER"  # 责令限期改正 (Beijing Arts. 8, 51), with a deadline
    CORRECTION_FOLLOW_UP = "CORRECTION_FOLLOW_UP"  # the street office's finding on a correction order
    REVOCATION = "REVOCATION"  # 撤销 of one topic's decision by the street office or district authority (R-SUP-7)
    COURT_REVOCATION = "COURT_REVOCATION"  # a judgment revoking one topic's decision (R-SUP-3, R-SUP-7)
    TERMINATION = "TERMINATION"  # 终止: a suspended vote ended without a decision (R-SUP-6)


REVOCATION_KINDS = frozenset({SupervisionKind.REVOCATION, SupervisionKind.COURT_REVOCATION})


class SupervisionAction(IdMixin, Base):
    __tablename__ = "supervision_action"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'CORRECTION_ORDER' AND deadline IS NOT NULL) OR (kind <> 'CORRECTION_ORDER' AND deadline IS NULL)",
            name="deadline_iff_order",
        ),
        sa.CheckConstraint(
            "(kind = 'CORRECTION_FOLLOW_UP' AND follows_id IS NOT NULL) "
            "OR (kind <> 'CORRECTION_FOLLOW_UP' AND follows_id IS NULL)",
            name="follows_iff_follow_up",
        ),
        sa.CheckConstraint(
            "topic_id IS NULL OR kind IN ('REVOCATION', 'COURT_REVOCATION')", name="topic_only_revocation"
        ),
        sa.CheckConstraint(
            "kind = 'RESUMPTION' OR (ends_before IS NULL AND ends_after IS NULL AND suspended_seconds IS NULL)",
            name="extension_only_resumption",
        ),
    )

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[SupervisionKind] = mapped_column(enum_column(SupervisionKind))
    reason: Mapped[str] = mapped_column(sa.Text)
    document_ref: Mapped[str] = mapped_column(sa.String(200))
    """The written decision document (e.g. 「朝东街发〔2025〕12号」) or, for a court, the judgment number."""
    deadline: Mapped[datetime | None]
    """Correction orders only: the correction is due before this instant (exclusive)."""
    follows_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("supervision_action.id", ondelete="RESTRICT"), unique=True
    )
    """Follow-ups only: the correction order they conclude (at most one follow-up per order)."""
    topic_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("topic.id", ondelete="RESTRICT"), unique=True)
    """Revocations (R-SUP-7): the topic whose decision is revoked, at most once. None on a revocation recorded
    before R-SUP-7, which revoked every decision of the vote."""
    ends_before: Mapped[datetime | None]
    """Resumptions (R-SUP-5): the window's end before the resumption."""
    ends_after: Mapped[datetime | None]
    """Resumptions (R-SUP-5): the new end, at least ``ends_before`` plus the suspended time, announced to owners."""
    suspended_seconds: Mapped[int | None] = mapped_column(sa.BigInteger)
    """Resumptions (R-SUP-5): how long the vote was suspended, from the suspension's ``acted_at`` to this act."""
    acted_by: Mapped[str] = mapped_column(sa.String(200))
    acted_at: Mapped[datetime]
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the RFC 8785 canonical content (``app.supervision.service.action_content``)."""
    audit_entry_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("audit_entry.id", ondelete="RESTRICT"))
