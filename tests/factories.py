"""Plain async builders for test data: keyword defaults, add and flush, return the object."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Role, Scope
from app.db.base import utcnow
from app.identity.models import Account, RoleGrant
from app.identity.phone import PHONE_FIELD
from app.identity.service import OPERATOR, TokenHasher, issue_api_key
from app.place import service as place_service
from app.place.models import Community, District, Estate, StreetOffice
from app.place.schemas import CommunityCreate, DistrictCreate, StreetOfficeCreate
from app.realname import repository as realname_repository
from app.realname.models import OwnerBinding, VerificationMethod
from app.register import estates
from app.register.estate_schemas import EstateCreate
from app.security.pii import FieldCipher

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
    # R-PLACE-1: districts are Beijing's by their GB/T 2260 codes, so the tests share one: 海淀区, whose code is in
    # no sample ID number (they start 110105), so the checks that no ID number leaks cannot match a district code.
    district = await session.scalar(select(District).where(District.code == "110108"))
    if district is None:
        district = await place_service.create_district(session, OPERATOR, DistrictCreate(code="110108", name="海淀区"))
    office = await place_service.create_street_office(
        session, OPERATOR, StreetOfficeCreate(district_id=district.id, name=f"东湖街道{suffix}")
    )
    community = await place_service.create_community(
        session, OPERATOR, CommunityCreate(street_office_id=office.id, name=f"望京西园社区{suffix}")
    )
    estate = await estates.create_estate(
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
    community_id: uuid.UUID | None = None,
    estate_id: uuid.UUID | None = None,
) -> dict[str, str]:
    """Issue a real key and return the Authorization header that carries it."""
    scope = Scope(role, street_office_id, community_id, estate_id)
    _, secret = await issue_api_key(session, name=f"test-{role.value.lower()}", scope=scope, hasher=hasher)
    await session.commit()
    return {"Authorization": f"Bearer {secret}"}


async def make_account(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    phone: str | None = None,
    owner_id: uuid.UUID | None = None,
    scopes: tuple[Scope, ...] = (),
    display_name: str | None = None,
) -> Account:
    """An account (verified when ``owner_id`` is given) with optional staff role grants."""
    phone = phone or f"13{uuid.uuid4().int % 10**9:09d}"
    protected = cipher.protect(PHONE_FIELD, phone)
    account = Account(
        phone_ciphertext=protected.ciphertext,
        phone_index=protected.blind_index,
        phone_last4=protected.last4,
        display_name=display_name,
        owner_id=owner_id,
        verified_at=utcnow() if owner_id else None,
        verification_method="REGISTER_MATCH" if owner_id else None,
    )
    session.add(account)
    await session.flush()
    if owner_id is not None:
        await bind_in_listed_estates(session, account, owner_id)
    for scope in scopes:
        session.add(
            RoleGrant(
                account_id=account.id, role=scope.role, street_office_id=scope.street_office_id,
                community_id=scope.community_id, estate_id=scope.estate_id, granted_by="tests",
            )
        )  # fmt: skip
    await session.flush()
    return account


async def bind_in_listed_estates(session: AsyncSession, account: Account, owner_id: uuid.UUID) -> None:
    """Bind a verified account in every estate whose current register lists its owner (what verification by an
    identity provider does), so a test account may act there as an owner."""
    rows = await realname_repository.register_matches(session, owner_id)
    versions = {estate_id: version_id for estate_id, version_id, *_ in rows}
    for estate_id, version_id in versions.items():
        session.add(
            OwnerBinding(
                account_id=account.id, estate_id=estate_id, owner_id=owner_id, register_version_id=version_id,
                method=VerificationMethod.IDENTITY_PROVIDER,
            )
        )  # fmt: skip
    await session.flush()


def bearer(app, account: Account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Authorization header with a real access token for ``account``, signed by the app's key."""
    token = app.state.tokens.issue_access(str(account.id), now=app.state.clock()).token
    return {"Authorization": f"Bearer {token}"}
