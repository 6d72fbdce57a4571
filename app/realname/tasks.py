"""Background work of verification: the R-PI-4 document purge, run periodically from the app's lifespan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.session import unit_of_work
from app.realname.service import purge_decided_documents


async def purge_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: Callable[[], datetime], *, retention: timedelta
) -> int:
    """One purge in its own transaction."""
    async with unit_of_work(sessionmaker) as session:
        return await purge_decided_documents(session, clock(), retention=retention)
