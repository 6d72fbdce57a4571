"""SQL for notices and the outbox: queries only, no rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.errors import InvalidCursor
from app.common.pagination import decode_cursor, encode_cursor
from app.notice.models import Audience, Notice, NoticeReadMark, OutboxMessage, OutboxStatus


def estate_notices_statement(estate_id: uuid.UUID, *, audiences: Sequence[Audience]) -> sa.Select[Notice]:
    return sa.select(Notice).where(Notice.estate_id == estate_id, Notice.audience.in_(audiences))


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


# --- read marks (the owners' home screen) ---------------------------------------------------------------------------


def unread_by(account_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The notice has no read mark of ``account_id`` (correlated on ``Notice``)."""
    return ~sa.exists().where(NoticeReadMark.account_id == account_id, NoticeReadMark.notice_id == Notice.id)


async def count(session: AsyncSession, statement: sa.Select[Notice]) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(statement.subquery())) or 0)


async def read_marks(
    session: AsyncSession, account_id: uuid.UUID, notice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """Notice id → when ``account_id`` read it, for those of ``notice_ids`` it has read."""
    if not notice_ids:
        return {}
    rows = await session.execute(
        sa.select(NoticeReadMark.notice_id, NoticeReadMark.read_at).where(
            NoticeReadMark.account_id == account_id, NoticeReadMark.notice_id.in_(notice_ids)
        )
    )
    return {row.notice_id: row.read_at for row in rows}


async def mark_read(session: AsyncSession, account_id: uuid.UUID, notice_id: uuid.UUID, now: datetime) -> datetime:
    """Record the first read (a repeated or concurrent mark keeps it) and answer when that was."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(NoticeReadMark)
        .values(account_id=account_id, notice_id=notice_id, read_at=now)
        .on_conflict_do_nothing(index_elements=["account_id", "notice_id"])
    )
    marks = await read_marks(session, account_id, [notice_id])
    return marks[notice_id]


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


async def delivery_counts(session: AsyncSession, notice_id: uuid.UUID) -> dict[str, dict[OutboxStatus, int]]:
    """R-NOTICE-4: the notice's outbox messages by channel and status, as stored now."""
    statement = (
        sa.select(OutboxMessage.channel, OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.notice_id == notice_id)
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    )
    counts: dict[str, dict[OutboxStatus, int]] = {}
    for channel, status, count in (await session.execute(statement)).all():
        counts.setdefault(channel.value, {})[status] = count
    return counts
