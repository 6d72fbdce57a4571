"""A vote's statuses, the one table of the moves between them, and where a vote stands at an instant.

The stored state moves DRAFT → PUBLISHED → … when something happens, and only along ``TRANSITIONS``; between
events the clock alone moves a published vote into its window (OPEN) and out of it (CLOSED) (R-LIFE-5: the
publicised window decides, not traffic). Voting is possible exactly in ``starts_at <= now < ends_at`` (the end
is exclusive: 24:00 of the last day, CC Art. 203).

The named sets below are the only place a group of statuses is spelled out; code elsewhere names the set.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from app.rules.errors import TransitionNotAllowed


class VoteStatus(StrEnum):
    """Stored state; OPEN and CLOSED also follow from the clock (``app.rules.lifecycle``)."""

    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"  # notice published, notice period running
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    DECIDED = "DECIDED"  # tallied at the close instant
    RESULT_PUBLISHED = "RESULT_PUBLISHED"
    CANCELLED = "CANCELLED"  # R-LIFE-4: withdrawn before voting opened; a change needs a new notice
    SUSPENDED = "SUSPENDED"  # halted by the street office (R-SUP-1); no ballots until resumed, window unchanged
    REVOKED_BY_STREET_OFFICE = "REVOKED_BY_STREET_OFFICE"  # R-SUP-1, Beijing Arts. 8, 51: the decision is revoked
    REVOKED_BY_COURT = "REVOKED_BY_COURT"  # R-SUP-3, CC Art. 280(2): revoked by a judgment; evidence unchanged


# --- Named sets of statuses -----------------------------------------------------------------------------------

RUNNING = frozenset({VoteStatus.PUBLISHED, VoteStatus.OPEN})
"""Stored: the clock still moves the vote (R-LIFE-5). Effective: the notice period or the voting window runs."""

IN_PROGRESS = RUNNING | frozenset({VoteStatus.SUSPENDED})
"""Published and not yet closed, suspended included: the frozen roll is in force (R-ROLL-3)."""

NOT_PUBLISHED = frozenset({VoteStatus.DRAFT, VoteStatus.CANCELLED})
"""No notice in force: a draft, or a notice withdrawn (R-LIFE-4); the organiser's business, not supervised."""

REVOKED = frozenset({VoteStatus.REVOKED_BY_STREET_OFFICE, VoteStatus.REVOKED_BY_COURT})
"""R-SUP-1/3: the decision is revoked; it was still made at the close, its evidence and ballots stay as recorded."""

DECISION_STANDS = frozenset({VoteStatus.DECIDED, VoteStatus.RESULT_PUBLISHED})
"""A decision was made at the close and is not revoked: what a revocation may act on (R-SUP-1, R-SUP-3)."""

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
    # R-SUP-1: resumed into the publicised window, which a suspension never extends (R-LIFE-6).
    VoteStatus.SUSPENDED: RUNNING,
    # R-LIFE-8: decided at the close instant, then published to all owners at once.
    VoteStatus.CLOSED: frozenset({VoteStatus.DECIDED}),
    VoteStatus.DECIDED: frozenset({VoteStatus.RESULT_PUBLISHED}) | REVOKED,
    # R-SUP-1, R-SUP-3: a decision, published or not, may be revoked by the street office or a court.
    VoteStatus.RESULT_PUBLISHED: REVOKED,
    VoteStatus.CANCELLED: frozenset(),
    VoteStatus.REVOKED_BY_STREET_OFFICE: frozenset(),
    VoteStatus.REVOKED_BY_COURT: frozenset(),
}


def may_transition(stored: VoteStatus, to: VoteStatus) -> bool:
    return to in TRANSITIONS[stored]


def ensure_transition(stored: VoteStatus, to: VoteStatus) -> None:
    """Refuse a move the table does not list (409): the callers' own checks come first, this one never fails open."""
    if not may_transition(stored, to):
        raise TransitionNotAllowed(status=stored.value, to=to.value)


def decision_status(stored: VoteStatus) -> str:
    """What binds the owners after the close: ``IN_FORCE`` once published (R-LIFE-8), the revoked status once
    revoked (R-SUP-1/3; the counted result stays as recorded), ``PENDING`` before."""
    if stored in REVOKED:
        return stored.value
    return "IN_FORCE" if stored is VoteStatus.RESULT_PUBLISHED else "PENDING"


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
