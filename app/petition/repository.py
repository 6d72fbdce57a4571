"""Queries for petitions and their signatures (SQL only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.petition.models import Petition, PetitionSignature


async def get_petition(session: AsyncSession, petition_id: uuid.UUID, *, for_update: bool = False) -> Petition | None:
    """The petition; locked for signing and state changes, so the threshold is crossed exactly once.

    SQLite has no row locks: its single writer (BEGIN IMMEDIATE) serialises the same way.
    """
    statement = select(Petition).where(Petition.id == petition_id)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def signatures(session: AsyncSession, petition_id: uuid.UUID) -> Sequence[PetitionSignature]:
    statement = (
        select(PetitionSignature)
        .where(PetitionSignature.petition_id == petition_id)
        .order_by(PetitionSignature.signed_at, PetitionSignature.group_id)
    )
    return (await session.scalars(statement)).all()


async def signature_of_group(session: AsyncSession, petition_id: uuid.UUID, group_id: str) -> PetitionSignature | None:
    return await session.scalar(
        select(PetitionSignature).where(
            PetitionSignature.petition_id == petition_id, PetitionSignature.group_id == group_id
        )
    )


async def signature_counts(session: AsyncSession, petition_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not petition_ids:
        return {}
    rows = await session.execute(
        select(PetitionSignature.petition_id, func.count())
        .where(PetitionSignature.petition_id.in_(list(petition_ids)))
        .group_by(PetitionSignature.petition_id)
    )
    return dict(rows.all())


def estate_petitions_statement(estate_id: uuid.UUID) -> Select[Petition]:
    return select(Petition).where(Petition.estate_id == estate_id)
