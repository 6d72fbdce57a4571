"""The vote's roll open to the estate's owners, objections and answers, the corrected roll (R-ROLL-7)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from app.common.access import Principal
from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import PageQuery
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.paths import VoteId
from app.http.problems import problem_responses
from app.objection import errors, service
from app.objection.models import RollObjection
from app.objection.schemas import (
    ObjectionAnswer,
    ObjectionCreate,
    ObjectionPage,
    ObjectionRead,
    RollEntryRead,
    RollRepublish,
    RollRepublishedRead,
    RollUnitRead,
    VoteRollPage,
)
from app.register.schemas import Totals
from app.rules.errors import (
    EmptyRoll,
    NoticePeriodTooShort,
    VotingWindowInverted,
    VotingWindowTooShort,
)
from app.rules.numeric import area_display
from app.security.pii import mask_name
from app.vote.errors import NotThisVotesOrganiser, VoteNotPublished

router = APIRouter(tags=["roll"])
ObjectionId = Annotated[uuid.UUID, Path(description="Objection id")]
READ_ERRORS = (Unauthenticated, NotFound, errors.RollNotOpenToRole, VoteNotPublished)


def _totals(heads: int, area: int) -> Totals:
    return Totals(heads=heads, area=area, area_m2=area_display(area))


def _entry(entry: service.RollEntry) -> RollEntryRead:
    group = entry.group
    return RollEntryRead(
        group_id=group.group_id,
        heads=1,
        area=group.area,
        area_m2=area_display(group.area),
        is_developer=group.is_developer,
        units=[
            RollUnitRead(
                unit_key=unit.unit.unit_key,
                building=unit.building,
                entrance=unit.unit.entrance,
                room=unit.unit.room,
                area=unit.unit.area,
                area_m2=area_display(unit.unit.area),
                owners=[mask_name(name) for name in unit.owners],  # never a full name, ID or phone (R-PI-2)
            )
            for unit in entry.units
        ],
    )


def _objection(objection: RollObjection, principal: Principal) -> ObjectionRead:
    return ObjectionRead.from_attributes_of(
        objection,
        filed_by_me=principal.account_id is not None and objection.filed_by_account_id == principal.account_id,
    )


@router.get(
    "/votes/{vote_id}/roll", response_model=VoteRollPage, responses=problem_responses(*READ_ERRORS, InvalidCursor)
)
async def read_vote_roll(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, page: PageQuery, clock: Clock
) -> VoteRollPage:
    """The vote's frozen roll, page by page: each voter group (one head) with its units, areas and owners' names
    masked (张**). Open to the estate's verified owners, the organiser and the street office (SPC Interpretation
    (2020) Art. 13; Beijing Art. 32(1)); the residents' committee and the auditor get 403."""
    roll = await service.read_roll(session, principal, vote_id, cursor=page.cursor, limit=page.limit, now=clock())
    vote, version = roll.vote, roll.version
    return VoteRollPage(
        vote_id=vote.id,
        roll_hash=vote.roll_hash or "",
        register_version_id=version.id,
        register_version_number=version.number,
        total=_totals(vote.total_heads or 0, vote.total_area or 0),
        objections_open_until=vote.starts_at,
        items=[_entry(entry) for entry in roll.entries],
        next_cursor=roll.next_cursor,
    )


@router.post(
    "/votes/{vote_id}/roll/objections",
    status_code=status.HTTP_201_CREATED,
    response_model=ObjectionRead,
    responses=problem_responses(*READ_ERRORS, errors.NotEstateOwner, errors.NoticePeriodOver, errors.EntryNotFound),
)
async def file_roll_objection(
    vote_id: VoteId, body: ObjectionCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ObjectionRead:
    """Object to an entry of the roll (a voter group, one of its units, or a unit missing from it): a verified
    owner of the estate, after publication and before voting opens (R-ROLL-7). The text stays restricted; the
    log holds its commitment."""
    return _objection(await service.file_objection(session, principal, vote_id, body, now=clock()), principal)


@router.get(
    "/votes/{vote_id}/roll/objections", response_model=ObjectionPage,
    responses=problem_responses(*READ_ERRORS, InvalidCursor),
)  # fmt: skip
async def list_roll_objections(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, page: PageQuery
) -> ObjectionPage:
    """The organiser and the street office see every objection; an owner those they filed or whose entry
    (their own voter group) they concern."""
    rows, next_cursor = await service.list_objections(session, principal, vote_id, cursor=page.cursor, limit=page.limit)
    return ObjectionPage(items=[_objection(row, principal) for row in rows], next_cursor=next_cursor)


@router.get(
    "/roll-objections/{objection_id}",
    response_model=ObjectionRead,
    responses=problem_responses(Unauthenticated, errors.ObjectionNotFound),
)
async def get_roll_objection(
    objection_id: ObjectionId, session: SessionDep, principal: CurrentPrincipal
) -> ObjectionRead:
    """One objection with its answer: the parties, the organiser and the street office; anyone else 404."""
    return _objection(await service.get_objection(session, principal, objection_id), principal)


@router.post(
    "/roll-objections/{objection_id}/answer",
    response_model=ObjectionRead,
    responses=problem_responses(
        Unauthenticated, Forbidden, NotThisVotesOrganiser, errors.ObjectionNotFound, errors.AlreadyAnswered,
        errors.AnswerAfterClose,
    ),
)  # fmt: skip
async def answer_roll_objection(
    objection_id: ObjectionId, body: ObjectionAnswer, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ObjectionRead:
    """The organiser's answer, ACCEPTED or REJECTED with reasons, final; until the vote closes (R-ROLL-7)."""
    objection = await service.answer_objection(session, principal, objection_id, body, now=clock())
    return _objection(objection, principal)


@router.post(
    "/votes/{vote_id}/roll/republish",
    response_model=RollRepublishedRead,
    responses=problem_responses(
        Unauthenticated, Forbidden, NotFound, NotThisVotesOrganiser, VoteNotPublished, errors.NoticePeriodOver,
        errors.RollUnchanged, errors.ObjectionNotAccepted, NoticePeriodTooShort, VotingWindowInverted,
        VotingWindowTooShort, EmptyRoll,
    ),
)  # fmt: skip
async def republish_roll(
    vote_id: VoteId,
    body: RollRepublish,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    settings: SettingsDep,
) -> RollRepublishedRead:
    """Re-publish the vote's roll from the estate's latest register version (a correction imported through
    ``/register/imports``), before voting opens. The notice period runs again from now (R-ROLL-7, R-LIFE-3): give
    a new window when the published one starts too early."""
    done = await service.republish_roll(
        session, principal, vote_id, body, now=clock(), pseudonym_key=settings.key("pseudonym_key")
    )
    vote = done.vote
    return RollRepublishedRead(
        vote_id=vote.id,
        roll_hash=vote.roll_hash or "",
        previous_roll_hash=done.previous_roll_hash,
        notice_hash=vote.notice_hash or "",
        register_version_id=done.version.id,
        register_version_number=done.version.number,
        total=_totals(vote.total_heads or 0, vote.total_area or 0),
        republished_at=done.republished_at,
        earliest_start=done.earliest_start,
        starts_at=vote.starts_at,
        ends_at=vote.ends_at,
        objection_ids=list(done.objection_ids),
    )
