"""The lean cast's own transaction (plain BEGIN/COMMIT/ROLLBACK on a pooled driver connection): under a real task
cancellation mid-statement the connection never goes back lent in a transaction or busy, and the next borrower sees
nothing of the cancelled transaction; a COMMIT that PostgreSQL answers with ROLLBACK is no cast; a connection
already in a transaction is never joined."""

from __future__ import annotations

import asyncio

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.util import greenlet_spawn

from app.ballot import lean


@pytest.mark.parametrize("cancels", [1, 2, 5], ids=["once", "again-during-rollback", "level-triggered"])
async def test_a_cast_cancelled_mid_statement_leaves_the_pool_clean(race_app, cancels):  # type: ignore[no-untyped-def]
    if not race_app.state.lean_cast:
        pytest.skip("the lean path is PostgreSQL's")
    engine = race_app.state.cast_bind
    lent = []
    began = asyncio.Event()

    async def cast() -> None:
        async with lean.transaction(engine) as driver:
            lent.append(driver)
            began.set()
            await driver.execute("CREATE TEMPORARY TABLE leaked (id int)")
            await driver.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(cast())
    await began.wait()
    await asyncio.sleep(0.2)
    for _ in range(cancels):  # as anyio's cancel scopes do: cancelled again at every await until it ends
        task.cancel()
        await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):  # the cancellation surfaces as such, not as another error
        await task
    assert engine.sync_engine.pool.checkedout() == 0
    for _ in range(3):
        async with lean.transaction(engine) as driver:
            assert driver is not lent[0]
            assert await driver.fetchval("SELECT to_regclass('leaked')") is None
            idle_in_transaction = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state LIKE 'idle in transaction%'"
            )
            assert await driver.fetchval(idle_in_transaction) == 0


async def test_a_commit_answered_with_rollback_is_no_cast(race_app):  # type: ignore[no-untyped-def]
    if not race_app.state.lean_cast:
        pytest.skip("the lean path is PostgreSQL's")
    engine = race_app.state.cast_bind

    async def swallowing_an_error() -> None:
        async with lean.transaction(engine) as driver:
            with pytest.raises(asyncpg.PostgresError):
                await driver.execute("SELECT 1 / 0")  # swallowed: the transaction is aborted, COMMIT rolls it back

    with pytest.raises(lean.Fallback):
        await swallowing_an_error()
    assert engine.sync_engine.pool.checkedout() == 0


async def test_a_connection_already_in_a_transaction_is_never_joined(race_app):  # type: ignore[no-untyped-def]
    if not race_app.state.lean_cast:
        pytest.skip("the lean path is PostgreSQL's")
    engine = race_app.state.cast_bind
    pool = engine.sync_engine.pool
    pooled = await engine.raw_connection()
    await pooled.driver_connection.execute("BEGIN")  # as a connection that went back in a transaction would be
    await greenlet_spawn(pooled.close)
    with pytest.raises(lean.Fallback):
        async with lean.transaction(engine):
            pytest.fail("joined another transaction")
    assert pool.checkedout() == 0
