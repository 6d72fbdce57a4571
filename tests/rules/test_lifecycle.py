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
    (S.SUSPENDED, S.PUBLISHED),  # resumed before the start
    (S.SUSPENDED, S.OPEN),  # resumed in the window
    (S.CLOSED, S.DECIDED),
    (S.DECIDED, S.RESULT_PUBLISHED),
    (S.DECIDED, S.REVOKED_BY_STREET_OFFICE),  # R-SUP-1
    (S.DECIDED, S.REVOKED_BY_COURT),  # R-SUP-3
    (S.RESULT_PUBLISHED, S.REVOKED_BY_STREET_OFFICE),
    (S.RESULT_PUBLISHED, S.REVOKED_BY_COURT),
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


@pytest.mark.parametrize("terminal", [S.CANCELLED, S.REVOKED_BY_STREET_OFFICE, S.REVOKED_BY_COURT])
def test_cancelled_and_revoked_are_final(terminal):
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
    assert set(S) - {S.DRAFT, S.CANCELLED, S.SUSPENDED} == lifecycle.HELD


def test_a_revocation_acts_only_on_a_standing_decision():
    for revoked in lifecycle.REVOKED:
        assert {stored for stored in S if may_transition(stored, revoked)} == lifecycle.DECISION_STANDS


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (S.CLOSED, "PENDING"),
        (S.DECIDED, "PENDING"),
        (S.RESULT_PUBLISHED, "IN_FORCE"),
        (S.REVOKED_BY_STREET_OFFICE, "REVOKED_BY_STREET_OFFICE"),
        (S.REVOKED_BY_COURT, "REVOKED_BY_COURT"),
    ],
)
def test_decision_status(stored, expected):
    assert lifecycle.decision_status(stored) == expected
