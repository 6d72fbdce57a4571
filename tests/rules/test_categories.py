"""R-CAT-1..4 and R-BAN-3/4: the category of a topic and the counting rule it may be given."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.rules.categories import (
    MATTERS,
    Category,
    CountingRule,
    MatterItem,
    category_for,
    community_rule,
    is_one_decision,
    statutory_rule,
    whole_area_matters,
)
from app.rules.errors import (
    InvalidOptionAnswer,
    InvalidOptions,
    NotAMajorityVote,
    ThresholdTooLoose,
    TopicWithoutMatter,
    UnknownOption,
)
from app.rules.numeric import HALF, MORE_THAN_HALF, THREE_QUARTERS, TWO_THIRDS, Threshold

M = MatterItem
ORDINARY, SPECIAL, NOT_A_VOTE = Category.ORDINARY, Category.SPECIAL, Category.NOT_A_MAJORITY_VOTE

# R-CAT-2, row by row from RULES.md Part II §G.
R_CAT_2 = [
    (M.RULES_OF_PROCEDURE, "34(1)(1)", "278(1)(1)", ORDINARY),
    (M.MANAGEMENT_COVENANT, "34(1)(1)", "278(1)(2)", ORDINARY),
    (M.ELECT_COMMITTEE, "34(1)(2)", "278(1)(3)", ORDINARY),
    (M.SERVICE_TERMS, "34(1)(3)", "278(1)(9)", ORDINARY),
    (M.HIRE_DISMISS_PROVIDER, "34(1)(4)", "278(1)(4)", ORDINARY),
    (M.FUND_RAISE, "34(1)(5)", "278(1)(6)", SPECIAL),
    (M.FUND_USE, "34(1)(5)", "278(1)(5)", ORDINARY),
    (M.FUND_MANAGE, "34(1)(5)", "278(1)(9)", ORDINARY),
    (M.REBUILD, "34(1)(6)", "278(1)(7)", SPECIAL),
    (M.COMMON_PARTS_BUSINESS_USE, "34(1)(7)", "278(1)(8)", SPECIAL),
    (M.COMMON_INCOME, "34(1)(7)", "278(1)(9)", ORDINARY),
    (M.CHANGE_USE_COMMON_PARTS, None, "278(1)(8)", SPECIAL),
    (M.DISPOSE_COMMON_PARTS, None, "278(1)(9)", ORDINARY),
    (M.COMMITTEE_ALLOWANCE_AUDIT, "34(1)(8)", "278(1)(9)", ORDINARY),
    (M.OVERRIDE_COMMITTEE_RESOLUTION, "34(1)(9)", "278(1)(9)", ORDINARY),
    (M.OTHER_MAJOR_MATTER, "34(1)(10)", "278(1)(9)", ORDINARY),
    (M.HOME_TO_BUSINESS, None, "279", NOT_A_VOTE),
]


@pytest.mark.parametrize(("item", "beijing", "civil_code", "category"), R_CAT_2, ids=[r[0].value for r in R_CAT_2])
def test_r_cat_2_mapping(item, beijing, civil_code, category):
    matter = MATTERS[item]
    assert (matter.beijing, matter.civil_code, matter.category) == (beijing, civil_code, category)
    assert category_for([item]) is category


def test_r_cat_2_every_matter_is_mapped():
    assert set(MATTERS) == set(MatterItem) == {row[0] for row in R_CAT_2}


def test_r_cat_1_special_matters_are_cc_278_items_6_to_8():
    special = {m.civil_code for m in MATTERS.values() if m.category is SPECIAL}
    assert special == {"278(1)(6)", "278(1)(7)", "278(1)(8)"}


@pytest.mark.parametrize(
    ("matters", "expected"),
    [
        pytest.param([M.FUND_USE, M.FUND_MANAGE], ORDINARY, id="R-CAT-3-ordinary-only"),
        pytest.param([M.FUND_RAISE, M.FUND_USE], SPECIAL, id="R-CAT-3-raise-and-use"),
        pytest.param([M.FUND_USE, M.FUND_RAISE], SPECIAL, id="R-CAT-3-order-irrelevant"),
        pytest.param([M.DISPOSE_COMMON_PARTS, M.CHANGE_USE_COMMON_PARTS], SPECIAL, id="R-CAT-2-disposal-change-use"),
        pytest.param([M.DISPOSE_COMMON_PARTS, M.COMMON_PARTS_BUSINESS_USE], SPECIAL, id="R-CAT-2-disposal-business"),
        pytest.param([M.REBUILD, M.HOME_TO_BUSINESS], NOT_A_VOTE, id="R-BAN-3-outranks-special"),
        pytest.param(iter([M.ELECT_COMMITTEE]), ORDINARY, id="R-CAT-3-any-iterable"),
    ],
)
def test_r_cat_3_stricter_wins(matters, expected):
    assert category_for(matters) is expected


def test_r_cat_1_topic_without_matter_is_refused():
    with pytest.raises(TopicWithoutMatter) as caught:
        category_for([])
    assert caught.value.code == "rules.topic_without_matter"
    assert caught.value.status == 422


@pytest.mark.parametrize(
    ("category", "approval"),
    [
        pytest.param(ORDINARY, MORE_THAN_HALF, id="ordinary"),
        pytest.param(SPECIAL, THREE_QUARTERS, id="special"),
    ],
)
def test_r_cat_1_statutory_rule(category, approval):
    assert statutory_rule(category) == CountingRule(category, TWO_THIRDS, approval)


@pytest.mark.parametrize("build", [statutory_rule, community_rule], ids=["statutory", "community"])
def test_r_ban_3_not_a_majority_vote_has_no_rule(build):
    with pytest.raises(NotAMajorityVote) as caught:
        build(NOT_A_VOTE)
    assert caught.value.code == "rules.not_a_majority_vote"
    assert caught.value.status == 422


STRICTER = [
    pytest.param(ORDINARY, None, None, id="R-CAT-4-defaults-are-statutory"),
    pytest.param(ORDINARY, Threshold(3, 4, strict=False), None, id="R-CAT-4-quorum-3/4"),
    pytest.param(ORDINARY, Threshold(2, 3, strict=True), None, id="R-CAT-4-quorum-strict-2/3"),
    pytest.param(ORDINARY, None, TWO_THIRDS, id="R-CAT-4-ordinary-approval-2/3"),
    pytest.param(ORDINARY, None, Threshold(51, 100, strict=False), id="R-CAT-4-ordinary-approval-51%"),
    pytest.param(SPECIAL, None, Threshold(4, 5, strict=False), id="R-CAT-4-special-approval-4/5"),
    pytest.param(SPECIAL, None, Threshold(3, 4, strict=True), id="R-CAT-4-special-approval-strict-3/4"),
    pytest.param(SPECIAL, Threshold(1, 1, strict=False), Threshold(1, 1, strict=False), id="R-CAT-4-unanimity"),
]


@pytest.mark.parametrize(("category", "quorum", "approval"), STRICTER)
def test_r_cat_4_stricter_community_rule_is_accepted(category, quorum, approval):
    rule = community_rule(category, quorum=quorum, approval=approval)
    statutory = statutory_rule(category)
    assert rule.category is category
    assert rule.quorum == (quorum or statutory.quorum)
    assert rule.approval == (approval or statutory.approval)


LOOSER = [
    pytest.param(ORDINARY, Threshold(3, 5, strict=False), None, "quorum", "≥ 3/5", "≥ 2/3", id="R-CAT-4-quorum-3/5"),
    pytest.param(ORDINARY, HALF, None, "quorum", "≥ 1/2", "≥ 2/3", id="R-CAT-4-quorum-half"),
    pytest.param(ORDINARY, None, HALF, "approval", "≥ 1/2", "> 1/2", id="R-CAT-4-ordinary-at-least-half"),
    pytest.param(SPECIAL, None, MORE_THAN_HALF, "approval", "> 1/2", "≥ 3/4", id="R-CAT-4-special-more-than-half"),
    pytest.param(SPECIAL, None, TWO_THIRDS, "approval", "≥ 2/3", "≥ 3/4", id="R-CAT-4-special-2/3"),
    pytest.param(
        SPECIAL,
        TWO_THIRDS,
        Threshold(74, 100, strict=True),
        "approval",
        "> 74/100",
        "≥ 3/4",
        id="R-CAT-4-special-74%",
    ),
]


@pytest.mark.parametrize(("category", "quorum", "approval", "measure", "configured", "minimum"), LOOSER)
def test_r_ban_4_looser_community_rule_is_refused(category, quorum, approval, measure, configured, minimum):
    with pytest.raises(ThresholdTooLoose) as caught:
        community_rule(category, quorum=quorum, approval=approval)
    error = caught.value
    assert (error.code, error.status) == ("rules.threshold_too_loose", 422)
    assert error.params == {"measure": measure, "configured": configured, "minimum": minimum}
    assert configured in error.message("zh")
    assert minimum in error.message("en")


def test_counting_rule_to_dict():
    assert statutory_rule(SPECIAL).to_dict() == {
        "category": "SPECIAL",
        "quorum": {"num": 2, "den": 3, "strict": False, "symbol": "≥ 2/3"},
        "approval": {"num": 3, "den": 4, "strict": False, "symbol": "≥ 3/4"},
    }


MY_ERRORS = [
    TopicWithoutMatter,
    NotAMajorityVote,
    ThresholdTooLoose,
    InvalidOptions,
    UnknownOption,
    InvalidOptionAnswer,
]


@pytest.mark.parametrize("error", MY_ERRORS, ids=lambda e: e.code)
def test_errors_are_registered_422_with_matching_placeholders(error):
    assert DomainError.registry[error.code] is error
    assert error.status == 422
    assert error.code.startswith("rules.")
    assert error.placeholders("zh") == error.placeholders("en")


# --- R-CAT-5: one topic, one decision; R-ROLL-4: which matters a narrower scope may decide ---


@pytest.mark.parametrize(
    ("matters", "one"),
    [
        pytest.param([], True, id="no-matter"),
        pytest.param([M.FUND_RAISE], True, id="one-matter"),
        pytest.param([M.FUND_RAISE, M.FUND_RAISE], True, id="one-matter-twice"),
        pytest.param([M.HIRE_DISMISS_PROVIDER, M.SERVICE_TERMS], True, id="provider-and-its-terms"),
        pytest.param(
            [M.DISPOSE_COMMON_PARTS, M.CHANGE_USE_COMMON_PARTS, M.COMMON_PARTS_BUSINESS_USE],
            True,
            id="disposal-with-change-of-use",
        ),
        pytest.param([M.COMMON_PARTS_BUSINESS_USE, M.COMMON_INCOME], True, id="business-use-and-its-income"),
        pytest.param([M.REBUILD, M.FUND_USE], True, id="rebuild-paid-from-the-fund"),
        pytest.param([M.HIRE_DISMISS_PROVIDER, M.FUND_RAISE], False, id="provider-with-fund-raise"),
        pytest.param([M.MANAGEMENT_COVENANT, M.ELECT_COMMITTEE], False, id="covenant-with-election"),
        pytest.param([M.REBUILD, M.FUND_USE, M.COMMON_INCOME], False, id="one-set-plus-another-matter"),
    ],
)
def test_is_one_decision_r_cat_5(matters, one):
    assert is_one_decision(matters) is one


def test_whole_area_matters_r_roll_4():
    assert whole_area_matters([M.FUND_USE, M.FUND_RAISE, M.REBUILD]) == []
    assert whole_area_matters([M.FUND_USE, M.ELECT_COMMITTEE, M.REBUILD, M.SERVICE_TERMS]) == [
        M.ELECT_COMMITTEE,
        M.SERVICE_TERMS,
    ]
