"""API keys: issue, authenticate, and decide what a principal may see."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.http.errors import Forbidden
from app.identity.errors import ScopeInvalid
from app.identity.models import ApiKey, Role
from app.place import repository as place_repository

KEY_PREFIX = "evk_"


class TokenHasher:
    """HMAC-SHA256 of opaque bearer secrets: the database holds hashes, never usable keys."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, token: str) -> str:
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    name: str
    role: Role
    street_office_id: uuid.UUID | None = None
    estate_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        return f"{self.role.value.lower()}:{self.name}"

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(reason="role " + self.role.value)


async def issue_api_key(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    street_office_id: uuid.UUID | None,
    estate_id: uuid.UUID | None,
    hasher: TokenHasher,
) -> tuple[ApiKey, str]:
    """Create a key; the secret is returned once and only its hash is stored."""
    expected_scope = {
        Role.ADMIN: (False, False),
        Role.STREET_OFFICE: (True, False),
        Role.COMMITTEE: (False, True),
    }
    if expected_scope[role] != (street_office_id is not None, estate_id is not None):
        raise ScopeInvalid(role=role.value)
    if street_office_id is not None:
        await place_repository.get_street_office(session, street_office_id)
    if estate_id is not None:
        await place_repository.get_estate(session, estate_id)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(
        name=name,
        role=role,
        street_office_id=street_office_id,
        estate_id=estate_id,
        token_hash=hasher.hash(secret),
        prefix=secret[:10],
    )
    session.add(api_key)
    await session.flush()
    return api_key, secret


async def authenticate_api_key(session: AsyncSession, secret: str, *, hasher: TokenHasher) -> Principal | None:
    row = await session.scalar(
        select(ApiKey).where(ApiKey.token_hash == hasher.hash(secret), ApiKey.revoked_at.is_(None))
    )
    if row is None:
        return None
    return Principal(row.id, row.name, row.role, row.street_office_id, row.estate_id)


async def ensure_can_read_estate(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> None:
    """Admins see every estate, a street office the estates of its jurisdiction, a committee its own estate."""
    estate = await place_repository.get_estate(session, estate_id)
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.COMMITTEE and principal.estate_id == estate.id:
        return
    if principal.role is Role.STREET_OFFICE:
        street_office_id = await place_repository.street_office_of_estate(session, estate.id)
        if street_office_id == principal.street_office_id:
            return
    raise Forbidden(reason="estate outside your jurisdiction")


async def ensure_can_manage_register(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> None:
    """The register is imported by the estate's organiser, its street office (R-SUP-1) or an operator."""
    await ensure_can_read_estate(session, principal, estate_id)
