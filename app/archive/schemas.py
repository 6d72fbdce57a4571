"""Response bodies for the estate's archive.

No body carries a name, an ID number or a phone number (R-PUB-1, R-PI-5).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.archive.service import Archive, NoticeFeed
from app.common.schemas import Instant, ReadModel
from app.notice.models import NoticeKind
from app.notice.schemas import NoticeRead
from app.notice.service import reported_to
from app.result.schemas import TopicOutcome
from app.rules.lifecycle import DecisionStatus, VoteDecisionStatus


class ArchivedTopicRead(ReadModel):
    topic_id: uuid.UUID
    outcome: TopicOutcome
    evidence_sha256: str
    decision_status: DecisionStatus | None = Field(
        description="R-SUP-7: IN_FORCE, REVOKED_BY_STREET_OFFICE or REVOKED_BY_COURT; null when the outcome decided "
        "nothing (NO_QUORUM, REJECTED, NO_DECISION)"
    )


class ArchivedResultRead(ReadModel):
    vote_id: uuid.UUID
    title: str
    closed_at: Instant | None
    result_published_at: Instant | None
    notice_hash: str | None
    roll_hash: str | None
    decision_status: VoteDecisionStatus = Field(
        description="R-SUP-7: IN_FORCE, PARTLY_REVOKED, NO_DECISION, REVOKED_BY_* …"
    )
    topics: list[ArchivedTopicRead]
    download: str = Field(description="Path of the JSON download")


class ArchivedNoticeRead(ReadModel):
    notice_id: uuid.UUID
    vote_id: uuid.UUID | None
    kind: NoticeKind
    title: str
    published_at: Instant
    content_sha256: str
    download: str = Field(description="Path of the JSON download")


class ArchiveRead(ReadModel):
    """R-REC-5 / SPC Art. 13(2): what an owner may inspect and download, with hashes (R-REC-2)."""

    estate_id: uuid.UUID
    results: list[ArchivedResultRead]
    notices: list[ArchivedNoticeRead]

    @classmethod
    def of(cls, archive: Archive, *, prefix: str) -> ArchiveRead:
        base = f"{prefix}/estates/{archive.estate_id}/archive"
        return cls(
            estate_id=archive.estate_id,
            results=[
                ArchivedResultRead(
                    vote_id=item.vote.id,
                    title=item.vote.title,
                    closed_at=item.vote.closed_at,
                    result_published_at=item.vote.result_published_at,
                    notice_hash=item.vote.notice_hash,
                    roll_hash=item.vote.roll_hash,
                    decision_status=item.decision_status,
                    topics=[ArchivedTopicRead.from_attributes_of(topic) for topic in item.topics],
                    download=f"{base}/results/{item.vote.id}",
                )
                for item in archive.results
            ],
            notices=[
                ArchivedNoticeRead.from_attributes_of(
                    notice, notice_id=notice.id, download=f"{base}/notices/{notice.id}"
                )
                for notice in archive.notices
            ],
        )


class MyNoticeRead(NoticeRead):
    """A notice of the caller's feed with the caller's read state."""

    read: bool
    read_at: Instant | None = Field(description="When the caller first marked it read; None while unread")

    @classmethod
    def of_read(cls, notice: Any, read_at: datetime | None) -> MyNoticeRead:
        return cls.from_attributes_of(
            notice, reported_to=reported_to(notice.audience), read=read_at is not None, read_at=read_at
        )


class MyNoticesPage(BaseModel):
    """A page of the caller's notices, newest first, and how many of ALL the caller's notices are unread."""

    items: list[MyNoticeRead]
    next_cursor: str | None = None
    unread_count: int = Field(description="Unread notices in the whole feed (not only this page)")

    @classmethod
    def of(cls, feed: NoticeFeed) -> MyNoticesPage:
        return cls(
            items=[MyNoticeRead.of_read(row, feed.read_at.get(row.id)) for row in feed.notices],
            next_cursor=feed.next_cursor,
            unread_count=feed.unread,
        )


class UnreadCountRead(BaseModel):
    unread_count: int = Field(description="Unread notices in the caller's feed")
