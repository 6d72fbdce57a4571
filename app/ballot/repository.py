from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.grant import service as grant_service
from app.grant.models import ActingGrant
from app.identity.models import Account
from app.register.models import Owner, OwnerKind, RegisterVersion, Unit, UnitOwner
from app.rules.casting import GrantFacts
from app.topic import vote_lock
from app.topic.models import RollGroup, Topic, Vote, VoteStatus, VotingMethod


@dataclass(frozen=True, slots=True)
class CastingVote:
    """What casting needs of a vote, read fresh in every cast; its topics are frozen since publication."""

    id: uuid.UUID
    estate_id: uuid.UUID
    status: VoteStatus
    voting_method: VotingMethod
    starts_at: datetime
    ends_at: datetime
    proxies_allowed: bool
    register_version_id: uuid.UUID | None
    latest_register_version_id: uuid.UUID | None
    """The estate's newest register version now: a different one than the roll's may carry R-ROLL-5 transfers."""
    topics: tuple[Topic, ...]


_TOPIC_CACHE_SIZE = 512
_published_topics: OrderedDict[tuple[uuid.UUID, str], tuple[Topic, ...]] = OrderedDict()
"""Topics by (vote, notice hash). Published topics never change (their hashes are in the notice, R-PUB); keying
on the notice hash read with the vote means a vote published anew can never be served stale topics."""


async def lock_vote_and_read_group(session: AsyncSession, vote_id: uuid.UUID, group_id: str) -> RollGroup | None:
    """Take the vote's shared casting lock (``app.topic.vote_lock``) and read the group's frozen roll row, in one
    statement; no lock is taken when the group is not in the roll (the cast is refused anyway).

    The roll never changes after publication, so the row may come from the snapshot taken before the wait; the
    vote itself is read afterwards, in ``published_vote``, in a snapshot taken after it.
    """
    statement = select(RollGroup).where(RollGroup.vote_id == vote_id, RollGroup.group_id == group_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.add_columns(vote_lock.share_expression(vote_id))
    return (await session.execute(statement)).scalars().first()


async def published_vote(session: AsyncSession, vote_id: uuid.UUID) -> CastingVote | None:
    """The published vote as casting needs it, with the estate's latest register version; None if unpublished."""
    latest_version = (
        select(RegisterVersion.id)
        .where(RegisterVersion.estate_id == Vote.estate_id)
        .order_by(RegisterVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(
                Vote.id, Vote.estate_id, Vote.status, Vote.voting_method, Vote.starts_at, Vote.ends_at,
                Vote.proxies_allowed, Vote.register_version_id, latest_version, Vote.notice_hash,
            ).where(Vote.id == vote_id, Vote.published_at.is_not(None))
        )
    ).one_or_none()  # fmt: skip
    if row is None:
        return None
    return CastingVote(
        id=row[0], estate_id=row[1], status=row[2], voting_method=row[3], starts_at=row[4], ends_at=row[5],
        proxies_allowed=row[6], register_version_id=row[7], latest_register_version_id=row[8],
        topics=await _topics(session, vote_id, row[9] or ""),
    )  # fmt: skip


async def _topics(session: AsyncSession, vote_id: uuid.UUID, notice_hash: str) -> tuple[Topic, ...]:
    key = (vote_id, notice_hash)
    cached = _published_topics.get(key)
    if cached is not None:
        _published_topics.move_to_end(key)
        return cached
    topics = tuple(await session.scalars(select(Topic).where(Topic.vote_id == vote_id).order_by(Topic.position)))
    for topic in topics:
        session.expunge(topic)  # shared read-only by later requests: detached from this request's session
    _published_topics[key] = topics
    if len(_published_topics) > _TOPIC_CACHE_SIZE:
        _published_topics.popitem(last=False)
    return topics


async def vote_for_paper_entry(session: AsyncSession, vote_id: uuid.UUID) -> Vote | None:
    """The vote with its topics, under the shared casting lock: paper ballots are entered like online ones."""
    await vote_lock.share(session, vote_id)
    return await session.scalar(select(Vote).where(Vote.id == vote_id).options(selectinload(Vote.topics)))


async def roll_group(session: AsyncSession, vote_id: uuid.UUID, group_id: str) -> RollGroup | None:
    return await session.get(RollGroup, (vote_id, group_id))


_ORGANISATION_CACHE_SIZE = 100_000
_is_organisation: OrderedDict[uuid.UUID, bool] = OrderedDict()
"""Owner id → organisation? An owner's kind is part of its identity (unique with its identifier) and never changes."""


async def organisation_keys(session: AsyncSession, owner_ids: Sequence[str]) -> frozenset[str]:
    ids = [uuid.UUID(owner_id) for owner_id in owner_ids]
    unknown = [owner_id for owner_id in ids if owner_id not in _is_organisation]
    if unknown:
        rows = await session.execute(select(Owner.id, Owner.kind).where(Owner.id.in_(unknown)))
        for owner_id, kind in rows.all():
            _is_organisation[owner_id] = kind is OwnerKind.ORGANISATION
        while len(_is_organisation) > _ORGANISATION_CACHE_SIZE:
            _is_organisation.popitem(last=False)
    return frozenset(str(owner_id) for owner_id in ids if _is_organisation.get(owner_id, False))


async def grant_facts(session: AsyncSession, estate_id: uuid.UUID, group_key: str) -> tuple[GrantFacts, ...]:
    """The group's acting grants as the law core's plain values (R-CAST-2..5), whatever their status."""
    rows = await session.execute(
        select(ActingGrant, Account.owner_id)
        .join(Account, Account.id == ActingGrant.grantee_account_id)
        .where(ActingGrant.estate_id == estate_id, ActingGrant.group_key == group_key)
    )
    return tuple(grant_service.grant_facts(grant, grantee_owner_id) for grant, grantee_owner_id in rows.all())


async def current_owner_sets(
    session: AsyncSession, estate_id: uuid.UUID, unit_keys: Sequence[str]
) -> dict[str, frozenset[str]] | None:
    """Owner sets of these units in the estate's latest register version (R-ROLL-5), or None without one."""
    latest = await session.scalar(
        select(RegisterVersion.id)
        .where(RegisterVersion.estate_id == estate_id)
        .order_by(RegisterVersion.number.desc())
        .limit(1)
    )
    if latest is None:
        return None
    rows = await session.execute(
        select(Unit.unit_key, UnitOwner.owner_id)
        .join(UnitOwner, UnitOwner.unit_id == Unit.id, isouter=True)
        .where(Unit.register_version_id == latest, Unit.unit_key.in_(list(unit_keys)))
    )
    owners: dict[str, set[str]] = {}
    for unit_key, owner_id in rows.all():
        owners.setdefault(unit_key, set())
        if owner_id is not None:
            owners[unit_key].add(str(owner_id))
    return {unit_key: frozenset(value) for unit_key, value in owners.items()}
