"""Committees and 物管会 of an estate, their members, filing, and the street office's convening grounds."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from app.committee import errors, service
from app.committee.schemas import (
    CommitteeCreate,
    CommitteeFile,
    CommitteeRead,
    CommitteesRead,
    MemberCreate,
    MemberEnd,
    TriggerCreate,
    TriggerRead,
    VacancyFill,
)
from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import CipherDep, Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId
from app.http.problems import problem_responses
from app.identity.auth_errors import PhoneInvalid
from app.rules.committees import CommitteeSizeInvalid, CommitteeTermInvalid

router = APIRouter(tags=["committees"])
CommitteeId = Annotated[uuid.UUID, Path(description="Committee id")]
MemberId = Annotated[uuid.UUID, Path(description="Committee member id")]
READ_ERRORS = (Unauthenticated, NotFound)
WRITE_ERRORS = (Unauthenticated, NotFound, Forbidden, errors.CommitteeWriteNotAllowed)
MEMBER_ERRORS = (
    errors.SeatInvalid,
    errors.MemberNotSitting,
    errors.MemberRepresentationInvalid,
)
TRIGGER_ERRORS = errors.TRIGGER_ERRORS


async def _read(session: SessionDep, principal: CurrentPrincipal, committee_id: uuid.UUID) -> CommitteeRead:
    committee, names, organisations = await service.read_committee(session, principal, committee_id)
    return CommitteeRead.of(committee, names, organisations)


@router.get("/estates/{estate_id}/committees", response_model=CommitteesRead, responses=problem_responses(*READ_ERRORS))
async def list_committees(estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal) -> CommitteesRead:
    """The estate's 业委会 and 物管会, each term with its seats, members, alternates and vacancies (R-COMM-4);
    staff of the estate and its bound owners read them (owners see masked names)."""
    committees, names, organisations = await service.list_committees(session, principal, estate_id)
    return CommitteesRead(items=[CommitteeRead.of(c, names, organisations) for c in committees])


@router.post(
    "/estates/{estate_id}/committees",
    status_code=status.HTTP_201_CREATED,
    response_model=CommitteeRead,
    responses=problem_responses(
        *WRITE_ERRORS,
        errors.RegisterRequired,
        errors.CommitteeOverlaps,
        errors.FormationGroundRequired,
        errors.ElectingVoteInvalid,
        CommitteeSizeInvalid,
        CommitteeTermInvalid,
    ),
)
async def create_committee(
    estate_id: EstateId, body: CommitteeCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> CommitteeRead:
    """Record a term of a 业委会 (the committee, the operator or the street office) or form a 物管会 (the street
    office only, Beijing Art. 52); seats and term are checked against Arts. 39, 41, 54, 58 (R-COMM-1, R-COMM-2)."""
    committee = await service.create_committee(session, principal, estate_id, body, now=clock())
    return await _read(session, principal, committee.id)


@router.get("/committees/{committee_id}", response_model=CommitteeRead, responses=problem_responses(*READ_ERRORS))
async def read_committee(committee_id: CommitteeId, session: SessionDep, principal: CurrentPrincipal) -> CommitteeRead:
    return await _read(session, principal, committee_id)


@router.post(
    "/committees/{committee_id}/filing",
    response_model=CommitteeRead,
    responses=problem_responses(*WRITE_ERRORS, errors.CommitteeAlreadyFiled, errors.FilingDateInvalid),
)
async def file_committee(
    committee_id: CommitteeId, body: CommitteeFile, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> CommitteeRead:
    """备案: the street office of the estate's jurisdiction records the filing, with its date (Beijing Art. 43)."""
    await service.file_committee(session, principal, committee_id, body, now=clock())
    return await _read(session, principal, committee_id)


@router.post(
    "/committees/{committee_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=CommitteeRead,
    responses=problem_responses(
        *WRITE_ERRORS,
        *MEMBER_ERRORS,
        errors.RegisterRequired,
        errors.MemberNotOnRegister,
        errors.MemberIdentityRequired,
        errors.StartOutsideTerm,
        errors.AlreadySitting,
        errors.RepresentativeUnknown,
        PhoneInvalid,
    ),
)
async def add_member(
    committee_id: CommitteeId,
    body: MemberCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cipher: CipherDep,
) -> CommitteeRead:
    """Seat a member or alternate: an owner on the estate's current register, an organisation through its authorised
    representative's account (Beijing Art. 39 ¶2), or a 物管会's residents'-committee or user representative (Art.
    54). Before the 业委会 is filed its organisers enter members; afterwards the street office records changes."""
    await service.add_member(session, principal, committee_id, body, cipher=cipher, now=clock())
    return await _read(session, principal, committee_id)


@router.post(
    "/committee-members/{member_id}/end",
    response_model=CommitteeRead,
    responses=problem_responses(*WRITE_ERRORS, *MEMBER_ERRORS, errors.EndReasonNotRecordable),
)
async def end_member(
    member_id: MemberId, body: MemberEnd, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> CommitteeRead:
    """A membership ends by resignation, incapacity or recall (Beijing Art. 46); the seat becomes vacant."""
    member = await service.end_member(session, principal, member_id, body, now=clock())
    return await _read(session, principal, member.committee_id)


@router.post(
    "/committee-members/{member_id}/fill-vacancy",
    response_model=CommitteeRead,
    responses=problem_responses(*WRITE_ERRORS, *MEMBER_ERRORS, errors.NotAnAlternate),
)
async def fill_vacancy(
    member_id: MemberId, body: VacancyFill, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> CommitteeRead:
    """An alternate takes a vacant member seat for the rest of the term (Beijing Art. 41 ¶3)."""
    member = await service.fill_vacancy(session, principal, member_id, body, now=clock())
    return await _read(session, principal, member.committee_id)


@router.get(
    "/estates/{estate_id}/convening-triggers",
    response_model=list[TriggerRead],
    responses=problem_responses(*READ_ERRORS),
)
async def list_triggers(estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal) -> list[TriggerRead]:
    """The street office's recorded grounds for convening in the committee's place (R-CONV-3)."""
    return [TriggerRead.of(trigger) for trigger in await service.list_triggers(session, principal, estate_id)]


@router.post(
    "/estates/{estate_id}/convening-triggers",
    status_code=status.HTTP_201_CREATED,
    response_model=TriggerRead,
    responses=problem_responses(*WRITE_ERRORS, *TRIGGER_ERRORS),
)
async def record_trigger(
    estate_id: EstateId, body: TriggerCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> TriggerRead:
    """The street office records a statutory ground for convening the owners itself (Beijing Arts. 24, 36, 48, 77;
    R-CONV-3); the ground is checked now and again when the vote is published."""
    return TriggerRead.of(await service.record_trigger(session, principal, estate_id, body, now=clock()))
