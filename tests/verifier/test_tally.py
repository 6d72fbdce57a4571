"""The verifier's own derivations from topic documents agree with the law core and refuse impossible answers."""

from __future__ import annotations

import pytest

from app.rules.counts import Weight
from app.rules.errors import RuleViolation
from app.verifier.tally import AnswerRefused, counting_rule, topic_evidence

RULE = {"quorum": {"num": 2, "den": 3, "strict": False}, "approval": {"num": 1, "den": 2, "strict": True}}
TOTAL = Weight(4, 400)
YES_NO = {"kind": "YES_NO", "category": "ORDINARY", "rule": RULE}
SINGLE = {"kind": "SINGLE_CHOICE", "category": "ORDINARY", "rule": RULE, "options": [{"id": "A"}, {"id": "B"}]}
SURVEY = {"kind": "CONSULTATION", "category": "ORDINARY", "rule": RULE, "options": [{"id": "A"}, {"id": "B"}]}
ELECTION = {
    "kind": "ELECTION",
    "category": "ORDINARY",
    "rule": RULE,
    "election": {"member_seats": 3, "alternate_seats": 1, "households": 50, "candidates": [{"id": "c1"}, {"id": "c2"}],
                 "alternate_candidates": None},
}  # fmt: skip


def one(answer, paper=False):  # type: ignore[no-untyped-def]
    return [(Weight(1, 100), answer, paper)] * 3


def test_paper_ballots_may_be_spoiled_and_count_as_participating():
    assert topic_evidence(YES_NO, TOTAL, one("SPOILED", True))["spoiled"] == {"heads": 3, "area": 300}
    assert topic_evidence(SINGLE, TOTAL, one("SPOILED", True))["spoiled"]["heads"] == 3
    assert topic_evidence(SINGLE, TOTAL, one("ABSTAIN"))["abstain"]["heads"] == 3
    assert topic_evidence(SURVEY, TOTAL, one(["A", "B"]))["outcome"] == "NO_DECISION"
    assert topic_evidence(ELECTION, TOTAL, one("SPOILED", True))["outcome"]
    assert topic_evidence(ELECTION, TOTAL, one({"c1": "AGREE", "c2": "OPPOSE"}))["outcome"]


@pytest.mark.parametrize(
    ("document", "answer"),
    [
        (YES_NO, "SPOILED"),  # online ballots cannot be spoiled
        (YES_NO, "MAYBE"),
        (SINGLE, ["A"]),
        (SURVEY, "A"),
        (SURVEY, ["A", "A"]),
        (ELECTION, "AGREE"),
        ({**YES_NO, "kind": "RANKED"}, "AGREE"),
    ],
)
def test_impossible_answers_are_refused(document, answer):
    with pytest.raises(AnswerRefused):
        topic_evidence(document, TOTAL, one(answer))


def test_a_rule_looser_than_the_law_is_refused():
    loose = {**YES_NO, "rule": {**RULE, "quorum": {"num": 1, "den": 2, "strict": False}}}
    with pytest.raises(RuleViolation):
        counting_rule(loose)
