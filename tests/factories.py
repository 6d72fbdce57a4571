"""Plain async builders for test data: keyword defaults, add and flush, return the object."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Role
from app.identity.service import Principal, TokenHasher, issue_api_key
from app.place import service as place_service
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, DistrictCreate, EstateCreate, StreetOfficeCreate
from app.security.pii import FieldCipher

OPERATOR = Principal(uuid.UUID(int=0), "tests", Role.ADMIN)
DEVELOPER_CREDIT_CODE = "91110000100012345L"


@dataclass(frozen=True)
class Places:
    district: District
    street_office: StreetOffice
    community: Community
    estate: Estate


async def make_places(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    estate_name: str | None = None,
    with_developer: bool = True,
    include_parking: bool = False,
) -> Places:
    suffix = uuid.uuid4().hex[:8]
    district = await place_service.create_district(session, OPERATOR, DistrictCreate(code=f"D{suffix}", name="朝阳区"))
    office = await place_service.create_street_office(
        session, OPERATOR, StreetOfficeCreate(district_id=district.id, name=f"东湖街道{suffix}")
    )
    community = await place_service.create_community(
        session, OPERATOR, CommunityCreate(street_office_id=office.id, name=f"望京西园社区{suffix}")
    )
    estate = await place_service.create_estate(
        session,
        OPERATOR,
        EstateCreate(
            community_id=community.id,
            name=estate_name or f"上京家园{suffix}",
            include_parking=include_parking,
            developer_name="北京某某房地产开发有限公司" if with_developer else None,
            developer_credit_code=DEVELOPER_CREDIT_CODE if with_developer else None,
        ),
        cipher=cipher,
    )
    await session.flush()
    return Places(district, office, community, estate)


async def make_api_key(
    session: AsyncSession,
    hasher: TokenHasher,
    *,
    role: Role = Role.ADMIN,
    street_office_id: uuid.UUID | None = None,
    estate_id: uuid.UUID | None = None,
) -> dict[str, str]:
    """Issue a real key and return the Authorization header that carries it."""
    _, secret = await issue_api_key(
        session, name=f"test-{role.value.lower()}", role=role, street_office_id=street_office_id,
        estate_id=estate_id, hasher=hasher,
    )  # fmt: skip
    await session.commit()
    return {"Authorization": f"Bearer {secret}"}
