"""The public verification endpoints (issue #6 item 3): no credential, every error its own code.

A client that trusts only the key string from ``/log/keys`` checks the checkpoint's signature, every
entry's inclusion proof, and consistency between two checkpoints, with ``app.ledger`` alone.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import select

from app.audit import service as audit_service
from app.audit.integrator import integrate_once
from app.audit.models import AuditEntry
from app.common.access import Role
from app.db.base import utcnow
from app.ledger import merkle
from app.ledger.entries import check_leaf_document, entry_leaf_hash
from app.ledger.events import Event, EventKind
from app.ledger.note import Checkpoint, open_note, parse_verifier_key
from tests.audit.conftest import ORIGIN, WITNESS, append
from tests.factories import make_api_key, make_places

NOW = utcnow()
API = "/api/v1/log"


@pytest.fixture
def keyed_app(app, log_keys):
    app.state.log_keys = log_keys
    return app


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


async def test_before_the_first_checkpoint_clients_are_told_to_retry(client, keyed_app):
    response = await client.get(f"{API}/checkpoint")
    assert_problem(response, 404, "log.no_checkpoint")
    assert response.headers["retry-after"] == "2"


async def test_the_checkpoint_verifies_with_the_published_key(client, keyed_app, sessionmaker, session, log_keys):
    await append(session, 3)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    keys = (await client.get(f"{API}/keys")).json()
    assert keys["origin"] == ORIGIN
    verifier = parse_verifier_key(keys["current"]["verifier_key"])
    assert verifier.key_id.hex() == keys["current"]["key_id"]
    assert keys["current"]["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert keys["retired"] == []
    assert [witness["name"] for witness in keys["witnesses"]] == [WITNESS]

    text = await client.get(f"{API}/checkpoint")
    assert text.status_code == 200
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint = Checkpoint.parse(open_note(text.text, [verifier]).text)
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, 3)

    document = (await client.get(f"{API}/checkpoint", params={"format": "json"})).json()
    assert document["size"] == 3
    assert document["note"] == text.text
    assert bytes.fromhex(document["root_hash_hex"]) == b64(document["root_hash"]) == checkpoint.root_hash
    assert document["origin"] == ORIGIN
    assert document["cosigned_by"] == []

    at_size = await client.get(f"{API}/checkpoints/3")
    assert at_size.text == text.text
    assert (await client.get(f"{API}/checkpoints/3", params={"format": "json"})).json()["size"] == 3
    assert_problem(await client.get(f"{API}/checkpoints/4"), 404, "log.checkpoint_not_found")


async def test_every_entry_has_an_inclusion_proof_once_integrated(client, keyed_app, sessionmaker, session, log_keys):
    entries = await append(session, 6)
    pending = await client.get(f"{API}/entries/{entries[0].id}/inclusion")
    assert_problem(pending, 404, "log.entry_not_integrated")
    assert pending.headers["retry-after"] == "2"
    assert_problem(await client.get(f"{API}/entries/{uuid.uuid4()}/inclusion"), 404, "log.entry_not_found")

    await integrate_once(sessionmaker, NOW, keys=log_keys, batch_size=4)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    verifier = parse_verifier_key((await client.get(f"{API}/keys")).json()["current"]["verifier_key"])
    by_index = {}
    for entry in entries:
        proof = (await client.get(f"{API}/entries/{entry.id}/inclusion")).json()
        checkpoint = Checkpoint.parse(open_note(proof["checkpoint"], [verifier]).text)
        assert proof["tree_size"] == checkpoint.size == 6
        assert merkle.verify_inclusion(
            proof["leaf_index"], checkpoint.size, b64(proof["leaf_hash"]), [b64(p) for p in proof["proof"]],
            checkpoint.root_hash,
        )  # fmt: skip
        by_index[proof["leaf_index"]] = entry
    assert sorted(by_index) == [0, 1, 2, 3, 4, 5]
    # In the older checkpoint (size 4), entries 0..3 are provable and the others are not inside it.
    first, last = by_index[0], by_index[5]
    older = (await client.get(f"{API}/entries/{first.id}/inclusion", params={"size": 4})).json()
    assert older["tree_size"] == 4
    outside = await client.get(f"{API}/entries/{last.id}/inclusion", params={"size": 4})
    assert_problem(outside, 422, "log.entry_not_in_checkpoint")
    missing = await client.get(f"{API}/entries/{first.id}/inclusion", params={"size": 5})
    assert_problem(missing, 404, "log.checkpoint_not_found")


async def test_consistency_between_two_checkpoints_verifies(client, keyed_app, sessionmaker, session, log_keys):
    await append(session, 3)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    await append(session, 4)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    old = (await client.get(f"{API}/checkpoints/3", params={"format": "json"})).json()
    new = (await client.get(f"{API}/checkpoint", params={"format": "json"})).json()
    response = await client.get(f"{API}/consistency", params={"first": 3, "second": 7})
    assert response.status_code == 200
    proof = [b64(p) for p in response.json()["proof"]]
    assert merkle.verify_consistency(3, 7, b64(old["root_hash"]), b64(new["root_hash"]), proof)
    same = (await client.get(f"{API}/consistency", params={"first": 7, "second": 7})).json()
    assert same["proof"] == []
    for first, second in ((4, 3), (0, 8)):
        bad = await client.get(f"{API}/consistency", params={"first": first, "second": second})
        assert_problem(bad, 422, "log.consistency_range_invalid")
    assert_problem(await client.get(f"{API}/consistency", params={"first": -1, "second": 2}), 422, "request.invalid")


async def test_entries_are_served_in_leaf_order_with_their_leaf_hashes(
    client, keyed_app, sessionmaker, session, log_keys
):
    await append(session, 5, kind=EventKind.VOTE_PUBLISHED)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    page = (await client.get(f"{API}/entries", params={"start": 1, "end": 5})).json()
    assert (page["start"], page["end"], page["tree_size"]) == (1, 5, 5)
    assert [item["leaf_index"] for item in page["entries"]] == [1, 2, 3, 4]
    all_leaves = [
        b64(item["leaf_hash"])
        for item in (await client.get(f"{API}/entries", params={"start": 0, "end": 5})).json()["entries"]
    ]
    for item in page["entries"]:
        document = check_leaf_document(item["entry"])
        assert entry_leaf_hash(document) == b64(item["leaf_hash"])
        assert document["kind"] == "vote.published"
        assert item["disclosure"] == "PUBLIC"
    checkpoint = (await client.get(f"{API}/checkpoint", params={"format": "json"})).json()
    assert merkle.root(all_leaves) == b64(checkpoint["root_hash"])
    for start, end in ((0, 6), (3, 3), (4, 2)):
        bad = await client.get(f"{API}/entries", params={"start": start, "end": end})
        assert_problem(bad, 422, "log.entry_range_invalid")


async def test_restricted_entries_are_leaf_hashes_in_public_and_read_in_full_only_by_entitled_roles(
    client, keyed_app, sessionmaker, session, log_keys
):
    places = await make_places(session, keyed_app.state.cipher)
    await session.commit()
    estate = places.estate.id
    await append(session, 1, kind=EventKind.VOTE_PUBLISHED)
    account = str(uuid.uuid4())
    restricted = [
        await audit_service.append(
            session, Event(EventKind.IDENTITY_AUTH_LOGIN, {"account_id": account}), estate_id=estate
        ),
        await audit_service.append(session, Event(EventKind.IDENTITY_AUTH_LOGIN, {"account_id": account})),
        await audit_service.append(
            session, Event(EventKind.BALLOT_CAST, {"group_id": "a" * 32, "content_hash": "b" * 64})
        ),
    ]
    await session.commit()
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    public = (await client.get(f"{API}/entries", params={"start": 0, "end": 4})).json()["entries"]
    assert [item["disclosure"] for item in public] == ["PUBLIC", "RESTRICTED", "RESTRICTED", "RESTRICTED"]
    assert [item["entry"] is None for item in public] == [False, True, True, True]
    leaves = [b64(item["leaf_hash"]) for item in public]  # every leaf still proves inclusion
    for entry, leaf in zip(restricted, leaves[1:], strict=True):
        proof = (await client.get(f"{API}/entries/{entry.id}/inclusion")).json()
        assert b64(proof["leaf_hash"]) == leaf
    assert account not in str(public)

    hasher = keyed_app.state.token_hasher
    url, page = "/api/v1/audit/entries", {"start": 0, "end": 4}
    assert (await client.get(url, params=page)).status_code == 401
    committee = await make_api_key(session, hasher, role=Role.COMMITTEE, estate_id=estate)
    assert_problem(await client.get(url, params=page, headers=committee), 403, "auth.forbidden")
    admin = await make_api_key(session, hasher, role=Role.ADMIN)
    auditor = await make_api_key(session, hasher, role=Role.AUDITOR, estate_id=estate)
    full = (await client.get(url, params=page, headers=admin)).json()["entries"]
    assert all(item["entry"] is not None for item in full)
    assert full[1]["entry"]["payload"] == {"account_id": account}
    scoped = (await client.get(url, params=page, headers=auditor)).json()["entries"]
    assert [item["entry"] is None for item in scoped] == [False, False, True, True]  # its estate only
    reads = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.kind == "log.entries_read").order_by(AuditEntry.created_at)
        )
    ).all()
    assert [read.payload["restricted_entries"] for read in reads] == [
        [str(entry.id) for entry in restricted],
        [str(restricted[0].id)],
    ]


async def test_an_entry_page_holds_at_most_1000(client, keyed_app, sessionmaker, session, log_keys):
    await append(session, 1)
    await integrate_once(sessionmaker, NOW, keys=log_keys)
    bad = await client.get(f"{API}/entries", params={"start": 0, "end": 1001})
    body = assert_problem(bad, 422, "log.entry_range_invalid")
    assert "1000" in body["messages"]["en"]


async def test_the_keys_list_retired_keys_too(client, app, log_keys, log_key):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.audit.keys import LogKeys

    app.state.log_keys = LogKeys.create(ORIGIN, Ed25519PrivateKey.generate(), retired=(log_key.public_key(),))
    keys = (await client.get(f"{API}/keys")).json()
    assert [key["verifier_key"] for key in keys["retired"]] == [log_keys.current.key_string]
    assert keys["current"]["verifier_key"] != log_keys.current.key_string
    assert keys["witnesses"] == []
