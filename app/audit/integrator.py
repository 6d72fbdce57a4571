"""The integrator: folds committed audit entries into the Merkle tree and signs checkpoints (STYLE.md §8.4.4).

Casting only inserts its entry. One integrator at a time (PostgreSQL: a transaction-scoped advisory lock;
SQLite: ``BEGIN IMMEDIATE`` already admits one writer) does, in one transaction:

1. read the tree's size and compact-range frontier from the one-row ``log_state`` (creating it at size 0);
2. select the committed entries without a leaf index, oldest first by ``(created_at, id)``, at most a batch;
3. give them the next leaf indexes in that order, store their leaf hashes (``log_leaf``), set
   ``audit_entry.leaf_index``, and extend the frontier;
4. sign a checkpoint of the new tree (``log_checkpoint``) when entries were added, when there is none yet,
   or when asked to (``integrate_and_sign``, e.g. once a vote's result is recorded).

Sequence values and timestamps are taken before commit, so entries commit out of order: an entry that
commits late simply gets a later leaf index. Leaf order is integration order, never a promise about time.
A crash anywhere rolls the whole step back; the next run starts again from ``log_state``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint, LogLeaf, LogState
from app.audit.repository import document_of, latest_checkpoint
from app.db.session import unit_of_work
from app.ledger.entries import entry_leaf_hash
from app.ledger.errors import NoteUnverified
from app.ledger.merkle import EMPTY_ROOT, HASH_SIZE, CompactRange
from app.ledger.note import Checkpoint, open_note
from app.tasks import PeriodicTask

logger = logging.getLogger("evote.audit")

#: ``pg_advisory_xact_lock`` key of the integrator: the ASCII of "evotelog".
ADVISORY_LOCK_KEY = int.from_bytes(b"evotelog", "big")
BATCH_SIZE = 5000
STATE_ID = 1


@dataclass(frozen=True, slots=True)
class Integration:
    """One integrator step: whether it ran (held the lock), how many entries it added, what it signed."""

    ran: bool
    integrated: int = 0
    checkpoint: Checkpoint | None = None
    """The checkpoint signed (or, when asked to sign and nothing changed, confirmed) in this step."""


async def integrate_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    keys: LogKeys,
    batch_size: int = BATCH_SIZE,
) -> Checkpoint | None:
    """One step in its own transaction: the checkpoint it signed, or None (nothing new, or another integrator ran)."""
    async with unit_of_work(sessionmaker) as session:
        step = await integrate(session, now, keys=keys, batch_size=batch_size)
    return step.checkpoint


async def integrate_and_sign(
    target: AsyncSession | async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    keys: LogKeys,
) -> Checkpoint:
    """Integrate every committed entry and return a signed checkpoint covering them, waiting for the lock.

    Given a sessionmaker, works in transactions of its own (call it after your transaction commits); given a
    session, works in that session's transaction, and its own uncommitted entries are integrated too.
    """
    while True:
        if isinstance(target, AsyncSession):
            step = await integrate(target, now, keys=keys, wait=True, force=True)
        else:
            async with unit_of_work(target) as session:
                step = await integrate(session, now, keys=keys, wait=True, force=True)
        if step.integrated < BATCH_SIZE:
            if step.checkpoint is None:  # unreachable: a forced step that waited for the lock always signs
                raise RuntimeError("the integrator did not sign a checkpoint")
            return step.checkpoint


async def integrate(
    session: AsyncSession,
    now: datetime,
    *,
    keys: LogKeys,
    wait: bool = False,
    force: bool = False,
    batch_size: int = BATCH_SIZE,
) -> Integration:
    """One integrator step in the caller's transaction (see the module docstring)."""
    if not await _lock(session, wait=wait):
        return Integration(ran=False)
    state = await _state(session, now)
    tree = CompactRange(state.size, _split(state.frontier))
    entries = (
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.leaf_index.is_(None))
            .order_by(AuditEntry.created_at, AuditEntry.id)
            .limit(batch_size)
        )
    ).all()
    hashes = [entry_leaf_hash(document_of(entry)) for entry in entries]
    if entries:
        await session.execute(
            insert(LogLeaf),
            [
                {"leaf_index": tree.size + offset, "entry_id": entry.id, "leaf_hash": leaf}
                for offset, (entry, leaf) in enumerate(zip(entries, hashes, strict=True))
            ],
        )
        for offset, entry in enumerate(entries):
            entry.leaf_index = tree.size + offset
        tree = tree.extend(hashes)
        state.size, state.frontier, state.root_hash, state.updated_at = (
            tree.size,
            b"".join(tree.hashes),
            tree.root(),
            now,
        )
    checkpoint = Checkpoint(keys.origin, tree.size, tree.root())
    latest = await latest_checkpoint(session)
    if entries or latest is None:
        session.add(
            LogCheckpoint(
                size=tree.size, root_hash=checkpoint.root_hash, note_text=keys.sign(checkpoint), created_at=now
            )
        )
    elif force:
        _resign_if_retired(latest, checkpoint, keys)
    else:
        return Integration(ran=True)
    await session.flush()
    if entries:
        logger.info("audit log integrated", extra={"entries": len(entries), "size": tree.size})
    return Integration(ran=True, integrated=len(entries), checkpoint=checkpoint)


def _resign_if_retired(latest: LogCheckpoint, checkpoint: Checkpoint, keys: LogKeys) -> None:
    """Asked to sign with nothing new: keep the existing checkpoint unless a retired key signed it."""
    if latest.size != checkpoint.size or latest.root_hash != checkpoint.root_hash:
        raise RuntimeError(f"log_state (size {checkpoint.size}) disagrees with the latest checkpoint ({latest.size})")
    try:
        open_note(latest.note_text, [keys.verifier])
    except NoteUnverified:
        latest.note_text = keys.sign(checkpoint)  # witness cosignatures sign the body and stay valid


async def _lock(session: AsyncSession, *, wait: bool) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE admits one writer at a time
    if wait:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        return True
    acquired = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    return bool(acquired)


async def _state(session: AsyncSession, now: datetime) -> LogState:
    state = await session.scalar(select(LogState).where(LogState.id == STATE_ID).with_for_update())
    if state is None:
        state = LogState(id=STATE_ID, size=0, frontier=b"", root_hash=EMPTY_ROOT, updated_at=now)
        session.add(state)
        await session.flush()
    return state


def _split(frontier: bytes) -> tuple[bytes, ...]:
    return tuple(frontier[start : start + HASH_SIZE] for start in range(0, len(frontier), HASH_SIZE))


class IntegratorRunner(PeriodicTask[int]):
    """Runs the integrator every ``interval_seconds`` in the app's lifespan (``app.tasks.PeriodicTask``)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        keys: LogKeys,
        interval_seconds: float,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._keys = keys
        self._batch_size = batch_size
        super().__init__("log-integrator", self._integrate_all, interval_seconds=interval_seconds, fallback=0)

    async def _integrate_all(self) -> int:
        """Integrate until the queue is empty (batch by batch); the number of entries integrated."""
        total = 0
        while True:
            async with unit_of_work(self._sessionmaker) as session:
                step = await integrate(session, self._clock(), keys=self._keys, batch_size=self._batch_size)
            total += step.integrated
            if step.integrated < self._batch_size or self.stopping:
                return total
