"""Routes of the public counting of paper ballots (R-PAPER-3) and of their reception (R-PAPER-1, R-PAPER-4)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.audit.deps import LogKeysDep
from app.ballot import errors as ballot_errors
from app.ballot import paper
from app.ballot.schemas import CountedPaperEntry, PaperReceptionIn, PaperReceptionOut, PaperScanOut, Receipt
from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.paths import VoteId
from app.http.problems import problem_responses
from app.place import access
from app.result import counting
from app.result.counting_schemas import CountingOpen, CountingStateOut, WitnessOut
from app.result.errors import (
    CountingNotOpen,
    CountingNotOpenable,
    NotAWitness,
    ReceptionsNotEntered,
    VoteNotClosable,
    WitnessNotEligible,
)
from app.rules.errors import (
    CountingBeforeClose,
    ElectionApprovalLimitExceeded,
    ElectionBallotIncomplete,
    ElectionWriteIn,
    NoticeNotPosted,
    PaperReceptionOutsideWindow,
    ScanHashInvalid,
    WitnessesIncomplete,
)
from app.vote import repository as vote_repository
from app.vote.errors import NotThisVotesOrganiser
from app.vote.service import ensure_acts_as_organiser
from app.vote.spec import AnswerInvalid, BallotIncomplete, TopicNotInNotice

router = APIRouter(prefix="/votes/{vote_id}", tags=["paper ballots"])
ORGANISER_ERRORS = (Unauthenticated, Forbidden, NotThisVotesOrganiser, NotFound, ballot_errors.PaperNotAllowed)


def _state_out(state: counting.CountingState) -> CountingStateOut:
    session = state.session
    if session is None:
        phase = "NOT_OPENED"
    elif session.signed_off_at is not None:
        phase = "SIGNED_OFF"
    elif any(witness.confirmed_at is not None for witness in state.witnesses):
        phase = "CONFIRMING"
    else:
        phase = "OPEN"
    return CountingStateOut(
        vote_id=state.vote.id, status=phase, opened_at=session.opened_at if session else None,
        signed_off_at=session.signed_off_at if session else None,
        witnesses=[WitnessOut(witness=w.pseudonym, role=w.role, confirmed_at=w.confirmed_at) for w in state.witnesses],
        receptions=[PaperReceptionOut.model_validate(row, from_attributes=True) for row in state.receptions],
    )  # fmt: skip


@router.post(
    "/paper-scans",
    status_code=status.HTTP_201_CREATED,
    response_model=PaperScanOut,
    responses=problem_responses(*ORGANISER_ERRORS, ballot_errors.ScanEmptyOrTooLarge, ballot_errors.ScanNotAnImage),
    openapi_extra={
        "requestBody": {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            "required": True,
        }
    },
)
async def upload_paper_scan(
    vote_id: VoteId,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> PaperScanOut:
    """Upload a paper ballot's (or sealed envelope's) scan — a PDF, JPEG or PNG file, its type read from its bytes;
    it is stored under the SHA-256 of its bytes (R-PAPER-4)."""
    vote = await vote_repository.get_vote(session, vote_id)
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)
    ensure_acts_as_organiser(vote.organiser_kind, await access.estate_roles(session, principal, vote.estate_id))
    content = await request.body()
    scan = await paper.upload_scan(session, principal, vote, content, now=clock())
    return PaperScanOut(sha256=scan.sha256, size=scan.size, media_type=scan.media_type)


@router.post(
    "/paper-receptions",
    status_code=status.HTTP_201_CREATED,
    response_model=PaperReceptionOut,
    responses=problem_responses(
        *ORGANISER_ERRORS, ballot_errors.GroupNotInRoll, ballot_errors.ScanNotUploaded, ballot_errors.VoteNotVotable,
        ScanHashInvalid, PaperReceptionOutsideWindow, NoticeNotPosted, ballot_errors.ScanOfAnotherGroup,
    ),
)  # fmt: skip
async def receive_paper_ballot(
    vote_id: VoteId, body: PaperReceptionIn, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> PaperReceptionOut:
    """Record that a paper ballot (or a sealed envelope) has arrived, now, by the server's clock (R-PAPER-1); the
    group's earliest ballot counts, a later one is kept as a DUPLICATE (R-PAPER-2)."""
    vote = await vote_repository.lock_vote(session, vote_id)  # R-PAPER-2: no online cast of the group races it
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)
    ensure_acts_as_organiser(vote.organiser_kind, await access.estate_roles(session, principal, vote.estate_id))
    reception = await paper.receive(session, principal, vote, body, now=clock())
    return PaperReceptionOut.model_validate(reception, from_attributes=True)


@router.get(
    "/counting-session",
    response_model=CountingStateOut,
    responses=problem_responses(Unauthenticated, NotFound),
)
async def get_counting_session(vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal) -> CountingStateOut:
    """The counting session, its witnesses (pseudonym and role) and the vote's paper receptions (R-PAPER-3)."""
    return _state_out(await counting.state(session, principal, vote_id))


@router.post(
    "/counting-session",
    status_code=status.HTTP_201_CREATED,
    response_model=CountingStateOut,
    responses=problem_responses(
        *ORGANISER_ERRORS, CountingNotOpenable, CountingBeforeClose, WitnessNotEligible, WitnessesIncomplete
    ),
)
async def open_counting_session(
    vote_id: VoteId,
    body: CountingOpen,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    settings: SettingsDep,
) -> CountingStateOut:
    """Open the public counting after the close, naming its witnesses (R-PAPER-3)."""
    state = await counting.open_session(
        session, principal, vote_id, body, now=clock(), pseudonym_key=settings.key("pseudonym_key")
    )
    return _state_out(state)


@router.post(
    "/counting-session/ballots",
    status_code=status.HTTP_201_CREATED,
    response_model=Receipt,
    responses=problem_responses(
        *ORGANISER_ERRORS, CountingNotOpen, ballot_errors.ReceptionNotFound, ballot_errors.ReceptionIsDuplicate,
        ballot_errors.AlreadyCast, ballot_errors.SheetScanRequired, ballot_errors.ScanNotUploaded,
        ballot_errors.GroupNotInRoll, ScanHashInvalid,
        BallotIncomplete, TopicNotInNotice, AnswerInvalid, ElectionWriteIn, ElectionBallotIncomplete,
        ElectionApprovalLimitExceeded,
    ),
)  # fmt: skip
async def enter_counted_paper_ballot(
    vote_id: VoteId, body: CountedPaperEntry, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> Receipt:
    """Enter a received paper ballot's answers at the counting session, before the witnesses (R-PAPER-3)."""
    return await counting.enter(session, principal, vote_id, body, now=clock())


@router.post(
    "/counting-session/confirmations",
    response_model=CountingStateOut,
    responses=problem_responses(
        Unauthenticated, NotFound, CountingNotOpen, NotAWitness, ReceptionsNotEntered, VoteNotClosable
    ),
)
async def confirm_counting(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock, keys: LogKeysDep
) -> CountingStateOut:
    """A witness confirms the count with their own account; the last confirmation closes the vote, decides it
    and publishes the result (R-PAPER-3)."""
    return _state_out(await counting.confirm(session, principal, vote_id, now=clock(), keys=keys))
