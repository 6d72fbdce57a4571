from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.grant import service as grant_service
from app.grant.models import ActingGrant
from app.identity.models import Account
from app.register.models import Owner, OwnerKind, RegisterVersion, Unit, UnitOwner
from app.rules.casting import GrantFacts
from app.topic.models import RollGroup, Vote


async def vote_for_casting(session: AsyncSession, vote_id: uuid.UUID, *, exclusive: bool = False) -> Vote | None:
    """The vote with its topics, locked: shared for casting, exclusive for closing (STYLE.md §8.4).

    Casts run side by side under the shared lock; a close waits for the casts in flight, so no ballot lands
    after the close instant. SQLite has no row locks: its single writer (BEGIN IMMEDIATE) gives the same.
    """
    return await session.scalar(
        select(Vote).where(Vote.id == vote_id).options(selectinload(Vote.topics)).with_for_update(read=not exclusive)
    )


async def roll_group(session: AsyncSession, vote_id: uuid.UUID, group_id: str) -> RollGroup | None:
    return await session.get(RollGroup, (vote_id, group_id))


async def organisation_keys(session: AsyncSession, owner_ids: Sequence[str]) -> frozenset[str]:
    ids = [uuid.UUID(owner_id) for owner_id in owner_ids]
    rows = await session.scalars(select(Owner.id).where(Owner.id.in_(ids), Owner.kind == OwnerKind.ORGANISATION))
    return frozenset(str(owner_id) for owner_id in rows)


async def grant_facts(session: AsyncSession, estate_id: uuid.UUID, group_key: str) -> tuple[GrantFacts, ...]:
    """The group's acting grants as the law core's plain values (R-CAST-2..5), whatever their status."""
    rows = await session.execute(
        select(ActingGrant, Account.owner_id)
        .join(Account, Account.id == ActingGrant.grantee_account_id)
        .where(ActingGrant.estate_id == estate_id, ActingGrant.group_key == group_key)
    )
    return tuple(grant_service.grant_facts(grant, grantee_owner_id) for grant, grantee_owner_id in rows.all())


async def current_owner_sets(
    session: AsyncSession, estate_id: uuid.UUID, unit_keys: Sequence[str]
) -> dict[str, frozenset[str]] | None:
    """Owner sets of these units in the estate's latest register version (R-ROLL-5), or None without one."""
    latest = await session.scalar(
        select(RegisterVersion.id)
        .where(RegisterVersion.estate_id == estate_id)
        .order_by(RegisterVersion.number.desc())
        .limit(1)
    )
    if latest is None:
        return None
    rows = await session.execute(
        select(Unit.unit_key, UnitOwner.owner_id)
        .join(UnitOwner, UnitOwner.unit_id == Unit.id, isouter=True)
        .where(Unit.register_version_id == latest, Unit.unit_key.in_(list(unit_keys)))
    )
    owners: dict[str, set[str]] = {}
    for unit_key, owner_id in rows.all():
        owners.setdefault(unit_key, set())
        if owner_id is not None:
            owners[unit_key].add(str(owner_id))
    return {unit_key: frozenset(value) for unit_key, value in owners.items()}
