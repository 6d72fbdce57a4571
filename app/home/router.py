"""The owners' home screen (issue #19 item 4): my estates, my votes, and the estate reads of the owners' app.

``GET /estates/{estate_id}`` and ``GET /estates/{estate_id}/notices`` live here (under their published tags, so
their operation ids stay) because their owners' branch needs ``app.grant``, which the place and notice packages
lie below.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.common.errors import InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.home import service
from app.home.schemas import MyEstateRead, MyVoteRead, MyVotesPage
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId
from app.http.problems import problem_responses
from app.notice.schemas import NoticeRead
from app.place.schemas import EstateRead

router = APIRouter()  # tags per route: the moved estate reads keep theirs (and so their operation ids)
READ_ERRORS = (Unauthenticated, NotFound)


@router.get(
    "/me/estates", response_model=Page[MyEstateRead], responses=problem_responses(Unauthenticated), tags=["home"]
)
async def list_my_estates(session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> Page[MyEstateRead]:
    """The estates where the caller is bound as an owner (real-name verified against its register) or acts through
    a grant in force (legal representative, guardian, proxy …), by name; one page holds them all."""
    found = await service.my_estates(session, principal, now=clock())
    return Page(items=[MyEstateRead.of(item) for item in found])


@router.get(
    "/me/votes",
    response_model=MyVotesPage,
    responses=problem_responses(Unauthenticated, InvalidCursor),
    tags=["home"],
)
async def list_my_votes(
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    page: PageQuery,
    state: Annotated[service.HomeState | None, Query(description="upcoming, open or closed; all if absent")] = None,
) -> MyVotesPage:
    """The published votes of the caller's estates whose roll holds a group the caller is in or acts for, each with
    those groups and whether each has voted (never how); filter by ``state``, page with ``cursor``."""
    now = clock()
    found, next_cursor = await service.my_votes(
        session, principal, state=state, cursor=page.cursor, limit=page.limit, now=now
    )
    return MyVotesPage(items=[MyVoteRead.of(item, now) for item in found], next_cursor=next_cursor)


@router.get(
    "/estates/{estate_id}", response_model=EstateRead, responses=problem_responses(*READ_ERRORS), tags=["places"]
)
async def get_estate(estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> EstateRead:
    """One estate, for anyone with a role on it, its owners and those acting in it through a grant in force."""
    return EstateRead.model_validate(await service.read_estate(session, principal, estate_id, now=clock()))


@router.get("/estates/{estate_id}/notices", responses=problem_responses(*READ_ERRORS, InvalidCursor), tags=["notices"])
async def list_estate_notices(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal, page: PageQuery, clock: Clock
) -> Page[NoticeRead]:
    """The estate's notices, newest first: all of them for anyone with a role on it (observers included, R-SUP-2);
    the owners' notices for its owners and those acting in it through a grant in force; 404 for anyone else."""
    rows, next_cursor = await service.estate_notices(
        session, principal, estate_id, cursor=page.cursor, limit=page.limit, now=clock()
    )
    return Page(items=[NoticeRead.of(row) for row in rows], next_cursor=next_cursor)
