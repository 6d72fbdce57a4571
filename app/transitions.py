"""Time-driven transitions without traffic: votes past their end are closed, decided and published.

Transitions happen without traffic (a background task in the service, safe with several workers) and are also
applied on read: reads report ``effective_status`` from the clock (``app.vote.lifecycle.status_at``); this
module makes the stored state catch up.

It sits at the composition layer, beside ``app.main``, not in ``app.vote``: closing runs the tally
(``app.result.service.close_and_decide``), and ``app.result`` imports ``app.vote``, so the vote package importing
the result package would make the two import each other.

Safety with several workers (each process runs its own ``TransitionRunner``): every due vote is handled in
its own transaction that first takes the vote row with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a vote
another worker is deciding is skipped rather than waited for; ``close_and_decide`` then re-reads the locked
row and does nothing for a vote already published, and the result rows are unique per topic. On SQLite
``BEGIN IMMEDIATE`` serialises the writers, so the second one finds the vote published.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.keys import LogKeys
from app.errors import DomainError
from app.result import service as result_service
from app.tasks import PeriodicTask
from app.vote import repository as vote_repository

logger = logging.getLogger("evote.transitions")

Job = Callable[[async_sessionmaker[AsyncSession], datetime], Awaitable[int]]


async def run_due_transitions(sessionmaker: async_sessionmaker[AsyncSession], now: datetime, *, keys: LogKeys) -> int:
    """Close, decide and publish every vote whose window ended by ``now``; returns how many this call moved.

    A vote that fails is logged and left for the next run; the others still proceed.
    """
    async with sessionmaker() as session, session.begin():
        due = await vote_repository.due_vote_ids(session, now)
    moved = 0
    for vote_id in due:
        try:
            async with sessionmaker() as session, session.begin():
                if not await vote_repository.try_lock_vote(session, vote_id):
                    continue  # another worker holds it (PostgreSQL); it will finish or the next run will
                decision = await result_service.close_and_decide(session, vote_id, now=now, keys=keys)
        except DomainError as exc:
            logger.warning("vote %s not closed: %s", vote_id, exc.code)
            continue
        except Exception:
            logger.exception("closing vote %s failed", vote_id)
            continue
        if decision.transitioned:
            moved += 1
            logger.info("vote %s closed, decided and published", vote_id)
    return moved


class TransitionRunner(PeriodicTask[int]):
    """Runs ``run_due_transitions`` with the app clock every ``interval_seconds`` (``app.tasks.PeriodicTask``)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        interval_seconds: float,
        keys: LogKeys | None = None,
        job: Job | None = None,
    ) -> None:
        """``job`` defaults to ``run_due_transitions`` signing with ``keys``."""
        if job is None:
            if keys is None:
                raise ValueError("TransitionRunner needs the log keys or a job")
            signing_keys = keys

            async def default_job(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
                return await run_due_transitions(sessionmaker, now, keys=signing_keys)

            job = default_job
        run = job
        super().__init__(
            "transitions", lambda: run(sessionmaker, clock()), interval_seconds=interval_seconds, fallback=0
        )
