from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from app.audit.schemas import ReceiptOut
from app.common.schemas import Command, Instant
from app.ledger.canonical import canonical_bytes
from app.rules.paper import PaperForm, ReceptionStatus


def _hashable(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers are hashed as RFC 8785 JSON (app.ledger.canonical): no floats, no integers past 2^53 - 1 → 422."""
    try:
        canonical_bytes(answers)
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    return answers


Answers = Annotated[dict[str, Any], AfterValidator(_hashable)]


class BallotCast(Command):
    group_id: str = Field(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")
    answers: Answers = Field(description="Topic id → answer; every topic of the vote (R-TALLY-1)")


SHA256 = Field(pattern="^[0-9a-f]{64}$", description="SHA-256 (hex) of a scan uploaded to this vote (R-PAPER-4)")


class PaperReceptionIn(Command):
    """R-PAPER-1: a paper ballot has arrived now; the server's clock is its reception time."""

    group_id: str = Field(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")
    form: PaperForm = Field(description="SHEET: the signed ballot; SEALED_ENVELOPE: opened at the counting")
    scan_sha256: str = SHA256
    date_on_paper: date | None = Field(
        default=None, description="A date written on the paper: kept as information only, never the reception time"
    )


class PaperReceptionOut(BaseModel):
    id: uuid.UUID
    vote_id: uuid.UUID
    group_id: str
    form: PaperForm
    scan_sha256: str
    received_at: Instant = Field(description="The server's clock when the arrival was recorded (R-PAPER-1)")
    date_on_paper: str | None
    status: ReceptionStatus = Field(description="RECEIVED, COUNTED or DUPLICATE (R-PAPER-2)")
    audit_entry_id: uuid.UUID
    ballot_id: uuid.UUID | None


class PaperScanOut(BaseModel):
    sha256: str
    size: int
    media_type: str


class CountedPaperEntry(Command):
    """R-PAPER-3: the answers of a received paper ballot, entered at the counting session before the witnesses."""

    reception_id: uuid.UUID
    answers: Answers = Field(description="Topic id → answer, or SPOILED for an unreadable topic")
    scan_sha256: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="The opened ballot sheet's uploaded scan: required for a sealed envelope, else the reception's",
    )


class Receipt(BaseModel):
    """What the caster keeps: the ballot's commitment, the nonce that opens it, and its audit-log entry.

    With the nonce and their answers the owner checks offline that the logged commitment is their ballot
    (``evote receipt check``, docs/secrecy.md); nobody without the nonce can test a guess of the answers.
    """

    ballot_id: uuid.UUID
    vote_id: uuid.UUID
    group_id: str
    group_pseudonym: str = Field(description="The group's per-vote pseudonym, as the audit log names it")
    content_hash: str = Field(description="The ballot's commitment, as logged in its ballot.cast entry")
    nonce: str = Field(description="Keep it secret: with your answers it opens the commitment (128 random bits)")
    audit_entry_id: uuid.UUID
    cast_at: Instant
    basis: str
    status: str


class CountedProofOut(BaseModel):
    """``app.ledger.receipt.counted_proof_document``: save it as a file for ``evote receipt check --counted``."""

    format: str
    vote_id: uuid.UUID
    commitment: str = Field(description="Your ballot's commitment (64 hex digits), a leaf of the counted set")
    index: int = Field(description="The commitment's leaf index in the counted set (the sorted commitments)")
    proof: list[str] = Field(description="RFC 9162 audit path of the commitment to the counted set's root (base64)")
    closed: ReceiptOut = Field(description="The receipt of the vote.closed entry that signs the counted set's root")
