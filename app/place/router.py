from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.common.errors import Conflict, Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound, Noun
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.place import schemas, service
from app.place.errors import (
    DistrictCodeUnknown,
    DistrictNameMismatch,
    PlaceMergeConflict,
    PlaceMergeInvalid,
    PlaceNameTaken,
)

router = APIRouter(tags=["places"])
AUTH_ERRORS = (Unauthenticated, Forbidden)


@router.post(
    "/districts",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.DistrictRead,
    responses=problem_responses(*AUTH_ERRORS, PlaceNameTaken, DistrictCodeUnknown, DistrictNameMismatch),
)
async def create_district(
    body: schemas.DistrictCreate, session: SessionDep, principal: CurrentPrincipal
) -> schemas.DistrictRead:
    """Create a Beijing district by its GB/T 2260 code, the name agreeing with the code (operators only); one that
    exists is a 409 carrying its `existing_id`."""
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
    """Create a street office or township government (operators only); a name its district already has is a 409
    carrying the existing one's `existing_id`."""
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
    """Create a community under a street office (operators, or that street office); a name the street office
    already has is a 409 carrying the existing one's `existing_id`."""
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


@router.patch(
    "/street-offices/{street_office_id}",
    response_model=schemas.StreetOfficeRead,
    responses=problem_responses(*AUTH_ERRORS, NotFound, PlaceNameTaken),
)
async def update_street_office(
    street_office_id: uuid.UUID, body: schemas.StreetOfficeUpdate, session: SessionDep, principal: CurrentPrincipal
) -> schemas.StreetOfficeRead:
    """Rename a street office (operators, or that street office) or move it to another district (operators);
    logged (`place.updated`)."""
    office = await service.update_street_office(session, principal, street_office_id, body)
    return schemas.StreetOfficeRead.model_validate(office)


@router.patch(
    "/communities/{community_id}",
    response_model=schemas.CommunityRead,
    responses=problem_responses(*AUTH_ERRORS, NotFound, PlaceNameTaken),
)
async def update_community(
    community_id: uuid.UUID, body: schemas.CommunityUpdate, session: SessionDep, principal: CurrentPrincipal
) -> schemas.CommunityRead:
    """Rename a community or move it under another street office (operators, or the street office of its
    jurisdiction, holding the target's too); logged (`place.updated`)."""
    community = await service.update_community(session, principal, community_id, body)
    return schemas.CommunityRead.model_validate(community)


MERGE_ERRORS = (*AUTH_ERRORS, NotFound, PlaceMergeInvalid, PlaceMergeConflict, Conflict)


async def _merge(
    kind: Noun, place_id: uuid.UUID, body: schemas.PlaceMerge, session: SessionDep, principal: CurrentPrincipal
) -> schemas.PlaceMergeRead:
    kept, moved = await service.merge_places(session, principal, kind, place_id, body.into_id)
    return schemas.PlaceMergeRead(kept_id=kept.id, retired_id=place_id, moved=moved)


@router.post(
    "/districts/{district_id}/merge", response_model=schemas.PlaceMergeRead, responses=problem_responses(*MERGE_ERRORS)
)
async def merge_district(
    district_id: uuid.UUID, body: schemas.PlaceMerge, session: SessionDep, principal: CurrentPrincipal
) -> schemas.PlaceMergeRead:
    """Merge a duplicate district into `into_id` (operators only): its street offices move, it is retired; logged
    (`place.merged`)."""
    return await _merge("district", district_id, body, session, principal)


@router.post(
    "/street-offices/{street_office_id}/merge",
    response_model=schemas.PlaceMergeRead,
    responses=problem_responses(*MERGE_ERRORS),
)
async def merge_street_office(
    street_office_id: uuid.UUID, body: schemas.PlaceMerge, session: SessionDep, principal: CurrentPrincipal
) -> schemas.PlaceMergeRead:
    """Merge a duplicate street office into `into_id` (operators only): its communities and its staff roles move,
    it is retired; logged (`place.merged`)."""
    return await _merge("street office", street_office_id, body, session, principal)


@router.post(
    "/communities/{community_id}/merge",
    response_model=schemas.PlaceMergeRead,
    responses=problem_responses(*MERGE_ERRORS),
)
async def merge_community(
    community_id: uuid.UUID, body: schemas.PlaceMerge, session: SessionDep, principal: CurrentPrincipal
) -> schemas.PlaceMergeRead:
    """Merge a duplicate community into `into_id` (operators only): its estates and its observers' roles move, it
    is retired; logged (`place.merged`)."""
    return await _merge("community", community_id, body, session, principal)
