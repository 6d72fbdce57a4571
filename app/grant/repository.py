"""Queries for voter-group binding and acting grants (SQL only)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.identity.models import Account
from app.place.models import Estate
from app.realname.repository import bound_owner_expression
from app.register.models import RegisterVersion, Unit, UnitOwner


def _latest_only() -> ColumnElement[bool]:
    newer = aliased(RegisterVersion)
    return ~exists().where(newer.estate_id == RegisterVersion.estate_id, newer.number > RegisterVersion.number)


async def owner_latest_versions(session: AsyncSession, owner_id: uuid.UUID) -> list[RegisterVersion]:
    """The latest register version of every estate whose latest version lists ``owner_id`` on a unit (one query)."""
    owned = select(Unit.register_version_id).join(UnitOwner, UnitOwner.unit_id == Unit.id)
    statement = select(RegisterVersion).where(
        RegisterVersion.id.in_(owned.where(UnitOwner.owner_id == owner_id)),
        _latest_only(),
    )
    return list((await session.scalars(statement)).all())


async def latest_versions(session: AsyncSession, estate_ids: Collection[uuid.UUID]) -> list[RegisterVersion]:
    if not estate_ids:
        return []
    statement = select(RegisterVersion).where(RegisterVersion.estate_id.in_(estate_ids), _latest_only())
    return list((await session.scalars(statement)).all())


async def estates(session: AsyncSession, estate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Estate]:
    if not estate_ids:
        return {}
    rows = await session.scalars(select(Estate).where(Estate.id.in_(estate_ids)))
    return {estate.id: estate for estate in rows}


async def estates_with_grants_to(session: AsyncSession, account_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(ActingGrant.estate_id)
        .where(ActingGrant.grantee_account_id == account_id, ActingGrant.status == GrantStatus.APPROVED)
        .distinct()
    )
    return set(rows.all())


def _owner_in_group(owner_id: uuid.UUID) -> ColumnElement[bool]:
    # A group key is the JSON array of its owner ids (app.rules.roll.voter_group_key), so a quoted id matches
    # exactly that member.
    return ActingGrant.group_key.contains(f'"{owner_id}"', autoescape=True)


async def binding_grants(
    session: AsyncSession,
    estate_ids: Collection[uuid.UUID],
    *,
    account_id: uuid.UUID,
    owner_id: uuid.UUID,
) -> Sequence[tuple[ActingGrant, uuid.UUID | None]]:
    """Approved grants that bear on the caller's groups: those to the caller, and those of groups the caller
    owns (a designation of a co-owner takes the others' basis away). With each, the grantee's owner id."""
    if not estate_ids:
        return []
    statement = (
        # The grantee's owner identity as bound in the grant's estate (R-CAST-1), not as verified anywhere.
        select(ActingGrant, bound_owner_expression(ActingGrant.grantee_account_id, ActingGrant.estate_id)).where(
            ActingGrant.estate_id.in_(estate_ids),
            ActingGrant.status == GrantStatus.APPROVED,
            or_(ActingGrant.grantee_account_id == account_id, _owner_in_group(owner_id)),
        )
    )
    return [(grant, grantee_owner) for grant, grantee_owner in (await session.execute(statement)).all()]


async def approved_grants_of_group(
    session: AsyncSession, estate_id: uuid.UUID, group_key: str
) -> Sequence[tuple[ActingGrant, uuid.UUID | None]]:
    statement = (
        # The grantee's owner identity as bound in the grant's estate (R-CAST-1), not as verified anywhere.
        select(ActingGrant, bound_owner_expression(ActingGrant.grantee_account_id, ActingGrant.estate_id)).where(
            ActingGrant.estate_id == estate_id,
            ActingGrant.group_key == group_key,
            ActingGrant.status == GrantStatus.APPROVED,
        )
    )
    return [(grant, grantee_owner) for grant, grantee_owner in (await session.execute(statement)).all()]


async def get_grant(
    session: AsyncSession, estate_id: uuid.UUID, grant_id: uuid.UUID, *, for_update: bool = False
) -> ActingGrant | None:
    statement = select(ActingGrant).where(ActingGrant.id == grant_id, ActingGrant.estate_id == estate_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def account_by_phone_index(session: AsyncSession, phone_index: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.phone_index == phone_index))


async def accounts(session: AsyncSession, account_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Account]:
    if not account_ids:
        return {}
    rows = await session.scalars(select(Account).where(Account.id.in_(account_ids)))
    return {account.id: account for account in rows}


def estate_grants_statement(estate_id: uuid.UUID, status: GrantStatus | None) -> Select[ActingGrant]:
    statement = select(ActingGrant).where(ActingGrant.estate_id == estate_id)
    if status is not None:
        statement = statement.where(ActingGrant.status == status)
    return statement


def my_grants_statement(account_id: uuid.UUID, bound_owners: Mapping[uuid.UUID, uuid.UUID]) -> Select[ActingGrant]:
    """Grants the account requested or received, and grants of groups of an estate that hold the owner the account
    is bound to there (``bound_owners``: estate → owner, R-CAST-1)."""
    conditions = [ActingGrant.requested_by_account_id == account_id, ActingGrant.grantee_account_id == account_id]
    conditions.extend(
        and_(ActingGrant.estate_id == estate_id, _owner_in_group(owner_id))
        for estate_id, owner_id in sorted(bound_owners.items())
    )
    return select(ActingGrant).where(or_(*conditions))


async def requests_naming(session: AsyncSession, account_id: uuid.UUID, *, since: datetime) -> list[datetime]:
    """When grants naming this account as the agent were requested after ``since``, oldest first."""
    rows = await session.scalars(
        select(ActingGrant.created_at)
        .where(ActingGrant.grantee_account_id == account_id, ActingGrant.created_at > since)
        .order_by(ActingGrant.created_at)
    )
    return list(rows.all())


async def proxied_groups(
    session: AsyncSession, estate_id: uuid.UUID, grantee_account_id: uuid.UUID, *, now: datetime
) -> set[str]:
    """The voter groups an agent represents through approved, unrevoked proxies of the estate still valid at ``now``."""
    statement = select(ActingGrant.group_key).where(
        ActingGrant.estate_id == estate_id,
        ActingGrant.grantee_account_id == grantee_account_id,
        ActingGrant.kind == ActingKind.PROXY,
        ActingGrant.status == GrantStatus.APPROVED,
        ActingGrant.revoked_at.is_(None),
        or_(ActingGrant.valid_until.is_(None), ActingGrant.valid_until > now),
    )
    return set((await session.scalars(statement)).all())
