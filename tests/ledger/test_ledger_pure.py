"""The pure halves of the audit log: leaf documents, receipts (c2sp.org/tlog-proof) and the witness's checks.

No database: a tree is built here from leaf documents with ``app.ledger`` alone, exactly as an offline
verifier would, and every way a receipt can be wrong must make ``verify_receipt`` say no.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.ledger import merkle
from app.ledger.canonical import canonical_bytes
from app.ledger.entries import (
    LEAF_FIELDS,
    check_leaf_document,
    entry_leaf_hash,
    entry_payload_sha256,
    format_timestamp,
    leaf_data,
    leaf_document,
    parse_leaf_data,
)
from app.ledger.errors import LedgerError, NoteUnverified
from app.ledger.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteVerifier,
    add_cosignature,
    add_signature,
    sign_note,
    verifier_key_string,
)
from app.ledger.receipt import (
    PROOF_HEADER,
    MalformedReceipt,
    ReceiptInvalid,
    format_receipt,
    open_receipt,
    receipt_document,
    verify_receipt,
)
from app.ledger.witness import CheckpointInconsistent, check_consistent, cosign, open_checkpoint

ORIGIN = "evote.test/log"
LOG_KEY = Ed25519PrivateKey.generate()
LOG_VKEY = verifier_key_string(ORIGIN, LOG_KEY.public_key())
LOG = NoteVerifier.from_key(ORIGIN, LOG_KEY.public_key())
WITNESS_KEY = Ed25519PrivateKey.generate()
WITNESS = "street-office.test"
WITNESS_VKEY = verifier_key_string(WITNESS, WITNESS_KEY.public_key(), ALG_COSIGNATURE_V1)
COSIGNED_AT = 1_767_225_600
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def document(number: int, **changes) -> dict:
    estate, vote = uuid.UUID(int=1), uuid.UUID(int=2)
    payload = {"ballot_id": str(uuid.UUID(int=100 + number)), "content_hash": "ab" * 32, "n": number}
    doc = leaf_document(
        entry_id=uuid.UUID(int=1000 + number),
        kind="ballot.cast",
        estate_id=estate,
        vote_id=vote,
        payload=payload,
        payload_sha256=entry_payload_sha256("ballot.cast", estate, vote, payload),
        created_at=T0 + timedelta(seconds=number),
    )
    doc.update(changes)
    return doc


DOCS = [document(n) for n in range(7)]
LEAVES = [entry_leaf_hash(doc) for doc in DOCS]


def signed_checkpoint(size: int, *, key=LOG_KEY, origin: str = ORIGIN, leaves=LEAVES) -> str:
    return sign_note(Checkpoint(origin, size, merkle.root(leaves[:size])).body(), origin, key)


def receipt_text(index: int = 3, size: int = 7, note: str | None = None) -> str:
    note = note or signed_checkpoint(size)
    return format_receipt(DOCS[index], index, merkle.inclusion_proof(index, LEAVES[:size]), note)


def receipt_json(index: int = 3, size: int = 7) -> dict:
    note = signed_checkpoint(size)
    return receipt_document(DOCS[index], index, merkle.inclusion_proof(index, LEAVES[:size]), note, LOG_VKEY)


# --- leaf documents -----------------------------------------------------------------------------------------------


def test_the_leaf_document_has_the_seven_members_and_a_canonical_encoding():
    doc = DOCS[0]
    assert tuple(doc) == LEAF_FIELDS
    assert doc["created_at"] == "2026-11-22T08:00:00.000000Z"
    assert leaf_data(doc) == canonical_bytes(doc)
    assert entry_leaf_hash(doc) == merkle.leaf_hash(canonical_bytes(doc))
    assert parse_leaf_data(leaf_data(doc)) == doc
    assert check_leaf_document(doc) == doc


def test_absent_place_and_vote_are_null_in_the_leaf_and_empty_in_the_payload_hash():
    payload = {"x": "y"}
    doc = leaf_document(
        entry_id=uuid.UUID(int=5), kind="k", estate_id=None, vote_id=None, payload=payload,
        payload_sha256=entry_payload_sha256("k", None, None, payload), created_at=T0,
    )  # fmt: skip
    assert doc["estate_id"] is None
    assert doc["vote_id"] is None
    assert check_leaf_document(doc) == doc
    assert entry_payload_sha256("k", None, None, payload) == entry_payload_sha256("k", "", "", payload)


def test_timestamps_are_utc_with_microseconds_and_naive_ones_are_refused():
    assert format_timestamp(datetime(2026, 1, 1, 8, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))) == (
        "2026-01-01T00:00:00.000005Z"
    )
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"extra": 1}, "exactly the members"),
        ({"id": 5}, "UUID string"),
        ({"id": "not-a-uuid"}, "UUID string"),
        ({"estate_id": str(uuid.UUID(int=0xABCDEF)).upper()}, "lowercase"),
        ({"vote_id": "{" + str(uuid.UUID(int=2)) + "}"}, "lowercase"),
        ({"kind": ""}, "kind"),
        ({"payload": []}, "payload must be an object"),
        ({"payload_sha256": "AB" * 32}, "64 lowercase hex"),
        ({"payload_sha256": 5}, "64 lowercase hex"),
        ({"created_at": "2026-11-22T08:00:00Z"}, "created_at"),
        ({"created_at": None}, "created_at"),
        ({"payload": {"n": 1.5}}, "float"),
        ({"payload": {"ballot_id": "changed"}}, "does not match"),
    ],
)
def test_a_leaf_document_from_outside_is_checked(changes, message):
    with pytest.raises(ValueError, match=message):
        check_leaf_document(document(1, **changes))


def test_a_leaf_document_must_be_a_mapping():
    with pytest.raises(ValueError, match="exactly the members"):
        check_leaf_document([1, 2])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("text", "must be bytes"),
        (b"x" * (1024 * 1024 + 1), "must be bytes"),
        (b"\xff", "not JSON"),
        (b"{", "not JSON"),
        (b'{"a":1,"a":2}', "not JSON \\(duplicate member 'a'\\)"),
        (b'{"a":1.5}', "not JSON"),
        (b'{"a":NaN}', "not JSON"),
        (b"[]", "exactly the members"),
    ],
)
def test_leaf_data_must_be_json_of_a_leaf_document(data, message):
    with pytest.raises(ValueError, match=message):
        parse_leaf_data(data)


def test_leaf_data_must_be_in_canonical_form():
    pretty = json.dumps(DOCS[0], indent=1).encode()
    with pytest.raises(ValueError, match="canonical"):
        parse_leaf_data(pretty)


# --- receipts -----------------------------------------------------------------------------------------------------


def test_a_receipt_is_a_c2sp_tlog_proof_with_the_entry_in_its_extra_line():
    text = receipt_text()
    lines = text.split("\n")
    assert lines[0] == PROOF_HEADER
    assert base64.b64decode(lines[1].removeprefix("extra ")) == leaf_data(DOCS[3])
    assert lines[2] == "index 3"
    proof = merkle.inclusion_proof(3, LEAVES)
    assert lines[3 : 3 + len(proof)] == [base64.b64encode(node).decode() for node in proof]
    assert lines[3 + len(proof)] == ""
    assert text.endswith(signed_checkpoint(7))


@pytest.mark.parametrize("size", range(1, 8))
def test_every_entry_of_every_tree_size_has_a_verifying_receipt(size):
    for index in range(size):
        text = receipt_text(index, size)
        assert verify_receipt(text, LOG_VKEY)
        assert verify_receipt(text.encode(), LOG_VKEY)
        proved = open_receipt(text, LOG_VKEY)
        assert proved.entry == DOCS[index]
        assert proved.index == index
        assert proved.checkpoint.size == size
        assert proved.witnesses == ()


def test_the_json_form_verifies_as_an_object_and_as_text():
    document = receipt_json()
    assert document["log_key"] == LOG_VKEY
    assert verify_receipt(document, LOG_VKEY)
    assert verify_receipt(json.dumps(document), LOG_VKEY)
    without_leaf_hash = {key: value for key, value in document.items() if key != "leaf_hash"}
    assert verify_receipt(without_leaf_hash, LOG_VKEY)


def test_flipping_any_byte_of_a_text_receipt_breaks_it():
    data = receipt_text().encode()
    for position in range(len(data)):
        tampered = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
        assert not verify_receipt(tampered, LOG_VKEY), f"byte {position} ({data[position : position + 1]!r})"


def test_changing_the_json_form_breaks_it():
    document = receipt_json()
    tampered = json.loads(json.dumps(document))
    tampered["entry"]["payload"]["content_hash"] = "cd" * 32
    assert not verify_receipt(tampered, LOG_VKEY)
    tampered = json.loads(json.dumps(document))
    tampered["entry"]["payload"]["content_hash"] = "cd" * 32
    tampered["entry"]["payload_sha256"] = entry_payload_sha256(
        "ballot.cast", uuid.UUID(int=1), uuid.UUID(int=2), tampered["entry"]["payload"]
    )
    tampered.pop("leaf_hash")
    assert not verify_receipt(tampered, LOG_VKEY)  # a consistent but different entry is not in the tree
    for position in range(len(document["proof"])):
        tampered = json.loads(json.dumps(document))
        node = bytearray(base64.b64decode(tampered["proof"][position]))
        node[0] ^= 1
        tampered["proof"][position] = base64.b64encode(bytes(node)).decode()
        assert not verify_receipt(tampered, LOG_VKEY)
    tampered = json.loads(json.dumps(document))
    tampered["checkpoint"] = tampered["checkpoint"].replace("\n7\n", "\n8\n")
    assert not verify_receipt(tampered, LOG_VKEY)


@pytest.mark.parametrize(
    ("receipt", "error", "reason"),
    [
        (b"\xff", MalformedReceipt, "UTF-8"),
        ("not json", MalformedReceipt, "neither"),
        ("[1]", MalformedReceipt, "object"),
        (PROOF_HEADER + "\nindex 0\n", MalformedReceipt, "no empty line"),
        (PROOF_HEADER + "\nindex 0\n\nnote", MalformedReceipt, "extra line"),
        (PROOF_HEADER + "\nextra !!\nindex 0\n\nnote", MalformedReceipt, "invalid base64"),
        (PROOF_HEADER + "\nextra e30=\nindex 0\n\nnote", MalformedReceipt, "the entry"),
        (
            PROOF_HEADER + "\nextra " + base64.b64encode(leaf_data(DOCS[0])).decode() + "\n\nn",
            MalformedReceipt,
            "index",
        ),
        (
            PROOF_HEADER + "\nextra " + base64.b64encode(leaf_data(DOCS[0])).decode() + "\nindex 01\n\nn",
            MalformedReceipt,
            "leading zeros",
        ),
        (
            PROOF_HEADER + "\nextra " + base64.b64encode(leaf_data(DOCS[0])).decode() + "\nindex 0\nAAAA\n\nn",
            MalformedReceipt,
            "32 bytes",
        ),
        (
            PROOF_HEADER + "\nextra " + base64.b64encode(leaf_data(DOCS[0])).decode() + "\nindex 0\nAA==\n\nn",
            MalformedReceipt,
            "32 bytes",
        ),
        (
            PROOF_HEADER + "\nextra " + base64.b64encode(leaf_data(DOCS[0])).decode() + "\nindex 0\nAB==\n\nn",
            MalformedReceipt,
            "non-canonical",
        ),
    ],
)
def test_malformed_receipts_are_refused_with_a_reason(receipt, error, reason):
    with pytest.raises(error) as caught:
        open_receipt(receipt, LOG_VKEY)
    assert reason in caught.value.reason
    assert isinstance(caught.value, LedgerError)
    assert not verify_receipt(receipt, LOG_VKEY)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"entry": {"id": 1}}, "the entry"),
        ({"leaf_hash": base64.b64encode(b"\x00" * 32).decode()}, "leaf_hash"),
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"proof": "AAAA"}, "proof must be a list"),
        ({"proof": [5]}, "base64 string"),
        ({"proof": [base64.b64encode(b"\x00" * 32).decode()] * 65}, "more than 64"),
        ({"checkpoint": None}, "checkpoint"),
    ],
)
def test_malformed_json_receipts_are_refused_with_a_reason(change, reason):
    document = {**receipt_json(), **change}
    with pytest.raises(LedgerError) as caught:
        open_receipt(document, LOG_VKEY)
    assert reason in caught.value.reason


def test_a_receipt_must_be_signed_by_the_log_key_given_to_the_verifier():
    other = Ed25519PrivateKey.generate()
    assert not verify_receipt(receipt_text(), verifier_key_string(ORIGIN, other.public_key()))
    with pytest.raises(NoteUnverified):
        open_receipt(receipt_text(), verifier_key_string(ORIGIN, other.public_key()))
    # A checkpoint signed by a trusted witness but not by the log proves nothing.
    unsigned = sign_note(Checkpoint(ORIGIN, 7, merkle.root(LEAVES)).body(), "someone.test", other)
    witness_only = add_cosignature(unsigned, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT)
    with pytest.raises(ReceiptInvalid, match="not signed by the log"):
        open_receipt(receipt_text(note=witness_only), LOG_VKEY, witness_keys=[WITNESS_VKEY])


def test_the_checkpoint_origin_must_be_the_log_key_name():
    other_origin = sign_note(Checkpoint("other.test/log", 7, merkle.root(LEAVES)).body(), ORIGIN, LOG_KEY)
    with pytest.raises(ReceiptInvalid, match="origin"):
        open_receipt(receipt_text(note=other_origin), LOG_VKEY)


def test_a_proof_for_another_tree_does_not_verify():
    with pytest.raises(ReceiptInvalid, match="inclusion proof"):
        open_receipt(receipt_text(3, 7, note=signed_checkpoint(6)), LOG_VKEY)


def test_witness_cosignatures_are_counted_against_a_quorum():
    cosigned = add_cosignature(signed_checkpoint(7), WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT)
    text = receipt_text(note=cosigned)
    assert verify_receipt(text, LOG_VKEY)  # unknown signers are ignored
    assert open_receipt(text, LOG_VKEY, witness_keys=[WITNESS_VKEY], witness_quorum=1).witnesses == (WITNESS,)
    # A plain (0x01) signature by the witness's key is no cosignature, and keys of the wrong type are refused.
    plain = receipt_text(note=add_signature(signed_checkpoint(7), WITNESS, WITNESS_KEY))
    with pytest.raises(ReceiptInvalid, match="0 witness cosignature"):
        open_receipt(plain, LOG_VKEY, witness_keys=[WITNESS_VKEY], witness_quorum=1)
    with pytest.raises(ReceiptInvalid, match="0x04 cosigner keys"):
        open_receipt(text, LOG_VKEY, witness_keys=[verifier_key_string(WITNESS, WITNESS_KEY.public_key())])
    assert not verify_receipt(receipt_text(), LOG_VKEY, witness_keys=[WITNESS_VKEY], witness_quorum=1)
    with pytest.raises(ReceiptInvalid, match="0 witness cosignature"):
        open_receipt(receipt_text(), LOG_VKEY, witness_keys=[WITNESS_VKEY], witness_quorum=1)


# --- the witness's side -------------------------------------------------------------------------------------------


def test_a_witness_cosigns_a_checkpoint_that_extends_the_last_one():
    first = signed_checkpoint(3)
    assert cosign(first, LOG, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT).startswith(
        first
    )  # first time: nothing to compare
    second = signed_checkpoint(7)
    proof = merkle.consistency_proof(3, LEAVES)
    cosigned = cosign(second, LOG, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT, previous=first, consistency_proof=proof)
    witness = NoteVerifier.from_key(WITNESS, WITNESS_KEY.public_key(), ALG_COSIGNATURE_V1)
    assert open_receipt(receipt_text(note=cosigned), LOG_VKEY, witness_keys=[witness.key_string()]).witnesses == (
        WITNESS,
    )
    # The same checkpoint again is consistent with itself.
    assert cosign(second, LOG, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT, previous=second)


def test_a_witness_refuses_a_fork_a_rollback_and_another_log():
    first = signed_checkpoint(3)
    forked_leaves = [*LEAVES[:2], entry_leaf_hash(document(99)), *LEAVES[3:]]
    fork = signed_checkpoint(7, leaves=forked_leaves)
    with pytest.raises(CheckpointInconsistent, match="does not extend"):
        cosign(
            fork, LOG, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT, previous=first,
            consistency_proof=merkle.consistency_proof(3, LEAVES),
        )  # fmt: skip
    with pytest.raises(CheckpointInconsistent, match="went back"):
        cosign(first, LOG, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT, previous=signed_checkpoint(7))
    with pytest.raises(CheckpointInconsistent, match="different logs"):
        check_consistent(Checkpoint("a.test/log", 1, LEAVES[0]), Checkpoint("b.test/log", 1, LEAVES[0]), [])


def test_a_witness_refuses_a_checkpoint_the_log_did_not_sign():
    forged = signed_checkpoint(7, key=Ed25519PrivateKey.generate())
    with pytest.raises(NoteUnverified):
        cosign(forged, LOG, WITNESS, WITNESS_KEY, timestamp=COSIGNED_AT)


def test_the_log_origin_must_be_the_log_key_name_for_the_witness():
    note = sign_note(Checkpoint("other.test/log", 3, merkle.root(LEAVES[:3])).body(), ORIGIN, LOG_KEY)
    with pytest.raises(CheckpointInconsistent, match="origin"):
        open_checkpoint(note, LOG)
