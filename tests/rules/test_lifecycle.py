"""R-LIFE-4/5: the publicised window moves a published vote, and its end is exclusive; a vote's status moves only
along the one transition table, and every other move is refused with a 409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from app.rules import lifecycle
from app.rules.errors import TransitionNotAllowed
from app.rules.lifecycle import (
    TRANSITIONS,
    VoteStatus,
    effective_status,
    ensure_transition,
    may_transition,
    voting_open,
)

START = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)  # 2025-03-17 00:00 Asia/Shanghai
END = START + timedelta(days=7)
SECOND = timedelta(seconds=1)
S = VoteStatus


@pytest.mark.parametrize(
    ("stored", "now", "expected"),
    [
        (S.DRAFT, START, S.DRAFT),
        (S.PUBLISHED, START - SECOND, S.PUBLISHED),
        (S.PUBLISHED, START, S.OPEN),
        (S.OPEN, END - SECOND, S.OPEN),
        (S.OPEN, END, S.CLOSED),
        (S.OPEN, START - SECOND, S.PUBLISHED),
        (S.PUBLISHED, END + timedelta(days=3), S.CLOSED),
        (S.DECIDED, START, S.DECIDED),
        (S.RESULT_PUBLISHED, END, S.RESULT_PUBLISHED),
        (S.SUSPENDED, START, S.SUSPENDED),
    ],
)
def test_r_life_5_effective_status(stored, now, expected):
    assert effective_status(stored, starts_at=START, ends_at=END, now=now) is expected
    assert voting_open(stored, starts_at=START, ends_at=END, now=now) is (expected is S.OPEN)


# The table written out once more, move by move: changing the law's table must change this list too.
LEGAL = {
    (S.DRAFT, S.PUBLISHED),  # publish the notice (R-LIFE-2)
    (S.PUBLISHED, S.OPEN),  # the clock opens the window (R-LIFE-5)
    (S.PUBLISHED, S.CANCELLED),  # withdrawn before voting opens (R-LIFE-4)
    (S.PUBLISHED, S.SUSPENDED),  # R-SUP-1
    (S.OPEN, S.SUSPENDED),
    (S.PUBLISHED, S.CLOSED),  # the window ended (R-LIFE-8)
    (S.OPEN, S.CLOSED),
    (S.SUSPENDED, S.PUBLISHED),  # resumed before the start, the window extended (R-SUP-5)
    (S.SUSPENDED, S.OPEN),  # resumed in the window, the window extended (R-SUP-5)
    (S.SUSPENDED, S.TERMINATED),  # R-SUP-6
    (S.CLOSED, S.DECIDED),
    (S.DECIDED, S.RESULT_PUBLISHED),
    # R-SUP-7: revocation acts on one topic's decision, never on the vote's status; nothing moves into the legacy
    # whole-vote REVOKED_BY_* statuses any more.
}
ILLEGAL = sorted(set(product(S, S)) - LEGAL)


def test_every_status_has_a_row():
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(("stored", "to"), sorted(LEGAL))
def test_legal_transition_is_allowed(stored, to):
    assert may_transition(stored, to)
    ensure_transition(stored, to)


@pytest.mark.parametrize(("stored", "to"), ILLEGAL)
def test_every_other_transition_is_refused_with_409(stored, to):
    assert not may_transition(stored, to)
    with pytest.raises(TransitionNotAllowed) as refused:
        ensure_transition(stored, to)
    assert refused.value.status == 409
    assert refused.value.code == "vote.transition_not_allowed"
    assert refused.value.params == {"status": stored.value, "to": to.value}
    assert refused.value.message("en") == f"The vote's status is {stored.value}; it cannot change to {to.value}."


def test_no_status_moves_to_itself():
    assert all(stored not in TRANSITIONS[stored] for stored in S)


@pytest.mark.parametrize(
    "terminal", [S.CANCELLED, S.REVOKED_BY_STREET_OFFICE, S.REVOKED_BY_COURT, S.TERMINATED, S.RESULT_PUBLISHED]
)
def test_cancelled_revoked_terminated_and_published_are_final(terminal):
    assert TRANSITIONS[terminal] == frozenset()


@pytest.mark.parametrize(
    ("stored", "now"),
    [(S.PUBLISHED, now) for now in (START - SECOND, START, END - SECOND, END, END + SECOND)]
    + [(S.OPEN, now) for now in (START, END - SECOND, END, END + SECOND)],  # stored OPEN only from the start on
)
def test_the_clock_moves_only_along_the_table(stored, now):
    moved = effective_status(stored, starts_at=START, ends_at=END, now=now)
    assert moved is stored or may_transition(stored, moved)


def test_named_sets():
    assert {S.PUBLISHED, S.OPEN} == lifecycle.RUNNING
    assert {S.PUBLISHED, S.OPEN, S.SUSPENDED} == lifecycle.IN_PROGRESS
    assert {S.DRAFT, S.CANCELLED} == lifecycle.NOT_PUBLISHED
    assert {S.REVOKED_BY_STREET_OFFICE, S.REVOKED_BY_COURT} == lifecycle.REVOKED
    assert {S.DECIDED, S.RESULT_PUBLISHED} == lifecycle.DECISION_STANDS
    assert {S.CLOSED, S.DECIDED, S.RESULT_PUBLISHED} == lifecycle.ENDED
    assert {S.CLOSED, S.DECIDED, S.RESULT_PUBLISHED, *lifecycle.REVOKED} == lifecycle.AFTER_CLOSE
    assert {S.PUBLISHED, S.OPEN, S.CLOSED, S.DECIDED} == lifecycle.UNFINISHED
    assert lifecycle.UNFINISHED | {S.RESULT_PUBLISHED} == lifecycle.CLOSABLE
    assert set(S) - {S.DRAFT, S.CANCELLED, S.SUSPENDED, S.TERMINATED} == lifecycle.HELD


def test_nothing_moves_into_a_legacy_whole_vote_revocation():
    for revoked in lifecycle.REVOKED:
        assert {stored for stored in S if may_transition(stored, revoked)} == set()


def test_a_terminated_vote_is_neither_closed_nor_decided():
    """R-SUP-6: no close, tally or decision ever runs on a terminated vote, and the clock does not move it."""
    assert S.TERMINATED not in lifecycle.CLOSABLE | lifecycle.UNFINISHED | lifecycle.AFTER_CLOSE
    assert effective_status(S.TERMINATED, starts_at=START, ends_at=END, now=END + SECOND) is S.TERMINATED


# --- decision status per topic (R-SUP-7) ----------------------------------------------------------------------

D = lifecycle.DecisionStatus
V = lifecycle.VoteDecisionStatus


@pytest.mark.parametrize(
    ("stored", "outcome", "revoked", "expected"),
    [
        (S.DECIDED, "PASSED", None, D.PENDING),
        (S.RESULT_PUBLISHED, "PASSED", None, D.IN_FORCE),
        (S.RESULT_PUBLISHED, "DECIDED", None, D.IN_FORCE),  # an election that elected
        (S.RESULT_PUBLISHED, "TIE_UNRESOLVED", None, D.IN_FORCE),  # the seats not tied are filled (R-ELEC-6)
        (S.RESULT_PUBLISHED, "PASSED", D.REVOKED_BY_COURT, D.REVOKED_BY_COURT),
        (S.RESULT_PUBLISHED, "DECIDED", D.REVOKED_BY_STREET_OFFICE, D.REVOKED_BY_STREET_OFFICE),
        (S.REVOKED_BY_STREET_OFFICE, "PASSED", None, D.REVOKED_BY_STREET_OFFICE),  # legacy whole-vote revocation
        (S.REVOKED_BY_COURT, "DECIDED", None, D.REVOKED_BY_COURT),
        (S.RESULT_PUBLISHED, "NO_QUORUM", None, None),  # decided nothing: no status, nothing to revoke
        (S.RESULT_PUBLISHED, "REJECTED", None, None),
        (S.RESULT_PUBLISHED, "NO_DECISION", None, None),  # a consultation (R-MULTI-3)
        (S.REVOKED_BY_COURT, "NO_QUORUM", None, None),
    ],
)
def test_topic_decision_status(stored, outcome, revoked, expected):
    assert lifecycle.topic_decision_status(stored, outcome, revoked) is expected
    assert lifecycle.carries_decision(outcome) is (expected is not None)


@pytest.mark.parametrize(
    ("stored", "topics", "expected"),
    [
        (S.DECIDED, [D.PENDING], V.PENDING),
        (S.CLOSED, [], V.PENDING),
        (S.TERMINATED, [], V.TERMINATED),
        (S.RESULT_PUBLISHED, [None, None], V.NO_DECISION),
        (S.RESULT_PUBLISHED, [D.IN_FORCE, None], V.IN_FORCE),
        (S.RESULT_PUBLISHED, [D.IN_FORCE, D.REVOKED_BY_STREET_OFFICE], V.PARTLY_REVOKED),  # TV-W2
        (S.RESULT_PUBLISHED, [D.REVOKED_BY_STREET_OFFICE, None], V.REVOKED_BY_STREET_OFFICE),
        (S.RESULT_PUBLISHED, [D.REVOKED_BY_COURT, D.REVOKED_BY_COURT], V.REVOKED_BY_COURT),
        (S.RESULT_PUBLISHED, [D.REVOKED_BY_COURT, D.REVOKED_BY_STREET_OFFICE], V.REVOKED),
        (S.REVOKED_BY_COURT, [D.REVOKED_BY_COURT], V.REVOKED_BY_COURT),  # legacy whole-vote revocation
        (S.REVOKED_BY_STREET_OFFICE, [None], V.REVOKED_BY_STREET_OFFICE),  # legacy, nothing decided: as recorded
    ],
)
def test_vote_decision_status(stored, topics, expected):
    assert lifecycle.vote_decision_status(stored, topics) is expected


# --- resumption after a suspension (R-SUP-5) ------------------------------------------------------------------

SHANGHAI_DAY = timedelta(days=1)


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


def test_tv_w7_the_minimum_end_gives_back_the_suspended_time():
    """TV-W7: window 03-17 – 03-24 (exclusive 03-24 00:00), suspended 03-18 00:00, resumed 03-25 10:00: the new
    end is at least 03-25 10:00 + the 6 days left at the suspension = 03-31 10:00."""
    ends_at, suspended_at, resumed_at = (
        _local("2025-03-24T00:00:00"),
        _local("2025-03-18T00:00:00"),
        _local("2025-03-25T10:00:00"),
    )
    minimum = lifecycle.resumption_minimum_end(ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at)
    assert minimum == _local("2025-03-31T10:00:00") == resumed_at + 6 * SHANGHAI_DAY
    assert (
        lifecycle.check_resumption_end(minimum, ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at)
        == minimum
    )
    later = minimum + timedelta(days=3)  # the street office may give more
    lifecycle.check_resumption_end(later, ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at)
    with pytest.raises(lifecycle.ResumptionExtensionTooShort) as refused:
        lifecycle.check_resumption_end(
            minimum - SECOND, ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at
        )
    assert refused.value.code == "rules.resumption_extension_too_short"
    assert refused.value.status == 422
    assert refused.value.params["suspended_seconds"] == 7 * 86400 + 10 * 3600
    with pytest.raises(lifecycle.ResumptionExtensionTooShort):  # the old end is not an extension at all
        lifecycle.check_resumption_end(ends_at, ends_at=ends_at, suspended_at=suspended_at, resumed_at=resumed_at)


def test_the_minimum_end_is_rounded_up_to_the_whole_second():
    suspended_at = START + timedelta(hours=1)
    resumed_at = suspended_at + timedelta(seconds=10, microseconds=1)
    minimum = lifecycle.resumption_minimum_end(ends_at=END, suspended_at=suspended_at, resumed_at=resumed_at)
    assert minimum == END + timedelta(seconds=11)


def test_resumption_instants_must_be_aware():
    with pytest.raises(lifecycle.NaiveDatetime) as refused:
        lifecycle.resumption_minimum_end(ends_at=END.replace(tzinfo=None), suspended_at=START, resumed_at=END)
    assert refused.value.params == {"field": "ends_at"}
    with pytest.raises(lifecycle.NaiveDatetime):
        lifecycle.check_resumption_end(END.replace(tzinfo=None), ends_at=END, suspended_at=START, resumed_at=END)
