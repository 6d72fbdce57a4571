"""Casting through the API: receipts, one final ballot per group, every refusal with its own code (issue #5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.ballot.models import Ballot, BallotMark
from app.db.base import utcnow
from app.identity.models import Account
from app.identity.service import OPERATOR
from app.vote.models import VotingMethod
from tests.ballot.helpers import LI, WANG, ZHANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import election_topic, make_vote, option_topic, yes_no_topic

NOW = utcnow().replace(microsecond=0)


async def _setup(session, app, **vote_kwargs):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(
        session, app.state.cipher, now=NOW, topics=[yes_no_topic(), option_topic(), election_topic()], **vote_kwargs
    )
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    return fixture, wang, group


async def _ballots(session, vote_id) -> int:
    return await session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id))


async def test_cast_returns_a_receipt_with_hash_and_audit_entry(client, session, app):
    fixture, wang, group = await _setup(session, app)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["group_id"] == group
    assert receipt["basis"] == "OWNER"
    assert len(receipt["content_hash"]) == 64
    entry = await session.get(AuditEntry, __import__("uuid").UUID(receipt["audit_entry_id"]))
    assert entry.kind == "ballot.cast"
    assert entry.payload["commitment"] == receipt["content_hash"]
    # The log names the group by its per-vote pseudonym, never the estate's group id, and never the answers.
    assert entry.payload["group"] == receipt["group_pseudonym"] != group
    assert "answers" not in entry.payload
    assert receipt["nonce"] not in str(entry.payload)
    assert len(receipt["nonce"]) == 32
    # R-TALLY-1 marks: 1 yes/no + 1 option + 7 candidates, each carrying the group's frozen area (18000).
    marks = (await session.scalars(select(BallotMark).where(BallotMark.vote_id == fixture.vote.id))).all()
    assert len(marks) == 9
    assert {mark.area for mark in marks} == {18000}


async def test_a_group_votes_once_and_cannot_change_its_ballot(client, session, app):
    fixture, wang, group = await _setup(session, app)
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    assert (
        await client.post(url, json={"group_id": group, "answers": answers_for(fixture)}, headers=bearer(app, wang))
    ).status_code == 201
    changed = answers_for(fixture, **{str(fixture.topics[0].id): "OPPOSE"})
    again = await client.post(url, json={"group_id": group, "answers": changed}, headers=bearer(app, wang))
    assert again.status_code == 409
    assert again.json()["code"] == "ballot.already_cast"  # R-TALLY-7
    assert await _ballots(session, fixture.vote.id) == 1


async def test_the_second_co_owner_is_told_the_group_has_voted(client, session, app):
    fixture, _, _ = await _setup(session, app)
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    zhang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, ZHANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, li.owner_id, zhang.owner_id)
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    first = await client.post(url, json={"group_id": group, "answers": answers_for(fixture)}, headers=bearer(app, li))
    assert first.json()["basis"] == "CO_OWNER"  # R-CAST-2
    second = await client.post(
        url, json={"group_id": group, "answers": answers_for(fixture)}, headers=bearer(app, zhang)
    )
    assert second.status_code == 409
    assert "已经投票" in second.json()["messages"]["zh"]


async def test_li_er_votes_separately_for_the_unit_he_owns_alone(client, session, app):
    """R-HEAD-3: {李二} and {李二, 张三} are different groups; each casts its own ballot."""
    fixture, _, _ = await _setup(session, app)
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    zhang_id = await owner_id(session, app, ZHANG)
    await session.commit()
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    for group in (
        await group_of(session, fixture.vote.id, li.owner_id),
        await group_of(session, fixture.vote.id, li.owner_id, zhang_id),
    ):
        response = await client.post(
            url, json={"group_id": group, "answers": answers_for(fixture)}, headers=bearer(app, li)
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("opens_in", "window", "code"),
    [
        (timedelta(hours=2), timedelta(days=7), "ballot.vote_not_open"),
        (-timedelta(days=7), timedelta(days=7), "ballot.vote_closed"),
    ],
)
async def test_ballots_only_inside_the_window(client, session, app, opens_in, window, code):
    fixture, wang, group = await _setup(session, app, opens_in=opens_in, window=window)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.status_code == 409
    assert response.json()["code"] == code


async def test_the_window_end_is_exclusive(client, session, app):
    fixture, wang, group = await _setup(session, app)
    app.state.clock = lambda: fixture.vote.ends_at  # R-LIFE-5: 24:00 is already closed
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.json()["code"] == "ballot.vote_closed"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda f, a: a.pop(str(f.topics[0].id)), "ballot.incomplete"),  # R-TALLY-1
        (lambda f, a: a.__setitem__("00000000-0000-0000-0000-000000000000", "AGREE"), "ballot.topic_not_publicised"),
        (lambda f, a: a.__setitem__(str(f.topics[0].id), "YES"), "ballot.answer_invalid"),
        (lambda f, a: a.__setitem__(str(f.topics[1].id), "Z"), "ballot.answer_invalid"),  # R-MULTI-1
        (
            lambda f, a: a.__setitem__(str(f.topics[2].id), {f"c{i}": "AGREE" for i in range(1, 8)} | {"x": "AGREE"}),
            "rules.election_write_in",
        ),
        (lambda f, a: a.__setitem__(str(f.topics[2].id), {f"c{i}": "AGREE" for i in range(1, 8)} | {}), "ok-8"),
    ],
)
async def test_invalid_ballots_are_refused_with_their_own_code(client, session, app, mutate, code):
    fixture, wang, group = await _setup(session, app)
    answers = answers_for(fixture)
    mutate(fixture, answers)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers},
        headers=bearer(app, wang),
    )
    if code == "ok-8":  # 7 approvals = 5 members + 2 alternates: exactly at the R-ELEC-3 limit
        assert response.status_code == 201, response.text
        return
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert await _ballots(session, fixture.vote.id) == 0


async def test_approvals_over_the_seat_limit_are_refused(client, session, app):
    """R-ELEC-3: 5 members + 2 alternates allow at most 7 AGREE marks; 8 candidates listed here."""
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(
        session, app.state.cipher, now=NOW, topics=[election_topic(tuple(f"c{i}" for i in range(1, 9)))]
    )
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    answers = {str(fixture.topics[0].id): {f"c{i}": "AGREE" for i in range(1, 9)}}
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers},
        headers=bearer(app, wang),
    )
    assert response.json()["code"] == "rules.election_approval_limit_exceeded"


async def test_unverified_and_unrelated_accounts_cannot_cast(client, session, app):
    fixture, _, group = await _setup(session, app)
    unverified = await make_account(session, app.state.cipher)
    stranger = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    await session.commit()
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    body = {"group_id": group, "answers": answers_for(fixture)}
    refused = await client.post(url, json=body, headers=bearer(app, unverified))
    assert (refused.status_code, refused.json()["code"]) == (403, "ballot.not_verified")  # R-CAST-1
    other = await client.post(url, json=body, headers=bearer(app, stranger))
    assert (other.status_code, other.json()["code"]) == (403, "cast.not_entitled")
    unknown = await client.post(
        url, json={"group_id": "0" * 32, "answers": answers_for(fixture)}, headers=bearer(app, stranger)
    )
    assert unknown.json()["code"] == "ballot.group_not_in_roll"


async def test_idempotency_key_returns_the_same_receipt_and_no_second_ballot(client, session, app):
    fixture, wang, group = await _setup(session, app)
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    headers = bearer(app, wang) | {"Idempotency-Key": "retry-1"}
    body = {"group_id": group, "answers": answers_for(fixture)}
    first = await client.post(url, json=body, headers=headers)
    retry = await client.post(url, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert await _ballots(session, fixture.vote.id) == 1
    other = await client.post(
        url, json=body | {"answers": answers_for(fixture, **{str(fixture.topics[0].id): "OPPOSE"})}, headers=headers
    )
    assert other.json()["code"] == "ballot.idempotency_key_reused"


async def test_a_paper_only_vote_refuses_online_ballots(client, session, app):
    fixture, wang, group = await _setup(session, app)
    fixture.vote.voting_method = VotingMethod.PAPER
    await session.commit()
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.json()["code"] == "ballot.online_not_allowed"


async def test_r_roll_5_new_owner_of_every_unit_casts_for_the_frozen_group(client, session, app, repo_root):
    fixture, wang, group = await _setup(session, app)
    # A new register version: both of 王一's units now belong to 赵五 (a new owner set), everything else unchanged.
    content = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
    content = content.replace("王一,110105198001010016", "赵五,110105199001010010")
    from app.register.parsing import RegisterFormat
    from app.register.service import import_register

    await import_register(
        session, fixture.places.estate.id, content.encode(), register_format=RegisterFormat.CSV, source_name="v2.csv",
        imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    buyer = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, "110105199001010010"))
    await session.commit()
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, buyer),
    )
    assert response.status_code == 201, response.text
    assert response.json()["basis"] == "TRANSFEREE"
    assert (await session.get(Account, wang.id)).owner_id == wang.owner_id
