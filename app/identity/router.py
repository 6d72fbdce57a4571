from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.errors import NotFound
from app.http.deps import CurrentPrincipal, SessionDep
from app.http.errors import Forbidden, Unauthenticated
from app.http.problems import problem_responses
from app.identity import service
from app.identity.errors import ScopeInvalid
from app.identity.models import Role
from app.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = APIRouter(tags=["identity"])


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=problem_responses(Unauthenticated, Forbidden, NotFound, ScopeInvalid),
)
async def create_api_key(
    body: ApiKeyCreate, session: SessionDep, principal: CurrentPrincipal, request: Request
) -> ApiKeyCreated:
    """Issue a staff API key: operators issue any; a street office issues committee keys for its estates."""
    if principal.role is Role.STREET_OFFICE:
        if body.role is not Role.COMMITTEE or body.estate_id is None:
            raise Forbidden(reason="a street office issues committee keys only")
        await service.ensure_can_read_estate(session, principal, body.estate_id)
    else:
        principal.require(Role.ADMIN)
    api_key, secret = await service.issue_api_key(
        session,
        name=body.name,
        role=body.role,
        street_office_id=body.street_office_id,
        estate_id=body.estate_id,
        hasher=request.app.state.token_hasher,
    )
    return ApiKeyCreated(**ApiKeyRead.model_validate(api_key).model_dump(), secret=secret)
