"""The rules of procedure (业主大会议事规则) as one versioned configuration of the counting options (R-PROC-1..8).

Beijing Regulation Art. 32(2) makes the rules of procedure decide 「业主大会的议事方式、表决程序，业主委员会的组成、
任期、罢免和递补」; Art. 34(1)(1) makes adopting or changing them an assembly decision (R-CAT-2: ORDINARY,
CC 278(1)(1)).
What the rules decide here, each within what the law allows:

* whether separately titled parking spaces count as voting units (R-AREA-3; 指导规则 Art. 25);
* whether owners may vote by proxy and how many groups one agent may represent (R-CAST-4; 物业管理条例 Art. 12(2));
* how blank or spoiled paper ballots count: as abstentions (taking part, not agreeing; the default of R-TALLY-6) or
  not at all (not taking part in that matter; PROCEDURE D2);
* how an election ranks the qualifying candidates (R-ELEC-6: heads then area by default; PROCEDURE D7);
* how vacancies are filled: by the alternates, in their rank order (Beijing Art. 41 ¶3 is mandatory, R-PROC-6);
* the minimum voting window (R-LIFE-5, at least 7 days);
* stricter thresholds per category, never looser ones (R-CAT-4, R-BAN-4).

An estate that has adopted no rules gets ``statutory(...)``: exactly the behaviour without rules (R-PROC-2). The
document is canonical JSON, so its SHA-256 identifies the version a vote was published under (R-PROC-3).

Beijing Art. 44 (last ¶): the assembly may not authorise the committee to decide an Art. 34(1) matter;
``check_delegation`` refuses a topic that would (R-PROC-8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.rules.categories import Category, CountingRule, MatterItem, community_rule
from app.rules.errors import DelegationForbidden, DelegationUnknown, ProcedureRulesInvalid
from app.rules.numeric import Threshold

SCHEMA = "evote/procedure-rules/1"
MIN_WINDOW_DAYS = 7  # R-LIFE-5 (CHOICE): the floor any rules of procedure may only raise


class BlankBallots(StrEnum):
    """R-PROC-4: how a blank or spoiled paper ballot counts in the matter it does not answer."""

    ABSTAIN = "ABSTAIN"  # R-TALLY-6 default: the owner took part, and did not agree
    NOT_COUNTED = "NOT_COUNTED"  # the owner did not take part in that matter: neither participating nor agreeing


class ElectionRanking(StrEnum):
    """R-PROC-5: the order of qualifying candidates (R-ELEC-6); a full tie is never broken by lot."""

    HEADS_THEN_AREA = "HEADS_THEN_AREA"  # R-ELEC-6 default: 「按得票多少（票数相等，以得票面积多少排序）」
    AREA_THEN_HEADS = "AREA_THEN_HEADS"


class VacancyFilling(StrEnum):
    """R-PROC-6: Beijing Art. 41 ¶3 「委员出现空缺时，由候补委员按照议事规则规定的方式递补」."""

    ALTERNATES_BY_RANK = "ALTERNATES_BY_RANK"  # the first-ranked remaining alternate fills the first vacancy


class CommitteePower(StrEnum):
    """R-PROC-8: what an assembly may lawfully hand to the committee (none of them is an Art. 34(1) matter)."""

    ORGANISE_TENDER = "ORGANISE_TENDER"  # Beijing Art. 64: 业主可以委托业主委员会…组织招标; owners still choose
    SIGN_SERVICE_CONTRACT = "SIGN_SERVICE_CONTRACT"  # Beijing Art. 44(1)(3): sign the contract the owners decided


@dataclass(frozen=True, slots=True)
class Thresholds:
    """R-CAT-4: a category's thresholds set by the rules; ``None`` keeps the statutory one."""

    quorum: Threshold | None = None
    approval: Threshold | None = None


@dataclass(frozen=True, slots=True)
class ProcedureRules:
    """One version of an estate's rules of procedure, validated (``from_document``) or statutory (``statutory``)."""

    include_parking: bool = False
    proxies_allowed: bool = True
    max_proxies_per_agent: int | None = None
    blank_ballots: BlankBallots = BlankBallots.ABSTAIN
    election_ranking: ElectionRanking = ElectionRanking.HEADS_THEN_AREA
    vacancy_filling: VacancyFilling = VacancyFilling.ALTERNATES_BY_RANK
    min_window_days: int = MIN_WINDOW_DAYS
    thresholds: Mapping[Category, Thresholds] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_window_days < MIN_WINDOW_DAYS:
            raise ProcedureRulesInvalid(field="min_window_days", reason=f"< {MIN_WINDOW_DAYS}")
        if self.max_proxies_per_agent is not None and self.max_proxies_per_agent < 1:
            raise ProcedureRulesInvalid(field="proxies.max_per_agent", reason="< 1")
        for category in self.thresholds:
            self.counting_rule(category)  # R-CAT-4: looser than CC 278 is refused here, once

    def counting_rule(self, category: Category) -> CountingRule:
        """R-PROC-7: the category's rule under these rules: stricter thresholds only, and the blank-ballot rule."""
        configured = self.thresholds.get(category, Thresholds())
        rule = community_rule(category, quorum=configured.quorum, approval=configured.approval)
        return rule.with_blank_ballots(self.blank_ballots is BlankBallots.ABSTAIN)

    def to_document(self) -> dict[str, Any]:
        """The canonical document whose SHA-256 the notice and the ``vote.published`` entry bind (R-PROC-3)."""
        return {
            "schema": SCHEMA,
            "include_parking": self.include_parking,
            "proxies": {"allowed": self.proxies_allowed, "max_per_agent": self.max_proxies_per_agent},
            "blank_ballots": self.blank_ballots.value,
            "election_ranking": self.election_ranking.value,
            "vacancy_filling": self.vacancy_filling.value,
            "min_window_days": self.min_window_days,
            "thresholds": {
                category.value: {
                    "quorum": None if t.quorum is None else t.quorum.to_dict(),
                    "approval": None if t.approval is None else t.approval.to_dict(),
                }
                for category, t in sorted(self.thresholds.items())
            },
        }


def statutory(*, include_parking: bool = False) -> ProcedureRules:
    """R-PROC-2: an estate without adopted rules: the statutory thresholds and the RULES.md defaults.

    ``include_parking`` is the estate's flag set when it was created (R-AREA-3), as before any rules existed."""
    return ProcedureRules(include_parking=include_parking)


def _enum(cls: type[StrEnum], data: Mapping[str, Any], key: str, default: StrEnum) -> Any:
    value = data.get(key, default.value)
    try:
        return cls(value)
    except ValueError:
        raise ProcedureRulesInvalid(field=key, reason=str(value)) from None


def _threshold(data: Any, name: str) -> Threshold | None:
    if data is None:
        return None
    try:
        return Threshold.from_dict(data)
    except (KeyError, TypeError, ValueError):
        raise ProcedureRulesInvalid(field=name, reason=str(data)) from None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProcedureRulesInvalid(field=name, reason=str(value))
    return value


def from_document(data: Mapping[str, Any]) -> ProcedureRules:
    """Read and validate a proposed rules document (R-PROC-1); a field left out keeps its statutory default."""
    proxies = data.get("proxies") or {}
    max_per_agent = proxies.get("max_per_agent")
    thresholds: dict[Category, Thresholds] = {}
    for name, configured in (data.get("thresholds") or {}).items():
        if name not in (Category.ORDINARY, Category.SPECIAL):
            raise ProcedureRulesInvalid(field="thresholds", reason=str(name))
        thresholds[Category(name)] = Thresholds(
            _threshold(configured.get("quorum"), f"thresholds.{name}.quorum"),
            _threshold(configured.get("approval"), f"thresholds.{name}.approval"),
        )
    return ProcedureRules(
        include_parking=bool(data.get("include_parking", False)),
        proxies_allowed=bool(proxies.get("allowed", True)),
        max_proxies_per_agent=None if max_per_agent is None else _int(max_per_agent, "proxies.max_per_agent"),
        blank_ballots=_enum(BlankBallots, data, "blank_ballots", BlankBallots.ABSTAIN),
        election_ranking=_enum(ElectionRanking, data, "election_ranking", ElectionRanking.HEADS_THEN_AREA),
        vacancy_filling=_enum(VacancyFilling, data, "vacancy_filling", VacancyFilling.ALTERNATES_BY_RANK),
        min_window_days=_int(data.get("min_window_days", MIN_WINDOW_DAYS), "min_window_days"),
        thresholds=thresholds,
    )


def proxy_allowed(rules: ProcedureRules, already_represented: int) -> bool:
    """R-PROC-5 / R-CAST-4: may an agent who already represents ``already_represented`` groups take one more?"""
    if not rules.proxies_allowed:
        return False
    return rules.max_proxies_per_agent is None or already_represented < rules.max_proxies_per_agent


@dataclass(frozen=True, slots=True)
class VacancyFill:
    """R-PROC-6: who fills the vacancies, who stays an alternate, and whether Art. 48 requires a re-election."""

    promoted: tuple[str, ...]
    alternates_left: tuple[str, ...]
    members_after: int
    full_reelection: bool


def fill_vacancies(member_seats: int, sitting_members: int, alternates_by_rank: Sequence[str]) -> VacancyFill:
    """Beijing Art. 41 ¶3: alternates fill vacant seats in rank order; Art. 48: if the members after that are
    fewer than half the seats (``2*members_after < member_seats``), the committee must be re-elected."""
    vacant = max(member_seats - sitting_members, 0)
    promoted = tuple(alternates_by_rank[:vacant])
    members_after = sitting_members + len(promoted)
    return VacancyFill(promoted, tuple(alternates_by_rank[vacant:]), members_after, 2 * members_after < member_seats)


def check_delegation(delegated: Iterable[str]) -> tuple[CommitteePower, ...]:
    """R-PROC-8: Beijing Art. 44 (last ¶) 「业主大会不得授权业主委员会决定本条例第三十四条第一款规定事项」.

    Every ``MatterItem`` is an Art. 34(1) matter or a CC 278 / 279 matter the owners decide themselves, so none
    can be handed to the committee; only a ``CommitteePower`` can. Returns the powers, in order, deduplicated."""
    items = list(dict.fromkeys(delegated))
    forbidden = [item for item in items if item in MatterItem.__members__]
    if forbidden:
        raise DelegationForbidden(matters=", ".join(forbidden))
    unknown = [item for item in items if item not in CommitteePower.__members__]
    if unknown:
        raise DelegationUnknown(items=", ".join(unknown))
    return tuple(CommitteePower(item) for item in items)
