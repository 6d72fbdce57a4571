"""What the two option kinds share (R-MULTI-1..3): the listed options, their draft, their decision and recount."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.kinds.base import SPOILED, Decided, MarkSums, MarkSumsKind, RecountBallots, TopicTerms
from app.rules.options import OptionAnswer, OptionCounts, count_option_ballots, decide_options, validate_options
from app.rules.tally import ZERO

KEYWORDS = frozenset({Choice.ABSTAIN.value, Choice.SPOILED.value})


def plain_answers(sums: MarkSums) -> tuple[dict[str, Weight], Weight, Weight]:
    """The whole-topic marks (item ``""``), and of them the abstaining and the spoiled weight."""
    plain = {answer: weight for (item, answer), weight in sums.items() if item == ""}
    return plain, plain.get(Choice.ABSTAIN.value, ZERO), plain.get(Choice.SPOILED.value, ZERO)


class OptionTopic(MarkSumsKind):
    takes_options = True
    pick_any: ClassVar[bool]  # R-MULTI-3: a consultation; see app.rules.options.OptionMode

    def option_ids(self, terms: TopicTerms) -> tuple[str, ...]:
        """R-MULTI-1: the listed options' ids, re-validated."""
        return validate_options(str(option["id"]) for option in terms.options or [])

    @abstractmethod
    def read_answer(self, terms: TopicTerms, answer: Any) -> OptionAnswer: ...

    @abstractmethod
    def counts(self, terms: TopicTerms, sums: MarkSums, participating: Weight, total: Weight) -> OptionCounts:
        """``OptionCounts`` from the mark sums; ``TallyInconsistent`` for marks no valid ballot makes."""

    def decide(self, terms: TopicTerms, sums: MarkSums, participating: Weight, total: Weight) -> Decided:
        counts = self.counts(terms, sums, participating, total)
        result = decide_options(counts, self.counting_rule(terms))  # R-MULTI-2; a consultation: NO_DECISION
        return Decided(result.outcome.value, result.to_dict(), result.counts.participating)  # R-PROC-4

    def recount(self, terms: TopicTerms, ballots: RecountBallots, total: Weight) -> dict[str, object]:
        answers = [(weight, Choice.SPOILED if a == SPOILED else self.read_answer(terms, a)) for weight, a in ballots]
        counts = count_option_ballots(self, self.option_ids(terms), answers, total)
        return decide_options(counts, self.counting_rule(terms)).to_dict()
