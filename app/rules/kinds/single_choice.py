"""A single-choice topic (R-MULTI-1/2): each voter group picks one listed option or abstains; binding.

Answer (JSON): an option id, or ``"ABSTAIN"``; stored as one mark ``("", answer)``.
"""

from __future__ import annotations

from typing import Any

from app.errors import Text
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.kinds import TopicKind
from app.rules.kinds.base import AnswerRefused, Mark, MarkSums, TallyInconsistent, TopicTerms
from app.rules.kinds.option_topics import KEYWORDS, OptionTopic, plain_answers
from app.rules.options import OptionAnswer, OptionCounts
from app.rules.tally import ZERO


class SingleChoice(OptionTopic):
    kind = TopicKind.SINGLE_CHOICE
    one_decision = True
    pick_any = False

    def read_answer(self, terms: TopicTerms, answer: Any) -> OptionAnswer:
        if answer == Choice.ABSTAIN.value:
            return Choice.ABSTAIN
        if answer not in self.option_ids(terms):
            raise AnswerRefused(Text("须为一个所列选项，或弃权", "one listed option or ABSTAIN"))  # R-MULTI-1
        return str(answer)

    def marks(self, terms: TopicTerms, answer: Any) -> tuple[Mark, ...]:
        self.read_answer(terms, answer)
        return (Mark("", str(answer)),)

    def counts(self, terms: TopicTerms, sums: MarkSums, participating: Weight, total: Weight) -> OptionCounts:
        """One mark ``("", option | ABSTAIN | SPOILED)`` per ballot."""
        options = self.option_ids(terms)
        plain, abstain, spoiled = plain_answers(sums)
        unknown = set(plain) - set(options) - KEYWORDS
        if unknown or len(plain) != len(sums):
            raise TallyInconsistent(f"answers outside the options: {sorted(unknown)}")
        per_option = tuple((option, plain.get(option, ZERO)) for option in options)
        voted = Weight.sum(weight for _, weight in per_option)
        return OptionCounts(self, total, per_option, voted=voted, abstain=abstain, spoiled=spoiled)


RULES: SingleChoice = SingleChoice()
