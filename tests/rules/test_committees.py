"""R-COMM-1/2/5, R-CONV-2: committee size, term, majority, the 物管会's term reminders (``app.rules.committees``)."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules.committees import (
    CommitteeKind,
    CommitteeSizeInvalid,
    CommitteeTermInvalid,
    cannot_function,
    check_size,
    check_term,
    in_term,
    latest_term_end,
    max_term_years,
    pmc_term_reminder,
    signed_by_majority,
    term_basis,
    term_end,
)

OC, PMC = CommitteeKind.OWNERS_COMMITTEE, CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE


@pytest.mark.parametrize(
    ("seats", "alternates", "households", "allowed"),
    [
        (3, 0, 100, True),  # Beijing Art. 39: 一百户以下 may have three
        (3, 0, 101, False),
        (5, 5, 500, True),
        (5, 6, 500, False),  # alternates at most the members
        (4, 0, 50, False),  # odd
        (1, 0, 50, False),
        (7, 0, 500, True),
    ],
)
def test_owners_committee_size(seats, alternates, households, allowed):
    if allowed:
        check_size(OC, seats, alternates, households=households)
    else:
        with pytest.raises(CommitteeSizeInvalid):
            check_size(OC, seats, alternates, households=households)


@pytest.mark.parametrize(("seats", "allowed"), [(7, True), (9, True), (5, False), (8, False)])
def test_pmc_size_is_an_odd_number_of_at_least_seven(seats, allowed):
    if allowed:
        check_size(PMC, seats, 0, households=10)
    else:
        with pytest.raises(CommitteeSizeInvalid, match=r"Art\. 54"):
            check_size(PMC, seats, 0, households=10)


def test_terms_are_capped_at_five_and_three_years():
    assert max_term_years(OC) == 5
    assert max_term_years(PMC) == 3
    assert term_basis(OC) == "Beijing Art. 41"
    assert "seed 003" in term_basis(PMC)
    assert latest_term_end(PMC, date(2023, 1, 10)) == date(2026, 1, 10)
    assert latest_term_end(PMC, date(2024, 2, 29)) == date(2027, 2, 28)  # CC Art. 202: no corresponding day
    check_term(PMC, date(2023, 1, 10), date(2026, 1, 10))
    check_term(OC, date(2024, 6, 1), date(2029, 6, 1))
    for kind, ends_on in ((PMC, date(2026, 1, 11)), (OC, date(2029, 6, 2)), (OC, date(2024, 6, 1))):
        with pytest.raises(CommitteeTermInvalid):
            check_term(kind, date(2023, 1, 10) if kind is PMC else date(2024, 6, 1), ends_on)


def test_a_pmc_formed_2023_01_10_is_out_of_term_on_2026_01_11():
    """The test vector: in its fourth year, whatever end was recorded."""
    assert in_term(PMC, date(2023, 1, 10), date(2026, 1, 10), date(2026, 1, 10))
    assert not in_term(PMC, date(2023, 1, 10), date(2026, 1, 10), date(2026, 1, 11))
    assert term_end(PMC, date(2023, 1, 10), date(2027, 1, 1)) == date(2026, 1, 10)  # recorded before the cap
    assert not in_term(PMC, date(2023, 1, 10), date(2027, 1, 1), date(2026, 1, 11))
    assert not in_term(OC, date(2024, 6, 1), date(2029, 5, 31), date(2024, 5, 31))


def test_more_than_half_signs_and_half_does_not():
    assert not signed_by_majority(2, 4)
    assert not signed_by_majority(2, 5)
    assert signed_by_majority(3, 5)
    assert not signed_by_majority(3, 7)
    assert signed_by_majority(4, 7)


def test_a_committee_cannot_function_below_half_its_seats():
    assert cannot_function(3, 7)
    assert not cannot_function(4, 7)
    assert not cannot_function(3, 6)


@pytest.mark.parametrize(
    ("today", "stage"),
    [
        (date(2025, 7, 9), None),
        (date(2025, 7, 10), 6),
        (date(2025, 10, 9), 6),
        (date(2025, 10, 10), 3),
        (date(2025, 12, 10), 1),
        (date(2026, 1, 10), 1),
        (date(2026, 1, 11), 0),
    ],
)
def test_pmc_term_reminders_6_3_1_months_and_lapsed(today, stage):
    reminder = pmc_term_reminder(date(2026, 1, 10), today)
    if stage is None:
        assert reminder is None
    else:
        assert reminder is not None
        assert reminder.months_before == stage
        assert reminder.key == f"PMC_TERM:2026-01-10:{stage}"
