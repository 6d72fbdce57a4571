"""The console's one read of its own: when the counted ballots of a vote were cast, for the turnout chart.

Participation only (R-LIFE-7): the time and the frozen area of each counted ballot's voter group, never an answer or
a group's identity. The caller has already been allowed to read the vote's turnout (``app.result.service.turnout``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ballot.models import Ballot, BallotStatus
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
