"""Engine and session factories, with the SQLite hooks every environment needs.

pysqlite/aiosqlite defer BEGIN, which breaks SAVEPOINTs and lets two writers deadlock on lock upgrade;
the documented workaround is to emit BEGIN ourselves (IMMEDIATE, so a second writer waits for the busy
timeout instead of failing later). Foreign keys are off in SQLite unless turned on per connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.db.pool import FairAsyncQueuePool
from app.settings import Settings


def ensure_sqlite_directory(database_url: str) -> None:
    """The embedded database lives under ``var/``; create the folder on first start."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_directory(settings.database_url)
        engine = create_async_engine(url, echo=settings.db_echo, connect_args={"timeout": 30})
        install_sqlite_hooks(engine)
        return engine
    return create_async_engine(
        url,
        echo=settings.db_echo,
        # A fixed pool: connections opened under load stay open. An overflow connection is closed whenever the
        # pool's queue is momentarily full, and under sustained load that churns PostgreSQL sessions (8-12 a second
        # at 64 clients on 2 workers: a fork, authentication and cold caches each, bench/README.md).
        poolclass=FairAsyncQueuePool,  # waiting requests served in arrival order
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_pre_ping=settings.db_pool_pre_ping,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,  # asyncpg.connect's bound
            "server_settings": bounded_waits(settings),
        },
    )


def bounded_waits(settings: Settings) -> dict[str, str]:
    """Session defaults for every pooled PostgreSQL connection: no statement waits for a lock, or runs, unbounded.

    Set as startup parameters (asyncpg ``server_settings``), so they hold for every transaction without a round
    trip; a transaction that needs longer (none does today) can still ``SET LOCAL`` its own.
    """
    return {
        "lock_timeout": str(settings.db_lock_timeout_ms),
        "statement_timeout": str(settings.db_statement_timeout_ms),
    }


def install_sqlite_hooks(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us emit BEGIN (SQLAlchemy SQLite docs, asyncio recipe)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction for a CLI command or background job: commit on exit, roll back on error."""
    async with sessionmaker() as session, session.begin():
        yield session
