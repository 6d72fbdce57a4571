"""Owner receipts (issue #6 item 4): the caster downloads a c2sp.org/tlog-proof of their ballot's audit entry,
and ``app.ledger.receipt.verify_receipt`` alone, with only the log's verifier key string, says it is in the
signed log. Flipping any byte of the entry, the proof or the note makes it fail; nobody else gets the receipt.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest

from app.audit.integrator import integrate_once
from app.db.base import utcnow
from app.ledger.receipt import PROOF_HEADER, open_receipt, verify_receipt
from tests.audit.conftest import WITNESS, WITNESS_KEY, append
from tests.ballot.helpers import WANG, ZHAO, answers_for, group_of, owner_id
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
async def cast(client, app, session, log_keys):
    """Wang casts a ballot; returns (receipt of the cast, Wang, Zhao)."""
    app.state.log_keys = log_keys
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    zhao = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, ZHAO))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.status_code == 201, response.text
    return response.json(), wang, zhao


async def published_key(client) -> str:
    return (await client.get("/api/v1/log/keys")).json()["current"]["verifier_key"]


async def test_a_receipt_verifies_offline_with_only_the_published_key(client, app, session, sessionmaker, cast):
    receipt, wang, _ = cast
    url = f"/api/v1/receipts/{receipt['audit_entry_id']}"
    pending = await client.get(url, headers=bearer(app, wang))
    assert pending.status_code == 404
    assert pending.json()["code"] == "log.entry_not_integrated"
    assert pending.headers["retry-after"] == "2"

    await append(session, 4)  # other entries around it, so the proof is not trivial
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    await append(session, 3)
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)

    key = await published_key(client)
    text = await client.get(url, headers=bearer(app, wang))
    assert text.status_code == 200, text.text
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.headers["content-disposition"] == f'attachment; filename="{receipt["audit_entry_id"]}.tlog-proof"'
    assert text.text.startswith(PROOF_HEADER + "\nextra ")
    assert verify_receipt(text.text, key)
    proved = open_receipt(text.text, key)
    assert proved.entry["id"] == receipt["audit_entry_id"]
    assert proved.entry["kind"] == "ballot.cast"
    assert proved.entry["payload"]["commitment"] == receipt["content_hash"]
    assert proved.entry["payload"]["ballot_id"] == receipt["ballot_id"]
    assert proved.checkpoint.size >= 8

    document = (await client.get(url, params={"format": "json"}, headers=bearer(app, wang))).json()
    assert document["proof_text"] == text.text
    assert document["log_key"] == key
    assert document["index"] == proved.index
    assert document["tree_size"] == proved.checkpoint.size
    assert document["entry"] == proved.entry
    assert verify_receipt(document, key)
    assert verify_receipt(json.dumps(document), key)


async def test_flipping_any_byte_of_a_downloaded_receipt_makes_it_fail(client, app, session, sessionmaker, cast):
    receipt, wang, _ = cast
    await append(session, 2)
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    key = await published_key(client)
    data = (await client.get(f"/api/v1/receipts/{receipt['audit_entry_id']}", headers=bearer(app, wang))).content
    assert verify_receipt(data, key)
    extra_line = data.split(b"\n")[1]
    entry = base64.b64decode(extra_line.removeprefix(b"extra "))
    assert b'"payload"' in entry
    for position in range(len(data)):  # the entry (extra line), the index, the proof hashes and the note
        tampered = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
        assert not verify_receipt(tampered, key), position
    # Changing a payload value and re-encoding it canonically still fails: the leaf is not in the tree.
    changed = entry.replace(receipt["content_hash"].encode(), b"0" * 64)
    forged = data.replace(extra_line, b"extra " + base64.b64encode(changed))
    assert not verify_receipt(forged, key)
    # A receipt verified against some other log key fails.
    other = (await client.get("/api/v1/log/keys")).json()["witnesses"][0]["verifier_key"]
    assert not verify_receipt(data, other)


async def test_the_receipt_carries_witness_cosignatures(client, app, session, sessionmaker, cast):
    from tests.audit.conftest import cosigned_now

    receipt, wang, _ = cast
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    note = (await client.get("/api/v1/log/checkpoint")).text
    posted = await client.post("/api/v1/log/witness/cosign", json={"note": cosigned_now(note, WITNESS, WITNESS_KEY)})
    assert posted.status_code == 200, posted.text
    keys = (await client.get("/api/v1/log/keys")).json()
    text = (await client.get(f"/api/v1/receipts/{receipt['audit_entry_id']}", headers=bearer(app, wang))).text
    witness_key = keys["witnesses"][0]["verifier_key"]
    proved = open_receipt(text, keys["current"]["verifier_key"], witness_keys=[witness_key], witness_quorum=1)
    assert proved.witnesses == (WITNESS,)


async def test_only_the_caster_gets_the_receipt(client, app, session, sessionmaker, cast):
    receipt, _, zhao = cast
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    url = f"/api/v1/receipts/{receipt['audit_entry_id']}"
    other = await client.get(url, headers=bearer(app, zhao))
    assert other.status_code == 404
    assert other.json()["code"] == "log.receipt_not_found"
    unknown = await client.get(f"/api/v1/receipts/{uuid.uuid4()}", headers=bearer(app, zhao))
    assert unknown.json()["code"] == "log.receipt_not_found"
    anonymous = await client.get(url)
    assert anonymous.status_code == 401


async def test_a_staff_api_key_gets_no_receipt(client, app, session, sessionmaker, cast):
    receipt, _, _ = cast
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    headers = await make_api_key(session, app.state.token_hasher)
    response = await client.get(f"/api/v1/receipts/{receipt['audit_entry_id']}", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "log.receipt_not_found"
