"""The tally of one yes/no topic: participation quorum, then double-majority approval (R-TALLY-2..5, 10).

Civil Code Art. 278 ¶2: owners holding ≥ 2/3 of the total exclusive area **and** ≥ 2/3 of the total heads must
take part (R-TALLY-3); the topic then needs agreement of more than half (ORDINARY) or ≥ 3/4 (SPECIAL) of the
**participating** area and heads (R-TALLY-4). "以上" includes the boundary and "过半数" does not (Art. 1259).
Abstentions and spoiled paper ballots take part but do not agree (R-TALLY-5, R-TALLY-6). Every comparison is
integer cross-multiplication (R-NUM-3) and a zero base never passes (R-NUM-5).

Counting (``count_ballots``) and deciding (``decide``) are separate on purpose: the service feeds ``decide``
from a SQL aggregate, the offline verifier from the exported ballots, and both must reach the same result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from app.rules.categories import Category, CountingRule
from app.rules.choices import Choice, Outcome
from app.rules.counts import Weight
from app.rules.numeric import Threshold, area_display, percent_display, threshold_formula

ZERO = Weight()

Ballot = tuple[Weight, Choice]
"""One voter group's weight and its answer; the caller guarantees one ballot per group (R-HEAD-7)."""

_LABELS = {
    ("quorum", "area"): ("参与表决面积", "Participating area"),  # always opens a reason
    ("quorum", "heads"): ("参与表决人数", "participating heads"),
    ("approval", "area"): ("同意面积", "agreeing area"),
    ("approval", "heads"): ("同意人数", "agreeing heads"),
}


def shares_dict(part: Weight, whole: Weight) -> dict[str, object]:
    """Display-only percentages (R-NUM-4); the exact integers are reported next to them."""
    return {"heads": percent_display(part.heads, whole.heads), "area": percent_display(part.area, whole.area)}


class _Reasoned(Protocol):
    def reason(self, language: str) -> str: ...


class Bilingual:
    """The ``reason`` of a result in both languages the evidence carries (R-TALLY-10)."""

    __slots__ = ()

    @property
    def reason_zh(self: _Reasoned) -> str:
        return self.reason("zh")

    @property
    def reason_en(self: _Reasoned) -> str:
        return self.reason("en")


@dataclass(frozen=True, slots=True)
class Check:
    """One threshold comparison with its integers, kept as evidence (R-TALLY-10)."""

    test: str  # "quorum" or "approval"
    measure: str  # "area" or "heads"
    part: int
    whole: int
    threshold: Threshold

    @property
    def met(self) -> bool:
        return self.threshold.met(self.part, self.whole)

    @property
    def formula(self) -> str:
        """``3*77550=232650 >= 2*90000=180000`` (``threshold_formula`` without names)."""
        return threshold_formula(self.threshold, self.part, self.whole)

    def describe(self, language: str) -> str:
        """``参与表决面积 77550/90000 ≥ 2/3``; when not met the relation is negated (``< 2/3``, ``≤ 1/2``)."""
        zh, en = _LABELS[(self.test, self.measure)]
        t = self.threshold
        relation = t.symbol if self.met else ("≤" if t.strict else "<") + f" {t.num}/{t.den}"
        text = f"{zh if language == 'zh' else en} {self.part}/{self.whole} {relation}"
        if self.whole <= 0:
            text += "（分母为零）" if language == "zh" else " (zero base)"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "test": self.test,
            "measure": self.measure,
            "part": self.part,
            "whole": self.whole,
            "threshold": self.threshold.symbol,
            "formula": self.formula,
            "met": self.met,
        }


def weigh(test: str, threshold: Threshold, part: Weight, whole: Weight) -> tuple[Check, Check]:
    """Both measures of one test, area first as CC 278 ¶2 lists them (the double majority)."""
    return (
        Check(test, "area", part.area, whole.area, threshold),
        Check(test, "heads", part.heads, whole.heads, threshold),
    )


def all_met(checks: Iterable[Check]) -> bool:
    return all(check.met for check in checks)


def describe(checks: Iterable[Check], language: str) -> str:
    return ("，" if language == "zh" else ", ").join(check.describe(language) for check in checks)


def quorum_reason(checks: Iterable[Check], language: str) -> str:
    """The NO_QUORUM reason, shared by yes/no and option topics (R-TALLY-3)."""
    if language == "zh":
        return f"{describe(checks, 'zh')}：未达到参与表决要求，不形成决定。"
    return f"{describe(checks, 'en')}: participation quorum not met, no decision."


_AREA_UNITS = {"zh": "平方米", "en": "m²"}


def _area_checks(value: object) -> Iterator[Mapping[str, object]]:
    """Every area comparison (``Check.to_dict``) anywhere in an evidence document, options' and candidates' too."""
    if isinstance(value, Mapping):
        if value.get("measure") == "area" and (value.get("test"), "area") in _LABELS:
            yield value
        for item in value.values():
            yield from _area_checks(item)
    elif isinstance(value, list):
        for item in value:
            yield from _area_checks(item)


def reason_in_m2(evidence: Mapping[str, object], language: str) -> str:
    """The evidence's ``reason_zh`` / ``reason_en`` with each area comparison in square metres, as people read it
    (``参与表决面积 544.50/900.00 平方米 ≥ 2/3``; R-NUM-4). The evidence itself keeps the exact 0.01 m² integers it
    was signed and hashed with (R-NUM-1, R-TALLY-10); this only rewrites the ``label part/whole`` that
    ``Check.describe`` wrote, from the same integers, so nothing is rounded."""
    reason = evidence.get(f"reason_{language}")
    if not isinstance(reason, str):
        return ""
    unit = _AREA_UNITS["zh" if language == "zh" else "en"]
    for check in _area_checks(evidence):
        part, whole = check.get("part"), check.get("whole")
        if not isinstance(part, int) or not isinstance(whole, int):
            continue
        zh, en = _LABELS[(str(check["test"]), "area")]
        label = zh if language == "zh" else en
        reason = reason.replace(
            f"{label} {part}/{whole} ", f"{label} {area_display(part)}/{area_display(whole)} {unit} "
        )
    return reason


def check_weights(counts: dict[str, Weight], total: Weight, participating: Weight) -> None:
    """Invariants of any counts, whichever path produced them: nothing negative, nobody beyond the roll."""
    for name, weight in {**counts, "total": total}.items():
        if weight.heads < 0 or weight.area < 0:
            raise ValueError(f"{name} must not be negative: {weight}")
    if participating.heads > total.heads or participating.area > total.area:
        raise ValueError(f"participating {participating} exceeds the roll total {total}")


@dataclass(frozen=True, slots=True)
class TopicCounts:
    """R-TALLY-2: the sums one yes/no topic is decided on, from ballots or from a SQL aggregate."""

    total: Weight  # from the frozen roll snapshot (R-HEAD-6, R-AREA-4)
    agree: Weight = ZERO
    oppose: Weight = ZERO
    abstain: Weight = ZERO
    spoiled: Weight = ZERO  # paper only (R-TALLY-6)
    spoiled_participates: bool = True  # R-PROC-4: False when the rules of procedure do not count blank ballots

    def __post_init__(self) -> None:
        parts = {"agree": self.agree, "oppose": self.oppose, "abstain": self.abstain, "spoiled": self.spoiled}
        check_weights(parts, self.total, self.participating)

    @property
    def participating(self) -> Weight:
        """R-TALLY-2 / R-TALLY-5: every group that answered, abstaining included, and spoiled or blank paper
        ballots unless the rules of procedure leave them out of the matter (R-PROC-4)."""
        spoiled = self.spoiled if self.spoiled_participates else ZERO
        return Weight.sum((self.agree, self.oppose, self.abstain, spoiled))


def count_ballots(ballots: Iterable[Ballot], total: Weight) -> TopicCounts:
    """Sum one topic's ballots by answer (R-TALLY-2). Non-voters are simply absent (R-TALLY-8)."""
    sums = dict.fromkeys(Choice, ZERO)
    for weight, choice in ballots:
        sums[choice] += weight
    return TopicCounts(
        total,
        agree=sums[Choice.AGREE],
        oppose=sums[Choice.OPPOSE],
        abstain=sums[Choice.ABSTAIN],
        spoiled=sums[Choice.SPOILED],
    )


@dataclass(frozen=True, slots=True)
class TopicResult(Bilingual):
    """The decision on one topic with everything needed to check it by hand (R-TALLY-10, R-NUM-4)."""

    rule: CountingRule
    counts: TopicCounts
    quorum_checks: tuple[Check, Check]
    approval_checks: tuple[Check, Check]
    outcome: Outcome

    @property
    def category(self) -> Category:
        return self.rule.category

    @property
    def quorum_met(self) -> bool:
        return all_met(self.quorum_checks)

    @property
    def approval_met(self) -> bool:
        return all_met(self.approval_checks)

    def reason(self, language: str) -> str:
        if self.outcome is Outcome.NO_QUORUM:
            return quorum_reason(self.quorum_checks, language)
        quorum = describe(self.quorum_checks, language)
        approval = describe(self.approval_checks, language)
        if language == "zh":
            verdict = "通过" if self.outcome is Outcome.PASSED else "未通过"
            return f"{quorum}，达到参与表决要求；{approval}：{verdict}。"
        verdict = "passed" if self.outcome is Outcome.PASSED else "rejected"
        return f"{quorum}: quorum met; {approval}: {verdict}."

    def to_dict(self) -> dict[str, object]:
        """Plain JSON values (ints, strings, bools; no floats) ready for RFC 8785 canonicalisation."""
        c = self.counts
        answers = {"agree": c.agree, "oppose": c.oppose, "abstain": c.abstain, "spoiled": c.spoiled}
        shares: dict[str, object] = {"participating": {"of_total": shares_dict(c.participating, c.total)}}
        for name, weight in answers.items():
            shares[name] = {
                "of_participants": shares_dict(weight, c.participating),
                "of_total": shares_dict(weight, c.total),
            }
        return {
            "rule": self.rule.to_dict(),
            "total": c.total.as_dict(),
            "participating": c.participating.as_dict(),
            **{name: weight.as_dict() for name, weight in answers.items()},
            "shares": shares,
            "checks": [check.to_dict() for check in (*self.quorum_checks, *self.approval_checks)],
            "quorum_met": self.quorum_met,
            "approval_met": self.approval_met,
            "outcome": self.outcome.value,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def decide(counts: TopicCounts, rule: CountingRule) -> TopicResult:
    """R-TALLY-3 then R-TALLY-4: NO_QUORUM if participation fails, else PASSED only if approval holds."""
    counts = replace(counts, spoiled_participates=rule.blank_participates)  # R-PROC-4
    # R-TALLY-3: participation against the roll totals.
    quorum_checks = weigh("quorum", rule.quorum, counts.participating, counts.total)
    # R-TALLY-4/5: approval against everyone who took part, so abstaining and spoiled count against it.
    approval_checks = weigh("approval", rule.approval, counts.agree, counts.participating)
    if not all_met(quorum_checks):
        outcome = Outcome.NO_QUORUM
    elif all_met(approval_checks):
        outcome = Outcome.PASSED
    else:
        outcome = Outcome.REJECTED
    return TopicResult(rule, counts, quorum_checks, approval_checks, outcome)
