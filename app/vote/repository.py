from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEntry
from app.db import locks
from app.grant.models import ActingGrant, ActingKind
from app.ledger.events import EventKind
from app.register.models import OwnershipEvidence, Unit, UnitOwner
from app.rules.lifecycle import RUNNING, UNFINISHED, VoteStatus
from app.vote.models import (
    Attachment,
    CandidateAttestation,
    CandidateListAcknowledgment,
    ElectionCandidate,
    Erratum,
    NoticePosting,
    OrganiserKind,
    RollGroup,
    Topic,
    Vote,
    VotingMethod,
)


async def get_vote(session: AsyncSession, vote_id: uuid.UUID, *, for_update: bool = False) -> Vote | None:
    """The vote with its topics and attachment metadata; ``for_update`` locks its row on PostgreSQL (§8.4)."""
    # Attachment content can be 20 MB: never loaded with the vote, only by the download query.
    topics = selectinload(Vote.topics).selectinload(Topic.attachments).defer(Attachment.content, raiseload=True)
    statement = select(Vote).where(Vote.id == vote_id).options(topics)
    if for_update:
        await locks.exclusive(session, vote_id)  # casts in flight finish first (app.db.locks)
        statement = statement.with_for_update(of=Vote)
    return await session.scalar(statement)


async def lock_vote(session: AsyncSession, vote_id: uuid.UUID) -> Vote | None:
    """The vote under the exclusive casting lock (``app.db.locks``), so a status change (close, suspension,
    revocation) waits for the casts in flight and none lands after it, and its row ``FOR UPDATE`` against other
    writers. ``populate_existing`` refreshes a row this session loaded earlier."""
    await locks.exclusive(session, vote_id)
    statement = select(Vote).where(Vote.id == vote_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(statement)).one_or_none()


async def try_lock_vote(session: AsyncSession, vote_id: uuid.UUID) -> bool:
    """False when another worker or a cast in flight holds the vote (PostgreSQL), instead of waiting for it."""
    if not await locks.try_exclusive(session, vote_id):
        return False
    statement = select(Vote.id).where(Vote.id == vote_id).with_for_update(skip_locked=True)
    return (await session.scalars(statement)).one_or_none() is not None


async def due_vote_ids(session: AsyncSession, now: datetime, *, limit: int = 100) -> Sequence[uuid.UUID]:
    """Votes whose window has ended (``ends_at <= now``) and whose result is not published yet; a paper or mixed
    vote only once its counting session closed it (R-PAPER-3); a running vote whose notice was never posted on site
    never opened, so it is not closed (R-NOTICE-3)."""
    statement = (
        select(Vote.id)
        .where(
            Vote.status.in_(sorted(UNFINISHED)),
            Vote.ends_at <= now,
            or_(Vote.status.not_in(sorted(RUNNING)), Vote.posted_at.is_not(None)),
        )
        # R-PAPER-3: a paper or mixed vote is closed by its counting session's sign-off, not by the clock.
        .where(or_(Vote.voting_method == VotingMethod.ONLINE, Vote.status.not_in(sorted(RUNNING))))
        .order_by(Vote.ends_at, Vote.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def estate_and_status_of_vote(
    session: AsyncSession, vote_id: uuid.UUID
) -> tuple[uuid.UUID, VoteStatus, OrganiserKind] | None:
    """Who may act on a vote, read without any lock: access is decided before a lock that would stall casting."""
    statement = select(Vote.estate_id, Vote.status, Vote.organiser_kind).where(Vote.id == vote_id)
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def votes_statement(estate_id: uuid.UUID, *, include_drafts: bool) -> Select[Vote]:
    statement = select(Vote).where(Vote.estate_id == estate_id)
    if not include_drafts:
        statement = statement.where(Vote.status != VoteStatus.DRAFT)
    return statement


async def owner_in_roll(session: AsyncSession, vote_id: uuid.UUID, owner_id: uuid.UUID) -> bool:
    """Whether ``owner_id`` is a member of a voter group of the vote's frozen roll.

    ``owner_ids`` is a JSON list of UUID strings; matching its quoted text works the same on both dialects,
    and a UUID contains no LIKE wildcard.
    """
    needle = f'%"{owner_id}"%'
    found = await session.scalar(
        select(RollGroup.group_id)
        .where(RollGroup.vote_id == vote_id, sa.cast(RollGroup.owner_ids, sa.Text).like(needle))
        .limit(1)
    )
    return found is not None


def acts_in_vote(owner_id: uuid.UUID | None, grants: Iterable[ActingGrant]) -> ColumnElement[bool]:
    """SQL, correlated on ``Vote``: a group of the vote's roll is the caller's (``owner_id`` is in it) or one the
    caller acts for through ``grants`` (in force, ``app.grant.reach``); a proxy's only in a vote that admits proxies
    and that its scope names (R-CAST-4, as ``Reach.grants_for_vote``)."""
    mine: list[ColumnElement[bool]] = []
    if owner_id is not None:
        mine.append(sa.cast(RollGroup.owner_ids, sa.Text).like(f'%"{owner_id}"%'))
    for grant in grants:
        condition = RollGroup.group_key == grant.group_key
        if grant.kind is ActingKind.PROXY:
            scoped = (grant.scope or {}).get("vote_ids")
            condition = sa.and_(condition, Vote.proxies_allowed.is_(True))
            if scoped is not None:
                condition = sa.and_(condition, Vote.id.in_([_uuid_or_none(value) for value in scoped]))
        mine.append(condition)
    if not mine:
        return sa.false()
    return sa.exists(select(RollGroup.group_id).where(RollGroup.vote_id == Vote.id, sa.or_(*mine)))


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def acting_groups(
    session: AsyncSession, vote_id: uuid.UUID, *, owner_id: uuid.UUID | None, group_keys: Collection[str]
) -> list[RollGroup]:
    """The vote's roll groups that hold ``owner_id`` or whose owner-set key is one of ``group_keys``."""
    mine: list[ColumnElement[bool]] = []
    if owner_id is not None:
        mine.append(sa.cast(RollGroup.owner_ids, sa.Text).like(f'%"{owner_id}"%'))
    if group_keys:
        mine.append(RollGroup.group_key.in_(sorted(group_keys)))
    if not mine:
        return []
    statement = select(RollGroup).where(RollGroup.vote_id == vote_id, sa.or_(*mine)).order_by(RollGroup.group_id)
    return [
        group
        for group in (await session.scalars(statement)).all()
        if (owner_id is not None and str(owner_id) in group.owner_ids) or group.group_key in group_keys
    ]


async def errata(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[Erratum]:
    return (
        await session.scalars(
            select(Erratum).where(Erratum.vote_id == vote_id).order_by(Erratum.created_at, Erratum.id)
        )
    ).all()


async def cancellation(session: AsyncSession, vote_id: uuid.UUID) -> AuditEntry | None:
    return await session.scalar(
        select(AuditEntry).where(AuditEntry.vote_id == vote_id, AuditEntry.kind == EventKind.VOTE_CANCELLED).limit(1)
    )


async def attachment_content(session: AsyncSession, attachment_id: uuid.UUID) -> bytes | None:
    content: bytes | None = await session.scalar(select(Attachment.content).where(Attachment.id == attachment_id))
    return content


async def next_position(session: AsyncSession, vote_id: uuid.UUID) -> int:
    """Positions only grow: a deleted topic leaves a gap, so no row is ever renumbered under the unique key."""
    highest = await session.scalar(select(sa.func.max(Topic.position)).where(Topic.vote_id == vote_id))
    return 0 if highest is None else highest + 1


async def units_by_key(session: AsyncSession, version_id: uuid.UUID, unit_keys: Iterable[str]) -> dict[str, Unit]:
    """The version's units with these keys, with their owners (R-CAND-1)."""
    statement = (
        select(Unit)
        .where(Unit.register_version_id == version_id, Unit.unit_key.in_(sorted(set(unit_keys))))
        .options(selectinload(Unit.owners).selectinload(UnitOwner.owner))
    )
    return {unit.unit_key: unit for unit in (await session.scalars(statement)).all()}


async def owners_in_version(
    session: AsyncSession, version_id: uuid.UUID, owner_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of ``owner_ids`` are owners of record in the version (R-CAND-1 at publication): listed on a unit the
    developer does not hold (R-HEAD-4), as a committee member must be (R-COMM-4)."""
    statement = (
        select(UnitOwner.owner_id)
        .join(Unit, Unit.id == UnitOwner.unit_id)
        .where(
            Unit.register_version_id == version_id,
            Unit.evidence != OwnershipEvidence.DEVELOPER,
            UnitOwner.owner_id.in_(list(set(owner_ids))),
        )
        .distinct()
    )
    return set((await session.scalars(statement)).all())


async def residential_unit_count(session: AsyncSession, version_id: uuid.UUID) -> int:
    """R-ELEC-12: the households (户) of Beijing Art. 39 as the register knows them: its units that are not
    parking spaces, over the whole area (a vote's scope does not change the committee's size)."""
    statement = select(sa.func.count()).where(Unit.register_version_id == version_id, Unit.is_parking.is_(False))
    return int(await session.scalar(statement) or 0)


async def candidates_of(session: AsyncSession, topic_id: uuid.UUID) -> Sequence[ElectionCandidate]:
    statement = select(ElectionCandidate).where(ElectionCandidate.topic_id == topic_id)
    return (await session.scalars(statement.order_by(ElectionCandidate.candidate_id))).all()


async def delete_candidates(session: AsyncSession, topic_id: uuid.UUID) -> None:
    await session.execute(sa.delete(ElectionCandidate).where(ElectionCandidate.topic_id == topic_id))


async def attestations_of(session: AsyncSession, topic_id: uuid.UUID) -> Sequence[CandidateAttestation]:
    statement = select(CandidateAttestation).where(CandidateAttestation.topic_id == topic_id)
    return (await session.scalars(statement.order_by(CandidateAttestation.sequence))).all()


async def next_attestation_sequence(session: AsyncSession, topic_id: uuid.UUID) -> int:
    statement = select(sa.func.max(CandidateAttestation.sequence)).where(CandidateAttestation.topic_id == topic_id)
    return int(await session.scalar(statement) or 0) + 1


async def acknowledgments_of(session: AsyncSession, topic_id: uuid.UUID) -> Sequence[CandidateListAcknowledgment]:
    statement = select(CandidateListAcknowledgment).where(CandidateListAcknowledgment.topic_id == topic_id)
    return (await session.scalars(statement.order_by(CandidateListAcknowledgment.created_at))).all()


async def postings(session: AsyncSession, vote_id: uuid.UUID) -> Sequence[NoticePosting]:
    """R-NOTICE-2: a vote's on-site postings, earliest stated time first (photos not loaded)."""
    statement = (
        select(NoticePosting)
        .where(NoticePosting.vote_id == vote_id)
        .order_by(NoticePosting.posted_at, NoticePosting.recorded_at, NoticePosting.id)
    )
    return (await session.scalars(statement)).all()


async def posting_photo(
    session: AsyncSession, vote_id: uuid.UUID, posting_id: uuid.UUID
) -> tuple[NoticePosting, bytes] | None:
    statement = select(NoticePosting, NoticePosting.photo).where(
        NoticePosting.vote_id == vote_id, NoticePosting.id == posting_id
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (row[0], row[1])
