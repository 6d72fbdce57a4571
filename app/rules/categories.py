"""Threshold category of a topic and the counting rule it gets (R-CAT-1..4, R-BAN-3, R-BAN-4).

Civil Code Art. 278 ¶2: every joint decision needs owners holding ≥ 2/3 of the total area **and** ≥ 2/3
of the total heads to take part. Items (6)–(8) (raise the maintenance fund, rebuild, change the use or
business use of common parts) then need ≥ 3/4 of the participating area and heads (SPECIAL); every other
item needs more than half (过半数) of each (ORDINARY). Per Art. 1259 "以上" includes the boundary;
"过半数" does not. Art. 279 (home to business use) needs unanimous consent of the interested owners and is
no assembly vote at all (NOT_A_MAJORITY_VOTE). Beijing Regulation Art. 34 items map onto Art. 278 items by
the R-CAT-2 table ``MATTERS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from app.rules.errors import NotAMajorityVote, ThresholdTooLoose, TopicWithoutMatter
from app.rules.numeric import MORE_THAN_HALF, THREE_QUARTERS, TWO_THIRDS, Threshold


class Category(StrEnum):
    """R-CAT-1: every topic has exactly one threshold category."""

    ORDINARY = "ORDINARY"  # CC 278(1) items (1)–(5), (9): > 1/2 of participants
    SPECIAL = "SPECIAL"  # CC 278(1) items (6)–(8): ≥ 3/4 of participants
    NOT_A_MAJORITY_VOTE = "NOT_A_MAJORITY_VOTE"  # CC 279 etc.: unanimity or individual consent, never voted


# R-CAT-3 "stricter wins"; a matter that cannot be voted at all outranks both voting categories.
_STRICTNESS = {Category.ORDINARY: 0, Category.SPECIAL: 1, Category.NOT_A_MAJORITY_VOTE: 2}


class MatterItem(StrEnum):
    """What a topic decides: Beijing Art. 34(1) items and sub-items, plus matters named only in the CC."""

    RULES_OF_PROCEDURE = "RULES_OF_PROCEDURE"
    MANAGEMENT_COVENANT = "MANAGEMENT_COVENANT"
    ELECT_COMMITTEE = "ELECT_COMMITTEE"
    SERVICE_TERMS = "SERVICE_TERMS"
    HIRE_DISMISS_PROVIDER = "HIRE_DISMISS_PROVIDER"
    FUND_RAISE = "FUND_RAISE"
    FUND_USE = "FUND_USE"
    FUND_MANAGE = "FUND_MANAGE"
    REBUILD = "REBUILD"
    COMMON_PARTS_BUSINESS_USE = "COMMON_PARTS_BUSINESS_USE"
    COMMON_INCOME = "COMMON_INCOME"
    CHANGE_USE_COMMON_PARTS = "CHANGE_USE_COMMON_PARTS"
    DISPOSE_COMMON_PARTS = "DISPOSE_COMMON_PARTS"
    COMMITTEE_ALLOWANCE_AUDIT = "COMMITTEE_ALLOWANCE_AUDIT"
    OVERRIDE_COMMITTEE_RESOLUTION = "OVERRIDE_COMMITTEE_RESOLUTION"
    OTHER_MAJOR_MATTER = "OTHER_MAJOR_MATTER"
    HOME_TO_BUSINESS = "HOME_TO_BUSINESS"


@dataclass(frozen=True, slots=True)
class Matter:
    """One row of the R-CAT-2 table: where the matter sits in the Beijing Regulation and the Civil Code."""

    beijing: str | None  # Beijing Regulation article, e.g. "34(1)(5)"; None when only the Civil Code names it
    civil_code: str  # e.g. "278(1)(6)"
    category: Category


_O, _S = Category.ORDINARY, Category.SPECIAL

# R-CAT-2. Rows marked CHOICE in RULES.md (service terms, fund management, common income, disposal) are
# ORDINARY under CC 278(1)(9). A disposal that also changes the use or is a business use is tagged with that
# matter too, and R-CAT-3 (``category_for``) then makes the topic SPECIAL.
MATTERS: Mapping[MatterItem, Matter] = MappingProxyType(
    {
        MatterItem.RULES_OF_PROCEDURE: Matter("34(1)(1)", "278(1)(1)", _O),
        MatterItem.MANAGEMENT_COVENANT: Matter("34(1)(1)", "278(1)(2)", _O),
        MatterItem.ELECT_COMMITTEE: Matter("34(1)(2)", "278(1)(3)", _O),
        MatterItem.SERVICE_TERMS: Matter("34(1)(3)", "278(1)(9)", _O),
        MatterItem.HIRE_DISMISS_PROVIDER: Matter("34(1)(4)", "278(1)(4)", _O),
        MatterItem.FUND_RAISE: Matter("34(1)(5)", "278(1)(6)", _S),
        MatterItem.FUND_USE: Matter("34(1)(5)", "278(1)(5)", _O),
        MatterItem.FUND_MANAGE: Matter("34(1)(5)", "278(1)(9)", _O),
        MatterItem.REBUILD: Matter("34(1)(6)", "278(1)(7)", _S),
        MatterItem.COMMON_PARTS_BUSINESS_USE: Matter("34(1)(7)", "278(1)(8)", _S),
        MatterItem.COMMON_INCOME: Matter("34(1)(7)", "278(1)(9)", _O),
        MatterItem.CHANGE_USE_COMMON_PARTS: Matter(None, "278(1)(8)", _S),
        MatterItem.DISPOSE_COMMON_PARTS: Matter(None, "278(1)(9)", _O),  # SPC Art. 7
        MatterItem.COMMITTEE_ALLOWANCE_AUDIT: Matter("34(1)(8)", "278(1)(9)", _O),
        MatterItem.OVERRIDE_COMMITTEE_RESOLUTION: Matter("34(1)(9)", "278(1)(9)", _O),
        MatterItem.OTHER_MAJOR_MATTER: Matter("34(1)(10)", "278(1)(9)", _O),
        MatterItem.HOME_TO_BUSINESS: Matter(None, "279", Category.NOT_A_MAJORITY_VOTE),  # R-BAN-3
    }
)


# R-ROLL-4 (CHOICE): only matters whose cost falls on part of the owners (the 「列支范围」 principle) may be voted
# in a narrower scope; every other matter concerns the whole area and needs the full roll.
SCOPE_LIMITABLE = frozenset({MatterItem.FUND_USE, MatterItem.FUND_RAISE, MatterItem.REBUILD})

# R-CAT-5 (CHOICE) "one topic, one decision", made precise: a deciding topic (YES_NO or SINGLE_CHOICE) names
# one matter, or several that all belong to one of these sets, each describing a single decision. Anything
# else (e.g. the covenant together with an election, or hiring a provider together with raising the fund) is
# bundled. Matters of different categories may share a decision: R-CAT-3 then makes the topic SPECIAL.
ONE_DECISION = (
    # R-CAT-2 row (3): the service terms are the terms of the provider being hired.
    frozenset({MatterItem.HIRE_DISMISS_PROVIDER, MatterItem.SERVICE_TERMS}),
    # R-CAT-2 disposal row (CHOICE): a disposal that also changes the use or is a business use.
    frozenset(
        {
            MatterItem.DISPOSE_COMMON_PARTS,
            MatterItem.CHANGE_USE_COMMON_PARTS,
            MatterItem.COMMON_PARTS_BUSINESS_USE,
        }
    ),
    # Beijing Art. 34(1)(7): a business use of common parts and the common income it yields.
    frozenset({MatterItem.COMMON_PARTS_BUSINESS_USE, MatterItem.COMMON_INCOME}),
    # A rebuilding paid from the maintenance fund (e.g. adding an elevator) is one project decision.
    frozenset({MatterItem.REBUILD, MatterItem.FUND_USE}),
)


def is_one_decision(matters: Iterable[MatterItem]) -> bool:
    """R-CAT-5: one matter, or several that all belong to one set of ``ONE_DECISION``."""
    distinct = frozenset(matters)
    return len(distinct) <= 1 or any(distinct <= one for one in ONE_DECISION)


def whole_area_matters(matters: Iterable[MatterItem]) -> list[MatterItem]:
    """R-ROLL-4: the matters, in order, that concern the whole area and so cannot be voted in a narrower scope."""
    return [matter for matter in matters if matter not in SCOPE_LIMITABLE]


def category_for(matters: Iterable[MatterItem]) -> Category:
    """R-CAT-3: a topic touching several matters takes the strictest category among them.

    A topic must name at least one matter, otherwise it has no category (R-CAT-1).
    """
    categories = [MATTERS[matter].category for matter in matters]
    if not categories:
        raise TopicWithoutMatter()
    return max(categories, key=_STRICTNESS.__getitem__)


@dataclass(frozen=True, slots=True)
class CountingRule:
    """The thresholds one topic is tallied with: participation quorum against the totals, approval against
    the participants (R-TALLY-3, R-TALLY-4).

    Build it with ``statutory_rule`` or ``community_rule``, which refuse anything looser than the Civil Code.
    The tally itself accepts any rule, so the offline verifier can recompute a recorded result as it was.
    """

    category: Category
    quorum: Threshold
    approval: Threshold
    # R-PROC-4: blank or spoiled paper ballots take part like abstentions (R-TALLY-6) unless the rules of
    # procedure say they are not counted in the matter; shown in documents only when not the default.
    blank_participates: bool = True

    def with_blank_ballots(self, participates: bool) -> CountingRule:
        return CountingRule(self.category, self.quorum, self.approval, participates)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "category": self.category.value,
            "quorum": _threshold_dict(self.quorum),
            "approval": _threshold_dict(self.approval),
        }
        if not self.blank_participates:
            data["blank_ballots"] = BLANK_NOT_COUNTED
        return data


def _threshold_dict(threshold: Threshold) -> dict[str, object]:
    return {**threshold.to_dict(), "symbol": threshold.symbol}


BLANK_NOT_COUNTED = "NOT_COUNTED"  # app.rules.procedure.BlankBallots.NOT_COUNTED, as topic rules spell it


def blank_participates(rule: Mapping[str, object]) -> bool:
    """R-PROC-4 read from a stored or published topic rule: absent means the R-TALLY-6 default."""
    return rule.get("blank_ballots") != BLANK_NOT_COUNTED


_STATUTORY_APPROVAL = {Category.ORDINARY: MORE_THAN_HALF, Category.SPECIAL: THREE_QUARTERS}


def statutory_rule(category: Category) -> CountingRule:
    """R-CAT-1: CC 278 ¶2 thresholds; NOT_A_MAJORITY_VOTE topics are refused (R-BAN-3)."""
    approval = _STATUTORY_APPROVAL.get(category)
    if approval is None:
        raise NotAMajorityVote()
    return CountingRule(category, TWO_THIRDS, approval)


def community_rule(
    category: Category, *, quorum: Threshold | None = None, approval: Threshold | None = None
) -> CountingRule:
    """R-CAT-4: the rules of procedure may set stricter thresholds, never looser ones (R-BAN-4).

    A threshold left as ``None`` is the statutory one.
    """
    statutory = statutory_rule(category)
    rule = CountingRule(
        category,
        statutory.quorum if quorum is None else quorum,
        statutory.approval if approval is None else approval,
    )
    for measure, configured, minimum in (
        ("quorum", rule.quorum, statutory.quorum),
        ("approval", rule.approval, statutory.approval),
    ):
        if not configured.at_least_as_strict_as(minimum):
            raise ThresholdTooLoose(measure=measure, configured=configured.symbol, minimum=minimum.symbol)
    return rule
