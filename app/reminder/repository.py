"""SQL for reminders: the estates with their latest assembly close, and the reminders already published."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.committee.models import Committee
from app.notice.models import Notice, NoticeKind
from app.place.models import Estate
from app.rules.committees import CommitteeKind
from app.vote.models import Vote


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


async def property_management_committees(session: AsyncSession) -> Sequence[Committee]:
    """Every 物管会 (R-COMM-5 reminders)."""
    return (
        await session.scalars(
            sa.select(Committee)
            .where(Committee.kind == CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE)
            .order_by(Committee.id)
        )
    ).all()
