"""The audit log's leaves: the one definition of what an entry's Merkle leaf commits to.

The server (``app.audit.integrator``) and the offline verifier (``app.ledger.receipt``) both build a leaf
with these functions, so they cannot disagree on the bytes:

* ``leaf_document`` is the JSON document of one entry: ``id``, ``kind``, ``estate_id``, ``vote_id`` (UUID
  strings, ``null`` when absent), ``payload`` (the canonical entry content), ``payload_sha256`` and
  ``created_at`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``). Exactly these seven members, nothing else.
* ``leaf_data`` is its RFC 8785 canonical bytes, and ``entry_leaf_hash`` the RFC 9162 leaf hash
  ``SHA-256(0x00 || leaf_data)``.
* ``entry_payload_sha256`` is the entry's own content hash, over ``kind``, place, vote and payload (the
  place and vote as ``""`` when absent), computed when the entry is appended; ``check_leaf_document``
  recomputes it, so a document whose payload was changed after the fact is refused.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app.ledger.canonical import canonical_bytes, canonical_sha256, unique_members
from app.ledger.merkle import leaf_hash

LEAF_FIELDS = ("id", "kind", "estate_id", "vote_id", "payload", "payload_sha256", "created_at")
MAX_LEAF_BYTES = 1024 * 1024

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def entry_payload_sha256(
    kind: str, estate_id: uuid.UUID | str | None, vote_id: uuid.UUID | str | None, payload: Any
) -> str:
    """SHA-256 (hex) of the canonical ``{"kind", "estate_id", "vote_id", "payload"}``, ``""`` for no place/vote."""
    return canonical_sha256(
        {"kind": kind, "estate_id": str(estate_id or ""), "vote_id": str(vote_id or ""), "payload": payload}
    )


def format_timestamp(moment: datetime) -> str:
    """An aware datetime as UTC with microseconds: ``2026-11-22T08:00:00.000000Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime refused; use an aware UTC datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_document(
    *,
    entry_id: uuid.UUID,
    kind: str,
    estate_id: uuid.UUID | None,
    vote_id: uuid.UUID | None,
    payload: Any,
    payload_sha256: str,
    created_at: datetime,
) -> dict[str, Any]:
    """The JSON document an entry's leaf commits to (see the module docstring)."""
    return {
        "id": str(entry_id),
        "kind": kind,
        "estate_id": None if estate_id is None else str(estate_id),
        "vote_id": None if vote_id is None else str(vote_id),
        "payload": payload,
        "payload_sha256": payload_sha256,
        "created_at": format_timestamp(created_at),
    }


def leaf_data(document: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical bytes of a leaf document (what ``merkle.leaf_hash`` hashes)."""
    return canonical_bytes(dict(document))


def entry_leaf_hash(document: Mapping[str, Any]) -> bytes:
    """``SHA-256(0x00 || canonical bytes)`` of a leaf document, as stored in the log."""
    return leaf_hash(leaf_data(document))


def check_leaf_document(document: Any) -> dict[str, Any]:
    """Validate a leaf document received from outside; ``ValueError`` says what is wrong.

    The members must be exactly ``LEAF_FIELDS`` with their types and formats, and ``payload_sha256`` must
    match the kind, place, vote and payload.
    """
    if not isinstance(document, Mapping) or set(document) != set(LEAF_FIELDS):
        raise ValueError(f"a leaf document has exactly the members {', '.join(LEAF_FIELDS)}")
    _uuid("id", document["id"])
    for name in ("estate_id", "vote_id"):
        if document[name] is not None:
            _uuid(name, document[name])
    if not isinstance(document["kind"], str) or not document["kind"]:
        raise ValueError("kind must be a non-empty string")
    if not isinstance(document["payload"], Mapping):
        raise ValueError("payload must be an object")
    digest = document["payload_sha256"]
    if not isinstance(digest, str) or _SHA256_HEX.fullmatch(digest) is None:
        raise ValueError("payload_sha256 must be 64 lowercase hex digits")
    created_at = document["created_at"]
    if not isinstance(created_at, str) or _TIMESTAMP.fullmatch(created_at) is None:
        raise ValueError("created_at must be YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        expected = entry_payload_sha256(
            document["kind"], document["estate_id"], document["vote_id"], document["payload"]
        )
    except TypeError as failure:  # a float in the payload
        raise ValueError(str(failure)) from failure
    if expected != digest:
        raise ValueError("payload_sha256 does not match the kind, place, vote and payload")
    return dict(document)


def parse_leaf_data(data: bytes) -> dict[str, Any]:
    """The leaf document in canonical bytes; refused unless they are exactly its canonical form."""
    if not isinstance(data, bytes) or len(data) > MAX_LEAF_BYTES:
        raise ValueError(f"leaf data must be bytes of at most {MAX_LEAF_BYTES}")
    try:
        document = json.loads(
            data.decode("utf-8"), object_pairs_hook=unique_members, parse_float=_no_float, parse_constant=_no_float
        )
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError) as failure:
        raise ValueError(f"leaf data is not JSON ({failure})") from failure
    checked = check_leaf_document(document)
    if leaf_data(checked) != data:
        raise ValueError("leaf data is not in RFC 8785 canonical form")
    return checked


def _uuid(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a UUID string")
    try:
        parsed = uuid.UUID(value)
    except ValueError as failure:
        raise ValueError(f"{name} must be a UUID string") from failure
    if str(parsed) != value:
        raise ValueError(f"{name} must be a lowercase, hyphenated UUID")


def _no_float(text: str) -> Any:
    raise ValueError(f"{text} is a float; canonical documents hold integers and strings")
