"""Votes and topics: drafting by the organiser, publication of the notice, errata and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Response, UploadFile, status

from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.errors import PayloadTooLarge
from app.http.paths import AttachmentId, EstateId, TopicId, VoteId
from app.http.problems import problem_responses
from app.register.errors import RegisterInvalid
from app.rules.errors import (
    ElectionAlternateSeatsInvalid,
    ElectionCandidateDuplicate,
    ElectionCandidateListEmpty,
    ElectionSeatsInvalid,
    EmptyRoll,
    InvalidOptions,
    NoticePeriodTooShort,
    ScopeUnknownUnit,
    ThresholdTooLoose,
    TopicWithoutMatter,
    UnitAreaNotPositive,
    UnitWithoutOwner,
    VotingWindowInverted,
    VotingWindowMinimumInvalid,
    VotingWindowTooShort,
)
from app.rules.lifecycle import VoteStatus
from app.rules.publicity import earliest_voting_start
from app.vote import errors, service
from app.vote.documents import ordered_attachments
from app.vote.lifecycle import status_at
from app.vote.models import Topic, Vote
from app.vote.schemas import (
    AttachmentRead,
    CancelCommand,
    CancellationRead,
    ErratumCreate,
    ErratumRead,
    TopicCreate,
    TopicRead,
    TopicUpdate,
    TotalsRead,
    VoteCreate,
    VoteRead,
    VoteSummaryRead,
    VoteUpdate,
)

router = APIRouter(tags=["votes"])
AUTH_ERRORS = (Unauthenticated, Forbidden, NotFound, errors.NotThisVotesOrganiser)
READ_ERRORS = (Unauthenticated, NotFound)
TOPIC_ERRORS = (
    errors.DeclarationRequired,
    TopicWithoutMatter,
    errors.TopicNotAMajorityVote,
    errors.TopicBundled,
    ThresholdTooLoose,
    InvalidOptions,
    errors.OptionsNotAllowed,
    errors.ElectionRequired,
    errors.ElectionNotAllowed,
    errors.ElectionMatterInvalid,
    ElectionSeatsInvalid,
    ElectionAlternateSeatsInvalid,
    ElectionCandidateListEmpty,
    ElectionCandidateDuplicate,
)
PUBLISH_ERRORS = (
    errors.VoteAlreadyPublished,
    errors.VoteCancelled,
    errors.VoteHasNoTopics,
    NoticePeriodTooShort,
    VotingWindowMinimumInvalid,
    VotingWindowInverted,
    VotingWindowTooShort,
    errors.ScopeTooNarrow,
    errors.NoRegister,
    RegisterInvalid,
    ScopeUnknownUnit,
    EmptyRoll,
    UnitAreaNotPositive,
    UnitWithoutOwner,
)


def _topic_read(topic: Topic, position: int) -> TopicRead:
    attachments = [AttachmentRead.model_validate(a) for a in ordered_attachments(topic.attachments)]
    return TopicRead.from_attributes_of(topic, position=position, attachments=attachments)


def _summary(vote: Vote, now: datetime) -> VoteSummaryRead:
    return VoteSummaryRead.from_attributes_of(vote, effective_status=status_at(vote, now))


def _vote_read(view: service.VoteView, now: datetime) -> VoteRead:
    vote = view.vote
    totals = None
    if vote.total_heads is not None and vote.total_area is not None:
        totals = TotalsRead.of(vote.total_heads, vote.total_area)
    return VoteRead.from_attributes_of(
        vote,
        effective_status=status_at(vote, now),
        earliest_voting_start=earliest_voting_start(now).astimezone(UTC) if vote.status is VoteStatus.DRAFT else None,
        totals=totals,
        topics=[_topic_read(topic, position) for position, topic in enumerate(vote.topics, start=1)],
        errata=[ErratumRead.model_validate(erratum) for erratum in view.errata],
        cancellation=(
            CancellationRead(cancelled_at=view.cancellation.cancelled_at, reason=view.cancellation.reason)
            if view.cancellation
            else None
        ),
    )


@router.post(
    "/estates/{estate_id}/votes",
    status_code=status.HTTP_201_CREATED,
    response_model=VoteRead,
    responses=problem_responses(*AUTH_ERRORS, errors.OrganiserKindNotAllowed, VotingWindowInverted),
)
async def create_vote(
    estate_id: EstateId, body: VoteCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> VoteRead:
    """Draft a vote (organisers: the estate's committee, its street office convening in its place, or admin)."""
    now = clock()
    vote = await service.create_vote(session, principal, estate_id, body, now=now)
    return _vote_read(service.VoteView(vote, [], None), now)


@router.get("/estates/{estate_id}/votes", responses=problem_responses(*READ_ERRORS, InvalidCursor))
async def list_votes(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    clock: Clock,
) -> Page[VoteSummaryRead]:
    """The estate's votes for anyone with a role there (drafts to organisers only), and for its owners and the holders
    of grants in force there the published votes whose roll holds a group they act for (others: 404)."""
    now = clock()
    rows, next_cursor = await service.list_votes(
        session, principal, estate_id, cursor=page.cursor, limit=page.limit, now=now
    )
    return Page(items=[_summary(row, now) for row in rows], next_cursor=next_cursor)


@router.get("/votes/{vote_id}", response_model=VoteRead, responses=problem_responses(*READ_ERRORS))
async def get_vote(vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> VoteRead:
    """The vote with its topics, hashes, attachments and errata; once published, the owners in its roll and the
    holders of grants in force for a group of it (legal representatives, guardians, proxies) read it too."""
    now = clock()
    view = await service.read_vote(session, principal, vote_id, now=now)
    return _vote_read(view, now)


@router.patch(
    "/votes/{vote_id}",
    response_model=VoteRead,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen, errors.OrganiserKindNotAllowed, VotingWindowInverted),
)
async def update_vote(
    vote_id: VoteId, body: VoteUpdate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> VoteRead:
    """Change a draft; a published vote is frozen (R-LIFE-4)."""
    view = await service.update_vote(session, principal, vote_id, body)
    return _vote_read(view, clock())


@router.post(
    "/votes/{vote_id}/topics",
    status_code=status.HTTP_201_CREATED,
    response_model=TopicRead,
    responses=problem_responses(*AUTH_ERRORS, errors.TopicAddedAfterPublication, *TOPIC_ERRORS),
)
async def add_topic(vote_id: VoteId, body: TopicCreate, session: SessionDep, principal: CurrentPrincipal) -> TopicRead:
    """Add a topic to a draft; its category and counting rule follow from its matters (R-CAT-2..4)."""
    topic, position = await service.add_topic(session, principal, vote_id, body)
    return _topic_read(topic, position)


@router.patch(
    "/votes/{vote_id}/topics/{topic_id}",
    response_model=TopicRead,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen, *TOPIC_ERRORS),
)
async def update_topic(
    vote_id: VoteId, topic_id: TopicId, body: TopicUpdate, session: SessionDep, principal: CurrentPrincipal
) -> TopicRead:
    """Change a draft topic; the whole topic is checked again."""
    topic, position = await service.update_topic(session, principal, vote_id, topic_id, body)
    return _topic_read(topic, position)


@router.delete(
    "/votes/{vote_id}/topics/{topic_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen),
)
async def delete_topic(
    vote_id: VoteId, topic_id: TopicId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Remove a topic from a draft."""
    await service.delete_topic(session, principal, vote_id, topic_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/votes/{vote_id}/topics/{topic_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentRead,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen, errors.AttachmentUnsupported, PayloadTooLarge),
)
async def add_attachment(
    vote_id: VoteId,
    topic_id: TopicId,
    file: Annotated[UploadFile, File(description="PDF, PNG or JPEG, at most 20 MB")],
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> AttachmentRead:
    """Attach a document to a draft topic (R-LIFE-2: draft covenant, contract, plan…); stored with its SHA-256."""
    content = await file.read(service.ATTACHMENT_MAX_BYTES + 1)
    if len(content) > service.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(limit=service.ATTACHMENT_MAX_BYTES)
    attachment = await service.add_attachment(
        session, principal, vote_id, topic_id, filename=file.filename, content=content, now=clock()
    )
    return AttachmentRead.model_validate(attachment)


@router.get(
    "/votes/{vote_id}/topics/{topic_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {
            "description": "The attachment as published",
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
        },
        **problem_responses(*READ_ERRORS),
    },
)
async def get_attachment(
    vote_id: VoteId,
    topic_id: TopicId,
    attachment_id: AttachmentId,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> Response:
    """Download an attachment (readers of the vote); ``ETag`` is its SHA-256."""
    attachment, content = await service.read_attachment(
        session, principal, vote_id, topic_id, attachment_id, now=clock()
    )
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
    return Response(
        content=content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": disposition,
            "ETag": f'"{attachment.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete(
    "/votes/{vote_id}/topics/{topic_id}/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen),
)
async def delete_attachment(
    vote_id: VoteId, topic_id: TopicId, attachment_id: AttachmentId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Remove an attachment from a draft topic."""
    await service.delete_attachment(session, principal, vote_id, topic_id, attachment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/votes/{vote_id}/publish",
    response_model=VoteRead,
    responses=problem_responses(*AUTH_ERRORS, *PUBLISH_ERRORS),
)
async def publish_vote(
    vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock, settings: SettingsDep
) -> VoteRead:
    """Publish the notice: checks the notice period and window (R-LIFE-3/5), the scope (R-ROLL-4) and the roll
    (R-ROLL-6), freezes the roll snapshot and records the topic and notice hashes (R-LIFE-2, R-LIFE-4)."""
    now = clock()
    view = await service.publish(session, principal, vote_id, now=now, pseudonym_key=settings.key("pseudonym_key"))
    return _vote_read(view, now)


@router.post(
    "/votes/{vote_id}/errata",
    status_code=status.HTTP_201_CREATED,
    response_model=ErratumRead,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteNotPublished, errors.VoteCancelled, errors.VoteClosed),
)
async def add_erratum(
    vote_id: VoteId, body: ErratumCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ErratumRead:
    """Append an erratum to a published notice (R-LIFE-4: typo fixes only; the topics never change)."""
    erratum = await service.add_erratum(session, principal, vote_id, body.text, now=clock())
    return ErratumRead.model_validate(erratum)


@router.post(
    "/votes/{vote_id}/cancel",
    response_model=VoteRead,
    responses=problem_responses(
        *AUTH_ERRORS, errors.VoteNotPublished, errors.VoteCancelled, errors.VotingAlreadyStarted
    ),
)
async def cancel_vote(
    vote_id: VoteId, body: CancelCommand, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> VoteRead:
    """Cancel a published vote before voting opens (R-LIFE-4); a changed notice is published as a new vote."""
    now = clock()
    view = await service.cancel(session, principal, vote_id, body.reason, now=now)
    return _vote_read(view, now)
