"""Bounded waits on PostgreSQL (``db_lock_timeout_ms``, ``db_statement_timeout_ms``; app.db.session.bounded_waits).

A vote held exclusively (a close, a suspension in progress) makes its casts give up after the lock timeout with a
503 ``db.busy`` problem and Retry-After, so they release their pool connections; other estates' votes keep taking
ballots on a deliberately small pool.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from app.db import locks
from app.db.base import utcnow
from app.db.migrate import upgrade_async
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.main import attach_state, create_app
from tests.ballot.helpers import LI, WANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)
LOCK_TIMEOUT_MS = 2000


@pytest.fixture
async def small_pool_app(backend, fresh_database, test_settings):
    if backend.backend != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE); the bounds are PostgreSQL's")
    database = fresh_database("postgresql")
    await upgrade_async(database.url)
    # Four connections: casts stuck behind the lock for long would exhaust them at once.
    settings = test_settings.model_copy(
        update={"database_url": database.url, "db_pool_size": 4, "db_lock_timeout_ms": LOCK_TIMEOUT_MS}
    )
    engine = create_engine(settings)
    application = create_app(settings)
    attach_state(application, settings, engine, create_sessionmaker(engine))
    yield application
    await engine.dispose()


@pytest.fixture
async def two_estates(small_pool_app):
    app = small_pool_app
    app.state.clock = lambda: NOW + timedelta(hours=1)
    async with unit_of_work(app.state.sessionmaker) as session:
        held = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
        other = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
        # Owners are one identity across estates: 王一 and 李二 own units in both.
        accounts = [
            await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, id_number))
            for id_number in (WANG, LI)
        ]
        groups = {
            (fixture.vote.id, account.id): await group_of(session, fixture.vote.id, account.owner_id)
            for fixture in (held, other)
            for account in accounts
        }
    return app, held, other, accounts, groups


async def _cast(app, fixture, account, group) -> tuple[httpx.Response, float]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        started = time.monotonic()
        response = await client.post(
            f"/api/v1/votes/{fixture.vote.id}/ballots",
            json={"group_id": group, "answers": answers_for(fixture)},
            headers=bearer(app, account),
        )
        return response, time.monotonic() - started


async def test_connections_carry_the_lock_and_statement_timeouts(small_pool_app):
    async with small_pool_app.state.engine.connect() as connection:
        assert (await connection.scalar(text("SHOW lock_timeout"))) == "2s"
        assert (await connection.scalar(text("SHOW statement_timeout"))) == "30s"


async def test_casts_on_a_held_vote_fail_fast_while_other_estates_keep_casting(two_estates):
    app, held, other, accounts, groups = two_estates
    async with app.state.sessionmaker() as closer, closer.begin():
        await locks.exclusive(closer, held.vote.id)  # a close in progress that does not finish
        stuck = [
            asyncio.create_task(_cast(app, held, account, groups[(held.vote.id, account.id)]))
            for account in accounts * 3  # six casts: more than the pool's four connections
        ]
        await asyncio.sleep(0.2)
        others = await asyncio.wait_for(
            asyncio.gather(*(_cast(app, other, account, groups[(other.vote.id, account.id)]) for account in accounts)),
            timeout=8,
        )
        for response, _ in others:
            assert response.status_code == 201, response.text
        results = await asyncio.gather(*stuck)
    for response, elapsed in results:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "db.busy"
        assert response.headers["Retry-After"] == "2"
        # The lock timeout plus, at most, one other cast's timeout spent waiting for a pool connection.
        assert elapsed < 2 * LOCK_TIMEOUT_MS / 1000 + 1.5
    # Released: the held vote takes ballots again.
    response, _ = await _cast(app, held, accounts[0], groups[(held.vote.id, accounts[0].id)])
    assert response.status_code == 201, response.text
