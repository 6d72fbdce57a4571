from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Request, status
from fastapi.responses import Response

from app.ballot import errors, lean, service
from app.ballot.schemas import BallotCast, Receipt
from app.common.errors import Unauthenticated
from app.errors import NotFound
from app.http.deps import CurrentCaller
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
    request: Request,
    vote_id: VoteId,
    body: BallotCast,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Cast the voter group's one final ballot on every topic of the vote; the response is the receipt."""
    # One transaction, committed before the response (as ``app.http.deps.get_session``): on PostgreSQL an access
    # token's cast takes the lean path (``app.ballot.lean``: two statements on the driver); anything it cannot
    # decide alone, SQLite and API keys take the ordinary one, in a transaction of their own.
    state = request.app.state
    outcome = None
    if state.lean_cast and caller.account_id is not None:
        try:
            async with state.sessionmaker() as session, session.begin():
                outcome = await lean.cast(
                    session, caller.account_id, vote_id, body, now=caller.now, idempotency_key=idempotency_key,
                    pseudonym_key=state.pseudonym_key,
                )  # fmt: skip
        except lean.Fallback:
            outcome = None
    if outcome is None:
        async with state.sessionmaker() as session, session.begin():
            principal = await state.authenticator(session, caller.credential, now=caller.now)
            if principal is None:
                raise Unauthenticated()
            outcome = await service.cast(
                session, principal, vote_id, body, now=caller.now, idempotency_key=idempotency_key,
                pseudonym_key=state.pseudonym_key,
            )  # fmt: skip
    # The body is already JSON-ready (a stored replay or a fresh receipt): serialised once, with orjson.
    return Response(orjson.dumps(outcome.body), status_code=outcome.status_code, media_type="application/json")
