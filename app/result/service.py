"""Closing a vote, deciding every topic with the law core, publishing the result, and who may see what.

* Close (R-LIFE-6, R-LIFE-8): never before the publicised end; the decision is made at the close instant, so
  ``closed_at`` is ``ends_at`` whenever the close actually runs. The vote row is locked exclusively first
  (STYLE §8.4), so no ballot lands after the close.
* Decide (R-TALLY, R-MULTI, R-ELEC): on PostgreSQL the close reads the sums the database kept at cast time, per
  topic and distinct answer (``app.ballot.models.TallySum``), and the pure law core (``app.rules``) decides from
  them: an election, which needs its ballots one by one (the approval limit and ranking work per ballot), gets
  one weighted ballot per distinct answer. On SQLite one SQL aggregate sums the counted ballots' marks and the
  election's marks are loaded. The offline verifier recounts every ballot from the log (R-REC-1).
* Publish (R-LIFE-8): "published to all owners in scope at once", so a decided vote is published in the same
  transaction, and the publication flags report lateness against the app and legal deadlines.
* Visibility: participation only while voting (R-LIFE-7), per-option counts once published (R-PUB-1, R-PUB-3),
  per-unit ballots to the organiser and supervisors only after close, each access logged (R-PUB-2), and a
  voter's own group's ballot to the voter.

Services flush and never commit; every transition and every per-unit access appends an audit entry.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import metrics
from app.audit import service as audit_service
from app.audit.integrator import integrate_and_sign
from app.audit.keys import LogKeys
from app.audit.models import AuditEntry
from app.ballot import repository as ballot_repository
from app.ballot.models import Ballot
from app.common.access import Principal, Role, roles_on
from app.common.pagination import decode_cursor, encode_cursor, paginate
from app.errors import NotFound
from app.holidays import STATE_COUNCIL_CALENDAR
from app.identity import events as identity_events
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.ledger.completeness import CountedSet
from app.notice import service as notice_service
from app.notice.models import NoticeKind
from app.objection import service as objection_service
from app.objection.service import ObjectionEvidence
from app.place import access
from app.procedure import service as procedure_service
from app.result import notices as result_notices
from app.result import repository
from app.result.errors import (
    BallotsSealed,
    CountingNotSignedOff,
    ResultNotPublished,
    VoteNotClosable,
    VoteNotEnded,
    VoteTerminated,
)
from app.result.models import TopicResult
from app.result.repository import KeptSums, MarkSums, UnitPlace
from app.rules.choices import Outcome
from app.rules.counts import Weight
from app.rules.kinds.base import BallotsKind, Decided, TallyInconsistent
from app.rules.lifecycle import AFTER_CLOSE, CLOSABLE, REVOKED, RUNNING, VoteStatus
from app.rules.publicity import PublicationCheck, check_notice_posted, result_publication_flags
from app.supervision import repository as supervision_repository
from app.supervision import service as supervision_service
from app.supervision.models import SupervisionAction, SupervisionKind
from app.vote import repository as vote_repository
from app.vote import service as vote_service
from app.vote.lifecycle import status_at, transition
from app.vote.models import RollGroup, Topic, Vote, VotingMethod
from app.vote.service import ensure_acts_as_organiser
from app.vote.spec import counting_rule, kind_rules, terms

SYSTEM_ACTOR = "system:transitions"
#: Retry-After of a result being closed: the background close runs every EVOTE_TRANSITION_INTERVAL_SECONDS (15).
CLOSING_RETRY_SECONDS = 15
#: Retry-After of a paper or mixed vote whose counting session is not signed off yet (R-PAPER-3): poll slowly.
COUNTING_RETRY_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Decision:
    vote: Vote
    results: tuple[TopicResult, ...]  # in topic order
    transitioned: bool  # this call moved the vote (closed, decided and/or published it)


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _outcomes(results: Sequence[TopicResult]) -> list[events.TopicOutcome]:
    return [events.TopicOutcome(row.topic_id, row.outcome, row.evidence_sha256) for row in results]


# --- close → decide → publish -------------------------------------------------------------------------------


async def close_and_decide(
    session: AsyncSession,
    vote_id: uuid.UUID,
    *,
    now: datetime,
    keys: LogKeys,
    actor: str = SYSTEM_ACTOR,
    accountable: Principal | None = None,
) -> Decision:
    """Close the vote at its end, decide every topic and publish the result at once; idempotent afterwards.

    ``actor`` is what the public entries name as ``by``: the system, or the role and place of the person who ran
    the close (``app.common.access.acting_role``); that person, ``accountable``, is recorded for each entry in a
    restricted ``identity.act.recorded`` entry."""
    vote = await vote_repository.lock_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    if vote.status not in CLOSABLE or vote.total_heads is None or vote.total_area is None:
        raise VoteNotClosable(status=vote.status.value)
    if vote.status is VoteStatus.RESULT_PUBLISHED:
        return Decision(vote, await _results_in_order(session, vote), transitioned=False)
    total = Weight(vote.total_heads, vote.total_area)  # the frozen roll (R-HEAD-6, R-AREA-4, R-ROLL-3)
    if now < vote.ends_at:
        raise VoteNotEnded(ends_at=vote.ends_at)  # R-LIFE-6: no early close
    if vote.status in RUNNING:
        check_notice_posted(vote.posted_at)  # R-NOTICE-3: never posted, never opened: nothing to decide
    if (
        vote.status in RUNNING
        and vote.voting_method is not VotingMethod.ONLINE
        and not await ballot_repository.counting_signed_off(session, vote.id)
    ):
        # R-PAPER-3: paper ballots received before the close are counted in public before witnesses first; the
        # close binds the counted set with them, so nothing is closed, decided or published before the sign-off.
        raise CountingNotSignedOff()

    acts: list[AuditEntry] = []
    # R-REC-1: vote.closed, vote.decided and vote.result_published each bind the vote's entries created strictly
    # before them, so an export that drops one fails; vote.closed also binds the counted ballots' commitments, so
    # an owner checks their ballot was counted (app.ledger.completeness). This close stamps every entry it appends
    # with ``now`` (the transitions and the procedure's adoption take ``at=now``; nothing between them reads the
    # wall clock), so the three bind the same set, the entries before ``now``: computed once, before the close
    # appends anything. tests/result/test_close_bindings.py holds the close to that.
    await session.flush()
    counted: CountedSet | None = None
    if vote.status in RUNNING:
        entry_set, counted = await repository.close_bindings(session, vote.id, now)
    else:
        entry_set = await repository.bound_entry_set(session, vote.id, now)
    entries = entry_set.payload()
    # Nothing can change the counted ballots once the vote is locked: the sums kept at cast time are final.
    kept = await repository.kept_sums(session, vote.id)
    participating: Weight | None = None if kept is None else kept.participation
    if counted is not None:
        if participating is None:
            participating = await repository.participation(session, vote.id)
        closed = await transition(
            session,
            vote,
            VoteStatus.CLOSED,  # closed_at is ends_at: the decision instant is the publicised close (R-LIFE-8)
            now=now,
            actor=actor,
            event=events.vote_closed(
                closed_at=vote.ends_at.isoformat(),
                by=actor,
                participating=participating,
                total=total,
                entries=entries,
                counted=counted.payload(),
            ),
        )
        acts.append(closed)

    if vote.status is VoteStatus.CLOSED:
        results = await _decide(session, vote, total, now=now, participating=participating, kept=kept)
        decided = await transition(
            session,
            vote,
            VoteStatus.DECIDED,
            now=now,
            actor=actor,
            event=events.vote_decided(
                decided_at=now.isoformat(),
                closed_at=_iso(vote.closed_at),
                by=actor,
                results=_outcomes(results),
                entries=entries,
            ),
        )
        acts.append(decided)
        await _adopt_passed_rules(session, vote, results, now=now)
    else:
        results = await _results_in_order(session, vote)

    # R-LIFE-8: results are computed at close and published to all owners in scope at once.
    closed_at = vote.closed_at or vote.ends_at
    publication = result_publication_flags(closed_at, now, as_of=now, calendar=STATE_COUNCIL_CALENDAR)
    published = await transition(
        session,
        vote,
        VoteStatus.RESULT_PUBLISHED,
        now=now,
        actor=actor,
        event=events.vote_result_published(
            published_at=now.isoformat(),
            by=actor,
            results=_outcomes(results),
            publication=publication.to_dict(),
            entries=entries,
            evidence={row.topic_id: row.evidence for row in results},
        ),
    )
    if accountable is not None:
        for entry in (*acts, published):
            await identity_events.record_act(session, accountable, entry, acted_as=actor)
    # R-LIFE-8: "published to all owners in scope at once": the result notice leaves through the outbox.
    await notice_service.publish_notice(
        session,
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=NoticeKind.RESULT,
        title=result_notices.result_title(vote),
        body=result_notices.result_body(vote, await repository.topics_of(session, vote.id), results),
        now=now,
    )
    await session.flush()
    # The signed result names a checkpoint containing every ballot and the entries above. It is
    # signed in this transaction (the integrator takes its lock and folds in every committed entry and this
    # transaction's own), so it commits with the result: close → decide → publish → integrate and sign → commit.
    await integrate_and_sign(session, now, keys=keys)
    metrics.vote_closed(session)  # counted once the transaction commits
    return Decision(vote, results, transitioned=True)


async def _adopt_passed_rules(
    session: AsyncSession, vote: Vote, results: Sequence[TopicResult], *, now: datetime
) -> None:
    """R-PROC-1: a rules-of-procedure version takes effect when the topic proposing it PASSES (Beijing Art.
    34(1)(1)); votes already published keep the version they froze (R-PROC-3)."""
    outcomes = {row.topic_id: row.outcome for row in results}
    for topic in await repository.topics_of(session, vote.id):
        if topic.procedure_rules_id is not None and outcomes.get(topic.id) == Outcome.PASSED.value:
            await procedure_service.adopt(session, topic.procedure_rules_id, vote_id=vote.id, topic_id=topic.id, at=now)


async def close(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime, keys: LogKeys
) -> Decision:
    """``POST …/close``: the organiser (or a supervisor) runs the close now, only after the end (R-LIFE-6)."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)
    ensure_acts_as_organiser(vote.organiser_kind, await access.estate_roles(session, principal, vote.estate_id))
    acted_as = await access.acting_as(session, principal, vote.estate_id)
    return await close_and_decide(session, vote_id, now=now, keys=keys, actor=acted_as, accountable=principal)


async def _results_in_order(session: AsyncSession, vote: Vote) -> tuple[TopicResult, ...]:
    positions = {topic.id: topic.position for topic in await repository.topics_of(session, vote.id)}
    rows = await repository.results_of(session, vote.id)
    return tuple(sorted(rows, key=lambda row: positions.get(row.topic_id, len(positions))))


async def _decide(
    session: AsyncSession,
    vote: Vote,
    total: Weight,
    *,
    now: datetime,
    participating: Weight | None,
    kept: KeptSums | None = None,
) -> tuple[TopicResult, ...]:
    """Every topic's result from the sums kept at cast time (PostgreSQL: a few hundred rows, one per topic and
    distinct answer, ``app.ballot.models.TallySum``), or else from ONE aggregate over the counted marks and, for a
    kind whose law core counts ballot by ballot (an election), its ballots' answers
    (``app.rules.kinds.base.Aggregate``)."""
    topics = await repository.topics_of(session, vote.id)
    if kept is None:
        kept = await repository.kept_sums(session, vote.id)
    if kept is not None:
        sums = kept.mark_sums([topic for topic in topics if not isinstance(kind_rules(topic), BallotsKind)])
    else:
        by_ballot = [topic.id for topic in topics if isinstance(kind_rules(topic), BallotsKind)]
        sums = await repository.mark_sums(session, vote.id, participating, skip_topics=by_ballot)
    rows: list[TopicResult] = []
    for topic in topics:
        outcome, evidence = await _topic_evidence(session, vote, topic, sums, total, kept)
        row = TopicResult(
            topic_id=topic.id,
            vote_id=vote.id,
            outcome=outcome,
            evidence=evidence,
            evidence_sha256=canonical_sha256(evidence),
            decided_at=now,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    return tuple(rows)


async def _topic_evidence(
    session: AsyncSession, vote: Vote, topic: Topic, sums: MarkSums, total: Weight, kept: KeptSums | None
) -> tuple[str, dict[str, Any]]:
    rules = kind_rules(topic)
    try:
        if isinstance(rules, BallotsKind):
            ballots = (
                kept.ballots(topic) if kept is not None else await repository.topic_ballots(session, vote.id, topic)
            )
            decided = rules.decide(terms(topic), ballots, total)
        else:
            decided = rules.decide(terms(topic), sums.answers.get(topic.id, {}), sums.participation, total)
    except TallyInconsistent as error:
        raise TallyInconsistent(f"topic {topic.id}: {error}") from error
    _same(topic, decided, sums.participation)
    return decided.outcome, decided.evidence


def _same(topic: Topic, decided: Decided, aggregated: Weight) -> None:
    """Every counted ballot answers every topic (R-TALLY-1), so a topic counts the vote's participation, less its
    blank or spoiled paper ballots when the rules of procedure do not count them (R-PROC-4)."""
    counted = decided.participating
    if not counting_rule(topic).blank_participates:
        spoiled = decided.evidence["spoiled"]
        assert isinstance(spoiled, dict)  # noqa: S101 - every kind's evidence reports its spoiled weight
        counted += Weight(int(spoiled["heads"]), int(spoiled["area"]))
    if counted != aggregated:
        raise TallyInconsistent(f"topic {topic.id}: counted {counted} but {aggregated} groups took part")


# --- who may see what ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Viewer:
    roles: frozenset[Role]  # roles on the vote's estate
    groups: tuple[RollGroup, ...]  # the caller's own voter groups in the vote's roll


async def _visible_vote(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime
) -> tuple[Vote, Viewer]:
    """Anyone with a role on the estate, owners in the roll and the holders of grants in force for a group of it
    (R-CAST-1..5, ``app.vote.service.acting_groups``); everyone else gets 404 (not disclosed)."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    place = await access.estate_place(session, vote.estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    groups = await vote_service.acting_groups(session, principal, vote, now=now)
    if not roles and not groups:
        raise NotFound(what="vote")
    return vote, Viewer(roles, tuple(groups))


async def visible_vote(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime
) -> tuple[Vote, Viewer]:
    """The vote and the caller's roles and groups on it, for whoever may read its result (404 for anyone else)."""
    return await _visible_vote(session, principal, vote_id, now=now)


@dataclass(frozen=True, slots=True)
class Turnout:
    vote: Vote
    status: str
    as_of: datetime
    participating: Weight
    total: Weight


async def turnout(session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime) -> Turnout:
    """R-LIFE-7: participation (heads and area, counts and rates) at any time; nothing about answers."""
    vote, _ = await _visible_vote(session, principal, vote_id, now=now)
    total = Weight(vote.total_heads or 0, vote.total_area or 0)
    return Turnout(vote, status_at(vote, now), now, await repository.participation(session, vote.id), total)


@dataclass(frozen=True, slots=True)
class PublishedTopic:
    topic: Topic
    result: TopicResult
    decision_status: str | None = None  # R-SUP-7: None when the outcome decided nothing
    revocation: SupervisionAction | None = None  # the act that revoked this topic's decision


@dataclass(frozen=True, slots=True)
class PublishedResult:
    vote: Vote
    status: str
    participating: Weight
    total: Weight
    topics: tuple[PublishedTopic, ...]
    units: tuple[UnitPlace, ...]
    publication: PublicationCheck
    decision_status: str  # R-SUP-7: the summary over the topics' decision statuses
    roll_objections: ObjectionEvidence  # R-ROLL-7: unanswered objections to the roll, by id
    revocations: tuple[SupervisionAction, ...] = ()  # R-SUP-1/3/7: every revocation of a decision of the vote


async def published_result(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime
) -> PublishedResult:
    """R-PUB-1: the R-TALLY-10 evidence per topic and the participating units (no names, IDs or phones)."""
    vote, _ = await _visible_vote(session, principal, vote_id, now=now)
    return await build_published_result(session, vote, now=now)


async def _ensure_result_out(session: AsyncSession, vote: Vote, now: datetime) -> None:
    revoked = vote.status in REVOKED and vote.result_published_at is not None
    if vote.status is VoteStatus.TERMINATED:  # R-SUP-6: no decision was formed, nothing was counted
        termination = await supervision_repository.latest_of_kind(session, vote.id, SupervisionKind.TERMINATION)
        raise VoteTerminated(
            terminated_at="—" if termination is None else termination.acted_at,
            document_ref="" if termination is None else termination.document_ref,
        )
    if vote.status is not VoteStatus.RESULT_PUBLISHED and not revoked:
        raise result_not_published(vote, now)  # R-LIFE-7: sealed until close


@dataclass(frozen=True, slots=True)
class UnitsPage:
    items: tuple[UnitPlace, ...]
    next_cursor: str | None


async def participating_units(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime, cursor: str | None, limit: int
) -> UnitsPage:
    """R-PUB-1: the published result's participating units (building, entrance, room, area), a page at a time in
    unit-key order; refused exactly as the result is."""
    vote, _ = await _visible_vote(session, principal, vote_id, now=now)
    await _ensure_result_out(session, vote, now)
    groups = await repository.participating_groups(session, vote.id)
    places = sorted(
        await _places(session, vote, [key for group in groups for key in group.unit_keys]), key=lambda p: p.unit_key
    )
    after = None if cursor is None else str(decode_cursor(cursor, str))
    rest = [place for place in places if after is None or place.unit_key > after]
    page = rest[:limit]
    return UnitsPage(tuple(page), encode_cursor(page[-1].unit_key) if len(rest) > limit else None)


async def build_published_result(session: AsyncSession, vote: Vote, *, now: datetime) -> PublishedResult:
    """The published result document of a vote, for whoever the caller already allowed to read it."""
    await _ensure_result_out(session, vote, now)
    results = {row.topic_id: row for row in await repository.results_of(session, vote.id)}
    decisions = await supervision_service.decisions_of(session, vote)  # R-SUP-7: each topic's decision status
    groups = await repository.participating_groups(session, vote.id)
    units = await _places(session, vote, [key for group in groups for key in group.unit_keys])
    closed_at = vote.closed_at or vote.ends_at
    return PublishedResult(
        vote=vote,
        status=status_at(vote, now),
        participating=Weight(len(groups), sum(group.area for group in groups)),
        total=Weight(vote.total_heads or 0, vote.total_area or 0),
        topics=tuple(
            PublishedTopic(
                item.topic,
                results[item.topic.id],
                None if item.status is None else item.status.value,
                item.revocation,
            )
            for item in decisions.topics
        ),
        units=tuple(units),
        publication=result_publication_flags(
            closed_at, vote.result_published_at, as_of=now, calendar=STATE_COUNCIL_CALENDAR
        ),
        decision_status=decisions.status.value,
        roll_objections=await objection_service.evidence(session, vote),
        revocations=decisions.revocations,
    )


def result_wait(vote: Vote, now: datetime) -> int | None:
    """Seconds a client should wait before asking for the result again (``Retry-After``); None when waiting alone
    will not bring it (a draft, a cancelled or suspended vote)."""
    status = status_at(vote, now)
    if status in (VoteStatus.PUBLISHED, VoteStatus.OPEN) and now < vote.ends_at:
        return max(1, math.ceil((vote.ends_at - now).total_seconds()))  # R-LIFE-7: sealed until the end
    if status in (VoteStatus.CLOSED, VoteStatus.DECIDED):
        counted_on_paper = vote.voting_method is not VotingMethod.ONLINE and status is VoteStatus.CLOSED
        return COUNTING_RETRY_SECONDS if counted_on_paper else CLOSING_RETRY_SECONDS
    return None


def result_not_published(vote: Vote, now: datetime) -> ResultNotPublished:
    """R-LIFE-7 / R-LIFE-8: the result is not out; with how long to wait (``Retry-After``) when it is coming."""
    wait = result_wait(vote, now)
    extra = {} if wait is None else {"retry_after": wait}
    return ResultNotPublished(status=status_at(vote, now), retry_after=wait, extra=extra)


async def _places(session: AsyncSession, vote: Vote, unit_keys: Sequence[str]) -> list[UnitPlace]:
    if vote.register_version_id is None:
        return []
    return await repository.unit_places(session, vote.register_version_id, unit_keys)


@dataclass(frozen=True, slots=True)
class GroupBallots:
    group: RollGroup
    units: tuple[UnitPlace, ...]
    ballots: tuple[Ballot, ...]


@dataclass(frozen=True, slots=True)
class BallotsPage:
    vote: Vote
    items: tuple[GroupBallots, ...]  # one entry per ballot (void ones included, with their reason)
    next_cursor: str | None


async def unit_ballots(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    now: datetime,
    cursor: str | None,
    limit: int,
) -> BallotsPage:
    """R-PUB-2 audit view: per-unit ballots for the organiser and supervisors only, after close, logged."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)  # observers, auditors: 403
    # Sealed until the close has actually run (stored status), not merely until the clock passed the end:
    # in between, nothing may be learned that could steer a late entry (R-LIFE-7).
    if vote.status not in AFTER_CLOSE:
        raise BallotsSealed(status=status_at(vote, now))
    ballots, next_cursor = await paginate(
        session, repository.ballots_statement(vote.id), key=Ballot.id, cursor=cursor, limit=limit
    )
    groups = await repository.groups_by_id(session, vote.id, (ballot.group_id for ballot in ballots))
    places = {
        place.unit_key: place
        for place in await _places(session, vote, [key for group in groups.values() for key in group.unit_keys])
    }
    items = tuple(
        GroupBallots(
            groups[ballot.group_id],
            tuple(places[key] for key in groups[ballot.group_id].unit_keys if key in places),
            (ballot,),
        )
        for ballot in ballots
        if ballot.group_id in groups
    )
    await audit_service.append(
        session,
        events.ballots_viewed(viewer=principal.label, at=now.isoformat(), cursor=cursor, ballots=len(items)),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    return BallotsPage(vote, items, next_cursor)


async def my_ballots(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime
) -> tuple[GroupBallots, ...]:
    """R-PUB-2: a voter sees the ballots of the groups they are in or act for (any time); 404 for anyone else.

    R-CAST-1: an owner through the binding in the vote's estate, never an identity proven elsewhere; a legal
    representative, guardian or proxy through a grant in force now (R-CAST-2..5), so a revoked or expired grant
    shows nothing more (the caster keeps their receipt, ``/receipts/{entry_id}``)."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    groups = await vote_service.acting_groups(session, principal, vote, now=now)
    if not groups:
        raise NotFound(what="vote")
    ballots = await repository.ballots_of_groups(session, vote.id, (group.group_id for group in groups))
    places = {place.unit_key: place for place in await _places(session, vote, [k for g in groups for k in g.unit_keys])}
    return tuple(
        GroupBallots(
            group,
            tuple(places[key] for key in group.unit_keys if key in places),
            tuple(ballot for ballot in ballots if ballot.group_id == group.group_id),
        )
        for group in groups
    )
