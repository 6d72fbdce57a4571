"""SQL for what owners read of their estates: the estates an owner belongs to, the votes whose result was published."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.grant import reach
from app.grant.models import ActingGrant
from app.notice.models import Audience, Notice, OutboxMessage
from app.realname.models import OwnerBinding
from app.register.models import RegisterVersion, Unit, UnitOwner
from app.vote.models import RollGroup, Vote


def owner_estate_ids(owner_id: uuid.UUID, account_id: uuid.UUID) -> sa.Select[uuid.UUID]:
    """Estates where ``owner_id`` owns a unit in the latest register version, or is in a vote's frozen roll, and
    where ``account_id`` is bound to that owner now (R-CAST-1: an owner identity counts only in the estate whose
    register proved it, so a row planted in another estate's register reads nothing here).

    The roll is searched only among votes taken from a register version in which the owner held a unit (a roll
    is built from one version), so the JSON text match never scans every roll of every estate.
    """
    bound = sa.select(OwnerBinding.estate_id).where(
        OwnerBinding.account_id == account_id, OwnerBinding.owner_id == owner_id, OwnerBinding.ended_at.is_(None)
    )
    versions_held = sa.select(Unit.register_version_id).join(UnitOwner, UnitOwner.unit_id == Unit.id)
    versions_held = versions_held.where(UnitOwner.owner_id == owner_id)
    newer = aliased(RegisterVersion)
    latest_number = (
        sa.select(sa.func.max(newer.number)).where(newer.estate_id == RegisterVersion.estate_id).scalar_subquery()
    )
    in_latest = sa.select(RegisterVersion.estate_id).where(
        RegisterVersion.id.in_(versions_held),
        RegisterVersion.number == latest_number,
        RegisterVersion.estate_id.in_(bound),
    )
    needle = f'%"{owner_id}"%'  # owner_ids is a JSON list of UUID strings (as in app.vote.repository)
    in_roll = (
        sa.select(Vote.estate_id)
        .join(RollGroup, RollGroup.vote_id == Vote.id)
        .where(
            Vote.register_version_id.in_(versions_held),
            Vote.estate_id.in_(bound),
            sa.cast(RollGroup.owner_ids, sa.Text).like(needle),
        )
    )
    return sa.select(in_latest.union(in_roll).subquery().c[0])


async def owns_in_estate(
    session: AsyncSession, owner_id: uuid.UUID, account_id: uuid.UUID, estate_id: uuid.UUID
) -> bool:
    estates = owner_estate_ids(owner_id, account_id).subquery()
    found = await session.scalar(sa.select(estates.c[0]).where(estates.c[0] == estate_id).limit(1))
    return found is not None


def owner_notices_statement(
    owner_id: uuid.UUID | None, account_id: uuid.UUID, *, granted_at: datetime | None = None
) -> sa.Select[Notice]:
    """The account's notices; with an owner identity, the OWNERS notices of its estates (``owner_estate_ids``) and,
    with ``granted_at``, of the estates where the account holds a grant in force at that instant (R-CAST-2..5)."""
    addressed = sa.or_(
        sa.and_(Notice.audience == Audience.ACCOUNT, Notice.account_id == account_id),
        # R-PART-5: a notice delivered to named recipients (a reminder to vote) is in each recipient's feed
        sa.and_(
            Notice.audience == Audience.RECIPIENTS,
            Notice.id.in_(sa.select(OutboxMessage.notice_id).where(OutboxMessage.recipient_account_id == account_id)),
        ),
    )
    if owner_id is None:
        return sa.select(Notice).where(addressed)
    estates = owner_estate_ids(owner_id, account_id)
    if granted_at is not None:
        granted = sa.select(ActingGrant.estate_id).where(
            ActingGrant.grantee_account_id == account_id, reach.in_force(granted_at)
        )
        estates = sa.select(estates.union(granted).subquery().c[0])
    owners = sa.and_(Notice.estate_id.in_(estates), Notice.audience == Audience.OWNERS)
    return sa.select(Notice).where(sa.or_(owners, addressed))


async def published_votes(session: AsyncSession, estate_id: uuid.UUID) -> Sequence[Vote]:
    """Votes whose result was published, including those revoked since (R-PUB-3: it stays inspectable)."""
    statement = (
        sa.select(Vote)
        .where(Vote.estate_id == estate_id, Vote.result_published_at.is_not(None))
        .order_by(Vote.result_published_at.desc(), Vote.id.desc())
    )
    return (await session.scalars(statement)).all()


async def vote_in_estate(session: AsyncSession, estate_id: uuid.UUID, vote_id: uuid.UUID) -> Vote | None:
    return await session.scalar(sa.select(Vote).where(Vote.id == vote_id, Vote.estate_id == estate_id))
