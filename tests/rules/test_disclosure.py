"""R-DISC-1, R-DISC-3..5: half-years, the fee publication's due day and reminders, years begun."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules.disclosure import (
    FeeReminderStage,
    HalfYear,
    check_half_year_ended,
    check_year_begun,
    fee_disclosure_reminder,
)
from app.rules.errors import DisclosurePeriodNotEnded, DisclosureYearInFuture

H1, H2 = HalfYear(2025, 1), HalfYear(2025, 2)


def test_half_years():
    assert HalfYear.of(date(2025, 6, 30)) == H1
    assert HalfYear.of(date(2025, 7, 1)) == H2
    assert (H1.label, H1.first_day, H1.last_day) == ("2025-H1", date(2025, 1, 1), date(2025, 6, 30))
    assert (H2.label, H2.first_day, H2.last_day) == ("2025-H2", date(2025, 7, 1), date(2025, 12, 31))
    assert H1.previous == HalfYear(2024, 2)
    assert H2.previous == H1
    assert (H1.due_on, H2.due_on) == (date(2025, 7, 31), date(2026, 1, 31))  # R-DISC-3: one month after
    assert H1 < H2
    with pytest.raises(ValueError, match="1 or 2"):
        HalfYear(2025, 3)


def test_only_an_ended_half_year_is_published():
    check_half_year_ended(H1, date(2025, 7, 1))
    for today in (date(2025, 6, 30), date(2025, 3, 1), date(2024, 12, 31)):  # its last day, within it, before it
        with pytest.raises(DisclosurePeriodNotEnded) as refused:
            check_half_year_ended(H1, today)
        assert refused.value.code == "rules.disclosure_period_not_ended"


def test_a_year_not_begun_is_refused():
    check_year_begun(2025, date(2025, 1, 1))
    check_year_begun(2024, date(2025, 1, 1))
    with pytest.raises(DisclosureYearInFuture):
        check_year_begun(2026, date(2025, 12, 31))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 7, 1), (H1, FeeReminderStage.DUE)),
        (date(2025, 7, 31), (H1, FeeReminderStage.DUE)),
        (date(2025, 8, 1), (H1, FeeReminderStage.OVERDUE)),
        (date(2025, 12, 31), (H1, FeeReminderStage.OVERDUE)),
        (date(2026, 1, 1), (H2, FeeReminderStage.DUE)),
    ],
)
def test_fee_reminders_due_then_overdue(today, expected):
    reminder = fee_disclosure_reminder(today, date(2024, 6, 1), date(2029, 5, 31), frozenset())
    assert reminder is not None
    assert (reminder.period, reminder.stage) == expected
    assert reminder.key == f"fee_disclosure:{expected[0].label}:{expected[1].value}"


def test_no_fee_reminder_outside_the_term_or_once_published():
    term = (date(2025, 7, 1), date(2030, 6, 30))
    assert fee_disclosure_reminder(date(2025, 7, 5), *term, frozenset()) is None  # H1 ended before the term
    assert fee_disclosure_reminder(date(2025, 7, 5), date(2020, 1, 1), date(2024, 12, 31), frozenset()) is None
    assert fee_disclosure_reminder(date(2025, 7, 5), date(2024, 6, 1), date(2029, 5, 31), frozenset({H1})) is None
