"""A vote's statuses, the one table of the moves between them, and where a vote stands at an instant.

The stored state moves DRAFT → PUBLISHED → … when something happens, and only along ``TRANSITIONS``; between
events the clock alone moves a published vote into its window (OPEN) and out of it (CLOSED) (R-LIFE-5: the
publicised window decides, not traffic). Voting is possible exactly in ``starts_at <= now < ends_at`` (the end
is exclusive: 24:00 of the last day, CC Art. 203).

The named sets below are the only place a group of statuses is spelled out; code elsewhere names the set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from app.rules.errors import NaiveDatetime, ResumptionExtensionTooShort, TransitionNotAllowed


class VoteStatus(StrEnum):
    """Stored state; OPEN and CLOSED also follow from the clock (``app.rules.lifecycle``)."""

    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"  # notice published, notice period running
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    DECIDED = "DECIDED"  # tallied at the close instant
    RESULT_PUBLISHED = "RESULT_PUBLISHED"
    CANCELLED = "CANCELLED"  # R-LIFE-4: withdrawn before voting opened; a change needs a new notice
    SUSPENDED = "SUSPENDED"  # halted by the street office (R-SUP-1); ends in an extension or a termination (R-SUP-5)
    # Legacy: a whole-vote revocation recorded before revocation became per decision (R-SUP-7); nothing moves a
    # vote here any more, votes already here keep their status and count as every decision of the vote revoked.
    REVOKED_BY_STREET_OFFICE = "REVOKED_BY_STREET_OFFICE"
    REVOKED_BY_COURT = "REVOKED_BY_COURT"
    TERMINATED = (
        "TERMINATED"  # R-SUP-6: ended by the street office while suspended; no decision, a new vote needs a new notice
    )


# --- Named sets of statuses -----------------------------------------------------------------------------------

RUNNING = frozenset({VoteStatus.PUBLISHED, VoteStatus.OPEN})
"""Stored: the clock still moves the vote (R-LIFE-5). Effective: the notice period or the voting window runs."""

IN_PROGRESS = RUNNING | frozenset({VoteStatus.SUSPENDED})
"""Published and not yet closed, suspended included: the frozen roll is in force (R-ROLL-3)."""

NOT_PUBLISHED = frozenset({VoteStatus.DRAFT, VoteStatus.CANCELLED})
"""No notice in force: a draft, or a notice withdrawn (R-LIFE-4); the organiser's business, not supervised."""

REVOKED = frozenset({VoteStatus.REVOKED_BY_STREET_OFFICE, VoteStatus.REVOKED_BY_COURT})
"""Legacy whole-vote revocations (before R-SUP-7): every decision of the vote revoked; it was still made at the
close, its evidence and ballots stay as recorded."""

DECISION_STANDS = frozenset({VoteStatus.DECIDED, VoteStatus.RESULT_PUBLISHED})
"""Decided at the close, not revoked as a whole: the vote whose topics' decisions a revocation may act on (R-SUP-7)."""

ENDED = frozenset({VoteStatus.CLOSED}) | DECISION_STANDS
"""The window is over and its decision is (or will be) in force: a ballot comes too late (R-LIFE-6)."""

AFTER_CLOSE = ENDED | REVOKED
"""Closed or later: per-unit ballots unsealed (R-PUB-2), the decision's publication deadline runs (R-LIFE-8)."""

UNFINISHED = RUNNING | frozenset({VoteStatus.CLOSED, VoteStatus.DECIDED})
"""Stored: once the window has ended, the clock still has to close, decide and publish the vote (R-LIFE-8)."""

CLOSABLE = RUNNING | ENDED
"""Stored: a close may run (and finds the work done once the result is published); not suspended or revoked."""

HELD = RUNNING | AFTER_CLOSE
"""Stored: a meeting that has been (or by the clock will be) held; R-LIFE-11 counts it by its end instant."""


# --- The transition table -------------------------------------------------------------------------------------

TRANSITIONS: Mapping[VoteStatus, frozenset[VoteStatus]] = {
    # R-LIFE-2: publishing the notice freezes the vote (R-LIFE-4).
    VoteStatus.DRAFT: frozenset({VoteStatus.PUBLISHED}),
    # R-LIFE-5: the clock opens the window; R-LIFE-4: withdrawn only before voting opens; R-SUP-1: suspended;
    # R-LIFE-8: closed once the window has ended.
    VoteStatus.PUBLISHED: frozenset({VoteStatus.OPEN, VoteStatus.CANCELLED, VoteStatus.SUSPENDED, VoteStatus.CLOSED}),
    VoteStatus.OPEN: frozenset({VoteStatus.SUSPENDED, VoteStatus.CLOSED}),
    # R-SUP-5: resumed with a window extended by at least the suspended time; R-SUP-6: or terminated.
    VoteStatus.SUSPENDED: RUNNING | frozenset({VoteStatus.TERMINATED}),
    # R-LIFE-8: decided at the close instant, then published to all owners at once.
    VoteStatus.CLOSED: frozenset({VoteStatus.DECIDED}),
    VoteStatus.DECIDED: frozenset({VoteStatus.RESULT_PUBLISHED}),
    # R-SUP-7: a revocation acts on one topic's decision and leaves the vote's status as it is.
    VoteStatus.RESULT_PUBLISHED: frozenset(),
    VoteStatus.CANCELLED: frozenset(),
    VoteStatus.REVOKED_BY_STREET_OFFICE: frozenset(),
    VoteStatus.REVOKED_BY_COURT: frozenset(),
    VoteStatus.TERMINATED: frozenset(),
}


def may_transition(stored: VoteStatus, to: VoteStatus) -> bool:
    return to in TRANSITIONS[stored]


def ensure_transition(stored: VoteStatus, to: VoteStatus) -> None:
    """Refuse a move the table does not list (409): the callers' own checks come first, this one never fails open."""
    if not may_transition(stored, to):
        raise TransitionNotAllowed(status=stored.value, to=to.value)


class DecisionStatus(StrEnum):
    """Whether a topic's decision binds the owners (R-LIFE-8, R-SUP-7)."""

    PENDING = "PENDING"  # decided at the close, result not published yet
    IN_FORCE = "IN_FORCE"  # published (R-LIFE-8) and not revoked
    REVOKED_BY_STREET_OFFICE = "REVOKED_BY_STREET_OFFICE"  # R-SUP-7, Beijing Art. 51 「撤销其决定」
    REVOKED_BY_COURT = "REVOKED_BY_COURT"  # R-SUP-7, CC Art. 280 ¶2 「撤销该决定」


class VoteDecisionStatus(StrEnum):
    """A summary of the vote's topics' decision statuses (R-SUP-7): the topics carry the statuses themselves."""

    PENDING = "PENDING"  # closed, result not published yet
    NO_DECISION = "NO_DECISION"  # no topic decided anything (no quorum, rejected, consultation only)
    IN_FORCE = "IN_FORCE"  # every decision in force
    PARTLY_REVOKED = "PARTLY_REVOKED"  # some decisions revoked, at least one in force
    REVOKED_BY_STREET_OFFICE = "REVOKED_BY_STREET_OFFICE"  # every decision revoked, all by the street office
    REVOKED_BY_COURT = "REVOKED_BY_COURT"  # every decision revoked, all by a court
    REVOKED = "REVOKED"  # every decision revoked, by the street office and by a court
    TERMINATED = "TERMINATED"  # R-SUP-6: the street office ended the vote; nothing was decided


DECIDING_OUTCOMES = frozenset({"PASSED", "DECIDED", "TIE_UNRESOLVED"})
"""Outcomes that carry a decision (R-SUP-7): a motion passed, an election that elected someone (a tie leaves only
the tied seats open, R-ELEC-6). REJECTED, NO_QUORUM and NO_DECISION (a consultation) decided nothing, so they have
no decision status and nothing to revoke."""

REVOKED_DECISIONS = frozenset({DecisionStatus.REVOKED_BY_STREET_OFFICE, DecisionStatus.REVOKED_BY_COURT})


def carries_decision(outcome: str) -> bool:
    return outcome in DECIDING_OUTCOMES


def topic_decision_status(stored: VoteStatus, outcome: str, revoked: DecisionStatus | None) -> DecisionStatus | None:
    """One topic's decision status: ``None`` when the outcome decided nothing; its revocation if any (R-SUP-7; a
    legacy whole-vote revocation revokes every decision of the vote); else ``IN_FORCE`` once the result is
    published (R-LIFE-8), ``PENDING`` before."""
    if not carries_decision(outcome):
        return None
    if revoked is not None:
        return revoked
    if stored in REVOKED:
        return DecisionStatus(stored.value)
    return DecisionStatus.IN_FORCE if stored is VoteStatus.RESULT_PUBLISHED else DecisionStatus.PENDING


def vote_decision_status(stored: VoteStatus, topics: Iterable[DecisionStatus | None]) -> VoteDecisionStatus:
    """What binds the owners after the close, summarised over the topics' decision statuses (R-SUP-7)."""
    if stored is VoteStatus.TERMINATED:
        return VoteDecisionStatus.TERMINATED
    if stored not in REVOKED and stored is not VoteStatus.RESULT_PUBLISHED:
        return VoteDecisionStatus.PENDING
    decisions = [status for status in topics if status is not None]
    revoked = {status for status in decisions if status in REVOKED_DECISIONS}
    if not decisions:
        return VoteDecisionStatus(stored.value) if stored in REVOKED else VoteDecisionStatus.NO_DECISION
    if not revoked:
        return VoteDecisionStatus.IN_FORCE
    if any(status not in REVOKED_DECISIONS for status in decisions):
        return VoteDecisionStatus.PARTLY_REVOKED
    return VoteDecisionStatus(revoked.pop().value) if len(revoked) == 1 else VoteDecisionStatus.REVOKED


# --- Suspension ended by resumption (R-SUP-5) -----------------------------------------------------------------


def resumption_minimum_end(*, ends_at: datetime, suspended_at: datetime, resumed_at: datetime) -> datetime:
    """R-SUP-5: the earliest end a resumption may set, the current end extended by the whole suspended time
    (``resumed_at - suspended_at``), rounded up to the whole second the window's instants are kept in.

    TV-W7: window 03-17 – 03-24, suspended 03-18 00:00, resumed 03-25 10:00 → 03-31 10:00 (03-25 10:00 + the 6
    days that were left at the suspension)."""
    _require_aware(ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at)
    minimum = ends_at + (resumed_at - suspended_at)
    return minimum if minimum.microsecond == 0 else minimum.replace(microsecond=0) + timedelta(seconds=1)


def check_resumption_end(
    new_end: datetime, *, ends_at: datetime, suspended_at: datetime, resumed_at: datetime
) -> datetime:
    """Refuse a resumption whose new end gives back less than the suspended time (R-SUP-5); the minimum if not."""
    _require_aware(new_end=new_end)
    minimum = resumption_minimum_end(ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at)
    if new_end < minimum:
        raise ResumptionExtensionTooShort(
            ends_at=new_end,
            minimum=minimum.isoformat(),
            suspended_seconds=int((resumed_at - suspended_at).total_seconds()),
        )
    return minimum


def _require_aware(**instants: datetime) -> None:
    for field, instant in instants.items():
        if instant.utcoffset() is None:
            raise NaiveDatetime(field=field)


# --- The clock ------------------------------------------------------------------------------------------------


def effective_status(
    stored: VoteStatus, *, starts_at: datetime, ends_at: datetime, now: datetime, posted: bool = True
) -> VoteStatus:
    """``posted``: an on-site posting is recorded (R-NOTICE-3). Without one a running vote stays PUBLISHED: the
    notice period never ended, so the clock neither opens nor closes it; the organiser cancels it (R-LIFE-4)."""
    if stored not in RUNNING:
        return stored
    if not posted or now < starts_at:
        return VoteStatus.PUBLISHED
    return VoteStatus.OPEN if now < ends_at else VoteStatus.CLOSED


def voting_open(
    stored: VoteStatus, *, starts_at: datetime, ends_at: datetime, now: datetime, posted: bool = True
) -> bool:
    return effective_status(stored, starts_at=starts_at, ends_at=ends_at, now=now, posted=posted) is VoteStatus.OPEN
