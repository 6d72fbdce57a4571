"""The State Council's holiday arrangement (放假调休安排) as the working-day calendar of the rules.

Each year the General Office of the State Council (国务院办公厅) announces the statutory holidays of the next year
and the weekend days worked in lieu (调休上班日), under 《全国年节及纪念日放假办法》. The maintained
``chinese-calendar`` package carries those notices as data; this adapter gives them to ``app.rules`` as a
``WorkingDayCalendar`` (R-LIFE-8 deadlines, counted per Civil Code Arts. 201 and 203).

A year the installed package has no data for never blocks a deadline: its days are counted provisionally with the
holidays the Measures fix by date (``app.rules.workdays.FIXED_DATE_HOLIDAYS``), and ``is_announced`` says so, so
the publication check marks its deadlines PROVISIONAL. Upgrading ``chinese-calendar`` once the State Council has
published the year's notice makes them final.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import chinese_calendar

from app.rules.workdays import FIXED_DATE_HOLIDAYS


class StateCouncilCalendar:
    """Working days per the State Council's annual notices, as published in ``chinese-calendar``; provisional
    fixed-date holidays for the years the notices do not cover."""

    def __init__(self) -> None:
        announced = chinese_calendar.holidays.keys()
        self.first_year: Final[int] = min(announced).year
        self.last_year: Final[int] = max(announced).year

    def is_announced(self, day: date, /) -> bool:
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: date, /) -> bool:
        if not self.is_announced(day):
            return FIXED_DATE_HOLIDAYS.is_working_day(day)
        return bool(chinese_calendar.is_workday(day))


STATE_COUNCIL_CALENDAR: Final = StateCouncilCalendar()
