"""An owners' committee election (R-ELEC-1..9): each voter group answers every listed candidate.

Answer (JSON): ``{candidate id: "AGREE" | "OPPOSE" | "ABSTAIN"}`` for every listed candidate, within the
approval limit (R-ELEC-2/3); stored as a mark ``(candidate, answer)`` per candidate. The law core checks the
approval limit and ranks ballot by ballot, so the tally reads the ballots (``Aggregate.BALLOTS``), not sums.

The election method as published (``TopicTerms.election``)::

    {"election_type": "FULL" | "BY_ELECTION" | "ALTERNATES",          # R-ELEC-10; absent before: FULL
     "committee": {"size", "members", "alternates"} | null,           # the sitting committee (R-ELEC-10/11)
     "member_seats", "alternate_seats",
     "households": int | null,    # residential units of the frozen roll, set at publication (R-ELEC-12)
     "candidates": [{"id", "name"}], "alternate_candidates": [...] | null}   # names masked (R-ELEC-13)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.errors import Text
from app.rules.categories import Category, CountingRule, MatterItem
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import (
    STATUTORY_RULE,
    ElectionBallot,
    ElectionConfig,
    ElectionType,
    SittingCommittee,
    ballot_validator,
    tally_election,
    validate_ballot,
)
from app.rules.kinds import TopicKind
from app.rules.kinds.base import (
    SPOILED,
    VOTING_ANSWERS,
    AnswerRefused,
    BallotMarks,
    BallotsKind,
    Decided,
    Mark,
    RecountBallots,
    TopicTerms,
)
from app.rules.procedure import ElectionRanking


def _listed(candidates: Any) -> list[dict[str, str]]:
    return [{"id": str(candidate["id"]), "name": str(candidate["name"])} for candidate in candidates]


def _committee(committee: Any) -> SittingCommittee | None:
    if committee is None:
        return None
    return SittingCommittee(int(committee["size"]), int(committee["members"]), int(committee["alternates"]))


def _households(election: Mapping[str, Any]) -> int | None:
    households = election.get("households")
    return None if households is None else int(households)


def election_ballot(marks: Any, weight: Weight) -> ElectionBallot:
    """The ``ElectionBallot`` of ballots weighing ``weight`` that carry exactly ``marks`` (``(item, answer)``).

    A spoiled paper ballot is a single ``("", SPOILED)`` mark (R-TALLY-6, R-ELEC-3): it takes part and agrees
    with nobody.
    """
    choices: dict[str, Choice] = {}
    spoiled = False
    for item, answer in marks:
        if item == "" and answer == SPOILED:
            spoiled = True
        else:
            choices[str(item)] = Choice(answer)
    return ElectionBallot(weight, None if spoiled else choices)


AREA_THEN_HEADS = ElectionRanking.AREA_THEN_HEADS.value


def _choices(answer: Any) -> dict[str, Choice]:
    """An answer's shape: a choice per candidate id (R-ELEC-3), before the election's own checks."""
    if not isinstance(answer, dict) or not all(isinstance(value, str) for value in answer.values()):
        raise AnswerRefused(Text("须对每名候选人作出选择", "a choice for every candidate"))  # R-ELEC-3
    if any(value not in VOTING_ANSWERS for value in answer.values()):
        raise AnswerRefused(Text("对每名候选人只能选择同意、反对或弃权", "AGREE / OPPOSE / ABSTAIN for each candidate"))
    return {str(candidate): _VOTING_CHOICES[value] for candidate, value in answer.items()}


_VOTING_CHOICES = {value: Choice(value) for value in VOTING_ANSWERS}
"""A voting answer's ``Choice``, looked up (cheaper than calling the enum for each candidate of each ballot)."""


def _marks(choices: Mapping[str, Choice]) -> tuple[Mark, ...]:
    return tuple(Mark(candidate, choice.value) for candidate, choice in sorted(choices.items()))


class Election(BallotsKind):
    kind = TopicKind.ELECTION
    takes_election = True
    only_matter = MatterItem.ELECT_COMMITTEE

    def counting_category(self, category: Category) -> Category:
        return Category.ORDINARY  # CC 278(1)(3): electing the committee is an ordinary decision

    def config(self, terms: TopicTerms, rule: CountingRule = STATUTORY_RULE) -> ElectionConfig:
        """The publicised election method (R-ELEC-1, R-ELEC-7); ``rule`` for the count (R-CAT-4)."""
        election = terms.election or {}
        alternates = election.get("alternate_candidates")
        return ElectionConfig(
            member_seats=int(election["member_seats"]),
            alternate_seats=int(election["alternate_seats"]),
            households=_households(election),
            candidates=tuple(str(candidate["id"]) for candidate in election["candidates"]),
            alternate_candidates=None if alternates is None else tuple(str(c["id"]) for c in alternates),
            rule=rule,
            election_type=ElectionType(election.get("election_type", ElectionType.FULL)),
            committee=_committee(election.get("committee")),
            area_first=election.get("ranking") == AREA_THEN_HEADS,  # R-PROC-5
        )

    def drafted_election(self, election: Mapping[str, Any], rule: CountingRule) -> dict[str, Any]:
        """R-ELEC-1 / R-ELEC-7 / R-ELEC-10: the election method must build (seats against the committee, lists,
        no duplicate candidates). The households are never taken from the draft: the frozen roll sets them at
        publication (R-ELEC-12, ``with_households``)."""
        alternates = election.get("alternate_candidates")
        committee = _committee(election.get("committee"))
        drafted = {
            "election_type": ElectionType(election.get("election_type", ElectionType.FULL)).value,
            "committee": None if committee is None else committee.to_dict(),
            "member_seats": int(election["member_seats"]),
            "alternate_seats": int(election["alternate_seats"]),
            "households": None,
            "candidates": _listed(election["candidates"]),
            "alternate_candidates": None if alternates is None else _listed(alternates),
        }
        if election.get("ranking") == AREA_THEN_HEADS:  # R-PROC-5: present only when not the R-ELEC-6 default
            drafted["ranking"] = AREA_THEN_HEADS
        self.config(TopicTerms("", Category.ORDINARY, {}, election=drafted), rule)
        return drafted

    def with_households(self, election: Mapping[str, Any], households: int) -> dict[str, Any]:
        """R-ELEC-12: the method as published, with the households counted on the frozen roll; Art. 39 is checked
        against them here (``rules.election_seats_invalid``)."""
        published = dict(election) | {"households": households}
        self.config(TopicTerms("", Category.ORDINARY, {}, election=published))
        return published

    def read_answer(self, terms: TopicTerms, answer: Any) -> dict[str, Choice]:
        choices = _choices(answer)
        validate_ballot(self.config(terms), choices)  # R-ELEC-2 listed only, R-ELEC-3 approval limit
        return choices

    def marks(self, terms: TopicTerms, answer: Any) -> tuple[Mark, ...]:
        return _marks(self.read_answer(terms, answer))

    def answer_reader(self, terms: TopicTerms) -> Callable[[Any], tuple[Mark, ...]]:
        """``marks`` with the election's config and lists built on the first answer, not on every ballot."""
        validate: Callable[[Mapping[str, Choice]], None] | None = None
        # The marks of a valid ballot, kept: at most three per listed candidate (``_marks``'s, each made once).
        kept: dict[tuple[str, Choice], Mark] = {}

        def marks(answer: Any) -> tuple[Mark, ...]:
            nonlocal validate
            choices = _choices(answer)
            if validate is None:
                validate = ballot_validator(self.config(terms))
            validate(choices)  # R-ELEC-2 listed only, R-ELEC-3 approval limit
            return tuple(
                kept.get(choice) or kept.setdefault(choice, Mark(choice[0], choice[1].value))
                for choice in sorted(choices.items())
            )

        return marks

    def decide(self, terms: TopicTerms, ballots: BallotMarks, total: Weight) -> Decided:
        config = self.config(terms, self.counting_rule(terms))
        result = tally_election(config, total, [election_ballot(marks, weight) for marks, weight in ballots])
        return Decided(result.outcome.value, result.to_dict(), result.participating)

    def recount(self, terms: TopicTerms, ballots: RecountBallots, total: Weight) -> dict[str, object]:
        config = self.config(terms, self.counting_rule(terms))
        counted = [
            ElectionBallot(weight, None if a == SPOILED else self.read_answer(terms, a)) for weight, a in ballots
        ]
        return tally_election(config, total, counted).to_dict()


RULES: Election = Election()
