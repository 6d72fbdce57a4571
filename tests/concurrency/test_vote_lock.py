"""The vote's casting lock (app.db.locks) on a real PostgreSQL pool (R-LIFE-5, R-LIFE-8, R-SUP-2).

Casts share the lock; a state change (close, suspension) takes it exclusively. A cast that arrives while a state
change is in progress must wait for it and then see the new state — not the state of a snapshot taken before its
wait (the reason the lock is taken in a statement of its own). And casts must not wait for one another.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from app.ballot.models import Ballot
from app.db import locks
from app.db.base import utcnow
from app.db.session import unit_of_work
from app.vote.models import Vote, VoteStatus
from tests.ballot.helpers import LI, WANG, cast_over_its_own_client, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
async def world(race_app):
    if race_app.state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE): there is nothing to interleave")
    race_app.state.clock = lambda: NOW + timedelta(hours=1)
    async with unit_of_work(race_app.state.sessionmaker) as session:
        fixture = await make_vote(session, race_app.state.cipher, now=NOW, topics=[yes_no_topic()])
        wang = await make_account(session, race_app.state.cipher, owner_id=await owner_id(session, race_app, WANG))
        li = await make_account(session, race_app.state.cipher, owner_id=await owner_id(session, race_app, LI))
        groups = {
            "wang": await group_of(session, fixture.vote.id, wang.owner_id),
            "li": await group_of(session, fixture.vote.id, li.owner_id),
        }
    return race_app, fixture, {"wang": wang, "li": li}, groups


async def test_a_cast_waiting_on_a_state_change_sees_the_new_state(world):
    app, fixture, accounts, groups = world
    async with app.state.sessionmaker() as changer, changer.begin():
        await locks.exclusive(changer, fixture.vote.id)
        await changer.execute(update(Vote).where(Vote.id == fixture.vote.id).values(status=VoteStatus.SUSPENDED))
        cast = asyncio.create_task(cast_over_its_own_client(app, fixture, accounts["wang"], groups["wang"]))
        await asyncio.sleep(0.5)
        assert not cast.done()  # the cast waits for the state change in progress
    response = await cast
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "ballot.vote_not_votable"
    async with unit_of_work(app.state.sessionmaker) as session:
        assert await session.scalar(select(func.count()).select_from(Ballot)) == 0


async def test_casts_share_the_lock(world):
    app, fixture, accounts, groups = world
    async with app.state.sessionmaker() as other_cast, other_cast.begin():
        await locks.share(other_cast, fixture.vote.id)  # a cast in flight
        response = await asyncio.wait_for(
            cast_over_its_own_client(app, fixture, accounts["li"], groups["li"]), timeout=10
        )
        assert response.status_code == 201, response.text
        # ... while a state change must wait for the cast in flight.
        async with app.state.sessionmaker() as changer, changer.begin():
            assert not await locks.try_exclusive(changer, fixture.vote.id)


async def test_a_caller_without_the_right_never_takes_the_lock(world):
    """A plain owner POSTing a suspension is refused before the exclusive lock: casts in flight don't stall it, and it
    doesn't stall them (R-SUP-1 belongs to the street office)."""
    app, fixture, accounts, _ = world
    async with app.state.sessionmaker() as other_cast, other_cast.begin():
        await locks.share(other_cast, fixture.vote.id)  # a cast in flight
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
            response = await asyncio.wait_for(
                client.post(
                    f"/api/v1/votes/{fixture.vote.id}/suspend",
                    json={"reason": "试图阻塞投票", "document_ref": "无"},
                    headers=bearer(app, accounts["wang"]),
                ),
                timeout=5,
            )
    assert response.status_code in (403, 404), response.text
