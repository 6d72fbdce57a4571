"""Queries of real-name verification: register matches, attempt counts, manual review requests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnExpressionArgument, ScalarSelect, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Account
from app.realname.models import (
    ManualVerificationRequest,
    OwnerBinding,
    ReviewStatus,
    VerificationAttempt,
    VerificationDocument,
)
from app.register.models import Owner, OwnerKind, RegisterVersion, Unit, UnitOwner


def _bound_owner_statement(
    account_id: ColumnExpressionArgument[uuid.UUID] | uuid.UUID,
    estate_id: ColumnExpressionArgument[uuid.UUID] | uuid.UUID,
) -> Select[uuid.UUID]:
    return (
        select(OwnerBinding.owner_id)
        .where(
            OwnerBinding.account_id == account_id,
            OwnerBinding.estate_id == estate_id,
            OwnerBinding.ended_at.is_(None),
        )
        .order_by(OwnerBinding.created_at)
        .limit(1)
    )


def bound_owner_expression(
    account_id: ColumnExpressionArgument[uuid.UUID], estate_id: ColumnExpressionArgument[uuid.UUID]
) -> ScalarSelect[uuid.UUID]:
    """The owner an account is bound to in an estate now (NULL without a binding), for use inside a statement."""
    return _bound_owner_statement(account_id, estate_id).scalar_subquery()


async def bound_owner(session: AsyncSession, account_id: uuid.UUID | None, estate_id: uuid.UUID) -> uuid.UUID | None:
    """The owner ``account_id`` is bound to in ``estate_id`` (R-CAST-1), or None."""
    if account_id is None:
        return None
    return await session.scalar(_bound_owner_statement(account_id, estate_id))


async def bound_owners(session: AsyncSession, account_id: uuid.UUID | None) -> dict[uuid.UUID, uuid.UUID]:
    """Estate → the owner ``account_id`` is bound to there now (R-CAST-1); empty without an account."""
    if account_id is None:
        return {}
    rows = await session.execute(
        select(OwnerBinding.estate_id, OwnerBinding.owner_id)
        .where(OwnerBinding.account_id == account_id, OwnerBinding.ended_at.is_(None))
        .order_by(OwnerBinding.created_at.desc())
    )
    bound: dict[uuid.UUID, uuid.UUID] = {}
    for estate_id, owner_id in rows.all():
        bound[estate_id] = owner_id  # later rows overwrite: the earliest binding wins, as above
    return bound


async def account_for_update(session: AsyncSession, account_id: uuid.UUID) -> Account | None:
    """The account, row-locked on PostgreSQL so one account's attempts are evaluated one at a time."""
    return await session.scalar(select(Account).where(Account.id == account_id).with_for_update())


async def person_owner(session: AsyncSession, identifier_index: str) -> Owner | None:
    """The natural person with this ID-number blind index (organisations do not verify themselves)."""
    return await session.scalar(
        select(Owner).where(Owner.kind == OwnerKind.PERSON, Owner.identifier_index == identifier_index)
    )


async def register_matches(
    session: AsyncSession,
    owner_id: uuid.UUID,
    *,
    certificate_index: str | None = None,
    estate_id: uuid.UUID | None = None,
) -> list[tuple[uuid.UUID, uuid.UUID, str, str | None]]:
    """(estate, version, unit key, certificate index) of the units of estates' LATEST register versions that list
    ``owner_id`` in their owner set; with ``certificate_index``, only the unit rows carrying that certificate, so
    the ID number and the certificate number match the SAME row."""
    latest = (
        select(RegisterVersion.estate_id, func.max(RegisterVersion.number).label("number"))
        .group_by(RegisterVersion.estate_id)
        .subquery()
    )
    statement = (
        select(RegisterVersion.estate_id, RegisterVersion.id, Unit.unit_key, Unit.certificate_index)
        .join(latest, (latest.c.estate_id == RegisterVersion.estate_id) & (latest.c.number == RegisterVersion.number))
        .join(Unit, Unit.register_version_id == RegisterVersion.id)
        .join(UnitOwner, UnitOwner.unit_id == Unit.id)
        .where(UnitOwner.owner_id == owner_id)
        .order_by(RegisterVersion.estate_id, Unit.unit_key)
    )
    if certificate_index is not None:
        statement = statement.where(Unit.certificate_index == certificate_index)
    if estate_id is not None:
        statement = statement.where(RegisterVersion.estate_id == estate_id)
    return [tuple(row) for row in (await session.execute(statement)).all()]  # type: ignore[misc]


async def other_accounts_of_owner(session: AsyncSession, owner_id: uuid.UUID, account_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Account).where(Account.owner_id == owner_id, Account.id != account_id)
        )
    ) or 0


async def failure_times(
    session: AsyncSession,
    *,
    since: datetime,
    account_id: uuid.UUID | None = None,
    identifier_index: str | None = None,
    client_index: str | None = None,
) -> list[datetime]:
    """Times of failed attempts after ``since`` matching every given key (account, ID-number index, client
    address index), oldest first."""
    statement = select(VerificationAttempt.created_at).where(
        VerificationAttempt.succeeded.is_(False), VerificationAttempt.created_at > since
    )
    if account_id is not None:
        statement = statement.where(VerificationAttempt.account_id == account_id)
    if identifier_index is not None:
        statement = statement.where(VerificationAttempt.identifier_index == identifier_index)
    if client_index is not None:
        statement = statement.where(VerificationAttempt.client_index == client_index)
    return list((await session.scalars(statement.order_by(VerificationAttempt.created_at))).all())


async def pending_requests(session: AsyncSession, account_id: uuid.UUID) -> Sequence[ManualVerificationRequest]:
    return (
        await session.scalars(
            select(ManualVerificationRequest)
            .where(
                ManualVerificationRequest.account_id == account_id,
                ManualVerificationRequest.status == ReviewStatus.PENDING,
            )
            .order_by(ManualVerificationRequest.created_at)
        )
    ).all()


def estate_requests_statement(estate_id: uuid.UUID, status: ReviewStatus | None) -> Select[ManualVerificationRequest]:
    statement = select(ManualVerificationRequest).where(ManualVerificationRequest.estate_id == estate_id)
    if status is not None:
        statement = statement.where(ManualVerificationRequest.status == status)
    return statement


async def get_request(
    session: AsyncSession, estate_id: uuid.UUID, request_id: uuid.UUID, *, for_update: bool = False
) -> ManualVerificationRequest | None:
    statement = select(ManualVerificationRequest).where(
        ManualVerificationRequest.id == request_id, ManualVerificationRequest.estate_id == estate_id
    )
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


async def get_document(session: AsyncSession, request_id: uuid.UUID) -> VerificationDocument | None:
    return await session.get(VerificationDocument, request_id)


async def document_request_ids(session: AsyncSession, request_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these requests still have their document."""
    if not request_ids:
        return set()
    rows = await session.scalars(
        select(VerificationDocument.request_id).where(VerificationDocument.request_id.in_(request_ids))
    )
    return set(rows.all())


async def requests_due_for_purge(
    session: AsyncSession, decided_before: datetime
) -> Sequence[ManualVerificationRequest]:
    return (
        await session.scalars(
            select(ManualVerificationRequest)
            .where(
                ManualVerificationRequest.decided_at.is_not(None),
                ManualVerificationRequest.decided_at < decided_before,
                ManualVerificationRequest.document_deleted_at.is_(None),
            )
            .order_by(ManualVerificationRequest.decided_at)
            .with_for_update()
        )
    ).all()


async def delete_documents(session: AsyncSession, request_ids: Sequence[uuid.UUID]) -> None:
    if request_ids:
        await session.execute(delete(VerificationDocument).where(VerificationDocument.request_id.in_(request_ids)))
