"""R-MULTI-1..3: single choice among options and consultations, on the RULES.md §P roll."""

from __future__ import annotations

import json

import pytest

from app.rules.categories import Category, CountingRule, statutory_rule
from app.rules.choices import Choice, Outcome
from app.rules.counts import Weight
from app.rules.errors import InvalidOptionAnswer, InvalidOptions, UnknownOption
from app.rules.kinds import consultation, single_choice
from app.rules.numeric import HALF, TWO_THIRDS
from app.rules.options import (
    OptionCounts,
    count_option_ballots,
    decide_options,
    validate_options,
)

SINGLE, CONSULTATION = single_choice.RULES, consultation.RULES
ABSTAIN, SPOILED = Choice.ABSTAIN, Choice.SPOILED
ORDINARY = statutory_rule(Category.ORDINARY)
SPECIAL = statutory_rule(Category.SPECIAL)
OPTIONS = ("P1", "P2", "P3")  # e.g. three property-service providers
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
TOTAL = Weight(8, 90000)


def tally(answers, rule=ORDINARY, kind=SINGLE, options=OPTIONS):
    ballots = [(ROLL_P[group], answer) for group, answer in answers.items()]
    return decide_options(count_option_ballots(kind, options, ballots, TOTAL), rule)


ONE_QUALIFIES = {"DEV": "P1", "A": "P1", "BC": "P1", "D": "P1", "E": "P1", "H": "P2", "B": "P2", "Fco": "P3"}
PLURALITY_ONLY = {"DEV": "P1", "A": "P1", "H": "P1", "BC": "P2", "D": "P2", "E": "P2", "Fco": "P3", "B": "P3"}

CASES = [
    pytest.param(ONE_QUALIFIES, ORDINARY, Outcome.PASSED, "P1", id="R-MULTI-2-one-option-qualifies"),
    pytest.param(PLURALITY_ONLY, ORDINARY, Outcome.REJECTED, None, id="R-MULTI-2-no-plurality-winner"),
    pytest.param(ONE_QUALIFIES, SPECIAL, Outcome.REJECTED, None, id="R-MULTI-2-special-needs-3/4"),
    pytest.param(
        {"DEV": "P1", "A": "P1", "BC": "P1", "D": ABSTAIN, "E": ABSTAIN, "H": ABSTAIN},
        ORDINARY,
        Outcome.REJECTED,
        None,
        id="R-TALLY-5-abstentions-count-against-options",
    ),
    pytest.param(
        {"DEV": "P1", "A": "P1", "BC": "P1", "D": "P1", "E": SPOILED, "H": "P2"},
        ORDINARY,
        Outcome.PASSED,
        "P1",
        id="R-TALLY-6-spoiled-participates",
    ),
    pytest.param(
        {"DEV": "P1", "A": "P1", "BC": "P1", "D": "P1", "E": "P1"},
        ORDINARY,
        Outcome.NO_QUORUM,
        None,
        id="R-TALLY-3-quorum-first",
    ),
    pytest.param(
        {"DEV": frozenset({"P1"}), "A": "P1", "BC": "P1", "D": "P2", "E": "P2", "H": "P2"},
        ORDINARY,
        Outcome.REJECTED,
        None,
        id="R-MULTI-2-exactly-half-each",
    ),
]


@pytest.mark.parametrize(("answers", "rule", "outcome", "adopted"), CASES)
def test_r_multi_2_single_choice(answers, rule, outcome, adopted):
    result = tally(answers, rule)
    assert result.outcome is outcome
    assert result.adopted == adopted


def test_r_multi_2_evidence_of_the_adopted_option():
    result = tally(ONE_QUALIFIES)
    assert result.counts.participating == TOTAL
    assert [(t.option, t.agree) for t in result.options] == [
        ("P1", Weight(5, 70000)),
        ("P2", Weight(2, 14000)),
        ("P3", Weight(1, 6000)),
    ]
    p1 = result.options[0]
    assert [c.formula for c in p1.approval_checks] == ["2*70000=140000 > 1*90000=90000", "2*5=10 > 1*8=8"]
    assert result.qualified == ("P1",)
    assert result.reason_zh == (
        "参与表决面积 90000/90000 ≥ 2/3，参与表决人数 8/8 ≥ 2/3，达到参与表决要求；"
        "选项 P1：同意面积 70000/90000 > 1/2，同意人数 5/8 > 1/2：采纳选项 P1。"
    )
    assert result.reason_en.endswith(
        "option P1: agreeing area 70000/90000 > 1/2, agreeing heads 5/8 > 1/2: option P1 adopted."
    )


def test_r_multi_2_plurality_reason():
    result = tally(PLURALITY_ONLY)
    p1 = result.options[0]
    assert p1.agree == Weight(3, 47550)
    assert [c.met for c in p1.approval_checks] == [True, False]  # area majority, heads 3/8: no
    assert result.reason_zh.endswith("没有选项的同意面积和人数均达到 > 1/2，不以相对多数决定：未通过。")
    assert result.reason_en.endswith("and a plurality does not decide: rejected.")


def test_r_multi_2_no_quorum_reason():
    result = tally({"DEV": "P1", "A": "P1"})
    assert result.reason_en == (
        "Participating area 40000/90000 < 2/3, participating heads 2/8 < 2/3: "
        "participation quorum not met, no decision."
    )


def test_r_multi_2_several_qualify_under_a_loose_rule_is_no_decision():
    """community_rule refuses ≥ 1/2; a hand-built rule shows the tally still never picks between ties."""
    loose = CountingRule(Category.ORDINARY, TWO_THIRDS, HALF)
    answers = {"DEV": "P1", "A": "P1", "BC": "P1", "D": "P2", "E": "P2", "H": "P2", "B": "P2", "Fco": "P2"}
    # P1: 3 heads / 52000; P2: 5 heads / 38000 — neither meets ≥ 1/2 on both measures.
    assert tally(answers, loose).qualified == ()
    ties = {"DEV": "P1", "A": "P2", "BC": "P1", "D": "P2", "E": "P1", "H": "P2"}
    equal = {group: Weight(1, 10000) for group in ties}
    ballots = [(equal[g], a) for g, a in ties.items()]
    result = decide_options(count_option_ballots(SINGLE, OPTIONS, ballots, Weight(6, 60000)), loose)
    assert result.qualified == ("P1", "P2")
    assert result.outcome is Outcome.REJECTED
    assert result.adopted is None
    assert result.reason_zh.endswith("选项 P1、P2 同时达到 ≥ 1/2，无法确定唯一结果：未通过。")
    assert result.reason_en.endswith("options P1, P2 all reached ≥ 1/2, so none is adopted: rejected.")


def test_r_multi_3_consultation_never_decides_but_reports_counts():
    answers = {
        "DEV": frozenset({"P1", "P2"}),
        "A": frozenset({"P1"}),
        "BC": "P1",
        "D": frozenset({"P1", "P2", "P3"}),
        "E": ABSTAIN,
        "H": SPOILED,
    }
    result = tally(answers, kind=CONSULTATION)
    assert result.outcome is Outcome.NO_DECISION
    assert result.adopted is None
    assert result.quorum_met
    assert result.counts.voted == Weight(4, 61000)
    assert result.counts.participating == Weight(6, 77550)
    assert [(t.option, t.agree) for t in result.options] == [
        ("P1", Weight(4, 61000)),
        ("P2", Weight(2, 31000)),
        ("P3", Weight(1, 9000)),
    ]
    assert result.qualified == ("P1",)  # informative only: a consultation adopts nothing
    assert result.reason_zh == "征询意见（CONSULTATION）只报告统计结果，不形成决定。"
    assert result.reason_en == "Consultation: the counts are reported and no decision is made."


INVALID = "rules.invalid_option_answer"


@pytest.mark.parametrize(
    ("kind", "answer", "error", "code"),
    [
        pytest.param(SINGLE, "P9", UnknownOption, "rules.unknown_option", id="R-MULTI-1-unknown-option"),
        pytest.param(SINGLE, "ABSTAIN", UnknownOption, "rules.unknown_option", id="R-MULTI-1-plain-string-is-an-id"),
        pytest.param(
            CONSULTATION,
            frozenset({"P1", "P9"}),
            UnknownOption,
            "rules.unknown_option",
            id="R-MULTI-3-unknown-in-set",
        ),
        pytest.param(SINGLE, Choice.AGREE, InvalidOptionAnswer, INVALID, id="R-MULTI-1-agree"),
        pytest.param(CONSULTATION, Choice.OPPOSE, InvalidOptionAnswer, INVALID, id="R-MULTI-1-oppose"),
        pytest.param(CONSULTATION, frozenset(), InvalidOptionAnswer, INVALID, id="R-MULTI-1-empty-set"),
        pytest.param(SINGLE, frozenset({"P1", "P2"}), InvalidOptionAnswer, INVALID, id="R-MULTI-3-no-pick-any"),
    ],
)
def test_r_multi_1_invalid_answers(kind, answer, error, code):
    with pytest.raises(error) as caught:
        tally({"A": answer}, kind=kind)
    assert (caught.value.code, caught.value.status) == (code, 422)


def test_r_multi_1_error_messages_name_the_answer():
    with pytest.raises(UnknownOption) as unknown:
        tally({"A": frozenset({"P1", "X", "W"})}, kind=CONSULTATION)
    assert unknown.value.message("en") == "Option W, X is not one of this topic's options."
    with pytest.raises(InvalidOptionAnswer) as many:
        tally({"A": frozenset({"P2", "P1"})})
    assert many.value.params == {"answer": "{P1, P2}"}


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(("P1",), id="one-option"),
        pytest.param((), id="no-options"),
        pytest.param(("P1", "P1"), id="duplicate"),
        pytest.param(("P1", " "), id="blank"),
        pytest.param(("P1", "ABSTAIN"), id="reserved-abstain"),
        pytest.param(("SPOILED", "P1"), id="reserved-spoiled"),
    ],
)
def test_r_multi_1_invalid_option_lists(options):
    with pytest.raises(InvalidOptions) as caught:
        validate_options(options)
    assert caught.value.code == "rules.invalid_options"
    with pytest.raises(InvalidOptions):
        OptionCounts(SINGLE, TOTAL, tuple((o, Weight()) for o in options))


def test_option_counts_sql_path_matches_ballots():
    counted = count_option_ballots(SINGLE, OPTIONS, [(ROLL_P[g], a) for g, a in ONE_QUALIFIES.items()], TOTAL)
    aggregated = OptionCounts(
        SINGLE,
        TOTAL,
        (("P1", Weight(5, 70000)), ("P2", Weight(2, 14000)), ("P3", Weight(1, 6000))),
        voted=TOTAL,
    )
    assert counted == aggregated
    assert decide_options(aggregated, ORDINARY) == decide_options(counted, ORDINARY)


@pytest.mark.parametrize(
    ("kind", "per_option", "voted", "message"),
    [
        pytest.param(SINGLE, (("P1", Weight(2, 20)), ("P2", Weight())), Weight(1, 20), "add up", id="single-sum"),
        pytest.param(CONSULTATION, (("P1", Weight(2, 10)), ("P2", Weight())), Weight(1, 20), "more", id="pick-any"),
        pytest.param(SINGLE, (("P1", Weight(-1, 0)), ("P2", Weight())), Weight(-1, 0), "negative", id="negative"),
        pytest.param(SINGLE, (("P1", Weight(9, 10)), ("P2", Weight())), Weight(9, 10), "exceeds", id="beyond-roll"),
    ],
)
def test_option_counts_invariants(kind, per_option, voted, message):
    with pytest.raises(ValueError, match=message):
        OptionCounts(kind, TOTAL, per_option, voted=voted)


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@pytest.mark.parametrize(
    ("answers", "kind", "adopted"),
    [
        pytest.param(ONE_QUALIFIES, SINGLE, "P1", id="passed"),
        pytest.param({"A": frozenset({"P1", "P2"}), "E": ABSTAIN}, CONSULTATION, None, id="consultation"),
    ],
)
def test_r_tally_10_options_to_dict(answers, kind, adopted):
    result = tally(answers, kind=kind)
    data = result.to_dict()
    assert all(leaf is None or type(leaf) in (int, str, bool) for leaf in _leaves(data))
    assert json.loads(json.dumps(data)) == data
    assert data["kind"] == kind.kind.value
    assert data["adopted"] == adopted
    assert data["outcome"] == result.outcome.value
    assert data["total"] == {"heads": 8, "area": 90000}
    assert [o["option"] for o in data["options"]] == list(OPTIONS)
    assert data["reason_zh"] == result.reason_zh


def test_r_tally_10_options_to_dict_figures():
    data = tally(ONE_QUALIFIES).to_dict()
    assert data["participating"] == data["voted"] == {"heads": 8, "area": 90000}
    assert data["abstain"] == data["spoiled"] == {"heads": 0, "area": 0}
    assert data["shares"]["participating"]["of_total"] == {"heads": "100.00%", "area": "100.00%"}
    assert data["shares"]["abstain"]["of_participants"] == {"heads": "0.00%", "area": "0.00%"}
    assert data["quorum_checks"][1]["formula"] == "3*8=24 >= 2*8=16"
    assert data["quorum_met"] is True
    assert data["options"][1] == {
        "option": "P2",
        "agree": {"heads": 2, "area": 14000},
        "shares": {
            "of_participants": {"heads": "25.00%", "area": "15.56%"},
            "of_total": {"heads": "25.00%", "area": "15.56%"},
        },
        "checks": [
            {
                "test": "approval",
                "measure": "area",
                "part": 14000,
                "whole": 90000,
                "threshold": "> 1/2",
                "formula": "2*14000=28000 <= 1*90000=90000",
                "met": False,
            },
            {
                "test": "approval",
                "measure": "heads",
                "part": 2,
                "whole": 8,
                "threshold": "> 1/2",
                "formula": "2*2=4 <= 1*8=8",
                "met": False,
            },
        ],
        "approval_met": False,
    }
