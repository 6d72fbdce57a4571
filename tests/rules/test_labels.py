"""Every code of the closed sets an owner reads has its Chinese word (issue #19 item 4)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from app.rules import labels
from app.rules.casting import ActingBasis
from app.rules.choices import Choice, Outcome
from app.rules.elections import ElectionOutcome
from app.rules.lifecycle import DecisionStatus, VoteDecisionStatus, VoteStatus


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.ANSWERS, [choice.value for choice in Choice]),
        (labels.OUTCOMES, [outcome.value for outcome in (*Outcome, *ElectionOutcome)]),
        (labels.VOTE_STATUSES, [status.value for status in VoteStatus]),
        (labels.DECISION_STATUSES, [status.value for status in (*DecisionStatus, *VoteDecisionStatus)]),
        (labels.BASES, [basis.value for basis in ActingBasis] + ["TRANSFEREE", "PAPER_ENTRY"]),
        (labels.BALLOT_STATUSES, ["COUNTED", "VOID"]),
        (labels.HOME_STATES, ["upcoming", "open", "closed"]),
    ],
)
def test_every_code_has_a_chinese_word(table: MappingProxyType[str, str], codes: list[str]) -> None:
    for code in codes:
        word = labels.zh(table, code)
        assert word != code, code
        assert not any("a" <= char.lower() <= "z" for char in word), word  # entirely Chinese


def test_an_unknown_code_is_shown_as_itself_and_answers_map_to_words() -> None:
    assert labels.zh(labels.OUTCOMES, "SOMETHING_NEW") == "SOMETHING_NEW"
    assert labels.answer_words(["AGREE", "X"]) == {"AGREE": "同意", "X": "X"}
