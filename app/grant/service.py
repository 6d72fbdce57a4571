"""Binding verified people to their voter groups, and grants to act for a group (R-CAST-1..6, R-OWN-2/3).

Binding reads each estate's LATEST register version: that is who owns what today. A vote casts against its
frozen roll snapshot (R-ROLL-1) and handles transfers during voting by R-ROLL-5; the ballot service calls
``app.rules.casting.ensure_may_act`` with the snapshot's group and the vote id, and sets ``used_at`` on the
grant it used.

Grants name their group by owner-set key (``voter_group_key``), which stays the same across register versions
while the owner set does. Every state change records an identity event with ids only.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import MANAGING_ROLES, Principal, roles_on
from app.common.errors import Forbidden, TooManyRequests
from app.errors import Text
from app.grant import repository
from app.grant.errors import (
    AccountRequired,
    DesignationExists,
    EvidenceRequired,
    GranteeIsRequester,
    GranteeMustBeRequester,
    GranteeNotCoOwner,
    GranteeNotVerified,
    GranteePhoneInvalid,
    GranteeRequired,
    GrantExpired,
    GrantNotFound,
    GroupNotFound,
    GroupNotInRoll,
    InstructionsRequired,
    NoPersonOwner,
    NotCoOwned,
    NotGroupOwner,
    NotOrganisation,
    NotSignatory,
    NotVerified,
    ProxyLimitReached,
    ScopeNotApplicable,
    SignatureNotApplicable,
    ValidityInverted,
    ValidityPast,
    ValidityRequired,
)
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.grant.schemas import GrantCreate, ProxyAuthority
from app.identity import accounts
from app.identity import events as identity_events
from app.identity.models import Account
from app.identity.phone import PHONE_FIELD, normalise_phone
from app.ledger.events import EventKind
from app.place import access
from app.place.models import Estate
from app.procedure import service as procedure_service
from app.realname import binding as realname_binding  # subscribes to register versions before this module does
from app.realname import repository as realname_repository
from app.realname.models import OwnerBinding
from app.register import repository as register_repository
from app.register import service as register_service
from app.register.models import OwnerKind, RegisterVersion
from app.register.service import roll_of_units
from app.rules import casting
from app.rules.casting import Caller, GrantFacts, GrantKind, GrantState, ProxyScope
from app.rules.procedure import proxy_allowed
from app.rules.roll import Roll, VoterGroup, public_group_id
from app.security.pii import FieldCipher

DOCUMENT_KINDS = frozenset({ActingKind.LEGAL_REPRESENTATIVE, ActingKind.SEALED_AUTHORISATION, ActingKind.GUARDIAN})
"""Rights the organiser checks against a document (licence, sealed letter, guardianship proof): evidence required."""
SELF_KINDS = DOCUMENT_KINDS
"""Rights requested by the person who holds them: the grantee is the requester."""

GRANTEE_REQUESTS_PER_WINDOW = 5
GRANTEE_REQUEST_WINDOW = timedelta(hours=1)
"""Grant requests naming one agent's number, from anyone, within the window (the per-target limit)."""


def public_group_key(estate_id: uuid.UUID, group_key: str) -> str:
    """The opaque per-estate id of a voter group, as the roll API and ballots show it."""
    return public_group_id(str(estate_id), group_key)


def owner_keys_of(group_key: str) -> list[str]:
    """The owner ids in a group key (a JSON array, ``app.rules.roll.voter_group_key``)."""
    keys: list[str] = json.loads(group_key)
    return keys


def require_account(principal: Principal) -> uuid.UUID:
    if principal.account_id is None:
        raise AccountRequired()
    return principal.account_id


def require_verified(principal: Principal) -> tuple[uuid.UUID, uuid.UUID]:
    """R-CAST-1: an identity-verified account (its owner identity is set only by verification)."""
    account_id = require_account(principal)
    if principal.owner_id is None:
        raise NotVerified()
    return account_id, principal.owner_id


def caller_of(principal: Principal, bound_owner_id: uuid.UUID | None) -> Caller:
    """The caller as the law core sees them in one estate: an owner there only through a binding made against that
    estate's register (``bound_owner_id``, R-CAST-1); identity-verified as long as the account is."""
    return Caller(
        account_key=str(principal.account_id),
        owner_key=str(bound_owner_id) if bound_owner_id is not None else None,
        verified=principal.owner_id is not None,
    )


async def estate_caller(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> Caller:
    return caller_of(principal, await realname_repository.bound_owner(session, principal.account_id, estate_id))


def grant_facts(grant: ActingGrant, grantee_owner_id: uuid.UUID | None = None) -> GrantFacts:
    return grant_facts_of(
        grant.id, grant.kind.value, grant.grantee_account_id, grant.status.value, grantee_owner_id,
        grant.valid_from, grant.valid_until, grant.scope, grant.used_at, grant.signed_by_owner_ids,
    )  # fmt: skip


def grant_facts_of(
    grant_id: uuid.UUID,
    kind: str,
    grantee_account_id: uuid.UUID,
    status: str,
    grantee_owner_id: uuid.UUID | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    scope: dict[str, Any] | None,
    used_at: datetime | None,
    signed_by_owner_ids: list[str] | None,
) -> GrantFacts:
    """A grant's stored values as the law core's facts (also read straight from the driver by the cast path)."""
    scope = scope or {}
    votes = scope.get("vote_ids")
    topics = scope.get("topic_ids")
    return GrantFacts(
        grant_id=str(grant_id),
        kind=GrantKind(kind),
        grantee_key=str(grantee_account_id),
        status=GrantState(status),
        grantee_owner_key=str(grantee_owner_id) if grantee_owner_id is not None else None,
        valid_from=valid_from,
        valid_until=valid_until,
        scope=ProxyScope(
            vote_ids=frozenset(votes) if votes is not None else None,
            topic_ids=frozenset(topics) if topics is not None else None,
        ),
        used=used_at is not None,
        signed_by=frozenset(signed_by_owner_ids or ()),
    )


def _facts_of(rows: Iterable[tuple[ActingGrant, uuid.UUID | None]]) -> list[GrantFacts]:
    return [grant_facts(grant, grantee_owner) for grant, grantee_owner in rows]


# --- Estate rolls ---


@dataclass(frozen=True, slots=True)
class EstateRoll:
    version: RegisterVersion
    roll: Roll
    organisation_keys: frozenset[str]

    def group(self, group_key: str) -> VoterGroup | None:
        return next((group for group in self.roll.groups if group.key == group_key), None)


async def estate_roll(session: AsyncSession, version: RegisterVersion) -> EstateRoll:
    """The roll of a register version and which of its owners are organisations (the developer included)."""
    units = await register_repository.units_with_owners(session, version.id)
    organisations = {
        str(link.owner_id) for unit in units for link in unit.owners if link.owner.kind is OwnerKind.ORGANISATION
    }
    if version.developer_owner_id is not None:
        organisations.add(str(version.developer_owner_id))
    return EstateRoll(version, roll_of_units(version, units), frozenset(organisations))


async def _latest_roll(session: AsyncSession, estate_id: uuid.UUID) -> EstateRoll | None:
    version = await register_repository.latest_version(session, estate_id)
    return await estate_roll(session, version) if version is not None else None


@dataclass(frozen=True, slots=True)
class GroupContext:
    estate_roll: EstateRoll
    group: VoterGroup
    grants: tuple[GrantFacts, ...]  # the group's APPROVED grants

    @property
    def organisation_keys(self) -> frozenset[str]:
        return self.estate_roll.organisation_keys

    @property
    def persons(self) -> frozenset[str]:
        return casting.person_owner_keys(self.group, self.organisation_keys)

    def designated(self, now: datetime) -> frozenset[str]:
        return casting.designated_owner_keys(self.group, self.grants, organisation_keys=self.organisation_keys, now=now)

    def signatory_keys(self, caller: Caller, now: datetime) -> frozenset[str]:
        return casting.signatory_keys(
            self.group, caller, organisation_keys=self.organisation_keys, grants=self.grants, now=now
        )


async def _group_context(session: AsyncSession, estate_id: uuid.UUID, *, group_key: str) -> GroupContext | None:
    """The group with this owner-set key in the estate's latest roll, with its approved grants."""
    rolled = await _latest_roll(session, estate_id)
    group = rolled.group(group_key) if rolled is not None else None
    if rolled is None or group is None:
        return None
    grants = _facts_of(await repository.approved_grants_of_group(session, estate_id, group_key))
    return GroupContext(rolled, group, tuple(grants))


async def _group_by_public_key(session: AsyncSession, estate_id: uuid.UUID, public_key: str) -> GroupContext:
    rolled = await _latest_roll(session, estate_id)
    if rolled is None:
        raise GroupNotFound()
    group = next((g for g in rolled.roll.groups if public_group_key(estate_id, g.key) == public_key), None)
    if group is None:
        raise GroupNotFound()
    grants = _facts_of(await repository.approved_grants_of_group(session, estate_id, group.key))
    return GroupContext(rolled, group, tuple(grants))


# --- Binding: /me/groups ---


@dataclass(frozen=True, slots=True)
class BoundGroup:
    estate: Estate
    public_key: str
    group: VoterGroup
    entitlements: tuple[casting.Entitlement, ...]


async def my_groups(session: AsyncSession, principal: Principal, *, now: datetime) -> list[BoundGroup]:
    """Every voter group the verified caller may act for now, in every estate, with the bases (R-CAST-1).

    Queries are per estate, never per unit: the caller's latest versions (one query), estates reached by
    grants (one), their latest versions (one), the grants that bear on the caller (one), then each estate's
    units with owners.
    """
    account_id, owner_id = require_verified(principal)
    bound = set(await realname_binding.bound_estates(session, account_id))  # owner only where bound (R-CAST-1)
    versions = {
        version.estate_id: version
        for version in await repository.owner_latest_versions(session, owner_id)
        if version.estate_id in bound
    }
    granted = await repository.estates_with_grants_to(session, account_id) - versions.keys()
    versions.update({version.estate_id: version for version in await repository.latest_versions(session, granted)})
    estates = await repository.estates(session, versions.keys())
    grants_by_group: dict[tuple[uuid.UUID, str], list[GrantFacts]] = {}
    for grant, grantee_owner in await repository.binding_grants(
        session, versions.keys(), account_id=account_id, owner_id=owner_id
    ):
        if grant.grantee_account_id != account_id and grant.estate_id not in bound:
            continue  # a grant of a group the owner is in, where the account is not bound to that owner (R-CAST-1)
        grants_by_group.setdefault((grant.estate_id, grant.group_key), []).append(grant_facts(grant, grantee_owner))

    found_groups: list[BoundGroup] = []
    for estate_id, version in versions.items():
        caller = caller_of(principal, owner_id if estate_id in bound else None)
        rolled = await estate_roll(session, version)
        for group in rolled.roll.groups:
            grants = grants_by_group.get((estate_id, group.key), [])
            if caller.owner_key not in group.owner_keys and not grants:
                continue
            found = casting.entitlements(
                group, caller, organisation_keys=rolled.organisation_keys, grants=grants, now=now
            )
            if found:
                found_groups.append(
                    BoundGroup(estates[estate_id], public_group_key(estate_id, group.key), group, found)
                )
    return sorted(found_groups, key=lambda item: (item.estate.name, str(item.estate.id), item.public_key))


# --- Requests ---


async def request_grant(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    body: GrantCreate,
    *,
    cipher: FieldCipher,
    now: datetime,
) -> ActingGrant:
    """A PENDING grant; the requester signs it at once where owners sign (R-CAST-4)."""
    account_id, _ = require_verified(principal)
    context = await _group_by_public_key(session, estate_id, body.group_id)
    kind = body.kind
    _ensure_kind_applies(kind, context)
    scope = _scope(body)
    _ensure_validity(body.valid_from, body.valid_until, kind=kind, now=now)
    if kind in DOCUMENT_KINDS and body.evidence_sha256 is None:
        raise EvidenceRequired(kind=kind.value)

    signed: frozenset[str] = frozenset()
    if kind in SELF_KINDS:
        grantee = await _self_grantee(session, account_id, body.grantee_phone, cipher=cipher, kind=kind)
    else:
        signed = context.signatory_keys(await estate_caller(session, principal, estate_id), now)
        if not signed:
            raise NotGroupOwner()
        if kind is ActingKind.PROXY:
            if body.grantee_phone is None:
                raise GranteeRequired()
            grantee = await _grantee(session, principal, body.grantee_phone, cipher=cipher, now=now)
            if grantee.id == account_id:
                raise GranteeIsRequester()
        elif body.grantee_phone is not None:  # DESIGNATED_REPRESENTATIVE named by number: checked on approval
            grantee = await _grantee(session, principal, body.grantee_phone, cipher=cipher, now=now)
        else:  # DESIGNATED_REPRESENTATIVE: by default the requester, who must be a co-owner bound in this estate
            grantee = await _account(session, account_id)
            if str(await realname_repository.bound_owner(session, grantee.id, estate_id)) not in context.persons:
                raise GranteeNotCoOwner()

    grant = ActingGrant(
        id=uuid.uuid4(),
        estate_id=estate_id,
        group_key=context.group.key,
        kind=kind,
        grantee_account_id=grantee.id,
        requested_by_account_id=account_id,
        status=GrantStatus.PENDING,
        evidence_type=body.evidence_type,
        evidence_sha256=body.evidence_sha256,
        evidence_note=body.evidence_note,
        signed_by_owner_ids=sorted(signed),
        scope=scope,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=now,
    )
    session.add(grant)
    await session.flush()
    await _record(session, EventKind.IDENTITY_GRANT_REQUESTED, principal, grant, signatures=len(signed))
    return grant


def _ensure_kind_applies(kind: ActingKind, context: GroupContext) -> None:
    if casting.kind_applies(GrantKind(kind.value), context.group, context.organisation_keys):
        return
    if kind is ActingKind.DESIGNATED_REPRESENTATIVE:
        raise NotCoOwned()
    if kind is ActingKind.GUARDIAN:
        raise NoPersonOwner()
    raise NotOrganisation()  # LEGAL_REPRESENTATIVE / SEALED_AUTHORISATION; PROXY always applies


def _scope(body: GrantCreate) -> dict[str, Any]:
    if body.kind is not ActingKind.PROXY:
        if body.scope is not None:
            raise ScopeNotApplicable()
        return {}
    scope = body.scope
    if scope is None:
        return {"vote_ids": None, "topic_ids": None, "authority": ProxyAuthority.FREE.value, "instructions": None}
    if scope.authority is ProxyAuthority.INSTRUCTED and not scope.instructions:
        raise InstructionsRequired()
    return {
        "vote_ids": sorted(str(vote_id) for vote_id in scope.vote_ids) if scope.vote_ids is not None else None,
        "topic_ids": sorted(str(topic_id) for topic_id in scope.topic_ids) if scope.topic_ids is not None else None,
        "authority": scope.authority.value,
        "instructions": scope.instructions,
    }


def _ensure_validity(
    valid_from: datetime | None, valid_until: datetime | None, *, kind: ActingKind, now: datetime
) -> None:
    """R-CAST-4: a proxy states its validity period; ``valid_from`` inclusive, ``valid_until`` exclusive."""
    if kind is ActingKind.PROXY and (valid_from is None or valid_until is None):
        raise ValidityRequired()
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise ValidityInverted()
    if valid_until is not None and valid_until <= now:
        raise ValidityPast()


async def _account(session: AsyncSession, account_id: uuid.UUID) -> Account:
    account = await session.get(Account, account_id)
    if account is None:  # the principal was just loaded from it
        raise AccountRequired()
    return account


async def _grantee(
    session: AsyncSession, principal: Principal, phone: str, *, cipher: FieldCipher, now: datetime
) -> Account:
    """The account of the number the requester named, created if the number has none.

    The answer is the same whether the number has no account, an unverified or disabled one, or a verified owner's
    (no oracle for who uses evote): the agent is checked when the organiser approves (R-CAST-4: verified; R-CAST-2:
    a co-owner). A number named in too many requests within an hour is refused with 429, so the requests cannot be
    used to probe numbers in bulk.
    """
    normalised = normalise_phone(phone)
    if normalised is None:
        raise GranteePhoneInvalid()
    account = await repository.account_by_phone_index(session, cipher.blind_index(PHONE_FIELD, normalised))
    if account is None:
        account = await accounts.create_account(
            session, normalised, cipher=cipher, now=now, actor=principal.label, via="grant_request"
        )
    since = now - GRANTEE_REQUEST_WINDOW
    named = await repository.requests_naming(session, account.id, since=since)
    if len(named) >= GRANTEE_REQUESTS_PER_WINDOW:
        retry_at = named[len(named) - GRANTEE_REQUESTS_PER_WINDOW] + GRANTEE_REQUEST_WINDOW
        retry_after = max(1, math.ceil((retry_at - now).total_seconds()))
        raise TooManyRequests(retry_after=retry_after, extra={"retry_after": retry_after})
    return account


async def _self_grantee(
    session: AsyncSession, account_id: uuid.UUID, phone: str | None, *, cipher: FieldCipher, kind: ActingKind
) -> Account:
    """Legal representatives, sealed-authorisation holders and guardians claim the right for themselves."""
    account = await _account(session, account_id)
    if phone is not None:
        normalised = normalise_phone(phone)
        if normalised is None or cipher.blind_index(PHONE_FIELD, normalised) != account.phone_index:
            raise GranteeMustBeRequester(kind=kind.value)
    return account


# --- Signatures ---


async def sign(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, grant_id: uuid.UUID, *, now: datetime
) -> ActingGrant:
    """A co-owner (or an organisation owner's representative) signs a pending authorisation (R-CAST-4)."""
    require_verified(principal)
    grant = await _get(session, estate_id, grant_id, for_update=True)
    if grant.kind not in (ActingKind.PROXY, ActingKind.DESIGNATED_REPRESENTATIVE):
        raise SignatureNotApplicable(kind=grant.kind.value)
    casting.ensure_decidable(grant_facts(grant))
    context = await _group_context(session, estate_id, group_key=grant.group_key)
    if context is None:
        raise GroupNotInRoll()
    keys = context.signatory_keys(await estate_caller(session, principal, estate_id), now)
    if not keys:
        raise NotSignatory()
    already = set(grant.signed_by_owner_ids or ())
    if not keys <= already:
        grant.signed_by_owner_ids = sorted(already | keys)  # a new list: JSON columns track assignment only
        await session.flush()
        await _record(
            session, EventKind.IDENTITY_GRANT_SIGNED, principal, grant, signatures=len(grant.signed_by_owner_ids)
        )
    return grant


# --- Organiser decisions ---


async def _ensure_proxy_within_rules(session: AsyncSession, grant: ActingGrant, *, now: datetime) -> None:
    """R-PROC-5 / R-CAST-4: the rules of procedure in force may forbid proxies or cap the groups one agent
    represents (PROCEDURE D5); the other groups counted are those of the agent's approved proxies still in force."""
    rules = (await procedure_service.in_force(session, grant.estate_id)).rules
    represented = await repository.proxied_groups(session, grant.estate_id, grant.grantee_account_id, now=now)
    if not proxy_allowed(rules, len(represented - {grant.group_key})):
        limit = rules.max_proxies_per_agent if rules.proxies_allowed else 0
        raise ProxyLimitReached(limit=str(limit))


async def approve(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, grant_id: uuid.UUID, *, now: datetime
) -> ActingGrant:
    """The organiser approves after checking the evidence; proxies need every signature first (R-CAST-4)."""
    await access.ensure_can_manage_estate(session, principal, estate_id)
    grant = await _get(session, estate_id, grant_id, for_update=True)
    facts = grant_facts(grant)
    casting.ensure_decidable(facts)
    if grant.valid_until is not None and grant.valid_until <= now:
        raise GrantExpired()
    grantee = await session.get(Account, grant.grantee_account_id)
    if grantee is None or grantee.owner_id is None or grantee.disabled_at is not None:
        raise GranteeNotVerified()
    context = await _group_context(session, estate_id, group_key=grant.group_key)
    if context is None:
        raise GroupNotInRoll()
    _ensure_kind_applies(grant.kind, context)
    if grant.kind is ActingKind.PROXY:
        casting.ensure_signatures_complete(facts, context.group, designated_owner_keys=context.designated(now))
        await _ensure_proxy_within_rules(session, grant, now=now)
    elif grant.kind is ActingKind.DESIGNATED_REPRESENTATIVE:
        if str(await realname_repository.bound_owner(session, grantee.id, estate_id)) not in context.persons:
            raise GranteeNotCoOwner()
        casting.ensure_signatures_complete(facts, context.group)  # R-CAST-2: all co-owners designate
        if context.designated(now):
            raise DesignationExists()
    grant.status = GrantStatus.APPROVED
    grant.decided_by = principal.label[:200]
    grant.decided_at = now
    await session.flush()
    await _record(session, EventKind.IDENTITY_GRANT_APPROVED, principal, grant)
    return grant


async def reject(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    grant_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
) -> ActingGrant:
    await access.ensure_can_manage_estate(session, principal, estate_id)
    grant = await _get(session, estate_id, grant_id, for_update=True)
    casting.ensure_decidable(grant_facts(grant))
    grant.status = GrantStatus.REJECTED
    grant.decided_by = principal.label[:200]
    grant.decided_at = now
    grant.decision_reason = reason
    await session.flush()
    await _record(session, EventKind.IDENTITY_GRANT_REJECTED, principal, grant)
    return grant


async def revoke(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, grant_id: uuid.UUID, *, now: datetime
) -> ActingGrant:
    """By the requester, an owner of the group, or the organiser; only until the grant is used (R-CAST-4)."""
    grant = await _get(session, estate_id, grant_id, for_update=True)
    place = await access.estate_place(session, estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    allowed = bool(roles & MANAGING_ROLES) or (
        principal.account_id is not None and principal.account_id == grant.requested_by_account_id
    )
    if not allowed and principal.account_id is not None and principal.owner_id is not None:
        context = await _group_context(session, estate_id, group_key=grant.group_key)
        caller = await estate_caller(session, principal, estate_id)
        allowed = context is not None and bool(context.signatory_keys(caller, now))
    if not allowed:
        if roles:
            raise Forbidden(
                reason=Text(
                    "只有申请人、该表决组的业主或组织者可以撤销授权",
                    "only the requester, an owner of the group or the organiser revokes a grant",
                )
            )
        raise GrantNotFound()
    casting.ensure_revocable(grant_facts(grant))
    grant.status = GrantStatus.REVOKED
    grant.revoked_at = now
    grant.revoked_by = principal.label[:200]
    await session.flush()
    await _record(session, EventKind.IDENTITY_GRANT_REVOKED, principal, grant)
    return grant


async def _get(
    session: AsyncSession, estate_id: uuid.UUID, grant_id: uuid.UUID, *, for_update: bool = False
) -> ActingGrant:
    grant = await repository.get_grant(session, estate_id, grant_id, for_update=for_update)
    if grant is None:  # also a grant of another estate: never disclosed
        raise GrantNotFound()
    return grant


async def _record(
    session: AsyncSession, kind: EventKind, principal: Principal, grant: ActingGrant, **details: object
) -> None:
    await identity_events.record(
        session,
        kind,
        actor=principal.label,
        account_id=principal.account_id,
        estate_id=grant.estate_id,
        details={
            "grant_id": str(grant.id),
            "kind": grant.kind.value,
            "status": grant.status.value,
            "grantee_account_id": str(grant.grantee_account_id),
            "requested_by_account_id": str(grant.requested_by_account_id),
            **details,
        },
    )


# --- Reading ---


def relations(grant: ActingGrant, principal: Principal, bound_owners: Mapping[uuid.UUID, uuid.UUID]) -> list[str]:
    """The caller's relations to a grant; an owner of its group only through a binding in the grant's estate
    (``bound_owners``: estate → owner, R-CAST-1)."""
    found = []
    if grant.requested_by_account_id == principal.account_id:
        found.append("REQUESTER")
    if grant.grantee_account_id == principal.account_id:
        found.append("GRANTEE")
    owner_id = bound_owners.get(grant.estate_id)
    if owner_id is not None and str(owner_id) in owner_keys_of(grant.group_key):
        found.append("OWNER")
    return found


async def bound_owners(session: AsyncSession, principal: Principal) -> dict[uuid.UUID, uuid.UUID]:
    """Estate → the owner the caller is bound to there now (R-CAST-1)."""
    return await realname_repository.bound_owners(session, principal.account_id)


async def parties(session: AsyncSession, grants: Sequence[ActingGrant]) -> dict[uuid.UUID, Account]:
    ids = {grant.grantee_account_id for grant in grants} | {grant.requested_by_account_id for grant in grants}
    return await repository.accounts(session, ids)


# --- Bindings ended by a register version ---


async def end_grants_of_ended_bindings(
    session: AsyncSession, version: RegisterVersion, now: datetime
) -> list[ActingGrant]:
    """The pending and approved grants requested by, or made to, an account whose binding ``version`` ended: they
    were built on it (R-CAST-1), so they end from that version on; ballots already cast under them stand."""
    ended = list(await session.scalars(select(OwnerBinding).where(OwnerBinding.ended_by_version_id == version.id)))
    accounts = {binding.account_id for binding in ended}
    if not accounts:
        return []
    grants = list(
        await session.scalars(
            select(ActingGrant)
            .where(
                ActingGrant.estate_id == version.estate_id,
                ActingGrant.status.in_((GrantStatus.PENDING, GrantStatus.APPROVED)),
                or_(ActingGrant.grantee_account_id.in_(accounts), ActingGrant.requested_by_account_id.in_(accounts)),
            )
            .order_by(ActingGrant.id)
            # FOR UPDATE waits for a cast holding the grant (FOR KEY SHARE, which a plain UPDATE would not wait for):
            # that ballot is cast before the end and stands; no ballot uses the grant after it (R-CAST-4).
            .with_for_update()
        )
    )
    actor = realname_binding.ended_by(version)
    for grant in grants:
        grant.status = GrantStatus.REVOKED
        grant.revoked_at = now
        grant.revoked_by = actor
    await session.flush()
    for grant in grants:
        details = {"grant_id": str(grant.id), "kind": grant.kind.value, "register_version": version.number}
        await identity_events.record(
            session, EventKind.IDENTITY_GRANT_ENDED_WITH_BINDING, actor=actor, account_id=grant.grantee_account_id,
            estate_id=grant.estate_id, details=details,
        )  # fmt: skip
    return grants


register_service.listen_for_new_versions(end_grants_of_ended_bindings)
