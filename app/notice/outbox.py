"""The outbox dispatcher: delivers committed notices to the notification gateway's webhook (STYLE.md §8.4.3).

Each batch runs in three steps, so no database transaction is held open while the network is used:

1. **Claim** (one transaction): the due PENDING messages (``next_attempt_at <= now``), oldest first, row-locked
   with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (a row another dispatcher is claiming is skipped, never taken
   twice; SQLite's ``BEGIN IMMEDIATE`` admits one writer). Each gets ``attempts + 1``, a fresh ``lease_id`` and
   ``next_attempt_at = now + lease``: the lease, during which no dispatcher claims it again.
2. **Send** (no transaction): POST each payload, signed ``X-Evote-Signature: sha256=<HMAC-SHA256 hex of the body>``
   (as ``app.identity.senders`` does for SMS) with ``Idempotency-Key: <message id>``; at most ``concurrency``
   requests at a time.
3. **Record** (one transaction): under the same ``lease_id`` only (a message an admin retried in between, or
   whose lease ran out and was claimed again, is left to its new owner): 2xx → SENT; a failure → PENDING again
   after an exponential backoff (``backoff``), or DEAD with ``last_error`` once ``max_attempts`` attempts failed.
   Each outcome is an audit entry (``notice.dispatched`` / ``notice.dispatch_failed`` / ``notice.dead_lettered``);
   a delivered or dead-lettered message of an owners' notice also logs the notice's delivery counts per channel
   (``notice.delivery_recorded``, public: R-NOTICE-4).

**Delivery is at least once.** A crash (or a lost database) between sending and recording leaves the message
PENDING with its lease; once the lease ends it is claimed and sent again. The gateway drops the duplicate by its
``Idempotency-Key``, which is the same message id on every attempt. The lease is longer than a batch can take to
send (``timeout × ceil(batch / concurrency)`` plus a margin), so a slow gateway alone never causes a resend.

Without a configured webhook (development and test only; ``Settings`` refuses production), ``LogNoticeSender``
logs each notice to ``evote.notice`` and it counts as sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit_service
from app.db.session import unit_of_work
from app.identity.senders import SIGNATURE_HEADER, SignedWebhook, sign
from app.ledger import events
from app.notice import repository, service
from app.notice.devices import devices_of
from app.notice.models import Audience, OutboxStatus
from app.security.pii import FieldCipher
from app.settings import Settings
from app.tasks import PeriodicTask

logger = logging.getLogger("evote.notice")

IDEMPOTENCY_HEADER = "Idempotency-Key"
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
DEFAULT_MAX_ATTEMPTS = 8
BATCH_SIZE = 50
CONCURRENCY = 10
LEASE_MARGIN_SECONDS = 60
ERROR_MAX = 500


class DeliveryFailed(Exception):
    """The gateway did not accept the message; ``reason`` is short and free of message content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoticeSender(Protocol):
    timeout: float

    async def send(self, message_id: uuid.UUID, payload: Mapping[str, Any]) -> None:
        """Deliver one message; ``DeliveryFailed`` if the gateway did not accept it."""
        ...


def encode_body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class WebhookNoticeSender(SignedWebhook):
    """POSTs the message payload as JSON to the gateway, signed with HMAC-SHA256, keyed for deduplication."""

    async def send(self, message_id: uuid.UUID, payload: Mapping[str, Any]) -> None:
        body = encode_body(payload)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self._secret),
            IDEMPOTENCY_HEADER: str(message_id),
        }
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=self.timeout) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"unreachable: {type(exc).__name__}") from None
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}")


class LogNoticeSender:
    """Development and tests only: logs the notice on ``evote.notice``; it counts as delivered."""

    timeout = 1.0

    async def send(self, message_id: uuid.UUID, payload: Mapping[str, Any]) -> None:
        logger.info(
            "notice %s (%s) for estate %s: %s",
            payload.get("notice_id"),
            payload.get("kind"),
            payload.get("estate_id"),
            payload.get("title"),
            extra={"outbox_message_id": str(message_id), "notice_kind": payload.get("kind")},
        )


def sender_from_settings(settings: Settings) -> NoticeSender:
    """The webhook sender when configured; otherwise the log sender (never in production)."""
    webhook = settings.webhook("notice")
    if webhook is None:
        return LogNoticeSender()
    return WebhookNoticeSender(webhook.url, webhook.secret, webhook.timeout_seconds)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 60 s, 120 s, … at most 1 h."""
    exponent = min(max(attempts - 1, 0), 16)  # bounded: 2**16 × 30 s is far past the cap already
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2**exponent, BACKOFF_CAP_SECONDS))


def lease_for(timeout: float, batch_size: int, concurrency: int) -> timedelta:
    return timedelta(seconds=timeout * math.ceil(batch_size / concurrency) + LEASE_MARGIN_SECONDS)


@dataclass(frozen=True, slots=True)
class Claimed:
    message_id: uuid.UUID
    lease_id: uuid.UUID
    attempts: int
    payload: dict[str, Any]
    estate_id: uuid.UUID
    vote_id: uuid.UUID | None
    devices: tuple[dict[str, str], ...] = ()
    """A recipient's push devices with their tokens (R-PART-5): decrypted at the claim, sent, never stored."""

    def sent_payload(self) -> dict[str, Any]:
        """What is POSTed: the stored payload, and for a recipient's message that recipient's devices."""
        recipient = self.payload.get("recipient")
        if not isinstance(recipient, dict):
            return self.payload
        return self.payload | {"recipient": recipient | {"devices": list(self.devices)}}


@dataclass(frozen=True, slots=True)
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0


async def claim_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    limit: int,
    lease: timedelta,
    cipher: FieldCipher | None = None,
) -> list[Claimed]:
    """Step 1: lease up to ``limit`` due messages to this dispatcher (committed before anything is sent).

    A recipient's message (R-PART-5) is sent with the recipient's registered push devices, read now (so a device
    deleted before the send is not pushed to); without a ``cipher`` (no PII keys) it is sent with none."""
    claimed: list[Claimed] = []
    async with unit_of_work(sessionmaker) as session:
        rows = await repository.lock_due_messages(session, now, limit)
        recipients = {message.recipient_account_id for message, _ in rows if message.recipient_account_id}
        devices = await devices_of(session, cipher, recipients) if cipher is not None else {}
        for message, notice in rows:
            message.attempts += 1
            message.lease_id = uuid.uuid4()
            message.next_attempt_at = now + lease
            own = devices.get(message.recipient_account_id) if message.recipient_account_id else None
            claimed.append(
                Claimed(
                    message.id,
                    message.lease_id,
                    message.attempts,
                    dict(message.payload),
                    notice.estate_id,
                    notice.vote_id,
                    tuple(device.to_dict() for device in own or ()),
                )
            )
        await session.flush()
    return claimed


async def _send(sender: NoticeSender, item: Claimed, gate: asyncio.Semaphore) -> str | None:
    """Step 2 for one message: None when delivered, else the reason."""
    async with gate:
        try:
            await sender.send(item.message_id, item.sent_payload())
        except DeliveryFailed as exc:
            return exc.reason[:ERROR_MAX]
        except Exception as exc:  # a sender bug must not lose the message: it is retried like a failure
            logger.exception("notice sender failed on message %s", item.message_id)
            return f"sender error: {type(exc).__name__}"[:ERROR_MAX]
    return None


async def record_outcomes(
    sessionmaker: async_sessionmaker[AsyncSession],
    outcomes: list[tuple[Claimed, str | None]],
    now: datetime,
    *,
    max_attempts: int,
) -> DispatchReport:
    """Step 3: SENT, PENDING after a backoff, or DEAD, for the messages this dispatcher still holds."""
    sent = retrying = dead = 0
    async with unit_of_work(sessionmaker) as session:
        for item, error in outcomes:
            message = await repository.lock_message(session, item.message_id)
            if message is None or message.lease_id != item.lease_id or message.status is not OutboxStatus.PENDING:
                logger.warning("outbox message %s changed hands; outcome not recorded", item.message_id)
                continue
            message.lease_id = None
            delivery = events.Delivery(
                item.message_id, item.payload.get("notice_id"), item.attempts, service.instant_text(now)
            )
            if error is None:
                message.status = OutboxStatus.SENT
                message.sent_at = now
                message.last_error = None
                event = events.notice_dispatched(delivery)
                sent += 1
            elif item.attempts >= max_attempts:
                message.status = OutboxStatus.DEAD
                message.last_error = error
                event = events.notice_dead_lettered(delivery, error=error)
                dead += 1
                logger.error("outbox message %s is dead after %s attempts: %s", item.message_id, item.attempts, error)
            else:
                message.last_error = error
                message.next_attempt_at = now + backoff(item.attempts)
                next_attempt_at = service.instant_text(message.next_attempt_at)
                event = events.notice_dispatch_failed(delivery, error=error, next_attempt_at=next_attempt_at)
                retrying += 1
                logger.warning("outbox message %s failed (attempt %s): %s", item.message_id, item.attempts, error)
            await session.flush()
            await audit_service.append(session, event, estate_id=item.estate_id, vote_id=item.vote_id)
            if message.status is not OutboxStatus.PENDING:  # delivered or dead-lettered, not a retry
                await _record_delivery(session, item, now)
    return DispatchReport(len(outcomes), sent, retrying, dead)


async def _record_delivery(session: AsyncSession, item: Claimed, now: datetime) -> None:
    """R-NOTICE-4: once a message of an owners' notice is delivered or given up on, the public log states the
    notice's delivery counts per channel (queued, delivered, dead-lettered): the record of what owners were sent.
    R-PART-5: a recipients' notice too, by counts only (never which account got or missed it)."""
    if item.payload.get("audience") not in (Audience.OWNERS, Audience.RECIPIENTS):  # R-PART-5: counts only
        return
    notice_id = uuid.UUID(str(item.payload["notice_id"]))
    counts = await repository.delivery_counts(session, notice_id)
    event = events.notice_delivery_recorded(
        notice_id=notice_id,
        kind=str(item.payload.get("kind")),
        at=service.instant_text(now),
        counts=[
            events.DeliveryCounts(
                channel=channel,
                messages=sum(by_status.values()),
                queued=by_status.get(OutboxStatus.PENDING, 0),
                delivered=by_status.get(OutboxStatus.SENT, 0),
                dead_lettered=by_status.get(OutboxStatus.DEAD, 0),
            )
            for channel, by_status in sorted(counts.items())
        ],
    )
    await audit_service.append(session, event, estate_id=item.estate_id, vote_id=item.vote_id)


async def dispatch_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    now: datetime,
    sender: NoticeSender,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    batch_size: int = BATCH_SIZE,
    concurrency: int = CONCURRENCY,
    cipher: FieldCipher | None = None,
) -> DispatchReport:
    """Claim, send and record one batch of due messages."""
    lease = lease_for(sender.timeout, batch_size, concurrency)
    claimed = await claim_due(sessionmaker, now, limit=batch_size, lease=lease, cipher=cipher)
    if not claimed:
        return DispatchReport()
    gate = asyncio.Semaphore(concurrency)
    errors = await asyncio.gather(*(_send(sender, item, gate) for item in claimed))
    return await record_outcomes(sessionmaker, list(zip(claimed, errors, strict=True)), now, max_attempts=max_attempts)


class ReminderPublisher(Protocol):
    """Publishes the reminder notices that became due, idempotently (``app.reminder.service``)."""

    async def __call__(self, session: AsyncSession, *, now: datetime) -> int: ...


async def publish_due_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime, publisher: ReminderPublisher
) -> int:
    """Reminder notices that became due, in their own transaction."""
    async with unit_of_work(sessionmaker) as session:
        return await publisher(session, now=now)


class NoticeDispatcher(PeriodicTask[DispatchReport]):
    """Runs ``dispatch_batch`` every ``interval_seconds`` (at once again after a full batch) with the app clock, and
    publishes newly due reminders with ``reminders`` every ``reminder_interval_seconds`` (``app.tasks.PeriodicTask``).
    The publisher is passed in (``app.main`` passes ``app.reminder.service.publish_due_reminders``): reminders read
    votes, which publish notices, so this package does not import them.

    A batch cancelled mid-send at shutdown keeps its lease and is sent again once the lease ends (at least once).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        sender: NoticeSender,
        *,
        interval_seconds: float,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        reminders: ReminderPublisher | None = None,
        reminder_interval_seconds: float = 0,
        batch_size: int = BATCH_SIZE,
        cipher: FieldCipher | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cipher = cipher
        self._clock = clock
        self.sender = sender
        self._max_attempts = max_attempts
        self._reminders_publisher = reminders
        self._reminder_interval = timedelta(seconds=reminder_interval_seconds)
        self._batch_size = batch_size
        self._next_reminders: datetime | None = None
        super().__init__(
            "notice-dispatcher",
            self._dispatch,
            interval_seconds=interval_seconds,
            fallback=DispatchReport(),
            again=lambda report: report.claimed >= batch_size,  # more are due: go on at once
        )

    async def _dispatch(self) -> DispatchReport:
        """Publish due reminders when their interval has passed, then deliver one batch."""
        now = self._clock()
        await self._reminders(now)
        return await dispatch_batch(
            self._sessionmaker,
            now,
            self.sender,
            max_attempts=self._max_attempts,
            batch_size=self._batch_size,
            cipher=self._cipher,
        )

    async def _reminders(self, now: datetime) -> None:
        publisher = self._reminders_publisher
        if publisher is None or self._reminder_interval <= timedelta(0):
            return
        if self._next_reminders is not None and now < self._next_reminders:
            return
        self._next_reminders = now + self._reminder_interval
        try:
            await publish_due_reminders(self._sessionmaker, now, publisher)
        except Exception:  # reminders failing must not hold up deliveries
            logger.exception("publishing reminders failed")
