"""The tally's sums computed inside the database, for estates too large to load every ballot into Python.

The database only adds up heads and areas per topic and answer; deciding stays with the pure law core
(``app.rules.tally.decide``), so the SQL path and the offline verifier reach the same result from the same
numbers. The ballot source is any selectable with the columns ``topic_id``, ``answer`` and ``area``, one row
per voter group and topic (the unique key on ballots guarantees that), where ``area`` is the group's area
frozen in the roll snapshot: a row therefore weighs one head (R-HEAD-7) and its area (R-AREA-5).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.rules.counts import Weight
from app.rules.kinds import yes_no
from app.rules.tally import TopicCounts

AnswerSums = dict[Hashable, dict[str, Weight]]


def answer_sums_statement(ballots: sa.FromClause) -> sa.Select[Hashable, str, int, int]:
    """``SELECT topic_id, answer, count(*), sum(area) ... GROUP BY topic_id, answer`` over ``ballots``."""
    return sa.select(
        ballots.c.topic_id,
        ballots.c.answer,
        sa.func.count().label("heads"),
        # PostgreSQL widens sum(bigint) to numeric; cast back so the result is an exact int on both dialects.
        sa.cast(sa.func.coalesce(sa.func.sum(ballots.c.area), 0), sa.BigInteger).label("area"),
    ).group_by(ballots.c.topic_id, ballots.c.answer)


async def answer_sums(session: AsyncSession, ballots: sa.FromClause) -> AnswerSums:
    """Heads and area per topic and answer, in one round trip."""
    sums: AnswerSums = {}
    for topic_id, answer, heads, area in await session.execute(answer_sums_statement(ballots)):
        sums.setdefault(topic_id, {})[str(answer)] = Weight(int(heads), int(area))
    return sums


def topic_counts(sums: Mapping[str, Weight], total: Weight) -> TopicCounts:
    """The ``TopicCounts`` of a yes/no topic from its answer sums (R-TALLY-2); unknown answers are refused."""
    return yes_no.topic_counts(sums, total)
