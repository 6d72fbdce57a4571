"""Creating and listing places. Services flush, never commit (one transaction per request)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.common.access import Principal, Role, ensure_can_manage_street_office
from app.common.pagination import paginate
from app.db.base import Base
from app.place import repository
from app.place.errors import PlaceNameTaken
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, DistrictCreate, StreetOfficeCreate


async def _add_unique(session: AsyncSession, row: Base, *, kind: str, name: str) -> None:
    """Insert in a savepoint so a duplicate name becomes a clear 409 without spoiling the transaction."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise PlaceNameTaken(kind=kind, name=name) from exc


async def create_district(session: AsyncSession, principal: Principal, body: DistrictCreate) -> District:
    principal.require(Role.ADMIN)
    district = District(code=body.code, name=body.name)
    await _add_unique(session, district, kind="district", name=body.code)
    return district


async def create_street_office(session: AsyncSession, principal: Principal, body: StreetOfficeCreate) -> StreetOffice:
    principal.require(Role.ADMIN)
    await repository.get_district(session, body.district_id)
    office = StreetOffice(district_id=body.district_id, name=body.name)
    await _add_unique(session, office, kind="street office", name=body.name)
    return office


async def create_community(session: AsyncSession, principal: Principal, body: CommunityCreate) -> Community:
    ensure_can_manage_street_office(principal, body.street_office_id)
    await repository.get_street_office(session, body.street_office_id)
    community = Community(street_office_id=body.street_office_id, name=body.name)
    await _add_unique(session, community, kind="community", name=body.name)
    return community


async def add_estate(session: AsyncSession, estate: Estate) -> None:
    """Insert a new estate; a name its community already has is a 409 (``PlaceNameTaken``).

    Estates are created by ``app.register.estates.create_estate``: the developer becomes an owner on the register.
    """
    await _add_unique(session, estate, kind="estate", name=estate.name)


async def list_districts(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[Sequence[District], str | None]:
    return await paginate(session, select(District), key=District.id, cursor=cursor, limit=limit)


ChildPlace = TypeVar("ChildPlace", StreetOffice, Community)


async def _places_under(
    session: AsyncSession,
    place: type[ChildPlace],
    parent: InstrumentedAttribute[uuid.UUID],
    parent_id: uuid.UUID | None,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[ChildPlace], str | None]:
    """A page of ``place`` rows: all of them, or only those whose ``parent`` is ``parent_id`` when one is given."""
    statement = select(place)
    if parent_id is not None:
        statement = statement.where(parent == parent_id)
    return await paginate(session, statement, key=place.id, cursor=cursor, limit=limit)


async def list_street_offices(
    session: AsyncSession, *, district_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[StreetOffice], str | None]:
    return await _places_under(session, StreetOffice, StreetOffice.district_id, district_id, cursor=cursor, limit=limit)


async def list_communities(
    session: AsyncSession, *, street_office_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[Community], str | None]:
    return await _places_under(
        session, Community, Community.street_office_id, street_office_id, cursor=cursor, limit=limit
    )


async def list_estates(
    session: AsyncSession,
    principal: Principal,
    *,
    community_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Estate], str | None]:
    """Estates the principal holds a role on: all (admin), its jurisdiction, its community, its estate."""
    statement = select(Estate).join(Community, Community.id == Estate.community_id)
    if community_id is not None:
        statement = statement.where(Estate.community_id == community_id)
    if not principal.is_admin:
        visible = []
        for scope in principal.scopes:
            if scope.street_office_id is not None:
                visible.append(Community.street_office_id == scope.street_office_id)
            if scope.community_id is not None:
                visible.append(Estate.community_id == scope.community_id)
            if scope.estate_id is not None:
                visible.append(Estate.id == scope.estate_id)
        statement = statement.where(or_(false(), *visible))
    return await paginate(session, statement, key=Estate.id, cursor=cursor, limit=limit)
