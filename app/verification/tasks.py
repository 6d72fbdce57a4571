"""Background work of verification: the R-PI-4 document purge, run periodically from the app's lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.session import unit_of_work
from app.verification.service import purge_decided_documents

logger = logging.getLogger("evote.verification")


async def purge_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Callable[[], datetime], *, retention: timedelta
) -> int:
    """One purge in its own transaction."""
    async with unit_of_work(sessionmaker) as session:
        return await purge_decided_documents(session, clock(), retention=retention)


async def purge_documents_periodically(
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Callable[[], datetime],
    *,
    retention: timedelta,
    interval: timedelta = timedelta(hours=1),
) -> None:
    """Purge now and then every ``interval`` until cancelled; a failed run is logged and retried next time."""
    while True:
        try:
            deleted = await purge_once(sessionmaker, clock, retention=retention)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("verification document purge failed")
        else:
            if deleted:
                logger.info("verification documents purged", extra={"deleted": deleted})
        await asyncio.sleep(interval.total_seconds())
