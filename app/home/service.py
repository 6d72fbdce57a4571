"""The owners' home screen (issue #19 item 4): my estates, my votes with "voted / not voted" per group, and the
estate reads an owner's app needs (the estate, its notices).

Who reaches what is ``app.grant.reach``: an owner through the binding made against the estate's register
(R-CAST-1), a legal representative, guardian or proxy through a grant in force (R-CAST-2..5). Everyone else gets
404, as for any place the caller has no role on. Whether a group has voted is shown to those who act for it, never
how (R-PUB-2, R-LIFE-7).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ballot.models import Ballot, BallotStatus
from app.common.access import Principal
from app.common.pagination import paginate
from app.errors import NotFound
from app.grant import reach
from app.grant import repository as grant_repository
from app.grant.reach import Reach
from app.notice import repository as notice_repository
from app.notice import service as notice_service
from app.notice.models import Audience, Notice
from app.place import access
from app.place import repository as place_repository
from app.place.models import Estate
from app.rules.lifecycle import IN_PROGRESS, VoteStatus
from app.vote import repository as vote_repository
from app.vote.models import RollGroup, Vote


class HomeState(StrEnum):
    """Where a vote stands for the owners' app: its notice period (upcoming), its window (open), or over."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def home_state(vote: Vote, now: datetime) -> HomeState:
    """Published and not closed (suspended included, R-SUP-1): by the clock against the publicised window
    (R-LIFE-5); anything else (closed, decided, published result, cancelled, revoked) is over."""
    if vote.status in IN_PROGRESS:
        if now < vote.starts_at:
            return HomeState.UPCOMING
        if now < vote.ends_at:
            return HomeState.OPEN
    return HomeState.CLOSED


def _state_clause(state: HomeState, now: datetime) -> sa.ColumnElement[bool]:
    """``home_state`` in SQL."""
    in_progress = Vote.status.in_(sorted(IN_PROGRESS))
    if state is HomeState.UPCOMING:
        return sa.and_(in_progress, Vote.starts_at > now)
    if state is HomeState.OPEN:
        return sa.and_(in_progress, Vote.starts_at <= now, Vote.ends_at > now)
    return sa.or_(~in_progress, Vote.ends_at <= now)


# --- my estates -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MyEstate:
    estate: Estate
    reach: Reach


async def my_estates(session: AsyncSession, principal: Principal, *, now: datetime) -> list[MyEstate]:
    """The estates where the caller is bound as an owner or acts through a grant in force, by name."""
    reached = await reach.reached_estates(session, principal, now=now)
    estates = await grant_repository.estates(session, reached.keys())
    found = [MyEstate(estates[estate_id], item) for estate_id, item in reached.items() if estate_id in estates]
    return sorted(found, key=lambda item: (item.estate.name, str(item.estate.id)))


# --- my votes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MyGroup:
    group: RollGroup
    acting_as: tuple[str, ...]  # OWNER and/or the kinds of the grants the caller acts for it on
    voted: bool


@dataclass(frozen=True, slots=True)
class MyVote:
    vote: Vote
    estate: Estate
    state: HomeState
    groups: tuple[MyGroup, ...]


def _acting_as(group: RollGroup, item: Reach, vote: Vote) -> tuple[str, ...]:
    kinds = {
        grant.kind.value
        for grant in item.grants_for_vote(vote.id, proxies_allowed=vote.proxies_allowed)
        if grant.group_key == group.group_key
    }
    owner = ["OWNER"] if item.owner_id is not None and str(item.owner_id) in group.owner_ids else []
    return (*owner, *sorted(kinds))


async def _voted(session: AsyncSession, vote_id: uuid.UUID, group_ids: Sequence[str]) -> set[str]:
    """The groups among ``group_ids`` with a counted ballot: whether, never how (R-PUB-2)."""
    if not group_ids:
        return set()
    rows = await session.scalars(
        sa.select(Ballot.group_id).where(
            Ballot.vote_id == vote_id, Ballot.group_id.in_(group_ids), Ballot.status == BallotStatus.COUNTED
        )
    )
    return set(rows.all())


async def my_votes(
    session: AsyncSession,
    principal: Principal,
    *,
    state: HomeState | None,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> tuple[list[MyVote], str | None]:
    """The published votes of every estate the caller reaches whose roll holds a group the caller is in or acts
    for (the votes ``app.vote.service.readable_vote`` lets them read), with those groups and whether each voted."""
    reached = await reach.reached_estates(session, principal, now=now)
    if not reached:
        return [], None
    mine = sa.or_(
        *(
            sa.and_(Vote.estate_id == estate_id, vote_repository.acts_in_vote(item.owner_id, item.grants))
            for estate_id, item in reached.items()
        )
    )
    statement = sa.select(Vote).where(Vote.status != VoteStatus.DRAFT, mine)
    if state is not None:
        statement = statement.where(_state_clause(state, now))
    votes, next_cursor = await paginate(session, statement, key=Vote.id, cursor=cursor, limit=limit)
    estates = await grant_repository.estates(session, {vote.estate_id for vote in votes})
    found: list[MyVote] = []
    for vote in votes:
        item = reached[vote.estate_id]
        keys = {grant.group_key for grant in item.grants_for_vote(vote.id, proxies_allowed=vote.proxies_allowed)}
        groups = await vote_repository.acting_groups(session, vote.id, owner_id=item.owner_id, group_keys=keys)
        voted = await _voted(session, vote.id, [group.group_id for group in groups])
        found.append(
            MyVote(
                vote,
                estates[vote.estate_id],
                home_state(vote, now),
                tuple(MyGroup(group, _acting_as(group, item, vote), group.group_id in voted) for group in groups),
            )
        )
    return found, next_cursor


# --- the estate and its notices, for staff and for those who act in it ----------------------------------------


async def read_estate(session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, now: datetime) -> Estate:
    """The estate for anyone with a role on it, its owners and the holders of grants in force there; else 404."""
    try:
        await access.ensure_can_read_estate(session, principal, estate_id)
    except NotFound:
        if await reach.estate_reach(session, principal, estate_id, now=now) is None:
            raise
    return await place_repository.get_estate(session, estate_id)


async def estate_notices(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, cursor: str | None, limit: int, now: datetime
) -> tuple[Sequence[Notice], str | None]:
    """Staff with a role on the estate read every notice of it (observers included, R-SUP-2); its owners and the
    holders of grants in force there read its owners' notices (never the organisers' reminders, never another
    account's); anyone else gets 404."""
    try:
        return await notice_service.list_estate_notices(session, principal, estate_id, cursor=cursor, limit=limit)
    except NotFound:
        if await reach.estate_reach(session, principal, estate_id, now=now) is None:
            raise
    statement = notice_repository.estate_notices_statement(estate_id, audiences=(Audience.OWNERS,))
    return await notice_repository.newest_first(session, statement, cursor=cursor, limit=limit)
