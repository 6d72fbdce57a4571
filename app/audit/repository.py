"""Queries of the audit log's tables; no business rules, no commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry, LogCheckpoint, LogCosignature, LogLeaf
from app.ledger.entries import leaf_document


def document_of(entry: AuditEntry) -> dict[str, Any]:
    """The entry's leaf document (``app.ledger.entries.leaf_document``)."""
    return leaf_document(
        entry_id=entry.id,
        kind=entry.kind,
        estate_id=entry.estate_id,
        vote_id=entry.vote_id,
        payload=entry.payload,
        payload_sha256=entry.payload_sha256,
        created_at=entry.created_at,
    )


async def latest_checkpoint(session: AsyncSession) -> LogCheckpoint | None:
    return await session.scalar(select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1))


async def checkpoint_at(session: AsyncSession, size: int) -> LogCheckpoint | None:
    return await session.get(LogCheckpoint, size)


async def cosignatures(session: AsyncSession, size: int) -> Sequence[LogCosignature]:
    result = await session.scalars(
        select(LogCosignature).where(LogCosignature.size == size).order_by(LogCosignature.witness_name)
    )
    return result.all()


async def last_cosigned(session: AsyncSession, witness_name: str) -> LogCheckpoint | None:
    """The largest checkpoint the witness has cosigned."""
    size = await session.scalar(
        select(func.max(LogCosignature.size)).where(LogCosignature.witness_name == witness_name)
    )
    return None if size is None else await checkpoint_at(session, size)


async def leaf_hashes(session: AsyncSession, size: int) -> list[bytes]:
    """The first ``size`` leaf hashes, in leaf order."""
    result = await session.scalars(
        select(LogLeaf.leaf_hash).where(LogLeaf.leaf_index < size).order_by(LogLeaf.leaf_index)
    )
    return list(result.all())


async def entry(session: AsyncSession, entry_id: uuid.UUID) -> AuditEntry | None:
    return await session.get(AuditEntry, entry_id)


async def leaves(session: AsyncSession, start: int, end: int) -> Sequence[tuple[LogLeaf, AuditEntry]]:
    """Leaves ``start`` to ``end - 1`` with their entries, in leaf order."""
    result = await session.execute(
        select(LogLeaf, AuditEntry)
        .join(AuditEntry, AuditEntry.id == LogLeaf.entry_id)
        .where(LogLeaf.leaf_index >= start, LogLeaf.leaf_index < end)
        .order_by(LogLeaf.leaf_index)
    )
    return [(leaf, audit_entry) for leaf, audit_entry in result.all()]
