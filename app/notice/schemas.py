"""Request and response bodies for notices, the outbox, the archive and reminders.

No body carries a name, an ID number or a phone number (R-PUB-1, R-PI-5).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field

from app.common.schemas import Command, ReadModel
from app.notice.inspection import Archive
from app.notice.models import Audience, NoticeKind, OutboxChannel, OutboxStatus
from app.notice.service import ReminderView, reported_to
from app.place.models import Estate
from app.rules.reminders import Reminder, ReminderKind


class NoticeRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    vote_id: uuid.UUID | None
    kind: NoticeKind
    title: str
    body: str
    audience: Audience = Field(
        description="OWNERS (all owners; reported to the residents' committee and the street "
        "office) or ORGANISERS (organisers and supervisors only)"
    )
    reported_to: list[str] = Field(description="Who else receives the notice at publication (R-LIFE-2, R-SUP-2)")
    published_at: datetime
    content_sha256: str = Field(description="SHA-256 of the RFC 8785 notice document (see the archive download)")

    @classmethod
    def of(cls, notice: Any) -> NoticeRead:
        return cls.from_attributes_of(notice, reported_to=reported_to(notice.audience))


class OutboxMessageRead(ReadModel):
    id: uuid.UUID
    notice_id: uuid.UUID
    channel: OutboxChannel
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    payload: dict[str, Any] = Field(description="Exactly what is POSTed to the gateway")


class ArchivedTopicRead(ReadModel):
    topic_id: uuid.UUID
    outcome: str
    evidence_sha256: str


class ArchivedResultRead(ReadModel):
    vote_id: uuid.UUID
    title: str
    closed_at: datetime | None
    result_published_at: datetime | None
    notice_hash: str | None
    roll_hash: str | None
    topics: list[ArchivedTopicRead]
    download: str = Field(description="Path of the JSON download")


class ArchivedNoticeRead(ReadModel):
    notice_id: uuid.UUID
    vote_id: uuid.UUID | None
    kind: NoticeKind
    title: str
    published_at: datetime
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
                ArchivedResultRead.from_attributes_of(
                    item.vote,
                    vote_id=item.vote.id,
                    topics=[
                        ArchivedTopicRead(topic_id=topic_id, outcome=outcome, evidence_sha256=sha)
                        for topic_id, outcome, sha in item.topics
                    ],
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


class ReminderDatesUpdate(Command):
    """Only the fields present change; null clears a date (Asia/Shanghai calendar dates)."""

    committee_term_ends_on: date | None = Field(default=None, description="Beijing Art. 49: the committee's term ends")
    service_contract_ends_on: date | None = Field(
        default=None, description="Beijing Art. 75: the service contract ends"
    )
    preliminary_contract_ends_on: date | None = Field(
        default=None, description="Beijing Art. 19: the preliminary service contract ends"
    )


class ReminderDatesRead(ReadModel):
    estate_id: uuid.UUID
    committee_term_ends_on: date | None
    service_contract_ends_on: date | None
    preliminary_contract_ends_on: date | None

    @classmethod
    def of(cls, estate: Estate) -> ReminderDatesRead:
        return cls.from_attributes_of(estate, estate_id=estate.id)


class ReminderRead(ReadModel):
    kind: ReminderKind
    basis: str = Field(description="The legal source, e.g. Beijing Art. 19")
    due_from: date | None = Field(description="First day the reminder is due (null: no assembly vote ever closed)")
    ends_on: date | None
    overdue: bool
    message_zh: str
    message_en: str

    @classmethod
    def of(cls, reminder: Reminder) -> ReminderRead:
        return cls.from_attributes_of(reminder)


class RemindersRead(ReadModel):
    """R-LIFE-11, R-LIFE-12: reminders only; nothing is blocked."""

    estate_id: uuid.UUID
    today: date = Field(description="Asia/Shanghai date the reminders were computed for")
    dates: ReminderDatesRead
    last_assembly_closed_on: date | None
    reminders: list[ReminderRead]

    @classmethod
    def of(cls, view: ReminderView) -> RemindersRead:
        return cls(
            estate_id=view.estate.id,
            today=view.today,
            dates=ReminderDatesRead.of(view.estate),
            last_assembly_closed_on=view.last_assembly_closed_on,
            reminders=[ReminderRead.of(reminder) for reminder in view.reminders],
        )
