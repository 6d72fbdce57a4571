"""The tally of a choice among alternatives (R-MULTI-1..3), e.g. provider A, B or C, or fee plan 1, 2 or 3.

Each voter group picks exactly one option or abstains (paper ballots may be spoiled). Civil Code Art. 278 ¶2
applies unchanged: the participation quorum against the roll totals (R-TALLY-3), then an option is adopted
only if **its own** agreeing area and heads meet the category's approval threshold against the participants
(R-MULTI-2), "以上" inclusive and "过半数" strict per Art. 1259. There is no plurality winner and no
automatic run-off: if no option qualifies the topic is REJECTED. A CONSULTATION (non-binding survey, the only
place where "pick any" is allowed, R-MULTI-3) reports its counts and never decides anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from app.rules.categories import CountingRule
from app.rules.choices import Choice, Outcome
from app.rules.counts import Weight
from app.rules.errors import InvalidOptionAnswer, InvalidOptions, UnknownOption
from app.rules.tally import (
    ZERO,
    Bilingual,
    Check,
    all_met,
    check_weights,
    describe,
    quorum_reason,
    shares_dict,
    weigh,
)

if TYPE_CHECKING:
    from app.rules.kinds import TopicKind

OptionAnswer = str | Choice | frozenset[str]
"""An option id, ``Choice.ABSTAIN`` / ``Choice.SPOILED``, or (consultations only) a set of option ids."""

OptionBallot = tuple[Weight, OptionAnswer]

_RESERVED = frozenset(Choice)  # an option id equal to an answer keyword would be ambiguous


class OptionMode(Protocol):
    """An option topic's kind (``app.rules.kinds``) as this law needs it: its name, shown in the evidence, and
    whether it is a consultation, where a group may pick any options and nothing is decided (R-MULTI-3);
    otherwise it is binding, one option per group (R-MULTI-1/2)."""

    @property
    def kind(self) -> TopicKind: ...

    @property
    def pick_any(self) -> bool: ...


def validate_options(options: Iterable[str]) -> tuple[str, ...]:
    """R-MULTI-1: at least two distinct, non-blank option ids that are not answer keywords."""
    ids = tuple(options)
    if len(ids) < 2 or len(set(ids)) != len(ids) or any(not i.strip() or i in _RESERVED for i in ids):
        raise InvalidOptions(options=", ".join(ids))
    return ids


@dataclass(frozen=True, slots=True)
class OptionCounts:
    """The sums an option topic is decided on, from ballots or from a SQL aggregate."""

    kind: OptionMode
    total: Weight  # from the frozen roll snapshot (R-HEAD-6, R-AREA-4)
    per_option: tuple[tuple[str, Weight], ...]  # each option's agreeing weight, in the topic's order
    voted: Weight = ZERO  # groups that picked at least one option
    abstain: Weight = ZERO
    spoiled: Weight = ZERO  # paper only (R-TALLY-6)
    spoiled_participates: bool = True  # R-PROC-4: False when the rules of procedure do not count blank ballots

    def __post_init__(self) -> None:
        validate_options(option for option, _ in self.per_option)
        parts = {f"option {option}": weight for option, weight in self.per_option}
        parts |= {"voted": self.voted, "abstain": self.abstain, "spoiled": self.spoiled}
        check_weights(parts, self.total, self.participating)
        if not self.kind.pick_any:
            if Weight.sum(weight for _, weight in self.per_option) != self.voted:
                raise ValueError("single choice: the options' weights must add up to the groups that voted")
        elif any(w.heads > self.voted.heads or w.area > self.voted.area for _, w in self.per_option):
            raise ValueError("consultation: no option can have more weight than the groups that voted")

    @property
    def participating(self) -> Weight:
        """R-TALLY-2 / R-TALLY-5: every group that answered, abstaining included, and spoiled or blank paper
        ballots unless the rules of procedure leave them out of the matter (R-PROC-4)."""
        return self.voted + self.abstain + (self.spoiled if self.spoiled_participates else ZERO)


def _show(answer: frozenset[str]) -> str:
    return "{" + ", ".join(sorted(answer)) + "}"


def count_option_ballots(
    kind: OptionMode, options: Sequence[str], ballots: Iterable[OptionBallot], total: Weight
) -> OptionCounts:
    """Sum one option topic's ballots (R-MULTI-1); the caller guarantees one ballot per group (R-HEAD-7)."""
    agree = dict.fromkeys(validate_options(options), ZERO)
    voted = abstain = spoiled = ZERO
    for weight, answer in ballots:
        if answer is Choice.ABSTAIN:
            abstain += weight
        elif answer is Choice.SPOILED:
            spoiled += weight
        elif isinstance(answer, Choice):  # AGREE / OPPOSE belong to yes/no topics
            raise InvalidOptionAnswer(answer=answer.value)
        else:
            picked = frozenset((answer,)) if isinstance(answer, str) else answer
            if not picked or (len(picked) > 1 and not kind.pick_any):
                raise InvalidOptionAnswer(answer=_show(picked))
            unknown = sorted(picked - agree.keys())
            if unknown:
                raise UnknownOption(option=", ".join(unknown))
            for option in picked:
                agree[option] += weight
            voted += weight
    return OptionCounts(kind, total, tuple(agree.items()), voted=voted, abstain=abstain, spoiled=spoiled)


@dataclass(frozen=True, slots=True)
class OptionTally:
    """One option's agreeing weight and its own approval test (R-MULTI-2)."""

    option: str
    agree: Weight
    approval_checks: tuple[Check, Check]

    @property
    def approval_met(self) -> bool:
        return all_met(self.approval_checks)

    def to_dict(self, counts: OptionCounts) -> dict[str, object]:
        return {
            "option": self.option,
            "agree": self.agree.as_dict(),
            "shares": {
                "of_participants": shares_dict(self.agree, counts.participating),
                "of_total": shares_dict(self.agree, counts.total),
            },
            "checks": [check.to_dict() for check in self.approval_checks],
            "approval_met": self.approval_met,
        }


@dataclass(frozen=True, slots=True)
class OptionsResult(Bilingual):
    """The decision on an option topic with its evidence (R-TALLY-10 applied to R-MULTI)."""

    rule: CountingRule
    counts: OptionCounts
    quorum_checks: tuple[Check, Check]
    options: tuple[OptionTally, ...]
    outcome: Outcome

    @property
    def quorum_met(self) -> bool:
        return all_met(self.quorum_checks)

    @property
    def qualified(self) -> tuple[str, ...]:
        return tuple(tally.option for tally in self.options if tally.approval_met)

    @property
    def adopted(self) -> str | None:
        return self.qualified[0] if self.outcome is Outcome.PASSED else None

    def reason(self, language: str) -> str:
        zh = language == "zh"
        if self.outcome is Outcome.NO_DECISION:
            if zh:
                return "征询意见（CONSULTATION）只报告统计结果，不形成决定。"
            return "Consultation: the counts are reported and no decision is made."
        if self.outcome is Outcome.NO_QUORUM:
            return quorum_reason(self.quorum_checks, language)
        quorum = describe(self.quorum_checks, language)
        quorum = f"{quorum}，达到参与表决要求" if zh else f"{quorum}: quorum met"
        symbol = self.rule.approval.symbol
        qualified = self.qualified
        if self.outcome is Outcome.PASSED:
            (adopted,) = [tally for tally in self.options if tally.approval_met]
            approval = describe(adopted.approval_checks, language)
            if zh:
                return f"{quorum}；选项 {adopted.option}：{approval}：采纳选项 {adopted.option}。"
            return f"{quorum}; option {adopted.option}: {approval}: option {adopted.option} adopted."
        if not qualified:
            if zh:
                return f"{quorum}；没有选项的同意面积和人数均达到 {symbol}，不以相对多数决定：未通过。"
            return (
                f"{quorum}; no option reached {symbol} of both participating area and heads, "
                "and a plurality does not decide: rejected."
            )
        # Only reachable with a rule looser than > 1/2, which community_rule refuses; stay total anyway.
        if zh:
            return f"{quorum}；选项 {'、'.join(qualified)} 同时达到 {symbol}，无法确定唯一结果：未通过。"
        return f"{quorum}; options {', '.join(qualified)} all reached {symbol}, so none is adopted: rejected."

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values (ints, strings, bools, null; no floats) for RFC 8785 canonicalisation."""
        c = self.counts
        return {
            "kind": c.kind.kind.value,
            "rule": self.rule.to_dict(),
            "total": c.total.as_dict(),
            "participating": c.participating.as_dict(),
            "voted": c.voted.as_dict(),
            "abstain": c.abstain.as_dict(),
            "spoiled": c.spoiled.as_dict(),
            "shares": {
                "participating": {"of_total": shares_dict(c.participating, c.total)},
                "abstain": {
                    "of_participants": shares_dict(c.abstain, c.participating),
                    "of_total": shares_dict(c.abstain, c.total),
                },
                "spoiled": {
                    "of_participants": shares_dict(c.spoiled, c.participating),
                    "of_total": shares_dict(c.spoiled, c.total),
                },
            },
            "quorum_checks": [check.to_dict() for check in self.quorum_checks],
            "options": [tally.to_dict(c) for tally in self.options],
            "quorum_met": self.quorum_met,
            "outcome": self.outcome.value,
            "adopted": self.adopted,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def decide_options(counts: OptionCounts, rule: CountingRule) -> OptionsResult:
    """R-MULTI-2 / R-MULTI-3. A consultation is still measured against ``rule`` (as information only)."""
    counts = replace(counts, spoiled_participates=rule.blank_participates)  # R-PROC-4
    quorum_checks = weigh("quorum", rule.quorum, counts.participating, counts.total)  # R-TALLY-3
    # R-MULTI-2: each option against all participants, so abstentions and other options count against it.
    tallies = tuple(
        OptionTally(option, weight, weigh("approval", rule.approval, weight, counts.participating))
        for option, weight in counts.per_option
    )
    qualified = [tally for tally in tallies if tally.approval_met]
    if counts.kind.pick_any:
        outcome = Outcome.NO_DECISION  # R-MULTI-3: even with a quorum and a clear favourite
    elif not all_met(quorum_checks):
        outcome = Outcome.NO_QUORUM
    elif len(qualified) == 1:
        outcome = Outcome.PASSED
    else:
        outcome = Outcome.REJECTED  # none, or several under a too-loose rule; never a plurality winner
    return OptionsResult(rule, counts, quorum_checks, tallies, outcome)
