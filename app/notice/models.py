"""Notices (公告) and the outbox that delivers them (STYLE.md §8.4 point 3).

A notice is the public record of something announced to an estate: a vote's notice, erratum or cancellation
(R-LIFE-2, R-LIFE-4), its result (R-LIFE-8), a supervisor's action (R-SUP-1, Beijing Art. 51), a petition, or a
reminder to the organisers (R-LIFE-11, R-LIFE-12). It is inserted with one ``OutboxMessage`` in the transaction
that caused it, so a rolled-back change announces nothing; the dispatcher (``app.notice.outbox``) delivers the
message to the notification gateway after commit. Neither row holds a phone number or a name: the gateway
resolves the recipients from the estate, the vote and the audience.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column


class NoticeKind(StrEnum):
    VOTE_NOTICE = "VOTE_NOTICE"  # R-LIFE-2
    ERRATUM = "ERRATUM"  # R-LIFE-4
    CANCELLATION = "CANCELLATION"  # R-LIFE-4
    RESULT = "RESULT"  # R-LIFE-8, R-PUB-1
    SUSPENSION = "SUSPENSION"  # R-SUP-1
    RESUMPTION = "RESUMPTION"
    CORRECTION_ORDER = "CORRECTION_ORDER"  # Beijing Arts. 8, 51
    REVOCATION = "REVOCATION"  # Beijing Art. 51 「通告全体业主」, R-SUP-3
    PETITION = "PETITION"  # R-LIFE-10
    REMINDER = "REMINDER"  # R-LIFE-11, R-LIFE-12
    VERIFICATION_ALERT = "VERIFICATION_ALERT"  # repeated failed verifications against one owner's ID number
    REGISTER_CHANGE = "REGISTER_CHANGE"  # a register version imported while a vote is published or open (R-ROLL-3)
    BINDING_ENDED = "BINDING_ENDED"  # a new register version no longer lists the row an owner binding relied on
    TERMINATION = "TERMINATION"  # R-SUP-6: the street office ended a suspended vote without a decision
    COMMITTEE_CHANGE = "COMMITTEE_CHANGE"  # a committee seat ended (Beijing Art. 46), a 物管会 term lapsing (R-COMM-5)
    DISCLOSURE = "DISCLOSURE"  # a committee's fee publication, yearly report or evaluation (R-DISC)


class Audience(StrEnum):
    """Who the notice is for.

    ``OWNERS``: every owner of the estate (or of the vote's scope), and it is reported to the residents' committee
    (OBSERVER role, R-LIFE-2, R-SUP-2) and the street office (R-LIFE-8, R-SUP-1), who read it through the API.
    ``ORGANISERS``: the estate's organisers and supervisors only (reminders); owners do not see it.
    ``ACCOUNT``: one account holder (``account_id``), about their own binding; staff do not list it.
    ``RECIPIENTS``: the accounts named one by one on the notice's outbox messages (``recipient_account_id``), e.g.
    the accounts of the voter groups that have not voted yet (R-PART-3); staff list it, owners read their own.
    """

    OWNERS = "OWNERS"
    ORGANISERS = "ORGANISERS"
    ACCOUNT = "ACCOUNT"
    RECIPIENTS = "RECIPIENTS"


class OutboxStatus(StrEnum):
    PENDING = "PENDING"  # waiting for its next attempt (or leased by a dispatcher until next_attempt_at)
    SENT = "SENT"  # the gateway answered 2xx
    DEAD = "DEAD"  # gave up after ``notice_max_attempts``; an admin may retry it


class OutboxChannel(StrEnum):
    WEBHOOK = "WEBHOOK"


class Notice(IdMixin, Base):
    __tablename__ = "notice"
    __table_args__ = (
        sa.UniqueConstraint("estate_id", "dedup_key"),
        sa.Index("ix_notice_estate_published", "estate_id", "published_at"),
    )

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"))
    vote_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    """The one addressee of an ``ACCOUNT`` notice; None for every other audience."""
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    published_at: Mapped[datetime]
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the RFC 8785 notice document (``app.notice.service.notice_document``): R-REC-2 "with hashes"."""
    dedup_key: Mapped[str | None] = mapped_column(sa.String(200))
    """Set for notices that must be published once per estate (a reminder's occurrence); None otherwise."""


class OutboxMessage(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    notice_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("notice.id", ondelete="RESTRICT"), index=True)
    channel: Mapped[OutboxChannel] = mapped_column(enum_column(OutboxChannel, length=16))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """Exactly what is POSTed: ids, kind, audience, title and body; never a phone number or a name."""
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, length=16))
    attempts: Mapped[int] = mapped_column(default=0)
    """Sending attempts started (counted when a dispatcher claims the message, so a crash counts too)."""
    next_attempt_at: Mapped[datetime]
    """PENDING: not before this instant. While a dispatcher sends, its lease: nobody else claims it until then."""
    lease_id: Mapped[uuid.UUID | None]
    """The claim of the dispatcher sending it; the outcome is recorded only under the same claim."""
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None]
    recipient_account_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    """A ``RECIPIENTS`` notice's one addressee: this message is its delivery to that account (R-PART-5); None for
    a broadcast message, whose recipients the gateway resolves from the estate and the audience."""


class PushPlatform(StrEnum):
    """The push services a device token belongs to (R-PART-4)."""

    APNS = "APNS"  # Apple Push Notification service
    FCM = "FCM"  # Firebase Cloud Messaging
    HMS = "HMS"  # HarmonyOS / Huawei Push Kit


class PushDevice(IdMixin, CreatedAtMixin, Base):
    """A device an account registered for pushes (R-PART-4). The token is stored only as AES-256-GCM ciphertext
    (``app.security.pii.FieldCipher``, field ``push_device.token``) with an HMAC blind index to find a token
    registered twice; it is decrypted only to hand a recipient's message to the gateway, never returned."""

    __tablename__ = "push_device"
    __table_args__ = (sa.UniqueConstraint("account_id", "token_index", name="uq_push_device_account_token"),)

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    platform: Mapped[PushPlatform] = mapped_column(enum_column(PushPlatform, length=16))
    token_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    token_index: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str | None] = mapped_column(sa.String(100))
    """What the owner calls the device (“我的手机”), shown back in their list only."""


class NoticeReadMark(Base):
    """An account has read a notice (the owners' home screen: read state, unread count). Written only by the account
    itself, for a notice it may read; nothing public, and never in the audit log (it says nothing about the vote)."""

    __tablename__ = "notice_read_mark"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime]
