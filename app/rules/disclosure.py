"""Committee disclosure duties (R-DISC-1..5): the half-yearly fee publication, the yearly report, the evaluation.

Beijing Art. 44(8): the committee publishes its members' and alternates' payment of property service fees every six
months; seed 003 §四.4 adds the parking fee (「每半年公示业委会委员、候补委员交纳物业费、停车费信息」). A half-year is
January–June or July–December (CHOICE: calendar halves, the periods property fees are usually billed in). The
publication reports the standing at the half-year's end, so only an ended half-year can be published (R-DISC-1).
CHOICE (R-DISC-3): it is due within one month after the half-year ends; the organisers are reminded on the first
day after the half-year and once more when the month has passed without a publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.rules.errors import DisclosurePeriodNotEnded, DisclosureYearInFuture
from app.rules.reminders import add_months

DUE_MONTHS = 1
"""R-DISC-3 (CHOICE): a half-year's publication is due within one month after it ends (by 31 January / 31 July)."""


@dataclass(frozen=True, slots=True, order=True)
class HalfYear:
    year: int
    half: int  # 1: January–June, 2: July–December

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise ValueError("a half-year is 1 or 2")

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def label(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def previous(self) -> HalfYear:
        return HalfYear(self.year - 1, 2) if self.half == 1 else HalfYear(self.year, 1)

    @property
    def due_on(self) -> date:
        """R-DISC-3: the last day the publication is on time."""
        return add_months(self.last_day + timedelta(days=1), DUE_MONTHS) - timedelta(days=1)


def check_half_year_ended(period: HalfYear, today: date) -> None:
    """R-DISC-1: the half-year being published has ended (a current or future one is refused)."""
    if period.last_day >= today:
        raise DisclosurePeriodNotEnded(period=period.label, last_day=period.last_day.isoformat())


def check_year_begun(year: int, today: date) -> None:
    """R-DISC-4, R-DISC-5: a report or evaluation of a year not yet begun is refused."""
    if year > today.year:
        raise DisclosureYearInFuture(year=year)


class FeeReminderStage(StrEnum):
    DUE = "DUE"  # the half-year has ended: publish its fee payments
    OVERDUE = "OVERDUE"  # the month after it has passed without a publication


@dataclass(frozen=True, slots=True)
class FeeReminder:
    period: HalfYear
    stage: FeeReminderStage

    @property
    def key(self) -> str:
        return f"fee_disclosure:{self.period.label}:{self.stage.value}"


def fee_disclosure_reminder(
    today: date, term_starts_on: date, term_ends_on: date, published: frozenset[HalfYear]
) -> FeeReminder | None:
    """R-DISC-3: the reminder due ``today`` for a committee in term from ``term_starts_on`` to ``term_ends_on``.

    Only the latest ended half-year is reminded of (an older missed one is not chased again), and only when the
    committee was in office during it and has not published it; DUE until its due day, OVERDUE after.
    """
    period = HalfYear.of(today).previous
    if period.last_day < term_starts_on or period.first_day > term_ends_on or period in published:
        return None
    stage = FeeReminderStage.DUE if today <= period.due_on else FeeReminderStage.OVERDUE
    return FeeReminder(period, stage)
