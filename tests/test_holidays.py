"""The State Council's holiday arrangement as the rules' working-day calendar (app.holidays, R-LIFE-8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from app.errors import DomainError
from app.holidays import STATE_COUNCIL_CALENDAR, HolidayYearNotCovered
from app.rules.publicity import SHANGHAI, result_publication_flags


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


@pytest.mark.parametrize("year", [STATE_COUNCIL_CALENDAR.first_year - 1, 2100])
def test_a_year_without_data_is_an_error_not_a_guess(year):
    with pytest.raises(HolidayYearNotCovered) as caught:
        STATE_COUNCIL_CALENDAR.is_working_day(date(year, 6, 1))
    assert caught.value.params == {
        "year": year,
        "first_year": STATE_COUNCIL_CALENDAR.first_year,
        "last_year": STATE_COUNCIL_CALENDAR.last_year,
    }
    assert STATE_COUNCIL_CALENDAR.first_year <= 2026 <= STATE_COUNCIL_CALENDAR.last_year


def test_year_not_covered_contract():
    assert DomainError.registry["calendar.year_not_covered"] is HolidayYearNotCovered
    assert HolidayYearNotCovered.status == 503
    assert HolidayYearNotCovered.placeholders("zh") == HolidayYearNotCovered.placeholders("en")
    params: dict[str, Any] = dict.fromkeys(HolidayYearNotCovered.placeholders("en"), 2100)
    assert "2100" in HolidayYearNotCovered(**params).message("zh")
