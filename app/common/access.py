"""Who is calling, and what they may do where: roles scoped to places.

A principal holds scoped roles (from its account's role grants, or from an API key). Every check asks for
a role on a particular place; a place the principal has no role on is answered with 404, so its existence
is not disclosed. A verified account is also an owner (``owner_id``) and acts for voter groups through
``app.grant``. The checks that need the place hierarchy from the database are in ``app.place.access``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from app.common.errors import Forbidden
from app.errors import NotFound, Text
from app.rules import labels


class Role(StrEnum):
    """Staff roles; every account is also an owner's account once verified (R-CAST-1)."""

    ADMIN = "ADMIN"  # platform operator (the housing commission): every place
    STREET_OFFICE = "STREET_OFFICE"  # supervisor of the estates of one street office (R-SUP-1)
    COMMITTEE = "COMMITTEE"  # organiser of one estate: 业委会, 物管会, preparatory group (R-LIFE-1)
    OBSERVER = "OBSERVER"  # residents' committee of one community: read-only (R-SUP-2)
    AUDITOR = "AUDITOR"  # reads and exports one assigned estate


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
            raise Forbidden(
                reason=Text(
                    "需要以下角色之一：" + "、".join(labels.ROLES[role] for role in roles),
                    "requires role " + " / ".join(role.value for role in roles),
                )
            )

    def street_office_ids(self) -> set[uuid.UUID]:
        return {s.street_office_id for s in self.scopes if s.role is Role.STREET_OFFICE and s.street_office_id}


@dataclass(frozen=True, slots=True)
class EstatePlace:
    estate_id: uuid.UUID
    community_id: uuid.UUID
    street_office_id: uuid.UUID


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


def acting_role(principal: Principal, place: EstatePlace) -> str:
    """The role and place a public-law act on this estate is logged under: ``COMMITTEE@<estate id>``,
    ``AUDITOR@<estate id>``, ``STREET_OFFICE@<street office id>``, ``OBSERVER@<community id>`` or ``ADMIN``, the
    most local role the principal holds here. Never an account id or an API key's name: who exactly acted is
    recorded apart, in a restricted ``identity.act.recorded`` entry (PIPL; R-PUB-1 makes the act public)."""
    roles = roles_on(principal, place)
    for role, place_id in (
        (Role.COMMITTEE, place.estate_id),
        (Role.AUDITOR, place.estate_id),
        (Role.STREET_OFFICE, place.street_office_id),
        (Role.OBSERVER, place.community_id),
    ):
        if role in roles:
            return f"{role.value}@{place_id}"
    if Role.ADMIN in roles:
        return Role.ADMIN.value
    raise NotFound(what="estate")


def ensure_can_manage_street_office(principal: Principal, street_office_id: uuid.UUID) -> None:
    if not (principal.is_admin or street_office_id in principal.street_office_ids()):
        raise NotFound(what="street office")
