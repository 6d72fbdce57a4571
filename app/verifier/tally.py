"""Recompute a topic's result from its published document and the counted ballots, with the law core.

The server tallies from ORM rows (``app.vote.spec`` takes a ``Topic``); the verifier has only the topic
documents of the notice (``app.vote.documents.topic_document``), so the same derivations are made here from
plain JSON: the counting rule (re-validated, R-CAT-4), the option ids (R-MULTI-1), the election method
(R-ELEC-1/7), and each answer turned into the law core's ballot value (R-TALLY-1, R-TALLY-6, R-ELEC-3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.rules.categories import Category, CountingRule, community_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import ElectionBallot, ElectionConfig, tally_election
from app.rules.numeric import Threshold
from app.rules.options import OptionAnswer, OptionKind, count_option_ballots, decide_options, validate_options
from app.rules.tally import count_ballots, decide

YES_NO = "YES_NO"
SINGLE_CHOICE = "SINGLE_CHOICE"
CONSULTATION = "CONSULTATION"
ELECTION = "ELECTION"
_YES_NO_ANSWERS = (Choice.AGREE.value, Choice.OPPOSE.value, Choice.ABSTAIN.value)


class AnswerRefused(ValueError):
    """An answer no valid ballot for this topic could carry."""


def counting_rule(document: Mapping[str, Any]) -> CountingRule:
    """The topic's rule, re-validated like the server's: stricter community thresholds only (R-CAT-4)."""
    category = Category.ORDINARY if document["kind"] == ELECTION else Category(document["category"])
    rule = document["rule"]
    return community_rule(
        category, quorum=Threshold.from_dict(rule["quorum"]), approval=Threshold.from_dict(rule["approval"])
    )


def option_ids(document: Mapping[str, Any]) -> tuple[str, ...]:
    return validate_options(str(option["id"]) for option in document.get("options") or [])


def election_config(document: Mapping[str, Any], rule: CountingRule) -> ElectionConfig:
    election = document["election"]
    alternates = election.get("alternate_candidates")
    return ElectionConfig(
        member_seats=int(election["member_seats"]),
        alternate_seats=int(election["alternate_seats"]),
        households=int(election["households"]),
        candidates=tuple(str(candidate["id"]) for candidate in election["candidates"]),
        alternate_candidates=None if alternates is None else tuple(str(candidate["id"]) for candidate in alternates),
        rule=rule,
    )


def _spoiled(answer: Any, paper: bool) -> bool:
    """R-TALLY-6: only an imported paper ballot can be spoiled."""
    if answer == Choice.SPOILED.value and not paper:
        raise AnswerRefused("SPOILED on an online ballot (only paper ballots can be spoiled)")
    return bool(answer == Choice.SPOILED.value)


def _yes_no(answer: Any, paper: bool) -> Choice:
    if _spoiled(answer, paper):
        return Choice.SPOILED
    if answer not in _YES_NO_ANSWERS:
        raise AnswerRefused(f"{answer!r} is not AGREE / OPPOSE / ABSTAIN")
    return Choice(answer)


def _option(kind: str, answer: Any, paper: bool) -> OptionAnswer:
    if _spoiled(answer, paper):
        return Choice.SPOILED
    if answer == Choice.ABSTAIN.value:
        return Choice.ABSTAIN
    if kind == SINGLE_CHOICE:
        if not isinstance(answer, str):
            raise AnswerRefused(f"{answer!r} is not one option id")
        return answer
    if not isinstance(answer, list) or not answer or not all(isinstance(item, str) for item in answer):
        raise AnswerRefused(f"{answer!r} is not a list of option ids")
    if len(set(answer)) != len(answer):
        raise AnswerRefused(f"{answer!r} names an option twice")
    return frozenset(answer)


def _election(answer: Any, paper: bool) -> dict[str, Choice] | None:
    if _spoiled(answer, paper):
        return None
    if not isinstance(answer, dict) or any(value not in _YES_NO_ANSWERS for value in answer.values()):
        raise AnswerRefused("an election answer is AGREE / OPPOSE / ABSTAIN for each candidate")
    return {str(candidate): Choice(value) for candidate, value in answer.items()}


def topic_evidence(
    document: Mapping[str, Any], total: Weight, ballots: Sequence[tuple[Weight, Any, bool]]
) -> dict[str, Any]:
    """The ``to_dict()`` evidence of one topic from ``(group weight, answer, is paper)`` per counted ballot.

    Raises ``AnswerRefused`` or a ``RuleViolation`` for an answer the topic does not admit.
    """
    kind = document["kind"]
    rule = counting_rule(document)
    if kind == YES_NO:
        counts = count_ballots([(weight, _yes_no(answer, paper)) for weight, answer, paper in ballots], total)
        return decide(counts, rule).to_dict()
    if kind in (SINGLE_CHOICE, CONSULTATION):
        option_kind = OptionKind.SINGLE_CHOICE if kind == SINGLE_CHOICE else OptionKind.CONSULTATION
        answers = [(weight, _option(kind, answer, paper)) for weight, answer, paper in ballots]
        return decide_options(count_option_ballots(option_kind, option_ids(document), answers, total), rule).to_dict()
    if kind == ELECTION:
        config = election_config(document, rule)
        election = [ElectionBallot(weight, _election(answer, paper)) for weight, answer, paper in ballots]
        return tally_election(config, total, election).to_dict()
    raise AnswerRefused(f"unknown topic kind {kind!r}")
