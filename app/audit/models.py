"""The append-only audit log's entries (R-REC-1, R-REC-2).

A transaction that changes anything worth proving (a ballot, a publication, a transition, a result) inserts
its entry and nothing else shared: no head row is updated, so casting never serialises on the log. The
entry's order comes from the sequence-like ``seq``; the integrator (issue #6) assigns Merkle leaf indexes in
commit order afterwards and signs checkpoints over them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_vote_kind", "vote_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(sa.String(64))
    estate_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    vote_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """The canonical entry content (RFC 8785 JSON values only); no names, ID numbers or phone numbers."""
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    leaf_index: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    """Assigned by the integrator after commit (issue #6); None until integrated."""
