"""The lean cast path on PostgreSQL (``app.ballot.lean``, issue #21) against the ordinary one: the same request
on both paths stores the same rows byte for byte and answers the same response, acceptances and refusals alike.

Each request runs on one path inside a savepoint, its rows are read, and the savepoint is rolled back, so the
other path gets exactly the same request on exactly the same data. Ids and the nonce are drawn from a fixed
sequence for each request, so even the commitments and entry hashes must agree.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from app.ballot import lean, repository, service
from app.ballot.models import PaperReception
from app.db.base import utcnow
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.ledger import ballot as ballot_document
from app.rules.paper import PaperForm, ReceptionStatus
from app.vote.models import VotingMethod
from tests.ballot.helpers import LI, WANG, ZHANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import election_topic, make_vote, option_topic, yes_no_topic

NOW = utcnow().replace(microsecond=0)

STORED = {
    "ballot": "SELECT id, vote_id, group_id, status, channel, answers::text, content_hash, nonce, cast_by_account_id,"
    " basis, grant_id, entered_by, scan_sha256, cast_at, void_reason, audit_entry_id FROM ballot"
    " WHERE vote_id = :vote ORDER BY id",
    "marks": "SELECT ballot_id, topic_id, item, vote_id, answer, area FROM ballot_mark WHERE vote_id = :vote"
    " ORDER BY ballot_id, topic_id, item",
    "entries": "SELECT id, kind, estate_id, vote_id, payload::text, payload_sha256, created_at FROM audit_entry"
    " WHERE vote_id = :vote AND kind = 'ballot.cast' ORDER BY id",
    "records": "SELECT r.account_id, r.key, r.request_sha256, r.status_code, r.body::text, r.created_at"
    " FROM idempotency_record r ORDER BY r.account_id, r.key",
    "sums": "SELECT topic_id, answer, sum(heads), sum(area) FROM tally_sum WHERE vote_id = :vote"
    " GROUP BY topic_id, answer ORDER BY topic_id, answer",
    "grants": "SELECT id, used_at FROM acting_grant ORDER BY id",
}


@pytest.fixture
def postgresql(app):  # type: ignore[no-untyped-def]
    if not app.state.lean_cast:
        pytest.skip("the lean path is PostgreSQL's; SQLite always casts through the ordinary path")


def _fixed_ids(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    counter = itertools.count(1)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))


async def _setup(session, app, *, kept=True):  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(
        session, app.state.cipher, now=NOW, topics=[yes_no_topic(), option_topic(), election_topic()]
    )
    if kept:
        await keep(session, fixture.vote)
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    zhang_id = await owner_id(session, app, ZHANG)
    agent = await make_account(session, app.state.cipher)  # no owner identity: acts only through the grant
    key = next(g.key for g in fixture.roll.groups if g.owner_keys == {str(li.owner_id), str(zhang_id)})
    session.add(
        ActingGrant(
            estate_id=fixture.places.estate.id, group_key=key, kind=ActingKind.PROXY, grantee_account_id=wang.id,
            requested_by_account_id=li.id, status=GrantStatus.APPROVED, evidence_type="WRITTEN",
            signed_by_owner_ids=[str(li.owner_id), str(zhang_id)], scope={}, decided_by="tests", decided_at=NOW,
        )
    )  # fmt: skip
    await session.commit()
    return (
        fixture,
        wang,
        li,
        agent,
        await group_of(session, fixture.vote.id, wang.owner_id),
        (await group_of(session, fixture.vote.id, li.owner_id, zhang_id)),
    )


async def keep(session, vote) -> None:  # type: ignore[no-untyped-def]
    """What a vote's first cast in a process keeps (and the lean path reads nothing without): its topics, its
    register version's organisations."""
    await repository.published_form(session, vote.id, vote.notice_hash or "")
    await repository.organisation_keys_in_version(session, vote.register_version_id, [])


async def test_the_same_requests_store_the_same_rows_and_answer_alike_on_both_paths(
    client, session, app, monkeypatch, postgresql
):  # type: ignore[no-untyped-def]
    fixture, wang, li, agent, own_group, proxied_group = await _setup(session, app)
    answers = answers_for(fixture)
    other = answers_for(fixture, **{str(fixture.topics[0].id): "OPPOSE"})
    keyed = {**bearer(app, wang), "Idempotency-Key": "k-1"}
    requests = [
        ({"group_id": own_group, "answers": answers}, keyed),  # cast, with a key
        ({"group_id": own_group, "answers": answers}, keyed),  # replayed
        ({"group_id": own_group, "answers": other}, keyed),  # the key reused for another request
        ({"group_id": own_group, "answers": other}, bearer(app, wang)),  # the group has voted
        ({"group_id": proxied_group, "answers": answers}, bearer(app, wang)),  # a proxy: the grant becomes used
        ({"group_id": proxied_group, "answers": answers}, bearer(app, li)),  # the group has voted
        ({"group_id": own_group, "answers": answers}, bearer(app, agent)),  # no owner identity
        ({"group_id": "0" * 32, "answers": answers}, bearer(app, wang)),  # not in the roll
        ({"group_id": own_group, "answers": {}}, bearer(app, li)),  # not entitled (checked before the answers)
    ]
    seen = {}
    for lean_path in (True, False):
        recorder = paths_spy(monkeypatch)
        app.state.lean_cast = lean_path
        await session.execute(text("SAVEPOINT both_paths"))  # SQL's own: the requests' sessions nest their own
        _fixed_ids(monkeypatch)
        responses = []
        for body, headers in requests:
            response = await client.post(f"/api/v1/votes/{fixture.vote.id}/ballots", json=body, headers=headers)
            answer = response.json()
            answer.pop("instance", None)
            answer.pop("request_id", None)  # drawn from the same sequence as the ids, by each path as it goes
            responses.append((response.status_code, answer))
        rows = {
            name: [tuple(row) for row in (await session.execute(text(sql), {"vote": fixture.vote.id})).all()]
            for name, sql in STORED.items()
        }
        await session.execute(text("ROLLBACK TO SAVEPOINT both_paths"))
        monkeypatch.undo()
        seen[lean_path] = responses, rows, list(recorder)
    lean_responses, lean_rows, lean_taken = seen[True]
    ordinary_responses, ordinary_rows, ordinary_taken = seen[False]
    assert [status for status, _ in lean_responses] == [201, 201, 422, 409, 201, 409, 403, 404, 403]
    assert lean_responses == ordinary_responses
    assert lean_rows == ordinary_rows
    assert len(lean_rows["ballot"]) == len(lean_rows["entries"]) == 2
    assert lean_rows["sums"]
    assert lean_rows["grants"][0][1] is not None  # R-CAST-4: used
    # Every request the lean path could decide alone took it; the ordinary run never touched it.
    assert lean_taken == ["lean"] * 9
    assert ordinary_taken == ["ordinary"] * 9


def paths_spy(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Record which path served each request (``lean``, ``fallback`` then ``ordinary``, or ``ordinary``)."""
    taken: list[str] = []
    original_lean, original_ordinary = lean.cast, service.cast

    async def lean_cast(*args: Any, **kwargs: Any) -> service.CastOutcome:
        try:
            outcome = await original_lean(*args, **kwargs)
        except lean.Fallback:
            taken.append("fallback")
            raise
        except Exception:
            taken.append("lean")
            raise
        taken.append("lean")
        return outcome

    async def ordinary_cast(*args: Any, **kwargs: Any) -> service.CastOutcome:
        taken.append("ordinary")
        return await original_ordinary(*args, **kwargs)

    monkeypatch.setattr(lean, "cast", lean_cast)
    monkeypatch.setattr(service, "cast", ordinary_cast)
    monkeypatch.setattr(ballot_document, "new_nonce", lambda: "5" * 32)
    return taken


async def test_a_vote_changed_after_the_read_sends_the_cast_down_the_ordinary_path(
    client, session, app, monkeypatch, postgresql
):  # type: ignore[no-untyped-def]
    """The write's guard: the vote row is no longer the version read (here changed in the cast's own transaction,
    as a close committed while the cast waited for its lock would be), so nothing is written and the ordinary path
    decides again, in a fresh transaction."""
    fixture, wang, *_, own_group, _ = await _setup(session, app)
    taken = paths_spy(monkeypatch)
    original_decide, original_transaction = lean.decide, lean.transaction
    drivers = []

    @asynccontextmanager
    async def kept_transaction(bind):  # type: ignore[no-untyped-def]
        async with original_transaction(bind) as driver:
            drivers.append(driver)
            yield driver

    async def decide_then_change_the_vote(*args: Any, **kwargs: Any) -> Any:
        await drivers[-1].execute("UPDATE vote SET title = title WHERE id = $1", fixture.vote.id)
        return await original_decide(*args, **kwargs)

    monkeypatch.setattr(lean, "transaction", kept_transaction)
    monkeypatch.setattr(lean, "decide", decide_then_change_the_vote)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": own_group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.status_code == 201, response.text
    assert taken == ["fallback", "ordinary"]
    ballots = (await session.execute(text(STORED["ballot"]), {"vote": fixture.vote.id})).all()
    assert [row.id for row in ballots] == [uuid.UUID(response.json()["ballot_id"])]


async def test_a_mixed_vote_with_a_paper_reception_refuses_alike_on_both_paths(client, session, app, postgresql):  # type: ignore[no-untyped-def]
    """R-PAPER-2: the group's paper ballot reached the organiser first; the refusal comes before the answers are
    read, on both paths (an invalid answer does not change it)."""
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    fixture.vote.voting_method = VotingMethod.MIXED
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    session.add(
        PaperReception(
            vote_id=fixture.vote.id, group_id=group, form=PaperForm.SHEET, scan_sha256="ab" * 32,
            received_at=NOW, status=ReceptionStatus.RECEIVED, recorded_by="tests", audit_entry_id=uuid.uuid4(),
        )
    )  # fmt: skip
    await session.commit()
    answered = {}
    for lean_path in (True, False):
        app.state.lean_cast = lean_path
        answered[lean_path] = [
            (response.status_code, response.json()["code"])
            for answers in (answers_for(fixture), {str(fixture.topics[0].id): "MAYBE"})
            for response in [
                await client.post(
                    f"/api/v1/votes/{fixture.vote.id}/ballots",
                    json={"group_id": group, "answers": answers},
                    headers=bearer(app, wang),
                )
            ]
        ]
    assert answered[True] == answered[False] == [(409, "ballot.already_cast")] * 2


async def test_a_vote_first_cast_in_a_process_reads_its_topics_on_the_ordinary_path_and_the_next_is_lean(
    client, session, app, monkeypatch, postgresql
):  # type: ignore[no-untyped-def]
    """The lean path reads nothing but its two statements: topics and organisations not kept yet send the cast
    down the ordinary path (in a transaction of its own), which keeps them for the next cast."""
    fixture, wang, li, _, own_group, proxied_group = await _setup(session, app, kept=False)
    taken = paths_spy(monkeypatch)
    for group, account in ((own_group, wang), (proxied_group, li)):
        response = await client.post(
            f"/api/v1/votes/{fixture.vote.id}/ballots",
            json={"group_id": group, "answers": answers_for(fixture)},
            headers=bearer(app, account),
        )
        assert response.status_code == 201, response.text
    assert taken == ["fallback", "ordinary", "lean"]
    ballots = (await session.execute(text(STORED["ballot"]), {"vote": fixture.vote.id})).all()
    assert len(ballots) == 2


async def test_the_cast_transaction_never_returns_a_connection_broken_or_in_a_transaction(race_app):  # type: ignore[no-untyped-def]
    """On the pool (a real one here): committed or rolled back, the connection goes back clean; cancelled in the
    middle, it is closed and replaced, never lent again."""
    if not race_app.state.lean_cast:
        pytest.skip("the lean path is PostgreSQL's")
    engine = race_app.state.cast_bind
    async with lean.transaction(engine) as driver:
        assert driver.is_in_transaction()
    assert not driver.is_in_transaction()
    lent = []

    async def lent_then(error: BaseException) -> None:
        async with lean.transaction(engine) as driver:
            lent.append(driver)
            await driver.execute("CREATE TEMPORARY TABLE rolled_back (id int)")
            raise error

    with pytest.raises(lean.Fallback):
        await lent_then(lean.Fallback())
    assert not lent[-1].is_in_transaction()
    assert not lent[-1].is_closed()
    assert engine.sync_engine.pool.checkedout() == 0
    with pytest.raises(asyncio.CancelledError):
        await lent_then(asyncio.CancelledError())
    cancelled = lent[-1]
    assert cancelled.is_closed()
    assert engine.sync_engine.pool.checkedout() == 0
    async with lean.transaction(engine) as driver:
        assert driver is not cancelled
        assert await driver.fetchval("SELECT to_regclass('rolled_back')") is None
