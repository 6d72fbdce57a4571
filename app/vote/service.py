"""Drafting a vote and its topics, publishing the notice, errata and cancellation (R-LIFE-1..4, R-CAT, R-BAN).

A draft is edited freely by the organisers. Publication checks the notice against the law core (R-LIFE-3
notice period, R-LIFE-5 window, R-ROLL-4 scope, R-ROLL-6 roll), freezes the roll snapshot (R-ROLL-1) and
records the canonical hashes of every topic and of the notice (``app.vote.documents``); from then on nothing
changes (R-LIFE-4) except appended errata, and a vote that has not opened yet may be cancelled so that a
corrected notice can be published as a new vote.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.models import AuditEntry
from app.committee.models import Committee
from app.common.access import MANAGING_ROLES, Principal, Role, acting_role, roles_on
from app.common.pagination import paginate
from app.errors import NotFound, Noun
from app.grant import reach
from app.identity import events as identity_events
from app.ledger import events
from app.notice import service as notice_service
from app.notice.models import NoticeKind
from app.place import access
from app.procedure import service as procedure_service
from app.procedure.errors import ProcedureRulesTopicInvalid, RegisterPredatesRules
from app.procedure.service import InForce
from app.realname import repository as realname_repository
from app.register import repository as register_repository
from app.rules.categories import (
    MATTERS,
    Category,
    CountingRule,
    MatterItem,
    category_for,
    community_rule,
    is_one_decision,
    whole_area_matters,
)
from app.rules.errors import VotingWindowInverted
from app.rules.kinds import KINDS, TopicKind
from app.rules.lifecycle import RUNNING, VoteStatus
from app.rules.numeric import Threshold
from app.rules.options import validate_options
from app.rules.procedure import ElectionRanking, check_delegation
from app.rules.publicity import (
    check_posting,
    check_window,
    earliest_voting_start,
    notice_effective_at,
    shanghai_date,
)
from app.vote import candidates, convening, documents, repository
from app.vote import notices as vote_notices
from app.vote.errors import (
    AttachmentUnsupported,
    DeclarationRequired,
    ElectionMatterInvalid,
    ElectionNotAllowed,
    ElectionRequired,
    NoRegister,
    NotThisVotesOrganiser,
    OptionsNotAllowed,
    OrganiserKindNotAllowed,
    PaperBallotPlaceRequired,
    PostingPhotoUnsupported,
    ScopeTooNarrow,
    TopicAddedAfterPublication,
    TopicBundled,
    TopicNotAMajorityVote,
    TopicRuleNotFromRules,
    VoteAlreadyPublished,
    VoteCancelled,
    VoteClosed,
    VoteFrozen,
    VoteHasNoTopics,
    VoteNotPublished,
    VotingAlreadyStarted,
)
from app.vote.lifecycle import status_at, transition
from app.vote.models import (
    Attachment,
    CandidateAttestation,
    CandidateListAcknowledgment,
    ConveningMandate,
    Erratum,
    NoticePosting,
    OrganiserKind,
    RollGroup,
    Topic,
    Vote,
    VotingMethod,
)
from app.vote.schemas import (
    AcknowledgmentCreate,
    AttestationCreate,
    MandateCreate,
    TopicCreate,
    TopicUpdate,
    VoteCreate,
    VoteUpdate,
)
from app.vote.snapshot import take_snapshot
from app.vote.spec import rule_to_json

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

# Magic numbers of the accepted attachment formats; the declared type and the file name are never trusted.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)

DECIDING_KINDS = frozenset(kind for kind, rules in KINDS.items() if rules.one_decision)
COMMITTEE_KINDS = frozenset(OrganiserKind) - {OrganiserKind.STREET_OFFICE}


@dataclass(frozen=True, slots=True)
class Cancellation:
    cancelled_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class VoteView:
    vote: Vote
    errata: Sequence[Erratum]
    cancellation: Cancellation | None


# --- Access ---


async def _managed_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID) -> Vote:
    """The vote, row-locked for the change (§8.4), if the principal organises its estate: 403 read-only, 404 none."""
    found = await repository.estate_and_status_of_vote(session, vote_id)
    if found is None:
        raise NotFound(what="vote")
    estate_id, _, organiser_kind = found
    try:  # before the lock: a caller without the right must not make every cast of the vote wait
        roles = await _manager_roles(session, principal, estate_id)
    except NotFound:
        raise NotFound(what="vote") from None
    ensure_acts_as_organiser(organiser_kind, roles)
    vote = await repository.get_vote(session, vote_id, for_update=True)
    if vote is None:  # pragma: no cover - votes are never deleted
        raise NotFound(what="vote")
    return vote


async def managed_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID) -> Vote:
    """The vote, row-locked, for its organiser's act (R-LIFE-1 with R-SUP-1); for packages acting on a published
    vote (``app.objection``: answering objections, re-publishing a corrected roll)."""
    return await _managed_vote(session, principal, vote_id)


async def readable_vote(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime | None = None
) -> Vote:
    """Roles on the estate read its votes (drafts: organisers only); owners read the votes whose roll they are in.

    Given ``now``, so do the holders of grants in force for a group of its roll (R-CAST-2..5: legal representatives,
    guardians, proxies whose scope covers it), exactly as its owners. The vote's supervision record is public to the
    owners (``app.supervision``, which passes no ``now``)."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    place = await access.estate_place(session, vote.estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    if roles & MANAGING_ROLES:
        return vote
    if vote.status is VoteStatus.DRAFT:
        raise NotFound(what="vote")
    if roles:
        return vote
    owner_id = await realname_repository.bound_owner(session, principal.account_id, vote.estate_id)  # R-CAST-1
    if owner_id is not None and await repository.owner_in_roll(session, vote.id, owner_id):
        return vote
    if now is not None and await acting_groups(session, principal, vote, now=now):
        return vote
    raise NotFound(what="vote")


async def acting_groups(session: AsyncSession, principal: Principal, vote: Vote, *, now: datetime) -> list[RollGroup]:
    """The groups of the vote's frozen roll the caller is in, as an owner bound in its estate (R-CAST-1), or acts for
    through a grant in force there (R-CAST-2..5; ``app.grant.reach``); none for a draft."""
    if vote.status is VoteStatus.DRAFT:
        return []
    found = await reach.estate_reach(session, principal, vote.estate_id, now=now)
    if found is None:
        return []
    grants = found.grants_for_vote(vote.id, proxies_allowed=vote.proxies_allowed)
    return await repository.acting_groups(
        session, vote.id, owner_id=found.owner_id, group_keys={grant.group_key for grant in grants}
    )


async def _manager_roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    await access.ensure_can_manage_estate(session, principal, estate_id)
    return await access.estate_roles(session, principal, estate_id) & MANAGING_ROLES


def _check_organiser(kind: OrganiserKind, roles: frozenset[Role]) -> None:
    """R-LIFE-1: the street office convenes only in the committee's place, and only the street office does."""
    if kind is OrganiserKind.STREET_OFFICE and Role.STREET_OFFICE not in roles:
        raise OrganiserKindNotAllowed(organiser_kind=kind.value)
    if kind in COMMITTEE_KINDS and roles == {Role.STREET_OFFICE}:
        raise OrganiserKindNotAllowed(organiser_kind=kind.value)


def ensure_acts_as_organiser(kind: OrganiserKind, roles: frozenset[Role]) -> None:
    """R-LIFE-1 with R-SUP-1: a street office alone acts on a vote only if it convened it; the committee's votes it
    supervises through app.supervision."""
    if kind in COMMITTEE_KINDS and roles == {Role.STREET_OFFICE}:
        raise NotThisVotesOrganiser(organiser_kind=kind.value)


def _require_draft(vote: Vote) -> None:
    if vote.status is not VoteStatus.DRAFT:
        raise VoteFrozen(status=vote.status.value)


def _whole_seconds(instant: datetime) -> datetime:
    """Stored and returned in UTC, to the second: the one form the notice hash covers."""
    return instant.astimezone(UTC).replace(microsecond=0)


def _check_order(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise VotingWindowInverted(starts_at=starts_at, ends_at=ends_at)


def _scope(units: Sequence[str] | None) -> list[str] | None:
    return None if units is None else sorted(set(units))


# --- Votes ---


async def create_vote(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, body: VoteCreate, *, now: datetime
) -> Vote:
    roles = await _manager_roles(session, principal, estate_id)
    _check_organiser(body.organiser_kind, roles)
    starts_at, ends_at = _whole_seconds(body.starts_at), _whole_seconds(body.ends_at)
    _check_order(starts_at, ends_at)
    vote = Vote(
        id=uuid.uuid4(),
        estate_id=estate_id,
        title=body.title,
        organiser_kind=body.organiser_kind,
        created_by=principal.label,
        status=VoteStatus.DRAFT,
        voting_method=body.voting_method,
        starts_at=starts_at,
        ends_at=ends_at,
        min_window_days=body.min_window_days,
        extension_rule=body.extension_rule.model_dump(mode="json") if body.extension_rule else None,
        scope_units=_scope(body.scope_units),
        proxies_allowed=body.proxies_allowed,
        notice_text=body.notice_text,
        paper_ballot_place=body.paper_ballot_place,
        roll_inspection_place=body.roll_inspection_place,
        created_at=now.astimezone(UTC),
        topics=[],
    )
    session.add(vote)
    await session.flush()
    return vote


async def list_votes(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> tuple[Sequence[Vote], str | None]:
    """The estate's votes for anyone with a role there, drafts only for its organisers; for its owners and the
    holders of grants in force there, the published votes they may read (``readable_vote``); 404 for anyone else."""
    try:
        roles = await access.ensure_can_read_estate(session, principal, estate_id)
    except NotFound:
        found = await reach.estate_reach(session, principal, estate_id, now=now)
        if found is None:
            raise
        statement = repository.votes_statement(estate_id, include_drafts=False).where(
            repository.acts_in_vote(found.owner_id, found.grants)
        )
    else:
        statement = repository.votes_statement(estate_id, include_drafts=bool(roles & MANAGING_ROLES))
    return await paginate(session, statement, key=Vote.id, cursor=cursor, limit=limit)


async def _view(session: AsyncSession, vote: Vote) -> VoteView:
    entry = await repository.cancellation(session, vote.id)
    return VoteView(vote, await repository.errata(session, vote.id), _cancellation(entry))


def _cancellation(entry: AuditEntry | None) -> Cancellation | None:
    if entry is None:
        return None
    return Cancellation(datetime.fromisoformat(entry.payload["cancelled_at"]), entry.payload["reason"])


async def read_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime) -> VoteView:
    return await _view(session, await readable_vote(session, principal, vote_id, now=now))


async def update_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: VoteUpdate) -> VoteView:
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    changes = body.model_fields_set
    if "organiser_kind" in changes and body.organiser_kind is not None:
        _check_organiser(body.organiser_kind, await _manager_roles(session, principal, vote.estate_id))
        vote.organiser_kind = body.organiser_kind
    starts_at = _whole_seconds(body.starts_at) if body.starts_at is not None else vote.starts_at
    ends_at = _whole_seconds(body.ends_at) if body.ends_at is not None else vote.ends_at
    _check_order(starts_at, ends_at)
    vote.starts_at, vote.ends_at = starts_at, ends_at
    for name in (
        "title", "voting_method", "min_window_days", "proxies_allowed", "notice_text", "paper_ballot_place",
        "roll_inspection_place",
    ):  # fmt: skip
        if name in changes:
            setattr(vote, name, getattr(body, name))
    if "extension_rule" in changes:
        vote.extension_rule = body.extension_rule.model_dump(mode="json") if body.extension_rule else None
    if "scope_units" in changes:
        vote.scope_units = _scope(body.scope_units)
    await session.flush()
    return await _view(session, vote)


# --- Topics ---


def _statutory_json(topic: Topic) -> dict[str, Any]:
    return rule_to_json(community_rule(KINDS[topic.kind].counting_category(topic.category)))


def _topic_fields(topic: Topic) -> dict[str, Any]:
    """A stored topic as command fields; a rule equal to the statutory one counts as "not customised", so a
    change of matters moves it along with the category."""
    rule = None if topic.rule == _statutory_json(topic) else topic.rule
    return {
        "title": topic.title,
        "text": topic.text,
        "kind": topic.kind,
        "matters": [MatterItem(matter) for matter in topic.matters],
        "rule": rule,
        "options": topic.options,
        "election": topic.election,
        "declaration_property_management": topic.declaration_property_management,
        "procedure_rules_id": topic.procedure_rules_id,
        "delegates": topic.delegates,
    }


def _counting_rule(category: Category, rule: Mapping[str, Any] | None) -> CountingRule:
    """R-CAT-4: statutory thresholds unless the rules of procedure set stricter ones (looser ones are refused)."""
    quorum = (rule or {}).get("quorum")
    approval = (rule or {}).get("approval")
    return community_rule(
        category,
        quorum=Threshold.from_dict(quorum) if quorum is not None else None,
        approval=Threshold.from_dict(approval) if approval is not None else None,
    )


def _check_bundling(kind: TopicKind, matters: Sequence[MatterItem]) -> None:
    """R-CAT-5: a deciding topic decides one thing (``app.rules.categories.ONE_DECISION``)."""
    if kind in DECIDING_KINDS and not is_one_decision(matters):
        raise TopicBundled(matters=", ".join(matter.value for matter in matters))


def validated_topic(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check a topic against the law core and return its columns (category and rule derived, R-CAT-3/4)."""
    if not fields["declaration_property_management"]:
        raise DeclarationRequired()  # R-BAN-2
    kind: TopicKind = fields["kind"]
    kind_rules = KINDS[kind]
    matters = list(dict.fromkeys(MatterItem(matter) for matter in fields["matters"]))
    category = category_for(matters)  # R-CAT-3; no matter at all: rules.topic_without_matter
    if category is Category.NOT_A_MAJORITY_VOTE:  # R-BAN-3
        banned = [m.value for m in matters if MATTERS[m].category is Category.NOT_A_MAJORITY_VOTE]
        raise TopicNotAMajorityVote(matters=", ".join(banned))
    if kind_rules.only_matter is not None and matters != [kind_rules.only_matter]:
        raise ElectionMatterInvalid()
    _check_bundling(kind, matters)
    # R-PROC-8 (Beijing Art. 44): no Art. 34 matter may be handed to the committee.
    delegates = None if fields.get("delegates") is None else [p.value for p in check_delegation(fields["delegates"])]
    if fields.get("procedure_rules_id") is not None and (
        kind is not TopicKind.YES_NO or matters != [MatterItem.RULES_OF_PROCEDURE]
    ):
        raise ProcedureRulesTopicInvalid()  # R-PROC-1: adopting rules is one yes/no decision (Art. 34(1)(1))
    rule = _counting_rule(category, fields["rule"])
    options: list[dict[str, Any]] | None = None
    election: dict[str, Any] | None = None
    raw_options = fields["options"] or None
    if kind_rules.takes_options:
        options = [{"id": option["id"], "label": option["label"]} for option in raw_options or []]
        validate_options(option["id"] for option in options)  # R-MULTI-1: at least two distinct options
    elif raw_options is not None:
        raise OptionsNotAllowed(kind=kind.value)
    if kind_rules.takes_election:
        if fields["election"] is None:
            raise ElectionRequired()
        election = kind_rules.drafted_election(fields["election"], rule)
    elif fields["election"] is not None:
        raise ElectionNotAllowed(kind=kind.value)
    return {
        "title": fields["title"],
        "text": fields["text"],
        "kind": kind,
        "matters": [matter.value for matter in matters],
        "category": category,
        "rule": rule_to_json(rule),
        "options": options,
        "election": election,
        "declaration_property_management": True,
        "procedure_rules_id": fields.get("procedure_rules_id"),
        "delegates": delegates,
    }


async def _bind_proposed_rules(session: AsyncSession, vote: Vote, topic: Topic) -> None:
    """R-PROC-1: a topic proposing rules names one of this estate's versions not yet adopted; its hash is part of
    the topic document."""
    if topic.procedure_rules_id is None:
        topic.procedure_rules_sha256 = None
        return
    version = await procedure_service.proposable(session, vote.estate_id, topic.procedure_rules_id)
    topic.procedure_rules_sha256 = version.sha256


_Child = TypeVar("_Child", Topic, Attachment)


def _child(children: Iterable[_Child], child_id: uuid.UUID, *, what: Noun) -> _Child:
    """The vote's topic or the topic's attachment with this id."""
    for child in children:
        if child.id == child_id:
            return child
    raise NotFound(what=what)


def _topic_of(vote: Vote, topic_id: uuid.UUID) -> Topic:
    return _child(vote.topics, topic_id, what="topic")


async def add_topic(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: TopicCreate, *, now: datetime
) -> tuple[Topic, int]:
    """The new topic and its 1-based place in the notice."""
    vote = await _managed_vote(session, principal, vote_id)
    if vote.status is not VoteStatus.DRAFT:
        raise TopicAddedAfterPublication()  # R-LIFE-4, Beijing Art. 35(5)
    fields, nominated = await _nominated(session, vote, body.model_dump(), election_given=True, now=now)
    columns = validated_topic(fields)
    topic = Topic(id=uuid.uuid4(), position=await repository.next_position(session, vote.id), attachments=[], **columns)
    await _bind_proposed_rules(session, vote, topic)
    vote.topics.append(topic)
    await session.flush()
    if nominated is not None:
        await candidates.nominate(session, vote, topic, nominated)
    return topic, len(vote.topics)


async def _nominated(
    session: AsyncSession, vote: Vote, fields: dict[str, Any], *, election_given: bool, now: datetime
) -> tuple[dict[str, Any], list[candidates.Nominated] | None]:
    """R-CAND-1: an election method given in this request names its candidates from the register; they are
    resolved to the published lists (masked names) and the nominations to record. ``None``: nothing to record.
    R-ELEC-13: the sitting committee's figures are filled from the estate's committee record (typed ones are
    ignored) whenever the method is validated, and re-read at publication."""
    if not (KINDS[fields["kind"]].takes_election and fields["election"] is not None):
        return fields, None
    election = await candidates.with_sitting_committee(session, vote.estate_id, fields["election"], shanghai_date(now))
    if not election_given:
        return fields | {"election": election}, None
    published, nominated = await candidates.resolve(session, vote.estate_id, election)
    return fields | {"election": published}, nominated


async def update_topic(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    topic_id: uuid.UUID,
    body: TopicUpdate,
    *,
    now: datetime,
) -> tuple[Topic, int]:
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    topic = _topic_of(vote, topic_id)
    fields = _topic_fields(topic) | {
        name: value for name, value in body.model_dump().items() if name in body.model_fields_set
    }
    fields, nominated = await _nominated(
        session, vote, fields, election_given="election" in body.model_fields_set, now=now
    )
    for name, value in validated_topic(fields).items():
        setattr(topic, name, value)
    await _bind_proposed_rules(session, vote, topic)
    await session.flush()
    if nominated is not None:
        await candidates.nominate(session, vote, topic, nominated)
    elif not candidates.is_election(topic):
        await candidates.drop_nominations(session, topic)
    return topic, vote.topics.index(topic) + 1


async def delete_topic(session: AsyncSession, principal: Principal, vote_id: uuid.UUID, topic_id: uuid.UUID) -> None:
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    vote.topics.remove(_topic_of(vote, topic_id))
    await session.flush()


# --- Candidates (R-CAND) ---


async def read_candidates(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, topic_id: uuid.UUID
) -> candidates.CandidatesView:
    """The organisers' view of an election topic's candidates: restricted, so managing roles only."""
    vote = await readable_vote(session, principal, vote_id)
    place = await access.estate_place(session, vote.estate_id)
    if place is None or not roles_on(principal, place) & MANAGING_ROLES:
        raise NotFound(what="vote")
    return await candidates.view(session, vote, topic_id)


async def attest_candidate(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, topic_id: uuid.UUID, body: AttestationCreate,
    *, now: datetime,
) -> CandidateAttestation:  # fmt: skip
    """R-CAND-3..6, recorded by the organiser before the notice."""
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    return await candidates.attest(
        session, vote, topic_id, body.candidate_id, body, recorded_by=principal.label, now=now
    )


async def acknowledge_candidate_list(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, topic_id: uuid.UUID, body: AcknowledgmentCreate,
    *, now: datetime,
) -> CandidateListAcknowledgment:  # fmt: skip
    """R-CAND-8 / Beijing Art. 40 ¶2, recorded by the organiser before the notice."""
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    return await candidates.acknowledge(session, vote, topic_id, body, recorded_by=principal.label, now=now)


# --- Attachments ---


def sniff_content_type(content: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def clean_filename(filename: str | None) -> str:
    """The base name without control characters, at most 200 characters; ``attachment`` if nothing is left."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[:200] or "attachment"


async def add_attachment(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    topic_id: uuid.UUID,
    *,
    filename: str | None,
    content: bytes,
    now: datetime,
) -> Attachment:
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    topic = _topic_of(vote, topic_id)
    content_type = sniff_content_type(content)
    if content_type is None:
        raise AttachmentUnsupported()
    attachment = Attachment(
        id=uuid.uuid4(),
        filename=clean_filename(filename),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_at=now.astimezone(UTC),
    )
    topic.attachments.append(attachment)
    await session.flush()
    return attachment


def _attachment_of(topic: Topic, attachment_id: uuid.UUID) -> Attachment:
    return _child(topic.attachments, attachment_id, what="attachment")


async def read_attachment(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    topic_id: uuid.UUID,
    attachment_id: uuid.UUID,
    *,
    now: datetime,
) -> tuple[Attachment, bytes]:
    """An attachment of a topic, for the vote's readers (its owners and acting grantees included, R-LIFE-2)."""
    vote = await readable_vote(session, principal, vote_id, now=now)
    attachment = _attachment_of(_topic_of(vote, topic_id), attachment_id)
    content = await repository.attachment_content(session, attachment.id)
    if content is None:  # deleted in between
        raise NotFound(what="attachment")
    return attachment, content


async def delete_attachment(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, topic_id: uuid.UUID, attachment_id: uuid.UUID
) -> None:
    vote = await _managed_vote(session, principal, vote_id)
    _require_draft(vote)
    topic = _topic_of(vote, topic_id)
    topic.attachments.remove(_attachment_of(topic, attachment_id))
    await session.flush()


# --- Publication, errata, cancellation ---


def _check_scope(vote: Vote) -> None:
    """R-ROLL-4: a narrower scope only for matters charged to part of the owners."""
    if vote.scope_units is None:
        return
    for topic in vote.topics:
        whole_area = whole_area_matters(MatterItem(matter) for matter in topic.matters)  # R-ROLL-4
        if whole_area:
            raise ScopeTooNarrow(topic=topic.title, matters=", ".join(whole_area))


def _apply_procedure_rules(vote: Vote, in_force: InForce, *, register_includes_parking: bool) -> None:
    """R-PROC-3: freeze the rules of procedure in force into the vote before its documents are hashed.

    * R-AREA-3: the roll comes from a register version imported under the same parking rule;
    * R-CAST-4: proxies only if the rules allow them (a vote may still switch them off);
    * R-PROC-7: each topic's thresholds and blank-ballot rule come from the rules (a topic's own stricter
      thresholds only without adopted rules, as before any rules existed); R-PROC-5: the election ranking.
    """
    rules = in_force.rules
    if in_force.version is not None and register_includes_parking != rules.include_parking:
        raise RegisterPredatesRules(register=str(register_includes_parking), rules=str(rules.include_parking))
    vote.proxies_allowed = vote.proxies_allowed and rules.proxies_allowed
    for topic in vote.topics:
        kind_rules = KINDS[topic.kind]
        from_rules = rules.counting_rule(kind_rules.counting_category(topic.category))
        drafted = _counting_rule(kind_rules.counting_category(topic.category), topic.rule)
        customised = topic.rule != _statutory_json(topic)
        if (
            in_force.version is not None
            and customised
            and (drafted.quorum, drafted.approval)
            != (
                from_rules.quorum,
                from_rules.approval,
            )
        ):
            raise TopicRuleNotFromRules(topic=topic.title)
        effective = from_rules if in_force.version is not None or not customised else drafted
        topic.rule = rule_to_json(effective.with_blank_ballots(from_rules.blank_participates))
        if topic.election is not None:
            election = {key: value for key, value in topic.election.items() if key != "ranking"}
            if rules.election_ranking is not ElectionRanking.HEADS_THEN_AREA:
                election["ranking"] = rules.election_ranking.value
            topic.election = election
    vote.procedure_rules_id = None if in_force.version is None else in_force.version.id
    vote.procedure_rules_sha256 = in_force.sha256


async def publish(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime, pseudonym_key: bytes
) -> VoteView:
    """Publish the notice (R-LIFE-2): check it, freeze the roll (R-ROLL-1) and record its hashes (R-LIFE-4); the
    roll hash binds each group's owners under ``pseudonym_key`` (``app.vote.snapshot.roll_document``)."""
    vote = await _managed_vote(session, principal, vote_id)
    if vote.status is VoteStatus.CANCELLED:
        raise VoteCancelled()
    if vote.status is not VoteStatus.DRAFT:
        raise VoteAlreadyPublished(published_at=vote.published_at or "—")
    if not vote.topics:
        raise VoteHasNoTopics()
    in_force = await procedure_service.in_force(session, vote.estate_id)  # R-PROC-2/3: frozen from here on
    check_window(now, vote.starts_at, vote.ends_at, min_days=vote.min_window_days)  # R-LIFE-3, R-LIFE-5
    if in_force.rules.min_window_days > vote.min_window_days:  # R-PROC-1: the rules may lengthen the window
        vote.min_window_days = in_force.rules.min_window_days
        check_window(now, vote.starts_at, vote.ends_at, min_days=vote.min_window_days)
    if vote.voting_method is not VotingMethod.ONLINE and not vote.paper_ballot_place:
        raise PaperBallotPlaceRequired(voting_method=vote.voting_method.value)  # R-NOTICE-1, Beijing Art. 35(4)
    _check_scope(vote)
    version = await register_repository.latest_version(session, vote.estate_id)
    if version is None:
        raise NoRegister()
    convening.check_first_assembly_agenda(vote)  # R-FIRST-4: the first meeting's compulsory agenda (Art. 33)
    await convening.check_mandate(session, vote, now=now)  # R-CONV-1..3, R-FIRST-2/3: who may convene
    _apply_procedure_rules(vote, in_force, register_includes_parking=version.include_parking)
    # R-CAND-1/7/8: candidates on this roll, eligible, the list acknowledged; R-ELEC-12: households from the roll
    # R-ELEC-13: the sitting committee's figures re-read from its record today
    await candidates.check_before_publication(session, vote, version, shanghai_date(now))
    # R-ROLL-1, R-ROLL-6 via build_roll
    await take_snapshot(session, vote, version, scope_units=vote.scope_units, pseudonym_key=pseudonym_key)
    assert vote.roll_hash is not None  # noqa: S101 - set by take_snapshot
    topic_hashes = []
    for topic in vote.topics:
        topic.content_hash = documents.topic_hash(topic)
        topic_hashes.append(topic.content_hash)
    vote.notice_hash = documents.notice_hash(
        vote, topic_hashes, roll_hash=vote.roll_hash, register_version_id=version.id
    )
    await transition(
        session,
        vote,
        VoteStatus.PUBLISHED,
        now=now,
        actor=principal.label,
        event=events.vote_published(
            notice_hash=vote.notice_hash,
            roll_hash=vote.roll_hash,
            register_version_id=version.id,
            topics=[
                events.PublishedTopic(
                    topic.id, content_hash, tuple(a.sha256 for a in documents.ordered_attachments(topic.attachments))
                )
                for topic, content_hash in zip(vote.topics, topic_hashes, strict=True)
            ],
            published_at=documents.utc_text(now),
            starts_at=documents.utc_text(vote.starts_at),
            ends_at=documents.utc_text(vote.ends_at),
            voting_method=vote.voting_method.value,
            total_heads=vote.total_heads,
            total_area=vote.total_area,
            scoped=vote.scope_units is not None,
            procedure_rules=in_force.binding,
        ),
    )
    # R-LIFE-2: the notice goes out through the outbox once this transaction commits (app.notice).
    await notice_service.publish_notice(
        session,
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=NoticeKind.VOTE_NOTICE,
        title=vote_notices.vote_notice_title(vote),
        body=vote_notices.vote_notice_body(vote),
        now=now,
    )
    return await _view(session, vote)


def _ended(vote: Vote, now: datetime) -> str | None:
    status = status_at(vote, now)
    return None if status in RUNNING else status.value


async def add_erratum(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, text: str, *, now: datetime
) -> Erratum:
    """R-LIFE-4: a typo fix that changes no meaning, appended and visible to all; the topics stay as published."""
    vote = await _managed_vote(session, principal, vote_id)
    if vote.status is VoteStatus.DRAFT:
        raise VoteNotPublished()
    if vote.status is VoteStatus.CANCELLED:
        raise VoteCancelled()
    ended = _ended(vote, now)
    if ended is not None:
        raise VoteClosed(status=ended)
    assert vote.notice_hash is not None  # noqa: S101 - every published vote has one
    erratum = Erratum(
        id=uuid.uuid4(),
        vote_id=vote.id,
        text=text,
        created_by=principal.label,
        sha256=documents.erratum_hash(vote_id=vote.id, notice_hash=vote.notice_hash, text=text),
        created_at=now.astimezone(UTC),
    )
    session.add(erratum)
    await session.flush()
    await audit_service.append(
        session,
        events.vote_erratum(erratum_id=erratum.id, sha256=erratum.sha256, notice_hash=vote.notice_hash),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    # R-LIFE-4: the erratum is "an appended erratum notice visible to all".
    await notice_service.publish_notice(
        session,
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=NoticeKind.ERRATUM,
        title=vote_notices.erratum_title(vote),
        body=vote_notices.erratum_body(vote, text, erratum.sha256),
        now=now,
    )
    return erratum


async def cancel(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, reason: str, *, now: datetime
) -> VoteView:
    """R-LIFE-4: withdraw a published vote before voting opens; a change needs a new notice (and a new R-LIFE-3
    period). The reason is part of the public record, like the notice itself."""
    vote = await _managed_vote(session, principal, vote_id)
    if vote.status is VoteStatus.DRAFT:
        raise VoteNotPublished()
    if vote.status is VoteStatus.CANCELLED:
        raise VoteCancelled()
    status = status_at(vote, now)  # R-NOTICE-3: an unposted vote stays PUBLISHED, never opened, so it may be cancelled
    if status is not VoteStatus.PUBLISHED:
        raise VotingAlreadyStarted(starts_at=vote.starts_at, status=status.value)
    await transition(
        session,
        vote,
        VoteStatus.CANCELLED,
        now=now,
        actor=principal.label,
        event=events.vote_cancelled(
            notice_hash=vote.notice_hash, cancelled_at=now.astimezone(UTC).isoformat(), reason=reason
        ),
    )
    # R-LIFE-4: the owners who were given the notice are told it is withdrawn.
    await notice_service.publish_notice(
        session,
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=NoticeKind.CANCELLATION,
        title=vote_notices.cancellation_title(vote),
        body=vote_notices.cancellation_body(vote, reason),
        now=now,
    )
    return await _view(session, vote)


# --- On-site posting (R-NOTICE-2, R-NOTICE-3) ---

PHOTO_TYPES = frozenset({"image/png", "image/jpeg"})


@dataclass(frozen=True, slots=True)
class PostingView:
    posting: NoticePosting
    earliest_voting_start: datetime


def _earliest_start(vote: Vote) -> datetime:
    assert vote.published_at is not None  # noqa: S101 - a posting needs a published vote
    assert vote.posted_at is not None  # noqa: S101 - and sets posted_at
    return earliest_voting_start(notice_effective_at(vote.published_at, vote.posted_at)).astimezone(UTC)


async def record_posting(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    posted_at: datetime,
    place: str,
    photo: bytes,
    now: datetime,
) -> PostingView:
    """R-NOTICE-2: record that the published notice was posted on site (Beijing Art. 35(4) 「在物业管理区域内显著位置
    公示」): the stated time, the server time, the acting role, the place and a photograph, whose SHA-256 is bound into
    the public ``vote.notice_posted`` entry. R-NOTICE-3: the earliest posting starts the 15 clear days with
    publication; one that leaves fewer before the announced start is refused (cancel and publish anew)."""
    vote = await _managed_vote(session, principal, vote_id)
    if vote.status is VoteStatus.DRAFT or vote.published_at is None:
        raise VoteNotPublished()
    if vote.status is VoteStatus.CANCELLED:
        raise VoteCancelled()
    ended = _ended(vote, now)
    if ended is not None:
        raise VoteClosed(status=ended)
    content_type = sniff_content_type(photo)
    if content_type not in PHOTO_TYPES:
        raise PostingPhotoUnsupported()
    check = check_posting(
        vote.published_at, _whole_seconds(posted_at), now, starts_at=vote.starts_at, counted_posted_at=vote.posted_at
    )  # R-NOTICE-3, TV-W6
    stated = check.posted_at
    place_row = await access.estate_place(session, vote.estate_id)
    if place_row is None:  # pragma: no cover - a vote's estate is never deleted
        raise NotFound(what="vote")
    acted_as = acting_role(principal, place_row)
    posting = NoticePosting(
        id=uuid.uuid4(),
        vote_id=vote.id,
        posted_at=stated,
        recorded_at=now.astimezone(UTC),
        posted_by=acted_as,
        place=place,
        photo_content_type=content_type,
        photo_size=len(photo),
        photo_sha256=hashlib.sha256(photo).hexdigest(),
        photo=photo,
    )
    session.add(posting)
    vote.posted_at = check.counted_posted_at.astimezone(UTC)
    await session.flush()
    entry = await audit_service.append(
        session,
        events.vote_notice_posted(
            posting_id=posting.id,
            notice_hash=vote.notice_hash,
            posted_at=documents.utc_text(stated),
            recorded_at=documents.utc_text(now),
            by=acted_as,
            place_sha256=hashlib.sha256(place.encode()).hexdigest(),
            photo_sha256=posting.photo_sha256,
            photo_size=posting.photo_size,
            photo_content_type=content_type,
            counted_posted_at=documents.utc_text(check.counted_posted_at),
            earliest_start=documents.utc_text(check.earliest_start),
            starts_at=documents.utc_text(vote.starts_at),
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    return PostingView(posting, check.earliest_start.astimezone(UTC))


async def list_postings(session: AsyncSession, principal: Principal, vote_id: uuid.UUID) -> list[PostingView]:
    """The vote's recorded postings, earliest first, for every reader of the vote (owners in its roll included)."""
    vote = await readable_vote(session, principal, vote_id)
    postings = await repository.postings(session, vote.id)
    return [PostingView(posting, _earliest_start(vote)) for posting in postings]


async def read_posting_photo(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, posting_id: uuid.UUID
) -> tuple[NoticePosting, bytes]:
    vote = await readable_vote(session, principal, vote_id)
    found = await repository.posting_photo(session, vote.id, posting_id)
    if found is None:
        raise NotFound(what="posting")
    return found


# --- Who convenes (R-CONV-1..3; app.vote.convening) ---


async def record_mandate(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: MandateCreate, *, now: datetime
) -> tuple[ConveningMandate, Committee | None]:
    """The organiser records what the draft is convened on: the committee's decision, or the street office's ground."""
    vote = await _managed_vote(session, principal, vote_id)
    mandate = await convening.record_mandate(session, vote, principal, body, now=now)
    committee = None
    if mandate.committee_id is not None:
        committee = await session.get(Committee, mandate.committee_id)
    return mandate, committee


async def _sees_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID) -> bool:
    try:
        await readable_vote(session, principal, vote_id)
    except NotFound:
        return False
    return True


async def read_mandate(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID
) -> tuple[ConveningMandate, Committee | None]:
    """Readers of the vote, and the convening committee's sitting members (who sign the draft's decision)."""
    readable = await _sees_vote(session, principal, vote_id)
    return await convening.readable_mandate(session, principal, vote_id, readable=readable)


async def sign_mandate(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime
) -> tuple[ConveningMandate, Committee | None]:
    staff = await _sees_vote(session, principal, vote_id)
    return await convening.sign(session, principal, vote_id, staff=staff, now=now)
