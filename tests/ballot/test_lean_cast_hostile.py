"""Hostile requests on both casting paths (``app.ballot.lean`` and ``app.ballot.service``), PostgreSQL.

Each scenario changes the world (plain SQL, inside a savepoint), sends its requests, reads what was stored, and is
rolled back; then the same runs on the other path. Status, problem code, stored rows and the grant's use must agree:
the lean path may only be faster, never more permissive or stricter.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from app.identity.models import Account
from app.rules.paper import ReceptionStatus
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.ballot.test_lean_cast import NOW, STORED, _fixed_ids, _setup, keep, paths_spy
from tests.ballot.test_lean_cast import postgresql as postgresql  # the fixture
from tests.factories import bearer, make_api_key
from tests.factories_vote import make_vote, yes_no_topic

Request = tuple[uuid.UUID, dict[str, Any], dict[str, str]]


async def test_hostile_requests_are_answered_alike_on_both_paths(  # type: ignore[no-untyped-def]
    client, session, app, monkeypatch, postgresql
):
    fixture, wang, li, _, own, proxied = await _setup(session, app)
    vote = fixture.vote.id
    other = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])  # another estate
    await keep(session, other.vote)
    wang_there = await owner_id(session, app, WANG)
    await session.commit()
    other_own = await group_of(session, other.vote.id, wang_there)
    api_key = await make_api_key(session, app.state.token_hasher)
    election = next(t for t in fixture.topics if t.kind.value == "ELECTION")
    every_candidate = {c["id"]: "AGREE" for c in election.election["candidates"]}  # 7 approvals for 5 + 2 seats
    ok = answers_for(fixture)
    nobody = Account(id=uuid.uuid4())  # a token naming an account that does not exist
    w, l_ = bearer(app, wang), bearer(app, li)

    def cast(
        group: str,
        answers: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        vote_id: uuid.UUID = vote,
    ) -> Request:
        return vote_id, {"group_id": group, "answers": ok if answers is None else answers}, headers or w

    def on_vote(change: str) -> list[str]:
        return [f"UPDATE vote SET {change} WHERE id = '{vote}'"]

    elected = str(election.id)
    duplicate_reception = (
        "INSERT INTO paper_reception (id, vote_id, group_id, form, scan_sha256, received_at, status, recorded_by,"
        f" audit_entry_id) VALUES ('{uuid.uuid4()}', '{vote}', '{own}', 'SHEET', '{'ab' * 32}', now(),"
        f" '{ReceptionStatus.DUPLICATE.value}', 'tests', '{uuid.uuid4()}')"
    )
    scenarios: dict[str, tuple[list[str], list[Request]]] = {
        "every candidate approved": ([], [cast(own, answers_for(fixture, **{elected: every_candidate}))]),
        "a candidate not standing": (
            [], [cast(own, answers_for(fixture, **{elected: {**every_candidate, "c8": "AGREE"}}))]
        ),
        "a topic not in the notice": ([], [cast(own, {**ok, str(uuid.uuid4()): "AGREE"})]),
        "a topic missing": ([], [cast(own, dict(list(ok.items())[1:]))]),
        "an answer not offered": ([], [cast(own, answers_for(fixture, **{str(fixture.topics[0].id): "MAYBE"}))]),
        "a group of another vote": ([], [cast(other_own)]),
        "a vote of another estate, not bound there": (
            [], [cast(other_own, {str(other.topics[0].id): "AGREE"}, vote_id=other.vote.id)]
        ),
        "a closed vote": (on_vote("status = 'CLOSED'"), [cast(own)]),
        "a suspended vote": (on_vote("status = 'SUSPENDED'"), [cast(own)]),
        "not yet open": (on_vote("starts_at = now() + interval '2 days'"), [cast(own)]),
        "past its end": (on_vote(f"ends_at = '{NOW + timedelta(minutes=30)}'"), [cast(own)]),
        "notice not posted": (on_vote("posted_at = NULL"), [cast(own)]),
        "unpublished": (on_vote("published_at = NULL"), [cast(own)]),
        "paper only": (on_vote("voting_method = 'PAPER'"), [cast(own)]),
        "mixed, only a duplicate reception": ([*on_vote("voting_method = 'MIXED'"), duplicate_reception], [cast(own)]),
        "proxies switched off": (on_vote("proxies_allowed = false"), [cast(proxied)]),
        "a revoked grant": (["UPDATE acting_grant SET status = 'REVOKED', revoked_at = now()"], [cast(proxied)]),
        "an expired grant": ([f"UPDATE acting_grant SET valid_until = '{NOW}'"], [cast(proxied)]),
        "a grant for another vote": (
            [f"UPDATE acting_grant SET scope = '{{\"vote_ids\": [\"{uuid.uuid4()}\"]}}'"], [cast(proxied)]
        ),
        "a pending grant": (["UPDATE acting_grant SET status = 'PENDING'"], [cast(proxied)]),
        "a disabled account": ([f"UPDATE account SET disabled_at = now() WHERE id = '{wang.id}'"], [cast(own)]),
        "an account that does not exist": ([], [cast(own, headers=bearer(app, nobody))]),
        "a binding ended": ([f"UPDATE owner_binding SET ended_at = now() WHERE account_id = '{wang.id}'"], [cast(own)]),
        "an API key": ([], [cast(own, headers=api_key)]),
        "one key, two accounts": ([], [
            cast(own, headers={**w, "Idempotency-Key": "same"}),
            cast(proxied, headers={**l_, "Idempotency-Key": "same"}),
            cast(own, headers={**l_, "Idempotency-Key": "same"}),
        ]),
        "one key, another vote": ([], [
            cast(own, headers={**w, "Idempotency-Key": "k"}),
            cast(own, headers={**w, "Idempotency-Key": "k"}, vote_id=other.vote.id),
        ]),
        "co-owner after the proxy": ([], [cast(proxied), cast(proxied, headers={**l_, "Idempotency-Key": "x"})]),
    }  # fmt: skip
    seen: dict[bool, dict[str, Any]] = {}
    for lean_path in (True, False):
        app.state.lean_cast = lean_path
        seen[lean_path] = {}
        for name, (statements, requests) in scenarios.items():
            recorder = paths_spy(monkeypatch)
            await session.execute(text("SAVEPOINT scenario"))
            for statement in statements:
                await session.execute(text(statement))
            _fixed_ids(monkeypatch)
            answered = []
            for vote_id, body, headers in requests:
                response = await client.post(f"/api/v1/votes/{vote_id}/ballots", json=body, headers=headers)
                answer = response.json()
                answer.pop("instance", None)
                answer.pop("request_id", None)
                answered.append((response.status_code, answer))
            rows = {
                table: [tuple(row) for row in (await session.execute(text(query), {"vote": vote})).all()]
                for table, query in STORED.items()
            }
            await session.execute(text("ROLLBACK TO SAVEPOINT scenario"))
            monkeypatch.undo()
            seen[lean_path][name] = answered, rows, list(recorder)
    for name in scenarios:
        lean_answers, lean_rows, _ = seen[True][name]
        ordinary_answers, ordinary_rows, _ = seen[False][name]
        assert lean_answers == ordinary_answers, name
        assert lean_rows == ordinary_rows, name
    answered = {name: [status for status, _ in seen[True][name][0]] for name in scenarios}
    assert answered == {
        "every candidate approved": [201], "a candidate not standing": [422], "a topic not in the notice": [422],
        "a topic missing": [422], "an answer not offered": [422], "a group of another vote": [404],
        "a vote of another estate, not bound there": [403], "a closed vote": [409], "a suspended vote": [409],
        "not yet open": [409], "past its end": [409], "notice not posted": [409], "unpublished": [404],
        "paper only": [409], "mixed, only a duplicate reception": [201], "proxies switched off": [403],
        "a revoked grant": [403], "an expired grant": [403], "a grant for another vote": [403],
        "a pending grant": [403], "a disabled account": [401], "an account that does not exist": [401],
        "a binding ended": [403], "an API key": [403], "one key, two accounts": [201, 201, 422],
        "one key, another vote": [201, 422], "co-owner after the proxy": [201, 409],
    }  # fmt: skip
    # Every access token's request took the lean path; the API key the ordinary one.
    assert seen[True]["an API key"][2] == ["ordinary"]
    assert all(seen[True][name][2][0] == "lean" for name in scenarios if name != "an API key")


async def test_a_remembered_token_is_judged_by_the_clock_of_each_cast(client, session, app, postgresql):  # type: ignore[no-untyped-def]
    """The verified-token cache spares the signature check only: a token used while valid is expired for the cast
    once the clock passes its ``exp``, and one the clock has not reached yet (``nbf``) is refused, cached or not."""
    fixture, wang, *_, own, _ = await _setup(session, app)
    headers = bearer(app, wang)  # issued at NOW + 1 h, valid for the configured lifetime
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    body = {"group_id": own, "answers": {}}
    assert (await client.post(url, json=body, headers=headers)).status_code == 422  # accepted, the token cached
    lifetime = app.state.tokens.access_ttl
    app.state.clock = lambda: NOW + timedelta(hours=1) + lifetime
    expired = await client.post(url, json=body, headers=headers)
    assert (expired.status_code, expired.json()["code"]) == (401, "auth.token_expired")
    app.state.clock = lambda: NOW + timedelta(minutes=59)  # before its nbf, beyond the 30 s of skew
    early = await client.post(url, json=body, headers=headers)
    assert (early.status_code, early.json()["code"]) == (401, "auth.token_invalid")
