from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound, Noun
from app.place.models import Community, District, Estate, StreetOffice

_Place = TypeVar("_Place", District, StreetOffice, Community, Estate)


async def _get(session: AsyncSession, model: type[_Place], row_id: uuid.UUID, *, what: Noun) -> _Place:
    row = await session.get(model, row_id)
    if row is None:
        raise NotFound(what=what)
    return row


async def get_district(session: AsyncSession, district_id: uuid.UUID) -> District:
    return await _get(session, District, district_id, what="district")


async def get_street_office(session: AsyncSession, street_office_id: uuid.UUID) -> StreetOffice:
    return await _get(session, StreetOffice, street_office_id, what="street office")


async def get_community(session: AsyncSession, community_id: uuid.UUID) -> Community:
    return await _get(session, Community, community_id, what="community")


async def get_estate(session: AsyncSession, estate_id: uuid.UUID) -> Estate:
    return await _get(session, Estate, estate_id, what="estate")


async def street_office_of_estate(session: AsyncSession, estate_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(Community.street_office_id)
        .join(Estate, Estate.community_id == Community.id)
        .where(Estate.id == estate_id)
    )


def not_found(kind: Noun) -> NotFound:
    return NotFound(what=kind)
