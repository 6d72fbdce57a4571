"""Participation without answers: which voter groups have not voted yet, and a reminder to them (R-PART).

* ``not_voted`` (R-PART-1, R-PART-2): while the vote takes ballots, the organiser (committee) and the street
  office of the estate (and operators) read the totals and a page of the groups that have not voted, with their
  units; the committee also sees the owners' names masked as the roll open to owners shows them (R-ROLL-7).
  Nothing about answers, and no instant of any cast, is read or returned (docs/secrecy.md §5). Each read is a
  restricted ``inspection.accessed`` entry naming the reader (R-REC-5), as owners' names are read.
* ``remind`` (R-PART-3): the organiser sends one fixed reminder to the accounts bound to, or granted for, the
  groups that have not voted: a ``RECIPIENTS`` notice with one outbox message per account (R-PART-5), at most
  once per ``REMINDER_INTERVAL`` per vote, logged publicly by counts only.

A group has voted once it has a counted ballot or a received (not duplicate) paper ballot (R-PAPER-1): a paper
ballot takes effect when it reaches the organiser, before its answers are entered at the counting.

Services flush and never commit.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.ballot.models import Ballot, BallotStatus, Channel, PaperReception
from app.common.access import MANAGING_ROLES, Principal, Role, acting_role, roles_on
from app.common.pagination import paginate
from app.errors import NotFound
from app.grant.models import ActingGrant, GrantStatus
from app.identity import events as identity_events
from app.ledger import events
from app.notice import service as notice_service
from app.notice.models import Audience, Notice, NoticeKind
from app.participation.errors import NoOneToRemind, ParticipationNotOpen, ParticipationNotOpenToRole, ReminderTooSoon
from app.place import access
from app.realname.models import OwnerBinding
from app.register import repository as register_repository
from app.register.models import Unit
from app.rules.lifecycle import VoteStatus
from app.rules.paper import ReceptionStatus
from app.vote.lifecycle import status_at
from app.vote.models import RollGroup, Vote
from app.vote.service import ensure_acts_as_organiser

REMINDER_INTERVAL = timedelta(hours=24)  # R-PART-3 (CHOICE): one reminder per vote a day


@dataclass(frozen=True, slots=True)
class Totals:
    groups: int
    voted: int
    voted_online: int
    voted_paper: int

    @property
    def not_voted(self) -> int:
        return self.groups - self.voted


@dataclass(frozen=True, slots=True)
class UnitLabel:
    unit_key: str
    building: str
    entrance: str | None
    room: str
    owners: tuple[str, ...] | None  # names as recorded, for the committee only; the router masks them


@dataclass(frozen=True, slots=True)
class NotVotedGroup:
    group: RollGroup
    units: tuple[UnitLabel, ...]


@dataclass(frozen=True, slots=True)
class NotVotedPage:
    vote: Vote
    totals: Totals
    with_names: bool
    groups: tuple[NotVotedGroup, ...]
    next_cursor: str | None


def _counted(vote_id: uuid.UUID) -> sa.Select[str]:
    return sa.select(Ballot.group_id).where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)


def _received_on_paper(vote_id: uuid.UUID) -> sa.Select[str]:
    return sa.select(PaperReception.group_id).where(
        PaperReception.vote_id == vote_id, PaperReception.status != ReceptionStatus.DUPLICATE
    )


def _not_voted_statement(vote_id: uuid.UUID) -> sa.Select[RollGroup]:
    return sa.select(RollGroup).where(
        RollGroup.vote_id == vote_id,
        RollGroup.group_id.not_in(_counted(vote_id)),
        RollGroup.group_id.not_in(_received_on_paper(vote_id)),
    )


async def _totals(session: AsyncSession, vote_id: uuid.UUID) -> Totals:
    """R-PART-2: groups, and those that voted by channel; a group with a paper reception counts as paper."""
    groups = await session.scalar(sa.select(sa.func.count()).select_from(RollGroup).where(RollGroup.vote_id == vote_id))
    paper = set((await session.scalars(_received_on_paper(vote_id))).all())
    counted = (
        await session.execute(
            sa.select(Ballot.group_id, Ballot.channel).where(
                Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED
            )
        )
    ).all()
    paper |= {group for group, channel in counted if channel is Channel.PAPER}
    online = {group for group, channel in counted if channel is Channel.ONLINE} - paper
    return Totals(int(groups or 0), len(paper | online), len(online), len(paper))


async def _open_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID, now: datetime) -> tuple[
    Vote, frozenset[Role]
]:  # fmt: skip
    """R-PART-1: the organiser, the street office of the estate and operators; observers and auditors 403, anyone
    else (owners, another street office) 404; only while the vote takes ballots."""
    vote = await session.get(Vote, vote_id)
    place = None if vote is None else await access.estate_place(session, vote.estate_id)
    roles = frozenset() if place is None else roles_on(principal, place)
    if vote is None or not roles or vote.status is VoteStatus.DRAFT:
        raise NotFound(what="vote")
    if not roles & MANAGING_ROLES:
        raise ParticipationNotOpenToRole()
    status = status_at(vote, now)
    if status is not VoteStatus.OPEN or vote.posted_at is None:
        raise ParticipationNotOpen(status=status.value)
    return vote, roles


async def not_voted(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime, cursor: str | None, limit: int
) -> NotVotedPage:
    """Totals and one page of the groups that have not voted, by group id (R-PART-1, R-PART-2)."""
    vote, roles = await _open_vote(session, principal, vote_id, now)
    with_names = Role.COMMITTEE in roles  # R-PART-2: masked names for the organiser only
    await audit_service.append(
        session,
        events.inspection_accessed(
            accessor=principal.label,
            capacity="STAFF",
            document=f"participation:{vote.id}:{cursor or ''}",
            at=notice_service.instant_text(now),
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    groups, next_cursor = await paginate(
        session, _not_voted_statement(vote.id), key=RollGroup.group_id, cursor=cursor, limit=limit
    )
    units = await _units(session, vote, {key for group in groups for key in group.unit_keys})
    buildings = await register_repository.building_names(session, vote.estate_id)
    page = tuple(
        NotVotedGroup(
            group,
            tuple(
                UnitLabel(
                    key,
                    buildings[units[key].building_id],
                    units[key].entrance,
                    units[key].room,
                    tuple(link.name for link in units[key].owners) if with_names else None,
                )
                for key in group.unit_keys
                if key in units
            ),
        )
        for group in groups
    )
    return NotVotedPage(vote, await _totals(session, vote.id), with_names, page, next_cursor)


async def _units(session: AsyncSession, vote: Vote, keys: set[str]) -> dict[str, Unit]:
    ordered = sorted(keys)
    units: dict[str, Unit] = {}
    for start in range(0, len(ordered), 500):
        rows = await session.scalars(
            sa.select(Unit)
            .where(
                Unit.register_version_id == vote.register_version_id, Unit.unit_key.in_(ordered[start : start + 500])
            )
            .options(selectinload(Unit.owners))
        )
        units.update({unit.unit_key: unit for unit in rows})
    return units


# --- the reminder -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    notice: Notice
    groups_not_voted: int
    recipients: int


async def recipients_of(
    session: AsyncSession, vote: Vote, groups: Sequence[RollGroup], *, now: datetime
) -> set[uuid.UUID]:
    """R-PART-3: the accounts bound (now) to an owner of one of ``groups`` in the estate, and the grantees of
    approved, unrevoked grants for one of them valid at ``now`` (proxies, guardians, representatives)."""
    owner_ids = sorted({uuid.UUID(owner) for group in groups for owner in group.owner_ids}, key=str)
    group_keys = sorted({group.group_key for group in groups})
    accounts: set[uuid.UUID] = set()
    for start in range(0, len(owner_ids), 500):
        accounts |= set(
            (
                await session.scalars(
                    sa.select(OwnerBinding.account_id).where(
                        OwnerBinding.estate_id == vote.estate_id,
                        OwnerBinding.ended_at.is_(None),
                        OwnerBinding.owner_id.in_(owner_ids[start : start + 500]),
                    )
                )
            ).all()
        )
    for start in range(0, len(group_keys), 200):
        accounts |= set(
            (
                await session.scalars(
                    sa.select(ActingGrant.grantee_account_id).where(
                        ActingGrant.estate_id == vote.estate_id,
                        ActingGrant.status == GrantStatus.APPROVED,
                        ActingGrant.revoked_at.is_(None),
                        ActingGrant.group_key.in_(group_keys[start : start + 200]),
                        sa.or_(ActingGrant.valid_from.is_(None), ActingGrant.valid_from <= now),
                        sa.or_(ActingGrant.valid_until.is_(None), ActingGrant.valid_until > now),
                    )
                )
            ).all()
        )
    return accounts


def reminder_text(vote: Vote) -> tuple[str, str]:
    """R-PART-3 (CHOICE): a fixed text, no free text from the organiser: it names the vote and its end only."""
    title = f"投票提醒：《{vote.title}》"
    body = (
        f"业主大会表决《{vote.title}》正在进行，截止时间为 {notice_service.beijing_minute(vote.ends_at)}（北京时间）。"
        "您所代表的投票单位尚未投票，请在截止前投票。本提醒只发给尚未投票的投票单位，不涉及任何人的表决意见。"
    )
    return title, body


async def remind(session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime) -> Reminder:
    """R-PART-3: the organiser's reminder to the accounts of the groups that have not voted."""
    vote, roles = await _open_vote(session, principal, vote_id, now)
    ensure_acts_as_organiser(vote.organiser_kind, roles)  # R-LIFE-1: a street office only for its own votes
    await session.execute(sa.select(Vote.id).where(Vote.id == vote.id).with_for_update())  # one reminder at a time
    last = await session.scalar(
        sa.select(sa.func.max(Notice.published_at)).where(
            Notice.vote_id == vote.id, Notice.kind == NoticeKind.REMINDER, Notice.audience == Audience.RECIPIENTS
        )
    )
    if last is not None:
        wait = _aware(last) + REMINDER_INTERVAL - now
        if wait > timedelta(0):
            raise ReminderTooSoon(
                interval_hours=int(REMINDER_INTERVAL.total_seconds() // 3600),
                retry_after=math.ceil(wait.total_seconds()),
            )
    groups = (await session.scalars(_not_voted_statement(vote.id))).all()
    recipients = await recipients_of(session, vote, groups, now=now)
    if not recipients:
        raise NoOneToRemind()
    title, body = reminder_text(vote)
    draft = notice_service.NoticeDraft(
        estate_id=vote.estate_id,
        kind=NoticeKind.REMINDER,
        title=title,
        body=body,
        vote_id=vote.id,
        audience=Audience.RECIPIENTS,
    )
    notice, _ = await notice_service.publish_to_recipients(session, draft, sorted(recipients, key=str), now=now)
    place = await access.estate_place(session, vote.estate_id)
    assert place is not None  # noqa: S101 - _open_vote found it
    acted_as = acting_role(principal, place)
    entry = await audit_service.append(
        session,
        events.vote_participation_reminded(
            notice_id=notice.id,
            by=acted_as,
            at=notice_service.instant_text(now),
            groups_not_voted=len(groups),
            recipients=len(recipients),
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)  # who exactly, restricted
    return Reminder(notice, len(groups), len(recipients))


def _aware(instant: datetime) -> datetime:
    """SQLite returns naive UTC instants."""
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
