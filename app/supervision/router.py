"""Street-office supervision (R-SUP-1..3; Beijing Arts. 8, 51) and the jurisdiction view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal
from app.common.errors import Forbidden, Unauthenticated
from app.errors import DomainError, NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.paths import OrderId, StreetOfficeId, VoteId
from app.http.problems import problem_responses
from app.http.routes import add_act_route
from app.rules.errors import ResumptionExtensionTooShort
from app.supervision import errors, schemas, service

router = APIRouter(tags=["supervision"])
ACT_ERRORS = (Unauthenticated, Forbidden, NotFound)


class VoteAct(Protocol):
    """A service act on a vote that takes only a reason and a document reference (``SupervisionCommand``)."""

    async def __call__(
        self,
        session: AsyncSession,
        principal: Principal,
        vote_id: uuid.UUID,
        *,
        reason: str,
        document_ref: str,
        now: datetime,
    ) -> service.Acted: ...


def _vote_act_route(path: str, name: str, act: VoteAct, description: str, *problems: type[DomainError]) -> None:
    """Register ``POST /votes/{vote_id}/<path>`` for ``act``: same body, parameters and answer for each such act."""

    async def endpoint(
        vote_id: VoteId,
        body: schemas.SupervisionCommand,
        session: SessionDep,
        principal: CurrentPrincipal,
        clock: Clock,
    ) -> schemas.SupervisionResultRead:
        acted = await act(session, principal, vote_id, reason=body.reason, document_ref=body.document_ref, now=clock())
        return schemas.SupervisionResultRead.of(acted)

    add_act_route(
        router,
        f"/votes/{{vote_id}}/{path}",
        endpoint,
        name=name,
        description=description,
        response_model=schemas.SupervisionResultRead,
        responses=problem_responses(*ACT_ERRORS, *problems),
    )


_vote_act_route(
    "suspend",
    "suspend_vote",
    service.suspend,
    "Suspend a published or open vote (street office of the jurisdiction, admin): no ballots until resumed.",
    errors.NotSuspendable,
    errors.AlreadyRevoked,
)


@router.post(
    "/votes/{vote_id}/resume",
    response_model=schemas.SupervisionResultRead,
    responses=problem_responses(*ACT_ERRORS, errors.NotSuspended, errors.AlreadyRevoked, ResumptionExtensionTooShort),
)
async def resume_vote(
    vote_id: VoteId, body: schemas.ResumptionCommand, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> schemas.SupervisionResultRead:
    """Resume a suspended vote with its end extended by at least the suspended time (R-SUP-5), the new end
    announced to all owners; a shorter extension is refused."""
    acted = await service.resume(
        session, principal, vote_id, reason=body.reason, document_ref=body.document_ref, ends_at=body.ends_at,
        now=clock(),
    )  # fmt: skip
    return schemas.SupervisionResultRead.of(acted)


_vote_act_route(
    "terminate",
    "terminate_vote",
    service.terminate,
    "Terminate a suspended vote without a decision (R-SUP-6): its ballots are never counted, a new vote needs a "
    "new notice; notified to all owners.",
    errors.NotSuspended,
    errors.AlreadyRevoked,
)


@router.post(
    "/votes/{vote_id}/correction-orders",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SupervisionResultRead,
    responses=problem_responses(*ACT_ERRORS, errors.NotSupervisable, errors.AlreadyRevoked, errors.DeadlineNotInFuture),
)
async def order_correction(
    vote_id: VoteId, body: schemas.CorrectionOrderCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> schemas.SupervisionResultRead:
    """责令限期改正 (Beijing Arts. 8, 51) on a published vote or a decision; notified to the owners."""
    acted = await service.order_correction(
        session,
        principal,
        vote_id,
        reason=body.reason,
        document_ref=body.document_ref,
        deadline=body.deadline,
        now=clock(),
    )
    return schemas.SupervisionResultRead.of(acted)


@router.post(
    "/votes/{vote_id}/correction-orders/{order_id}/follow-up",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SupervisionResultRead,
    responses=problem_responses(*ACT_ERRORS, errors.AlreadyFollowedUp),
)
async def follow_up_correction_order(
    vote_id: VoteId,
    order_id: OrderId,
    body: schemas.SupervisionCommand,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> schemas.SupervisionResultRead:
    """Conclude a correction order (corrected, or escalated); an open order past its deadline is flagged."""
    acted = await service.follow_up(
        session, principal, vote_id, order_id, reason=body.reason, document_ref=body.document_ref, now=clock()
    )
    return schemas.SupervisionResultRead.of(acted)


REVOCATION_ERRORS = (
    errors.NotDecided,
    errors.AlreadyRevoked,
    errors.DecisionAlreadyRevoked,
    errors.NoDecisionOnTopic,
)


@router.post(
    "/votes/{vote_id}/revoke",
    response_model=schemas.SupervisionResultRead,
    responses=problem_responses(*ACT_ERRORS, *REVOCATION_ERRORS),
)
async def revoke_decision(
    vote_id: VoteId, body: schemas.RevocationCommand, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> schemas.SupervisionResultRead:
    """Revoke one topic's decision (R-SUP-7, Beijing Art. 51 「撤销其决定」): ``REVOKED_BY_STREET_OFFICE``; the
    vote's other decisions stay in force; notified to all owners."""
    acted = await service.revoke(
        session, principal, vote_id, topic_id=body.topic_id, reason=body.reason, document_ref=body.document_ref,
        now=clock(),
    )  # fmt: skip
    return schemas.SupervisionResultRead.of(acted)


@router.post(
    "/votes/{vote_id}/court-revocation",
    response_model=schemas.SupervisionResultRead,
    responses=problem_responses(*ACT_ERRORS, *REVOCATION_ERRORS),
)
async def record_court_revocation(
    vote_id: VoteId, body: schemas.CourtRevocationCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> schemas.SupervisionResultRead:
    """Record a judgment revoking one topic's decision (R-SUP-3, R-SUP-7, CC Art. 280 ¶2; admin only):
    ``REVOKED_BY_COURT``; the vote's other decisions stay in force; all owners told."""
    acted = await service.record_court_revocation(
        session, principal, vote_id, topic_id=body.topic_id, judgment_ref=body.judgment_ref, reason=body.reason,
        now=clock(),
    )  # fmt: skip
    return schemas.SupervisionResultRead.of(acted)


@router.get(
    "/votes/{vote_id}/supervision",
    response_model=schemas.VoteSupervisionRead,
    responses=problem_responses(Unauthenticated, NotFound),
)
async def get_vote_supervision(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> schemas.VoteSupervisionRead:
    """Every supervision act on the vote and its correction orders (readers of the vote)."""
    return schemas.VoteSupervisionRead.of(await service.vote_supervision(session, principal, vote_id, now=clock()))


@router.get(
    "/street-offices/{street_office_id}/overview",
    response_model=schemas.StreetOfficeOverviewRead,
    responses=problem_responses(Unauthenticated, NotFound),
)
async def get_street_office_overview(
    street_office_id: StreetOfficeId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> schemas.StreetOfficeOverviewRead:
    """The jurisdiction view (the street office itself, admin): estates, votes with live turnout (R-LIFE-7),
    pending identity reviews, decisions and late results (R-LIFE-8), estates without a meeting in 12 months
    (R-LIFE-11) and correction orders past their deadline."""
    return schemas.StreetOfficeOverviewRead.of(
        await service.overview(session, principal, street_office_id, now=clock())
    )
