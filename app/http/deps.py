"""Typed dependencies: one database transaction per request, the settings, the clock, the field cipher and the
calling principal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal
from app.common.errors import Unauthenticated
from app.security.pii import FieldCipher
from app.settings import Settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed before the response is sent (``scope="function"``).

    Services flush but never commit; a commit that fails becomes a problem response, never a 2xx.
    """
    async with request.app.state.sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# Dependencies that do no I/O are still ``async def``: FastAPI runs plain functions in a thread pool, and the
# hand-off to a thread and back cost more than the whole ballot's SQL on the casting path.
def from_app_state(attribute: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency answering ``app.state.<attribute>``, a service built once at start-up (``app.main``)."""

    async def dependency(request: Request) -> Any:
        return getattr(request.app.state, attribute)

    dependency.__name__ = f"get_{attribute}"
    return dependency


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_clock(request: Request) -> Callable[[], datetime]:
    """The time source: injected so tests and the rules never read the wall clock themselves."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


Clock = Annotated[Callable[[], datetime], Depends(get_clock)]


class Authenticator(Protocol):
    """Resolves a bearer credential to the calling principal (``app.identity.service.CredentialAuthenticator``).

    Built at start-up and kept on ``app.state.authenticator``, so the HTTP layer does not depend on the identity
    package that implements it.
    """

    async def __call__(self, session: AsyncSession, credential: str, *, now: datetime) -> Principal | None: ...

    def account_of(self, credential: str, *, now: datetime) -> uuid.UUID | None: ...


CipherDep = Annotated[FieldCipher, Depends(from_app_state("cipher"))]


#: Documentation of the two credentials ``get_principal`` accepts, both sent as ``Authorization: Bearer …``; they
#: give every authenticated operation its OpenAPI ``security`` (either one) and Swagger UI its Authorize button.
#: The header itself is read by ``bearer_credential``: these never refuse a request on their own.
ACCESS_TOKEN_SCHEME = HTTPBearer(
    scheme_name="AccessToken",
    bearerFormat="JWT",
    description="An owner's or staff member's access token from `POST /api/v1/auth/login` or `/auth/refresh`.",
    auto_error=False,
)
STAFF_API_KEY_SCHEME = HTTPBearer(
    scheme_name="StaffApiKey",
    bearerFormat="evk_…",
    description="A staff API key (`evk_…`) from `evote apikey create`, scoped to one role and place.",
    auto_error=False,
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(ACCESS_TOKEN_SCHEME)]
StaffCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(STAFF_API_KEY_SCHEME)]


def bearer_credential(request: Request) -> str:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthenticated()
    return credential.strip()


async def get_principal(
    request: Request,
    session: SessionDep,
    clock: Clock,
    authenticator: Annotated[Authenticator, Depends(from_app_state("authenticator"))],
    _access_token: Credentials,
    _staff_api_key: StaffCredentials,
) -> Principal:
    """An API key (``evk_…``) or an access token (JWT) of an enabled account."""
    principal = await authenticator(session, bearer_credential(request), now=clock())
    if principal is None:
        raise Unauthenticated()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True, slots=True)
class Caller:
    """A bearer credential checked as far as it can be without the database, for a route that opens its own
    transaction and reads the account's state there (the cast path, ``app.ballot.router``)."""

    credential: str
    account_id: uuid.UUID | None
    """The access token's account (its enabled state not yet read); None for an API key."""
    now: datetime


async def get_caller(
    request: Request,
    _access_token: Credentials,
    _staff_api_key: StaffCredentials,
) -> Caller:
    """``get_principal`` without its round trip: an invalid token is refused here, the account is read later."""
    state = request.app.state
    credential = bearer_credential(request)
    now: datetime = state.clock()
    return Caller(credential, state.authenticator.account_of(credential, now=now), now)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
AUTHENTICATING = frozenset({get_principal, get_caller})
"""Dependencies that authenticate the request (``app.http.contract`` declares their problems)."""
TRANSACTIONAL = frozenset({get_session, get_caller})
"""Dependencies whose route runs a database transaction."""
