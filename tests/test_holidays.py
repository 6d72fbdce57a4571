"""The State Council's holiday arrangement as the rules' working-day calendar (app.holidays, R-LIFE-8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.holidays import STATE_COUNCIL_CALENDAR
from app.rules.publicity import SHANGHAI, CalendarSource, result_publication_flags


def sh(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def test_2026_national_day_as_announced():
    """国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), item 7: 10-01 (Thu) to 10-07 (Wed) off, 9-20
    (Sun) and 10-10 (Sat) worked in lieu."""
    days = [date(2026, 9, 18) + timedelta(days=n) for n in range(26)]  # Fri 09-18 to Mon 10-13
    rest_days = {day for day in days if not STATE_COUNCIL_CALENDAR.is_working_day(day)}
    assert rest_days == {
        date(2026, 9, 19),  # Saturday; Sunday 09-20 is worked in lieu
        date(2026, 9, 25),  # Mid-Autumn Festival, Fri 09-25 to Sun 09-27 (item 6)
        date(2026, 9, 26),
        date(2026, 9, 27),
        *(date(2026, 10, d) for d in range(1, 8)),  # National Day, Thu 10-01 to Wed 10-07
        date(2026, 10, 11),  # Sunday; Saturday 10-10 is worked in lieu
    }


def test_result_deadline_across_national_day_2026_moves_past_it():
    # Voting ends 24:00 Wed 2026-09-30: the next working day and the rolled 3rd day are both Thu 10-08.
    check = result_publication_flags(
        sh(2026, 10, 1), sh(2026, 10, 8, 18), as_of=sh(2026, 10, 8, 18), calendar=STATE_COUNCIL_CALENDAR
    )
    assert check.app_deadline == check.legal_deadline == sh(2026, 10, 9)
    assert check.flags == ()


def test_make_up_working_day_counts_as_working():
    # Decided Wed 2026-10-07: the 3rd day is Sat 10-10, worked in lieu, so CC 203 does not roll it.
    check = result_publication_flags(
        sh(2026, 10, 8), sh(2026, 10, 11, 9), as_of=sh(2026, 10, 11, 9), calendar=STATE_COUNCIL_CALENDAR
    )
    assert check.legal_deadline == sh(2026, 10, 11)
    assert [flag.value for flag in check.flags] == ["LATE_APP_STANDARD", "PAST_LEGAL_DEADLINE"]


def test_the_installed_data_covers_2026_and_not_2027():
    """Today's release (1.11.0) holds the notices up to 2026; the 2027 tests below rely on 2027 being absent, and
    start failing (to be moved to the next open year) when a release with the 2027 notice is installed."""
    assert STATE_COUNCIL_CALENDAR.first_year <= 2026 == STATE_COUNCIL_CALENDAR.last_year


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(STATE_COUNCIL_CALENDAR.first_year - 1, 6, 2), True),  # a Monday in 2003
        (date(2027, 1, 1), False),  # New Year's Day, fixed by the Measures
        (date(2027, 10, 4), True),  # Monday after National Day; a day off in lieu (补假) needs the notice
        (date(2100, 5, 3), True),  # Monday; 05-01/02 fall on the weekend
        (date(2100, 10, 1), False),
    ],
)
def test_a_year_without_data_is_provisional_not_an_error(day, working):
    assert STATE_COUNCIL_CALENDAR.is_working_day(day) is working
    assert STATE_COUNCIL_CALENDAR.is_announced(day) is False
    assert STATE_COUNCIL_CALENDAR.is_announced(date(2026, 12, 31)) is True


def test_result_deadline_reaching_2027_is_provisional():
    # Decided Tue 2026-12-29: the app deadline (end of Wed 12-30) rests on the 2026 notice; the 3rd day is Fri
    # 2027-01-01, New Year's Day, so CC 203 rolls it past the weekend to Mon 01-04, until the 2027 notice says more.
    check = result_publication_flags(
        sh(2026, 12, 29, 18), sh(2027, 1, 4, 9), as_of=sh(2027, 1, 4, 9), calendar=STATE_COUNCIL_CALENDAR
    )
    assert (check.app_deadline, check.legal_deadline) == (sh(2026, 12, 31), sh(2027, 1, 5))
    assert check.calendar is CalendarSource.PROVISIONAL
    assert check.to_dict() == {
        "decision_date": "2026-12-29",
        "app_deadline": "2026-12-31T00:00:00+08:00",
        "legal_deadline": "2027-01-05T00:00:00+08:00",
        "flags": ["LATE_APP_STANDARD"],
        "published_at": "2027-01-04T09:00:00+08:00",
        "calendar": "PROVISIONAL",
    }


def test_result_deadline_inside_2026_is_announced():
    # Decided Mon 2026-12-28: the 3rd day is Thu 12-31; its 24:00 is in 2027 but no 2027 day counts.
    check = result_publication_flags(
        sh(2026, 12, 28, 18), None, as_of=sh(2026, 12, 28, 18), calendar=STATE_COUNCIL_CALENDAR
    )
    assert check.legal_deadline == sh(2027, 1, 1)
    assert check.calendar is CalendarSource.STATE_COUNCIL
    assert "calendar" not in check.to_dict()
