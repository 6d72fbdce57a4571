"""A yes/no topic (R-TALLY-1..5): each voter group answers AGREE, OPPOSE or ABSTAIN.

Answer (JSON): ``"AGREE"`` / ``"OPPOSE"`` / ``"ABSTAIN"``; stored as one mark ``("", answer)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.errors import Text
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.kinds import TopicKind
from app.rules.kinds.base import (
    SPOILED,
    VOTING_ANSWERS,
    AnswerRefused,
    Decided,
    Mark,
    MarkSums,
    MarkSumsKind,
    RecountBallots,
    TallyInconsistent,
    TopicTerms,
)
from app.rules.tally import ZERO, TopicCounts, count_ballots, decide


def topic_counts(sums: Mapping[str, Weight], total: Weight) -> TopicCounts:
    """The ``TopicCounts`` of a yes/no topic from its answer sums (R-TALLY-2); unknown answers are refused."""
    unknown = set(sums) - {choice.value for choice in Choice}
    if unknown:
        raise TallyInconsistent(f"answers that are not yes/no/abstain/spoiled: {sorted(unknown)}")
    return TopicCounts(
        total,
        agree=sums.get(Choice.AGREE.value, ZERO),
        oppose=sums.get(Choice.OPPOSE.value, ZERO),
        abstain=sums.get(Choice.ABSTAIN.value, ZERO),
        spoiled=sums.get(Choice.SPOILED.value, ZERO),
    )


def whole_topic_answers(sums: MarkSums) -> dict[str, Weight]:
    """The sums of a kind whose every mark is a whole-topic answer (item ``""``)."""
    if any(item != "" for item, _ in sums):
        raise TallyInconsistent("itemised marks on a topic answered as a whole")
    return {answer: weight for (_, answer), weight in sums.items()}


class YesNo(MarkSumsKind):
    kind = TopicKind.YES_NO
    one_decision = True

    def read_answer(self, terms: TopicTerms, answer: Any) -> Choice:
        if answer not in VOTING_ANSWERS:
            raise AnswerRefused(Text("只能选择同意、反对或弃权", "AGREE / OPPOSE / ABSTAIN"))
        return Choice(answer)

    def marks(self, terms: TopicTerms, answer: Any) -> tuple[Mark, ...]:
        return (Mark("", self.read_answer(terms, answer).value),)

    def decide(self, terms: TopicTerms, sums: MarkSums, participating: Weight, total: Weight) -> Decided:
        counts = topic_counts(whole_topic_answers(sums), total)  # R-TALLY-2
        result = decide(counts, self.counting_rule(terms))  # R-TALLY-3..5
        return Decided(result.outcome.value, result.to_dict(), result.counts.participating)  # R-PROC-4

    def recount(self, terms: TopicTerms, ballots: RecountBallots, total: Weight) -> dict[str, object]:
        choices = [(weight, Choice.SPOILED if a == SPOILED else self.read_answer(terms, a)) for weight, a in ballots]
        return decide(count_ballots(choices, total), self.counting_rule(terms)).to_dict()


RULES: YesNo = YesNo()
