from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from app.audit.schemas import ReceiptOut
from app.common.schemas import Command
from app.ledger.canonical import canonical_bytes


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


class PaperBallotEntry(Command):
    group_id: str = Field(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")
    answers: Answers = Field(description="Topic id → answer, or SPOILED for an unreadable topic")
    received_at: datetime = Field(description="When the signed paper ballot was received (R-TALLY-9)")
    scan_sha256: str = Field(pattern="^[0-9a-f]{64}$", description="SHA-256 of the scan of the signed ballot")


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
    cast_at: datetime
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
