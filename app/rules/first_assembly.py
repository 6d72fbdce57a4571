"""The first owners' assembly (首次业主大会会议) as a procedure: Beijing Regulation Arts. 31–33, 42–43 (R-FIRST).

* **R-FIRST-1** (Art. 31): the preparatory group (筹备组) formed under the street office has an **odd** number of
  members, owners' representatives at least half of them, and is headed by the residents' committee staff member
  the street office appoints; its members are publicised within **7 days** of its forming.
* **R-FIRST-3** (Art. 32, R-LIFE-3): the roll, the drafts, the candidates and the election method are publicised
  **15 days** before the meeting; owners' objections are answered **before** it; the meeting is held within
  **60 days** of the group's forming.
* **R-FIRST-4** (Art. 33): the first meeting adopts the covenant (管理规约) and the rules of procedure (议事规则) and
  elects the committee's members **and** alternates.
* **R-FIRST-5** (Art. 43): the elected committee files with the street office within **30 days** of its election.

Pure: dates and facts in, decisions out (no I/O).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.rules.errors import RuleViolation
from app.rules.publicity import NOTICE_DAYS

MEMBERS_PUBLICITY_DAYS = 7  # Art. 31: 「七日内」 the group's members are publicised
MEETING_LIMIT_DAYS = 60  # Art. 32: the first meeting within 60 days of the group's forming
FILING_DAYS = 30  # Art. 43: filed within 30 days of the election
FILING_REMINDER_DAYS = 7  # CHOICE: the organisers and the street office are reminded a week before the filing is due


class GroupConstituency(StrEnum):
    """Whom a preparatory-group member represents (Art. 31; seed 003 §二.3 on its owners' representatives)."""

    OWNER = "OWNER"  # 业主代表
    RESIDENTS_COMMITTEE = "RESIDENTS_COMMITTEE"  # 居委会: the head is its staff member (Art. 31)
    STREET_OFFICE = "STREET_OFFICE"  # 街道办事处 / 乡镇人民政府
    DEVELOPER = "DEVELOPER"  # 建设单位


class GroupCompositionInvalid(RuleViolation):
    code = "rules.preparatory_group_invalid"
    title = "Preparatory group composition not allowed"
    message_zh = (
        "筹备组成员 {members} 人，其中业主代表 {owners} 人，由居民委员会工作人员担任的组长 {heads} 人，不符合规定："
        "成员人数应为单数，业主代表不低于总人数的二分之一，组长一人由街道办事处指定的居民委员会工作人员担任"
        "（北京条例第三十一条）。"
    )
    message_en = (
        "A preparatory group of {members} members, {owners} of them owners' representatives, with {heads} head(s) "
        "from the residents' committee, is not allowed: the members are odd in number, owners' representatives at "
        "least half, and one head is the residents' committee staff member the street office appoints (Beijing "
        "Art. 31)."
    )


@dataclass(frozen=True, slots=True)
class GroupSeat:
    constituency: GroupConstituency
    is_head: bool


def check_group(seats: Sequence[GroupSeat]) -> None:
    """R-FIRST-1: an odd number of members, owners' representatives at least half, one head from the residents'
    committee (Art. 31 「筹备组成员人数应为单数，其中业主代表人数不低于筹备组总人数的二分之一」)."""
    total = len(seats)
    owners = sum(1 for seat in seats if seat.constituency is GroupConstituency.OWNER)
    heads = [seat for seat in seats if seat.is_head]
    proper_heads = sum(1 for seat in heads if seat.constituency is GroupConstituency.RESIDENTS_COMMITTEE)
    if total % 2 == 0 or 2 * owners < total or len(heads) != 1 or proper_heads != 1:
        raise GroupCompositionInvalid(
            members=total, owners=owners, heads=proper_heads if len(heads) == 1 else len(heads)
        )


def members_publicity_due(formed_on: date) -> date:
    """R-FIRST-1: the last day to publicise the group's members (Art. 31, 7 days, CC Art. 201: from the next day)."""
    return formed_on + timedelta(days=MEMBERS_PUBLICITY_DAYS)


def meeting_due(formed_on: date) -> date:
    """R-FIRST-3: the last day the first meeting may open (Art. 32: within 60 days of the group's forming)."""
    return formed_on + timedelta(days=MEETING_LIMIT_DAYS)


def publicity_due(formed_on: date) -> date:
    """R-FIRST-3 with R-LIFE-3: the last day to publish for a meeting opening on ``meeting_due``: 15 clear days."""
    return meeting_due(formed_on) - timedelta(days=NOTICE_DAYS)


def filing_due(elected_on: date) -> date:
    """R-FIRST-5: the last day to file the elected committee with the street office (Art. 43, 30 days)."""
    return elected_on + timedelta(days=FILING_DAYS)


class AgendaItem(StrEnum):
    """R-FIRST-4 (Art. 33): what the first meeting must decide."""

    MANAGEMENT_COVENANT = "MANAGEMENT_COVENANT"  # 管理规约
    RULES_OF_PROCEDURE = "RULES_OF_PROCEDURE"  # 议事规则, as a versioned document (R-PROC-1)
    COMMITTEE_MEMBERS = "COMMITTEE_MEMBERS"  # 业主委员会委员
    COMMITTEE_ALTERNATES = "COMMITTEE_ALTERNATES"  # 候补委员


AGENDA_ZH = {
    AgendaItem.MANAGEMENT_COVENANT: "通过管理规约",
    AgendaItem.RULES_OF_PROCEDURE: "通过业主大会议事规则",
    AgendaItem.COMMITTEE_MEMBERS: "选举业主委员会委员",
    AgendaItem.COMMITTEE_ALTERNATES: "选举业主委员会候补委员",
}


@dataclass(frozen=True, slots=True)
class AgendaTopic:
    """What the agenda check needs of one topic."""

    matters: frozenset[str]
    proposes_rules: bool  # a rules-of-procedure version is attached (R-PROC-1)
    member_seats: int = 0
    alternate_seats: int = 0


def missing_agenda(topics: Iterable[AgendaTopic]) -> list[AgendaItem]:
    """R-FIRST-4: the compulsory items no topic covers, in the order of Art. 33."""
    covered: set[AgendaItem] = set()
    for topic in topics:
        if AgendaItem.MANAGEMENT_COVENANT.value in topic.matters:
            covered.add(AgendaItem.MANAGEMENT_COVENANT)
        if AgendaItem.RULES_OF_PROCEDURE.value in topic.matters and topic.proposes_rules:
            covered.add(AgendaItem.RULES_OF_PROCEDURE)
        if topic.member_seats > 0:
            covered.add(AgendaItem.COMMITTEE_MEMBERS)
        if topic.alternate_seats > 0:
            covered.add(AgendaItem.COMMITTEE_ALTERNATES)
    return [item for item in AgendaItem if item not in covered]


class StepStatus(StrEnum):
    DONE = "DONE"
    DONE_LATE = "DONE_LATE"  # done, after its statutory day
    DUE = "DUE"  # not yet done; its day has not passed
    OVERDUE = "OVERDUE"  # not yet done; its day has passed
    WAITING = "WAITING"  # not yet possible: an earlier step is not done


def step_status(*, done_on: date | None, due_on: date | None, today: date, ready: bool = True) -> StepStatus:
    """A step's status on ``today``: done (late when after ``due_on``), or due / overdue, or waiting."""
    if done_on is not None:
        return StepStatus.DONE_LATE if due_on is not None and done_on > due_on else StepStatus.DONE
    if not ready:
        return StepStatus.WAITING
    return StepStatus.OVERDUE if due_on is not None and today > due_on else StepStatus.DUE


@dataclass(frozen=True, slots=True)
class FilingReminder:
    """R-FIRST-5: a reminder stage for the filing of a committee elected on ``elected_on``."""

    overdue: bool
    due_on: date

    @property
    def key(self) -> str:
        return "first_assembly_filing:" + ("overdue" if self.overdue else "due")


def filing_reminder(elected_on: date, today: date) -> FilingReminder | None:
    """The stage due today while the committee is not filed: a week before the day, then once overdue."""
    due_on = filing_due(elected_on)
    if today > due_on:
        return FilingReminder(True, due_on)
    if today >= due_on - timedelta(days=FILING_REMINDER_DAYS):
        return FilingReminder(False, due_on)
    return None
