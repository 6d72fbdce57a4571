from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, status
from fastapi.responses import Response

from app.ballot import errors, repository, service
from app.ballot.schemas import BallotCast, PaperBallotEntry, Receipt
from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.errors import DatabaseBusy
from app.http.paths import VoteId
from app.http.problems import problem_responses
from app.place import access
from app.rules.casting import NotEntitled
from app.rules.errors import (
    ElectionApprovalLimitExceeded,
    ElectionBallotIncomplete,
    ElectionWriteIn,
    NoticeNotPosted,
    PaperReceivedOutsideWindow,
    VotingEnded,
    VotingNotStarted,
)
from app.vote.errors import NotThisVotesOrganiser
from app.vote.service import ensure_acts_as_organiser
from app.vote.spec import AnswerInvalid, BallotIncomplete, TopicNotInNotice

router = APIRouter(tags=["ballots"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a cast safely: the same key and body return the first receipt, never a second ballot",
    ),
]
CAST_ERRORS = (
    Unauthenticated, errors.NotVerified, NotEntitled, NotFound, errors.GroupNotInRoll, VotingNotStarted, VotingEnded,
    NoticeNotPosted, errors.VoteNotVotable, errors.OnlineNotAllowed, errors.AlreadyCast, errors.IdempotencyKeyReused,
    BallotIncomplete,
    TopicNotInNotice, AnswerInvalid,
    ElectionWriteIn, ElectionBallotIncomplete, ElectionApprovalLimitExceeded, DatabaseBusy,
)  # fmt: skip


@router.post(
    "/votes/{vote_id}/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=Receipt,
    responses=problem_responses(*CAST_ERRORS),
)
async def cast_ballot(
    vote_id: VoteId,
    body: BallotCast,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Cast the voter group's one final ballot on every topic of the vote; the response is the receipt."""
    outcome = await service.cast(
        session, principal, vote_id, body, now=clock(), idempotency_key=idempotency_key,
        pseudonym_key=settings.key("pseudonym_key"),
    )  # fmt: skip
    # The body is already JSON-ready (a stored replay or a fresh receipt): serialised once, with orjson.
    return Response(orjson.dumps(outcome.body), status_code=outcome.status_code, media_type="application/json")


@router.post(
    "/votes/{vote_id}/paper-ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=Receipt,
    responses=problem_responses(
        Unauthenticated, Forbidden, NotThisVotesOrganiser, NotFound, errors.GroupNotInRoll, errors.PaperNotAllowed,
        PaperReceivedOutsideWindow, NoticeNotPosted, errors.AlreadyCast,
        BallotIncomplete, TopicNotInNotice, AnswerInvalid, ElectionWriteIn, ElectionBallotIncomplete,
    ),
)  # fmt: skip
async def enter_paper_ballot(
    vote_id: VoteId, body: PaperBallotEntry, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> Receipt:
    """Enter an owner-signed paper ballot with the hash of its scan (mixed or paper votes, R-TALLY-9)."""
    vote = await repository.vote_for_paper_entry(session, vote_id)
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)
    ensure_acts_as_organiser(vote.organiser_kind, await access.estate_roles(session, principal, vote.estate_id))
    return await service.enter_paper(session, principal, vote, body, now=clock())
