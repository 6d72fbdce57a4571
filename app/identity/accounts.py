"""Accounts by mobile number, and staff accounts with place-scoped role grants.

An account is found by the blind index of its normalised number and created with the number encrypted
(``FieldCipher`` under ``PHONE_FIELD``) plus its last four digits; the plain number is never stored (R-PI-1,
handled like R-PI-2). Staff are ordinary accounts holding role grants: the platform operator grants any role,
a street office grants committee, auditor and observer roles inside its jurisdiction (R-SUP-1, R-SUP-2,
R-LIFE-1). Every grant and revocation is an identity event carrying ids only.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, Role, Scope, ensure_can_manage_street_office
from app.common.errors import Forbidden, TooManyRequests
from app.common.pagination import paginate
from app.errors import NotFound, Text
from app.identity import events
from app.identity import service as identity_service
from app.identity.auth_errors import PhoneInvalid, RoleExists
from app.identity.auth_schemas import StaffCreate
from app.identity.errors import ScopeInvalid
from app.identity.models import ROLE_SCOPE, SCOPE_COLUMNS, Account, RoleGrant
from app.identity.phone import PHONE_FIELD, normalise_phone
from app.ledger.events import EventKind
from app.place import access
from app.place import repository as place_repository
from app.place.access import ensure_can_grant
from app.place.models import Community, Estate
from app.security.pii import FieldCipher

STAFF_MANAGERS = (Role.ADMIN, Role.STREET_OFFICE)


def phone_or_raise(value: str) -> str:
    normalised = normalise_phone(value)
    if normalised is None:
        raise PhoneInvalid()
    return normalised


async def find_account(session: AsyncSession, phone: str, *, cipher: FieldCipher) -> Account | None:
    """The account of a normalised mobile number, by blind index."""
    index = cipher.blind_index(PHONE_FIELD, phone)
    return await session.scalar(select(Account).where(Account.phone_index == index))


async def create_account(
    session: AsyncSession,
    phone: str,
    *,
    cipher: FieldCipher,
    now: datetime,
    actor: str,
    via: str,
    display_name: str | None = None,
) -> Account:
    """A new account for a normalised mobile number: ciphertext, blind index and last four digits only."""
    protected = cipher.protect(PHONE_FIELD, phone)
    account = Account(
        phone_ciphertext=protected.ciphertext,
        phone_index=protected.blind_index,
        phone_last4=protected.last4,
        display_name=display_name,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    await events.record(
        session, EventKind.IDENTITY_ACCOUNT_CREATED, actor=actor, account_id=account.id, details={"via": via}
    )
    return account


def check_scope_shape(scope: Scope) -> None:
    """The scope names exactly the place column its role needs (checked before any place is looked up)."""
    wanted = ROLE_SCOPE[scope.role]
    present = {name for name in SCOPE_COLUMNS if getattr(scope, name) is not None}
    if present != ({wanted} if wanted else set()):
        raise ScopeInvalid(role=scope.role.value)


async def _record_role_change(session: AsyncSession, kind: EventKind, principal: Principal, grant: RoleGrant) -> None:
    """Flush the granted or revoked role and log it: who changed it, whose it is, and its scope."""
    await session.flush()
    await events.record(
        session,
        kind,
        actor=principal.label,
        account_id=grant.account_id,
        estate_id=grant.estate_id,
        details=_scope_details(grant),
    )


def _scope_details(grant: RoleGrant) -> dict[str, Any]:
    return {
        "grant_id": str(grant.id),
        "role": grant.role.value,
        **{name: str(value) if (value := getattr(grant, name)) is not None else None for name in SCOPE_COLUMNS},
    }


async def grant_role(
    session: AsyncSession, principal: Principal, body: StaffCreate, *, cipher: FieldCipher, now: datetime
) -> tuple[RoleGrant, Account]:
    """Grant a scoped role to the holder of a mobile number, creating the account if the number is new.

    Shape of the scope first (422), then the caller's authority (403, or 404 for places outside its
    jurisdiction, so their existence is not disclosed), then that the place exists (404).
    """
    phone = phone_or_raise(body.phone)
    scope = Scope(body.role, body.street_office_id, body.community_id, body.estate_id)
    check_scope_shape(scope)
    await ensure_can_grant(session, principal, scope)
    await identity_service.validate_scope(session, scope)
    account = await find_account(session, phone, cipher=cipher)
    if account is None:
        account = await create_account(
            session,
            phone,
            cipher=cipher,
            now=now,
            actor=principal.label,
            via="staff_grant",
            display_name=body.display_name,
        )
    elif account.display_name is None:
        account.display_name = body.display_name
    await _limit_grants_to(session, account.id, now=now)
    duplicate = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.account_id == account.id,
            RoleGrant.role == scope.role,
            RoleGrant.revoked_at.is_(None),
            *(_same(getattr(RoleGrant, name), getattr(scope, name)) for name in SCOPE_COLUMNS),
        )
    )
    if duplicate is not None:
        raise RoleExists(role=scope.role.value)
    grant = RoleGrant(
        account_id=account.id,
        role=scope.role,
        street_office_id=scope.street_office_id,
        community_id=scope.community_id,
        estate_id=scope.estate_id,
        granted_by=principal.label,
        created_at=now,
    )
    session.add(grant)
    await _record_role_change(session, EventKind.IDENTITY_ROLE_GRANTED, principal, grant)
    return grant, account


STAFF_GRANTS_PER_WINDOW = 5
STAFF_GRANT_WINDOW = timedelta(hours=1)


async def _limit_grants_to(session: AsyncSession, account_id: uuid.UUID, *, now: datetime) -> None:
    """Per named number: at most ``STAFF_GRANTS_PER_WINDOW`` role grants to one account within the window (429),
    so the route cannot be used to sweep numbers; whether the number had an account never changes the answer."""
    since = now - STAFF_GRANT_WINDOW
    times = list(
        (
            await session.scalars(
                select(RoleGrant.created_at)
                .where(RoleGrant.account_id == account_id, RoleGrant.created_at > since)
                .order_by(RoleGrant.created_at)
            )
        ).all()
    )
    if len(times) >= STAFF_GRANTS_PER_WINDOW:
        retry_at = times[len(times) - STAFF_GRANTS_PER_WINDOW] + STAFF_GRANT_WINDOW
        retry_after = max(1, math.ceil((retry_at - now).total_seconds()))
        raise TooManyRequests(retry_after=retry_after, extra={"retry_after": retry_after})


def _same(column: Any, value: uuid.UUID | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value  # type: ignore[no-any-return]


def _require_staff_manager(principal: Principal) -> None:
    if not principal.has_role(*STAFF_MANAGERS):
        raise Forbidden(
            reason=Text(
                "只有平台运营方和街道办事处可以管理工作人员角色",
                "only the operator and street offices manage staff roles",
            )
        )


def _within_street_offices(street_office_ids: set[uuid.UUID]) -> ColumnElement[bool]:
    """Grants scoped to these street offices, or to a community or estate under them."""
    if not street_office_ids:
        return false()
    communities = select(Community.id).where(Community.street_office_id.in_(street_office_ids))
    estates = (
        select(Estate.id)
        .join(Community, Community.id == Estate.community_id)
        .where(Community.street_office_id.in_(street_office_ids))
    )
    return or_(
        RoleGrant.street_office_id.in_(street_office_ids),
        RoleGrant.community_id.in_(communities),
        RoleGrant.estate_id.in_(estates),
    )


async def list_grants(
    session: AsyncSession,
    principal: Principal,
    *,
    estate_id: uuid.UUID | None,
    street_office_id: uuid.UUID | None,
    include_revoked: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[RoleGrant, Account]], str | None]:
    """Grants the caller may see: all for the operator, its jurisdiction's for a street office.

    ``estate_id`` narrows to the grants that reach that estate (its committee and auditors, its community's
    observers, its street office); ``street_office_id`` to the grants inside one street office.
    """
    _require_staff_manager(principal)
    conditions: list[ColumnElement[bool]] = []
    if not principal.is_admin:
        conditions.append(_within_street_offices(principal.street_office_ids()))
    if estate_id is not None:
        place = await access.estate_place(session, estate_id)
        if place is None or not (principal.is_admin or place.street_office_id in principal.street_office_ids()):
            raise NotFound(what="estate")
        conditions.append(
            or_(
                RoleGrant.estate_id == place.estate_id,
                RoleGrant.community_id == place.community_id,
                RoleGrant.street_office_id == place.street_office_id,
            )
        )
    if street_office_id is not None:
        ensure_can_manage_street_office(principal, street_office_id)
        await place_repository.get_street_office(session, street_office_id)
        conditions.append(_within_street_offices({street_office_id}))
    if not include_revoked:
        conditions.append(RoleGrant.revoked_at.is_(None))
    statement = select(RoleGrant).where(and_(*conditions)) if conditions else select(RoleGrant)
    grants, next_cursor = await paginate(session, statement, key=RoleGrant.id, cursor=cursor, limit=limit)
    return await _with_accounts(session, grants), next_cursor


async def _with_accounts(session: AsyncSession, grants: Sequence[RoleGrant]) -> list[tuple[RoleGrant, Account]]:
    ids = {grant.account_id for grant in grants}
    accounts = {account.id: account for account in await session.scalars(select(Account).where(Account.id.in_(ids)))}
    return [(grant, accounts[grant.account_id]) for grant in grants]


async def _street_office_of(session: AsyncSession, grant: RoleGrant) -> uuid.UUID | None:
    if grant.street_office_id is not None:
        return grant.street_office_id
    if grant.community_id is not None:
        community = await session.get(Community, grant.community_id)
        return community.street_office_id if community is not None else None
    if grant.estate_id is not None:
        place = await access.estate_place(session, grant.estate_id)
        return place.street_office_id if place is not None else None
    return None  # ADMIN: no place


async def revoke_grant(session: AsyncSession, principal: Principal, grant_id: uuid.UUID, *, now: datetime) -> None:
    """Revoke a grant with the same authority that grants it; takes effect on the holder's next request.

    A grant the caller cannot see is 404; revoking an already revoked grant changes nothing.
    """
    _require_staff_manager(principal)
    grant = await session.get(RoleGrant, grant_id, with_for_update=True)
    visible = grant is not None and (
        principal.is_admin or await _street_office_of(session, grant) in principal.street_office_ids()
    )
    if grant is None or not visible:
        raise NotFound(what="role grant")
    await ensure_can_grant(session, principal, identity_service.scope_of(grant))
    if grant.revoked_at is not None:
        return
    grant.revoked_at = now
    grant.revoked_by = principal.label
    await _record_role_change(session, EventKind.IDENTITY_ROLE_REVOKED, principal, grant)
