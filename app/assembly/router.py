"""The first owners' assembly: the preparatory group, objections to the publicity, the guided view (R-FIRST)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from app.assembly import errors, service
from app.assembly.models import PublicityObjection
from app.assembly.schemas import (
    FirstAssemblyProcedureRead,
    GroupMemberRead,
    PreparatoryGroupCreate,
    PreparatoryGroupRead,
    ProcedureStepRead,
    PublicityObjectionAnswer,
    PublicityObjectionCreate,
    PublicityObjectionRead,
)
from app.committee.errors import MemberIdentityRequired, MemberNotOnRegister, RegisterRequired
from app.committee.models import PreparatoryGroup
from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import CipherDep, Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId, VoteId
from app.http.problems import problem_responses
from app.objection.errors import AlreadyAnswered, AnswerAfterClose, NotEstateOwner, NoticePeriodOver, ObjectionNotFound
from app.rules.first_assembly import GroupCompositionInvalid, meeting_due
from app.vote.errors import NotThisVotesOrganiser

router = APIRouter(tags=["first-assembly"])
ObjectionId = Annotated[uuid.UUID, Path(description="Publicity objection id")]
READ_ERRORS = (Unauthenticated, NotFound)


def _group_read(group: PreparatoryGroup, *, masked: bool) -> PreparatoryGroupRead:
    return PreparatoryGroupRead(
        id=group.id,
        estate_id=group.estate_id,
        formed_on=group.formed_on,
        members_publicised_on=group.members_publicised_on,
        application_petition_id=group.application_petition_id,
        meeting_due_on=meeting_due(group.formed_on),
        members=[
            GroupMemberRead(
                seat=member.seat,
                constituency=member.constituency,
                is_head=member.is_head,
                name=service.mask(member.name) if masked else member.name,
            )
            for member in group.members
        ],
    )


def _objection_read(objection: PublicityObjection) -> PublicityObjectionRead:
    return PublicityObjectionRead.model_validate(objection)


@router.post(
    "/estates/{estate_id}/preparatory-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=PreparatoryGroupRead,
    responses=problem_responses(
        *READ_ERRORS,
        Forbidden,
        errors.PreparatoryGroupNotAllowed,
        errors.ApplicationInvalid,
        errors.FormedOnInvalid,
        GroupCompositionInvalid,
        RegisterRequired,
        MemberIdentityRequired,
        MemberNotOnRegister,
    ),
)
async def form_preparatory_group(
    estate_id: EstateId,
    body: PreparatoryGroupCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cipher: CipherDep,
) -> PreparatoryGroupRead:
    """The street office records the preparatory group (筹备组) it formed: an odd number of members, owners'
    representatives at least half, headed by a residents' committee staff member (Beijing Art. 31, R-FIRST-1);
    its members are publicised to the owners at once."""
    group = await service.form_group(session, principal, estate_id, body, cipher=cipher, now=clock())
    return _group_read(group, masked=False)


@router.get(
    "/estates/{estate_id}/preparatory-groups",
    response_model=list[PreparatoryGroupRead],
    responses=problem_responses(*READ_ERRORS),
)
async def list_preparatory_groups(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal
) -> list[PreparatoryGroupRead]:
    """The estate's preparatory groups, newest first; owners bound in the estate read masked names."""
    groups, masked = await service.list_groups(session, principal, estate_id)
    return [_group_read(group, masked=masked) for group in groups]


@router.get(
    "/estates/{estate_id}/first-assembly",
    response_model=FirstAssemblyProcedureRead,
    responses=problem_responses(*READ_ERRORS, Forbidden),
)
async def read_first_assembly(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> FirstAssemblyProcedureRead:
    """The first assembly as a guided procedure (R-FIRST-6): each step of Beijing Arts. 30–33, 43 with its status
    (done, done late, due by its statutory day, overdue, waiting) for the street office and the preparatory group."""
    view = await service.procedure(session, principal, estate_id, now=clock())
    return FirstAssemblyProcedureRead(
        estate_id=view.estate_id,
        today=view.today,
        preparatory_group_id=view.group.id if view.group else None,
        vote_id=view.vote.id if view.vote else None,
        committee_id=view.committee.id if view.committee else None,
        steps=[
            ProcedureStepRead(
                step=step.step,
                basis=step.basis,
                status=step.status,
                done_on=step.done_on,
                due_on=step.due_on,
                detail=step.detail,
            )
            for step in view.steps
        ],
    )


@router.post(
    "/votes/{vote_id}/publicity-objections",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicityObjectionRead,
    responses=problem_responses(*READ_ERRORS, NotEstateOwner, errors.NotAFirstAssemblyVote, NoticePeriodOver),
)
async def file_publicity_objection(
    vote_id: VoteId, body: PublicityObjectionCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> PublicityObjectionRead:
    """An owner in the first assembly's roll objects to a publicised item (the covenant or rules of procedure
    drafts, the candidates, the election method, the meeting plan) before voting opens (Beijing Art. 32); objections
    to the roll itself go to ``/votes/{id}/roll/objections`` (R-ROLL-7)."""
    return _objection_read(await service.file_objection(session, principal, vote_id, body, now=clock()))


@router.get(
    "/votes/{vote_id}/publicity-objections",
    response_model=list[PublicityObjectionRead],
    responses=problem_responses(*READ_ERRORS, Forbidden),
)
async def list_publicity_objections(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal
) -> list[PublicityObjectionRead]:
    """Every objection for the organiser and the street office; an owner reads their own."""
    return [_objection_read(o) for o in await service.list_objections(session, principal, vote_id)]


@router.post(
    "/publicity-objections/{objection_id}/answer",
    response_model=PublicityObjectionRead,
    responses=problem_responses(
        Unauthenticated, ObjectionNotFound, Forbidden, NotThisVotesOrganiser, AlreadyAnswered, AnswerAfterClose
    ),
)
async def answer_publicity_objection(
    objection_id: ObjectionId,
    body: PublicityObjectionAnswer,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> PublicityObjectionRead:
    """The preparatory group answers an objection, ACCEPTED or REJECTED with reasons (Beijing Art. 32); logged with
    the commitment of the reasons only."""
    return _objection_read(await service.answer_objection(session, principal, objection_id, body, now=clock()))
