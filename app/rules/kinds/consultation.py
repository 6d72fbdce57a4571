"""A consultation (R-MULTI-3): a non-binding survey; each voter group picks any listed options or abstains.

Answer (JSON): a list of option ids, or ``"ABSTAIN"``; stored as a mark ``(option, "CHOSEN")`` per pick, or
``("", "ABSTAIN")``. The counts are reported and nothing is decided.
"""

from __future__ import annotations

from typing import Any

from app.errors import Text
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.kinds import TopicKind
from app.rules.kinds.base import CHOSEN, AnswerRefused, Mark, MarkSums, TallyInconsistent, TopicTerms
from app.rules.kinds.option_topics import KEYWORDS, OptionTopic, plain_answers
from app.rules.options import OptionAnswer, OptionCounts
from app.rules.tally import ZERO


class Consultation(OptionTopic):
    kind = TopicKind.CONSULTATION
    pick_any = True

    def read_answer(self, terms: TopicTerms, answer: Any) -> OptionAnswer:
        if answer == Choice.ABSTAIN.value:
            return Choice.ABSTAIN
        options = set(self.option_ids(terms))
        if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
            raise AnswerRefused(Text("须为所列选项的列表，或弃权", "a list of listed options, or ABSTAIN"))  # R-MULTI-3
        if len(set(answer)) != len(answer) or not set(answer) <= options:
            raise AnswerRefused(Text("每个所列选项至多选择一次", "each listed option at most once"))  # R-MULTI-3
        return frozenset(answer)

    def marks(self, terms: TopicTerms, answer: Any) -> tuple[Mark, ...]:
        picked = self.read_answer(terms, answer)
        if picked is Choice.ABSTAIN:
            return (Mark("", Choice.ABSTAIN.value),)
        return tuple(Mark(option, CHOSEN) for option in sorted(picked))

    def counts(self, terms: TopicTerms, sums: MarkSums, participating: Weight, total: Weight) -> OptionCounts:
        """``(option, CHOSEN)`` for each pick, or ``("", ABSTAIN | SPOILED)``; the groups that picked something
        are the participants minus abstaining and spoiled ones, since one group's several picks cannot be added
        up."""
        options = self.option_ids(terms)
        plain, abstain, spoiled = plain_answers(sums)
        picks = {item: weight for (item, answer), weight in sums.items() if item != "" and answer == CHOSEN}
        if set(plain) - KEYWORDS or set(picks) - set(options) or len(plain) + len(picks) != len(sums):
            raise TallyInconsistent("consultation marks outside the options")
        voted = Weight(
            participating.heads - abstain.heads - spoiled.heads, participating.area - abstain.area - spoiled.area
        )
        per_option = tuple((option, picks.get(option, ZERO)) for option in options)
        return OptionCounts(self, total, per_option, voted=voted, abstain=abstain, spoiled=spoiled)


RULES: Consultation = Consultation()
