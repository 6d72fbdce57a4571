"""Counted as recorded, the owner's offline check: the ballot receipt opens with the answers and nonce, and the
counted proof leads its commitment to the counted set's root signed in the ``vote.closed`` entry, which is in the
signed log (``app.ledger.completeness.counted_inclusion`` / ``verify_counted_inclusion``,
``app.ledger.receipt.open_counted_receipt``). No database."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.ledger import ballot as commitments
from app.ledger import completeness, merkle
from app.ledger.entries import entry_leaf_hash, entry_payload_sha256, leaf_document
from app.ledger.note import Checkpoint, sign_note, verifier_key_string
from app.ledger.receipt import (
    COUNTED_PROOF_FORMAT,
    MalformedReceipt,
    ReceiptInvalid,
    counted_proof_document,
    format_receipt,
    open_counted_receipt,
    receipt_document,
)

ORIGIN = "evote.test/log"
KEY = Ed25519PrivateKey.generate()
VKEY = verifier_key_string(ORIGIN, KEY.public_key())
VOTE = uuid.UUID(int=7)
BALLOT = {"basis": "OWNER", "channel": "ONLINE", "cast_at": "2026-11-22T08:00:00+00:00"}
ANSWERS = {"t1": "AGREE"}
NONCE = "0123456789abcdef" * 2
GROUP = "p" * 32
MINE = commitments.commitment(vote_id=str(VOTE), group=GROUP, answers=ANSWERS, nonce=NONCE, **BALLOT)
OTHERS = [f"{n:064x}" for n in (3, 9, 0xFFFF, 2**200)]


def _entry(number: int, kind: str, payload: dict, vote_id: uuid.UUID | None = VOTE) -> dict:
    return leaf_document(
        entry_id=uuid.UUID(int=number), kind=kind, estate_id=None, vote_id=vote_id, payload=payload,
        payload_sha256=entry_payload_sha256(kind, None, vote_id, payload),
        created_at=datetime(2026, 11, 22, 8, number, tzinfo=UTC),
    )  # fmt: skip


def _log(closed_payload: dict, closed_vote: uuid.UUID = VOTE) -> tuple[str, dict]:
    """A signed log of four entries: the owner's ballot (leaf 1) and a vote.closed (leaf 3); their receipts."""
    cast = _entry(1, "ballot.cast", {"ballot_id": "b", "group": GROUP, "commitment": MINE, **BALLOT})
    closed = _entry(3, "vote.closed", closed_payload, closed_vote)
    entries = [_entry(0, "vote.published", {}), cast, _entry(2, "ballot.cast", {"commitment": OTHERS[0]}), closed]
    leaves = [entry_leaf_hash(entry) for entry in entries]
    note = sign_note(Checkpoint(ORIGIN, 4, merkle.root(leaves)).body(), ORIGIN, KEY)
    receipt = format_receipt(cast, 1, merkle.inclusion_proof(1, leaves), note)
    return receipt, receipt_document(closed, 3, merkle.inclusion_proof(3, leaves), note, VKEY)


def _counted(commitments_counted: list[str], commitment: str = MINE, **closed_payload) -> tuple[str, dict]:
    counted = completeness.counted_set(commitments_counted).payload()
    receipt, closed = _log({"by": "system", "counted": counted, **closed_payload})
    index, proof = completeness.counted_inclusion(commitments_counted, commitment)
    return receipt, counted_proof_document(
        vote_id=str(VOTE), commitment=commitment, index=index, proof=proof, closed=closed
    )


def test_the_audit_path_of_every_counted_commitment_leads_to_the_signed_root():
    counted = [*OTHERS, MINE]
    logged = completeness.counted_set(counted).payload()
    for commitment in counted:
        index, proof = completeness.counted_inclusion(counted, commitment)
        assert completeness.counted_leaves(counted)[index] == commitment
        assert completeness.verify_counted_inclusion(commitment, index, proof, logged)
        assert not completeness.verify_counted_inclusion("0" * 64, index, proof, logged)
    with pytest.raises(ValueError, match="not in list"):  # not counted: no path
        completeness.counted_inclusion(OTHERS, MINE)


@pytest.mark.parametrize(
    ("commitment", "logged"),
    [
        (MINE, {"count": True, "root": "00"}),
        (MINE, {"count": 1, "root": None}),
        (MINE, {}),
        (MINE, {"count": 1, "root": "not hex"}),
        (MINE, {"count": 1, "root": "ab"}),  # a root that is not 32 bytes
        ("é", {"count": 1, "root": "00" * 32}),  # not ASCII
        (5, {"count": 1, "root": "00" * 32}),
    ],
)
def test_a_malformed_counted_set_or_commitment_never_verifies_and_never_raises(commitment, logged):
    assert not completeness.verify_counted_inclusion(commitment, 0, [], logged)


def test_the_counted_proof_proves_the_ballot_was_counted():
    receipt, proof = _counted([*OTHERS, MINE])
    verified = open_counted_receipt(receipt, proof, VKEY, answers=ANSWERS, nonce=NONCE)
    assert verified.ballot.entry["payload"]["commitment"] == MINE
    assert verified.closed.entry["kind"] == "vote.closed"
    assert (verified.index, verified.count) == (completeness.counted_leaves([*OTHERS, MINE]).index(MINE), 5)
    for form in (json.dumps(proof), json.dumps(proof).encode()):
        assert open_counted_receipt(receipt, form, VKEY, answers=ANSWERS, nonce=NONCE).index == verified.index


def test_a_ballot_not_in_the_counted_set_fails_even_with_a_path_of_another_ballot():
    receipt, proof = _counted(OTHERS, commitment=OTHERS[1])  # the close counted four ballots, not this one
    with pytest.raises(ReceiptInvalid, match="another commitment"):
        open_counted_receipt(receipt, proof, VKEY, answers=ANSWERS, nonce=NONCE)
    with pytest.raises(ReceiptInvalid, match="not proven to be in the counted set"):
        open_counted_receipt(receipt, proof | {"commitment": MINE}, VKEY, answers=ANSWERS, nonce=NONCE)


def test_a_tampered_counted_proof_fails():
    receipt, proof = _counted([*OTHERS, MINE])
    for position in range(len(proof["proof"])):
        node = bytearray(base64.b64decode(proof["proof"][position]))
        node[-1] ^= 1
        tampered = proof | {"proof": [*proof["proof"][:position], base64.b64encode(bytes(node)).decode()]}
        tampered["proof"] += proof["proof"][position + 1 :]
        with pytest.raises(ReceiptInvalid, match="not proven"):
            open_counted_receipt(receipt, tampered, VKEY, answers=ANSWERS, nonce=NONCE)
    with pytest.raises(ReceiptInvalid, match="not proven"):
        open_counted_receipt(receipt, proof | {"index": proof["index"] + 1}, VKEY, answers=ANSWERS, nonce=NONCE)
    # A counted set rewritten inside the vote.closed entry: that entry is no longer the one in the signed log.
    closed = json.loads(json.dumps(proof["closed"]))
    closed["entry"]["payload"]["counted"]["count"] += 1
    with pytest.raises(MalformedReceipt, match="payload_sha256"):
        open_counted_receipt(receipt, proof | {"closed": closed}, VKEY, answers=ANSWERS, nonce=NONCE)
    entry = closed["entry"]
    entry["payload_sha256"] = entry_payload_sha256("vote.closed", None, VOTE, entry["payload"])
    closed.pop("leaf_hash")
    with pytest.raises(ReceiptInvalid, match="does not lead to the checkpoint"):
        open_counted_receipt(receipt, proof | {"closed": closed}, VKEY, answers=ANSWERS, nonce=NONCE)
    # And the ballot receipt must still open with the owner's answers and nonce.
    with pytest.raises(ReceiptInvalid, match="do not open"):
        open_counted_receipt(receipt, proof, VKEY, answers={"t1": "OPPOSE"}, nonce=NONCE)


def test_the_closed_entry_must_be_the_close_of_the_same_vote_and_sign_a_counted_set():
    counted = completeness.counted_set([MINE]).payload()
    receipt, _ = _log({"by": "system", "counted": counted})
    for closed_payload, closed_vote, reason in (
        ({"by": "system", "counted": counted}, uuid.UUID(int=8), "not the close of your ballot's vote"),
        ({"by": "system"}, VOTE, "signs no counted set"),
    ):
        _, closed = _log(closed_payload, closed_vote)
        proof = counted_proof_document(vote_id=str(VOTE), commitment=MINE, index=0, proof=[], closed=closed)
        with pytest.raises(ReceiptInvalid, match=reason):
            open_counted_receipt(receipt, proof, VKEY, answers=ANSWERS, nonce=NONCE)
    _, ballot_as_closed = _counted([MINE])
    proof = ballot_as_closed | {"closed": receipt_document(*_ballot_leaf(receipt))}
    with pytest.raises(ReceiptInvalid, match="not the close"):
        open_counted_receipt(receipt, proof, VKEY, answers=ANSWERS, nonce=NONCE)


def _ballot_leaf(receipt: str) -> tuple[dict, int, list[bytes], str, str]:
    """The ballot receipt's own parts, to pass its JSON form off as the close's receipt."""
    head, _, note = receipt.partition("\n\n")
    lines = head.split("\n")
    entry = json.loads(base64.b64decode(lines[1].removeprefix("extra ")))
    return entry, int(lines[2].removeprefix("index ")), [base64.b64decode(line) for line in lines[3:]], note, VKEY


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"format": "evote-receipt@v1"}, COUNTED_PROOF_FORMAT),
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"proof": "AAAA"}, "list of base64"),
        ({"proof": ["AAAA"]}, "32 bytes"),
        ({"closed": "receipt"}, "closed member"),
    ],
)
def test_a_malformed_counted_proof_is_refused_with_a_reason(change, reason):
    receipt, proof = _counted([MINE])
    with pytest.raises(MalformedReceipt, match=reason):
        open_counted_receipt(receipt, proof | change, VKEY, answers=ANSWERS, nonce=NONCE)


@pytest.mark.parametrize(("proof", "reason"), [("not json", "not JSON"), (b"\xff", "not JSON"), ("[]", "object")])
def test_a_counted_proof_that_is_not_a_json_object_is_refused(proof, reason):
    receipt, _ = _counted([MINE])
    with pytest.raises(MalformedReceipt, match=reason):
        open_counted_receipt(receipt, proof, VKEY, answers=ANSWERS, nonce=NONCE)
