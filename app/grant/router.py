"""Voter-group binding (``/me/groups``) and grants to act for a group (R-CAST-1..6)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal
from app.common.errors import Forbidden, InvalidCursor, TooManyRequests, Unauthenticated
from app.common.pagination import Page, PageQuery, paginate
from app.common.schemas import UnitRef
from app.errors import DomainError, NotFound
from app.grant import errors, repository, schemas, service
from app.grant.models import ActingGrant, GrantStatus
from app.http.deps import CipherDep, Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId, GrantId
from app.http.problems import problem_responses
from app.http.routes import add_act_route
from app.identity.models import Account
from app.identity.phone import mask_phone
from app.place import access
from app.rules.casting import GrantAlreadyDecided, GrantAlreadyUsed, GrantNotRevocable, SignaturesIncomplete
from app.rules.numeric import area_display

router = APIRouter(tags=["grants"])
AUTH_ERRORS = (Unauthenticated, Forbidden, NotFound)
ORGANISER_ERRORS = (*AUTH_ERRORS, errors.GrantNotFound, GrantAlreadyDecided)


@router.get(
    "/me/groups",
    response_model=schemas.MyGroupList,
    responses=problem_responses(Unauthenticated, errors.AccountRequired, errors.NotVerified),
)
async def my_groups(session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> schemas.MyGroupList:
    """The voter groups you may act for now, in every estate, and why (owner, co-owner, grant; R-CAST-1)."""
    bound = await service.my_groups(session, principal, now=clock())
    return schemas.MyGroupList(
        items=[
            schemas.MyGroupRead(
                estate_id=item.estate.id,
                estate_name=item.estate.name,
                group_id=item.public_key,
                bases=sorted({entitlement.basis for entitlement in item.entitlements}),
                grant_ids=sorted(
                    uuid.UUID(entitlement.grant_id) for entitlement in item.entitlements if entitlement.grant_id
                ),
                heads=item.group.weight.heads,
                area=item.group.area,
                area_m2=area_display(item.group.area),
                units=[UnitRef.of_key(unit) for unit in item.group.unit_ids],
                co_owners=len(item.group.owner_keys),
                is_developer=item.group.is_developer,
            )
            for item in bound
        ]
    )


@router.get("/me/grants", responses=problem_responses(Unauthenticated, errors.AccountRequired, InvalidCursor))
async def my_grants(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    clock: Clock,
) -> Page[schemas.MyGrantRead]:
    """Grants you requested or received, and pending ones for groups you own (to sign)."""
    account_id = service.require_account(principal)
    bound_owners = await service.bound_owners(session, principal)
    statement = repository.my_grants_statement(account_id, bound_owners)
    rows, next_cursor = await paginate(session, statement, key=ActingGrant.id, cursor=page.cursor, limit=page.limit)
    accounts = await service.parties(session, rows)
    estates = await repository.estates(session, {grant.estate_id for grant in rows})
    now = clock()
    return Page(
        items=[
            schemas.MyGrantRead(
                **_grant_read(grant, accounts, now).model_dump(),
                estate_name=estates[grant.estate_id].name,
                relations=[schemas.GrantRelation(value) for value in service.relations(grant, principal, bound_owners)],
            )
            for grant in rows
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/estates/{estate_id}/grants",
    response_model=schemas.GrantRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        Unauthenticated,
        errors.AccountRequired,
        errors.NotVerified,
        errors.NotGroupOwner,
        errors.GroupNotFound,
        errors.NotCoOwned,
        errors.NotOrganisation,
        errors.NoPersonOwner,
        errors.ScopeNotApplicable,
        errors.InstructionsRequired,
        errors.ValidityRequired,
        errors.ValidityInverted,
        errors.ValidityPast,
        errors.EvidenceRequired,
        errors.GranteeRequired,
        errors.GranteePhoneInvalid,
        errors.GranteeIsRequester,
        errors.GranteeMustBeRequester,
        errors.GranteeNotCoOwner,
        TooManyRequests,
    ),
)
async def request_grant(
    estate_id: EstateId,
    body: schemas.GrantCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    request: Request,
    cipher: CipherDep,
) -> schemas.GrantRead:
    """Request a right to act for a voter group; it is PENDING until the organiser approves (R-CAST-2..5).

    PROXY and DESIGNATED_REPRESENTATIVE are signed by the group's owners (you sign by requesting; co-owners
    sign with ``/sign``). LEGAL_REPRESENTATIVE, SEALED_AUTHORISATION and GUARDIAN are claimed by the holder
    with evidence the organiser checks. The answer never says whether the agent's number has an account or is
    verified (the organiser's approval checks that); requests naming one number are limited (429).
    """
    now = clock()
    grant = await service.request_grant(session, principal, estate_id, body, cipher=cipher, now=now)
    return await _read_one(session, grant, now)


@router.get("/estates/{estate_id}/grants", responses=problem_responses(*AUTH_ERRORS, InvalidCursor))
async def list_grants(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    clock: Clock,
    grant_status: Annotated[GrantStatus | None, Query(alias="status")] = None,
) -> Page[schemas.GrantRead]:
    """The estate's grants for the organiser to review (names and phones masked)."""
    await access.ensure_can_manage_estate(session, principal, estate_id)
    statement = repository.estate_grants_statement(estate_id, grant_status)
    rows, next_cursor = await paginate(session, statement, key=ActingGrant.id, cursor=page.cursor, limit=page.limit)
    accounts = await service.parties(session, rows)
    now = clock()
    return Page(items=[_grant_read(grant, accounts, now) for grant in rows], next_cursor=next_cursor)


class GrantAct(Protocol):
    """A service act on one grant that takes nothing but the grant and the time (sign, approve, revoke)."""

    async def __call__(
        self, session: AsyncSession, principal: Principal, estate_id: uuid.UUID, grant_id: uuid.UUID, *, now: datetime
    ) -> ActingGrant: ...


def _grant_act_route(path: str, name: str, act: GrantAct, description: str, *problems: type[DomainError]) -> None:
    """Register ``POST /estates/{estate_id}/grants/{grant_id}/<path>`` for ``act``, answering the grant as it is."""

    async def endpoint(
        estate_id: EstateId, grant_id: GrantId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
    ) -> schemas.GrantRead:
        now = clock()
        grant = await act(session, principal, estate_id, grant_id, now=now)
        return await _read_one(session, grant, now)

    add_act_route(
        router,
        f"/estates/{{estate_id}}/grants/{{grant_id}}/{path}",
        endpoint,
        name=name,
        description=description,
        response_model=schemas.GrantRead,
        responses=problem_responses(*problems),
    )


_grant_act_route(
    "sign",
    "sign_grant",
    service.sign,
    "Sign a pending authorisation of a group you own (every co-owner signs a proxy; R-CAST-4).",
    Unauthenticated,
    errors.AccountRequired,
    errors.NotVerified,
    errors.GrantNotFound,
    errors.NotSignatory,
    errors.SignatureNotApplicable,
    GrantAlreadyDecided,
    errors.GroupNotInRoll,
)
_grant_act_route(
    "approve",
    "approve_grant",
    service.approve,
    "Approve after checking the evidence (the estate's committee, street office or admin).",
    *ORGANISER_ERRORS,
    errors.GrantExpired,
    errors.GranteeNotVerified,
    errors.GranteeNotCoOwner,
    errors.GroupNotInRoll,
    errors.NotCoOwned,
    errors.NotOrganisation,
    errors.NoPersonOwner,
    SignaturesIncomplete,
    errors.DesignationExists,
    errors.ProxyLimitReached,
)


@router.post(
    "/estates/{estate_id}/grants/{grant_id}/reject",
    response_model=schemas.GrantRead,
    responses=problem_responses(*ORGANISER_ERRORS),
)
async def reject_grant(
    estate_id: EstateId,
    grant_id: GrantId,
    body: schemas.GrantReject,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> schemas.GrantRead:
    """Reject with a reason (the estate's committee, street office or admin)."""
    now = clock()
    grant = await service.reject(session, principal, estate_id, grant_id, reason=body.reason, now=now)
    return await _read_one(session, grant, now)


_grant_act_route(
    "revoke",
    "revoke_grant",
    service.revoke,
    "Revoke until used (R-CAST-4): the requester, an owner of the group, or the organiser.",
    *AUTH_ERRORS,
    errors.GrantNotFound,
    GrantNotRevocable,
    GrantAlreadyUsed,
)


async def _read_one(session: AsyncSession, grant: ActingGrant, now: datetime) -> schemas.GrantRead:
    return _grant_read(grant, await service.parties(session, [grant]), now)


def _party(account: Account) -> schemas.PartyRead:
    return schemas.PartyRead(
        account_id=account.id,
        phone=mask_phone(account.phone_last4),
    )


def _grant_read(grant: ActingGrant, accounts: dict[uuid.UUID, Account], now: datetime) -> schemas.GrantRead:
    scope = grant.scope or {}
    return schemas.GrantRead.from_attributes_of(
        grant,
        group_id=service.public_group_key(grant.estate_id, grant.group_key),
        in_force=service.grant_facts(grant).in_force(now),
        grantee=_party(accounts[grant.grantee_account_id]),
        requested_by=_party(accounts[grant.requested_by_account_id]),
        scope=schemas.ProxyScopeRead.model_validate(scope) if scope else None,
        signatures_signed=len(grant.signed_by_owner_ids or ()),
        signatures_required=len(service.owner_keys_of(grant.group_key)),
    )
