"""Credentials to principals: API keys and accounts, each with their place-scoped roles."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, Role, Scope
from app.common.errors import Unauthenticated
from app.identity.errors import ScopeInvalid
from app.identity.models import ROLE_SCOPE, SCOPE_COLUMNS, Account, ApiKey, RoleGrant
from app.identity.tokens import TokenService
from app.place import repository as place_repository

KEY_PREFIX = "evk_"


class TokenHasher:
    """HMAC-SHA256 of opaque bearer secrets: the database holds hashes, never usable secrets."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()


async def validate_scope(session: AsyncSession, scope: Scope) -> None:
    """The scope names exactly the place column its role needs, and that place exists."""
    wanted = ROLE_SCOPE[scope.role]
    present = {name for name in SCOPE_COLUMNS if getattr(scope, name) is not None}
    if present != ({wanted} if wanted else set()):
        raise ScopeInvalid(role=scope.role.value)
    if scope.street_office_id is not None:
        await place_repository.get_street_office(session, scope.street_office_id)
    if scope.community_id is not None:
        await place_repository.get_community(session, scope.community_id)
    if scope.estate_id is not None:
        await place_repository.get_estate(session, scope.estate_id)


async def issue_api_key(session: AsyncSession, *, name: str, scope: Scope, hasher: TokenHasher) -> tuple[ApiKey, str]:
    """Create a key; the secret is returned once and only its hash is stored."""
    await validate_scope(session, scope)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        name=name,
        role=scope.role,
        street_office_id=scope.street_office_id,
        community_id=scope.community_id,
        estate_id=scope.estate_id,
        token_hash=hasher.hash(secret),
        prefix=secret[:10],
    )
    session.add(api_key)
    await session.flush()
    return api_key, secret


def scope_of(row: ApiKey | RoleGrant) -> Scope:
    return Scope(row.role, row.street_office_id, row.community_id, row.estate_id)


async def authenticate_api_key(session: AsyncSession, secret: str, *, hasher: TokenHasher) -> Principal | None:
    row = await session.scalar(
        select(ApiKey).where(ApiKey.token_hash == hasher.hash(secret), ApiKey.revoked_at.is_(None))
    )
    if row is None:
        return None
    return Principal(subject=f"apikey:{row.id}", name=row.name, scopes=(scope_of(row),))


async def principal_for_account(session: AsyncSession, account_id: uuid.UUID) -> Principal | None:
    """The principal of an enabled account: its live role grants, and its owner identity if verified."""
    rows = (await session.execute(_ACCOUNT_WITH_GRANTS, {"account_id": account_id})).all()
    if not rows or rows[0].disabled_at is not None:
        return None
    account = rows[0]
    return Principal(
        subject=f"account:{account.id}",
        name=account.display_name or f"account {account.phone_last4}",
        scopes=tuple(
            Scope(row.role, row.street_office_id, row.community_id, row.estate_id)
            for row in rows
            if row.role is not None
        ),
        account_id=account.id,
        owner_id=account.owner_id,
    )


@dataclass(frozen=True, slots=True)
class CredentialAuthenticator:
    """A bearer credential to its principal: an API key (``evk_…``) or an access token (JWT) of an enabled account.

    Built at start-up (``app.main.attach_state``) and reached by ``app.http.deps.CurrentPrincipal``.
    """

    hasher: TokenHasher
    tokens: TokenService

    async def __call__(self, session: AsyncSession, credential: str, *, now: datetime) -> Principal | None:
        if credential.startswith(KEY_PREFIX):
            return await authenticate_api_key(session, credential, hasher=self.hasher)
        claims = self.tokens.verify_access(credential, now=now)
        return await principal_for_account(session, _account_id(claims.subject))

    def account_of(self, credential: str, *, now: datetime) -> uuid.UUID | None:
        """The account an access token names, its signature and times checked (``InvalidAccessToken``
        otherwise); None for an API key. The account's state is still to be read (``principal_for_account``)."""
        if credential.startswith(KEY_PREFIX):
            return None
        return _account_id(self.tokens.access_subject(credential, now=now))


def _account_id(subject: str) -> uuid.UUID:
    try:
        return uuid.UUID(subject)
    except ValueError as exc:
        raise Unauthenticated() from exc


_ACCOUNT_WITH_GRANTS = (
    select(
        Account.id, Account.disabled_at, Account.display_name, Account.phone_last4, Account.owner_id,
        RoleGrant.role, RoleGrant.street_office_id, RoleGrant.community_id, RoleGrant.estate_id,
    )
    .outerjoin(RoleGrant, (RoleGrant.account_id == Account.id) & RoleGrant.revoked_at.is_(None))
    .where(Account.id == bindparam("account_id"))
)  # fmt: skip
"""The account and its live grants in one round trip, as plain rows: it runs on every request, built once."""


OPERATOR = Principal(subject="operator:cli", name="cli", scopes=(Scope(Role.ADMIN),))
"""The command line acts as the operator: whoever can run it already reaches the database."""
