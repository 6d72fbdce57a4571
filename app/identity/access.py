"""Who is calling, and what they may do where: roles scoped to places.

A principal holds scoped roles (from its account's role grants, or from an API key). Every check asks for
a role on a particular place; a place the principal has no role on is answered with 404, so its existence
is not disclosed. A verified account is also an owner (``owner_id``) and acts for voter groups through
``app.grant``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.http.errors import Forbidden
from app.identity.models import Role
from app.place.models import Community, Estate

MANAGING_ROLES = frozenset({Role.ADMIN, Role.STREET_OFFICE, Role.COMMITTEE})


@dataclass(frozen=True, slots=True)
class Scope:
    """One role on one place (no place for ADMIN)."""

    role: Role
    street_office_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    estate_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # "account:<id>" or "apikey:<id>"
    name: str
    scopes: tuple[Scope, ...] = ()
    account_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None  # the register identity a verified account belongs to

    @property
    def label(self) -> str:
        """Who did it, for records: ``account:<id>`` or ``apikey:<name>``."""
        return self.subject if self.account_id is not None else f"apikey:{self.name}"

    @property
    def is_admin(self) -> bool:
        return any(scope.role is Role.ADMIN for scope in self.scopes)

    def has_role(self, *roles: Role) -> bool:
        return any(scope.role in roles for scope in self.scopes)

    def require(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            raise Forbidden(reason="requires role " + " / ".join(role.value for role in roles))

    def street_office_ids(self) -> set[uuid.UUID]:
        return {s.street_office_id for s in self.scopes if s.role is Role.STREET_OFFICE and s.street_office_id}


@dataclass(frozen=True, slots=True)
class EstatePlace:
    estate_id: uuid.UUID
    community_id: uuid.UUID
    street_office_id: uuid.UUID


async def estate_place(session: AsyncSession, estate_id: uuid.UUID) -> EstatePlace | None:
    row = (
        await session.execute(
            select(Estate.id, Estate.community_id, Community.street_office_id)
            .join(Community, Community.id == Estate.community_id)
            .where(Estate.id == estate_id)
        )
    ).one_or_none()
    return EstatePlace(*row) if row is not None else None


def roles_on(principal: Principal, place: EstatePlace) -> frozenset[Role]:
    """The roles ``principal`` holds on this estate, whichever place each grant is scoped to."""
    roles: set[Role] = set()
    for scope in principal.scopes:
        if (
            scope.role is Role.ADMIN
            or (scope.role is Role.STREET_OFFICE and scope.street_office_id == place.street_office_id)
            or (scope.role is Role.OBSERVER and scope.community_id == place.community_id)
            or (scope.role in (Role.COMMITTEE, Role.AUDITOR) and scope.estate_id == place.estate_id)
        ):
            roles.add(scope.role)
    return frozenset(roles)


async def estate_roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    """Roles on the estate; 404 when the estate does not exist or the principal has none there."""
    place = await estate_place(session, estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    if not roles:
        raise NotFound(what="estate")
    return roles


async def ensure_can_read_estate(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    return await estate_roles(session, principal, estate_id)


async def ensure_can_manage_estate(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> None:
    """Organiser work (register import, reviews, approvals): admin, the estate's street office or committee.

    Observers and auditors see the estate, so they get 403; anyone else gets 404.
    """
    if not (await estate_roles(session, principal, estate_id)) & MANAGING_ROLES:
        raise Forbidden(reason="read-only role on this estate")


def ensure_can_manage_street_office(principal: Principal, street_office_id: uuid.UUID) -> None:
    if not (principal.is_admin or street_office_id in principal.street_office_ids()):
        raise NotFound(what="street office")


async def ensure_can_grant(session: AsyncSession, principal: Principal, scope: Scope) -> None:
    """Operators grant any role; a street office grants committee, auditor and observer roles in its jurisdiction."""
    if principal.is_admin:
        return
    if not principal.has_role(Role.STREET_OFFICE) or scope.role in (Role.ADMIN, Role.STREET_OFFICE):
        raise Forbidden(reason="a street office grants committee, auditor and observer roles only")
    street_office_id: uuid.UUID | None = None
    if scope.estate_id is not None:
        place = await estate_place(session, scope.estate_id)
        street_office_id = place.street_office_id if place else None
    elif scope.community_id is not None:
        community = await session.get(Community, scope.community_id)
        street_office_id = community.street_office_id if community else None
    if street_office_id is None or street_office_id not in principal.street_office_ids():
        raise NotFound(what="place")
