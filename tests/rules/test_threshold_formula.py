"""One rendering of a threshold's cross-multiplication for every piece of evidence (``threshold_formula``).

The strings are those already in signed results and logged petition entries; they must not change.
"""

from __future__ import annotations

import pytest

from app.rules.categories import Category, statutory_rule
from app.rules.numeric import HALF, MORE_THAN_HALF, ONE_FIFTH, ONE_TWENTIETH, TWO_THIRDS, Threshold, threshold_formula


@pytest.mark.parametrize(
    ("threshold", "part", "whole", "relation"),
    [
        (TWO_THIRDS, 2, 3, ">="),
        (TWO_THIRDS, 1, 3, "<"),
        (MORE_THAN_HALF, 2, 3, ">"),
        (MORE_THAN_HALF, 1, 2, "<="),
    ],
)
def test_relation_is_the_true_one_between_the_products(threshold, part, whole, relation):
    assert threshold.relation(part, whole) == relation


def test_products_layout_of_yes_no_and_option_results():
    assert threshold_formula(TWO_THIRDS, 77550, 90000) == "3*77550=232650 >= 2*90000=180000"
    assert threshold_formula(TWO_THIRDS, 54000, 90000) == "3*54000=162000 < 2*90000=180000"
    assert threshold_formula(MORE_THAN_HALF, 0, 0) == "2*0=0 <= 1*0=0: zero base, not met (R-NUM-5)"
    assert threshold_formula(TWO_THIRDS, 0, 0) == "3*0=0 >= 2*0=0: zero base, not met (R-NUM-5)"


def test_named_layout_of_elections_and_petitions():
    assert (
        threshold_formula(TWO_THIRDS, 20, 30, names=("part_heads", "total_heads"))
        == "3*part_heads >= 2*total_heads: 3*20 = 60 >= 2*30 = 60"
    )
    assert (
        threshold_formula(MORE_THAN_HALF, 5, 10, names=("agree_heads", "part_heads"))
        == "2*agree_heads > part_heads: 2*5 = 10 <= 10"
    )
    assert (
        threshold_formula(ONE_TWENTIETH, 3, 40, names=("applicant_heads", "total_heads"))
        == "20*applicant_heads >= total_heads: 20*3 = 60 >= 40"
    )
    assert (
        threshold_formula(ONE_FIFTH, 1, 40, names=("petitioning_heads", "total_heads"))
        == "5*petitioning_heads >= total_heads: 5*1 = 5 < 40"
    )
    assert (
        threshold_formula(HALF, 0, 0, names=("delivered_area", "total_area"))
        == "2*delivered_area >= total_area: 2*0 = 0 >= 0"
    )
    assert (
        threshold_formula(Threshold(3, 4, strict=True), 3, 4, names=("agree_area", "part_area"))
        == "4*agree_area > 3*part_area: 4*3 = 12 <= 3*4 = 12"
    )


def test_a_threshold_as_documents_hold_it():
    assert TWO_THIRDS.to_dict() == {"num": 2, "den": 3, "strict": False}
    assert Threshold.from_dict({"num": "1", "den": 2, "strict": 1}) == MORE_THAN_HALF
    assert Threshold.from_dict(ONE_FIFTH.to_dict()) == ONE_FIFTH
    rule = statutory_rule(Category.SPECIAL).to_dict()
    assert rule["approval"] == {"num": 3, "den": 4, "strict": False, "symbol": "≥ 3/4"}
