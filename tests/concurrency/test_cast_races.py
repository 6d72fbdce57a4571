"""Races on a real connection pool: 100 concurrent attempts for one voter group yield exactly one ballot.

Co-owners, an approved proxy, and retries with and without the same Idempotency-Key all hit the unique
(vote, group) key at once (R-TALLY-7, R-CAST-2); the winner's receipt is the one every same-key retry gets.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from app.ballot.models import Ballot, BallotMark
from app.db.base import utcnow
from app.db.session import unit_of_work
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from tests.ballot.helpers import LI, WANG, ZHANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import election_topic, make_vote, option_topic, yes_no_topic

NOW = utcnow().replace(microsecond=0)
ATTEMPTS = 100


async def test_100_concurrent_attempts_for_one_group_make_exactly_one_ballot(race_app):
    app = race_app
    app.state.clock = lambda: NOW + timedelta(hours=1)
    async with unit_of_work(app.state.sessionmaker) as session:
        fixture = await make_vote(
            session, app.state.cipher, now=NOW, topics=[yes_no_topic(), option_topic(), election_topic()]
        )
        li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
        zhang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, ZHANG))
        agent = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
        group = await group_of(session, fixture.vote.id, li.owner_id, zhang.owner_id)
        co_owners = {str(li.owner_id), str(zhang.owner_id)}
        key = next(roll_group.key for roll_group in fixture.roll.groups if roll_group.owner_keys == co_owners)
        session.add(
            ActingGrant(
                estate_id=fixture.places.estate.id, group_key=key, kind=ActingKind.PROXY,
                grantee_account_id=agent.id, requested_by_account_id=li.id, status=GrantStatus.APPROVED,
                evidence_type="WRITTEN_AUTHORISATION", signed_by_owner_ids=[str(li.owner_id), str(zhang.owner_id)],
                scope={}, decided_by="tests", decided_at=NOW,
            )
        )  # fmt: skip
        vote_id = fixture.vote.id
        answers = answers_for(fixture)
    casters = [li, zhang, agent]
    url = f"/api/v1/votes/{vote_id}/ballots"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:

        async def attempt(number: int) -> httpx.Response:
            caster = casters[number % 3]
            headers = bearer(app, caster)
            if number % 4 == 0:  # mobile retries with one key per caster
                headers["Idempotency-Key"] = f"retry-{caster.id}"
            return await client.post(url, json={"group_id": group, "answers": answers}, headers=headers)

        responses = await asyncio.gather(*(attempt(number) for number in range(ATTEMPTS)))

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses if r.status_code not in (201, 409)][:3]
    winners = {response.json()["ballot_id"] for response in responses if response.status_code == 201}
    assert len(winners) == 1  # every 201 (first cast and same-key replays) names the same ballot
    assert all(r.json()["code"] == "ballot.already_cast" for r in responses if r.status_code == 409)
    async with unit_of_work(app.state.sessionmaker) as session:
        ballots = await session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id))
        marks = await session.scalar(select(func.count()).select_from(BallotMark).where(BallotMark.vote_id == vote_id))
        assert ballots == 1
        assert marks == 9
        assert str(await session.scalar(select(Ballot.id).where(Ballot.vote_id == vote_id))) in winners


async def test_one_key_sent_with_two_different_casts_at_once_gives_one_ballot_and_a_422(race_app):
    """李二 casts for both of his groups at the same moment with one Idempotency-Key: whichever commits first gets
    its ballot; the other is refused as a reused key (422), never a generic conflict, and leaves nothing behind."""
    app = race_app
    app.state.clock = lambda: NOW + timedelta(hours=1)
    async with unit_of_work(app.state.sessionmaker) as session:
        fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
        li_owner, zhang_owner = await owner_id(session, app, LI), await owner_id(session, app, ZHANG)
        li = await make_account(session, app.state.cipher, owner_id=li_owner)
        groups = [
            await group_of(session, fixture.vote.id, li_owner),
            await group_of(session, fixture.vote.id, li_owner, zhang_owner),
        ]
        vote_id, answers = fixture.vote.id, answers_for(fixture)
    headers = bearer(app, li) | {"Idempotency-Key": "one-key"}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        url = f"/api/v1/votes/{vote_id}/ballots"
        responses = await asyncio.gather(
            *(client.post(url, json={"group_id": group, "answers": answers}, headers=headers) for group in groups)
        )
    assert sorted(response.status_code for response in responses) == [201, 422], [r.text for r in responses]
    refused = next(response for response in responses if response.status_code == 422)
    assert refused.json()["code"] == "ballot.idempotency_key_reused"
    async with unit_of_work(app.state.sessionmaker) as session:
        assert await session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)) == 1
