"""Creating an estate with its developer, who is an owner on the register (R-HEAD-4).

Here rather than in ``app.place`` because it writes the register; places sit below the register. Services flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, ensure_can_manage_street_office
from app.place import repository as place_repository
from app.place import service as place_service
from app.place.errors import DeveloperIdentifierRequired
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, DistrictCreate, StreetOfficeCreate
from app.register import repository as register_repository
from app.register.estate_schemas import EstateCreate
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
    body = EstateCreate(
        community_id=community.id, name=estate_name, address=address, include_parking=include_parking,
        developer_name=developer_name, developer_credit_code=developer_credit_code,
    )  # fmt: skip
    created = await create_estate(session, principal, body, cipher=cipher)
    return PlacedEstate(district, office, community, created)
