"""Creating an estate with its developer (R-HEAD-4); listed with the places, whose tag names its operation id."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import CipherDep, CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.place.errors import DeveloperIdentifierRequired, PlaceNameTaken
from app.place.schemas import EstateRead
from app.register import estates
from app.register.estate_schemas import EstateCreate, EstateUpdate

router = APIRouter(tags=["places"])
AUTH_ERRORS = (Unauthenticated, Forbidden)


@router.post(
    "/estates",
    status_code=status.HTTP_201_CREATED,
    response_model=EstateRead,
    responses=problem_responses(*AUTH_ERRORS, NotFound, PlaceNameTaken, DeveloperIdentifierRequired),
)
async def create_estate(
    body: EstateCreate, session: SessionDep, principal: CurrentPrincipal, cipher: CipherDep
) -> EstateRead:
    """Create an estate (物业管理区域) in a community (operators, or the community's street office); a name the
    community already has is a 409 carrying the existing estate's `existing_id`."""
    estate = await estates.create_estate(session, principal, body, cipher=cipher)
    return EstateRead.model_validate(estate)


@router.patch(
    "/estates/{estate_id}",
    response_model=EstateRead,
    responses=problem_responses(*AUTH_ERRORS, NotFound, PlaceNameTaken, DeveloperIdentifierRequired),
)
async def update_estate(
    estate_id: uuid.UUID, body: EstateUpdate, session: SessionDep, principal: CurrentPrincipal, cipher: CipherDep
) -> EstateRead:
    """Correct an estate's name or address, move it to another community, or record its developer (name and
    credit code together) — operators, or the street office of its jurisdiction; logged (`place.updated`)."""
    estate = await estates.update_estate(session, principal, estate_id, body, cipher=cipher)
    return EstateRead.model_validate(estate)
