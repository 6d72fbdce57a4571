from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.errors import Forbidden, InvalidCursor, Unauthenticated
from app.http.pagination import CursorParam, LimitParam
from app.http.problems import problem_responses
from app.result import service
from app.result.errors import BallotsSealed, ResultNotPublished, VoteNotClosable, VoteNotEnded
from app.result.schemas import (
    DecisionRead,
    GroupBallotsRead,
    MyBallotRead,
    ResultRead,
    TurnoutRead,
    UnitBallotsPage,
)

router = APIRouter(prefix="/votes/{vote_id}", tags=["results"])
AUTH_ERRORS = (Unauthenticated, NotFound)


@router.post(
    "/close",
    response_model=DecisionRead,
    responses=problem_responses(*AUTH_ERRORS, Forbidden, VoteNotEnded, VoteNotClosable),
)
async def close_vote(
    vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> DecisionRead:
    """Close the vote after its publicised end, decide every topic and publish the result (organisers)."""
    return DecisionRead.of(await service.close(session, principal, vote_id, now=clock()))


@router.get("/turnout", response_model=TurnoutRead, responses=problem_responses(*AUTH_ERRORS))
async def get_turnout(
    vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> TurnoutRead:
    """Participation so far: heads and area with rates, never per-option counts (R-LIFE-7)."""
    return TurnoutRead.of(await service.turnout(session, principal, vote_id, now=clock()))


@router.get("/result", response_model=ResultRead, responses=problem_responses(*AUTH_ERRORS, ResultNotPublished))
async def get_result(vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> ResultRead:
    """The published result: evidence per topic and the participating units with their areas (R-PUB-1)."""
    return ResultRead.of(await service.published_result(session, principal, vote_id, now=clock()))


@router.get(
    "/ballots",
    response_model=UnitBallotsPage,
    responses=problem_responses(*AUTH_ERRORS, Forbidden, BallotsSealed, InvalidCursor),
)
async def list_unit_ballots(
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cursor: CursorParam = None,
    limit: LimitParam = 100,
) -> UnitBallotsPage:
    """Per-unit ballots after close, for the organiser and supervisors only; every access is logged (R-PUB-2)."""
    page = await service.unit_ballots(session, principal, vote_id, now=clock(), cursor=cursor, limit=limit)
    return UnitBallotsPage(items=[GroupBallotsRead.of(item) for item in page.items], next_cursor=page.next_cursor)


@router.get("/my-ballot", response_model=MyBallotRead, responses=problem_responses(*AUTH_ERRORS))
async def get_my_ballot(vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> MyBallotRead:
    """The caller's own voter groups in the roll and their ballots (R-PUB-2)."""
    groups = await service.my_ballots(session, principal, vote_id)
    return MyBallotRead(vote_id=vote_id, groups=[GroupBallotsRead.of(item) for item in groups])
