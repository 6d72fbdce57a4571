"""SQL for notices, the outbox, the owners' estates, the archive and reminders: queries only, no rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.common.errors import InvalidCursor
from app.common.pagination import decode_cursor, encode_cursor
from app.notice.models import Audience, Notice, NoticeKind, OutboxMessage, OutboxStatus
from app.place.models import Estate
from app.register.models import RegisterVersion, Unit, UnitOwner
from app.vote.models import RollGroup, Vote


def estate_notices_statement(estate_id: uuid.UUID, *, audiences: Sequence[Audience]) -> sa.Select[Notice]:
    return sa.select(Notice).where(Notice.estate_id == estate_id, Notice.audience.in_(audiences))


def owner_estate_ids(owner_id: uuid.UUID) -> sa.Select[uuid.UUID]:
    """Estates where ``owner_id`` owns a unit in the latest register version, or is in a vote's frozen roll.

    The roll is searched only among votes taken from a register version in which the owner held a unit (a roll
    is built from one version), so the JSON text match never scans every roll of every estate.
    """
    versions_held = sa.select(Unit.register_version_id).join(UnitOwner, UnitOwner.unit_id == Unit.id)
    versions_held = versions_held.where(UnitOwner.owner_id == owner_id)
    newer = aliased(RegisterVersion)
    latest_number = (
        sa.select(sa.func.max(newer.number)).where(newer.estate_id == RegisterVersion.estate_id).scalar_subquery()
    )
    in_latest = sa.select(RegisterVersion.estate_id).where(
        RegisterVersion.id.in_(versions_held), RegisterVersion.number == latest_number
    )
    needle = f'%"{owner_id}"%'  # owner_ids is a JSON list of UUID strings (as in app.vote.repository)
    in_roll = (
        sa.select(Vote.estate_id)
        .join(RollGroup, RollGroup.vote_id == Vote.id)
        .where(Vote.register_version_id.in_(versions_held), sa.cast(RollGroup.owner_ids, sa.Text).like(needle))
    )
    return sa.select(in_latest.union(in_roll).subquery().c[0])


async def owns_in_estate(session: AsyncSession, owner_id: uuid.UUID, estate_id: uuid.UUID) -> bool:
    estates = owner_estate_ids(owner_id).subquery()
    found = await session.scalar(sa.select(estates.c[0]).where(estates.c[0] == estate_id).limit(1))
    return found is not None


def owner_notices_statement(owner_id: uuid.UUID | None, account_id: uuid.UUID) -> sa.Select[Notice]:
    addressed = sa.and_(Notice.audience == Audience.ACCOUNT, Notice.account_id == account_id)
    if owner_id is None:
        return sa.select(Notice).where(addressed)
    owners = sa.and_(Notice.estate_id.in_(owner_estate_ids(owner_id)), Notice.audience == Audience.OWNERS)
    return sa.select(Notice).where(sa.or_(owners, addressed))


async def newest_first(
    session: AsyncSession, statement: sa.Select[Notice], *, cursor: str | None, limit: int
) -> tuple[Sequence[Notice], str | None]:
    """Notices newest first by ``(published_at, id)``; the cursor is the last key seen."""
    if cursor is not None:
        published_at, notice_id = _decode(cursor)
        statement = statement.where(
            sa.or_(
                Notice.published_at < published_at,
                sa.and_(Notice.published_at == published_at, Notice.id < notice_id),
            )
        )
    ordered = statement.order_by(Notice.published_at.desc(), Notice.id.desc()).limit(limit + 1)
    rows = (await session.scalars(ordered)).all()
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(f"{page[-1].published_at.isoformat()}|{page[-1].id}")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    text: str = decode_cursor(cursor, str)
    instant, _, identifier = text.partition("|")
    try:
        published_at = datetime.fromisoformat(instant)
        notice_id = uuid.UUID(identifier)
    except ValueError as exc:
        raise InvalidCursor() from exc
    if published_at.tzinfo is None:
        raise InvalidCursor()
    return published_at, notice_id


async def get_notice(session: AsyncSession, estate_id: uuid.UUID, notice_id: uuid.UUID) -> Notice | None:
    return await session.scalar(sa.select(Notice).where(Notice.id == notice_id, Notice.estate_id == estate_id))


async def archive_notices(
    session: AsyncSession, estate_id: uuid.UUID, audiences: Sequence[Audience]
) -> Sequence[Notice]:
    statement = estate_notices_statement(estate_id, audiences=audiences)
    return (await session.scalars(statement.order_by(Notice.published_at.desc(), Notice.id.desc()))).all()


async def published_votes(session: AsyncSession, estate_id: uuid.UUID) -> Sequence[Vote]:
    """Votes whose result was published, including those revoked since (R-PUB-3: it stays inspectable)."""
    statement = (
        sa.select(Vote)
        .where(Vote.estate_id == estate_id, Vote.result_published_at.is_not(None))
        .order_by(Vote.result_published_at.desc(), Vote.id.desc())
    )
    return (await session.scalars(statement)).all()


async def vote_in_estate(session: AsyncSession, estate_id: uuid.UUID, vote_id: uuid.UUID) -> Vote | None:
    return await session.scalar(sa.select(Vote).where(Vote.id == vote_id, Vote.estate_id == estate_id))


# --- reminders ---------------------------------------------------------------------------------------------------


async def last_closed_at(session: AsyncSession, estate_id: uuid.UUID) -> datetime | None:
    """The latest close instant of the estate's owners' assembly votes (R-LIFE-11)."""
    found: datetime | None = await session.scalar(
        sa.select(sa.func.max(Vote.closed_at)).where(Vote.estate_id == estate_id, Vote.closed_at.is_not(None))
    )
    return found


async def estates_for_reminders(session: AsyncSession) -> Sequence[tuple[Estate, datetime | None]]:
    """Every estate with its latest vote close instant (None when no vote has closed)."""
    closes = (
        sa.select(Vote.estate_id, sa.func.max(Vote.closed_at).label("closed_at"))
        .where(Vote.closed_at.is_not(None))
        .group_by(Vote.estate_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(Estate, closes.c.closed_at).outerjoin(closes, closes.c.estate_id == Estate.id).order_by(Estate.id)
    )
    return [(estate, closed_at) for estate, closed_at in rows]


async def published_dedup_keys(session: AsyncSession) -> set[tuple[uuid.UUID, str]]:
    rows = await session.execute(
        sa.select(Notice.estate_id, Notice.dedup_key).where(
            Notice.kind == NoticeKind.REMINDER, Notice.dedup_key.is_not(None)
        )
    )
    return {(estate_id, key) for estate_id, key in rows if key is not None}


# --- outbox ------------------------------------------------------------------------------------------------------


async def lock_due_messages(session: AsyncSession, now: datetime, limit: int) -> Sequence[tuple[OutboxMessage, Notice]]:
    """Due PENDING messages, oldest due first, row-locked with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so a
    message another dispatcher is claiming is skipped, never claimed twice. SQLite ignores the clause; its
    ``BEGIN IMMEDIATE`` admits one writer at a time."""
    statement = (
        sa.select(OutboxMessage, Notice)
        .join(Notice, Notice.id == OutboxMessage.notice_id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(of=OutboxMessage, skip_locked=True)
    )
    rows = await session.execute(statement)
    return [(message, notice) for message, notice in rows]


async def lock_message(session: AsyncSession, message_id: uuid.UUID) -> OutboxMessage | None:
    statement = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(statement)


def messages_statement(status: OutboxStatus | None) -> sa.Select[OutboxMessage]:
    statement = sa.select(OutboxMessage)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return statement
