"""Owner bindings: which estate's register an account's owner identity was proven against (R-CAST-1).

Owners are one identity across estates, but a proof is only as good as the register it was checked against: a
committee (or anyone who may import a register) controls its own estate's register and nothing else. So a
verification binds the account to the owner in the estate whose register proved it, and the right to act for a
voter group of an estate as its owner, or to sign for it, rests on a binding in THAT estate.

When a new register version of the estate no longer holds the row a binding relied on (the unit is gone, its
certificate changed, or the owner left its owner set), the binding ends from that version on, with the acting
grants built on it; the owner is told by a notice addressed to the account, and the audit log records it. An
account whose last binding ended is no longer verified.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import events
from app.identity.models import Account
from app.ledger.events import EventKind
from app.notice import service as notice_service
from app.notice.models import NoticeKind
from app.realname.models import OwnerBinding, VerificationMethod
from app.realname.repository import bound_owner, bound_owner_expression
from app.register import service as register_service
from app.register.models import RegisterVersion, Unit, UnitOwner

__all__ = [
    "Match",
    "bind",
    "bound_estates",
    "bound_owner",
    "bound_owner_expression",
    "end_bindings_relying_on_changed_rows",
]

ROW_GONE: Final = "row_removed"
ROW_CHANGED: Final = "row_changed"
OWNER_GONE: Final = "owner_removed"


@dataclass(frozen=True, slots=True)
class Match:
    """One estate's current register row that proved the owner: its version, and the unit when a certificate
    number was matched (None for identity-provider and manual bindings)."""

    estate_id: uuid.UUID
    register_version_id: uuid.UUID
    unit_key: str | None = None
    certificate_index: str | None = None


async def bound_estates(session: AsyncSession, account_id: uuid.UUID) -> list[uuid.UUID]:
    """Estates where the account holds a binding now."""
    rows = await session.scalars(
        select(OwnerBinding.estate_id)
        .where(OwnerBinding.account_id == account_id, OwnerBinding.ended_at.is_(None))
        .distinct()
    )
    return sorted(rows.all())


async def bind(
    session: AsyncSession,
    account: Account,
    owner_id: uuid.UUID,
    matches: Sequence[Match],
    *,
    method: VerificationMethod,
    actor: str,
    now: datetime,
) -> list[OwnerBinding]:
    """A binding per matched estate; an estate where the account is already bound to this owner keeps its binding."""
    existing = {
        binding.estate_id: binding
        for binding in await session.scalars(
            select(OwnerBinding).where(
                OwnerBinding.account_id == account.id,
                OwnerBinding.owner_id == owner_id,
                OwnerBinding.ended_at.is_(None),
            )
        )
    }
    made: list[OwnerBinding] = []
    for match in matches:
        if match.estate_id in existing:
            continue
        binding = OwnerBinding(
            id=uuid.uuid4(),
            account_id=account.id,
            estate_id=match.estate_id,
            owner_id=owner_id,
            register_version_id=match.register_version_id,
            method=method,
            unit_key=match.unit_key,
            certificate_index=match.certificate_index,
            created_at=now,
        )
        session.add(binding)
        existing[match.estate_id] = binding
        made.append(binding)
    if not made:
        return made
    await session.flush()
    for binding in made:
        details = {
            "binding_id": str(binding.id),
            "method": method.value,
            "register_version_id": str(binding.register_version_id),
        }
        # Account and binding ids only: which unit an account holder owns stays out of the log (R-PI-2).
        await events.record(
            session,
            EventKind.IDENTITY_BINDING_CREATED,
            actor=actor,
            account_id=account.id,
            estate_id=binding.estate_id,
            details=details,
        )
    return made


async def end_bindings_relying_on_changed_rows(
    session: AsyncSession, version: RegisterVersion, now: datetime
) -> list[OwnerBinding]:
    """End, from ``version`` on, the estate's bindings whose row it no longer holds; and the grants built on them."""
    active = list(
        await session.scalars(
            select(OwnerBinding).where(OwnerBinding.estate_id == version.estate_id, OwnerBinding.ended_at.is_(None))
        )
    )
    if not active:
        return []
    rows = await session.execute(
        select(Unit.unit_key, Unit.certificate_index, UnitOwner.owner_id)
        .join(UnitOwner, UnitOwner.unit_id == Unit.id)
        .where(Unit.register_version_id == version.id, UnitOwner.owner_id.in_({b.owner_id for b in active}))
    )
    held: dict[uuid.UUID, dict[str, str | None]] = {}
    for unit_key, certificate_index, owner_id in rows.all():
        held.setdefault(owner_id, {})[unit_key] = certificate_index
    ended: list[OwnerBinding] = []
    for binding in active:
        units = held.get(binding.owner_id, {})
        reason = _end_reason(binding, units)
        if reason is None:
            continue
        binding.ended_at = now
        binding.ended_by_version_id = version.id
        binding.end_reason = reason
        ended.append(binding)
    if ended:
        await session.flush()
    for binding in ended:
        await _after_end(session, binding, version, now=now)
    return ended


def _end_reason(binding: OwnerBinding, units: dict[str, str | None]) -> str | None:
    if binding.unit_key is None:
        return None if units else OWNER_GONE
    if binding.unit_key not in units:
        return ROW_GONE  # the unit is gone, or the owner is no longer in its owner set
    if units[binding.unit_key] != binding.certificate_index:
        return ROW_CHANGED
    return None


def ended_by(version: RegisterVersion) -> str:
    """Who ended a binding (and the grants built on it): the register version, as recorded on the rows."""
    return f"register:{version.estate_id}:v{version.number}"


async def _after_end(session: AsyncSession, binding: OwnerBinding, version: RegisterVersion, *, now: datetime) -> None:
    """Unverify an account left without bindings, log the end and tell the owner. The acting grants built on the
    binding are ended by ``app.grant.service``, which subscribes after this module."""
    account = await session.get(Account, binding.account_id)
    still_bound = await bound_estates(session, binding.account_id)
    unverified = account is not None and not still_bound and account.owner_id is not None
    if unverified and account is not None:
        # The last binding was the account's only proof of being an owner anywhere: it is no longer verified.
        account.owner_id = None
        account.verified_at = None
        account.verification_method = None
        account.verification_reference = None
    await session.flush()
    details = {
        "binding_id": str(binding.id),
        "account_id": str(binding.account_id),
        "reason": binding.end_reason,
        "register_version_id": str(version.id),
        "register_version": version.number,
        "account_unverified": unverified,
    }
    await events.record(
        session,
        EventKind.IDENTITY_BINDING_ENDED,
        actor=ended_by(version),
        account_id=binding.account_id,
        estate_id=binding.estate_id,
        details=details,
    )
    await notice_service.publish_notice(
        session,
        estate_id=binding.estate_id,
        kind=NoticeKind.BINDING_ENDED,
        title="业主身份绑定已终止",
        body=(
            f"本小区业主名册已更新为第 {version.number} 版，您完成实名认证时所依据的房屋记录已变更或不再列出，"
            "您的账号在本小区的业主身份绑定自该版起终止，据此申请或取得的代理、代表授权同时终止。"
            "如有异议，请联系业主委员会或街道办事处；确为业主的，可重新认证。"
        ),
        now=now,
        audience="ACCOUNT",
        account_id=binding.account_id,
    )


register_service.listen_for_new_versions(end_bindings_relying_on_changed_rows)
