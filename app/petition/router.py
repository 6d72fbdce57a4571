"""Petitions: first-assembly applications (R-LIFE-9) and temporary-meeting petitions (R-LIFE-10)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.common.access import Principal
from app.common.errors import InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.grant.errors import AccountRequired
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId, PetitionId
from app.http.problems import problem_responses
from app.petition import errors, service
from app.petition.schemas import (
    PetitionCountRead,
    PetitionCreate,
    PetitionRead,
    PetitionSummaryRead,
    SignatureCreate,
    SignatureRead,
)
from app.register.errors import RegisterEmpty
from app.rules.casting import ActingBasis, NotEntitled

router = APIRouter(tags=["petitions"])


def _read(view: service.PetitionView, principal: Principal) -> PetitionRead:
    petition = view.petition
    return PetitionRead.from_attributes_of(
        petition,
        opened_by_me=principal.account_id is not None and petition.opened_by_account_id == principal.account_id,
        submitted_to=service.recipient(petition.kind),
        count=PetitionCountRead.model_validate(service.count_read(view.count)),
        signatures=[
            SignatureRead(
                group_id=signature.group_id,
                basis=ActingBasis(signature.basis),
                signed_at=signature.signed_at,
                counted=signature.group_id in view.count.counted_group_ids,
            )
            for signature in view.signatures
        ],
    )


@router.post(
    "/estates/{estate_id}/petitions",
    status_code=status.HTTP_201_CREATED,
    response_model=PetitionRead,
    responses=problem_responses(Unauthenticated, AccountRequired, errors.NotEstateOwner, NotFound, RegisterEmpty),
)
async def open_petition(
    estate_id: EstateId, body: PetitionCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> PetitionRead:
    """Open a petition (a verified owner of the estate; for a first-assembly application also the developer's
    representative, R-LIFE-9). Groups then sign it one by one."""
    return _read(await service.open_petition(session, principal, estate_id, body, now=clock()), principal)


@router.get("/estates/{estate_id}/petitions", responses=problem_responses(Unauthenticated, NotFound, InvalidCursor))
async def list_petitions(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
) -> Page[PetitionSummaryRead]:
    """The estate's petitions (staff with a role on the estate, its owners and holders of grants there)."""
    listed = await service.list_petitions(session, principal, estate_id, cursor=page.cursor, limit=page.limit)
    return Page(
        items=[
            PetitionSummaryRead.from_attributes_of(petition, signatures=listed.signature_counts.get(petition.id, 0))
            for petition in listed.petitions
        ],
        next_cursor=listed.next_cursor,
    )


@router.get(
    "/petitions/{petition_id}",
    response_model=PetitionRead,
    responses=problem_responses(Unauthenticated, errors.PetitionNotFound),
)
async def get_petition(petition_id: PetitionId, session: SessionDep, principal: CurrentPrincipal) -> PetitionRead:
    """The petition with its count by the law core: every integer, the thresholds reached and the reasons."""
    return _read(await service.get_petition(session, principal, petition_id), principal)


@router.post(
    "/petitions/{petition_id}/signatures",
    status_code=status.HTTP_201_CREATED,
    response_model=PetitionRead,
    responses=problem_responses(
        Unauthenticated,
        AccountRequired,
        NotEntitled,
        errors.PetitionNotFound,
        errors.GroupNotFound,
        RegisterEmpty,
        errors.AlreadySigned,
        errors.NotCollecting,
    ),
)
async def sign_petition(
    petition_id: PetitionId, body: SignatureCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> PetitionRead:
    """Sign for one voter group you may act for (R-CAST); one signature per group (one head, R-HEAD)."""
    return _read(await service.sign(session, principal, petition_id, body, now=clock()), principal)


@router.post(
    "/petitions/{petition_id}/submit",
    response_model=PetitionRead,
    responses=problem_responses(
        Unauthenticated, errors.NotOpener, errors.PetitionNotFound, errors.AlreadySubmitted, errors.ThresholdNotMet
    ),
)
async def submit_petition(
    petition_id: PetitionId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> PetitionRead:
    """Record the hand-over (the opener): to the committee (temporary meeting) or the street office
    (application). The register version counted is frozen from then on."""
    return _read(await service.submit(session, principal, petition_id, now=clock()), principal)


@router.post(
    "/petitions/{petition_id}/escalate",
    response_model=PetitionRead,
    responses=problem_responses(Unauthenticated, errors.NotOpener, errors.PetitionNotFound, errors.NotEscalatable),
)
async def escalate_petition(
    petition_id: PetitionId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> PetitionRead:
    """Beijing Art. 36 (R-LIFE-10): the committee did not convene the meeting; ask the street office to order it.
    The opener, once submitted. The system records the dates; the Regulation sets no day limit."""
    return _read(await service.escalate(session, principal, petition_id, now=clock()), principal)
