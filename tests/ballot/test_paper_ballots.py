"""Paper ballots in mixed mode (R-TALLY-9): entered by the organiser with the scan's hash; the earlier counts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.ballot.models import Ballot, BallotStatus
from app.common.access import Role
from app.vote.models import VotingMethod
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.ballot.test_cast_api import NOW
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote, yes_no_topic

SCAN = "ab" * 32


async def _setup(session, app, method=VotingMethod.MIXED):
    app.state.clock = lambda: NOW + timedelta(days=2)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    fixture.vote.voting_method = method
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    return fixture, wang, committee, group


async def test_an_earlier_paper_ballot_voids_a_later_online_one(client, session, app):
    fixture, wang, committee, group = await _setup(session, app)
    online = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert online.status_code == 201
    paper = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/paper-ballots",
        json={
            "group_id": group,
            "answers": {str(fixture.topics[0].id): "OPPOSE"},
            "received_at": (NOW + timedelta(days=1)).isoformat(),
            "scan_sha256": SCAN,
        },
        headers=committee,
    )
    assert paper.status_code == 201, paper.text
    assert paper.json()["basis"] == "PAPER_ENTRY"
    ballots = (await session.scalars(select(Ballot).where(Ballot.vote_id == fixture.vote.id))).all()
    by_channel = {ballot.channel.value: ballot for ballot in ballots}
    assert by_channel["ONLINE"].status is BallotStatus.VOID
    assert by_channel["ONLINE"].void_reason
    assert by_channel["PAPER"].status is BallotStatus.COUNTED
    assert by_channel["PAPER"].scan_sha256 == SCAN


async def test_a_later_paper_ballot_is_refused_when_the_group_voted_online(client, session, app):
    fixture, wang, committee, group = await _setup(session, app)
    await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    paper = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/paper-ballots",
        json={
            "group_id": group,
            "answers": {str(fixture.topics[0].id): "SPOILED"},
            "received_at": (NOW + timedelta(days=2)).isoformat(),
            "scan_sha256": SCAN,
        },
        headers=committee,
    )
    assert paper.json()["code"] == "ballot.already_cast"


async def test_spoiled_answers_only_on_paper_and_only_in_announced_mixed_votes(client, session, app):
    fixture, wang, committee, group = await _setup(session, app, method=VotingMethod.ONLINE)
    body = {
        "group_id": group,
        "answers": {str(fixture.topics[0].id): "SPOILED"},
        "received_at": (NOW + timedelta(days=1)).isoformat(),
        "scan_sha256": SCAN,
    }
    refused = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-ballots", json=body, headers=committee)
    assert refused.json()["code"] == "ballot.paper_not_allowed"
    online_spoiled = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": {str(fixture.topics[0].id): "SPOILED"}},
        headers=bearer(app, wang),
    )
    assert online_spoiled.json()["code"] == "ballot.answer_invalid"


async def test_paper_received_outside_the_window_and_owners_cannot_enter_paper(client, session, app):
    fixture, wang, committee, group = await _setup(session, app)
    body = {
        "group_id": group,
        "answers": {str(fixture.topics[0].id): "AGREE"},
        "received_at": (NOW - timedelta(days=1)).isoformat(),
        "scan_sha256": SCAN,
    }
    early = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-ballots", json=body, headers=committee)
    assert early.json()["code"] == "ballot.paper_received_outside_window"
    owner = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-ballots", json=body, headers=bearer(app, wang))
    assert owner.status_code == 404  # an owner holds no role on the estate
