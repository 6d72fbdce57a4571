"""Working days and rest days (法定休假日) for deadlines counted per Civil Code Arts. 201 and 203 (R-LIFE-8).

Rest days are Saturdays, Sundays and the statutory holidays (《全国年节及纪念日放假办法》); each year the State
Council's General Office (国务院办公厅) announces the dates, including the weekend days worked in lieu
(调休上班日), which are working days. The rules take the calendar as a value and never look one up:
``app.holidays`` adapts the announced arrangement, tests pass a ``HolidayArrangement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

SATURDAY = 5  # date.weekday()


class WorkingDayCalendar(Protocol):
    """Says whether a date (Asia/Shanghai) is a working day; may raise when it does not know the year."""

    def is_working_day(self, day: date, /) -> bool: ...


@dataclass(frozen=True, slots=True)
class HolidayArrangement:
    """A calendar given as data: Monday to Friday except ``holidays``, plus ``make_up_working_days`` (调休上班)."""

    holidays: frozenset[date] = frozenset()
    make_up_working_days: frozenset[date] = frozenset()

    def is_working_day(self, day: date, /) -> bool:
        return day in self.make_up_working_days or (day.weekday() < SATURDAY and day not in self.holidays)
