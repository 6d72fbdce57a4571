"""What every topic kind provides, and the values the kinds share (R-TALLY-1, R-TALLY-6, R-CAT-4).

A kind reads a topic's published terms (``TopicTerms``: the same JSON in the stored topic and in the notice's
topic document), so the server and the offline verifier derive the same counting rule, options and election
method from them. A cast answer is validated once (``read_answer``) and stored as marks ``(item, answer)``: item
``""`` for a whole-topic answer, an option id or a candidate id otherwise. The tally reads one of two SQL
aggregates (``Aggregate``), chosen by the kind's base class: sums of marks (``MarkSumsKind``) or the counted
ballots grouped by distinct answer (``BallotsKind``), for a law core that works ballot by ballot.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from app.errors import Text
from app.rules.categories import Category, CountingRule, MatterItem, blank_participates, community_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.numeric import Threshold

if TYPE_CHECKING:
    from app.rules.kinds import TopicKind

CHOSEN = "CHOSEN"  # a consultation's mark for each picked option
SPOILED = Choice.SPOILED.value  # paper only: an unreadable or over-marked answer (R-TALLY-6, R-ELEC-3)
VOTING_ANSWERS = (Choice.AGREE.value, Choice.OPPOSE.value, Choice.ABSTAIN.value)


class AnswerRefused(ValueError):
    """An answer no valid ballot for this topic can carry; ``reason`` says what the topic admits."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


class TallyInconsistent(ValueError):
    """Stored marks that no valid ballot produces: a bug or tampering, never a user error (500, logged)."""


@dataclass(frozen=True, slots=True)
class Mark:
    item: str
    answer: str


@dataclass(frozen=True, slots=True)
class TopicTerms:
    """A topic's published terms as a kind reads them: category, counting rule, options, election method."""

    title: str
    category: Category
    rule: Mapping[str, Any]
    options: Sequence[Mapping[str, Any]] | None = None
    election: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Decided:
    """A topic's decision: its outcome, its R-TALLY-10 evidence, and the participation it counted."""

    outcome: str
    evidence: dict[str, object]
    participating: Weight


class Aggregate(StrEnum):
    """What the SQL tally (``app.result.repository``) computes for a kind's topics."""

    MARK_SUMS = "MARK_SUMS"  # heads and area per (item, answer), one GROUP BY over every such topic of the vote
    BALLOTS = "BALLOTS"  # the counted ballots' marks, one weighted entry per distinct answer (or per ballot)


MarkSums = Mapping[tuple[str, str], Weight]
"""Heads and area per ``(item, answer)`` over one topic's counted marks."""

BallotMarks = Sequence[tuple[Sequence[tuple[str, str]], Weight]]
"""One topic's counted ballots as ``(marks, weight)``: the ``(item, answer)`` pairs and the ballots' weight."""

RecountBallots = Sequence[tuple[Weight, Any]]
"""The verifier's input: ``(group weight, answer)`` per counted ballot, ``"SPOILED"`` only on paper ones."""


class TopicKindRules(ABC):
    """One topic kind; a subclass of ``MarkSumsKind`` or ``BallotsKind``, registered in ``app.rules.kinds``."""

    kind: ClassVar[TopicKind]
    one_decision: ClassVar[bool] = False  # R-CAT-5: the topic decides one matter (see app.vote.service)
    takes_options: ClassVar[bool] = False  # the draft lists options (R-MULTI-1)
    takes_election: ClassVar[bool] = False  # the draft carries an election method (R-ELEC-1, R-ELEC-7)
    only_matter: ClassVar[MatterItem | None] = None  # the one matter a topic of this kind may decide

    def counting_category(self, category: Category) -> Category:
        """The category whose statutory thresholds apply (R-CAT-3)."""
        return category

    def counting_rule(self, terms: TopicTerms) -> CountingRule:
        """The topic's rule, re-validated: stricter community thresholds only (R-CAT-4)."""
        return community_rule(
            self.counting_category(terms.category),
            quorum=Threshold.from_dict(terms.rule["quorum"]),
            approval=Threshold.from_dict(terms.rule["approval"]),
        ).with_blank_ballots(blank_participates(terms.rule))  # R-PROC-4

    def drafted_election(self, election: Mapping[str, Any], rule: CountingRule) -> dict[str, Any]:
        """The election method as stored; only kinds that ``takes_election`` are asked (drafting refuses an
        election method for any other kind first, with ``topic.election_not_allowed``)."""
        raise TypeError(f"a {self.kind} topic takes no election method")

    def with_households(self, election: Mapping[str, Any], households: int) -> dict[str, Any]:
        """The election method as published, with the roll's households (R-ELEC-12); election kinds only."""
        raise TypeError(f"a {self.kind} topic takes no election method")

    @abstractmethod
    def read_answer(self, terms: TopicTerms, answer: Any) -> Any:
        """The law core's ballot value of a cast answer; ``AnswerRefused`` or a ``RuleViolation`` if invalid."""

    @abstractmethod
    def marks(self, terms: TopicTerms, answer: Any) -> tuple[Mark, ...]:
        """Validate one cast answer and turn it into the marks the tally adds up."""

    def answer_reader(self, terms: TopicTerms) -> Callable[[Any], tuple[Mark, ...]]:
        """``marks`` for one topic's answers, with what the kind derives from the terms built once: a published
        topic's terms never change (R-PUB), so casting keeps one reader per published topic."""
        return partial(self.marks, terms)

    @abstractmethod
    def recount(self, terms: TopicTerms, ballots: RecountBallots, total: Weight) -> dict[str, object]:
        """The offline verifier's check: the evidence recounted ballot by ballot with the law core."""


class MarkSumsKind(TopicKindRules):
    """A kind decided from its marks' sums (``Aggregate.MARK_SUMS``)."""

    aggregate: ClassVar[Aggregate] = Aggregate.MARK_SUMS

    @abstractmethod
    def decide(self, terms: TopicTerms, sums: MarkSums, participating: Weight, total: Weight) -> Decided:
        """``participating``: the vote's counted ballots, each of which answers every topic (R-TALLY-1)."""


class BallotsKind(TopicKindRules):
    """A kind whose law core counts ballot by ballot (``Aggregate.BALLOTS``)."""

    aggregate: ClassVar[Aggregate] = Aggregate.BALLOTS

    @abstractmethod
    def decide(self, terms: TopicTerms, ballots: BallotMarks, total: Weight) -> Decided: ...


KindRules = MarkSumsKind | BallotsKind
"""A registered kind: the tally dispatches on which aggregate it reads."""
