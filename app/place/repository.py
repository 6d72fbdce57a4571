from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.place.models import Community, District, Estate, StreetOffice


async def get_district(session: AsyncSession, district_id: uuid.UUID) -> District:
    row = await session.get(District, district_id)
    if row is None:
        raise NotFound(what="district")
    return row


async def get_street_office(session: AsyncSession, street_office_id: uuid.UUID) -> StreetOffice:
    row = await session.get(StreetOffice, street_office_id)
    if row is None:
        raise NotFound(what="street office")
    return row


async def get_community(session: AsyncSession, community_id: uuid.UUID) -> Community:
    row = await session.get(Community, community_id)
    if row is None:
        raise NotFound(what="community")
    return row


async def get_estate(session: AsyncSession, estate_id: uuid.UUID) -> Estate:
    row = await session.get(Estate, estate_id)
    if row is None:
        raise NotFound(what="estate")
    return row


async def street_office_of_estate(session: AsyncSession, estate_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(Community.street_office_id)
        .join(Estate, Estate.community_id == Community.id)
        .where(Estate.id == estate_id)
    )
