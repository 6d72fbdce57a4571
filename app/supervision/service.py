"""Street-office supervision of votes and decisions, court revocations, and the jurisdiction view.

* Who (R-SUP-1): the street office of the estate's jurisdiction, and ADMIN, which stands for the district housing
  authority (物业管理条例 Art. 19(2): same power). Read-only roles on the estate (committee, observer, auditor) get
  403; anyone without a role there gets 404, so another street's estates are not disclosed. A court revocation is
  recorded by ADMIN only (R-SUP-3).
* What: every act carries a reason and the written decision document it rests on (Beijing Arts. 8, 51), is stored
  in ``supervision_action`` with the SHA-256 of its canonical content, appended to the audit log as
  ``supervision.<kind>`` (signed into the log's checkpoints), and notified to the owners (Art. 51 「通告全体业主」).
* Suspension halts ballots (the casting service refuses any status but OPEN), and nothing decides a suspended vote.
  It ends in one of two ways (R-SUP-5, R-SUP-6): a resumption that extends the window by at least the suspended
  time, the new end announced to all owners, or a termination without any decision (a new vote needs a new
  notice). A vote is therefore never decided on a window shortened by an official act (CC Art. 134 ¶2; Beijing
  Art. 35(4); SPC Art. 12).
* Revocation acts on one topic's decision (R-SUP-7: Beijing Art. 51 「撤销其决定」, CC Art. 280 ¶2 「撤销该决定」);
  the vote's other decisions stay in force and the vote's status does not change. The stored results and their
  evidence hashes are never touched, so the record of what the owners decided stays verifiable.

Services flush and never commit.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.common.access import MANAGING_ROLES, Principal, Role, ensure_can_manage_street_office, roles_on
from app.common.errors import Forbidden
from app.errors import NotFound, Text
from app.holidays import STATE_COUNCIL_CALENDAR
from app.identity import events as identity_events
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.place import access
from app.place.models import Community, Estate
from app.rules.counts import Weight
from app.rules.lifecycle import (
    AFTER_CLOSE,
    DECISION_STANDS,
    NOT_PUBLISHED,
    REVOKED,
    RUNNING,
    DecisionStatus,
    VoteDecisionStatus,
    VoteStatus,
    check_resumption_end,
    topic_decision_status,
    vote_decision_status,
)
from app.rules.publicity import SHANGHAI, PublicationCheck, result_publication_flags
from app.supervision import repository
from app.supervision.errors import (
    AlreadyFollowedUp,
    AlreadyRevoked,
    DeadlineNotInFuture,
    DecisionAlreadyRevoked,
    NoDecisionOnTopic,
    NotDecided,
    NotSupervisable,
    NotSuspendable,
    NotSuspended,
)
from app.supervision.models import SupervisionAction, SupervisionKind
from app.supervision.repository import Outcome
from app.vote import repository as vote_repository
from app.vote import service as vote_service
from app.vote.lifecycle import status_at, transition
from app.vote.models import Topic, Vote

SUPERVISING = frozenset({Role.ADMIN, Role.STREET_OFFICE})
REGULAR_MEETING_MONTHS = 12  # R-LIFE-11, Beijing Art. 35(2) 「每年至少召开一次」


def _local(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).isoformat()


# --- access ---------------------------------------------------------------------------------------------------


async def _supervised_vote(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, allowed: frozenset[Role] = SUPERVISING
) -> Vote:
    """The vote, row-locked (§8.4), if ``principal`` supervises its estate: 403 for read-only roles, 404 for none."""
    found = await vote_repository.estate_and_status_of_vote(session, vote_id)
    if found is None:
        raise NotFound(what="vote")
    estate_id, status, _ = found
    place = await access.estate_place(session, estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    _ensure_supervises(roles, status, allowed)  # before the lock: a caller without the right must not stall casts
    vote = await vote_repository.lock_vote(session, vote_id)
    if vote is None:  # pragma: no cover - votes are never deleted
        raise NotFound(what="vote")
    _ensure_supervises(roles, vote.status, allowed)  # the status may have changed while we waited
    return vote


def _ensure_supervises(roles: frozenset[Role], status: VoteStatus, allowed: frozenset[Role]) -> None:
    if not roles or (status is VoteStatus.DRAFT and not roles & MANAGING_ROLES):
        raise NotFound(what="vote")
    if not roles & allowed:
        raise Forbidden(
            reason=Text(
                "监督职责由辖区街道办事处和区主管部门行使",
                "supervision is for the street office of the jurisdiction and the district authority",
            )
        )


# --- recording ------------------------------------------------------------------------------------------------


def action_content(action: SupervisionAction) -> dict[str, Any]:
    """The canonical content whose SHA-256 is ``content_sha256``: every recorded field but the hash itself.

    A revocation's ``topic_id`` (R-SUP-7) and a resumption's ``ends_before``, ``ends_after`` and
    ``suspended_seconds`` (R-SUP-5) are members only when set, so an act recorded before them keeps its content
    and hash."""
    content: dict[str, Any] = {
        "action_id": str(action.id),
        "estate_id": str(action.estate_id),
        "vote_id": str(action.vote_id),
        "kind": action.kind.value,
        "reason": action.reason,
        "document_ref": action.document_ref,
        "deadline": _iso(action.deadline),
        "follows_id": None if action.follows_id is None else str(action.follows_id),
        "acted_by": action.acted_by,
        "acted_at": _iso(action.acted_at),
    }
    if action.topic_id is not None:
        content["topic_id"] = str(action.topic_id)
    if action.ends_after is not None:
        content["ends_before"] = _iso(action.ends_before)
        content["ends_after"] = _iso(action.ends_after)
        content["suspended_seconds"] = action.suspended_seconds
    return content


@dataclass(frozen=True, slots=True)
class Extension:
    """R-SUP-5: the window's end before and after a resumption, and the suspended time it gives back."""

    ends_before: datetime
    ends_after: datetime
    suspended_seconds: int


@dataclass(frozen=True, slots=True)
class Acted:
    action: SupervisionAction
    vote: Vote
    status: str  # the vote's effective status after the act
    notice_id: uuid.UUID | None
    decision_status: str | None = None  # a revocation (R-SUP-7): the topic's decision status after the act


async def _record(
    session: AsyncSession,
    principal: Principal,
    vote: Vote,
    kind: SupervisionKind,
    *,
    reason: str,
    document_ref: str,
    now: datetime,
    status_before: str,
    to: VoteStatus | None = None,
    deadline: datetime | None = None,
    follows_id: uuid.UUID | None = None,
    topic_id: uuid.UUID | None = None,
    extension: Extension | None = None,
    decision: dict[str, Any] | None = None,
) -> SupervisionAction:
    """One ``supervision_action`` row and its audit entry with the same canonical content and hash; an act that
    moves the vote ``to`` another status records the move in that entry (``app.vote.lifecycle.transition``).

    The act is public (R-SUP-1), so ``acted_by`` is the acting role and place (``STREET_OFFICE@<street office id>``,
    ``ADMIN``), never an account or key name; who exactly acted is an ``identity.act.recorded`` entry, restricted."""
    acted_as = await access.acting_as(session, principal, vote.estate_id)
    action = SupervisionAction(
        id=uuid.uuid4(),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=kind,
        reason=reason,
        document_ref=document_ref,
        deadline=None if deadline is None else deadline.astimezone(UTC),
        follows_id=follows_id,
        topic_id=topic_id,
        ends_before=None if extension is None else extension.ends_before.astimezone(UTC),
        ends_after=None if extension is None else extension.ends_after.astimezone(UTC),
        suspended_seconds=None if extension is None else extension.suspended_seconds,
        acted_by=acted_as,
        acted_at=now.astimezone(UTC),
    )
    content = action_content(action)
    action.content_sha256 = canonical_sha256(content)
    event = events.supervision_action(
        kind.value,
        content=content,
        content_sha256=action.content_sha256,
        status_before=status_before,
        status_after=(vote.status if to is None else to).value,
        decision=decision,
    )
    if to is None:
        entry = await audit_service.append(session, event, estate_id=vote.estate_id, vote_id=vote.id, at=now)
    else:
        entry = await transition(session, vote, to, now=now, actor=principal.label, event=event)
    action.audit_entry_id = entry.id
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    session.add(action)
    await session.flush()
    return action


async def _notify(
    session: AsyncSession,
    vote: Vote,
    kind: NoticeKind,
    *,
    title: str,
    body: str,
    now: datetime,
) -> uuid.UUID:
    """Beijing Art. 51 「通告全体业主」: every supervision act is published to all owners in scope."""
    notice = await notice_service.publish_notice(
        session,
        estate_id=vote.estate_id,
        kind=kind,
        title=title,  # cut to 200 characters by the notice service
        body=body,
        now=now,
        vote_id=vote.id,
        audience=Audience.OWNERS,  # every owner in scope, also reported to the residents' committee (R-SUP-2)
    )
    return notice.id


def _basis(action: SupervisionAction) -> str:
    return f"依据{action.document_ref}，理由：{action.reason}"


# --- suspension, resumption and termination -------------------------------------------------------------------


async def suspend(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, reason: str, document_ref: str, now: datetime
) -> Acted:
    """Halt a published or open vote: no ballots while suspended; the turnout stays readable (R-LIFE-7). Nothing
    decides it until it is resumed with an extension (R-SUP-5) or terminated (R-SUP-6)."""
    vote = await _supervised_vote(session, principal, vote_id)
    _refuse_revoked(vote)
    before = status_at(vote, now)
    if vote.status in NOT_PUBLISHED or before not in RUNNING:  # the notice period or the window is running
        raise NotSuspendable(status=before)
    action = await _record(
        session, principal, vote, SupervisionKind.SUSPENSION,
        reason=reason, document_ref=document_ref, now=now, status_before=before.value, to=VoteStatus.SUSPENDED,
    )  # fmt: skip
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.SUSPENSION,
        title=f"关于暂停《{vote.title}》表决的通告",
        body=(
            f"街道办事处决定暂停本次表决（{_basis(action)}）。暂停期间不接受投票，已投的票继续有效，"
            "暂停期间不计票、不形成决定。恢复表决时，投票截止时间至少顺延暂停的时间并另行通告；"
            "或者由街道办事处终止本次表决。"
        ),
        now=now,
    )
    return Acted(action, vote, status_at(vote, now), notice_id)


async def resume(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    reason: str,
    document_ref: str,
    ends_at: datetime,
    now: datetime,
) -> Acted:
    """R-SUP-5: the vote continues until ``ends_at``, which gives back at least the suspended time (the street
    office may give more), announced to all owners with the new end; a shorter end is refused.

    The stored state is PUBLISHED before the start and OPEN after it; the window's end in force becomes
    ``ends_at``, and the notice's own end is kept (``Vote.notice_ends_at``) so the published notice's hash holds.
    """
    vote = await _supervised_vote(session, principal, vote_id)
    _refuse_revoked(vote)
    if vote.status is not VoteStatus.SUSPENDED:
        raise NotSuspended(status=status_at(vote, now))
    suspension = await repository.latest_of_kind(session, vote.id, SupervisionKind.SUSPENSION)
    if suspension is None:  # pragma: no cover - a vote is SUSPENDED only by a suspension act
        raise NotSuspended(status=vote.status.value)
    new_end = ends_at.astimezone(UTC).replace(microsecond=0)  # whole seconds, as every window instant
    check_resumption_end(new_end, ends_at=vote.ends_at, suspended_at=suspension.acted_at, resumed_at=now)
    extension = Extension(vote.ends_at, new_end, int((now - suspension.acted_at).total_seconds()))
    action = await _record(
        session, principal, vote, SupervisionKind.RESUMPTION,
        reason=reason, document_ref=document_ref, now=now, status_before=VoteStatus.SUSPENDED.value,
        to=VoteStatus.PUBLISHED if now < vote.starts_at else VoteStatus.OPEN, extension=extension,
    )  # fmt: skip
    if vote.notice_ends_at is None:
        vote.notice_ends_at = vote.ends_at  # the notice's end, whatever later resumptions set
    vote.ends_at = new_end
    await session.flush()
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.RESUMPTION,
        title=f"关于恢复《{vote.title}》表决并延长投票期限的通告",
        body=(
            f"街道办事处决定恢复本次表决（{_basis(action)}）。本次表决自 {_local(suspension.acted_at)} 起暂停，"
            f"暂停时长 {_duration_zh(extension.suspended_seconds)}。投票截止时间由 {_local(extension.ends_before)} "
            f"延长至 {_local(new_end)}（北京时间），延长的时间不少于暂停的时间。此前已投的票继续有效。"
        ),
        now=now,
    )
    return Acted(action, vote, status_at(vote, now), notice_id)


def _duration_zh(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return f"{days}天{hours}小时{minutes}分"


async def terminate(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, reason: str, document_ref: str, now: datetime
) -> Acted:
    """R-SUP-6 终止: end a suspended vote without any decision; its ballots are never counted, and any vote on
    the same matters needs a new notice and a new notice period (Beijing Art. 35(4))."""
    vote = await _supervised_vote(session, principal, vote_id)
    _refuse_revoked(vote)
    if vote.status is not VoteStatus.SUSPENDED:
        raise NotSuspended(status=status_at(vote, now))
    action = await _record(
        session, principal, vote, SupervisionKind.TERMINATION,
        reason=reason, document_ref=document_ref, now=now, status_before=VoteStatus.SUSPENDED.value,
        to=VoteStatus.TERMINATED,
    )  # fmt: skip
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.TERMINATION,
        title=f"关于终止《{vote.title}》表决的通告",
        body=(
            f"街道办事处决定终止本次表决（{_basis(action)}）。本次表决不计票，不形成任何决定。"
            "如需就相关事项再行表决，须重新发布公告，并重新计算公告期（北京市物业管理条例第三十五条）。"
        ),
        now=now,
    )
    return Acted(action, vote, status_at(vote, now), notice_id)


def _refuse_revoked(vote: Vote) -> None:
    if vote.status in REVOKED:
        raise AlreadyRevoked(status=vote.status.value)


# --- correction orders ----------------------------------------------------------------------------------------


async def order_correction(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    reason: str,
    document_ref: str,
    deadline: datetime,
    now: datetime,
) -> Acted:
    """责令限期改正 (Beijing Arts. 8, 51; 物业管理条例 Art. 19(2)) on any published vote or decision."""
    vote = await _supervised_vote(session, principal, vote_id)
    _refuse_revoked(vote)
    before = status_at(vote, now)
    if vote.status in NOT_PUBLISHED:
        raise NotSupervisable(status=before)
    if deadline <= now:
        raise DeadlineNotInFuture(deadline=deadline, now=now)
    action = await _record(
        session, principal, vote, SupervisionKind.CORRECTION_ORDER,
        reason=reason, document_ref=document_ref, now=now, status_before=before.value, deadline=deadline,
    )  # fmt: skip
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.CORRECTION_ORDER,
        title=f"关于责令限期改正《{vote.title}》有关事项的通告",
        body=(
            f"街道办事处责令组织者于 {_local(deadline)} 前改正（{_basis(action)}）"
            "（北京市物业管理条例第八条、第五十一条）。"
        ),
        now=now,
    )
    return Acted(action, vote, before, notice_id)


async def follow_up(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    reason: str,
    document_ref: str,
    now: datetime,
) -> Acted:
    """Conclude a correction order (corrected, or escalated): it is no longer flagged when its deadline passes."""
    vote = await _supervised_vote(session, principal, vote_id)
    order = await repository.action_of(session, vote.id, order_id)
    if order is None or order.kind is not SupervisionKind.CORRECTION_ORDER:
        raise NotFound(what="correction order")
    existing = await repository.follow_up_of(session, order.id)
    if existing is not None:
        raise AlreadyFollowedUp(acted_at=existing.acted_at)
    status = status_at(vote, now)
    action = await _record(
        session, principal, vote, SupervisionKind.CORRECTION_FOLLOW_UP,
        reason=reason, document_ref=document_ref, now=now, status_before=status.value, follows_id=order.id,
    )  # fmt: skip
    return Acted(action, vote, status, None)


# --- revocation of one decision (R-SUP-7) ---------------------------------------------------------------------

REVOKED_STATUS = {
    SupervisionKind.REVOCATION: DecisionStatus.REVOKED_BY_STREET_OFFICE,
    SupervisionKind.COURT_REVOCATION: DecisionStatus.REVOKED_BY_COURT,
}


def revoked_status(action: SupervisionAction) -> DecisionStatus:
    return REVOKED_STATUS[action.kind]


async def revoke(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    topic_id: uuid.UUID,
    reason: str,
    document_ref: str,
    now: datetime,
) -> Acted:
    """撤销 of one topic's decision (R-SUP-7; Beijing Arts. 8, 51 「撤销其决定」): that decision becomes
    ``REVOKED_BY_STREET_OFFICE``, the vote's other decisions stay in force; all owners are told which."""
    vote = await _supervised_vote(session, principal, vote_id)
    topic, result = await _revocable(session, vote, topic_id, now)
    return await _revoke_decision(
        session, principal, vote, topic, result, SupervisionKind.REVOCATION, reason=reason,
        document_ref=document_ref, now=now,
        title=f"关于撤销《{vote.title}》中“{topic.title}”决定的通告",
        body=(
            f"街道办事处撤销业主大会在《{vote.title}》中就“{topic.title}”所作的决定（{{basis}}）"
            "（北京市物业管理条例第八条、第五十一条）。原表决结果作为记录保留，但该决定不再有效。"
        ),
    )  # fmt: skip


async def record_court_revocation(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    topic_id: uuid.UUID,
    judgment_ref: str,
    reason: str,
    now: datetime,
) -> Acted:
    """R-SUP-3, R-SUP-7 (CC Art. 280 ¶2 「撤销该决定」; SPC Art. 12): ADMIN records a judgment revoking one topic's
    decision; the vote's other decisions stay in force; all owners are told which.

    Whether the suit was brought within SPC Art. 12's one year is the court's question, never the system's; the
    result's publication time, shown with it, is the evidence.
    """
    vote = await _supervised_vote(session, principal, vote_id, allowed=frozenset({Role.ADMIN}))
    topic, result = await _revocable(session, vote, topic_id, now)
    return await _revoke_decision(
        session, principal, vote, topic, result, SupervisionKind.COURT_REVOCATION, reason=reason,
        document_ref=judgment_ref, now=now,
        title=f"关于人民法院撤销《{vote.title}》中“{topic.title}”决定的通告",
        body=(
            f"人民法院以{judgment_ref}判决撤销业主大会在《{vote.title}》中就“{topic.title}”所作的决定"
            f"（民法典第二百八十条第二款）。理由：{reason}。原表决结果作为记录保留，但该决定不再有效。"
        ),
    )  # fmt: skip


async def _revoke_decision(
    session: AsyncSession,
    principal: Principal,
    vote: Vote,
    topic: Topic,
    result: Outcome,
    kind: SupervisionKind,
    *,
    reason: str,
    document_ref: str,
    now: datetime,
    title: str,
    body: str,
) -> Acted:
    before = topic_decision_status(vote.status, result.outcome, None)
    after = REVOKED_STATUS[kind]
    action = await _record(
        session, principal, vote, kind,
        reason=reason, document_ref=document_ref, now=now, status_before=vote.status.value, topic_id=topic.id,
        decision=events.decision_revoked(
            topic_id=topic.id, outcome=result.outcome, evidence_sha256=result.evidence_sha256,
            status_before=str(before), status_after=after.value,
        ),
    )  # fmt: skip
    standing = await _standing_titles(session, vote, now)
    tail = "本次表决中其他议题的决定继续有效：" + "；".join(standing) + "。" if standing else ""
    notice_id = await _notify(
        session, vote, NoticeKind.REVOCATION, title=title, body=body.replace("{basis}", _basis(action)) + tail, now=now
    )
    return Acted(action, vote, status_at(vote, now), notice_id, after.value)


async def _standing_titles(session: AsyncSession, vote: Vote, now: datetime) -> list[str]:
    """The titles of the vote's decisions still in force, for the revocation notice (PROCEDURE W2: it names what
    was revoked and what stands)."""
    record = await decisions_of(session, vote)
    return [
        f"“{item.topic.title}”"
        for item in record.topics
        if item.status in (DecisionStatus.IN_FORCE, DecisionStatus.PENDING)
    ]


async def _revocable(session: AsyncSession, vote: Vote, topic_id: uuid.UUID, now: datetime) -> tuple[Topic, Outcome]:
    """The topic of the vote and its result, if it carries a decision still in force (R-SUP-7)."""
    _refuse_revoked(vote)
    if vote.status not in DECISION_STANDS:
        raise NotDecided(status=status_at(vote, now))
    topic = await session.get(Topic, topic_id)
    if topic is None or topic.vote_id != vote.id:
        raise NotFound(what="topic")
    result = (await repository.outcomes_of(session, vote.id)).get(topic.id)
    if result is None:  # pragma: no cover - a decided vote has a result for every topic
        raise NotDecided(status=status_at(vote, now))
    existing = await repository.revocation_of_topic(session, topic.id)
    if existing is not None:
        raise DecisionAlreadyRevoked(status=revoked_status(existing).value, acted_at=existing.acted_at)
    if topic_decision_status(vote.status, result.outcome, None) is None:
        raise NoDecisionOnTopic(outcome=result.outcome)
    return topic, result


@dataclass(frozen=True, slots=True)
class TopicDecision:
    topic: Topic
    result: Outcome
    status: DecisionStatus | None  # None: the outcome decided nothing (NO_QUORUM, REJECTED, NO_DECISION)
    revocation: SupervisionAction | None  # the act that revoked it (a legacy whole-vote revocation included)


@dataclass(frozen=True, slots=True)
class VoteDecisions:
    vote: Vote
    status: VoteDecisionStatus
    topics: tuple[TopicDecision, ...]  # in topic order, topics with a result only
    revocations: tuple[SupervisionAction, ...]


async def decisions_of(session: AsyncSession, vote: Vote) -> VoteDecisions:
    """Each topic's decision status and the act that revoked it, and the vote's summary (R-SUP-7)."""
    topics = await repository.topics_of(session, vote.id)
    results = await repository.outcomes_of(session, vote.id)
    revocations = await repository.revocations_of(session, vote.id)
    by_topic = {action.topic_id: action for action in revocations if action.topic_id is not None}
    whole = next((action for action in revocations if action.topic_id is None), None)  # before R-SUP-7
    items: list[TopicDecision] = []
    for topic in topics:
        result = results.get(topic.id)
        if result is None:
            continue
        action = by_topic.get(topic.id)
        status = topic_decision_status(vote.status, result.outcome, None if action is None else revoked_status(action))
        items.append(TopicDecision(topic, result, status, action or (whole if status is not None else None)))
    return VoteDecisions(
        vote, vote_decision_status(vote.status, (item.status for item in items)), tuple(items), tuple(revocations)
    )


# --- reading --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderState:
    order: SupervisionAction
    follow_up: SupervisionAction | None
    state: str  # OPEN, FOLLOWED_UP, or SUPERSEDED (the decision was revoked)
    overdue: bool  # OPEN and ``now >= deadline``


def order_states(
    actions: Sequence[SupervisionAction], revoked_votes: set[uuid.UUID], *, now: datetime
) -> list[OrderState]:
    """Every correction order with its follow-up; an open order at or past its deadline is overdue."""
    follow_ups = {a.follows_id: a for a in actions if a.kind is SupervisionKind.CORRECTION_FOLLOW_UP}
    states: list[OrderState] = []
    for order in actions:
        if order.kind is not SupervisionKind.CORRECTION_ORDER or order.deadline is None:
            continue
        done = follow_ups.get(order.id)
        state = "FOLLOWED_UP" if done else "SUPERSEDED" if order.vote_id in revoked_votes else "OPEN"
        states.append(OrderState(order, done, state, state == "OPEN" and now >= order.deadline))
    return states


@dataclass(frozen=True, slots=True)
class VoteSupervision:
    vote: Vote
    status: str
    actions: tuple[SupervisionAction, ...]
    orders: tuple[OrderState, ...]


async def vote_supervision(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime
) -> VoteSupervision:
    """The vote's supervision record and its correction orders, to everyone who reads the vote."""
    vote = await vote_service.readable_vote(session, principal, vote_id)
    actions = await repository.actions_of(session, vote.id)
    revoked = {vote.id} if await _wholly_revoked(session, vote) else set()
    return VoteSupervision(vote, status_at(vote, now), tuple(actions), tuple(order_states(actions, revoked, now=now)))


async def _wholly_revoked(session: AsyncSession, vote: Vote) -> bool:
    """Every decision of the vote revoked (a correction order on it is then superseded)."""
    if vote.status in REVOKED:
        return True
    if vote.status not in DECISION_STANDS:
        return False
    return (await decisions_of(session, vote)).status in WHOLLY_REVOKED


WHOLLY_REVOKED = frozenset(
    {VoteDecisionStatus.REVOKED_BY_STREET_OFFICE, VoteDecisionStatus.REVOKED_BY_COURT, VoteDecisionStatus.REVOKED}
)


# --- jurisdiction view ----------------------------------------------------------------------------------------


def regular_meeting_cutoff(now: datetime) -> datetime:
    """R-LIFE-11: the same Asia/Shanghai wall-clock instant 12 calendar months before ``now`` (29 Feb → 28 Feb).

    A vote that closed at or after the cutoff closed "in the last 12 months"; one second earlier does not count.
    """
    local = now.astimezone(SHANGHAI)
    months = local.year * 12 + local.month - 1 - REGULAR_MEETING_MONTHS
    year, month = divmod(months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    earlier = date(year, month + 1, day)
    return datetime.combine(earlier, local.timetz()).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class EstateOverview:
    estate: Estate
    community: Community
    pending_identity_reviews: int
    last_vote_closed_at: datetime | None
    regular_meeting_overdue: bool  # R-LIFE-11


@dataclass(frozen=True, slots=True)
class VoteOverview:
    vote: Vote
    status: str
    participating: Weight
    total: Weight


@dataclass(frozen=True, slots=True)
class DecisionOverview:
    vote: Vote
    status: str
    decision_status: str  # the summary over its topics (R-SUP-7): PENDING, IN_FORCE, PARTLY_REVOKED, …
    publication: PublicationCheck


@dataclass(frozen=True, slots=True)
class Overview:
    street_office_id: uuid.UUID
    as_of: datetime
    regular_meeting_cutoff: datetime
    estates: tuple[EstateOverview, ...]
    votes: tuple[VoteOverview, ...]
    decisions: tuple[DecisionOverview, ...]
    overdue_orders: tuple[OrderState, ...]


async def overview(
    session: AsyncSession, principal: Principal, street_office_id: uuid.UUID, *, now: datetime
) -> Overview:
    """The street office's jurisdiction at ``now``: estates, votes with live turnout, decisions and their R-LIFE-8
    publication deadlines, estates without a meeting in 12 months (R-LIFE-11) and overdue correction orders."""
    ensure_can_manage_street_office(principal, street_office_id)
    if not await repository.street_office_exists(session, street_office_id):
        raise NotFound(what="street office")
    places = await repository.estates_of(session, street_office_id)
    estate_ids = [estate.id for estate, _ in places]
    pending = await repository.pending_reviews_by_estate(session, estate_ids)
    cutoff = regular_meeting_cutoff(now)
    last_held = await repository.last_held_by_estate(session, estate_ids, now)
    estates = tuple(
        EstateOverview(
            estate,
            community,
            pending.get(estate.id, 0),
            last_held.get(estate.id),
            last_held.get(estate.id) is None or last_held[estate.id] < cutoff,
        )
        for estate, community in places
    )

    votes = await repository.votes_of(session, estate_ids)
    turnout = await repository.participation_by_vote(session, [vote.id for vote in votes])
    zero = Weight(0, 0)
    vote_rows = tuple(
        VoteOverview(
            vote, status_at(vote, now), turnout.get(vote.id, zero), Weight(vote.total_heads or 0, vote.total_area or 0)
        )
        for vote in votes
    )
    summaries = {
        row.vote.id: (await decisions_of(session, row.vote)).status.value
        for row in vote_rows
        if row.status in AFTER_CLOSE
    }
    decisions = tuple(
        DecisionOverview(
            row.vote,
            row.status,
            summaries[row.vote.id],
            result_publication_flags(
                row.vote.closed_at or row.vote.ends_at,
                row.vote.result_published_at,
                as_of=now,
                calendar=STATE_COUNCIL_CALENDAR,
            ),  # R-LIFE-8
        )
        for row in vote_rows
        if row.status in AFTER_CLOSE
    )
    revoked = {vote.id for vote in votes if vote.status in REVOKED or summaries.get(vote.id) in WHOLLY_REVOKED}
    orders = order_states(await repository.orders_of(session, [vote.id for vote in votes]), revoked, now=now)
    return Overview(
        street_office_id,
        now,
        cutoff,
        estates,
        vote_rows,
        decisions,
        tuple(order for order in orders if order.overdue),
    )
