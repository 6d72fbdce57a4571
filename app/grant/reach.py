"""What an owner or an acting grantee reaches of an estate (R-CAST-1..5): the owners' app reads through this.

An account reaches an estate

* as an owner, through a binding made against that estate's register (``app.realname.binding``, R-CAST-1): an
  identity proven in another estate's register reaches nothing here;
* as a legal representative, holder of a sealed authorisation, guardian, designated representative or proxy
  (R-CAST-2..5), through a grant made TO the account in that estate, APPROVED by the organiser and in force now
  (``valid_from`` inclusive, ``valid_until`` exclusive: the rule of ``app.rules.casting.GrantFacts.in_force``).

Either way only while the account is identity-verified (R-CAST-1). A pending, rejected, revoked or expired grant
reaches nothing, so revoking a grant (or its end with the binding it was built on) ends the grantee's reads at
once. A proxy's grant reaches only the votes its scope names and never a vote that admits no proxies (R-CAST-4).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.grant.service import grant_facts
from app.realname import repository as realname_repository


def in_force(now: datetime) -> ColumnElement[bool]:
    """APPROVED and within ``[valid_from, valid_until)`` at ``now`` (as ``GrantFacts.in_force``, in SQL)."""
    return and_(
        ActingGrant.status == GrantStatus.APPROVED,
        or_(ActingGrant.valid_from.is_(None), ActingGrant.valid_from <= now),
        or_(ActingGrant.valid_until.is_(None), ActingGrant.valid_until > now),
    )


@dataclass(frozen=True, slots=True)
class Reach:
    """How the caller reaches one estate: as the owner it is bound to there, and through its grants in force."""

    estate_id: uuid.UUID
    owner_id: uuid.UUID | None = None
    grants: tuple[ActingGrant, ...] = field(default_factory=tuple)

    def grants_for_vote(self, vote_id: uuid.UUID, *, proxies_allowed: bool) -> list[ActingGrant]:
        """The grants that let the caller act in this vote: a proxy only where the vote admits proxies and the
        scope covers the vote (R-CAST-4); the others always."""
        return [
            grant
            for grant in self.grants
            if grant.kind is not ActingKind.PROXY
            or (proxies_allowed and grant_facts(grant).scope.covers(str(vote_id), None))
        ]

    @property
    def relations(self) -> list[str]:
        """``OWNER`` and the kinds of the grants, sorted: what the app shows beside the estate."""
        kinds = {grant.kind.value for grant in self.grants}
        return (["OWNER"] if self.owner_id is not None else []) + sorted(kinds)


def _verified_account(principal: Principal) -> uuid.UUID | None:
    """R-CAST-1: only an identity-verified account acts, so only such an account reaches anything as an actor."""
    return principal.account_id if principal.owner_id is not None else None


async def grants_in_force(
    session: AsyncSession, principal: Principal, *, now: datetime, estate_id: uuid.UUID | None = None
) -> Sequence[ActingGrant]:
    """The grants made to the caller's verified account that are in force now (in one estate, or everywhere)."""
    account_id = _verified_account(principal)
    if account_id is None:
        return []
    statement = select(ActingGrant).where(ActingGrant.grantee_account_id == account_id, in_force(now))
    if estate_id is not None:
        statement = statement.where(ActingGrant.estate_id == estate_id)
    return (await session.scalars(statement.order_by(ActingGrant.created_at, ActingGrant.id))).all()


async def estate_reach(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, now: datetime
) -> Reach | None:
    """How the caller reaches ``estate_id`` as an owner or a grantee; None when it does not (the caller gets 404)."""
    if _verified_account(principal) is None:
        return None
    owner_id = await realname_repository.bound_owner(session, principal.account_id, estate_id)
    grants = tuple(await grants_in_force(session, principal, now=now, estate_id=estate_id))
    if owner_id is None and not grants:
        return None
    return Reach(estate_id, owner_id, grants)


async def reached_estates(session: AsyncSession, principal: Principal, *, now: datetime) -> dict[uuid.UUID, Reach]:
    """Every estate the caller reaches as an owner or a grantee (two queries)."""
    if _verified_account(principal) is None:
        return {}
    owners = await realname_repository.bound_owners(session, principal.account_id)
    grants: dict[uuid.UUID, list[ActingGrant]] = {}
    for grant in await grants_in_force(session, principal, now=now):
        grants.setdefault(grant.estate_id, []).append(grant)
    return {
        estate_id: Reach(estate_id, owners.get(estate_id), tuple(grants.get(estate_id, ())))
        for estate_id in owners.keys() | grants.keys()
    }
