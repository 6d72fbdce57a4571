"""What binds a vote's evidence together: its entry set, its counted ballots, and the signed export index.

Three pure definitions, shared by the server that writes them and the offline verifier that recomputes them:

* **The vote's entry set** (``entry_set``): the ``vote.closed``, ``vote.decided`` and ``vote.result_published``
  entries carry ``"entries": {"count": n, "sha256": h}`` over every *bound* entry of the vote (``BOUND_KINDS``:
  the vote's lifecycle, its ballots and the supervisors' acts) created strictly before them (``created_at``,
  the leaf document's UTC text, compares as text). ``h`` is the SHA-256 of the RFC 8785 bytes of
  ``{"domain": "evote/vote-entries@1", "entries": [[entry id, payload_sha256], …]}``, the pairs sorted by
  entry id. The set does not depend on leaf order, which is integration order and no promise about time.
  A bundle that drops any bound entry made before the close no longer reproduces the signed count and hash.
* **The counted set** (``counted_set``): ``vote.closed`` carries ``"counted": {"count": n, "root": r}``, the
  RFC 9162 Merkle root (hex) over the counted ballots' commitments (64 hex digits each, as ASCII bytes), sorted,
  so an owner checks with their receipt's commitment that their ballot was counted, not only logged: with the
  whole list (``counted_contains``), or with the RFC 9162 audit path of their commitment alone
  (``counted_inclusion`` builds it, ``verify_counted_inclusion`` checks it against the signed ``counted``).
* **The export index** (``export_index``): the bundle's ``log/index.json``, signed with the log key, lists the
  leaf index and kind of every entry of the vote up to the latest checkpoint, so dropping a later entry (a
  revocation) from a bundle fails even when no later entry of the vote binds it.

Entries logged before these bindings existed have no ``entries`` or ``counted`` member and are checked as before
(append-only log: old payloads never change).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.ledger.canonical import canonical_sha256
from app.ledger.events import SUPERVISION_KINDS, EventKind
from app.ledger.merkle import HASH_SIZE, inclusion_proof, joined_root, leaf_hash, leaf_hashes, root, verify_inclusion

ENTRY_SET_DOMAIN = "evote/vote-entries@1"
#: The entry set's canonical document around its pairs: ``ENTRY_SET_HEAD`` + ``["id","digest"]`` pairs joined by
#: commas + ``ENTRY_SET_TAIL`` (the domain needs no escaping), so a database can write the same bytes.
ENTRY_SET_HEAD = f'{{"domain":"{ENTRY_SET_DOMAIN}","entries":['
ENTRY_SET_TAIL = "]}"
_BARE = re.compile(r"[0-9A-Za-z_-]*")
"""Characters RFC 8785 (and JSON) never escape; ``ENTRY_SET_DOMAIN`` needs no escaping either."""
EXPORT_INDEX_FORMAT = "evote-vote-index@1"
#: The entries a vote's bindings covered before issue #17: what the vote is, its ballots, its supervision.
LEGACY_BOUND_KINDS = frozenset(
    {
        EventKind.VOTE_PUBLISHED,
        EventKind.VOTE_ERRATUM,
        EventKind.VOTE_CANCELLED,
        EventKind.BALLOT_CAST,
        EventKind.BALLOT_VOIDED,
        EventKind.VOTE_CLOSED,
        EventKind.VOTE_DECIDED,
        EventKind.VOTE_RESULT_PUBLISHED,
        *SUPERVISION_KINDS,
    }
)
#: The procedure's per-vote entries (issue #17), bound too: the posting on site (R-NOTICE-2), paper receptions and
#: the counting session (R-PAPER-1..3), roll objections and re-publication (R-ROLL-7), the decision to convene
#: (R-CONV-2) and the candidate lists' acknowledgment (R-CAND-8). A binding logged before them covers only
#: ``LEGACY_BOUND_KINDS``; a verifier accepts that set only when the signed binding is of it (``legacy_entry_set``).
PROCEDURE_BOUND_KINDS = frozenset(
    {
        EventKind.VOTE_NOTICE_POSTED,
        EventKind.PAPER_RECEIVED,
        EventKind.COUNTING_OPENED,
        EventKind.COUNTING_CONFIRMED,
        EventKind.COUNTING_SIGNED_OFF,
        EventKind.ROLL_OBJECTION_FILED,
        EventKind.ROLL_OBJECTION_ANSWERED,
        EventKind.VOTE_ROLL_REPUBLISHED,
        EventKind.CONVENING_MANDATE_RECORDED,
        EventKind.CONVENING_MANDATE_SIGNED,
        EventKind.ELECTION_CANDIDATE_LIST_ACKNOWLEDGED,
    }
)
#: The entries of a vote that its later lifecycle entries bind.
BOUND_KINDS = LEGACY_BOUND_KINDS | PROCEDURE_BOUND_KINDS
#: The entries whose payload carries the binding of the bound entries made before them.
BINDING_KINDS = frozenset({EventKind.VOTE_CLOSED, EventKind.VOTE_DECIDED, EventKind.VOTE_RESULT_PUBLISHED})


@dataclass(frozen=True, slots=True)
class EntrySet:
    """How many bound entries, and the hash of their sorted (id, payload hash) pairs."""

    count: int
    sha256: str

    def payload(self) -> dict[str, Any]:
        return {"count": self.count, "sha256": self.sha256}


def entry_set(entries: Iterable[tuple[str, str]]) -> EntrySet:
    """The binding of ``(entry id, payload_sha256)`` pairs (any order; see the module docstring)."""
    pairs = sorted((str(entry_id), str(digest)) for entry_id, digest in entries)
    if _BARE.fullmatch("".join(value for pair in pairs for value in pair)):
        # UUIDs and hex digests: canonical JSON writes such strings as they are, so the canonical bytes of the
        # document below are written directly (a vote's close binds ~100,000 entries three times).
        listed = ",".join(f'["{entry_id}","{digest}"]' for entry_id, digest in pairs)
        document = f"{ENTRY_SET_HEAD}{listed}{ENTRY_SET_TAIL}".encode("ascii")
        return EntrySet(len(pairs), hashlib.sha256(document).hexdigest())
    return EntrySet(len(pairs), canonical_sha256({"domain": ENTRY_SET_DOMAIN, "entries": [list(p) for p in pairs]}))


def bound_before(
    documents: Iterable[Mapping[str, Any]], binding: Mapping[str, Any], *, kinds: frozenset[str] = BOUND_KINDS
) -> list[Mapping[str, Any]]:
    """The leaf documents a binding entry's ``entries`` covers: bound kinds created strictly before it (``kinds``:
    ``LEGACY_BOUND_KINDS`` for a binding logged before the procedure's entries were bound)."""
    created_at = str(binding["created_at"])
    return [
        document for document in documents if document["kind"] in kinds and str(document["created_at"]) < created_at
    ]


@dataclass(frozen=True, slots=True)
class CountedSet:
    """The counted ballots' commitments at the close: how many, and their Merkle root (hex)."""

    count: int
    root: str

    def payload(self) -> dict[str, Any]:
        return {"count": self.count, "root": self.root}


def counted_leaves(commitments: Iterable[str]) -> list[str]:
    """The commitments in the counted set's leaf order (sorted)."""
    return sorted(str(commitment) for commitment in commitments)


def counted_set(commitments: Iterable[str]) -> CountedSet:
    """The Merkle root over the sorted commitments' ASCII bytes (RFC 9162 leaves)."""
    leaves = counted_leaves(commitments)
    return CountedSet(len(leaves), root(leaf_hashes([leaf.encode("ascii") for leaf in leaves])).hex())


def counted_set_of_leaves(leaf_hashes: bytes) -> CountedSet:
    """``counted_set`` from the leaves' hashes, ``leaf_hash`` of each commitment's ASCII bytes, joined in leaf order
    (the commitments sorted): what a database that keeps each ballot's leaf hash returns in one value."""
    return CountedSet(len(leaf_hashes) // HASH_SIZE, joined_root(leaf_hashes).hex())


def counted_contains(commitments: Sequence[str], logged: Mapping[str, Any], commitment: str) -> bool:
    """Whether ``commitments`` is the counted set ``logged`` (a ``vote.closed`` payload's ``counted``) and holds
    ``commitment``: the owner's check that their ballot was counted."""
    try:
        recomputed = counted_set(commitments)
    except (UnicodeEncodeError, TypeError):
        return False
    return recomputed.payload() == dict(logged) and commitment in set(commitments)


def counted_inclusion(commitments: Iterable[str], commitment: str) -> tuple[int, list[bytes]]:
    """The leaf index of ``commitment`` in the counted set of ``commitments`` and its audit path there;
    ``ValueError`` if it is not one of them."""
    leaves = counted_leaves(commitments)
    index = leaves.index(commitment)
    return index, inclusion_proof(index, leaf_hashes([leaf.encode("ascii") for leaf in leaves]))


def verify_counted_inclusion(commitment: str, index: int, proof: Sequence[bytes], logged: Mapping[str, Any]) -> bool:
    """Whether ``proof`` shows ``commitment`` is leaf ``index`` of the counted set ``logged`` (a ``vote.closed``
    payload's ``counted``: its ``count`` is the tree size, its ``root`` the tree's root). Never raises."""
    count, root_hex = logged.get("count"), logged.get("root")
    if not isinstance(count, int) or isinstance(count, bool) or not isinstance(root_hex, str):
        return False
    try:
        return verify_inclusion(index, count, leaf_hash(commitment.encode("ascii")), proof, bytes.fromhex(root_hex))
    except (ValueError, TypeError, AttributeError):
        return False


def export_index(*, vote_id: str, tree_size: int, root_hash: str, entries: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """The signed list of the vote's entries up to the latest checkpoint: ``[leaf index, kind]`` in leaf order."""
    return {
        "format": EXPORT_INDEX_FORMAT,
        "vote_id": vote_id,
        "tree_size": tree_size,
        "root_hash": root_hash,
        "entries": [[index, kind] for index, kind in entries],
    }
