"""The pure halves of ballot secrecy: the commitment document, pseudonyms, the disclosure table and the owner's
receipt check (``app.ledger.ballot``, ``app.ledger.pseudonyms``, ``app.ledger.disclosure``)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.ledger import ballot as commitments
from app.ledger import merkle
from app.ledger.canonical import canonical_sha256
from app.ledger.disclosure import Disclosure, carries_personal_data, disclosure
from app.ledger.entries import entry_leaf_hash, entry_payload_sha256, leaf_document
from app.ledger.note import Checkpoint, sign_note, verifier_key_string
from app.ledger.pseudonyms import grant_pseudonym, new_group_pseudonym, owner_pseudonym, witness_pseudonym
from app.ledger.receipt import ReceiptInvalid, format_receipt, open_ballot_receipt

VOTE = str(uuid.UUID(int=7))
BALLOT = {"basis": "OWNER", "channel": "ONLINE", "cast_at": "2026-11-22T08:00:00+00:00"}
ANSWERS = {"t1": "AGREE"}


def test_the_commitment_is_sha256_of_the_domain_separated_document_with_the_nonce():
    nonce = commitments.new_nonce()
    assert len(nonce) == 32
    assert nonce != commitments.new_nonce()
    document = commitments.commitment_document(vote_id=VOTE, group="g" * 32, answers=ANSWERS, nonce=nonce, **BALLOT)
    assert document["domain"] == "evote/ballot-commitment@2"
    digest = commitments.commitment(vote_id=VOTE, group="g" * 32, answers=ANSWERS, nonce=nonce, **BALLOT)
    assert digest == canonical_sha256(document)
    assert digest == commitments.ballot_hash(vote_id=VOTE, group="g" * 32, answers=ANSWERS, nonce=nonce, **BALLOT)
    legacy = commitments.legacy_content_hash(vote_id=VOTE, group_id="g" * 32, answers=ANSWERS, **BALLOT)
    assert legacy == canonical_sha256({"vote_id": VOTE, "group_id": "g" * 32, "answers": ANSWERS, **BALLOT})
    assert legacy == commitments.ballot_hash(vote_id=VOTE, group="g" * 32, answers=ANSWERS, nonce=None, **BALLOT)
    for bad in ("0" * 31, "G" * 32, 5):
        with pytest.raises(ValueError, match="nonce"):
            commitments.commitment_document(vote_id=VOTE, group="g", answers=ANSWERS, nonce=bad, **BALLOT)


def test_entries_of_both_versions_name_their_group_and_hash():
    new = {"group": "p" * 32, "commitment": "c" * 64}
    old = {"group_id": "i" * 32, "content_hash": "h" * 64}
    assert commitments.is_commitment_entry(new)
    assert not commitments.is_commitment_entry(old)
    assert (commitments.logged_group(new), commitments.logged_hash(new)) == ("p" * 32, "c" * 64)
    assert (commitments.logged_group(old), commitments.logged_hash(old)) == ("i" * 32, "h" * 64)


def test_only_the_right_answers_and_nonce_open_a_logged_commitment():
    nonce = commitments.new_nonce()
    payload = {"group": "p" * 32, **BALLOT}
    payload["commitment"] = commitments.commitment(vote_id=VOTE, group="p" * 32, answers=ANSWERS, nonce=nonce, **BALLOT)
    assert commitments.opens(VOTE, payload, answers=ANSWERS, nonce=nonce)
    assert not commitments.opens(VOTE, payload, answers={"t1": "OPPOSE"}, nonce=nonce)
    assert not commitments.opens(VOTE, payload, answers=ANSWERS, nonce=commitments.new_nonce())
    assert not commitments.opens(str(uuid.UUID(int=8)), payload, answers=ANSWERS, nonce=nonce)
    assert not commitments.opens(VOTE, payload, answers=ANSWERS, nonce="not hex")
    assert not commitments.opens(VOTE, {**payload, "commitment": 5}, answers=ANSWERS, nonce=nonce)
    assert not commitments.opens(VOTE, {"content_hash": "h" * 64, **BALLOT}, answers=ANSWERS, nonce=nonce)
    assert not commitments.opens(VOTE, {"commitment": payload["commitment"]}, answers=ANSWERS, nonce=nonce)
    legacy = {"group_id": "p" * 32, **{k: v for k, v in payload.items() if k != "group"}}
    assert commitments.opens(VOTE, legacy, answers=ANSWERS, nonce=nonce)  # named by group_id in an old roll


def test_a_ballot_names_its_group_by_group_id_only_where_the_roll_predates_pseudonyms():
    assert commitments.group_member("p" * 32, "i" * 32) == "group"
    assert commitments.group_member("i" * 32, "i" * 32) == "group_id"


def test_pseudonyms_are_random_per_group_and_keyed_per_vote_for_owners():
    assert len(new_group_pseudonym()) == 32
    assert new_group_pseudonym() != new_group_pseudonym()
    key, owner = b"k" * 32, uuid.UUID(int=99)
    first = owner_pseudonym(key, VOTE, owner)
    message = f"evote/owner-pseudonym@2\x1f{VOTE}\x1f{owner}".encode()
    assert first == hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
    assert first != owner_pseudonym(key, uuid.UUID(int=8), owner)  # per vote
    assert first != owner_pseudonym(b"j" * 32, VOTE, owner)  # keyed
    with pytest.raises(ValueError, match="32 bytes"):
        owner_pseudonym(b"short", VOTE, owner)


def test_grant_pseudonyms_are_keyed_per_vote_and_empty_without_a_grant():
    key, grant = b"k" * 32, uuid.UUID(int=5)
    first = grant_pseudonym(key, VOTE, grant)
    message = f"evote/grant-pseudonym@1\x1f{VOTE}\x1f{grant}".encode()
    assert first == hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
    assert first != grant_pseudonym(key, uuid.UUID(int=8), grant)  # per vote: a proxy's votes are not linked
    assert first != owner_pseudonym(key, VOTE, grant)  # domain-separated from owner pseudonyms
    assert grant_pseudonym(key, VOTE, None) == ""


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("vote.published", {"notice_hash": "a" * 64}, Disclosure.PUBLIC),
        ("vote.closed", {"by": "system", "participating": {"heads": 1}}, Disclosure.PUBLIC),
        ("vote.closed", {"by": "account:0f0e", "participating": {"heads": 1}}, Disclosure.RESTRICTED),
        ("ballot.cast", {"group": "p", "commitment": "c"}, Disclosure.PUBLIC),
        ("ballot.cast", {"group": "p", "commitment": "c", "grant": "g" * 32}, Disclosure.PUBLIC),
        ("ballot.cast", {"group": "p", "commitment": "c", "grant_id": ""}, Disclosure.PUBLIC),
        ("ballot.cast", {"group": "p", "commitment": "c", "grant_id": str(uuid.UUID(int=5))}, Disclosure.RESTRICTED),
        ("register.version", {"content_hash": "h", "imported_by": "apikey:小区一号"}, Disclosure.RESTRICTED),
        ("register.version", {"content_hash": "h", "imported_by": "COMMITTEE@e"}, Disclosure.PUBLIC),
        ("identity.act.recorded", {"details": {"acted_as": "ADMIN"}}, Disclosure.RESTRICTED),
        ("ballot.cast", {"group_id": "i", "content_hash": "h"}, Disclosure.RESTRICTED),
        # a commitment in a vote frozen before pseudonyms names its unkeyed group id: never public
        ("ballot.cast", {"group_id": "i", "commitment": "c", "grant": ""}, Disclosure.RESTRICTED),
        ("ballot.voided", {"group": "p", "reason": "later"}, Disclosure.PUBLIC),
        ("ballot.voided", {"group_id": "i", "reason": "later"}, Disclosure.RESTRICTED),
        ("identity.verification.succeeded", {"details": {}}, Disclosure.RESTRICTED),
        ("grant.approved", {}, Disclosure.RESTRICTED),
        ("supervision.revocation", {"reason": "x", "documents": ["owner:1"]}, Disclosure.RESTRICTED),
        ("supervision.revocation", {"reason": "x"}, Disclosure.PUBLIC),
        ("some.future_kind", {}, Disclosure.RESTRICTED),
        ("paper.received", {"group": "p", "scan_sha256": "s", "status": "DUPLICATE"}, Disclosure.PUBLIC),
        ("paper.received", {"group_id": "i", "scan_sha256": "s"}, Disclosure.RESTRICTED),
        ("counting.opened", {"witnesses": [{"witness": "w", "role": "OWNER"}]}, Disclosure.PUBLIC),
        ("counting.opened", {"witnesses": [{"account_id": "a", "role": "OWNER"}]}, Disclosure.RESTRICTED),
        ("counting.confirmed", {"witness": "w", "role": "OWNER"}, Disclosure.PUBLIC),
        ("counting.signed_off", {"paper_counted": 1}, Disclosure.PUBLIC),
    ],
)
def test_the_disclosure_table(kind, payload, expected):
    assert disclosure(kind, payload) is expected


def test_personal_data_is_found_at_any_depth():
    assert carries_personal_data({"details": [{"owner_identifier_last4": "0016"}]})
    assert carries_personal_data(["x", ("account:1",)])
    assert not carries_personal_data({"totals": [1, "AGREE", None]})


def _receipt(kind: str, payload: dict, vote_id: uuid.UUID | None) -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    entry = leaf_document(
        entry_id=uuid.UUID(int=1), kind=kind, estate_id=None, vote_id=vote_id, payload=payload,
        payload_sha256=entry_payload_sha256(kind, None, vote_id, payload),
        created_at=datetime(2026, 11, 22, tzinfo=UTC),
    )  # fmt: skip
    leaves = [entry_leaf_hash(entry)]
    note = sign_note(Checkpoint("evote.test/log", 1, merkle.root(leaves)).body(), "evote.test/log", key)
    return format_receipt(entry, 0, [], note), verifier_key_string("evote.test/log", key.public_key())


def test_a_ballot_receipt_opens_offline_only_with_the_answers_and_nonce():
    nonce = commitments.new_nonce()
    payload = {"ballot_id": "b", "group": "p" * 32, "grant_id": "", **BALLOT}
    payload["commitment"] = commitments.commitment(vote_id=VOTE, group="p" * 32, answers=ANSWERS, nonce=nonce, **BALLOT)
    receipt, key = _receipt("ballot.cast", payload, uuid.UUID(VOTE))
    assert open_ballot_receipt(receipt, key, answers=ANSWERS, nonce=nonce).entry["payload"] == payload
    with pytest.raises(ReceiptInvalid, match="do not open"):
        open_ballot_receipt(receipt, key, answers={"t1": "OPPOSE"}, nonce=nonce)
    with pytest.raises(ReceiptInvalid, match="do not open"):
        open_ballot_receipt(receipt, key, answers=ANSWERS, nonce=commitments.new_nonce())
    other, other_key = _receipt("vote.closed", {"by": "system"}, uuid.UUID(VOTE))
    with pytest.raises(ReceiptInvalid, match="not a ballot"):
        open_ballot_receipt(other, other_key, answers=ANSWERS, nonce=nonce)


def test_witness_pseudonyms_are_keyed_per_vote():
    key = bytes(range(32))
    account = "acc"
    assert witness_pseudonym(key, VOTE, account) != witness_pseudonym(key, "other-vote", account)
    assert len(witness_pseudonym(key, VOTE, account)) == 32
