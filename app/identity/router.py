from __future__ import annotations

from fastapi import APIRouter, status

from app.common.access import Scope
from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.identity import service
from app.identity.deps import TokenHasherDep
from app.identity.errors import ScopeInvalid
from app.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from app.place.access import ensure_can_grant

router = APIRouter(tags=["identity"])


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(Unauthenticated, Forbidden, NotFound, ScopeInvalid),
)
async def create_api_key(
    body: ApiKeyCreate, session: SessionDep, principal: CurrentPrincipal, hasher: TokenHasherDep
) -> ApiKeyCreated:
    """Issue a service API key with one scoped role (shown once, stored only as a hash)."""
    scope = Scope(body.role, body.street_office_id, body.community_id, body.estate_id)
    await ensure_can_grant(session, principal, scope)
    api_key, secret = await service.issue_api_key(session, name=body.name, scope=scope, hasher=hasher)
    return ApiKeyCreated(**ApiKeyRead.model_validate(api_key).model_dump(), secret=secret)
