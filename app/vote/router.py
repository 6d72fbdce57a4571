"""Votes and topics: drafting by the organiser, publication of the notice, errata and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from pydantic import AwareDatetime

from app.committee.errors import TRIGGER_ERRORS
from app.committee.models import Committee
from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.errors import PayloadTooLarge
from app.http.paths import AttachmentId, EstateId, PostingId, TopicId, VoteId
from app.http.problems import problem_responses
from app.register.errors import RegisterInvalid
from app.rules.errors import (
    CandidateConditionsUnmet,
    CandidateFeeArrears,
    CandidateFundArrears,
    CandidateIllegalConstruction,
    CandidateNotAttested,
    CandidateRepresentativeNotAllowed,
    CandidateRepresentativeRequired,
    ElectionAlternateSeatsInvalid,
    ElectionAlternatesOnlyInvalid,
    ElectionBySeatsInvalid,
    ElectionCandidateDuplicate,
    ElectionCandidateListEmpty,
    ElectionCommitteeInvalid,
    ElectionCommitteeRequired,
    ElectionFullReelectionRequired,
    ElectionSeatsInvalid,
    ElectionSeatsNotOdd,
    EligibilitySourceNotAccepted,
    EmptyRoll,
    InvalidOptions,
    NoticePeriodTooShort,
    PostingBeforePublication,
    PostingInFuture,
    PostingTooLateForWindow,
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
from app.vote.convening import needed_signatures
from app.vote.documents import ordered_attachments
from app.vote.lifecycle import status_at
from app.vote.models import ConveningMandate, Topic, Vote
from app.vote.notices import notice_statement
from app.vote.schemas import (
    AcknowledgmentCreate,
    AcknowledgmentRead,
    AttachmentRead,
    AttestationCreate,
    AttestationRead,
    CancelCommand,
    CancellationRead,
    CandidateRead,
    CandidatesRead,
    ErratumCreate,
    ErratumRead,
    MandateCreate,
    MandateRead,
    MandateSignatureRead,
    PostingRead,
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
    ElectionSeatsNotOdd,
    ElectionAlternateSeatsInvalid,
    ElectionCandidateListEmpty,
    ElectionCandidateDuplicate,
    ElectionCommitteeRequired,
    ElectionCommitteeInvalid,
    ElectionFullReelectionRequired,
    ElectionBySeatsInvalid,
    ElectionAlternatesOnlyInvalid,
    errors.NoRegister,
    errors.CandidateNotOnRoll,
    errors.CandidateOwnerDuplicate,
    CandidateRepresentativeRequired,
    CandidateRepresentativeNotAllowed,
)
CANDIDATE_ERRORS = (errors.VoteFrozen, errors.NotAnElectionTopic)
PUBLISH_ERRORS = (
    errors.VoteAlreadyPublished,
    errors.VoteCancelled,
    errors.VoteHasNoTopics,
    NoticePeriodTooShort,
    VotingWindowMinimumInvalid,
    VotingWindowInverted,
    VotingWindowTooShort,
    errors.PaperBallotPlaceRequired,
    errors.ScopeTooNarrow,
    errors.NoRegister,
    RegisterInvalid,
    ScopeUnknownUnit,
    EmptyRoll,
    UnitAreaNotPositive,
    UnitWithoutOwner,
    # R-CAND-1, R-CAND-7, R-CAND-8 and R-ELEC-12 (Art. 39 against the roll's households)
    errors.CandidateNotOnRoll,
    CandidateFeeArrears,
    CandidateFundArrears,
    CandidateIllegalConstruction,
    CandidateConditionsUnmet,
    CandidateNotAttested,
    errors.CandidateListNotAcknowledged,
    ElectionSeatsInvalid,
    errors.MandateMissing,
    errors.MandateDecidedLater,
    errors.MandateMismatch,
    errors.CommitteeNotInTerm,
    errors.CommitteeNotFiled,
    errors.MandateNotSignedByMajority,
    *TRIGGER_ERRORS,
    errors.PreparatoryGroupMissing,  # R-FIRST-2
    errors.FirstMeetingTooLate,  # R-FIRST-3
    errors.FirstAssemblyAgendaIncomplete,  # R-FIRST-4
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
        notice_statement=notice_statement(vote) if vote.notice_hash is not None else None,
    )


def _posting_read(view: service.PostingView) -> PostingRead:
    return PostingRead.from_attributes_of(view.posting, earliest_voting_start=view.earliest_voting_start)


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
async def add_topic(
    vote_id: VoteId, body: TopicCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> TopicRead:
    """Add a topic to a draft; its category and counting rule follow from its matters (R-CAT-2..4); an election's
    sitting-committee figures come from the estate's committee record (R-ELEC-13)."""
    topic, position = await service.add_topic(session, principal, vote_id, body, now=clock())
    return _topic_read(topic, position)


@router.patch(
    "/votes/{vote_id}/topics/{topic_id}",
    response_model=TopicRead,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen, *TOPIC_ERRORS),
)
async def update_topic(
    vote_id: VoteId,
    topic_id: TopicId,
    body: TopicUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> TopicRead:
    """Change a draft topic; the whole topic is checked again."""
    topic, position = await service.update_topic(session, principal, vote_id, topic_id, body, now=clock())
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


@router.get(
    "/votes/{vote_id}/topics/{topic_id}/candidates",
    response_model=CandidatesRead,
    responses=problem_responses(*READ_ERRORS, errors.NotAnElectionTopic),
)
async def get_candidates(
    vote_id: VoteId, topic_id: TopicId, session: SessionDep, principal: CurrentPrincipal
) -> CandidatesRead:
    """An election topic's candidates (unit, masked name, nomination), their attested conditions and the Party
    organisation's acknowledgment of the current list (R-CAND; organisers and supervisors only)."""
    view = await service.read_candidates(session, principal, vote_id, topic_id)
    acknowledgment = view.acknowledgment
    return CandidatesRead(
        list_hash=view.list_hash,
        candidates=[
            CandidateRead(
                candidate_id=row.candidate_id,
                name=name,
                unit_key=row.unit_key,
                nominated_by=row.nominated_by,
                represented=row.representative_name is not None,
            )
            for row, name in view.candidates
        ],
        attestations=[AttestationRead.model_validate(a) for a in view.attestations],
        acknowledgment=None if acknowledgment is None else AcknowledgmentRead.model_validate(acknowledgment),
    )


@router.post(
    "/votes/{vote_id}/topics/{topic_id}/attestations",
    status_code=status.HTTP_201_CREATED,
    response_model=AttestationRead,
    responses=problem_responses(
        *AUTH_ERRORS,
        *CANDIDATE_ERRORS,
        errors.CandidateUnknown,
        errors.AttestationDateInvalid,
        EligibilitySourceNotAccepted,
    ),
)
async def attest_candidate(
    vote_id: VoteId,
    topic_id: TopicId,
    body: AttestationCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> AttestationRead:
    """Record one condition of a candidate as attested by its source, with the document's SHA-256 (R-CAND-3..6:
    fees by the property service company, the maintenance fund by its records, illegal construction by the street
    office, Art. 39 ¶3); the latest attestation of a condition counts at publication (R-CAND-7)."""
    attestation = await service.attest_candidate(session, principal, vote_id, topic_id, body, now=clock())
    return AttestationRead.model_validate(attestation)


@router.post(
    "/votes/{vote_id}/topics/{topic_id}/candidate-list/acknowledgment",
    status_code=status.HTTP_201_CREATED,
    response_model=AcknowledgmentRead,
    responses=problem_responses(*AUTH_ERRORS, *CANDIDATE_ERRORS, errors.AcknowledgmentDatesInvalid),
)
async def acknowledge_candidate_list(
    vote_id: VoteId,
    topic_id: TopicId,
    body: AcknowledgmentCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> AcknowledgmentRead:
    """Record that the candidate list as it stands was submitted to and acknowledged by the community Party
    organisation (Beijing Art. 40 ¶2, R-CAND-8); a later change of the list needs a new acknowledgment."""
    acknowledgment = await service.acknowledge_candidate_list(session, principal, vote_id, topic_id, body, now=clock())
    return AcknowledgmentRead.model_validate(acknowledgment)


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


@router.post(
    "/votes/{vote_id}/postings",
    status_code=status.HTTP_201_CREATED,
    response_model=PostingRead,
    responses=problem_responses(
        *AUTH_ERRORS, errors.VoteNotPublished, errors.VoteCancelled, errors.VoteClosed, errors.PostingPhotoUnsupported,
        PostingInFuture, PostingBeforePublication, PostingTooLateForWindow, PayloadTooLarge,
    ),
)  # fmt: skip
async def record_posting(
    vote_id: VoteId,
    posted_at: Annotated[AwareDatetime, Form(description="When the notice was posted (not in the future)")],
    place: Annotated[str, Form(min_length=1, max_length=500, description="Where on site, e.g. 3号楼大堂公告栏")],
    photo: Annotated[UploadFile, File(description="A photograph of the posted notice: PNG or JPEG, at most 20 MB")],
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> PostingRead:
    """Record the notice's posting on site (R-NOTICE-2, Beijing Art. 35(4)): the 15 clear days run from the later of
    publication and the earliest posting, and voting does not open before a posting is recorded (R-NOTICE-3)."""
    content = await photo.read(service.ATTACHMENT_MAX_BYTES + 1)
    if len(content) > service.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(limit=service.ATTACHMENT_MAX_BYTES)
    view = await service.record_posting(
        session, principal, vote_id, posted_at=posted_at, place=place, photo=content, now=clock()
    )
    return _posting_read(view)


@router.get("/votes/{vote_id}/postings", response_model=list[PostingRead], responses=problem_responses(*READ_ERRORS))
async def list_postings(vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal) -> list[PostingRead]:
    """The notice's recorded on-site postings, earliest first (readers of the vote)."""
    return [_posting_read(view) for view in await service.list_postings(session, principal, vote_id)]


@router.get(
    "/votes/{vote_id}/postings/{posting_id}/photo",
    response_class=Response,
    responses={
        200: {"description": "The posting's photograph", "content": {"image/png": {}, "image/jpeg": {}}},
        **problem_responses(*READ_ERRORS),
    },
)
async def get_posting_photo(
    vote_id: VoteId, posting_id: PostingId, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Download a posting's photograph (readers of the vote); ``ETag`` is its SHA-256."""
    posting, content = await service.read_posting_photo(session, principal, vote_id, posting_id)
    return Response(
        content=content,
        media_type=posting.photo_content_type,
        headers={"ETag": f'"{posting.photo_sha256}"', "X-Content-Type-Options": "nosniff"},
    )


def _mandate_read(mandate: ConveningMandate, committee: Committee | None) -> MandateRead:
    return MandateRead.from_attributes_of(
        mandate,
        seats=committee.seats if committee is not None else None,
        signatures_needed=needed_signatures(committee.seats) if committee is not None else None,
        signatures=[MandateSignatureRead.model_validate(signature) for signature in mandate.signatures],
    )


@router.put(
    "/votes/{vote_id}/mandate",
    response_model=MandateRead,
    responses=problem_responses(*AUTH_ERRORS, errors.VoteFrozen, errors.MandateMismatch, errors.MandateDecidedLater),
)
async def record_mandate(
    vote_id: VoteId, body: MandateCreate, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> MandateRead:
    """Record what the draft is convened on (R-CONV-1): the committee's or 物管会's decision to convene, which its
    members then sign, or the street office's recorded statutory ground. Replacing it drops the signatures."""
    return _mandate_read(*await service.record_mandate(session, principal, vote_id, body, now=clock()))


@router.get("/votes/{vote_id}/mandate", response_model=MandateRead, responses=problem_responses(*READ_ERRORS))
async def read_mandate(vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal) -> MandateRead:
    """The vote's mandate with its signatures; the convening committee's sitting members read it before signing."""
    return _mandate_read(*await service.read_mandate(session, principal, vote_id))


@router.post(
    "/votes/{vote_id}/mandate/signatures",
    status_code=status.HTTP_201_CREATED,
    response_model=MandateRead,
    responses=problem_responses(*READ_ERRORS, errors.NotASittingMember, errors.VoteFrozen, errors.MandateAlreadySigned),
)
async def sign_mandate(vote_id: VoteId, session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> MandateRead:
    """A sitting member signs the decision to convene through their own account (Beijing Arts. 45, 57; R-CONV-2)."""
    return _mandate_read(*await service.sign_mandate(session, principal, vote_id, now=clock()))
