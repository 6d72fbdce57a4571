"""Appending to the audit log: one insert in the caller's transaction, nothing shared is updated."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.db.base import utcnow
from app.ledger.canonical import canonical_sha256


async def append(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    estate_id: uuid.UUID | None = None,
    vote_id: uuid.UUID | None = None,
) -> AuditEntry:
    """Insert one entry; its hash covers the kind, place, vote and canonical payload."""
    entry = AuditEntry(
        id=uuid.uuid4(), kind=kind, estate_id=estate_id, vote_id=vote_id, payload=payload, created_at=utcnow()
    )
    entry.payload_sha256 = canonical_sha256(
        {"kind": kind, "estate_id": str(estate_id or ""), "vote_id": str(vote_id or ""), "payload": payload}
    )
    session.add(entry)
    await session.flush()
    return entry
