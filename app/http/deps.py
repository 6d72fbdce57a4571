"""Typed dependencies: one database transaction per request, the clock, and the calling principal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.http.errors import Unauthenticated
from app.identity import service as identity_service
from app.identity.access import Principal
from app.identity.service import KEY_PREFIX
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
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_clock(request: Request) -> Callable[[], datetime]:
    """The time source: injected so tests and the rules never read the wall clock themselves."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock


Clock = Annotated[Callable[[], datetime], Depends(get_clock)]


def bearer_credential(request: Request) -> str:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthenticated()
    return credential.strip()


async def get_principal(request: Request, session: SessionDep, clock: Clock) -> Principal:
    """An API key (``evk_…``) or an access token (JWT) of an enabled account."""
    credential = bearer_credential(request)
    principal: Principal | None
    if credential.startswith(KEY_PREFIX):
        principal = await identity_service.authenticate_api_key(
            session, credential, hasher=request.app.state.token_hasher
        )
    else:
        claims = request.app.state.tokens.verify_access(credential, now=clock())
        principal = await identity_service.principal_for_account(session, _account_id(claims.subject))
    if principal is None:
        raise Unauthenticated()
    return principal


def _account_id(subject: str) -> uuid.UUID:
    try:
        return uuid.UUID(subject)
    except ValueError as exc:
        raise Unauthenticated() from exc


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
