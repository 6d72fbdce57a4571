"""Committees that may convene owners: the owners' committee (业委会) and the property management committee (物管会).

* **Size** (R-COMM-1): a 业委会 has an odd number of members, at least five; an estate of at most one hundred
  households (「户数一百户以下的住宅小区」) may have three; alternates are at most as many as members (Beijing Art. 39).
  A 物管会 has an odd number of members, at least seven (Beijing Art. 54).
* **Term** (R-COMM-2): a 业委会 serves at most five years (Beijing Art. 41); a 物管会 is a temporary body whose term is
  at most three years (Beijing Art. 58; seed 003 §四.1 「原则上物管会的任期不超过3年」). A term counted in years from
  its first day ends on the corresponding day (CC Arts. 201, 202; ``app.rules.reminders.add_months``): a 物管会 formed
  2023-01-10 serves until 2026-01-10 at the latest, and on 2026-01-11 it is in its fourth year.
* **Decision to convene** (R-CONV-2): signed by more than half of the members (Beijing Art. 45 ¶3 for the 业委会,
  Art. 57 for the 物管会). "Members" is read as the committee's seats, the stricter reading: a vacant seat never
  lowers the number of signatures needed, so a decision that passes here passes under the sitting-members reading too.
* **Street office** (R-CONV-3): convenes in the committee's place only on a statutory ground (``ConveningGround``).

All dates are Asia/Shanghai calendar dates; the caller converts instants (``app.rules.publicity.shanghai_date``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from app.rules import labels
from app.rules.errors import RuleViolation
from app.rules.reminders import add_months, within_months

OWNERS_COMMITTEE_MAX_TERM_YEARS = 5  # Beijing Art. 41
PMC_MAX_TERM_YEARS = 3  # Beijing Art. 58; seed 003 §四.1
SMALL_ESTATE_HOUSEHOLDS = 100  # Beijing Art. 39 「一百户以下」
PMC_MIN_MEMBERS = 7  # Beijing Art. 54
PMC_TERM_REMINDER_MONTHS = (6, 3, 1)
"""R-COMM-5: the street office and the 物管会 are reminded 6, 3 and 1 months before the term lapses (the street
office has to organise a first assembly or re-form the 物管会 in time, seed 003 §四.1), and once more when it has
lapsed."""


class CommitteeKind(StrEnum):
    OWNERS_COMMITTEE = "OWNERS_COMMITTEE"  # 业主委员会 (Beijing Arts. 39–51)
    PROPERTY_MANAGEMENT_COMMITTEE = "PROPERTY_MANAGEMENT_COMMITTEE"  # 物业管理委员会 (Beijing Arts. 52–60)


class ConveningGround(StrEnum):
    """The statutory grounds on which the street office convenes owners in the committee's place (R-CONV-3)."""

    COMMITTEE_FAILED_TO_CONVENE = "COMMITTEE_FAILED_TO_CONVENE"
    """Beijing Art. 36: ordered to convene within a time limit, the committee did not; the limit has passed."""
    COMMITTEE_CANNOT_FUNCTION = "COMMITTEE_CANNOT_FUNCTION"
    """Beijing Art. 48: after alternates filled the vacancies, fewer than half of the seats are held."""
    NO_COMMITTEE = "NO_COMMITTEE"
    """Beijing Arts. 24, 52–53, seed 003 §三.2: no owners' committee and no 物管会 in term on record."""
    EMERGENCY_SERVICE = "EMERGENCY_SERVICE"
    """Beijing Art. 77: emergency property service is in place; the street office organises the owners' choice of a
    new provider (within the six months of the emergency service)."""


GROUND_BASIS: dict[ConveningGround, str] = {
    ConveningGround.COMMITTEE_FAILED_TO_CONVENE: "Beijing Art. 36",
    ConveningGround.COMMITTEE_CANNOT_FUNCTION: "Beijing Art. 48",
    ConveningGround.NO_COMMITTEE: "Beijing Arts. 24, 52-53",
    ConveningGround.EMERGENCY_SERVICE: "Beijing Art. 77",
}
EMERGENCY_SERVICE_MONTHS = 6  # Beijing Art. 77


class CommitteeSizeInvalid(RuleViolation):
    code = "committee.size_invalid"
    title = "Committee size not allowed"
    message_zh = (
        "本小区 {households} 户，委员 {seats} 人、候补委员 {alternate_seats} 人不符合规定："
        "委员应为 {minimum} 人以上单数，候补委员人数不超过委员人数（{basis}）。"
    )
    message_en = (
        "With {households} households, {seats} members and {alternate_seats} alternates are not allowed: an odd "
        "number of at least {minimum} members, and no more alternates than members ({basis})."
    )
    words = MappingProxyType({"basis": labels.citation})


class CommitteeTermInvalid(RuleViolation):
    code = "committee.term_invalid"
    title = "Committee term not allowed"
    message_zh = "任期 {starts_on} 至 {ends_on} 不符合规定：任期最长 {years} 年，最迟至 {latest}（{basis}）。"
    message_en = "The term {starts_on} to {ends_on} is not allowed: at most {years} years, until {latest} ({basis})."
    words = MappingProxyType({"basis": labels.citation})


def check_size(kind: CommitteeKind, seats: int, alternate_seats: int, *, households: int) -> None:
    """R-COMM-1; ``households`` are the residential units of the estate's current register (never typed in)."""
    if kind is CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE:
        if seats < PMC_MIN_MEMBERS or seats % 2 == 0 or alternate_seats < 0:
            raise CommitteeSizeInvalid(
                seats=seats,
                alternate_seats=alternate_seats,
                minimum=PMC_MIN_MEMBERS,
                households=households,
                basis="Beijing Art. 54",
            )
        return
    minimum = 3 if households <= SMALL_ESTATE_HOUSEHOLDS else 5
    if seats < minimum or seats % 2 == 0 or not 0 <= alternate_seats <= seats:
        raise CommitteeSizeInvalid(
            seats=seats,
            alternate_seats=alternate_seats,
            minimum=minimum,
            households=households,
            basis="Beijing Art. 39",
        )


def max_term_years(kind: CommitteeKind) -> int:
    return (
        PMC_MAX_TERM_YEARS if kind is CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE else OWNERS_COMMITTEE_MAX_TERM_YEARS
    )


def term_basis(kind: CommitteeKind) -> str:
    return (
        "Beijing Art. 58; seed 003 §四.1" if kind is CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE else "Beijing Art. 41"
    )


def latest_term_end(kind: CommitteeKind, starts_on: date) -> date:
    """R-COMM-2: the last day of the longest lawful term beginning on ``starts_on`` (the corresponding day)."""
    return add_months(starts_on, 12 * max_term_years(kind))


def check_term(kind: CommitteeKind, starts_on: date, ends_on: date) -> None:
    latest = latest_term_end(kind, starts_on)
    if not starts_on < ends_on <= latest:
        raise CommitteeTermInvalid(
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
            years=max_term_years(kind),
            latest=latest.isoformat(),
            basis=term_basis(kind),
        )


def term_end(kind: CommitteeKind, starts_on: date, ends_on: date) -> date:
    """The recorded end, never past the statutory cap (a record written before the cap existed still obeys it)."""
    return min(ends_on, latest_term_end(kind, starts_on))


def in_term(kind: CommitteeKind, starts_on: date, ends_on: date, today: date) -> bool:
    return starts_on <= today <= term_end(kind, starts_on, ends_on)


def signed_by_majority(signatures: int, seats: int) -> bool:
    """R-CONV-2: more than half of the members (seats) signed; exactly half is not enough."""
    return 2 * signatures > seats


def cannot_function(sitting_members: int, seats: int) -> bool:
    """Beijing Art. 48: fewer than half of the seats are held after alternates filled the vacancies."""
    return 2 * sitting_members < seats


@dataclass(frozen=True, slots=True)
class TermReminder:
    months_before: int
    """6, 3 or 1; 0 once the term has lapsed."""
    ends_on: date

    @property
    def key(self) -> str:
        return f"PMC_TERM:{self.ends_on.isoformat()}:{self.months_before}"


def pmc_term_reminder(ends_on: date, today: date) -> TermReminder | None:
    """R-COMM-5: the most urgent reminder stage due on ``today`` for a 物管会 whose term ends on ``ends_on``.

    Within 6, 3 or 1 months of the end (boundary included, ``within_months``) the stage is that number; after the
    end it is 0 (lapsed). A stage missed while the service was down is skipped, never sent late beside a later one.
    """
    if today > ends_on:
        return TermReminder(0, ends_on)
    due = [months for months in PMC_TERM_REMINDER_MONTHS if within_months(ends_on, today, months)]
    return TermReminder(min(due), ends_on) if due else None
