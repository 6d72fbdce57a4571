"""Reminders for time-driven owners' decisions (R-LIFE-11, R-LIFE-12). Reminders only: nothing is blocked.

* Beijing Art. 19: 3 months before the preliminary (前期) service contract ends, the owners decide whether to
  keep the provider.
* Beijing Art. 75: 6 months before the service contract ends, the committee organises the renew-or-replace
  decision.
* Beijing Art. 49: the committee reports 6 months before its term ends, so the changeover election can be held
  before expiry.
* Beijing Art. 35(2) 「每年至少召开一次」 (R-LIFE-11): the organiser is warned when no owners' assembly vote has
  closed in the last 12 months.

All dates are Asia/Shanghai calendar dates; the caller converts instants (``app.rules.publicity.shanghai_date``).

"Within N months", exactly (CC Arts. 201, 202, 1259): counting N months from ``today``, the day itself is not
counted and the period ends on the corresponding day N months later, or on the last day of that month when it
has no such day (``add_months``). An end date falls "within N months" when it is on or before that day (以内
includes the boundary). So with today 2026-03-30 a contract ending 2026-06-30 is within 3 months and one ending
2026-07-01 is not; with today 2026-11-30 the 3-month period ends 2027-02-28. A reminder stays due after the end
date has passed (the decision is then overdue) until the organiser records a new date.

"No assembly vote closed in the last 12 months": with the last close on day C, the 12-month period after it ends
on ``add_months(C, 12)``; the reminder is due from the day after. When no vote has ever closed it is due at once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

PRELIMINARY_CONTRACT_MONTHS = 3  # Beijing Art. 19
SERVICE_CONTRACT_MONTHS = 6  # Beijing Art. 75
COMMITTEE_TERM_MONTHS = 6  # Beijing Art. 49
ASSEMBLY_INTERVAL_MONTHS = 12  # Beijing Art. 35(2), R-LIFE-11
_ONE_DAY = timedelta(days=1)


class ReminderKind(StrEnum):
    PRELIMINARY_CONTRACT_ENDING = "PRELIMINARY_CONTRACT_ENDING"
    SERVICE_CONTRACT_ENDING = "SERVICE_CONTRACT_ENDING"
    COMMITTEE_TERM_ENDING = "COMMITTEE_TERM_ENDING"
    NO_RECENT_ASSEMBLY = "NO_RECENT_ASSEMBLY"


@dataclass(frozen=True, slots=True)
class ReminderDates:
    """The estate's recorded end dates; None when not recorded (no reminder then)."""

    committee_term_ends_on: date | None = None
    service_contract_ends_on: date | None = None
    preliminary_contract_ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: ReminderKind
    basis: str
    """The legal source, e.g. ``Beijing Art. 19``."""
    due_from: date | None
    """The first day the reminder is due; None for an assembly reminder when no vote has ever closed."""
    ends_on: date | None
    """The contract or term end (or the last day of the 12 months after the last assembly vote closed)."""
    overdue: bool
    """The end date has passed (``today > ends_on``); never true when ``ends_on`` is None."""
    message_zh: str
    message_en: str

    @property
    def key(self) -> str:
        """Identifies this occurrence: a new end date (or a new close) is a new reminder."""
        return f"{self.kind.value}:{self.ends_on.isoformat() if self.ends_on else 'never'}"


def add_months(day: date, months: int) -> date:
    """CC Art. 202: the corresponding day ``months`` later, or that month's last day when it has none."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within_months(ends_on: date, today: date, months: int) -> bool:
    """Whether ``ends_on`` falls within ``months`` calendar months of ``today`` (boundary included)."""
    return ends_on <= add_months(today, months)


def first_due_day(ends_on: date, months: int) -> date:
    """The earliest ``today`` for which ``within_months(ends_on, today, months)`` holds.

    ``add_months`` is non-decreasing in ``today``, so the reminder stays due from this day on. Counting back
    gives the answer unless the back-count was clamped to a month end (e.g. 05-31 less 3 months is 02-28, whose
    3 months end on 05-28): then the next day is the first one.
    """
    back = add_months(ends_on, -months)
    return back if add_months(back, months) >= ends_on else back + _ONE_DAY


_TEXTS: dict[ReminderKind, tuple[str, int, str, str]] = {
    ReminderKind.PRELIMINARY_CONTRACT_ENDING: (
        "Beijing Art. 19",
        PRELIMINARY_CONTRACT_MONTHS,
        "前期物业服务合同将于{ends_on}届满，业主应在届满前3个月内共同决定是否续聘。",
        "The preliminary service contract ends on {ends_on}; within 3 months before that the owners decide "
        "whether to keep the provider.",
    ),
    ReminderKind.SERVICE_CONTRACT_ENDING: (
        "Beijing Art. 75",
        SERVICE_CONTRACT_MONTHS,
        "物业服务合同将于{ends_on}届满，业主委员会或物业管理委员会应在届满前6个月内组织续聘或选聘的共同决定。",
        "The service contract ends on {ends_on}; within 6 months before that the committee organises the "
        "renew-or-replace decision.",
    ),
    ReminderKind.COMMITTEE_TERM_ENDING: (
        "Beijing Art. 49",
        COMMITTEE_TERM_MONTHS,
        "业主委员会任期将于{ends_on}届满，应在届满前6个月报告街道办事处并在届满前完成换届选举。",
        "The committee's term ends on {ends_on}; 6 months before that it reports to the street office, and "
        "the changeover election is held before expiry.",
    ),
}


def _ending(kind: ReminderKind, ends_on: date | None, today: date) -> Reminder | None:
    basis, months, zh, en = _TEXTS[kind]
    if ends_on is None or not within_months(ends_on, today, months):
        return None
    text = ends_on.isoformat()
    return Reminder(
        kind=kind,
        basis=basis,
        due_from=first_due_day(ends_on, months),
        ends_on=ends_on,
        overdue=today > ends_on,
        message_zh=zh.format(ends_on=text),
        message_en=en.format(ends_on=text),
    )


def _assembly(today: date, last_closed_on: date | None) -> Reminder | None:
    if last_closed_on is None:
        return Reminder(
            kind=ReminderKind.NO_RECENT_ASSEMBLY,
            basis="Beijing Art. 35(2)",
            due_from=None,
            ends_on=None,
            overdue=False,
            message_zh="尚无已结束的业主大会表决；业主大会每年至少召开一次会议。",
            message_en="No owners' assembly vote has closed yet; the assembly meets at least once a year.",
        )
    period_end = add_months(last_closed_on, ASSEMBLY_INTERVAL_MONTHS)
    if today <= period_end:
        return None
    closed = last_closed_on.isoformat()
    return Reminder(
        kind=ReminderKind.NO_RECENT_ASSEMBLY,
        basis="Beijing Art. 35(2)",
        due_from=period_end + _ONE_DAY,
        ends_on=period_end,
        overdue=True,
        message_zh=f"最近一次业主大会表决于{closed}结束，此后12个月内未召开业主大会会议；业主大会每年至少召开一次会议。",
        message_en=f"The last owners' assembly vote closed on {closed} and none has closed in the 12 months "
        "since; the assembly meets at least once a year.",
    )


def due_reminders(dates: ReminderDates, today: date, last_assembly_closed_on: date | None) -> list[Reminder]:
    """Every reminder due on ``today``, in a fixed order: preliminary contract, service contract, committee term,
    assembly."""
    found = [
        _ending(ReminderKind.PRELIMINARY_CONTRACT_ENDING, dates.preliminary_contract_ends_on, today),
        _ending(ReminderKind.SERVICE_CONTRACT_ENDING, dates.service_contract_ends_on, today),
        _ending(ReminderKind.COMMITTEE_TERM_ENDING, dates.committee_term_ends_on, today),
        _assembly(today, last_assembly_closed_on),
    ]
    return [reminder for reminder in found if reminder is not None]
