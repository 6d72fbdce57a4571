"""R-LIFE-11 and R-LIFE-12: reminders at their exact calendar-month boundaries (Asia/Shanghai dates)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.rules.reminders import (
    Reminder,
    ReminderDates,
    ReminderKind,
    add_months,
    due_reminders,
    first_due_day,
    within_months,
)

PRELIMINARY = ReminderKind.PRELIMINARY_CONTRACT_ENDING
SERVICE = ReminderKind.SERVICE_CONTRACT_ENDING
COMMITTEE = ReminderKind.COMMITTEE_TERM_ENDING
FIELDS = {
    PRELIMINARY: "preliminary_contract_ends_on",
    SERVICE: "service_contract_ends_on",
    COMMITTEE: "committee_term_ends_on",
}


def kinds(reminders: list[Reminder]) -> list[ReminderKind]:
    return [reminder.kind for reminder in reminders]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 30), 3, date(2026, 6, 30)),
        (date(2026, 3, 31), 3, date(2026, 6, 30)),  # June has no 31st: its last day (CC Art. 202)
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # across the year
        (date(2026, 2, 28), 12, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 1, 31), -1, date(2025, 12, 31)),
    ],
)
def test_add_months_uses_the_corresponding_day_or_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("kind", "ends_on", "today", "due"),
    [
        # Beijing Art. 19: 3 months.
        (PRELIMINARY, date(2026, 6, 30), date(2026, 3, 29), False),
        (PRELIMINARY, date(2026, 6, 30), date(2026, 3, 30), True),
        (PRELIMINARY, date(2026, 7, 1), date(2026, 3, 30), False),
        (PRELIMINARY, date(2026, 7, 1), date(2026, 4, 1), True),
        # Month-end clamping: 2026-05-31 less 3 months is 2026-02-28, whose 3 months end on 05-28.
        (PRELIMINARY, date(2026, 5, 31), date(2026, 2, 28), False),
        (PRELIMINARY, date(2026, 5, 31), date(2026, 3, 1), True),
        (PRELIMINARY, date(2027, 2, 28), date(2026, 11, 30), True),
        (PRELIMINARY, date(2027, 3, 1), date(2026, 11, 30), False),
        # Beijing Art. 75: 6 months.
        (SERVICE, date(2026, 12, 30), date(2026, 6, 30), True),
        (SERVICE, date(2026, 12, 30), date(2026, 6, 29), False),
        # 06-30 + 6 months is 12-30, so a contract ending 12-31 is due only from 07-01.
        (SERVICE, date(2026, 12, 31), date(2026, 6, 30), False),
        (SERVICE, date(2026, 12, 31), date(2026, 7, 1), True),
        (SERVICE, date(2027, 2, 28), date(2026, 8, 28), True),
        (SERVICE, date(2027, 2, 28), date(2026, 8, 27), False),
        # Beijing Art. 49: 6 months.
        (COMMITTEE, date(2027, 1, 15), date(2026, 7, 15), True),
        (COMMITTEE, date(2027, 1, 15), date(2026, 7, 14), False),
        # After the end the reminder stays due (overdue).
        (COMMITTEE, date(2027, 1, 15), date(2027, 3, 1), True),
    ],
)
def test_end_date_reminders_at_their_boundaries(kind, ends_on, today, due):
    recent = today - timedelta(days=30)  # an assembly vote closed recently: no R-LIFE-11 reminder here
    reminders = due_reminders(ReminderDates(**{FIELDS[kind]: ends_on}), today, recent)
    assert kinds(reminders) == ([kind] if due else [])
    if due:
        (reminder,) = reminders
        assert reminder.ends_on == ends_on
        assert reminder.due_from is not None
        assert reminder.due_from <= today
        assert reminder.overdue is (today > ends_on)
        assert ends_on.isoformat() in reminder.message_zh
        assert ends_on.isoformat() in reminder.message_en
        assert reminder.basis.startswith("Beijing Art.")
        assert reminder.key == f"{kind.value}:{ends_on.isoformat()}"


@pytest.mark.parametrize("months", [3, 6])
def test_first_due_day_is_exactly_the_first_day_within_the_period(months):
    """Exhaustively over two years of end dates: due from ``first_due_day`` on, never the day before."""
    ends_on = date(2027, 1, 1)
    while ends_on < date(2029, 1, 1):
        first = first_due_day(ends_on, months)
        assert within_months(ends_on, first, months)
        assert not within_months(ends_on, first - timedelta(days=1), months)
        ends_on += timedelta(days=1)


@pytest.mark.parametrize(
    ("last_closed", "today", "due", "due_from"),
    [
        (date(2025, 3, 24), date(2026, 3, 24), False, None),  # the 12 months end on 2026-03-24 (CC 201, 202)
        (date(2025, 3, 24), date(2026, 3, 25), True, date(2026, 3, 25)),
        (date(2024, 2, 29), date(2025, 2, 28), False, None),
        (date(2024, 2, 29), date(2025, 3, 1), True, date(2025, 3, 1)),
        (date(2025, 6, 1), date(2025, 6, 2), False, None),
    ],
)
def test_no_recent_assembly_reminder_r_life_11(last_closed, today, due, due_from):
    reminders = due_reminders(ReminderDates(), today, last_closed)
    assert kinds(reminders) == ([ReminderKind.NO_RECENT_ASSEMBLY] if due else [])
    if due:
        (reminder,) = reminders
        assert reminder.due_from == due_from
        assert reminder.ends_on == due_from - timedelta(days=1)
        assert reminder.overdue is True
        assert last_closed.isoformat() in reminder.message_zh
        assert reminder.basis == "Beijing Art. 35(2)"


def test_an_estate_without_any_closed_vote_is_reminded_at_once():
    (reminder,) = due_reminders(ReminderDates(), date(2026, 1, 1), None)
    assert reminder.kind is ReminderKind.NO_RECENT_ASSEMBLY
    assert reminder.due_from is None
    assert reminder.ends_on is None
    assert reminder.overdue is False
    assert reminder.key == "NO_RECENT_ASSEMBLY:never"


def test_all_reminders_in_a_fixed_order():
    dates = ReminderDates(
        committee_term_ends_on=date(2026, 5, 1),
        service_contract_ends_on=date(2026, 5, 1),
        preliminary_contract_ends_on=date(2026, 5, 1),
    )
    reminders = due_reminders(dates, date(2026, 3, 1), date(2024, 1, 1))
    assert kinds(reminders) == [
        ReminderKind.PRELIMINARY_CONTRACT_ENDING,
        ReminderKind.SERVICE_CONTRACT_ENDING,
        ReminderKind.COMMITTEE_TERM_ENDING,
        ReminderKind.NO_RECENT_ASSEMBLY,
    ]
    assert due_reminders(ReminderDates(), date(2026, 3, 1), date(2026, 2, 1)) == []
