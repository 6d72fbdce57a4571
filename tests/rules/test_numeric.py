"""Exact threshold arithmetic and display formatting (R-NUM-1..5)."""

from __future__ import annotations

import pytest

from app.rules.numeric import HALF, MORE_THAN_HALF, THREE_QUARTERS, TWO_THIRDS, Threshold, area_display, percent_display


@pytest.mark.parametrize(("num", "den"), [(1, 0), (-1, 2), (3, 2), (0, -1)])
def test_r_num_3_threshold_must_be_a_proper_fraction(num, den):
    with pytest.raises(ValueError, match="threshold"):
        Threshold(num, den, strict=False)


@pytest.mark.parametrize(
    ("stricter", "looser", "expected"),
    [
        (THREE_QUARTERS, TWO_THIRDS, True),
        (TWO_THIRDS, THREE_QUARTERS, False),
        (MORE_THAN_HALF, HALF, True),  # same fraction: "more than" is stricter than "at least"
        (HALF, MORE_THAN_HALF, False),
        (HALF, HALF, True),
        (MORE_THAN_HALF, MORE_THAN_HALF, True),
    ],
)
def test_r_cat_4_strictness_order(stricter, looser, expected):
    assert stricter.at_least_as_strict_as(looser) is expected


def test_r_num_5_zero_whole_never_meets():
    assert not Threshold(0, 1, strict=False).met(0, 0)


def test_formula_and_symbol():
    assert TWO_THIRDS.formula == "3*part >= 2*whole"
    assert MORE_THAN_HALF.formula == "2*part > 1*whole"
    assert TWO_THIRDS.symbol == "≥ 2/3"
    assert MORE_THAN_HALF.symbol == "> 1/2"


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(2, 3, "66.67%"), (1, 8, "12.50%"), (1, 20000, "0.01%"), (1, 40000, "0.00%"), (0, 5, "0.00%"), (5, 5, "100.00%"),
     (1, 0, "-"), (-1, 3, "-33.33%")],
)  # fmt: skip
def test_r_num_4_percent_display_rounds_half_up(part, whole, shown):
    assert percent_display(part, whole) == shown


@pytest.mark.parametrize(("units", "shown"), [(7550, "75.50"), (1, "0.01"), (0, "0.00"), (-105, "-1.05")])
def test_area_display(units, shown):
    assert area_display(units) == shown
