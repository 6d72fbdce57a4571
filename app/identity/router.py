from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.errors import Forbidden, Unauthenticated
from app.http.problems import problem_responses
from app.identity import access, service
from app.identity.access import Scope
from app.identity.errors import ScopeInvalid
from app.identity.models import Role
from app.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.place import repository as place_repository

router = APIRouter(tags=["identity"])


async def ensure_can_grant(session: AsyncSession, principal: access.Principal, scope: Scope) -> None:
    """Operators grant any role; a street office grants committee, auditor and observer roles in its jurisdiction."""
    if principal.is_admin:
        return
    if not principal.has_role(Role.STREET_OFFICE) or scope.role in (Role.ADMIN, Role.STREET_OFFICE):
        raise Forbidden(reason="a street office grants committee, auditor and observer roles only")
    street_office_id: uuid.UUID | None = None
    if scope.estate_id is not None:
        place = await access.estate_place(session, scope.estate_id)
        street_office_id = place.street_office_id if place else None
    elif scope.community_id is not None:
        community = await place_repository.get_community(session, scope.community_id)
        street_office_id = community.street_office_id
    if street_office_id is None or street_office_id not in principal.street_office_ids():
        raise NotFound(what="place")


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(Unauthenticated, Forbidden, NotFound, ScopeInvalid),
)
async def create_api_key(
    body: ApiKeyCreate, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> ApiKeyCreated:
    """Issue a service API key with one scoped role (shown once, stored only as a hash)."""
    scope = Scope(body.role, body.street_office_id, body.community_id, body.estate_id)
    await ensure_can_grant(session, principal, scope)
    api_key, secret = await service.issue_api_key(
        session, name=body.name, scope=scope, hasher=request.app.state.token_hasher
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(api_key).model_dump(), secret=secret)
