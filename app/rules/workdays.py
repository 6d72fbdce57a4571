"""Working days and rest days (法定休假日) for deadlines counted per Civil Code Arts. 201 and 203 (R-LIFE-8).

Rest days are Saturdays, Sundays and the statutory holidays (《全国年节及纪念日放假办法》); each year the State
Council's General Office (国务院办公厅) announces the dates, including the weekend days worked in lieu
(调休上班日), which are working days. The rules take the calendar as a value and never look one up:
``app.holidays`` adapts the announced arrangement, tests pass a ``HolidayArrangement``.

For a year whose notice is not out yet, ``FIXED_DATE_HOLIDAYS`` counts the holidays the Measures fix by calendar
date, which need no notice; the lunar holidays, Qingming, the days off in lieu of a holiday falling on a weekend
(补假) and the make-up working days are unknown until the notice, so such a calendar is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Protocol

SATURDAY = 5  # date.weekday()

# 《全国年节及纪念日放假办法》 Art. 2 as amended by State Council Decree No. 795 (in force 2025-01-01): New Year's
# Day 1 Jan, Labour Day 1 and 2 May, National Day 1 to 3 Oct, as (month, day).
STATUTORY_FIXED_DATES: Final = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


class WorkingDayCalendar(Protocol):
    """Says whether a date (Asia/Shanghai) is a working day, and whether that answer is the announced one:
    ``is_announced`` is False where the answer is provisional (no State Council notice for that year yet)."""

    def is_working_day(self, day: date, /) -> bool: ...

    def is_announced(self, day: date, /) -> bool: ...


@dataclass(frozen=True, slots=True)
class HolidayArrangement:
    """An announced calendar given as data: Monday to Friday except ``holidays``, plus ``make_up_working_days``
    (调休上班)."""

    holidays: frozenset[date] = frozenset()
    make_up_working_days: frozenset[date] = frozenset()

    def is_working_day(self, day: date, /) -> bool:
        return day in self.make_up_working_days or (day.weekday() < SATURDAY and day not in self.holidays)

    def is_announced(self, day: date, /) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class FixedDateHolidays:
    """The provisional calendar of a year without a notice: Monday to Friday except ``STATUTORY_FIXED_DATES``."""

    def is_working_day(self, day: date, /) -> bool:
        return day.weekday() < SATURDAY and (day.month, day.day) not in STATUTORY_FIXED_DATES

    def is_announced(self, day: date, /) -> bool:
        return False


FIXED_DATE_HOLIDAYS: Final = FixedDateHolidays()
