"""Pure parts of supervision, without a database: the R-LIFE-11 cutoff and correction-order states."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.rules.lifecycle import effective_status, voting_open
from app.supervision.models import SupervisionAction, SupervisionKind
from app.supervision.service import order_states, regular_meeting_cutoff

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2025, 3, 1, 0, 0, tzinfo=SHANGHAI), datetime(2024, 3, 1, 0, 0, tzinfo=SHANGHAI)),
        # 29 February has no twin a year earlier: the last day of that February.
        (datetime(2024, 2, 29, 10, 0, tzinfo=SHANGHAI), datetime(2023, 2, 28, 10, 0, tzinfo=SHANGHAI)),
        # Months count in Asia/Shanghai: 16:30 UTC on 1 Jan is already 2 Jan in Beijing.
        (datetime(2025, 1, 1, 16, 30, tzinfo=UTC), datetime(2024, 1, 2, 0, 30, tzinfo=SHANGHAI)),
        (
            datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=SHANGHAI),
            datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        ),
    ],
)
def test_r_life_11_cutoff_is_twelve_calendar_months_in_shanghai(now, cutoff):
    result = regular_meeting_cutoff(now)
    assert result == cutoff
    assert result.tzinfo is UTC


def _action(kind: SupervisionKind, *, vote_id: uuid.UUID, deadline=None, follows_id=None) -> SupervisionAction:  # type: ignore[no-untyped-def]
    return SupervisionAction(
        id=uuid.uuid4(), vote_id=vote_id, estate_id=uuid.uuid4(), kind=kind, reason="r", document_ref="d",
        deadline=deadline, follows_id=follows_id, acted_by="t", acted_at=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def test_order_states():
    deadline = datetime(2025, 2, 1, tzinfo=UTC)
    vote, revoked_vote = uuid.uuid4(), uuid.uuid4()
    open_order = _action(SupervisionKind.CORRECTION_ORDER, vote_id=vote, deadline=deadline)
    done_order = _action(SupervisionKind.CORRECTION_ORDER, vote_id=vote, deadline=deadline)
    follow_up = _action(SupervisionKind.CORRECTION_FOLLOW_UP, vote_id=vote, follows_id=done_order.id)
    superseded = _action(SupervisionKind.CORRECTION_ORDER, vote_id=revoked_vote, deadline=deadline)
    other = _action(SupervisionKind.SUSPENSION, vote_id=vote)
    actions = [open_order, done_order, follow_up, superseded, other]

    before = order_states(actions, {revoked_vote}, now=deadline - timedelta(microseconds=1))
    assert [(s.order, s.state, s.overdue) for s in before] == [
        (open_order, "OPEN", False),
        (done_order, "FOLLOWED_UP", False),
        (superseded, "SUPERSEDED", False),
    ]
    assert before[1].follow_up is follow_up
    at = order_states(actions, {revoked_vote}, now=deadline)
    assert [s.overdue for s in at] == [True, False, False]


@pytest.mark.parametrize("stored", ["SUSPENDED", "REVOKED_BY_STREET_OFFICE", "REVOKED_BY_COURT"])
def test_supervised_states_are_not_moved_by_the_clock(stored):
    """A suspended vote is never OPEN, whatever the clock says (ballots refused); revoked decisions stay revoked."""
    start = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)
    end = start + timedelta(days=7)
    for now in (start - timedelta(seconds=1), start, end - timedelta(seconds=1), end):
        assert effective_status(stored, starts_at=start, ends_at=end, now=now) == stored
        assert voting_open(stored, starts_at=start, ends_at=end, now=now) is False
