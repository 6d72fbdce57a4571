"""Queries for rules-of-procedure versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.procedure.models import ProcedureRulesVersion


async def in_force(session: AsyncSession, estate_id: uuid.UUID) -> ProcedureRulesVersion | None:
    """R-PROC-2: the latest adopted version; None when the estate has adopted none."""
    statement = (
        sa.select(ProcedureRulesVersion)
        .where(ProcedureRulesVersion.estate_id == estate_id, ProcedureRulesVersion.adopted_at.is_not(None))
        .order_by(ProcedureRulesVersion.adopted_at.desc(), ProcedureRulesVersion.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def get(session: AsyncSession, version_id: uuid.UUID) -> ProcedureRulesVersion | None:
    return await session.get(ProcedureRulesVersion, version_id)


async def for_estate(session: AsyncSession, estate_id: uuid.UUID) -> Sequence[ProcedureRulesVersion]:
    statement = (
        sa.select(ProcedureRulesVersion)
        .where(ProcedureRulesVersion.estate_id == estate_id)
        .order_by(ProcedureRulesVersion.created_at, ProcedureRulesVersion.id)
    )
    return (await session.execute(statement)).scalars().all()
