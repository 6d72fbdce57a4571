"""The append-only audit log (R-REC-1, R-REC-2): its entries, and the Merkle tree the integrator builds over them.

A transaction that changes anything worth proving (a ballot, a publication, a transition, a result) inserts
its entry and nothing else shared: no head row is updated, so casting never serialises on the log (STYLE.md
§8.4 point 4). The single integrator (``app.audit.integrator``) later folds committed entries into the tree:
it assigns leaf indexes in the order it sees commits, stores each leaf hash, advances the one-row
``log_state`` and signs a checkpoint. Only the integrator writes ``log_state``, ``log_leaf``,
``log_checkpoint`` and ``AuditEntry.leaf_index``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow

#: What ``payload_sha256`` holds on PostgreSQL (a POSIX regular expression): a SHA-256 digest in lowercase hex.
DIGEST_PATTERN = "^[0-9a-f]{64}$"


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_vote_kind", "vote_id", "kind"),
        # The integrator's queue: entries not yet in the tree, in (created_at, id) order.
        sa.Index(
            "ix_audit_entry_unintegrated",
            "created_at",
            "id",
            sqlite_where=sa.text("leaf_index IS NULL"),
            postgresql_where=sa.text("leaf_index IS NULL"),
        ),
        # R-REC-1: a payload digest is 64 lowercase hex digits (``canonical_sha256``), so PostgreSQL writes the entry
        # set's canonical bytes without JSON escaping (app.result.repository); SQLite computes it in Python.
        sa.CheckConstraint(f"payload_sha256 ~ '{DIGEST_PATTERN}'", name="payload_sha256_hex").ddl_if(
            dialect="postgresql"
        ),
        # R-REC-1: a vote's entries in id order, the entry set's order, with all the entry set reads, so PostgreSQL
        # computes it from the index alone, without reading the wide rows or sorting them (app.result.repository).
        sa.Index(
            "ix_audit_entry_vote_entries", "vote_id", "id", postgresql_include=["kind", "created_at", "payload_sha256"]
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(sa.String(64))
    estate_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    vote_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """The canonical entry content (RFC 8785 JSON values only); no names, ID numbers or phone numbers."""
    payload_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    leaf_index: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    """Assigned by the integrator after commit; None until integrated."""


class LogState(Base):
    """The tree as the integrator left it: size and compact-range frontier. One row (id 1), integrator only."""

    __tablename__ = "log_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    frontier: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The compact range's hashes (``merkle.CompactRange.hashes``) concatenated: 32 bytes per set bit of size."""
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LogLeaf(Base):
    """Leaf ``leaf_index`` of the tree: the entry and its leaf hash (``app.ledger.entries.entry_leaf_hash``)."""

    __tablename__ = "log_leaf"

    leaf_index: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    entry_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("audit_entry.id", ondelete="RESTRICT"), unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class LogCheckpoint(Base):
    """A signed checkpoint (c2sp.org/tlog-checkpoint) of the tree at ``size``; at most one per size."""

    __tablename__ = "log_checkpoint"

    size: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    note_text: Mapped[str] = mapped_column(sa.Text)
    """The signed note: checkpoint body, blank line, the log's signature line."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LogCosignature(Base):
    """A configured witness's signature line on the checkpoint at ``size``."""

    __tablename__ = "log_cosignature"

    size: Mapped[int] = mapped_column(
        sa.BigInteger, sa.ForeignKey("log_checkpoint.size", ondelete="RESTRICT"), primary_key=True
    )
    witness_name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    signature_line: Mapped[str] = mapped_column(sa.Text)
    """``— <witness name> <base64(key ID || signature)>``, without the newline."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
