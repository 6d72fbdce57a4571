"""Paper ballots in mixed mode (R-PAPER-1, R-PAPER-2, R-PAPER-4): received at the server's clock with a stored scan;
the earliest ballot of a group counts. The counting session is tested in tests/result/test_counting_session.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.ballot.models import Ballot, BallotStatus, PaperScan
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


async def _scan(client, vote_id, committee, content: bytes = b"%PDF- scan of a signed ballot") -> str:  # type: ignore[no-untyped-def]
    uploaded = await client.post(f"/api/v1/votes/{vote_id}/paper-scans", content=content, headers=committee)
    assert uploaded.status_code == 201, uploaded.text
    return str(uploaded.json()["sha256"])


async def test_a_paper_ballot_after_the_online_one_is_a_duplicate_and_voids_nothing(client, session, app):
    """R-PAPER-2 (replaces R-TALLY-9's "earlier typed date voids the online ballot")."""
    fixture, wang, committee, group = await _setup(session, app)
    online = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert online.status_code == 201
    scan = await _scan(client, fixture.vote.id, committee)
    paper = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/paper-receptions",
        json={
            "group_id": group,
            "form": "SHEET",
            "scan_sha256": scan,
            "date_on_paper": str((NOW - timedelta(days=3)).date()),
        },
        headers=committee,
    )
    assert paper.status_code == 201, paper.text
    assert paper.json()["status"] == "DUPLICATE"
    ballots = (await session.scalars(select(Ballot).where(Ballot.vote_id == fixture.vote.id))).all()
    assert [(ballot.channel.value, ballot.status) for ballot in ballots] == [("ONLINE", BallotStatus.COUNTED)]
    stored = await session.get(PaperScan, (fixture.vote.id, scan))
    assert stored is not None
    assert stored.content == b"%PDF- scan of a signed ballot"


async def test_paper_only_in_announced_mixed_votes_and_spoiled_answers_never_online(client, session, app):
    fixture, wang, committee, group = await _setup(session, app, method=VotingMethod.ONLINE)
    refused = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-scans", content=b"x", headers=committee)
    assert refused.json()["code"] == "ballot.paper_not_allowed"
    reception = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/paper-receptions",
        json={"group_id": group, "form": "SHEET", "scan_sha256": SCAN},
        headers=committee,
    )
    assert reception.json()["code"] == "ballot.paper_not_allowed"
    online_spoiled = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": {str(fixture.topics[0].id): "SPOILED"}},
        headers=bearer(app, wang),
    )
    assert online_spoiled.json()["code"] == "ballot.answer_invalid"


async def test_owners_cannot_record_paper_receptions_and_the_group_must_be_in_the_roll(client, session, app):
    fixture, wang, committee, group = await _setup(session, app)
    scan = await _scan(client, fixture.vote.id, committee)
    body = {"group_id": group, "form": "SEALED_ENVELOPE", "scan_sha256": scan}
    owner = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-receptions", json=body, headers=bearer(app, wang))
    assert owner.status_code == 404  # an owner holds no role on the estate
    stranger_group = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/paper-receptions", json=body | {"group_id": "f" * 32}, headers=committee
    )
    assert stranger_group.json()["code"] == "ballot.group_not_in_roll"
    envelope = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-receptions", json=body, headers=committee)
    assert envelope.status_code == 201, envelope.text
    assert (envelope.json()["form"], envelope.json()["status"]) == ("SEALED_ENVELOPE", "RECEIVED")
