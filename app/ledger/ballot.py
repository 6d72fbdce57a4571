"""The ballot's hashed document: one definition for the producer, ``evote audit check`` and the offline verifier.

A ballot is logged as a **hiding, binding commitment** (R-PUB-2, R-LIFE-7): the SHA-256 of the RFC 8785 bytes of::

    {"domain": "evote/ballot-commitment@2", "vote_id": <uuid>, "group": <the vote's pseudonym of the group>,
     "answers": <topic id → answer>, "basis": <acting basis>, "channel": "ONLINE" | "PAPER",
     "cast_at": <the exact text logged>, "nonce": <32 lowercase hex digits: 128 random bits>}

The nonce is fresh from ``secrets`` for every ballot, so nobody without it can test a guess of the answers, however
small their space; it is kept with the ballot (for the recount bundle) and given to the caster in the receipt, so the
owner can open their own commitment offline (``opens``). The ``domain`` member separates this document from every
other evote hash and names its version.

A paper ballot entered since scan hashes were bound (version 3, ``"domain": "evote/ballot-commitment@3"``) has one
more member, ``"scan_sha256"``: the SHA-256 (64 lowercase hex digits) of the owner-signed paper's scan, which its
``ballot.cast`` entry also logs. Online ballots, and paper ballots logged before, keep the version-2 document.

Ballots logged before commitments (version 1, no ``domain``) hashed ``{"vote_id", "group_id", "answers", "basis",
"channel", "cast_at"}`` without a nonce. Those entries stay in the log as they are (append-only) and are still
checked with ``legacy_content_hash``; they are never served publicly (``app.ledger.disclosure``).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, Unpack

from app.ledger.canonical import canonical_sha256

COMMITMENT_DOMAIN = "evote/ballot-commitment@2"
SCANNED_COMMITMENT_DOMAIN = "evote/ballot-commitment@3"
SCAN_PATTERN = re.compile(r"[0-9a-f]{64}")
NONCE_BYTES = 16
NONCE_PATTERN = re.compile(r"[0-9a-f]{32}")


def new_nonce() -> str:
    """128 fresh random bits from the operating system's CSPRNG, as 32 lowercase hex digits."""
    return secrets.token_hex(NONCE_BYTES)


def commitment_document(
    *,
    vote_id: str,
    group: str,
    answers: Any,
    basis: str,
    channel: str,
    cast_at: str,
    nonce: str,
    scan_sha256: str | None = None,
) -> dict[str, Any]:
    """The document a ballot's commitment covers: version 3 with a paper ballot's scan hash, else version 2."""
    if not isinstance(nonce, str) or NONCE_PATTERN.fullmatch(nonce) is None:
        raise ValueError("a ballot nonce is 32 lowercase hex digits")
    if scan_sha256 is not None:
        if not isinstance(scan_sha256, str) or SCAN_PATTERN.fullmatch(scan_sha256) is None:
            raise ValueError("a scan hash is 64 lowercase hex digits")
        return {
            "domain": SCANNED_COMMITMENT_DOMAIN, "vote_id": vote_id, "group": group, "answers": answers,
            "basis": basis, "channel": channel, "cast_at": cast_at, "nonce": nonce, "scan_sha256": scan_sha256,
        }  # fmt: skip
    return {
        "domain": COMMITMENT_DOMAIN,
        "vote_id": vote_id,
        "group": group,
        "answers": answers,
        "basis": basis,
        "channel": channel,
        "cast_at": cast_at,
        "nonce": nonce,
    }


class CommitmentFields(TypedDict):
    """The members of ``commitment_document``, as keywords."""

    vote_id: str
    group: str
    answers: Any
    basis: str
    channel: str
    cast_at: str
    nonce: str
    scan_sha256: NotRequired[str | None]


def commitment(**fields: Unpack[CommitmentFields]) -> str:
    """SHA-256 (hex) of the RFC 8785 bytes of ``commitment_document``: what ``ballot.cast`` logs."""
    return canonical_sha256(commitment_document(**fields))


def legacy_content_hash(*, vote_id: str, group_id: str, answers: Any, basis: str, channel: str, cast_at: str) -> str:
    """The version-1 content hash of ballots logged before commitments (unsalted: checkable, never published)."""
    return canonical_sha256(
        {
            "vote_id": vote_id,
            "group_id": group_id,
            "answers": answers,
            "basis": basis,
            "channel": channel,
            "cast_at": cast_at,
        }
    )


def is_commitment_entry(payload: Mapping[str, Any]) -> bool:
    """Whether a ``ballot.cast`` payload is in the commitment format (version 2) rather than version 1."""
    return "commitment" in payload


def group_member(pseudonym: str, group_id: str) -> str:
    """The payload member that names a ballot's group: ``group`` for a per-vote keyed pseudonym, ``group_id`` in a
    vote whose roll was frozen before pseudonyms existed (its pseudonym IS the unkeyed, recomputable group id), so
    that such entries are never served publicly (``app.ledger.disclosure``)."""
    return "group_id" if pseudonym == group_id else "group"


def logged_group(payload: Mapping[str, Any]) -> Any:
    """The group a ballot entry names: the per-vote pseudonym (``group``), or a version-1 entry's ``group_id``."""
    return payload["group"] if "group" in payload else payload.get("group_id")


def logged_hash(payload: Mapping[str, Any]) -> Any:
    """The hash a ``ballot.cast`` entry logs: its ``commitment``, or a version-1 entry's ``content_hash``."""
    return payload["commitment"] if "commitment" in payload else payload.get("content_hash")


def ballot_hash(
    *,
    vote_id: str,
    group: str,
    answers: Any,
    basis: str,
    channel: str,
    cast_at: str,
    nonce: str | None,
    scan_sha256: str | None = None,
) -> str:
    """A stored ballot's hash in its own version: the commitment when it has a nonce (with the scan hash when its
    entry logs one), else the version-1 hash."""
    if nonce is None:
        return legacy_content_hash(
            vote_id=vote_id, group_id=group, answers=answers, basis=basis, channel=channel, cast_at=cast_at
        )
    return commitment(
        vote_id=vote_id, group=group, answers=answers, basis=basis, channel=channel, cast_at=cast_at, nonce=nonce,
        scan_sha256=scan_sha256,
    )  # fmt: skip


def opens(vote_id: str, payload: Mapping[str, Any], *, answers: Any, nonce: str) -> bool:
    """Whether ``answers`` and ``nonce`` open the commitment of this ``ballot.cast`` payload (the owner's check).

    Everything else in the document (group, basis, channel, time) is read from the logged payload itself.
    """
    if not is_commitment_entry(payload) or not isinstance(payload["commitment"], str):
        return False
    try:
        recomputed = commitment(
            vote_id=vote_id, group=str(logged_group(payload)), answers=answers, basis=str(payload["basis"]),
            channel=str(payload["channel"]), cast_at=str(payload["cast_at"]), nonce=nonce,
            scan_sha256=payload.get("scan_sha256"),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(recomputed, payload["commitment"])
