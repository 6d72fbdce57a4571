"""SQL for supervision actions and the street office's jurisdiction view: queries only, no rules."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ballot.models import Ballot, BallotStatus
from app.place.models import Community, Estate, StreetOffice
from app.realname.models import ManualVerificationRequest, ReviewStatus
from app.rules.counts import Weight
from app.rules.lifecycle import HELD, NOT_PUBLISHED
from app.supervision.models import SupervisionAction, SupervisionKind
from app.vote.models import RollGroup, Topic, Vote

REVOCATIONS = (SupervisionKind.REVOCATION, SupervisionKind.COURT_REVOCATION)

# The decided results (``app.result.models.TopicResult``), read as a table: ``app.result`` builds on this package
# (it shows the revocations with the result), so this package reads the few columns it needs without importing it.
_TOPIC_RESULT = sa.table(
    "topic_result",
    sa.column("topic_id", sa.Uuid()),
    sa.column("vote_id", sa.Uuid()),
    sa.column("outcome", sa.String()),
    sa.column("evidence_sha256", sa.String()),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A topic's decided outcome and the hash of its evidence (R-TALLY-10)."""

    topic_id: uuid.UUID
    outcome: str
    evidence_sha256: str


async def actions_of(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[SupervisionAction]:
    statement = (
        sa.select(SupervisionAction)
        .where(SupervisionAction.vote_id == vote_id)
        .order_by(SupervisionAction.acted_at, SupervisionAction.id)
    )
    return (await session.scalars(statement)).all()


async def action_of(session: AsyncSession, vote_id: uuid.UUID, action_id: uuid.UUID) -> SupervisionAction | None:
    statement = sa.select(SupervisionAction).where(
        SupervisionAction.id == action_id, SupervisionAction.vote_id == vote_id
    )
    return (await session.scalars(statement)).one_or_none()


async def follow_up_of(session: AsyncSession, order_id: uuid.UUID) -> SupervisionAction | None:
    statement = sa.select(SupervisionAction).where(SupervisionAction.follows_id == order_id)
    return (await session.scalars(statement)).one_or_none()


async def latest_of_kind(session: AsyncSession, vote_id: uuid.UUID, kind: SupervisionKind) -> SupervisionAction | None:
    statement = (
        sa.select(SupervisionAction)
        .where(SupervisionAction.vote_id == vote_id, SupervisionAction.kind == kind)
        .order_by(SupervisionAction.acted_at.desc(), SupervisionAction.id)
        .limit(1)
    )
    return (await session.scalars(statement)).one_or_none()


async def revocations_of(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[SupervisionAction]:
    """The vote's revocations, oldest first: one per revoked topic (R-SUP-7), or one legacy whole-vote act."""
    statement = (
        sa.select(SupervisionAction)
        .where(SupervisionAction.vote_id == vote_id, SupervisionAction.kind.in_(REVOCATIONS))
        .order_by(SupervisionAction.acted_at, SupervisionAction.id)
    )
    return (await session.scalars(statement)).all()


async def revocation_of_topic(session: AsyncSession, topic_id: uuid.UUID) -> SupervisionAction | None:
    statement = sa.select(SupervisionAction).where(
        SupervisionAction.topic_id == topic_id, SupervisionAction.kind.in_(REVOCATIONS)
    )
    return (await session.scalars(statement)).one_or_none()


async def topics_of(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[Topic]:
    return (await session.scalars(sa.select(Topic).where(Topic.vote_id == vote_id).order_by(Topic.position))).all()


async def outcomes_of(session: AsyncSession, vote_id: uuid.UUID) -> dict[uuid.UUID, Outcome]:
    columns = _TOPIC_RESULT.c
    statement = sa.select(columns.topic_id, columns.outcome, columns.evidence_sha256).where(columns.vote_id == vote_id)
    return {
        uuid.UUID(str(topic_id)): Outcome(uuid.UUID(str(topic_id)), str(outcome), str(digest))
        for topic_id, outcome, digest in (await session.execute(statement)).all()
    }


# --- jurisdiction view ----------------------------------------------------------------------------------------


async def street_office_exists(session: AsyncSession, street_office_id: uuid.UUID) -> bool:
    return await session.get(StreetOffice, street_office_id) is not None


async def estates_of(session: AsyncSession, street_office_id: uuid.UUID) -> Sequence[tuple[Estate, Community]]:
    statement = (
        sa.select(Estate, Community)
        .join(Community, Community.id == Estate.community_id)
        .where(Community.street_office_id == street_office_id)
        .order_by(Community.name, Estate.name, Estate.id)
    )
    return [(estate, community) for estate, community in (await session.execute(statement)).all()]


async def votes_of(session: AsyncSession, estate_ids: Collection[uuid.UUID]) -> Sequence[Vote]:
    """Published votes of the estates (drafts and cancelled notices are the organiser's business)."""
    if not estate_ids:
        return []
    statement = (
        sa.select(Vote)
        .where(Vote.estate_id.in_(estate_ids), Vote.status.not_in(sorted(NOT_PUBLISHED)))
        .order_by(Vote.ends_at.desc(), Vote.id)
    )
    return (await session.scalars(statement)).all()


async def participation_by_vote(session: AsyncSession, vote_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Weight]:
    """Counted ballots per vote and their groups' frozen areas, in one query (R-LIFE-7: participation only)."""
    if not vote_ids:
        return {}
    statement = (
        sa.select(
            Ballot.vote_id,
            sa.func.count(Ballot.id),
            sa.cast(sa.func.coalesce(sa.func.sum(RollGroup.area), 0), sa.BigInteger),
        )
        .select_from(Ballot)
        .join(RollGroup, sa.and_(RollGroup.vote_id == Ballot.vote_id, RollGroup.group_id == Ballot.group_id))
        .where(Ballot.vote_id.in_(vote_ids), Ballot.status == BallotStatus.COUNTED)
        .group_by(Ballot.vote_id)
    )
    return {vote_id: Weight(int(heads), int(area)) for vote_id, heads, area in (await session.execute(statement)).all()}


async def pending_reviews_by_estate(session: AsyncSession, estate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not estate_ids:
        return {}
    statement = (
        sa.select(ManualVerificationRequest.estate_id, sa.func.count(ManualVerificationRequest.id))
        .where(
            ManualVerificationRequest.estate_id.in_(estate_ids),
            ManualVerificationRequest.status == ReviewStatus.PENDING,
        )
        .group_by(ManualVerificationRequest.estate_id)
    )
    return {estate_id: int(count) for estate_id, count in (await session.execute(statement)).all()}


async def last_held_by_estate(
    session: AsyncSession, estate_ids: Collection[uuid.UUID], now: datetime
) -> dict[uuid.UUID, datetime]:
    """R-LIFE-11: per estate, the latest end (= close instant, R-LIFE-8) of a vote that has closed by ``now``.

    A suspended vote has not closed; a revoked decision was still a meeting held.
    """
    if not estate_ids:
        return {}
    statement = (
        sa.select(Vote.estate_id, sa.func.max(Vote.ends_at))
        .where(Vote.estate_id.in_(estate_ids), Vote.status.in_(sorted(HELD)), Vote.ends_at <= now)
        .group_by(Vote.estate_id)
    )
    return {estate_id: _aware(latest) for estate_id, latest in (await session.execute(statement)).all()}


def _aware(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


async def orders_of(session: AsyncSession, vote_ids: Collection[uuid.UUID]) -> Sequence[SupervisionAction]:
    if not vote_ids:
        return []
    statement = (
        sa.select(SupervisionAction)
        .where(
            SupervisionAction.vote_id.in_(vote_ids),
            SupervisionAction.kind.in_((SupervisionKind.CORRECTION_ORDER, SupervisionKind.CORRECTION_FOLLOW_UP)),
        )
        .order_by(SupervisionAction.acted_at, SupervisionAction.id)
    )
    return (await session.scalars(statement)).all()
