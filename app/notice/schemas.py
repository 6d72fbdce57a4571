"""Response bodies for notices and the outbox.

No body carries a name, an ID number or a phone number (R-PUB-1, R-PI-5).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from app.common.schemas import Instant, ReadModel
from app.notice.models import Audience, NoticeKind, OutboxChannel, OutboxStatus
from app.notice.service import reported_to


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
    published_at: Instant
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
    next_attempt_at: Instant
    last_error: str | None
    created_at: Instant
    sent_at: Instant | None
    payload: dict[str, Any] = Field(description="Exactly what is POSTed to the gateway")
