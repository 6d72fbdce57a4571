"""What owners read of their estates: the notice feed across their estates, and the archive (R-REC-5, R-PUB-3;
SPC Art. 13(2)).

An owner reads the OWNERS notices of the estates they own a unit in (latest register) or whose vote roll they are
in.

Any owner of the estate (a unit in the latest register, or a member of a vote's roll) and anyone with a role on
it lists and downloads the published results (decisions) and the notices, as published and with their hashes.
Every access, the listing included, is an ``inspection.accessed`` audit entry naming the accessor by label
(``account:<id>`` or ``apikey:<name>``), never by name. An owner of another estate gets 404.

Kept apart from ``app.notice`` because it reads votes and results, and votes and results publish notices.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.archive import repository
from app.audit import service as audit_service
from app.common.access import Principal, roles_on
from app.errors import NotFound
from app.ledger import events
from app.notice import repository as notice_repository
from app.notice.models import Audience, Notice
from app.notice.service import instant_text, notice_document
from app.place import access
from app.realname import repository as realname_repository
from app.result import service as result_service
from app.result.schemas import ResultRead, UnitPlaceRead
from app.rules.lifecycle import VoteStatus
from app.supervision import service as supervision_service
from app.vote.models import Vote


@dataclass(frozen=True, slots=True)
class NoticeFeed:
    """A page of the caller's notices, when they read each (None: unread), and how many are unread in all."""

    notices: Sequence[Notice]
    next_cursor: str | None
    read_at: dict[uuid.UUID, datetime]
    unread: int


def _feed(principal: Principal, now: datetime) -> sa.Select[Notice] | None:
    """The owners' notices of every estate the caller owns a unit in, or whose vote roll they are in, or where they
    hold a grant in force (R-CAST-2..5), and the notices addressed to the caller's account (read even after the
    binding they are about has ended); None for an API key (no estates, so no notices)."""
    if principal.account_id is None:
        return None
    return repository.owner_notices_statement(principal.owner_id, principal.account_id, granted_at=now)


async def list_my_notices(
    session: AsyncSession,
    principal: Principal,
    *,
    cursor: str | None,
    limit: int,
    now: datetime,
    unread_only: bool = False,
) -> NoticeFeed:
    """The caller's notice feed, newest first, with the caller's read marks and the unread count."""
    statement = _feed(principal, now)
    if statement is None or principal.account_id is None:
        return NoticeFeed([], None, {}, 0)
    unread = statement.where(notice_repository.unread_by(principal.account_id))
    rows, next_cursor = await notice_repository.newest_first(
        session, unread if unread_only else statement, cursor=cursor, limit=limit
    )
    marks = await notice_repository.read_marks(session, principal.account_id, [row.id for row in rows])
    return NoticeFeed(rows, next_cursor, marks, await notice_repository.count(session, unread))


async def unread_count(session: AsyncSession, principal: Principal, *, now: datetime) -> int:
    statement = _feed(principal, now)
    if statement is None or principal.account_id is None:
        return 0
    return await notice_repository.count(session, statement.where(notice_repository.unread_by(principal.account_id)))


async def mark_notice_read(
    session: AsyncSession, principal: Principal, notice_id: uuid.UUID, *, now: datetime
) -> tuple[Notice, datetime]:
    """Mark a notice of the caller's feed read (the first read is kept); any other notice is not found (404)."""
    statement = _feed(principal, now)
    notice = await session.scalar(statement.where(Notice.id == notice_id)) if statement is not None else None
    if notice is None or principal.account_id is None:
        raise NotFound(what="notice")
    return notice, await notice_repository.mark_read(session, principal.account_id, notice_id, now)


@dataclass(frozen=True, slots=True)
class Inspector:
    label: str
    capacity: str  # "STAFF" (a role on the estate) or "OWNER"
    audiences: tuple[Audience, ...]


async def _inspector(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> Inspector:
    """Staff with a role on the estate, or an owner of it; everyone else (owners elsewhere too) gets 404."""
    place = await access.estate_place(session, estate_id)
    if place is None:
        raise NotFound(what="estate")
    if roles_on(principal, place):
        return Inspector(principal.label, "STAFF", tuple(Audience))
    owner_id = await realname_repository.bound_owner(session, principal.account_id, estate_id)  # R-CAST-1
    if (
        owner_id is not None
        and principal.account_id is not None
        and await repository.owns_in_estate(session, owner_id, principal.account_id, estate_id)
    ):
        return Inspector(principal.label, "OWNER", (Audience.OWNERS,))
    raise NotFound(what="estate")


async def _record_access(
    session: AsyncSession,
    inspector: Inspector,
    estate_id: uuid.UUID,
    *,
    document: str,
    now: datetime,
    sha256: str | None = None,
    vote_id: uuid.UUID | None = None,
    notice_id: uuid.UUID | None = None,
) -> None:
    event = events.inspection_accessed(
        accessor=inspector.label,
        capacity=inspector.capacity,
        document=document,
        at=instant_text(now),
        notice_id=notice_id,
        sha256=sha256,
    )
    await audit_service.append(session, event, estate_id=estate_id, vote_id=vote_id)


@dataclass(frozen=True, slots=True)
class ArchivedTopic:
    topic_id: uuid.UUID
    outcome: str
    evidence_sha256: str
    decision_status: str | None  # R-SUP-7: None when the outcome decided nothing


@dataclass(frozen=True, slots=True)
class ArchivedResult:
    vote: Vote
    decision_status: str  # R-SUP-7: the summary over the topics
    topics: tuple[ArchivedTopic, ...]  # in topic order


@dataclass(frozen=True, slots=True)
class Archive:
    estate_id: uuid.UUID
    results: tuple[ArchivedResult, ...]
    notices: tuple[Notice, ...]


async def archive(session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, now: datetime) -> Archive:
    """The published results and the notices of the estate, with their hashes (R-REC-2), newest first."""
    inspector = await _inspector(session, principal, estate_id)
    results = []
    for vote in await repository.published_votes(session, estate_id):
        decisions = await supervision_service.decisions_of(session, vote)  # in topic order
        topics = tuple(
            ArchivedTopic(
                item.topic.id,
                item.result.outcome,
                item.result.evidence_sha256,
                None if item.status is None else item.status.value,
            )
            for item in decisions.topics
        )
        results.append(ArchivedResult(vote, decisions.status.value, topics))
    notices = await notice_repository.archive_notices(session, estate_id, inspector.audiences)
    await _record_access(session, inspector, estate_id, document="ARCHIVE_INDEX", now=now)
    return Archive(estate_id, tuple(results), tuple(notices))


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    content: bytes
    sha256: str


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"


def _download(filename: str, document: Any) -> Download:
    content = _json_bytes(document)
    return Download(filename, content, hashlib.sha256(content).hexdigest())


async def download_result(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, vote_id: uuid.UUID, *, now: datetime
) -> Download:
    """The published result (decision) of one vote of the estate as a JSON file; the access is logged."""
    inspector = await _inspector(session, principal, estate_id)
    vote = await repository.vote_in_estate(session, estate_id, vote_id)
    if vote is None or vote.status is VoteStatus.DRAFT:
        raise NotFound(what="vote")
    published = await result_service.build_published_result(session, vote, now=now)
    document = {
        "schema": "evote/result-download/1",
        "estate_id": str(estate_id),
        "notice_hash": vote.notice_hash,
        # The file is the whole record, so it lists every participating unit (R-PUB-1) that the API pages.
        "result": ResultRead.of(published).model_dump(mode="json")
        | {"participating_units": [UnitPlaceRead.of(place).model_dump(mode="json") for place in published.units]},
    }
    download = _download(f"result-{vote.id}.json", document)
    await _record_access(
        session, inspector, estate_id, document="RESULT", now=now, sha256=download.sha256, vote_id=vote.id
    )
    return download


async def download_notice(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, notice_id: uuid.UUID, *, now: datetime
) -> Download:
    """One notice as published, with the document its ``content_sha256`` covers; the access is logged."""
    inspector = await _inspector(session, principal, estate_id)
    notice = await notice_repository.get_notice(session, estate_id, notice_id)
    if notice is None or notice.audience not in inspector.audiences:
        raise NotFound(what="notice")
    document = {
        "notice_id": str(notice.id),
        "document": notice_document(notice),
        "content_sha256": notice.content_sha256,
    }
    download = _download(f"notice-{notice.id}.json", document)
    await _record_access(
        session,
        inspector,
        estate_id,
        document="NOTICE",
        now=now,
        sha256=download.sha256,
        vote_id=notice.vote_id,
        notice_id=notice.id,
    )
    return download
