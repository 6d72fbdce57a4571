"""Street-office supervision of votes and decisions, court revocations, and the jurisdiction view.

* Who (R-SUP-1): the street office of the estate's jurisdiction, and ADMIN, which stands for the district housing
  authority (物业管理条例 Art. 19(2): same power). Read-only roles on the estate (committee, observer, auditor) get
  403; anyone without a role there gets 404, so another street's estates are not disclosed. A court revocation is
  recorded by ADMIN only (R-SUP-3).
* What: every act carries a reason and the written decision document it rests on (Beijing Arts. 8, 51), is stored
  in ``supervision_action`` with the SHA-256 of its canonical content, appended to the audit log as
  ``supervision.<kind>`` (signed into the log's checkpoints), and notified to the owners (Art. 51 「通告全体业主」).
* Suspension halts ballots (the casting service refuses any status but OPEN). Resumption never extends the window:
  R-LIFE-6 allows no extension the notice did not state, so a vote whose end passed while suspended resumes
  straight into CLOSED and the transition runner decides it at its publicised end (R-LIFE-8).
* Revocation changes the decision's status only (``REVOKED_BY_STREET_OFFICE`` / ``REVOKED_BY_COURT``); the stored
  results and their evidence hashes are never touched, so the record of what the owners decided stays verifiable.

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
from app.errors import NotFound
from app.holidays import STATE_COUNCIL_CALENDAR
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
    VoteStatus,
    decision_status,
)
from app.rules.publicity import SHANGHAI, PublicationCheck, result_publication_flags
from app.supervision import repository
from app.supervision.errors import (
    AlreadyFollowedUp,
    AlreadyRevoked,
    DeadlineNotInFuture,
    NotDecided,
    NotSupervisable,
    NotSuspendable,
    NotSuspended,
)
from app.supervision.models import SupervisionAction, SupervisionKind
from app.vote import repository as vote_repository
from app.vote import service as vote_service
from app.vote.lifecycle import status_at, transition
from app.vote.models import Vote

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
        raise Forbidden(reason="supervision is for the street office of the jurisdiction and the district authority")


# --- recording ------------------------------------------------------------------------------------------------


def action_content(action: SupervisionAction) -> dict[str, Any]:
    """The canonical content whose SHA-256 is ``content_sha256``: every recorded field but the hash itself."""
    return {
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


@dataclass(frozen=True, slots=True)
class Acted:
    action: SupervisionAction
    vote: Vote
    status: str  # the vote's effective status after the act
    notice_id: uuid.UUID | None


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
) -> SupervisionAction:
    """One ``supervision_action`` row and its audit entry with the same canonical content and hash; an act that
    moves the vote ``to`` another status records the move in that entry (``app.vote.lifecycle.transition``)."""
    action = SupervisionAction(
        id=uuid.uuid4(),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=kind,
        reason=reason,
        document_ref=document_ref,
        deadline=None if deadline is None else deadline.astimezone(UTC),
        follows_id=follows_id,
        acted_by=principal.label,
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
    )
    if to is None:
        entry = await audit_service.append(session, event, estate_id=vote.estate_id, vote_id=vote.id, at=now)
    else:
        entry = await transition(session, vote, to, now=now, actor=principal.label, event=event)
    action.audit_entry_id = entry.id
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


# --- suspension and resumption --------------------------------------------------------------------------------


async def suspend(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, reason: str, document_ref: str, now: datetime
) -> Acted:
    """Halt a published or open vote: no ballots while suspended; the turnout stays readable (R-LIFE-7)."""
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
            f"街道办事处决定暂停本次表决（{_basis(action)}）。暂停期间不接受投票，已投的票继续有效。"
            f"投票截止时间 {_local(vote.ends_at)} 不因暂停而延长（R-LIFE-6）。"
        ),
        now=now,
    )
    return Acted(action, vote, status_at(vote, now), notice_id)


async def resume(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, reason: str, document_ref: str, now: datetime
) -> Acted:
    """Let the vote continue in its publicised window, which a suspension never extends (R-LIFE-6).

    The stored state is PUBLISHED before the start and OPEN after it; the clock then decides (R-LIFE-5), so a
    vote whose end passed during the suspension is CLOSED at once and the runner decides it (R-LIFE-8).
    """
    vote = await _supervised_vote(session, principal, vote_id)
    _refuse_revoked(vote)
    if vote.status is not VoteStatus.SUSPENDED:
        raise NotSuspended(status=status_at(vote, now))
    action = await _record(
        session, principal, vote, SupervisionKind.RESUMPTION,
        reason=reason, document_ref=document_ref, now=now, status_before=VoteStatus.SUSPENDED.value,
        to=VoteStatus.PUBLISHED if now < vote.starts_at else VoteStatus.OPEN,
    )  # fmt: skip
    after = status_at(vote, now)
    if after is VoteStatus.CLOSED:
        tail = f"投票期限已于 {_local(vote.ends_at)} 届满，表决按原定截止时间结束，系统将据此计票并公布结果。"
    else:
        tail = f"表决恢复进行，投票截止时间仍为 {_local(vote.ends_at)}。"
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.RESUMPTION,
        title=f"关于恢复《{vote.title}》表决的通告",
        body=f"街道办事处决定恢复本次表决（{_basis(action)}）。{tail}",
        now=now,
    )
    return Acted(action, vote, after, notice_id)


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
        raise DeadlineNotInFuture(deadline=deadline.isoformat(), now=now.isoformat())
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
        raise AlreadyFollowedUp(acted_at=existing.acted_at.isoformat())
    status = status_at(vote, now)
    action = await _record(
        session, principal, vote, SupervisionKind.CORRECTION_FOLLOW_UP,
        reason=reason, document_ref=document_ref, now=now, status_before=status.value, follows_id=order.id,
    )  # fmt: skip
    return Acted(action, vote, status, None)


# --- revocation -----------------------------------------------------------------------------------------------


async def revoke(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, reason: str, document_ref: str, now: datetime
) -> Acted:
    """撤销 (R-SUP-1; Beijing Arts. 8, 51): the decision becomes ``REVOKED_BY_STREET_OFFICE``; all owners are told."""
    vote = await _supervised_vote(session, principal, vote_id)
    before = _revocable(vote, now)
    action = await _record(
        session, principal, vote, SupervisionKind.REVOCATION,
        reason=reason, document_ref=document_ref, now=now, status_before=before,
        to=VoteStatus.REVOKED_BY_STREET_OFFICE,
    )  # fmt: skip
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.REVOCATION,
        title=f"关于撤销《{vote.title}》所作决定的通告",
        body=(
            f"街道办事处撤销业主大会就《{vote.title}》所作的决定（{_basis(action)}）"
            "（北京市物业管理条例第八条、第五十一条）。原表决结果作为记录保留，但该决定不再有效。"
        ),
        now=now,
    )
    return Acted(action, vote, status_at(vote, now), notice_id)


async def record_court_revocation(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, judgment_ref: str, reason: str, now: datetime
) -> Acted:
    """R-SUP-3 (CC Art. 280(2); SPC Art. 12): ADMIN records a judgment revoking the decision; all owners are told.

    Whether the suit was brought within SPC Art. 12's one year is the court's question, never the system's; the
    result's publication time, shown with it, is the evidence.
    """
    vote = await _supervised_vote(session, principal, vote_id, allowed=frozenset({Role.ADMIN}))
    before = _revocable(vote, now)
    action = await _record(
        session, principal, vote, SupervisionKind.COURT_REVOCATION,
        reason=reason, document_ref=judgment_ref, now=now, status_before=before, to=VoteStatus.REVOKED_BY_COURT,
    )  # fmt: skip
    notice_id = await _notify(
        session,
        vote,
        NoticeKind.REVOCATION,
        title=f"关于人民法院撤销《{vote.title}》所作决定的通告",
        body=(
            f"人民法院以{judgment_ref}判决撤销业主大会就《{vote.title}》所作的决定（民法典第二百八十条第二款）。"
            f"理由：{reason}。原表决结果作为记录保留，但该决定不再有效。"
        ),
        now=now,
    )
    return Acted(action, vote, status_at(vote, now), notice_id)


def _revocable(vote: Vote, now: datetime) -> str:
    _refuse_revoked(vote)
    if vote.status not in DECISION_STANDS:
        raise NotDecided(status=status_at(vote, now))
    return vote.status.value


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
    revoked = {vote.id} if vote.status in REVOKED else set()
    return VoteSupervision(vote, status_at(vote, now), tuple(actions), tuple(order_states(actions, revoked, now=now)))


async def revocation(session: AsyncSession, vote: Vote) -> SupervisionAction | None:
    """The act that revoked the vote's decision, for the result view (None when the decision stands)."""
    if vote.status not in REVOKED:
        return None
    return await repository.revocation_of(session, vote.id)


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
    decision_status: str  # PENDING (closed, not yet decided), IN_FORCE or REVOKED_BY_*
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
    decisions = tuple(
        DecisionOverview(
            row.vote,
            row.status,
            decision_status(row.vote.status),
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
    revoked = {vote.id for vote in votes if vote.status in REVOKED}
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
