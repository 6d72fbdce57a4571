"""The PostgreSQL pool serves requests waiting for a connection in arrival order (``app.db.pool``)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

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
