"""The State Council's holiday arrangement (放假调休安排) as the working-day calendar of the rules.

Each year the General Office of the State Council (国务院办公厅) announces the statutory holidays of the next year
and the weekend days worked in lieu (调休上班日), under 《全国年节及纪念日放假办法》. The maintained
``chinese-calendar`` package carries those notices as data; this adapter gives them to ``app.rules`` as a
``WorkingDayCalendar`` (R-LIFE-8 deadlines, counted per Civil Code Arts. 201 and 203).

A date in a year the installed package has no data for is an error (``HolidayYearNotCovered``), never a guess:
treating such a year as weekends only would move deadlines silently, one way or the other, once the notice is
out. The remedy is to upgrade ``chinese-calendar`` after the State Council publishes the year's notice.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import chinese_calendar

from app.errors import DomainError


class HolidayYearNotCovered(DomainError):
    """A deadline reaches a year whose holiday arrangement the installed ``chinese-calendar`` does not hold."""

    code = "calendar.year_not_covered"
    status = 503
    title = "Holiday arrangement not available"
    message_zh = (
        "尚无 {year} 年的法定节假日及调休安排数据（现有 {first_year} 至 {last_year} 年），无法计算期限；"
        "请在国务院办公厅公布该年放假安排后更新节假日数据。"
    )
    message_en = (
        "The holiday arrangement for {year} is not available (data covers {first_year} to {last_year}), so the "
        "deadline cannot be computed; update the holiday data once the State Council has announced that year."
    )


class StateCouncilCalendar:
    """Working days per the State Council's annual notices, as published in ``chinese-calendar``."""

    def __init__(self) -> None:
        announced = chinese_calendar.holidays.keys()
        self.first_year: Final[int] = min(announced).year
        self.last_year: Final[int] = max(announced).year

    def is_working_day(self, day: date, /) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise HolidayYearNotCovered(year=day.year, first_year=self.first_year, last_year=self.last_year)
        return bool(chinese_calendar.is_workday(day))


STATE_COUNCIL_CALENDAR: Final = StateCouncilCalendar()
