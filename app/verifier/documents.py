"""The bundle's layout and document formats: one definition for the server that writes them and the verifier.

Bundle (a ``.zip``, members in this order, fixed timestamps, so the same content gives the same bytes)::

    README.md                how to check the bundle by hand (openssl, a JOSE library) and with evote verify
    manifest.json            the signed manifest: format, vote id, name / size / SHA-256 of every other member
                             (README.md included), a 64-bit tag per line of register.jsonl (to name a unit
                             changed after export), and the log key's Ed25519 signature over the rest
    keys/keys.json           the log key: origin, note verifier key, note key ID, raw key, PEM, JWK with kid;
                             retired log keys and witness keys
    keys/log-key.pem         the log's Ed25519 public key (SubjectPublicKeyInfo PEM), for openssl
    register.jsonl           pseudonymous register snapshot (no names, ID or certificate numbers; owners by
                             ``app.ledger.pseudonyms.owner_pseudonym``, keyed and per vote): a header line (the
                             document without ``units``), then one unit per line in ``unit_key`` order
    roll.jsonl               the roll document whose SHA-256 is the notice's ``roll_hash`` (groups by their
                             per-vote pseudonym; since ``ROLL_FORMAT`` each group also lists its owners as
                             their per-vote owner pseudonyms, so the roll hash binds who forms each group): a
                             header line (the document without ``groups``), then one group per line in
                             ``group_id`` order (``join_document`` rebuilds the document)
    notice.json              the notice document whose SHA-256 is the vote's ``notice_hash``
    topics.json              each topic's id, position and document (its SHA-256 is its ``content_hash``)
    ballots.jsonl            every ballot of the vote, counted and void, as cast, with the nonce that opens its
                             commitment (``app.ledger.ballot``; ``null`` for ballots logged before commitments);
                             one per line, in the leaf order of their ``ballot.cast`` entries
    log/entries.jsonl        every audit-log entry of the vote, one leaf document per line in leaf order: each
                             line is exactly the entry's leaf data (``app.ledger.entries.leaf_data``), so its
                             leaf hash is ``SHA-256(0x00 || line without its newline)``
    log/checkpoints.json     the signed checkpoint notes: ``result`` (named by the signed result) and ``latest``
    log/inclusion.json       ``{"proofs": [{"tree_size", "leaf_indices", "nodes"}]}``: the leaf index of each line
                             of log/entries.jsonl, in order, split into one batch proof per checkpoint (the
                             entries inside the result's checkpoint, then the later ones against the latest)
    log/inclusion.bin        the proofs' nodes, raw 32-byte hashes one after another (``nodes`` per proof): each
                             proof is ``merkle.multi_inclusion_proof`` of its leaves (RFC 9162 subtree hashes)
    log/consistency.json     the consistency proof ``{"first", "second", "proof"}`` of the result's checkpoint
                             to the latest one
    log/index.json           ``{"index": …, "signature": …}``: the leaf index and kind of every entry of the vote
                             up to the latest checkpoint (``app.ledger.completeness.export_index``), signed
                             (raw Ed25519, base64) over its RFC 8785 bytes with the log key
    log/counted.json         the counted ballots' commitments, sorted: the leaves of the ``counted`` Merkle root
                             that the signed ``vote.closed`` entry carries
    result/result.json       the signed result: RFC 8785 canonical bytes, exactly what is signed
    result/result.sig        the raw 64-byte Ed25519 signature of result.json
    result/result.jws        the compact JWS (alg EdDSA, kid) whose payload is result.json

JSON members are pretty-printed UTF-8 JSON except ``result/result.json``, which is canonical bytes, and the
JSON Lines members (``JSONL_MEMBERS`` and ``HEADED_MEMBERS``): one RFC 8785 canonical JSON value per line, each
line ending in ``\\n``, so a verifier reads them as streams, line by line, whatever the bundle's size. Hashes
are always over RFC 8785 canonical JSON of the parsed document (``app.ledger.canonical``), so the layout of
a file never matters, only its content.

Signing key and ``kid``: the signed result is signed with the audit log's own Ed25519 key (one published key
set). The ``kid`` is the RFC 7638 JWK thumbprint of that public key (SHA-256 over
``{"crv":"Ed25519","kty":"OKP","x":…}``, base64url). The same key signs checkpoint notes, whose signed
message is the checkpoint text (lines ending in ``\\n``), and JWS signing inputs (base64url and ``.``
only); RFC 8785 bytes never contain a raw newline and always start with ``{``, so no message of one kind
can be taken for another.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.ledger.canonical import canonical_bytes

BUNDLE_FORMAT = "evote-bundle@4"
"""Since ``@2`` the entries, proofs and ballots are JSON Lines members; since ``@3`` the register snapshot and the
roll are too (a header line, then one unit or group per line) and the manifest is signed and covers README.md;
since ``@4`` one batch inclusion proof per checkpoint (log/inclusion.json and .bin) replaces the proof per entry
(log/proofs.jsonl); ``@1`` to ``@3`` bundles are refused."""
RESULT_FORMAT = "evote-result@1"
REGISTER_FORMAT = "evote-register@1"
ROLL_FORMAT = "evote-roll@2"
"""The roll document's ``format``; a roll frozen before it has no ``format`` and no ``owners`` (version 1)."""

README = "README.md"
MANIFEST = "manifest.json"
KEYS = "keys/keys.json"
LOG_KEY_PEM = "keys/log-key.pem"
REGISTER = "register.jsonl"
ROLL = "roll.jsonl"
NOTICE = "notice.json"
TOPICS = "topics.json"
BALLOTS = "ballots.jsonl"
ENTRIES = "log/entries.jsonl"
CHECKPOINTS = "log/checkpoints.json"
INCLUSION = "log/inclusion.json"
INCLUSION_NODES = "log/inclusion.bin"
CONSISTENCY = "log/consistency.json"
INDEX = "log/index.json"
COUNTED = "log/counted.json"
RESULT = "result/result.json"
RESULT_SIG = "result/result.sig"
RESULT_JWS = "result/result.jws"

#: Every member after README and manifest, in archive order; the manifest lists README and exactly these.
MEMBERS = (
    KEYS,
    LOG_KEY_PEM,
    REGISTER,
    ROLL,
    NOTICE,
    TOPICS,
    BALLOTS,
    ENTRIES,
    CHECKPOINTS,
    INCLUSION,
    INCLUSION_NODES,
    CONSISTENCY,
    INDEX,
    COUNTED,
    RESULT,
    RESULT_SIG,
    RESULT_JWS,
)

#: What the signed manifest lists, in order: the bundle's README, then every member after the manifest.
LISTED = (README, *MEMBERS)

#: The members read as streams, one canonical JSON value per line, in log (leaf) order.
JSONL_MEMBERS = (BALLOTS, ENTRIES)
#: The members that are neither JSON nor text: raw bytes, read as a stream.
BINARY_MEMBERS = (INCLUSION_NODES,)
#: The documents written as a header line (the document without its list) then one list item per line.
HEADED_MEMBERS: dict[str, str] = {REGISTER: "units", ROLL: "groups"}
#: The members of the bundle's documents, exactly (docs/evidence-formats.md §5): a verifier refuses a missing or an
#: extra one. The register snapshot's header line and each of its unit lines:
REGISTER_HEADER_MEMBERS = frozenset(
    {"format", "estate_id", "version_id", "number", "content_hash", "include_parking", "developer"}
)
REGISTER_UNIT_MEMBERS = frozenset({
    "unit_key", "building", "entrance", "room", "area", "area_source", "parking", "sale_status", "delivered",
    "evidence", "owners",
})  # fmt: skip
#: A line of ballots.jsonl.
BALLOT_MEMBERS = frozenset({
    "ballot_id", "group_id", "status", "channel", "basis", "answers", "cast_at", "content_hash", "nonce",
    "scan_sha256", "void_reason", "audit_entry_id",
})  # fmt: skip
#: log/index.json, and its signed ``index``.
INDEX_MEMBERS = frozenset({"index", "signature"})
EXPORT_INDEX_MEMBERS = frozenset({"format", "vote_id", "tree_size", "root_hash", "entries"})
INCLUSION_MEMBERS = frozenset({"proofs"})
INCLUSION_PROOF_MEMBERS = frozenset({"tree_size", "leaf_indices", "nodes"})
#: Hex digits of a register line's tag in the manifest: the first 8 bytes of the line's SHA-256 (its bytes without
#: the newline). The member's full SHA-256 binds it; the tags only locate the first unit changed after export.
UNIT_TAG_HEX = 16


def split_document(name: str, document: Mapping[str, Any]) -> list[bytes]:
    """A headed member's lines (``HEADED_MEMBERS``): the canonical document without its list, then each item."""
    items = HEADED_MEMBERS[name]
    header = {key: value for key, value in document.items() if key != items}
    return [canonical_bytes(header), *(canonical_bytes(item) for item in document[items])]


def join_document(name: str, values: Sequence[Any]) -> dict[str, Any]:
    """The document of a headed member from its lines' values: the header with the items as its list."""
    header = dict(values[0])
    header[HEADED_MEMBERS[name]] = list(values[1:])
    return header


def unit_tags(register_lines: Iterable[bytes]) -> str:
    """The manifest's ``register_unit_tags``: per line of register.jsonl after the header, ``UNIT_TAG_HEX`` digits."""
    return "".join(hashlib.sha256(line).hexdigest()[:UNIT_TAG_HEX] for line in register_lines)


def manifest_message(manifest: Mapping[str, Any]) -> bytes:
    """What the log key signs in manifest.json: the RFC 8785 bytes of the manifest without its ``signature``
    (``format`` ``evote-bundle@4``: never a signed result's or an export index's ``format``)."""
    return canonical_bytes({key: value for key, value in manifest.items() if key != "signature"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(public_key: bytes) -> str:
    """RFC 7638 thumbprint of an Ed25519 public key (RFC 8037 §2 OKP JWK): the signed result's ``kid``."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(public_key)}
    return b64url(hashlib.sha256(canonical_bytes(members)).digest())


def public_jwk(public_key: bytes) -> dict[str, str]:
    """The public JWK of the result key, with its ``kid`` (for any JOSE library)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(public_key),
        "kid": jwk_thumbprint(public_key),
        "alg": "EdDSA",
        "use": "sig",
    }
