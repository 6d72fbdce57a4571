"""The vote's casting lock: shared by every cast, exclusive for whatever changes the vote's state (STYLE.md §8.4).

Casts run side by side under the shared lock; closing, suspending, revoking and editing a vote take it exclusively,
so they wait for the casts in flight and no ballot lands after them (R-LIFE-5, R-LIFE-8, R-SUP).

On PostgreSQL this is a transaction-scoped advisory lock, not ``SELECT … FOR SHARE`` on the vote row: a row share
lock held by many transactions at once is recorded in the row itself as a MultiXact that every new caster has to
rebuild and write, so all casts of one vote queue on one heap page. The advisory lock lives only in the lock
manager. It is taken in a statement of its own: a statement that both waited for the lock and read the vote would
read it in the snapshot taken before the wait, and miss a close that committed meanwhile (``app.ballot.lean``
does read it so, and therefore writes only if the vote row is still the version it read).

SQLite has no concurrent writers at all: every write transaction starts with ``BEGIN IMMEDIATE`` and runs alone,
which gives the same guarantee; the functions do nothing there.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

LOCK_CLASS = 0x45564F54
"""The first key of evote's two-key advisory locks on votes ("EVOT"); single-key locks (the log integrator,
per-phone login serialisation) live in a separate key space in PostgreSQL."""


def lock_key(vote_id: uuid.UUID) -> tuple[int, int]:
    """Two signed 32-bit keys; a collision between two votes only makes one wait for the other, never less safe."""
    return LOCK_CLASS, int.from_bytes(vote_id.bytes[:4], "big", signed=True)


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def share(session: AsyncSession, vote_id: uuid.UUID) -> None:
    """Casting: many at once; waits while the vote's state is being changed."""
    if _is_postgresql(session):
        await session.execute(select(share_expression()), lock_parameters(vote_id))


def share_expression() -> ColumnElement[Any]:
    """The shared lock as a column expression (PostgreSQL), to take it in a query that reads only frozen rows;
    its keys are the bind parameters ``lock_parameters`` gives."""
    return func.pg_advisory_xact_lock_shared(bindparam("lock_class"), bindparam("lock_object"))


def lock_parameters(vote_id: uuid.UUID) -> dict[str, int]:
    lock_class, lock_object = lock_key(vote_id)
    return {"lock_class": lock_class, "lock_object": lock_object}


async def exclusive(session: AsyncSession, vote_id: uuid.UUID) -> None:
    """Changing the vote's state: waits for every cast in flight, and new casts wait for this transaction."""
    if _is_postgresql(session):
        await session.execute(select(func.pg_advisory_xact_lock(*lock_key(vote_id))))


async def try_exclusive(session: AsyncSession, vote_id: uuid.UUID) -> bool:
    """``exclusive`` without waiting: False when casts are in flight or another worker is changing the vote."""
    if not _is_postgresql(session):
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(*lock_key(vote_id)))))
