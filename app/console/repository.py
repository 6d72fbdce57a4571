"""The console's reads of its own, each after the service that allows the caller to see what they cover.

* When the counted ballots of a vote were cast, for the turnout chart: participation only (R-LIFE-7), the time and
  the frozen area of each counted ballot's voter group, never an answer or a group's identity; the caller has
  already been allowed to read the vote's turnout (``app.result.service.turnout``).
* The notices of a street office's estates whose delivery the outbox gave up on, for its alerts; the caller has
  already been allowed the jurisdiction (``app.supervision.service.overview``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ballot.models import Ballot, BallotStatus
from app.notice.models import Notice, OutboxMessage, OutboxStatus
from app.vote.models import RollGroup


async def counted_cast_times(session: AsyncSession, vote_id: uuid.UUID) -> list[tuple[datetime, int]]:
    """``(cast_at, area)`` of every counted ballot of the vote, earliest first."""
    statement = (
        sa.select(Ballot.cast_at, RollGroup.area)
        .join(RollGroup, sa.and_(RollGroup.vote_id == Ballot.vote_id, RollGroup.group_id == Ballot.group_id))
        .where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
        .order_by(Ballot.cast_at)
    )
    return [(cast_at, int(area)) for cast_at, area in (await session.execute(statement)).all()]


async def dead_letters(session: AsyncSession, estate_ids: Collection[uuid.UUID]) -> list[tuple[Notice, int]]:
    """Notices of the estates with deliveries the outbox gave up on (``DEAD``), newest first, with how many."""
    if not estate_ids:
        return []
    statement = (
        sa.select(Notice, sa.func.count(OutboxMessage.id))
        .join(OutboxMessage, OutboxMessage.notice_id == Notice.id)
        .where(Notice.estate_id.in_(estate_ids), OutboxMessage.status == OutboxStatus.DEAD)
        .group_by(Notice.id)
        .order_by(Notice.published_at.desc())
        .limit(50)
    )
    return [(notice, int(count)) for notice, count in (await session.execute(statement)).all()]
