"""R-TALLY-2..6, 10 and R-NUM-3..5: table-driven tally tests, RULES.md §P vectors T1–T6 and boundaries."""

from __future__ import annotations

import json

import pytest

from app.rules.categories import Category, CountingRule, community_rule, statutory_rule
from app.rules.choices import Choice, Outcome
from app.rules.counts import Weight
from app.rules.numeric import MORE_THAN_HALF, THREE_QUARTERS, TWO_THIRDS
from app.rules.tally import Check, TopicCounts, count_ballots, decide, reason_in_m2

AGREE, OPPOSE, ABSTAIN, SPOILED = Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN, Choice.SPOILED
ORDINARY = statutory_rule(Category.ORDINARY)
SPECIAL = statutory_rule(Category.SPECIAL)
ORDINARY_TWO_THIRDS = community_rule(Category.ORDINARY, approval=TWO_THIRDS)

# RULES.md §P community roll, one head per voter group, areas in 0.01 m².
ROLL_P = {
    "A": Weight(1, 18000),
    "BC": Weight(1, 12000),
    "D": Weight(1, 9000),
    "E": Weight(1, 9000),
    "Fco": Weight(1, 6000),
    "DEV": Weight(1, 22000),
    "H": Weight(1, 7550),
    "B": Weight(1, 6450),
}


def equal_roll(groups: int, area: int = 10000) -> dict[str, Weight]:
    return {f"G{i}": Weight(1, area) for i in range(groups)}


def tally(roll: dict[str, Weight], answers: dict[str, Choice], rule: CountingRule):
    total = Weight.sum(roll.values())
    return decide(count_ballots([(roll[group], choice) for group, choice in answers.items()], total), rule)


def test_section_p_roll_totals():
    assert Weight.sum(ROLL_P.values()) == Weight(8, 90000)


T1 = {"A": AGREE, "BC": AGREE, "D": OPPOSE, "E": ABSTAIN, "DEV": AGREE, "H": AGREE}
T1_QUORUM = [("3*77550=232650 >= 2*90000=180000", True), ("3*6=18 >= 2*8=16", True)]

# Columns: answers, rule, outcome, participating, agree, then each formula with whether it is met,
# in order quorum area, quorum heads, approval area, approval heads.
VECTORS = [
    pytest.param(
        T1,
        ORDINARY,
        Outcome.PASSED,
        Weight(6, 77550),
        Weight(4, 59550),
        [*T1_QUORUM, ("2*59550=119100 > 1*77550=77550", True), ("2*4=8 > 1*6=6", True)],
        id="T1-ordinary-passed",
    ),
    pytest.param(
        T1,
        SPECIAL,
        Outcome.REJECTED,
        Weight(6, 77550),
        Weight(4, 59550),
        [*T1_QUORUM, ("4*59550=238200 >= 3*77550=232650", True), ("4*4=16 < 3*6=18", False)],
        id="T1-special-rejected-by-heads",
    ),
    pytest.param(
        {**T1, "DEV": OPPOSE},
        ORDINARY,
        Outcome.REJECTED,
        Weight(6, 77550),
        Weight(3, 37550),
        [*T1_QUORUM, ("2*37550=75100 <= 1*77550=77550", False), ("2*3=6 <= 1*6=6", False)],
        id="T2-exactly-half-is-not-guobanshu",
    ),
    pytest.param(
        {"A": AGREE, "BC": AGREE, "D": AGREE, "Fco": AGREE, "E": ABSTAIN},
        ORDINARY,
        Outcome.NO_QUORUM,
        Weight(5, 54000),
        Weight(4, 45000),
        [
            ("3*54000=162000 < 2*90000=180000", False),
            ("3*5=15 < 2*8=16", False),
            ("2*45000=90000 > 1*54000=54000", True),
            ("2*4=8 > 1*5=5", True),
        ],
        id="T3-no-quorum-despite-agreement",
    ),
    pytest.param(
        {
            "DEV": OPPOSE,
            "A": OPPOSE,
            "BC": OPPOSE,
            "D": AGREE,
            "E": AGREE,
            "H": AGREE,
            "B": AGREE,
            "Fco": AGREE,
        },
        ORDINARY,
        Outcome.REJECTED,
        Weight(8, 90000),
        Weight(5, 38000),
        [
            ("3*90000=270000 >= 2*90000=180000", True),
            ("3*8=24 >= 2*8=16", True),
            ("2*38000=76000 <= 1*90000=90000", False),
            ("2*5=10 > 1*8=8", True),
        ],
        id="T4-rejected-by-area-alone",
    ),
]


@pytest.mark.parametrize(("answers", "rule", "outcome", "participating", "agree", "checks"), VECTORS)
def test_section_p_vectors(answers, rule, outcome, participating, agree, checks):
    result = tally(ROLL_P, answers, rule)
    assert result.outcome is outcome
    assert result.counts.participating == participating
    assert result.counts.agree == agree
    assert [(c.formula, c.met) for c in (*result.quorum_checks, *result.approval_checks)] == checks


# T5 and T6 use their own rolls of equal areas; (roll, answers, rule, outcome, formula that must hold or fail)
BOUNDARY_VECTORS = [
    pytest.param(
        equal_roll(3),
        {"G0": AGREE, "G1": AGREE},
        ORDINARY,
        Outcome.PASSED,
        [("3*2=6 >= 2*3=6", True), ("3*20000=60000 >= 2*30000=60000", True)],
        id="T5-quorum-at-exactly-2/3-is-met",
    ),
    pytest.param(
        equal_roll(4),
        {"G0": AGREE, "G1": AGREE, "G2": AGREE, "G3": OPPOSE},
        SPECIAL,
        Outcome.PASSED,
        [("4*3=12 >= 3*4=12", True), ("4*30000=120000 >= 3*40000=120000", True)],
        id="T5-special-at-exactly-3/4-passes",
    ),
    pytest.param(
        equal_roll(8),
        {**dict.fromkeys(["G0", "G1", "G2", "G3"], AGREE), **dict.fromkeys(["G4", "G5", "G6", "G7"], OPPOSE)},
        ORDINARY,
        Outcome.REJECTED,
        [("2*4=8 <= 1*8=8", False)],
        id="T6-8-participants-4-agree-fails",
    ),
    pytest.param(
        equal_roll(9),
        dict.fromkeys([f"G{i}" for i in range(6)], AGREE),
        ORDINARY,
        Outcome.PASSED,
        [("3*6=18 >= 2*9=18", True)],
        id="T6-two-thirds-of-9-is-6",
    ),
    pytest.param(
        equal_roll(8),
        {
            **dict.fromkeys(["G0", "G1", "G2", "G3"], AGREE),
            **dict.fromkeys(["G4", "G5", "G6", "G7"], ABSTAIN),
        },
        ORDINARY,
        Outcome.REJECTED,
        [("2*4=8 <= 1*8=8", False), ("2*40000=80000 <= 1*80000=80000", False)],
        id="T6-abstentions-stay-in-denominator",
    ),
]


@pytest.mark.parametrize(("roll", "answers", "rule", "outcome", "checks"), BOUNDARY_VECTORS)
def test_section_p_boundary_vectors(roll, answers, rule, outcome, checks):
    result = tally(roll, answers, rule)
    assert result.outcome is outcome
    evaluated = {c.formula: c.met for c in (*result.quorum_checks, *result.approval_checks)}
    for formula, met in checks:
        assert evaluated[formula] is met


def counts(total, agree=(0, 0), oppose=(0, 0), abstain=(0, 0), spoiled=(0, 0)) -> TopicCounts:
    return TopicCounts(Weight(*total), Weight(*agree), Weight(*oppose), Weight(*abstain), Weight(*spoiled))


# One unit either side of each threshold, on one measure at a time while the other passes comfortably.
BOUNDARIES = [
    # R-TALLY-3 quorum ≥ 2/3 on heads (area 81000/90000 participating, everyone agrees)
    pytest.param(counts((9, 90000), agree=(5, 81000)), ORDINARY, Outcome.NO_QUORUM, id="R-TALLY-3-heads-5/9"),
    pytest.param(counts((9, 90000), agree=(6, 81000)), ORDINARY, Outcome.PASSED, id="R-TALLY-3-heads-6/9"),
    pytest.param(counts((9, 90000), agree=(7, 81000)), ORDINARY, Outcome.PASSED, id="R-TALLY-3-heads-7/9"),
    # R-TALLY-3 quorum ≥ 2/3 on area (all 9 heads participate)
    pytest.param(counts((9, 90000), agree=(9, 59999)), ORDINARY, Outcome.NO_QUORUM, id="R-TALLY-3-area-59999"),
    pytest.param(counts((9, 90000), agree=(9, 60000)), ORDINARY, Outcome.PASSED, id="R-TALLY-3-area-60000"),
    pytest.param(counts((9, 90000), agree=(9, 60001)), ORDINARY, Outcome.PASSED, id="R-TALLY-3-area-60001"),
    # R-TALLY-3 counts abstentions for the quorum: 6/9 heads only with the abstainer
    pytest.param(
        counts((9, 90000), agree=(5, 70000), abstain=(1, 1000)),
        ORDINARY,
        Outcome.PASSED,
        id="R-TALLY-5-quorum",
    ),
    # R-CAT-1 ORDINARY > 1/2 on heads (agree area 80000/100000)
    pytest.param(counts((10, 100000), (4, 80000), (6, 20000)), ORDINARY, Outcome.REJECTED, id="R-CAT-1-heads-4/10"),
    pytest.param(counts((10, 100000), (5, 80000), (5, 20000)), ORDINARY, Outcome.REJECTED, id="R-CAT-1-heads-5/10"),
    pytest.param(counts((10, 100000), (6, 80000), (4, 20000)), ORDINARY, Outcome.PASSED, id="R-CAT-1-heads-6/10"),
    # R-CAT-1 ORDINARY > 1/2 on area (agree heads 8/10)
    pytest.param(counts((10, 100000), (8, 49999), (2, 50001)), ORDINARY, Outcome.REJECTED, id="R-CAT-1-area-49999"),
    pytest.param(counts((10, 100000), (8, 50000), (2, 50000)), ORDINARY, Outcome.REJECTED, id="R-CAT-1-area-50000"),
    pytest.param(counts((10, 100000), (8, 50001), (2, 49999)), ORDINARY, Outcome.PASSED, id="R-CAT-1-area-50001"),
    # R-CAT-1 SPECIAL ≥ 3/4 on heads (agree area 90000/100000)
    pytest.param(
        counts((8, 100000), (5, 90000), (3, 10000)), SPECIAL, Outcome.REJECTED, id="R-CAT-1-special-heads-5/8"
    ),
    pytest.param(counts((8, 100000), (6, 90000), (2, 10000)), SPECIAL, Outcome.PASSED, id="R-CAT-1-special-heads-6/8"),
    pytest.param(counts((8, 100000), (7, 90000), (1, 10000)), SPECIAL, Outcome.PASSED, id="R-CAT-1-special-heads-7/8"),
    # R-CAT-1 SPECIAL ≥ 3/4 on area (agree heads 9/10)
    pytest.param(counts((10, 100000), (9, 74999), (1, 25001)), SPECIAL, Outcome.REJECTED, id="R-CAT-1-special-74999"),
    pytest.param(counts((10, 100000), (9, 75000), (1, 25000)), SPECIAL, Outcome.PASSED, id="R-CAT-1-special-75000"),
    pytest.param(counts((10, 100000), (9, 75001), (1, 24999)), SPECIAL, Outcome.PASSED, id="R-CAT-1-special-75001"),
    # R-CAT-4 community approval ≥ 2/3 on heads (agree area 80000/90000), then on area (agree heads 8/9)
    pytest.param(counts((9, 90000), (5, 80000), (4, 10000)), ORDINARY_TWO_THIRDS, Outcome.REJECTED, id="R-CAT-4-5/9"),
    pytest.param(counts((9, 90000), (6, 80000), (3, 10000)), ORDINARY_TWO_THIRDS, Outcome.PASSED, id="R-CAT-4-6/9"),
    pytest.param(counts((9, 90000), (7, 80000), (2, 10000)), ORDINARY_TWO_THIRDS, Outcome.PASSED, id="R-CAT-4-7/9"),
    pytest.param(counts((9, 90000), (8, 59999), (1, 30001)), ORDINARY_TWO_THIRDS, Outcome.REJECTED, id="R-CAT-4-59999"),
    pytest.param(counts((9, 90000), (8, 60000), (1, 30000)), ORDINARY_TWO_THIRDS, Outcome.PASSED, id="R-CAT-4-60000"),
    pytest.param(counts((9, 90000), (8, 60001), (1, 29999)), ORDINARY_TWO_THIRDS, Outcome.PASSED, id="R-CAT-4-60001"),
    # R-TALLY-5 / R-TALLY-6: abstaining and spoiled take part but do not agree
    pytest.param(counts((3, 30000), agree=(1, 10000), abstain=(1, 10000)), ORDINARY, Outcome.REJECTED, id="R-TALLY-5"),
    pytest.param(counts((3, 30000), agree=(1, 10000), spoiled=(1, 10000)), ORDINARY, Outcome.REJECTED, id="R-TALLY-6"),
    # R-NUM-5: zero participants, zero totals, and a zero area base with heads present
    pytest.param(counts((8, 90000)), ORDINARY, Outcome.NO_QUORUM, id="R-NUM-5-zero-participants"),
    pytest.param(counts((0, 0)), ORDINARY, Outcome.NO_QUORUM, id="R-NUM-5-zero-totals"),
    pytest.param(counts((3, 0), agree=(3, 0)), ORDINARY, Outcome.NO_QUORUM, id="R-NUM-5-zero-total-area"),
    pytest.param(counts((0, 30000), agree=(0, 30000)), ORDINARY, Outcome.NO_QUORUM, id="R-NUM-5-zero-total-heads"),
]


@pytest.mark.parametrize(("topic_counts", "rule", "outcome"), BOUNDARIES)
def test_boundaries(topic_counts, rule, outcome):
    result = decide(topic_counts, rule)
    assert result.outcome is outcome
    assert result.quorum_met is (outcome is not Outcome.NO_QUORUM)
    if outcome is not Outcome.NO_QUORUM:
        assert result.approval_met is (outcome is Outcome.PASSED)


def test_r_num_5_zero_participants_evidence():
    result = decide(counts((8, 90000)), ORDINARY)
    assert not result.approval_met
    assert [c.formula for c in result.approval_checks] == [
        "2*0=0 <= 1*0=0: zero base, not met (R-NUM-5)",
        "2*0=0 <= 1*0=0: zero base, not met (R-NUM-5)",
    ]
    shares = result.to_dict()["shares"]
    assert shares["agree"]["of_participants"] == {"heads": "-", "area": "-"}
    assert shares["participating"]["of_total"] == {"heads": "0.00%", "area": "0.00%"}


def test_r_num_5_zero_totals_reason():
    result = decide(counts((0, 0)), SPECIAL)
    assert result.reason_zh == (
        "参与表决面积 0/0 < 2/3（分母为零），参与表决人数 0/0 < 2/3（分母为零）：未达到参与表决要求，不形成决定。"
    )
    assert result.reason_en == (
        "Participating area 0/0 < 2/3 (zero base), participating heads 0/0 < 2/3 (zero base): "
        "participation quorum not met, no decision."
    )


def test_r_tally_6_spoiled_counts_like_abstain():
    spoiled = tally(ROLL_P, {**T1, "E": SPOILED}, ORDINARY)
    abstained = tally(ROLL_P, T1, ORDINARY)
    assert spoiled.outcome is abstained.outcome is Outcome.PASSED
    assert spoiled.counts.participating == abstained.counts.participating
    assert spoiled.counts.spoiled == Weight(1, 9000)
    assert spoiled.counts.abstain == Weight()


def test_r_tally_2_count_ballots_equals_sql_style_counts():
    """The SQL path builds TopicCounts directly; decide must not care which path produced them."""
    ballots = [(ROLL_P[g], c) for g, c in T1.items()]
    counted = count_ballots(ballots, Weight(8, 90000))
    aggregated = TopicCounts(
        Weight(8, 90000),
        agree=Weight(4, 59550),
        oppose=Weight(1, 9000),
        abstain=Weight(1, 9000),
    )
    assert counted == aggregated
    assert decide(counted, ORDINARY) == decide(aggregated, ORDINARY)


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"agree": Weight(-1, 0)}, id="negative-heads"),
        pytest.param({"abstain": Weight(0, -1)}, id="negative-area"),
        pytest.param({"total": Weight(-1, 0)}, id="negative-total"),
        pytest.param({"oppose": Weight(9, 100)}, id="heads-beyond-roll"),
        pytest.param({"spoiled": Weight(1, 90001)}, id="area-beyond-roll"),
    ],
)
def test_counts_invariants(bad):
    with pytest.raises(ValueError, match=r"negative|exceeds"):
        TopicCounts(**{"total": Weight(8, 90000), **bad})


def test_r_tally_10_reasons():
    assert tally(ROLL_P, T1, ORDINARY).reason_zh == (
        "参与表决面积 77550/90000 ≥ 2/3，参与表决人数 6/8 ≥ 2/3，达到参与表决要求；"
        "同意面积 59550/77550 > 1/2，同意人数 4/6 > 1/2：通过。"
    )
    special = tally(ROLL_P, T1, SPECIAL)
    assert special.reason_zh.endswith("同意面积 59550/77550 ≥ 3/4，同意人数 4/6 < 3/4：未通过。")
    assert special.reason_en == (
        "Participating area 77550/90000 ≥ 2/3, participating heads 6/8 ≥ 2/3: quorum met; "
        "agreeing area 59550/77550 ≥ 3/4, agreeing heads 4/6 < 3/4: rejected."
    )
    t2 = tally(ROLL_P, {**T1, "DEV": OPPOSE}, ORDINARY)
    assert t2.reason_en.endswith("agreeing area 37550/77550 ≤ 1/2, agreeing heads 3/6 ≤ 1/2: rejected.")
    assert tally(ROLL_P, T1, ORDINARY).reason_en.endswith("agreeing heads 4/6 > 1/2: passed.")
    t3 = tally(ROLL_P, {"A": AGREE, "BC": AGREE, "D": AGREE, "Fco": AGREE, "E": ABSTAIN}, ORDINARY)
    assert t3.reason_zh == ("参与表决面积 54000/90000 < 2/3，参与表决人数 5/8 < 2/3：未达到参与表决要求，不形成决定。")


def _leaves(value):
    if isinstance(value, dict):
        assert all(isinstance(key, str) for key in value)
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_r_tally_10_to_dict():
    result = tally(ROLL_P, T1, ORDINARY)
    data = result.to_dict()
    assert all(type(leaf) in (int, str, bool) for leaf in _leaves(data))
    assert json.loads(json.dumps(data)) == data
    assert data["rule"]["category"] == "ORDINARY"
    assert data["total"] == {"heads": 8, "area": 90000}
    assert data["participating"] == {"heads": 6, "area": 77550}
    assert data["agree"] == {"heads": 4, "area": 59550}
    assert data["oppose"] == data["abstain"] == {"heads": 1, "area": 9000}
    assert data["spoiled"] == {"heads": 0, "area": 0}
    assert data["shares"]["participating"]["of_total"] == {"heads": "75.00%", "area": "86.17%"}
    assert data["shares"]["agree"] == {
        "of_participants": {"heads": "66.67%", "area": "76.79%"},
        "of_total": {"heads": "50.00%", "area": "66.17%"},
    }
    assert data["checks"][0] == {
        "test": "quorum",
        "measure": "area",
        "part": 77550,
        "whole": 90000,
        "threshold": "≥ 2/3",
        "formula": "3*77550=232650 >= 2*90000=180000",
        "met": True,
    }
    assert [c["formula"] for c in data["checks"][2:]] == ["2*59550=119100 > 1*77550=77550", "2*4=8 > 1*6=6"]
    assert (data["quorum_met"], data["approval_met"], data["outcome"]) == (True, True, "PASSED")
    assert (data["reason_zh"], data["reason_en"]) == (result.reason_zh, result.reason_en)
    assert result.category is Category.ORDINARY


# R-TALLY-10 evidence: the formula shows the true relation between the two products (as elections and
# petitions do); ``met`` still decides, and a zero base keeps its R-NUM-5 note.
@pytest.mark.parametrize(
    ("threshold", "part", "whole", "formula", "met"),
    [
        pytest.param(TWO_THIRDS, 77550, 90000, "3*77550=232650 >= 2*90000=180000", True, id="R-TALLY-3-met"),
        pytest.param(TWO_THIRDS, 60000, 90000, "3*60000=180000 >= 2*90000=180000", True, id="R-TALLY-3-boundary"),
        pytest.param(TWO_THIRDS, 54000, 90000, "3*54000=162000 < 2*90000=180000", False, id="R-TALLY-3-failed"),
        pytest.param(TWO_THIRDS, 59999, 90000, "3*59999=179997 < 2*90000=180000", False, id="R-TALLY-3-one-short"),
        pytest.param(MORE_THAN_HALF, 4, 6, "2*4=8 > 1*6=6", True, id="R-TALLY-4-met"),
        pytest.param(MORE_THAN_HALF, 3, 6, "2*3=6 <= 1*6=6", False, id="R-TALLY-4-exactly-half-failed"),
        pytest.param(MORE_THAN_HALF, 2, 6, "2*2=4 <= 1*6=6", False, id="R-TALLY-4-below-half-failed"),
        pytest.param(THREE_QUARTERS, 3, 4, "4*3=12 >= 3*4=12", True, id="R-CAT-1-special-boundary"),
        pytest.param(THREE_QUARTERS, 4, 6, "4*4=16 < 3*6=18", False, id="R-CAT-1-special-failed"),
        pytest.param(
            TWO_THIRDS, 0, 0, "3*0=0 >= 2*0=0: zero base, not met (R-NUM-5)", False, id="R-NUM-5-zero-base-inclusive"
        ),
        pytest.param(
            MORE_THAN_HALF, 0, 0, "2*0=0 <= 1*0=0: zero base, not met (R-NUM-5)", False, id="R-NUM-5-zero-base-strict"
        ),
    ],
)
def test_r_tally_10_check_formula_shows_true_relation(threshold, part, whole, formula, met):
    check = Check("quorum", "area", part, whole, threshold)
    assert check.formula == formula
    assert check.met is met
    assert check.to_dict()["formula"] == formula
    assert check.to_dict()["met"] is met


def test_r_tally_10_failed_quorum_evidence_t3():
    t3 = tally(ROLL_P, {"A": AGREE, "BC": AGREE, "D": AGREE, "Fco": AGREE, "E": ABSTAIN}, ORDINARY)
    assert [(c["formula"], c["met"]) for c in t3.to_dict()["checks"][:2]] == [
        ("3*54000=162000 < 2*90000=180000", False),
        ("3*5=15 < 2*8=16", False),
    ]


def test_reason_in_m2_writes_areas_in_square_metres_from_the_integers():
    """R-NUM-4: people read areas in m² (two decimals, never via floats); the evidence keeps the 0.01 m² units."""
    evidence = tally(ROLL_P, T1, ORDINARY).to_dict()
    assert reason_in_m2(evidence, "zh") == (
        "参与表决面积 775.50/900.00 平方米 ≥ 2/3，参与表决人数 6/8 ≥ 2/3，达到参与表决要求；"
        "同意面积 595.50/775.50 平方米 > 1/2，同意人数 4/6 > 1/2：通过。"
    )
    assert reason_in_m2(evidence, "en") == (
        "Participating area 775.50/900.00 m² ≥ 2/3, participating heads 6/8 ≥ 2/3: quorum met; "
        "agreeing area 595.50/775.50 m² > 1/2, agreeing heads 4/6 > 1/2: passed."
    )
    assert "77550/90000" in str(evidence["reason_zh"])  # the signed evidence is untouched
    no_quorum = tally(ROLL_P, {"A": AGREE, "BC": AGREE, "D": AGREE, "Fco": AGREE, "E": ABSTAIN}, ORDINARY)
    assert reason_in_m2(no_quorum.to_dict(), "zh").startswith("参与表决面积 540.00/900.00 平方米 < 2/3")


def test_reason_in_m2_finds_nested_checks_and_ignores_what_is_not_a_check():
    evidence = {
        "options": [{"checks": [{"test": "approval", "measure": "area", "part": 5, "whole": 100001}]}],
        "odd": [{"test": "approval", "measure": "area", "part": "5", "whole": 7}, {"test": "other", "measure": "area"}],
        "reason_zh": "同意面积 5/100001 > 1/2",
        "reason_en": "agreeing area 5/100001 > 1/2",
    }
    assert reason_in_m2(evidence, "zh") == "同意面积 0.05/1000.01 平方米 > 1/2"
    assert reason_in_m2(evidence, "en") == "agreeing area 0.05/1000.01 m² > 1/2"
    assert reason_in_m2({}, "zh") == ""
