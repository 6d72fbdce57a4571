"""What a cast sees after waiting for the vote's casting lock, on both casting paths (``app.ballot.lean`` and
``app.ballot.service``), on a real PostgreSQL pool.

The lean path reads everything in one statement whose snapshot is taken before it waits for the lock; its write is
guarded by the vote row's version and the group's paper reception. Whatever else decides the cast (the grant it acts
through) must be judged as the ordinary path judges it: as it stands once the lock is held.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, text, update

from app.ballot import service
from app.ballot.models import Ballot, PaperReception
from app.db import locks
from app.db.base import utcnow
from app.db.session import unit_of_work
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.rules.paper import PaperForm, ReceptionStatus
from app.vote.models import Vote, VotingMethod
from tests.ballot.helpers import LI, WANG, ZHANG, cast_over_its_own_client, group_of, owner_id
from tests.ballot.test_lean_cast import keep
from tests.factories import make_account
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)


@pytest.fixture(params=[True, False], ids=["lean", "ordinary"])
async def world(race_app, request):  # type: ignore[no-untyped-def]
    if race_app.state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE): there is nothing to interleave")
    race_app.state.clock = lambda: NOW + timedelta(hours=1)
    race_app.state.lean_cast = request.param
    async with unit_of_work(race_app.state.sessionmaker) as session:
        fixture = await make_vote(session, race_app.state.cipher, now=NOW, topics=[yes_no_topic()])
        li = await make_account(session, race_app.state.cipher, owner_id=await owner_id(session, race_app, LI))
        zhang_id = await owner_id(session, race_app, ZHANG)
        agent = await make_account(session, race_app.state.cipher, owner_id=await owner_id(session, race_app, WANG))
        group = await group_of(session, fixture.vote.id, li.owner_id, zhang_id)
        key = next(g.key for g in fixture.roll.groups if g.owner_keys == {str(li.owner_id), str(zhang_id)})
        grant = ActingGrant(
            estate_id=fixture.places.estate.id, group_key=key, kind=ActingKind.PROXY, grantee_account_id=agent.id,
            requested_by_account_id=li.id, status=GrantStatus.APPROVED, evidence_type="WRITTEN_AUTHORISATION",
            signed_by_owner_ids=[str(li.owner_id), str(zhang_id)], scope={}, decided_by="tests", decided_at=NOW,
        )  # fmt: skip
        session.add(grant)
    async with unit_of_work(race_app.state.sessionmaker) as session:
        await keep(session, fixture.vote)  # else the lean path's first cast of the vote is the ordinary path's
    return race_app, fixture, agent, group, grant.id


async def _until_a_cast_waits(app, cast: asyncio.Task[httpx.Response]) -> None:  # type: ignore[no-untyped-def]
    """Until the cast's statement waits for the advisory lock (its snapshot is taken by then)."""
    async with app.state.engine.connect() as connection:
        for _ in range(500):
            waiting = await connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
            await connection.rollback()
            if waiting or cast.done():
                return
            await asyncio.sleep(0.01)
    raise AssertionError("the cast never waited for the lock")


async def test_a_grant_revoked_while_the_cast_waits_for_the_lock_no_longer_counts(world):  # type: ignore[no-untyped-def]
    """R-CAST-4: the proxy's grant is revoked (and the revocation committed) while the cast waits behind a state
    change; once the cast holds the lock the grant is revoked, and no ballot is cast through it."""
    app, fixture, agent, group, grant_id = world
    async with app.state.sessionmaker() as changer, changer.begin():
        await locks.exclusive(changer, fixture.vote.id)  # e.g. another group's paper reception in progress
        cast = asyncio.create_task(cast_over_its_own_client(app, fixture, agent, group))
        await _until_a_cast_waits(app, cast)
        async with unit_of_work(app.state.sessionmaker) as revoker:
            await revoker.execute(
                update(ActingGrant)
                .where(ActingGrant.id == grant_id, ActingGrant.used_at.is_(None))
                .values(status=GrantStatus.REVOKED, revoked_at=NOW + timedelta(hours=1), revoked_by="li")
            )
    response = await cast
    async with unit_of_work(app.state.sessionmaker) as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
        used_at = await session.scalar(select(ActingGrant.used_at).where(ActingGrant.id == grant_id))
    assert (response.status_code, ballots, used_at) == (403, 0, None), response.text


async def test_a_paper_ballot_received_while_the_cast_waits_wins(world):  # type: ignore[no-untyped-def]
    """R-PAPER-2: the group's paper ballot is received (under the vote's exclusive lock, the vote row untouched)
    while the cast waits; the paper ballot counts and the cast is refused."""
    app, fixture, agent, group, _ = world
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(update(Vote).where(Vote.id == fixture.vote.id).values(voting_method=VotingMethod.MIXED))
    async with app.state.sessionmaker() as receiver, receiver.begin():
        await locks.exclusive(receiver, fixture.vote.id)
        cast = asyncio.create_task(cast_over_its_own_client(app, fixture, agent, group))
        await _until_a_cast_waits(app, cast)
        receiver.add(
            PaperReception(
                vote_id=fixture.vote.id, group_id=group, form=PaperForm.SHEET, scan_sha256="ab" * 32,
                received_at=NOW + timedelta(hours=1), status=ReceptionStatus.RECEIVED, recorded_by="tests",
                audit_entry_id=fixture.vote.id,
            )
        )  # fmt: skip
    response = await cast
    async with unit_of_work(app.state.sessionmaker) as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
    assert (response.status_code, response.json().get("code"), ballots) == (409, "ballot.already_cast", 0)


async def test_two_casts_through_one_grant_released_together_make_one_ballot(world):  # type: ignore[no-untyped-def]
    """A double tap by the proxy while a state change holds the vote: both casts read the grant unused and write at
    once; one ballot, the other learns the group has voted (never a deadlock or a 5xx)."""
    app, fixture, agent, group, grant_id = world
    async with app.state.sessionmaker() as changer, changer.begin():
        await locks.exclusive(changer, fixture.vote.id)
        casts = [asyncio.create_task(cast_over_its_own_client(app, fixture, agent, group)) for _ in range(4)]
        await _until_a_cast_waits(app, casts[0])
        await asyncio.sleep(0.2)  # let the others reach the lock too (a weaker race if they don't, never wrong)
    responses = await asyncio.gather(*casts)
    async with unit_of_work(app.state.sessionmaker) as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
        used_at = await session.scalar(select(ActingGrant.used_at).where(ActingGrant.id == grant_id))
    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409], [
        response.text for response in responses
    ]
    assert ballots == 1
    assert used_at is not None


async def test_a_grant_revoked_after_the_ordinary_path_read_it_no_longer_counts(world, monkeypatch):  # type: ignore[no-untyped-def]
    """R-CAST-4 on the ordinary path: the revocation commits after the cast decided on the grant (a revocation
    takes no vote lock) and before it writes; the grant is locked and looked at again, and no ballot goes through."""
    app, fixture, agent, group, grant_id = world
    app.state.lean_cast = False
    original = service.decide
    revoked = []

    async def decide_then_revoke(*args, **kwargs):  # type: ignore[no-untyped-def]
        decided = await original(*args, **kwargs)
        if not revoked:
            async with unit_of_work(app.state.sessionmaker) as revoker:
                await revoker.execute(
                    update(ActingGrant)
                    .where(ActingGrant.id == grant_id, ActingGrant.used_at.is_(None))
                    .values(status=GrantStatus.REVOKED, revoked_at=NOW + timedelta(hours=1), revoked_by="li")
                )
            revoked.append(True)
        return decided

    monkeypatch.setattr(service, "decide", decide_then_revoke)
    response = await cast_over_its_own_client(app, fixture, agent, group)
    async with unit_of_work(app.state.sessionmaker) as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
        used_at = await session.scalar(select(ActingGrant.used_at).where(ActingGrant.id == grant_id))
    assert (response.status_code, ballots, used_at) == (403, 0, None), response.text
