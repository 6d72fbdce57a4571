"""The PostgreSQL pool serves requests waiting for a connection in arrival order (``app.db.pool``)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.util import greenlet_spawn

from app.db.pool import FairAsyncQueuePool
from app.db.session import create_engine


@pytest.fixture
async def one_connection_engine(backend, test_settings):
    if backend.backend != "postgresql":
        pytest.skip("SQLite has no connection pool to queue for")
    settings = test_settings.model_copy(
        update={"database_url": backend.url, "db_pool_size": 1, "db_pool_timeout_seconds": 0.5}
    )
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


async def test_a_connection_put_back_goes_to_the_longest_waiter_not_to_a_newcomer(one_connection_engine):
    engine = one_connection_engine
    served: list[str] = []

    async def request(name: str) -> None:
        async with engine.connect() as connection:
            served.append(name)
            await connection.execute(text("SELECT 1"))

    held = await engine.connect()
    waiting = [asyncio.create_task(request(name)) for name in ("first", "second")]
    await asyncio.sleep(0.05)  # both queue for the one connection
    await held.close()
    # Asks again before the woken waiter has run (as another request on the same event loop may): it queues last.
    await request("newcomer")
    await asyncio.gather(*waiting)
    assert served == ["first", "second", "newcomer"]


async def test_a_waiter_that_gives_up_leaves_the_line(one_connection_engine):
    engine = one_connection_engine

    async def connect() -> AsyncConnection:
        return await engine.connect()

    held = await engine.connect()
    with pytest.raises(sqlalchemy.exc.TimeoutError):
        await engine.connect()  # db_pool_timeout_seconds
    cancelled = asyncio.create_task(connect())
    await asyncio.sleep(0.05)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    waiting = asyncio.create_task(connect())
    await asyncio.sleep(0.05)
    await held.close()
    connection = await waiting  # the next one in line, past the two that left
    assert await connection.scalar(text("SELECT 1")) == 1
    await connection.close()
    assert engine.sync_engine.pool.checkedout() == 0


async def test_an_idle_connection_is_lent_and_taken_back_without_a_greenlet(one_connection_engine):
    """``connect_nowait`` / ``takes_back_nowait`` (the cast path's): only when no I/O is needed."""
    pool = one_connection_engine.sync_engine.pool
    assert pool.connect_nowait() is None  # nothing opened yet: opening needs a greenlet, and nothing was taken
    assert pool.checkedout() == 0
    first = await one_connection_engine.raw_connection()
    assert pool.connect_nowait() is None  # none idle: waiting needs a greenlet
    assert pool.takes_back_nowait()
    driver = first.driver_connection
    first.close()
    lent = pool.connect_nowait()
    assert lent is not None
    assert lent.driver_connection is driver
    assert await lent.driver_connection.fetchval("SELECT 1") == 1
    lent.close()
    assert (pool.checkedin(), pool.checkedout()) == (1, 0)


async def test_a_connection_to_open_again_is_left_to_the_greenlet(one_connection_engine):
    engine = one_connection_engine
    pool = engine.sync_engine.pool
    first = await engine.raw_connection()
    driver = first.driver_connection
    first.close()
    await asyncio.sleep(0.02)  # the pool compares times: the invalidation must come after the connection's start
    pool._invalidate(None)  # as after a disconnect: every idle connection is to be opened again before it is lent
    assert pool.connect_nowait() is None  # not even taken
    assert (pool.checkedin(), pool.checkedout()) == (1, 0)
    again = await engine.raw_connection()
    assert again.driver_connection is not driver
    assert await again.driver_connection.fetchval("SELECT 1") == 1
    again.close()
    assert (pool.checkedin(), pool.checkedout()) == (1, 0)


async def test_no_connection_is_lent_without_a_greenlet_when_pre_pinged(backend, test_settings):
    if backend.backend != "postgresql":
        pytest.skip("SQLite has no connection pool")
    settings = test_settings.model_copy(update={"database_url": backend.url, "db_pool_pre_ping": True})
    engine = create_engine(settings)
    try:
        (await engine.raw_connection()).close()
        assert engine.sync_engine.pool.connect_nowait() is None  # the ping is I/O
    finally:
        await engine.dispose()


async def test_a_connection_past_the_pools_size_is_not_taken_back_without_a_greenlet(backend):
    if backend.backend != "postgresql":
        pytest.skip("SQLite has no connection pool")
    engine = create_async_engine(backend.url, poolclass=FairAsyncQueuePool, pool_size=1, max_overflow=1)
    try:
        first, second = await engine.raw_connection(), await engine.raw_connection()
        first.close()
        assert not engine.sync_engine.pool.takes_back_nowait()  # the queue is full: the second one is to be closed
        await greenlet_spawn(second.close)
        assert engine.sync_engine.pool.checkedin() == 1
    finally:
        await engine.dispose()


async def test_unforeseen_io_when_lending_leaves_the_connection_to_the_greenlet(one_connection_engine, monkeypatch):
    pool = one_connection_engine.sync_engine.pool
    (await one_connection_engine.raw_connection()).close()

    def needs_io() -> None:
        raise sqlalchemy.exc.MissingGreenlet("greenlet_spawn has not been called")

    monkeypatch.setattr(pool, "connect", needs_io)
    assert pool.connect_nowait() is None
