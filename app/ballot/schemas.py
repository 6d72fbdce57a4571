from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from app.audit.schemas import ReceiptOut
from app.ballot.models import BallotStatus
from app.common.schemas import Command, Instant
from app.ledger.canonical import canonical_bytes
from app.rules.casting import ActingBasis
from app.rules.paper import PaperForm, ReceptionStatus


def _hashable(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers are hashed as RFC 8785 JSON (app.ledger.canonical): no floats, no integers past 2^53 - 1 → 422."""
    try:
        canonical_bytes(answers)
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    return answers


# The answers' types for clients (issue #19 item 1). The wire format is a plain object, topic id → answer, whose
# shape follows the topic's kind (its discriminator, in the vote): each kind's ``read_answer`` (app.rules.kinds) is
# what validates it, with the kind's own problem; these schemas only type it for the OpenAPI document.
_REF = "#/components/schemas/"
ANSWER_SCHEMAS: dict[str, dict[str, Any]] = {
    "VotingChoice": {
        "title": "VotingChoice",
        "type": "string",
        "enum": ["AGREE", "OPPOSE", "ABSTAIN"],
        "description": "同意 / 反对 / 弃权 (R-TALLY-1)",
    },
    "YesNoAnswer": {
        "title": "YesNoAnswer",
        "type": "string",
        "enum": ["AGREE", "OPPOSE", "ABSTAIN"],
        "description": "The answer on a `YES_NO` topic (an ordinary resolution): AGREE, OPPOSE or ABSTAIN.",
    },
    "ElectionAnswer": {
        "title": "ElectionAnswer",
        "type": "object",
        "additionalProperties": {"$ref": _REF + "VotingChoice"},
        "minProperties": 1,
        "description": "The answer on an `ELECTION` topic: candidate id → AGREE, OPPOSE or ABSTAIN, for every "
        "listed candidate; no more AGREE than seats (R-ELEC-2, R-ELEC-3).",
    },
    "SingleChoiceAnswer": {
        "title": "SingleChoiceAnswer",
        "type": "string",
        "minLength": 1,
        "description": "The answer on a `SINGLE_CHOICE` topic: one listed option id, or ABSTAIN (R-MULTI-1).",
    },
    "ConsultationAnswer": {
        "title": "ConsultationAnswer",
        "anyOf": [
            {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
            {"type": "string", "enum": ["ABSTAIN"]},
        ],
        "description": "The answer on a `CONSULTATION` topic: the listed option ids picked (each once), or ABSTAIN "
        "(R-MULTI-3).",
    },
    "TopicAnswer": {
        "title": "TopicAnswer",
        "anyOf": [
            {"$ref": _REF + "YesNoAnswer"},
            {"$ref": _REF + "ElectionAnswer"},
            {"$ref": _REF + "SingleChoiceAnswer"},
            {"$ref": _REF + "ConsultationAnswer"},
        ],
        "description": "One topic's answer. Its shape is discriminated by the topic's `kind` in the vote (not "
        "repeated in the answer, so the wire format stays a plain value).",
        "x-discriminator": {
            "propertyName": "kind",
            "in": "the topic (VoteRead.topics[].kind)",
            "mapping": {
                "YES_NO": _REF + "YesNoAnswer",
                "ELECTION": _REF + "ElectionAnswer",
                "SINGLE_CHOICE": _REF + "SingleChoiceAnswer",
                "CONSULTATION": _REF + "ConsultationAnswer",
            },
        },
    },
    "PaperTopicAnswer": {
        "title": "PaperTopicAnswer",
        "anyOf": [{"$ref": _REF + "TopicAnswer"}, {"type": "string", "enum": ["SPOILED"]}],
        "description": "A topic's answer on a paper ballot: a `TopicAnswer`, or SPOILED where it is unreadable or "
        "over-marked (R-TALLY-6, R-ELEC-3).",
    },
}
"""Component schemas the OpenAPI document adds (``app.http.contract``); one per topic kind, checked by a test."""


def _answers(answer: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "object", "additionalProperties": {"$ref": _REF + answer}})


Answers = Annotated[dict[str, Any], AfterValidator(_hashable), _answers("TopicAnswer")]
PaperAnswers = Annotated[dict[str, Any], AfterValidator(_hashable), _answers("PaperTopicAnswer")]
CastAnswers = Annotated[dict[str, Any], _answers("PaperTopicAnswer")]
"""Answers as cast or entered, in a response: a paper ballot's may be SPOILED."""

BallotBasis = ActingBasis | Literal["TRANSFEREE", "PAPER_ENTRY"]
"""Why the caster could cast the ballot (R-CAST-1..6): an acting basis, TRANSFEREE (R-ROLL-5: the group's units
passed to the caster during the vote, ``app.ballot.service``) or PAPER_ENTRY (a paper ballot the organiser entered,
``app.ballot.paper``)."""

_TOPICS = ("3b1f0c2e-5a4d-4f6b-8e7a-9c0d1e2f3a4b", "7c2e1d3f-6b5a-4a7c-9f8b-0d1e2f3a4b5c")


class BallotCast(Command):
    model_config = ConfigDict(
        **Command.model_config,
        json_schema_extra={
            "examples": [
                {
                    "group_id": "9f1c2b3a4d5e6f708192a3b4c5d6e7f8",
                    "answers": {_TOPICS[0]: "AGREE", _TOPICS[1]: {"c1": "AGREE", "c2": "ABSTAIN", "c3": "OPPOSE"}},
                }
            ]
        },
    )

    group_id: str = Field(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")
    answers: Answers = Field(
        description="Topic id → answer, for every topic of the vote (R-TALLY-1); each answer's shape follows the "
        "topic's kind (`TopicAnswer`)"
    )


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
    answers: PaperAnswers = Field(description="Topic id → answer, or SPOILED for an unreadable topic")
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
    basis: BallotBasis
    status: BallotStatus


class CountedProofOut(BaseModel):
    """``app.ledger.receipt.counted_proof_document``: save it as a file for ``evote receipt check --counted``."""

    format: str
    vote_id: uuid.UUID
    commitment: str = Field(description="Your ballot's commitment (64 hex digits), a leaf of the counted set")
    index: int = Field(description="The commitment's leaf index in the counted set (the sorted commitments)")
    proof: list[str] = Field(description="RFC 9162 audit path of the commitment to the counted set's root (base64)")
    closed: ReceiptOut = Field(description="The receipt of the vote.closed entry that signs the counted set's root")
