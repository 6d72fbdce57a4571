"""Counted as recorded, the owner's path: after the close the caster downloads the counted proof of their ballot
(``GET /receipts/{entry_id}/counted``) and ``evote receipt check … --counted`` says offline, with only the log's
key, their answers and their nonce, that the ballot was counted, not only logged (docs/secrecy.md)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from app.audit import service as audit_service
from app.audit.integrator import integrate_once
from app.ballot.models import Ballot, BallotStatus
from app.cli import main as cli
from app.common.access import Role
from app.ledger import events
from app.ledger.events import Event, EventKind
from app.rules.counts import Weight
from app.vote.models import RollGroup
from tests.ballot.helpers import LI, WANG, ZHAO, answers_for, group_of, owner_id
from tests.ballot.test_cast_api import NOW
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote, yes_no_topic


@pytest.fixture
async def vote(client, app, session, sessionmaker, log_keys):
    """An online vote: Wang and Zhao cast online; Zhao's ballot is void as the earlier R-TALLY-9 left some."""
    app.state.log_keys = log_keys
    app.state.clock = lambda: NOW + timedelta(days=2)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    zhao = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, ZHAO))
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    await session.commit()
    committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    url = f"/api/v1/votes/{fixture.vote.id}"
    casts = {}
    for account in (wang, zhao, li):
        group = await group_of(session, fixture.vote.id, account.owner_id)
        answers = answers_for(fixture)
        cast = await client.post(
            f"{url}/ballots", json={"group_id": group, "answers": answers}, headers=bearer(app, account)
        )
        assert cast.status_code == 201, cast.text
        casts[account.id] = (cast.json(), answers)
    # A ballot voided under the earlier R-TALLY-9 (a backdated paper ballot voided it; R-PAPER-2 no longer lets
    # one void anything): such ballots stay in old logs, and their casters must get no counted proof.
    zhao_ballot = await session.get(Ballot, uuid.UUID(casts[zhao.id][0]["ballot_id"]))
    zhao_ballot.status, zhao_ballot.void_reason = BallotStatus.VOID, "voided under the earlier R-TALLY-9"
    group = await session.get(RollGroup, (fixture.vote.id, zhao_ballot.group_id))
    await audit_service.append(
        session,
        Event(EventKind.BALLOT_VOIDED, {"ballot_id": str(zhao_ballot.id), "group": group.pseudonym,
                                        "reason": zhao_ballot.void_reason}),
        estate_id=fixture.vote.estate_id, vote_id=fixture.vote.id, at=NOW + timedelta(days=1),
    )  # fmt: skip
    await session.commit()
    await integrate_once(sessionmaker, NOW + timedelta(days=2), keys=app.state.log_keys)
    return fixture, committee, casts, wang, zhao


async def _close(client, app, sessionmaker, fixture, committee) -> None:
    app.state.clock = lambda: fixture.vote.ends_at
    closed = await client.post(f"/api/v1/votes/{fixture.vote.id}/close", headers=committee)
    assert closed.status_code == 200, closed.text
    await integrate_once(sessionmaker, fixture.vote.ends_at, keys=app.state.log_keys)


async def test_the_owner_proves_offline_that_their_ballot_was_counted(client, app, sessionmaker, vote, tmp_path):
    fixture, committee, casts, wang, _ = vote
    cast, answers = casts[wang.id]
    url = f"/api/v1/receipts/{cast['audit_entry_id']}/counted"
    before = await client.get(url, headers=bearer(app, wang))
    assert before.status_code == 409
    assert before.headers["content-type"].startswith("application/problem+json")
    assert before.json()["code"] == "ballot.vote_not_closed"

    await _close(client, app, sessionmaker, fixture, committee)
    response = await client.get(url, headers=bearer(app, wang))
    assert response.status_code == 200, response.text
    proof = response.json()
    assert proof["format"] == "evote-counted-proof@v1"
    assert proof["commitment"] == cast["content_hash"]
    assert proof["vote_id"] == str(fixture.vote.id)
    assert proof["closed"]["entry"]["kind"] == "vote.closed"
    assert (
        proof["closed"]["entry"]["payload"]["counted"]["count"] == 2
    )  # Wang and Li; Zhao's void ballot is not counted

    key = (await client.get("/api/v1/log/keys")).json()["current"]["verifier_key"]
    receipt = (await client.get(f"/api/v1/receipts/{cast['audit_entry_id']}", headers=bearer(app, wang))).text
    files = {name: tmp_path / name for name in ("ballot.tlog-proof", "counted.json", "answers.json", "bad.json")}
    files["ballot.tlog-proof"].write_text(receipt)
    files["counted.json"].write_text(json.dumps(proof))
    files["answers.json"].write_text(json.dumps(answers))
    check = ["receipt", "check", str(files["ballot.tlog-proof"]), "--log-key", key, "--nonce", cast["nonce"]]
    check += ["--answers", f"@{files['answers.json']}"]
    assert cli([*check, "--counted", str(files["counted.json"])]) == 0

    # A tampered proof fails: one bit of the audit path, or the leaf index moved.
    tampered = json.loads(json.dumps(proof))
    tampered["proof"][0] = ("B" if tampered["proof"][0][0] == "A" else "A") + tampered["proof"][0][1:]
    for bad in (tampered, proof | {"index": 1 - proof["index"]}):
        files["bad.json"].write_text(json.dumps(bad))
        assert cli([*check, "--counted", str(files["bad.json"])]) == 1


async def test_a_ballot_not_in_the_counted_set_fails_the_check(client, app, sessionmaker, vote, tmp_path, capsys):
    fixture, committee, casts, wang, zhao = vote
    await _close(client, app, sessionmaker, fixture, committee)
    voided, answers = casts[zhao.id]
    response = await client.get(f"/api/v1/receipts/{voided['audit_entry_id']}/counted", headers=bearer(app, zhao))
    assert response.status_code == 409
    assert response.json()["code"] == "ballot.voided"

    # Zhao's voided ballot is logged (its receipt opens) but not counted: no counted proof leads to it.
    key = (await client.get("/api/v1/log/keys")).json()["current"]["verifier_key"]
    receipt = (await client.get(f"/api/v1/receipts/{voided['audit_entry_id']}", headers=bearer(app, zhao))).text
    wang_cast, _ = casts[wang.id]
    counted = await client.get(f"/api/v1/receipts/{wang_cast['audit_entry_id']}/counted", headers=bearer(app, wang))
    (tmp_path / "zhao.tlog-proof").write_text(receipt)
    check = ["receipt", "check", str(tmp_path / "zhao.tlog-proof"), "--log-key", key, "--nonce", voided["nonce"]]
    check += ["--answers", json.dumps(answers)]
    assert cli(check) == 0  # logged
    capsys.readouterr()
    for claimed in (counted.json(), counted.json() | {"commitment": voided["content_hash"]}):
        (tmp_path / "counted.json").write_text(json.dumps(claimed))
        assert cli([*check, "--counted", str(tmp_path / "counted.json")]) == 1
    assert "not proven to be in the counted set" in capsys.readouterr().out


async def test_only_the_caster_gets_the_counted_proof(client, app, session, sessionmaker, vote):
    fixture, committee, casts, wang, zhao = vote
    await _close(client, app, sessionmaker, fixture, committee)
    url = f"/api/v1/receipts/{casts[wang.id][0]['audit_entry_id']}/counted"
    other = await client.get(url, headers=bearer(app, zhao))
    assert other.status_code == 404
    assert other.json()["code"] == "log.receipt_not_found"
    assert (await client.get(url, headers=committee)).json()["code"] == "log.receipt_not_found"
    assert (await client.get(url)).status_code == 401


async def test_a_close_that_logged_no_counted_set_has_no_counted_proof(client, app, session, sessionmaker, vote):
    """A vote closed before the close signed its counted set: its vote.closed entry stays as it is (append-only)."""
    fixture, _, casts, wang, _ = vote
    legacy = events.vote_closed(
        closed_at=fixture.vote.ends_at.isoformat(), by="system", participating=Weight(2, 1), total=Weight(8, 90000)
    )
    await audit_service.append(session, legacy, estate_id=fixture.places.estate.id, vote_id=fixture.vote.id)
    await session.commit()
    await integrate_once(sessionmaker, NOW + timedelta(days=2), keys=app.state.log_keys)
    response = await client.get(
        f"/api/v1/receipts/{casts[wang.id][0]['audit_entry_id']}/counted", headers=bearer(app, wang)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "ballot.counted_set_not_logged"
