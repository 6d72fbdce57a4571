from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, status
from fastapi.responses import Response

from app.ballot import errors, service
from app.ballot.schemas import BallotCast, Receipt
from app.common.errors import Unauthenticated
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.errors import DatabaseBusy
from app.http.paths import VoteId
from app.http.problems import problem_responses
from app.rules.casting import NotEntitled
from app.rules.errors import (
    ElectionApprovalLimitExceeded,
    ElectionBallotIncomplete,
    ElectionWriteIn,
    NoticeNotPosted,
    VotingEnded,
    VotingNotStarted,
)
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
