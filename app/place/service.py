"""Creating and listing places. Services flush, never commit (one transaction per request)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, Role, ensure_can_manage_street_office
from app.common.pagination import paginate
from app.db.base import Base
from app.place import repository
from app.place.errors import DeveloperIdentifierRequired, PlaceNameTaken
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, DistrictCreate, EstateCreate, StreetOfficeCreate
from app.register import repository as register_repository
from app.register.models import OwnerKind
from app.security.pii import FieldCipher


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


async def create_estate(
    session: AsyncSession, principal: Principal, body: EstateCreate, *, cipher: FieldCipher
) -> Estate:
    community = await repository.get_community(session, body.community_id)
    ensure_can_manage_street_office(principal, community.street_office_id)
    if (body.developer_name is None) != (body.developer_credit_code is None):
        raise DeveloperIdentifierRequired()
    developer_owner_id = None
    if body.developer_credit_code is not None:
        developer = await register_repository.get_or_create_owner(
            session, kind=OwnerKind.ORGANISATION, identifier=body.developer_credit_code, cipher=cipher
        )
        developer_owner_id = developer.id
    estate = Estate(
        community_id=body.community_id,
        name=body.name,
        address=body.address,
        include_parking=body.include_parking,
        developer_name=body.developer_name,
        developer_owner_id=developer_owner_id,
    )
    await _add_unique(session, estate, kind="estate", name=body.name)
    return estate


@dataclass(frozen=True, slots=True)
class PlacedEstate:
    district: District
    street_office: StreetOffice
    community: Community
    estate: Estate


async def create_estate_in_places(
    session: AsyncSession,
    principal: Principal,
    *,
    district_code: str,
    district_name: str,
    street_office_name: str,
    community_name: str,
    estate_name: str,
    cipher: FieldCipher,
    address: str | None = None,
    include_parking: bool = False,
    developer_name: str | None = None,
    developer_credit_code: str | None = None,
) -> PlacedEstate:
    """Create an estate, and its district, street office and community where none of that code or name exists
    yet (``evote estate create``, the demo and the benchmarks)."""
    district = await session.scalar(select(District).where(District.code == district_code))
    if district is None:
        district = await create_district(session, principal, DistrictCreate(code=district_code, name=district_name))
    office = await session.scalar(
        select(StreetOffice).where(StreetOffice.district_id == district.id, StreetOffice.name == street_office_name)
    )
    if office is None:
        office = await create_street_office(
            session, principal, StreetOfficeCreate(district_id=district.id, name=street_office_name)
        )
    community = await session.scalar(
        select(Community).where(Community.street_office_id == office.id, Community.name == community_name)
    )
    if community is None:
        community = await create_community(
            session, principal, CommunityCreate(street_office_id=office.id, name=community_name)
        )
    body = EstateCreate(
        community_id=community.id, name=estate_name, address=address, include_parking=include_parking,
        developer_name=developer_name, developer_credit_code=developer_credit_code,
    )  # fmt: skip
    created = await create_estate(session, principal, body, cipher=cipher)
    return PlacedEstate(district, office, community, created)


async def list_districts(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[Sequence[District], str | None]:
    return await paginate(session, select(District), key=District.id, cursor=cursor, limit=limit)


async def list_street_offices(
    session: AsyncSession, *, district_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[StreetOffice], str | None]:
    statement = select(StreetOffice)
    if district_id is not None:
        statement = statement.where(StreetOffice.district_id == district_id)
    return await paginate(session, statement, key=StreetOffice.id, cursor=cursor, limit=limit)


async def list_communities(
    session: AsyncSession, *, street_office_id: uuid.UUID | None, cursor: str | None, limit: int
) -> tuple[Sequence[Community], str | None]:
    statement = select(Community)
    if street_office_id is not None:
        statement = statement.where(Community.street_office_id == street_office_id)
    return await paginate(session, statement, key=Community.id, cursor=cursor, limit=limit)


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
