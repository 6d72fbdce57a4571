"""Creating an estate with its developer, who is an owner on the register (R-HEAD-4).

Here rather than in ``app.place`` because it writes the register; places sit below the register. Services flush,
never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, ensure_can_manage_street_office
from app.place import repository as place_repository
from app.place import service as place_service
from app.place.districts import check_district
from app.place.errors import DeveloperIdentifierRequired
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, DistrictCreate, StreetOfficeCreate
from app.register import repository as register_repository
from app.register.estate_schemas import EstateCreate, EstateUpdate
from app.register.models import OwnerKind
from app.security.pii import FieldCipher


async def create_estate(
    session: AsyncSession, principal: Principal, body: EstateCreate, *, cipher: FieldCipher
) -> Estate:
    """Create an estate in a community; its developer, when named, is an organisation owner on the register
    (R-HEAD-4)."""
    community = await place_repository.get_community(session, body.community_id)
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
    await place_service.add_estate(session, estate)
    return estate


async def update_estate(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, body: EstateUpdate, *, cipher: FieldCipher
) -> Estate:
    """R-PLACE-3: the operator or the street office of the estate's jurisdiction corrects its name or address,
    moves it to another community (of a jurisdiction the editor also holds), or records its developer (R-HEAD-4:
    the next register version counts unsold and undelivered units with it; earlier versions keep theirs)."""
    estate = await place_repository.get_estate(session, estate_id)
    community = await place_repository.get_community(session, estate.community_id)
    ensure_can_manage_street_office(principal, community.street_office_id)
    by = place_service.acting_role(principal, community.street_office_id)
    given = body.model_fields_set
    changes: dict[str, tuple[str, str]] = {}
    if body.community_id is not None and body.community_id != estate.community_id:
        target = await place_repository.get_community(session, body.community_id)
        ensure_can_manage_street_office(principal, target.street_office_id)
        changes["community_id"] = (str(estate.community_id), str(target.id))
        estate.community_id = target.id
    if body.name is not None and body.name != estate.name:
        changes["name"] = (estate.name, body.name)
        estate.name = body.name
    if "address" in given and body.address != estate.address:
        changes["address"] = (estate.address or "", body.address or "")
        estate.address = body.address
    if "developer_name" in given or "developer_credit_code" in given:
        if body.developer_name is None or body.developer_credit_code is None:
            raise DeveloperIdentifierRequired()
        developer = await register_repository.get_or_create_owner(
            session, kind=OwnerKind.ORGANISATION, identifier=body.developer_credit_code, cipher=cipher
        )
        if body.developer_name != estate.developer_name:
            changes["developer_name"] = (estate.developer_name or "", body.developer_name)
            estate.developer_name = body.developer_name
        if developer.id != estate.developer_owner_id:
            # The owner ids, never the credit code itself (stored encrypted, R-PI-2).
            changes["developer_owner_id"] = (str(estate.developer_owner_id or ""), str(developer.id))
            estate.developer_owner_id = developer.id
    lookup = place_service.estate_named(estate.community_id, estate.name)
    await place_service.flush_unique(session, estate, kind="estate", name=estate.name, lookup=lookup)
    await place_service.log_update(session, "estate", estate.id, changes, by=by, estate_id=estate.id)
    return estate


@dataclass(frozen=True, slots=True)
class PlacedEstate:
    district: District
    street_office: StreetOffice
    community: Community
    estate: Estate
    created: bool = True
    """False when the estate already existed under that name (``evote estate create`` is idempotent)."""


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
    yet (``evote estate create``, the demo and the benchmarks). Idempotent: an estate of that name in that
    community is returned as it is (``created`` False). R-PLACE-1: the district code and name must agree."""
    district_name = check_district(district_code, district_name)
    district = await session.scalar(select(District).where(District.code == district_code))
    if district is None:
        district = await place_service.create_district(
            session, principal, DistrictCreate(code=district_code, name=district_name)
        )
    office = await session.scalar(
        select(StreetOffice).where(StreetOffice.district_id == district.id, StreetOffice.name == street_office_name)
    )
    if office is None:
        office = await place_service.create_street_office(
            session, principal, StreetOfficeCreate(district_id=district.id, name=street_office_name)
        )
    community = await session.scalar(
        select(Community).where(Community.street_office_id == office.id, Community.name == community_name)
    )
    if community is None:
        community = await place_service.create_community(
            session, principal, CommunityCreate(street_office_id=office.id, name=community_name)
        )
    existing = await session.scalar(
        select(Estate).where(Estate.community_id == community.id, Estate.name == estate_name)
    )
    if existing is not None:
        return PlacedEstate(district, office, community, existing, created=False)
    body = EstateCreate(
        community_id=community.id, name=estate_name, address=address, include_parking=include_parking,
        developer_name=developer_name, developer_credit_code=developer_credit_code,
    )  # fmt: skip
    created = await create_estate(session, principal, body, cipher=cipher)
    return PlacedEstate(district, office, community, created)
