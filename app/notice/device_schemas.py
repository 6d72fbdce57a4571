"""Bodies of an owner's push devices and of their per-recipient deliveries (R-PART-4, R-PART-5).

A token goes in and never comes out: no body returns it, whole or in part."""

from __future__ import annotations

import uuid

from pydantic import Field

from app.common.schemas import Command, Instant, ReadModel
from app.notice.devices import DeliveryState, delivery_state
from app.notice.models import Notice, NoticeKind, OutboxMessage, PushDevice, PushPlatform


class DeviceCreate(Command):
    platform: PushPlatform = Field(description="APNS (iOS), FCM (Android) or HMS (HarmonyOS)")
    token: str = Field(min_length=8, max_length=4096, pattern=r"^[\x21-\x7e]+$", description="The push token")
    label: str | None = Field(default=None, max_length=100, description="What the owner calls the device")


class DeviceRead(ReadModel):
    id: uuid.UUID
    platform: PushPlatform
    label: str | None
    created_at: Instant

    @classmethod
    def of(cls, device: PushDevice) -> DeviceRead:
        return cls.from_attributes_of(device)


class DeliveryRead(ReadModel):
    """A notice addressed to the caller, with its delivery to the caller (not whether it was read)."""

    notice_id: uuid.UUID
    vote_id: uuid.UUID | None
    kind: NoticeKind
    title: str
    body: str
    published_at: Instant
    delivery: DeliveryState = Field(description="QUEUED, FAILED (retrying), DELIVERED or DEAD_LETTERED")
    attempts: int
    delivered_at: Instant | None

    @classmethod
    def of(cls, message: OutboxMessage, notice: Notice) -> DeliveryRead:
        return cls(
            notice_id=notice.id,
            vote_id=notice.vote_id,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            published_at=notice.published_at,
            delivery=delivery_state(message),
            attempts=message.attempts,
            delivered_at=message.sent_at,
        )
