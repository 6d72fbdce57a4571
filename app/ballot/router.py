from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request, status
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from app.ballot import errors, lean, service
from app.ballot.schemas import BallotCast, Receipt
from app.common.errors import Unauthenticated
from app.errors import NotFound
from app.http.deps import CurrentCaller, get_caller
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


async def cast_ballot(
    request: Request,
    vote_id: VoteId,
    body: BallotCast,
    caller: CurrentCaller,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Cast the voter group's one final ballot on every topic of the vote; the response is the receipt."""
    # One transaction, committed before the response (as ``app.http.deps.get_session``): on PostgreSQL an access
    # token's cast takes the lean path (``app.ballot.lean``: two statements on the driver, in a transaction of its
    # own); anything it cannot decide alone, SQLite and API keys take the ordinary one, in a transaction of their own.
    state = request.app.state
    outcome = None
    if state.lean_cast and caller.account_id is not None:
        try:
            outcome = await lean.cast(
                state.cast_bind, caller.account_id, vote_id, body, now=caller.now, idempotency_key=idempotency_key,
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


_VOTE_ID = TypeAdapter(uuid.UUID)
_KEY_LENGTH = range(1, 201)  # IdempotencyKey's bounds


class CastRoute(APIRoute):
    """The cast's route, as declared (its parameters, body and credentials are what the OpenAPI document shows).

    A request whose parameters and body are all plainly valid is answered without FastAPI's dependency solving
    (per request, it inspects every parameter's annotation again: a fifth of a cast's CPU): the same validators,
    then ``get_caller`` and the endpoint. Any other request (a body not sent as ``application/json``, invalid JSON,
    a parameter or body that does not validate, dependency overrides) goes through FastAPI's own handler, which
    answers it as it always has.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        declared = super().get_route_handler()

        async def handler(request: Request) -> Response:
            plain = await _plain_inputs(request)
            if plain is None:
                return await declared(request)
            vote_id, body, idempotency_key = plain
            caller = await get_caller(request, None, None)
            return await cast_ballot(request, vote_id, body, caller, idempotency_key)

        return handler


async def _plain_inputs(request: Request) -> tuple[uuid.UUID, BallotCast, str | None] | None:
    """The path parameter, body and key exactly as FastAPI's handler validates them, or None if any is not valid
    (or the request is not plain: FastAPI's handler then answers it)."""
    if request.app.dependency_overrides or request.headers.get("content-type") != "application/json":
        return None
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and len(idempotency_key) not in _KEY_LENGTH:
        return None
    try:
        vote_id = _VOTE_ID.validate_python(request.path_params["vote_id"])
        body = BallotCast.model_validate(await request.json())
    except (ValueError, KeyError):  # pydantic's ValidationError and json's JSONDecodeError are ValueErrors
        return None
    return vote_id, body, idempotency_key


router.add_api_route(
    "/votes/{vote_id}/ballots",
    cast_ballot,
    methods=["POST"],
    status_code=status.HTTP_201_CREATED,
    response_model=Receipt,
    responses=problem_responses(*CAST_ERRORS),
    route_class_override=CastRoute,
)
