"""Access checks on an estate or place, resolved through the place hierarchy (estate → community → street office).

A place the principal has no role on is answered with 404, so its existence is not disclosed.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import MANAGING_ROLES, EstatePlace, Principal, Role, Scope, acting_role, roles_on
from app.common.errors import Forbidden
from app.errors import NotFound, Text
from app.place.models import Community, Estate


async def estate_place(session: AsyncSession, estate_id: uuid.UUID) -> EstatePlace | None:
    row = (
        await session.execute(
            select(Estate.id, Estate.community_id, Community.street_office_id)
            .join(Community, Community.id == Estate.community_id)
            .where(Estate.id == estate_id)
        )
    ).one_or_none()
    return EstatePlace(*row) if row is not None else None


async def estate_roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    """Roles on the estate; 404 when the estate does not exist or the principal has none there."""
    place = await estate_place(session, estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    if not roles:
        raise NotFound(what="estate")
    return roles


async def acting_as(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> str:
    """``app.common.access.acting_role`` on the estate: what a public-law act's entry names instead of the account."""
    place = await estate_place(session, estate_id)
    if place is None:
        raise NotFound(what="estate")
    return acting_role(principal, place)


async def ensure_can_read_estate(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    return await estate_roles(session, principal, estate_id)


async def ensure_can_manage_estate(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> None:
    """Organiser work (register import, reviews, approvals): admin, the estate's street office or committee.

    Observers and auditors see the estate, so they get 403; anyone else gets 404.
    """
    if not (await estate_roles(session, principal, estate_id)) & MANAGING_ROLES:
        raise Forbidden(reason=Text("您在本小区的角色只能查看，不能修改", "read-only role on this estate"))


async def ensure_can_grant(session: AsyncSession, principal: Principal, scope: Scope) -> None:
    """Operators grant any role; a street office grants committee, auditor and observer roles in its jurisdiction."""
    if principal.is_admin:
        return
    if not principal.has_role(Role.STREET_OFFICE) or scope.role in (Role.ADMIN, Role.STREET_OFFICE):
        raise Forbidden(
            reason=Text(
                "街道办事处只能授予业委会、审计和观察员角色",
                "a street office grants committee, auditor and observer roles only",
            )
        )
    street_office_id: uuid.UUID | None = None
    if scope.estate_id is not None:
        place = await estate_place(session, scope.estate_id)
        street_office_id = place.street_office_id if place else None
    elif scope.community_id is not None:
        community = await session.get(Community, scope.community_id)
        street_office_id = community.street_office_id if community else None
    if street_office_id is None or street_office_id not in principal.street_office_ids():
        raise NotFound(what="place")
