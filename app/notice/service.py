"""Publishing notices, reading an estate's notices, and the outbox's dead letters.

* ``publish_notice`` is what every other domain calls when it announces something: it inserts the notice, one
  outbox message and a ``notice.published`` audit entry in the caller's transaction (STYLE.md §8.4 point 3), so
  nothing is sent for a change that rolls back. ``app.notice.outbox`` delivers the message after commit.
* Staff with any role on the estate read all of its notices. What reads votes or results lives in the packages
  above them, which publish through this one: the owner's notice feed and the archive in ``app.archive``, the
  reminders in ``app.reminder``, the notice texts of a vote and of its result in ``app.vote.notices`` and
  ``app.result.notices``.

Services flush and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.common.access import Principal, Role
from app.common.pagination import paginate
from app.errors import NotFound
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.notice import repository
from app.notice.errors import OutboxMessageNotDead
from app.notice.models import Audience, Notice, NoticeKind, OutboxChannel, OutboxMessage, OutboxStatus
from app.place import access
from app.rules.publicity import SHANGHAI

NOTICE_SCHEMA = "evote/notice-record/1"
MESSAGE_SCHEMA = "evote/notice-message/1"
TITLE_MAX = 200
# R-LIFE-2 / R-SUP-2: an owners' notice is reported to the residents' committee (OBSERVER role); R-LIFE-8 /
# R-SUP-1: and to the street office. Both read it through the API; the record says so.
REPORTED_TO = ("RESIDENTS_COMMITTEE", "STREET_OFFICE")


def instant_text(instant: datetime) -> str:
    """``2025-03-01T02:00:00.123456Z``: the one spelling of an instant inside a notice document."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def beijing_minute(instant: datetime | None) -> str:
    """``2025-03-01 10:00``: an instant in a notice body, Beijing time to the minute (``—`` when unset)."""
    return "—" if instant is None else instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def notice_document(notice: Notice) -> dict[str, Any]:
    """What ``content_sha256`` covers (RFC 8785 canonical JSON, SHA-256)."""
    return {
        "schema": NOTICE_SCHEMA,
        "estate_id": str(notice.estate_id),
        "vote_id": None if notice.vote_id is None else str(notice.vote_id),
        "kind": notice.kind.value,
        "title": notice.title,
        "body": notice.body,
        "audience": notice.audience.value,
        "published_at": instant_text(notice.published_at),
    }


def reported_to(audience: Audience) -> list[str]:
    return list(REPORTED_TO) if audience is Audience.OWNERS else []


# --- publishing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NoticeDraft:
    """What a notice says and to whom, before ``publish_notice_once`` publishes it."""

    estate_id: uuid.UUID
    kind: NoticeKind
    title: str
    body: str
    vote_id: uuid.UUID | None = None
    audience: Audience = Audience.OWNERS
    account_id: uuid.UUID | None = None


async def publish_notice(
    session: AsyncSession,
    *,
    estate_id: uuid.UUID,
    kind: NoticeKind,
    title: str,
    body: str,
    now: datetime,
    vote_id: uuid.UUID | None = None,
    audience: str = "OWNERS",
    account_id: uuid.UUID | None = None,
) -> Notice:
    """Insert the notice, its outbox message and a ``notice.published`` audit entry in the caller's transaction.

    ``audience`` is an ``Audience`` value (``OWNERS``, ``ORGANISERS``, or ``ACCOUNT`` with ``account_id``;
    anything else is a programming error). A title longer than 200 characters is cut; the body is kept whole.
    """
    if (Audience(audience) is Audience.ACCOUNT) != (account_id is not None):
        raise ValueError("an ACCOUNT notice names its one account, and only it does")
    if Audience(audience) is Audience.RECIPIENTS:
        raise ValueError("a RECIPIENTS notice is published with publish_to_recipients")
    draft = NoticeDraft(
        estate_id=estate_id,
        kind=kind,
        title=title,
        body=body,
        vote_id=vote_id,
        audience=Audience(audience),
        account_id=account_id,
    )
    notice = await publish_notice_once(session, draft, now=now, dedup_key=None)
    assert notice is not None  # noqa: S101 - only a dedup_key can make the insert a no-op
    return notice


async def publish_notice_once(
    session: AsyncSession, draft: NoticeDraft, *, now: datetime, dedup_key: str | None
) -> Notice | None:
    """The notice, or None when a notice with this ``dedup_key`` already exists for the estate."""
    published_at = now.astimezone(UTC)
    notice = Notice(
        id=uuid.uuid4(),
        estate_id=draft.estate_id,
        vote_id=draft.vote_id,
        account_id=draft.account_id,
        kind=draft.kind,
        title=draft.title[:TITLE_MAX],
        body=draft.body,
        audience=draft.audience,
        published_at=published_at,
        dedup_key=dedup_key,
    )
    notice.content_sha256 = canonical_sha256(notice_document(notice))
    if dedup_key is None:
        session.add(notice)
        await session.flush()
    else:
        try:
            async with session.begin_nested():  # a concurrent worker may publish the same occurrence
                session.add(notice)
        except IntegrityError:
            return None
    message = _outbox_message(notice, draft, published_at, recipient_account_id=None)
    session.add(message)
    await session.flush()
    await _log_published(session, notice, draft, published_at, message.id)
    return notice


async def _log_published(
    session: AsyncSession, notice: Notice, draft: NoticeDraft, published_at: datetime, first_message_id: uuid.UUID
) -> None:
    """The public ``notice.published`` entry: what was published to whom and when, by the content's hash."""
    await audit_service.append(
        session,
        events.notice_published(
            notice_id=notice.id,
            kind=draft.kind.value,
            audience=draft.audience.value,
            reported_to=reported_to(draft.audience),
            content_sha256=notice.content_sha256,
            published_at=instant_text(published_at),
            outbox_message_id=first_message_id,
        ),
        estate_id=draft.estate_id,
        vote_id=draft.vote_id,
    )


def _outbox_message(
    notice: Notice, draft: NoticeDraft, published_at: datetime, *, recipient_account_id: uuid.UUID | None
) -> OutboxMessage:
    """The message POSTed to the gateway: ids, kind, audience, title and body; never a phone number or a name.
    A recipient's message names that one account (R-PART-5); the dispatcher adds its push devices when sending."""
    message = OutboxMessage(
        id=uuid.uuid4(),
        notice_id=notice.id,
        channel=OutboxChannel.WEBHOOK,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=published_at,
        created_at=published_at,
        recipient_account_id=recipient_account_id,
    )
    message.payload = {
        "schema": MESSAGE_SCHEMA,
        "message_id": str(message.id),
        "notice_id": str(notice.id),
        "estate_id": str(draft.estate_id),
        "vote_id": None if draft.vote_id is None else str(draft.vote_id),
        "kind": draft.kind.value,
        "audience": draft.audience.value,
        "reported_to": reported_to(draft.audience),
        "title": notice.title,
        "body": draft.body,
        "published_at": instant_text(published_at),
        "content_sha256": notice.content_sha256,
    }
    if draft.account_id is not None:  # an ACCOUNT notice: the gateway resolves this one account's contact
        message.payload = message.payload | {"account_id": str(draft.account_id)}
    if recipient_account_id is not None:
        message.payload = message.payload | {"recipient": {"account_id": str(recipient_account_id)}}
    return message


async def publish_to_recipients(
    session: AsyncSession, draft: NoticeDraft, recipients: Sequence[uuid.UUID], *, now: datetime
) -> tuple[Notice, list[OutboxMessage]]:
    """A ``RECIPIENTS`` notice with one outbox message per recipient account (R-PART-5), in the caller's
    transaction: each message's status is that recipient's delivery state. ``notice.published`` names the first
    message (by recipient) and the public log states only how many there are (the caller's own entry)."""
    if draft.audience is not Audience.RECIPIENTS or draft.account_id is not None or not recipients:
        raise ValueError("a RECIPIENTS notice names one or more recipients on its messages, and no account")
    published_at = now.astimezone(UTC)
    notice = Notice(
        id=uuid.uuid4(),
        estate_id=draft.estate_id,
        vote_id=draft.vote_id,
        account_id=None,
        kind=draft.kind,
        title=draft.title[:TITLE_MAX],
        body=draft.body,
        audience=draft.audience,
        published_at=published_at,
        dedup_key=None,
    )
    notice.content_sha256 = canonical_sha256(notice_document(notice))
    session.add(notice)
    await session.flush()
    messages = [
        _outbox_message(notice, draft, published_at, recipient_account_id=account_id)
        for account_id in sorted(set(recipients), key=str)
    ]
    session.add_all(messages)
    await session.flush()
    await _log_published(session, notice, draft, published_at, messages[0].id)
    return notice, messages


# --- reading ---------------------------------------------------------------------------------------------------


async def list_estate_notices(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[Sequence[Notice], str | None]:
    """Every notice of the estate, for anyone with a role there (observers included, R-SUP-2); newest first.
    Reminders to named recipients are listed too (R-PART-3: their text names no one)."""
    await access.ensure_can_read_estate(session, principal, estate_id)
    audiences = (Audience.OWNERS, Audience.ORGANISERS, Audience.RECIPIENTS)
    statement = repository.estate_notices_statement(estate_id, audiences=audiences)
    return await repository.newest_first(session, statement, cursor=cursor, limit=limit)


# --- outbox administration ----------------------------------------------------------------------------------------


async def list_outbox(
    session: AsyncSession, principal: Principal, *, status: OutboxStatus | None, cursor: str | None, limit: int
) -> tuple[Sequence[OutboxMessage], str | None]:
    """Outbox messages (e.g. the dead letters), for operators only."""
    principal.require(Role.ADMIN)
    return await paginate(
        session, repository.messages_statement(status), key=OutboxMessage.id, cursor=cursor, limit=limit
    )


async def retry_message(
    session: AsyncSession, principal: Principal, message_id: uuid.UUID, *, now: datetime
) -> OutboxMessage:
    """Put a dead letter back in the queue, due now, with a fresh attempt budget (operators only)."""
    principal.require(Role.ADMIN)
    message = await repository.lock_message(session, message_id)
    if message is None:
        raise NotFound(what="outbox message")
    if message.status is not OutboxStatus.DEAD:
        raise OutboxMessageNotDead(status=message.status.value)
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now.astimezone(UTC)
    message.lease_id = None
    await session.flush()
    notice = await session.get(Notice, message.notice_id)
    await audit_service.append(
        session,
        events.notice_retry_requested(outbox_message_id=message.id, by=principal.label, at=instant_text(now)),
        estate_id=None if notice is None else notice.estate_id,
        vote_id=None if notice is None else notice.vote_id,
    )
    return message
