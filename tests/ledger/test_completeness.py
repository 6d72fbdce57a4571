"""The vote's entry set, the counted set and the export index (app.ledger.completeness): pure, no database."""

from __future__ import annotations

import hashlib
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger import ballot as commitments
from app.ledger import completeness
from app.ledger.canonical import canonical_sha256
from app.ledger.events import EventKind
from app.ledger.merkle import leaf_hash, root


def test_the_entry_set_is_order_independent_and_changes_with_any_entry():
    pairs = [("b", "2" * 64), ("a", "1" * 64), ("c", "3" * 64)]
    bound = completeness.entry_set(pairs)
    assert bound == completeness.entry_set(reversed(pairs))
    assert bound.count == 3
    expected = {"domain": "evote/vote-entries@1", "entries": [["a", "1" * 64], ["b", "2" * 64], ["c", "3" * 64]]}
    assert bound.sha256 == canonical_sha256(expected)
    assert bound.payload() == {"count": 3, "sha256": bound.sha256}
    assert completeness.entry_set(pairs[:2]).sha256 != bound.sha256  # one dropped
    assert completeness.entry_set([*pairs[:2], ("c", "4" * 64)]).sha256 != bound.sha256  # one replaced


def test_bound_before_takes_bound_kinds_created_strictly_before():
    def doc(kind: str, at: str) -> dict[str, str]:
        return {"kind": kind, "created_at": at}

    closing = doc(EventKind.VOTE_CLOSED, "2025-03-23T16:00:00.000000Z")
    documents = [
        doc(EventKind.BALLOT_CAST, "2025-03-18T00:00:00.000000Z"),
        doc(EventKind.SUPERVISION_REVOCATION, "2025-03-19T00:00:00.000000Z"),
        doc(EventKind.VOTE_EXPORTED, "2025-03-19T00:00:00.000000Z"),  # an access record: not bound
        doc(EventKind.VOTE_DECIDED, "2025-03-23T16:00:00.000000Z"),  # same instant: not before
        closing,
    ]
    assert completeness.bound_before(documents, closing) == documents[:2]


def test_the_counted_set_is_the_merkle_root_of_the_sorted_commitments():
    counted = ["b" * 64, "a" * 64]
    signed = completeness.counted_set(counted)
    assert signed.count == 2
    assert signed.root == root([leaf_hash(("a" * 64).encode()), leaf_hash(("b" * 64).encode())]).hex()
    assert completeness.counted_leaves(counted) == ["a" * 64, "b" * 64]
    assert completeness.counted_set([]).root == hashlib.sha256(b"").hexdigest()
    logged = signed.payload()
    assert completeness.counted_contains(counted, logged, "a" * 64)
    assert not completeness.counted_contains(counted, logged, "c" * 64)  # not counted
    assert not completeness.counted_contains(counted[:1], logged, "b" * 64)  # not the signed set
    assert not completeness.counted_contains(["é"], logged, "é")  # not hex: never a crash


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(st.characters(max_codepoint=127), max_size=64), max_size=40))
def test_the_counted_set_of_kept_leaf_hashes_is_the_counted_set(commitments):
    leaves = b"".join(leaf_hash(leaf.encode("ascii")) for leaf in completeness.counted_leaves(commitments))
    assert completeness.counted_set_of_leaves(leaves) == completeness.counted_set(commitments)


def test_the_export_index_lists_leaves_and_kinds():
    index = completeness.export_index(vote_id="v", tree_size=9, root_hash="cm9vdA==", entries=[(3, "vote.published")])
    assert index == {
        "format": "evote-vote-index@1", "vote_id": "v", "tree_size": 9, "root_hash": "cm9vdA==",
        "entries": [[3, "vote.published"]],
    }  # fmt: skip


def test_a_scanned_paper_ballot_commits_to_its_scan_hash():
    common = {"vote_id": "v", "group": "g", "answers": {"t": "AGREE"}, "basis": "PAPER_ENTRY", "channel": "PAPER"}
    nonce, scan = "0" * 32, "5" * 64
    document = commitments.commitment_document(cast_at="t0", nonce=nonce, scan_sha256=scan, **common)
    assert document["domain"] == "evote/ballot-commitment@3"
    assert document["scan_sha256"] == scan
    digest = commitments.ballot_hash(cast_at="t0", nonce=nonce, scan_sha256=scan, **common)
    assert digest == canonical_sha256(document)
    assert digest != commitments.ballot_hash(cast_at="t0", nonce=nonce, **common)  # version 2 without it
    payload = {"commitment": digest, "group": "g", "basis": "PAPER_ENTRY", "channel": "PAPER", "cast_at": "t0"}
    assert commitments.opens("v", payload | {"scan_sha256": scan}, answers={"t": "AGREE"}, nonce=nonce)
    assert not commitments.opens("v", payload | {"scan_sha256": "6" * 64}, answers={"t": "AGREE"}, nonce=nonce)
    for bad in ("A" * 64, 5):
        try:
            commitments.commitment_document(cast_at="t0", nonce=nonce, scan_sha256=bad, **common)  # type: ignore[arg-type]
        except ValueError:
            continue
        raise AssertionError(f"scan hash {bad!r} accepted")


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.one_of(st.uuids().map(str), st.text(max_size=8)),
            st.one_of(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), st.text(max_size=8)),
        ),
        max_size=12,
    )
)
def test_the_entry_set_written_directly_is_the_canonical_hash(pairs):
    """The direct writing of plain ids and digests (the close's ~100,000 entries) gives exactly the hash of the
    canonical JSON document; any other string goes through canonical JSON itself."""
    document = {"domain": completeness.ENTRY_SET_DOMAIN, "entries": sorted([a, b] for a, b in pairs)}
    assert completeness.entry_set(pairs) == completeness.EntrySet(len(pairs), canonical_sha256(document))
    plain = [(str(uuid.UUID(int=n)), f"{n:064x}") for n in range(len(pairs))]
    document = {"domain": completeness.ENTRY_SET_DOMAIN, "entries": sorted([a, b] for a, b in plain)}
    assert completeness.entry_set(plain).sha256 == canonical_sha256(document)
