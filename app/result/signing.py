"""The signed result of a decided vote: RFC 8785 JSON, a raw Ed25519 signature and a JWS.

Nothing is stored: the document is rebuilt on request from rows that never change once the result is
published (the vote's hashes and instants, the topic results, the register version, the checkpoint), so
the same vote always gives the same bytes, and Ed25519 being deterministic, the same signatures while the
log key stays the same.

Document (``format`` ``evote-result@1``; every member always present)::

    {"format", "vote_id", "estate_id", "title",
     "notice_hash", "roll_hash",
     "register": {"version_id", "number", "content_hash"},
     "total": {"heads", "area"},
     "window": {"starts_at", "ends_at"},                   # as in the notice: 2025-03-16T16:00:00Z
     "closed_at", "decided_at", "result_published_at",     # UTC with microseconds
     "topics": [{"topic_id", "position", "title", "kind", "content_hash",
                 "outcome", "evidence", "evidence_sha256"}],   # evidence: every numerator and denominator
     "checkpoint": {"origin", "size", "root_hash"},        # base64 root; contains all the vote's ballots
     "signer": {"log_key", "kid"}}

Keys: signed with the audit log's Ed25519 key (``app.audit.keys``), so auditors trust one published key set.
``kid`` is the RFC 7638 thumbprint of the public key (``app.verifier.documents.jwk_thumbprint``); the raw
signature is over the canonical bytes themselves, so ``openssl pkeyutl -verify -rawin`` checks it, and the
compact JWS (``alg`` ``EdDSA``) carries the same bytes as its payload for any JOSE library.

The checkpoint: the smallest signed checkpoint whose tree contains every entry the result rests on (the
notice's publication, every ballot cast or voided, the close, the decision and the publication of the
result; ``app.ledger.events.EVIDENCE_KINDS``). ``close_and_decide`` integrates and signs it in the
closing transaction, so it exists as soon as the result is published; for a vote decided before that, the
integrator's next run produces it and the request is answered 409 until then.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint
from app.common.access import Principal
from app.errors import DomainError, NotFound
from app.ledger.canonical import canonical_bytes
from app.ledger.entries import format_timestamp
from app.ledger.events import EVIDENCE_KINDS
from app.ledger.signing import jws_sign, public_key_bytes, sign
from app.register.models import RegisterVersion
from app.result import repository
from app.result import service as result_service
from app.result.errors import ResultNotPublished
from app.result.models import TopicResult
from app.verifier.documents import RESULT_FORMAT, jwk_thumbprint
from app.vote.documents import notice_end, utc_text
from app.vote.models import Topic, Vote


class ResultNotSigned(DomainError):
    """The vote is decided but the checkpoint containing its ballots is not signed yet (the integrator's next run)."""

    code = "result.not_signed_yet"
    status = 409
    title = "Result not signed yet"
    message_zh = "表决结果所依据的审计日志记录尚未写入已签署的检查点，请稍后重试。"
    message_en = "The audit-log checkpoint containing this vote's records is not signed yet; retry shortly."


@dataclass(frozen=True, slots=True)
class SignedResult:
    document: dict[str, Any]
    payload: bytes
    """The RFC 8785 canonical bytes of ``document``: exactly what is signed."""
    signature: bytes
    """Raw 64-byte Ed25519 signature of ``payload``."""
    jws: str
    kid: str
    checkpoint: LogCheckpoint


async def result_checkpoint(session: AsyncSession, vote: Vote) -> LogCheckpoint:
    """The smallest signed checkpoint containing every entry of the vote in ``EVIDENCE_KINDS``."""
    evidence = sa.and_(AuditEntry.vote_id == vote.id, AuditEntry.kind.in_(sorted(EVIDENCE_KINDS)))
    pending = await session.scalar(sa.select(AuditEntry.id).where(evidence, AuditEntry.leaf_index.is_(None)).limit(1))
    last = await session.scalar(sa.select(sa.func.max(AuditEntry.leaf_index)).where(evidence))
    if pending is not None or last is None:
        raise ResultNotSigned()
    checkpoint = await session.scalar(
        sa.select(LogCheckpoint).where(LogCheckpoint.size > last).order_by(LogCheckpoint.size).limit(1)
    )
    if checkpoint is None:
        raise ResultNotSigned()
    return checkpoint


def result_kid(keys: LogKeys) -> str:
    """The JWS ``kid``: RFC 7638 thumbprint of the log's current public key."""
    return jwk_thumbprint(public_key_bytes(keys.private_key.public_key()))


def _instant(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _topic(topic: Topic, result: TopicResult) -> dict[str, Any]:
    return {
        "topic_id": str(topic.id),
        "position": topic.position,
        "title": topic.title,
        "kind": topic.kind.value,
        "content_hash": topic.content_hash,
        "outcome": result.outcome,
        "evidence": result.evidence,
        "evidence_sha256": result.evidence_sha256,
    }


async def result_document(session: AsyncSession, vote: Vote, keys: LogKeys) -> tuple[dict[str, Any], LogCheckpoint]:
    """The signed result's document (see the module docstring) and the checkpoint it names."""
    if vote.result_published_at is None or vote.register_version_id is None:
        raise ResultNotPublished(status=vote.status.value)
    version = await session.get(RegisterVersion, vote.register_version_id)
    if version is None:  # pragma: no cover - a foreign key
        raise NotFound(what="register version")
    checkpoint = await result_checkpoint(session, vote)
    results = {row.topic_id: row for row in await repository.results_of(session, vote.id)}
    topics = [topic for topic in await repository.topics_of(session, vote.id) if topic.id in results]
    document = {
        "format": RESULT_FORMAT,
        "vote_id": str(vote.id),
        "estate_id": str(vote.estate_id),
        "title": vote.title,
        "notice_hash": vote.notice_hash,
        "roll_hash": vote.roll_hash,
        "register": {"version_id": str(version.id), "number": version.number, "content_hash": version.content_hash},
        "total": {"heads": vote.total_heads, "area": vote.total_area},
        "window": {"starts_at": utc_text(vote.starts_at), "ends_at": utc_text(notice_end(vote))},
        "closed_at": _instant(vote.closed_at),
        "decided_at": _instant(vote.decided_at),
        "result_published_at": _instant(vote.result_published_at),
        "topics": [_topic(topic, results[topic.id]) for topic in topics],
        "checkpoint": {
            "origin": checkpoint.note_text.split("\n", 1)[0],
            "size": checkpoint.size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode("ascii"),
        },
        "signer": {
            "log_key": keys.current.key_string,
            "kid": jwk_thumbprint(public_key_bytes(keys.private_key.public_key())),
        },
    }
    return document, checkpoint


async def sign_result(session: AsyncSession, vote: Vote, keys: LogKeys) -> SignedResult:
    document, checkpoint = await result_document(session, vote, keys)
    payload = canonical_bytes(document)
    kid = document["signer"]["kid"]
    return SignedResult(
        document=document,
        payload=payload,
        signature=sign(keys.private_key, payload),
        jws=jws_sign(keys.private_key, kid, payload),
        kid=kid,
        checkpoint=checkpoint,
    )


async def signed_result(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, keys: LogKeys, now: datetime
) -> SignedResult:
    """``GET …/signed-result``: whoever may read the published result (R-PUB-1) may have it signed."""
    published = await result_service.published_result(session, principal, vote_id, now=now)
    return await sign_result(session, published.vote, keys)
