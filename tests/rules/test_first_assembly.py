"""R-FIRST-1/3/4/5: the preparatory group, the statutory days, the compulsory agenda (``app.rules.first_assembly``)."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules.first_assembly import (
    AgendaItem,
    AgendaTopic,
    GroupCompositionInvalid,
    GroupConstituency,
    GroupSeat,
    StepStatus,
    check_group,
    filing_due,
    filing_reminder,
    meeting_due,
    members_publicity_due,
    missing_agenda,
    publicity_due,
    step_status,
)

OWNER, RC, SO, DEV = (
    GroupConstituency.OWNER,
    GroupConstituency.RESIDENTS_COMMITTEE,
    GroupConstituency.STREET_OFFICE,
    GroupConstituency.DEVELOPER,
)


def seats(*constituencies: GroupConstituency, head: int = 0) -> list[GroupSeat]:
    return [GroupSeat(c, index == head) for index, c in enumerate(constituencies)]


@pytest.mark.parametrize(
    ("group", "allowed"),
    [
        (seats(RC, OWNER, OWNER), True),
        (seats(RC, DEV, OWNER, OWNER, OWNER), True),  # Art. 31: owners at least half (3 of 5)
        (seats(RC, SO, DEV, OWNER, OWNER), False),  # 2 of 5 owners
        (seats(RC, OWNER, OWNER, OWNER), False),  # 4: not odd
        (seats(DEV, OWNER, OWNER), False),  # the head is the residents' committee's staff member
        ([GroupSeat(RC, False), GroupSeat(OWNER, False), GroupSeat(OWNER, False)], False),  # no head
        ([GroupSeat(RC, True), GroupSeat(RC, True), GroupSeat(OWNER, False)], False),  # two heads, 1 owner of 3
        ([GroupSeat(RC, True), GroupSeat(OWNER, True), GroupSeat(OWNER, False)], False),  # two heads
    ],
)
def test_preparatory_group_composition(group, allowed):
    if allowed:
        check_group(group)
    else:
        with pytest.raises(GroupCompositionInvalid) as refused:
            check_group(group)
        assert refused.value.params["members"] == len(group)


def test_statutory_days_from_the_forming_and_the_election():
    formed = date(2025, 2, 20)
    assert members_publicity_due(formed) == date(2025, 2, 27)  # Art. 31: 7 days
    assert meeting_due(formed) == date(2025, 4, 21)  # Art. 32: 60 days
    assert publicity_due(formed) == date(2025, 4, 5)  # R-LIFE-3: 15 clear days before 04-21
    assert filing_due(date(2025, 3, 24)) == date(2025, 4, 23)  # Art. 43: 30 days


def test_the_compulsory_agenda_names_what_is_missing():
    covenant = AgendaTopic(frozenset({"MANAGEMENT_COVENANT"}), proposes_rules=False)
    rules = AgendaTopic(frozenset({"RULES_OF_PROCEDURE"}), proposes_rules=True)
    rules_without_version = AgendaTopic(frozenset({"RULES_OF_PROCEDURE"}), proposes_rules=False)
    full_election = AgendaTopic(frozenset({"ELECT_COMMITTEE"}), False, member_seats=5, alternate_seats=2)
    members_only = AgendaTopic(frozenset({"ELECT_COMMITTEE"}), False, member_seats=5)
    assert missing_agenda([covenant, rules, full_election]) == []
    assert missing_agenda([rules, full_election]) == [AgendaItem.MANAGEMENT_COVENANT]
    assert missing_agenda([covenant, rules_without_version, members_only]) == [
        AgendaItem.RULES_OF_PROCEDURE,
        AgendaItem.COMMITTEE_ALTERNATES,
    ]
    assert missing_agenda([]) == list(AgendaItem)


@pytest.mark.parametrize(
    ("done_on", "due_on", "today", "ready", "status"),
    [
        (date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 9), True, StepStatus.DONE),
        (date(2025, 3, 3), date(2025, 3, 2), date(2025, 3, 9), True, StepStatus.DONE_LATE),
        (date(2025, 3, 3), None, date(2025, 3, 9), True, StepStatus.DONE),
        (None, date(2025, 3, 2), date(2025, 3, 2), True, StepStatus.DUE),
        (None, date(2025, 3, 2), date(2025, 3, 3), True, StepStatus.OVERDUE),
        (None, None, date(2025, 3, 3), True, StepStatus.DUE),
        (None, date(2025, 3, 2), date(2025, 3, 3), False, StepStatus.WAITING),
    ],
)
def test_step_status(done_on, due_on, today, ready, status):
    assert step_status(done_on=done_on, due_on=due_on, today=today, ready=ready) is status


def test_filing_reminders_a_week_before_and_once_overdue():
    elected = date(2025, 3, 24)  # due 2025-04-23
    assert filing_reminder(elected, date(2025, 4, 15)) is None
    due = filing_reminder(elected, date(2025, 4, 16))
    assert due is not None
    assert (due.overdue, due.due_on, due.key) == (False, date(2025, 4, 23), "first_assembly_filing:due")
    assert filing_reminder(elected, date(2025, 4, 23)) == due
    overdue = filing_reminder(elected, date(2025, 4, 24))
    assert overdue is not None
    assert (overdue.overdue, overdue.key) == (True, "first_assembly_filing:overdue")
