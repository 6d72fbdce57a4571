"""Sign-in, tokens, ``/me`` and staff accounts.

Refusals that must be committed (a wrong code's attempt, a reused refresh token's revoked family) come back
from the service as ``Refused`` and are *returned* here as problem responses: raising would roll the request
transaction back and undo them.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from app.common.errors import Forbidden, InvalidCursor, TooManyRequests, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import CipherDep, Clock, CurrentPrincipal, SessionDep
from app.http.problems import problem_response, problem_responses
from app.identity import accounts, auth_service
from app.identity.auth_errors import (
    AccountDisabled,
    AccountRequired,
    CodeInvalid,
    PhoneInvalid,
    RateLimited,
    RefreshInvalid,
    RefreshReused,
    RoleExists,
    SmsUnavailable,
)
from app.identity.auth_schemas import (
    AccountSummary,
    CodeRequest,
    CodeRequested,
    Jwks,
    LoginRequest,
    MeRead,
    RefreshRequest,
    RoleScopeRead,
    StaffAccountRead,
    StaffCreate,
    StaffGrantRead,
    TokenPair,
)
from app.identity.deps import CodeSenderDep, TokenHasherDep, TokensDep
from app.identity.errors import ScopeInvalid
from app.identity.models import Account, RoleGrant
from app.identity.phone import mask_phone
from app.identity.senders import CodeSender
from app.identity.tokens import AccessTokenExpired, InvalidAccessToken

router = APIRouter(tags=["auth"])
AUTH_ERRORS = (Unauthenticated, InvalidAccessToken, AccessTokenExpired)
STAFF_ERRORS = (*AUTH_ERRORS, Forbidden, NotFound)
JWKS_MAX_AGE = 300


async def deliver_code(sender: CodeSender, phone: str, code: str, *, purpose: str) -> None:
    """Runs after the response, hence after the commit: a failed delivery is logged, the user may resend."""
    # The sender logged the failure (without the number); the client asks again after ``resend_after``.
    with contextlib.suppress(SmsUnavailable):
        await sender.send(phone, code, purpose=purpose)


@router.post(
    "/auth/codes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CodeRequested,
    responses=problem_responses(PhoneInvalid, RateLimited),
)
async def request_code(
    body: CodeRequest,
    session: SessionDep,
    clock: Clock,
    request: Request,
    background: BackgroundTasks,
    cipher: CipherDep,
    hasher: TokenHasherDep,
    code_sender: CodeSenderDep,
) -> CodeRequested | Response:
    """Send a one-time login code by SMS. The answer never says whether the number has an account."""
    try:
        issued = await auth_service.request_code(session, body.phone, cipher=cipher, hasher=hasher, now=clock())
    except RateLimited as exc:  # nothing was written; returned only to add the Retry-After header
        return problem_response(exc, request, headers={"Retry-After": str(exc.params["retry_after"])})
    background.add_task(deliver_code, code_sender, issued.phone, issued.code, purpose=auth_service.LOGIN_PURPOSE)
    return CodeRequested(expires_in=issued.expires_in, resend_after=issued.resend_after)


def _token_pair(signed_in: auth_service.SignedIn) -> TokenPair:
    account = signed_in.account
    return TokenPair(
        access_token=signed_in.access.token,
        expires_in=signed_in.access_expires_in,
        refresh_token=signed_in.refresh_token,
        refresh_expires_in=signed_in.refresh_expires_in,
        account=AccountSummary(
            id=account.id, phone=mask_phone(account.phone_last4), verified=account.verified_at is not None
        ),
    )


def _render(outcome: auth_service.SignedIn | auth_service.Refused, request: Request) -> TokenPair | JSONResponse:
    if isinstance(outcome, auth_service.Refused):
        return problem_response(outcome.error, request)
    return _token_pair(outcome)


@router.post(
    "/auth/login",
    response_model=TokenPair,
    responses=problem_responses(PhoneInvalid, CodeInvalid, AccountDisabled),
)
async def login(
    body: LoginRequest,
    session: SessionDep,
    clock: Clock,
    request: Request,
    cipher: CipherDep,
    hasher: TokenHasherDep,
    tokens: TokensDep,
) -> TokenPair | Response:
    """Sign in with the code; creates the account on first sign-in. Returns an access and a refresh token."""
    outcome = await auth_service.login(
        session,
        body.phone,
        body.code,
        cipher=cipher,
        hasher=hasher,
        tokens=tokens,
        now=clock(),
    )
    return _render(outcome, request)


@router.post(
    "/auth/refresh",
    response_model=TokenPair,
    responses=problem_responses(RefreshInvalid, RefreshReused, AccountDisabled),
)
async def refresh(
    body: RefreshRequest, session: SessionDep, clock: Clock, request: Request, hasher: TokenHasherDep, tokens: TokensDep
) -> TokenPair | Response:
    """Exchange a refresh token for a new pair; each works once, but a retry within 30 s gets the same next token
    (docs/security.md); later reuse revokes the sign-in."""
    outcome = await auth_service.refresh(session, body.refresh_token, hasher=hasher, tokens=tokens, now=clock())
    return _render(outcome, request)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, session: SessionDep, clock: Clock, hasher: TokenHasherDep) -> None:
    """Revoke the sign-in a refresh token belongs to (idempotent; unknown tokens are accepted too)."""
    await auth_service.logout(session, body.refresh_token, hasher=hasher, now=clock())


@router.get("/auth/jwks", response_model=Jwks)
async def jwks(response: Response, tokens: TokensDep) -> Jwks:
    """Public keys that verify access tokens (RFC 7517 JWK Set; current key first)."""
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return Jwks.model_validate(tokens.keys.jwks())


@router.get("/me", response_model=MeRead, responses=problem_responses(*AUTH_ERRORS, AccountRequired))
async def me(session: SessionDep, principal: CurrentPrincipal) -> MeRead:
    """The signed-in account: masked number, verification status and staff roles."""
    result = await auth_service.me(session, principal)
    account = result.account
    return MeRead(
        id=account.id,
        phone=mask_phone(account.phone_last4),
        display_name=account.display_name,
        verified=account.verified_at is not None,
        verified_at=account.verified_at,
        verification_method=account.verification_method,
        roles=[RoleScopeRead.model_validate(scope) for scope in result.roles],
    )


def _grant_read(grant: RoleGrant, account: Account, *, display_name: str | None) -> StaffGrantRead:
    return StaffGrantRead(
        id=grant.id,
        account=StaffAccountRead(id=account.id, phone=mask_phone(account.phone_last4), display_name=display_name),
        role=grant.role,
        street_office_id=grant.street_office_id,
        community_id=grant.community_id,
        estate_id=grant.estate_id,
        granted_by=grant.granted_by,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
        revoked_by=grant.revoked_by,
    )


@router.post(
    "/staff",
    status_code=status.HTTP_201_CREATED,
    response_model=StaffGrantRead,
    responses=problem_responses(*STAFF_ERRORS, PhoneInvalid, ScopeInvalid, RoleExists, TooManyRequests),
)
async def grant_staff_role(
    body: StaffCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock, cipher: CipherDep
) -> StaffGrantRead:
    """Give the holder of a mobile number a scoped staff role (operator: any; street office: its places).

    The account is created if the number is new; an existing account keeps its display name if it has one. The
    answer shows the display name submitted, never a stored one: it is the same whether or not the number had an
    account.
    """
    grant, account = await accounts.grant_role(session, principal, body, cipher=cipher, now=clock())
    return _grant_read(grant, account, display_name=body.display_name)


@router.get("/staff", responses=problem_responses(*STAFF_ERRORS, InvalidCursor))
async def list_staff_grants(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    estate_id: Annotated[uuid.UUID | None, Query(description="Grants that reach this estate")] = None,
    street_office_id: Annotated[uuid.UUID | None, Query(description="Grants inside this street office")] = None,
    include_revoked: bool = False,
) -> Page[StaffGrantRead]:
    """Staff role grants the caller may see (operator: all; street office: its jurisdiction)."""
    rows, next_cursor = await accounts.list_grants(
        session,
        principal,
        estate_id=estate_id,
        street_office_id=street_office_id,
        include_revoked=include_revoked,
        cursor=page.cursor,
        limit=page.limit,
    )
    items = [_grant_read(grant, account, display_name=account.display_name) for grant, account in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.delete(
    "/staff/grants/{grant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*STAFF_ERRORS),
)
async def revoke_staff_grant(
    grant_id: Annotated[uuid.UUID, Path()], session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> None:
    """Revoke a staff role grant; it stops working on the holder's next request."""
    await accounts.revoke_grant(session, principal, grant_id, now=clock())
