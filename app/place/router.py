from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.place import schemas, service
from app.place.errors import PlaceNameTaken

router = APIRouter(tags=["places"])
AUTH_ERRORS = (Unauthenticated, Forbidden)


@router.post(
    "/districts",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DistrictRead,
    responses=problem_responses(*AUTH_ERRORS, PlaceNameTaken),
)
async def create_district(
    body: schemas.DistrictCreate, session: SessionDep, principal: CurrentPrincipal
) -> schemas.DistrictRead:
    """Create a district (operators only)."""
    return schemas.DistrictRead.model_validate(await service.create_district(session, principal, body))


@router.get("/districts", responses=problem_responses(*AUTH_ERRORS, InvalidCursor))
async def list_districts(
    session: SessionDep, principal: CurrentPrincipal, page: PageQuery
) -> Page[schemas.DistrictRead]:
    """List districts."""
    rows, next_cursor = await service.list_districts(session, cursor=page.cursor, limit=page.limit)
    return Page(items=[schemas.DistrictRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/street-offices",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.StreetOfficeRead,
    responses=problem_responses(*AUTH_ERRORS, NotFound, PlaceNameTaken),
)
async def create_street_office(
    body: schemas.StreetOfficeCreate, session: SessionDep, principal: CurrentPrincipal
) -> schemas.StreetOfficeRead:
    """Create a street office or township government (operators only)."""
    return schemas.StreetOfficeRead.model_validate(await service.create_street_office(session, principal, body))


@router.get("/street-offices", responses=problem_responses(*AUTH_ERRORS, InvalidCursor))
async def list_street_offices(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    district_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[schemas.StreetOfficeRead]:
    """List street offices, optionally of one district."""
    rows, next_cursor = await service.list_street_offices(
        session, district_id=district_id, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[schemas.StreetOfficeRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/communities",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.CommunityRead,
    responses=problem_responses(*AUTH_ERRORS, NotFound, PlaceNameTaken),
)
async def create_community(
    body: schemas.CommunityCreate, session: SessionDep, principal: CurrentPrincipal
) -> schemas.CommunityRead:
    """Create a community under a street office (operators, or that street office)."""
    return schemas.CommunityRead.model_validate(await service.create_community(session, principal, body))


@router.get("/communities", responses=problem_responses(*AUTH_ERRORS, InvalidCursor))
async def list_communities(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    street_office_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[schemas.CommunityRead]:
    """List communities, optionally of one street office."""
    rows, next_cursor = await service.list_communities(
        session, street_office_id=street_office_id, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[schemas.CommunityRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/estates", responses=problem_responses(*AUTH_ERRORS, InvalidCursor))
async def list_estates(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    community_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[schemas.EstateRead]:
    """The estates the caller may see: all, its jurisdiction, or its own."""
    rows, next_cursor = await service.list_estates(
        session, principal, community_id=community_id, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[schemas.EstateRead.model_validate(row) for row in rows], next_cursor=next_cursor)
