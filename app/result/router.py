from __future__ import annotations

import base64
import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.audit.deps import LogKeysDep
from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import CursorParam, LimitParam
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.problems import problem_responses
from app.result import export, service, signing
from app.result.errors import BallotsSealed, ResultNotPublished, VoteNotClosable, VoteNotEnded, VoteTerminated
from app.result.schemas import (
    DecisionRead,
    GroupBallotsRead,
    MyBallotRead,
    ResultRead,
    TurnoutRead,
    UnitBallotsPage,
    UnitPlacePage,
    UnitPlaceRead,
)
from app.rules.errors import NoticeNotPosted
from app.vote.errors import NotThisVotesOrganiser

router = APIRouter(prefix="/votes/{vote_id}", tags=["results"])
AUTH_ERRORS = (Unauthenticated, NotFound)


@router.post(
    "/close",
    response_model=DecisionRead,
    responses=problem_responses(
        *AUTH_ERRORS, Forbidden, NotThisVotesOrganiser, VoteNotEnded, VoteNotClosable, NoticeNotPosted
    ),
)
async def close_vote(
    vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock, keys: LogKeysDep
) -> DecisionRead:
    """Close the vote after its publicised end, decide every topic and publish the result (organisers)."""
    return DecisionRead.of(await service.close(session, principal, vote_id, now=clock(), keys=keys))


@router.get("/turnout", response_model=TurnoutRead, responses=problem_responses(*AUTH_ERRORS))
async def get_turnout(
    vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> TurnoutRead:
    """Participation so far: heads and area with rates, never per-option counts (R-LIFE-7)."""
    return TurnoutRead.of(await service.turnout(session, principal, vote_id, now=clock()))


def _with_retry_after(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """The result's 409 says how long to wait while the result is coming (``vote.result_not_published``)."""
    responses[409]["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before asking again: until the end of voting, while the service closes "
            "the vote (15), or while paper ballots are counted (300); absent when waiting will not bring a result",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return responses


@router.get(
    "/result",
    response_model=ResultRead,
    responses=_with_retry_after(problem_responses(*AUTH_ERRORS, ResultNotPublished, VoteTerminated)),
)
async def get_result(vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> ResultRead:
    """The published result: evidence and decision status per topic (R-SUP-7) and the participating units with
    their areas (R-PUB-1); a terminated vote has none (R-SUP-6, ``result.vote_terminated``)."""
    return ResultRead.of(await service.published_result(session, principal, vote_id, now=clock()))


@router.get(
    "/result/units",
    response_model=UnitPlacePage,
    responses=_with_retry_after(problem_responses(*AUTH_ERRORS, ResultNotPublished, VoteTerminated, InvalidCursor)),
)
async def list_result_units(
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cursor: CursorParam = None,
    limit: LimitParam = 100,
) -> UnitPlacePage:
    """The published result's participating units, a page at a time: building, entrance, room and area, nothing
    about their owners (R-PUB-1)."""
    page = await service.participating_units(session, principal, vote_id, now=clock(), cursor=cursor, limit=limit)
    return UnitPlacePage(items=[UnitPlaceRead.of(place) for place in page.items], next_cursor=page.next_cursor)


@router.get(
    "/ballots",
    response_model=UnitBallotsPage,
    responses=problem_responses(*AUTH_ERRORS, Forbidden, BallotsSealed, InvalidCursor),
)
async def list_unit_ballots(
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cursor: CursorParam = None,
    limit: LimitParam = 100,
) -> UnitBallotsPage:
    """Per-unit ballots after close, for the organiser and supervisors only; every access is logged (R-PUB-2)."""
    page = await service.unit_ballots(session, principal, vote_id, now=clock(), cursor=cursor, limit=limit)
    return UnitBallotsPage(items=[GroupBallotsRead.of(item) for item in page.items], next_cursor=page.next_cursor)


@router.get("/my-ballot", response_model=MyBallotRead, responses=problem_responses(*AUTH_ERRORS))
async def get_my_ballot(
    vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> MyBallotRead:
    """The voter groups of the roll the caller is in or acts for (a grant in force), and their ballots (R-PUB-2)."""
    groups = await service.my_ballots(session, principal, vote_id, now=clock())
    return MyBallotRead(vote_id=vote_id, groups=[GroupBallotsRead.of(item) for item in groups])


class SignedResultRead(BaseModel):
    """The signed result: check ``signature`` over ``payload`` or the JWS, with the log key."""

    vote_id: uuid.UUID
    result: dict[str, Any] = Field(description="The result document (the parsed payload)")
    payload: str = Field(description="RFC 8785 canonical JSON of the result: the exact bytes signed (UTF-8)")
    signature: str = Field(description="Raw Ed25519 signature of the payload bytes, base64")
    jws: str = Field(description="Compact JWS (alg EdDSA, kid) whose payload is the same bytes")
    kid: str = Field(description="RFC 7638 JWK thumbprint of the log key")
    log_key: str = Field(description="The log's note verifier key (name+key ID+key)")
    public_key_pem: str
    checkpoint_size: int = Field(description="Size of the signed checkpoint containing every ballot of the vote")


@router.get(
    "/signed-result",
    response_model=SignedResultRead,
    responses=_with_retry_after(problem_responses(*AUTH_ERRORS, ResultNotPublished, signing.ResultNotSigned)),
)
async def get_signed_result(
    vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock, keys: LogKeysDep
) -> SignedResultRead:
    """The decided result as RFC 8785 JSON with a raw Ed25519 signature and a compact JWS (anyone who may read it)."""
    signed = await signing.signed_result(session, principal, vote_id, keys=keys, now=clock())
    return SignedResultRead(
        vote_id=vote_id,
        result=signed.document,
        payload=signed.payload.decode("utf-8"),
        signature=base64.b64encode(signed.signature).decode("ascii"),
        jws=signed.jws,
        kid=signed.kid,
        log_key=keys.current.key_string,
        public_key_pem=keys.current.pem,
        checkpoint_size=signed.checkpoint.size,
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The export bundle (see its README.md)"},
        **problem_responses(*AUTH_ERRORS, Forbidden, ResultNotPublished, signing.ResultNotSigned),
    },
)
async def export_bundle(
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    keys: LogKeysDep,
    settings: SettingsDep,
) -> Response:
    """The auditor's bundle for ``evote verify``: organiser, street office, operator and auditor; each export logged."""
    bundle = await export.export(
        session, principal, vote_id, keys=keys, pseudonym_key=settings.key("pseudonym_key"), now=clock()
    )
    return Response(
        bundle.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{bundle.filename}"',
            "X-Bundle-SHA256": bundle.sha256,
        },
    )
