"""First-assembly applications and temporary-meeting petitions (R-LIFE-9, R-LIFE-10).

Beijing Property Management Regulation Art. 30: once the exclusive parts delivered to owners reach 50 % of the
total building area, 「百分之五以上的业主、专有部分占建筑物总面积百分之五以上的业主或者建设单位」 may apply to
the street office to form the owners' assembly. The three applicants are read as alternatives (R-LIFE-9,
CHOICE). Art. 35(2): the committee must organise a temporary meeting when 「百分之二十以上业主」 propose it,
which counts heads only (R-LIFE-10, CHOICE); the area share, which the national 指导规则 Art. 21 also
requires, is reported for information.

These are helper checks: the street office or the committee decides. Heads and areas come from the R-HEAD and
R-AREA rules, and every comparison is an integer cross-multiplication (R-NUM-3).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.rules.counts import Weight
from app.rules.numeric import HALF, ONE_FIFTH, ONE_TWENTIETH, area_display, percent_display, threshold_formula


class PetitionThreshold(StrEnum):
    DELIVERED_AREA = "DELIVERED_AREA"  # R-LIFE-9 precondition: 2*delivered_area >= total_area
    APPLICANT_HEADS = "APPLICANT_HEADS"  # R-LIFE-9: 20*applicant_heads >= total_heads
    APPLICANT_AREA = "APPLICANT_AREA"  # R-LIFE-9: 20*applicant_area >= total_area
    DEVELOPER = "DEVELOPER"  # R-LIFE-9: the developer may always apply
    PETITION_HEADS = "PETITION_HEADS"  # R-LIFE-10: 5*petitioning_heads >= total_heads
    PETITION_AREA = "PETITION_AREA"  # R-LIFE-10, information only: 5*petitioning_area >= total_area


def _check_part(name: str, part: int, whole: int) -> None:
    # Figures come from the roll; a part outside 0..whole means the caller counted wrongly.
    if not 0 <= part <= whole:
        raise ValueError(f"{name} must be between 0 and {whole}, got {part}")


@dataclass(frozen=True, slots=True)
class FirstAssemblyCheck:
    """R-LIFE-9: whether an application to form the owners' assembly meets Beijing Art. 30."""

    total: Weight
    delivered_area: int
    applicants: Weight
    applicant_is_developer: bool

    @property
    def reached(self) -> tuple[PetitionThreshold, ...]:
        tests = (
            (PetitionThreshold.DELIVERED_AREA, HALF.met(self.delivered_area, self.total.area)),
            (PetitionThreshold.APPLICANT_HEADS, ONE_TWENTIETH.met(self.applicants.heads, self.total.heads)),
            (PetitionThreshold.APPLICANT_AREA, ONE_TWENTIETH.met(self.applicants.area, self.total.area)),
            (PetitionThreshold.DEVELOPER, self.applicant_is_developer),
        )
        return tuple(name for name, met in tests if met)

    @property
    def precondition_met(self) -> bool:
        return PetitionThreshold.DELIVERED_AREA in self.reached

    @property
    def applicants_qualify(self) -> bool:
        """Any one of the three suffices (the 「或者」 reading, R-LIFE-9)."""
        return bool(set(self.reached) - {PetitionThreshold.DELIVERED_AREA})

    @property
    def eligible(self) -> bool:
        return self.precondition_met and self.applicants_qualify

    @property
    def formulas(self) -> tuple[str, str, str]:
        return (
            threshold_formula(HALF, self.delivered_area, self.total.area, names=("delivered_area", "total_area")),
            threshold_formula(
                ONE_TWENTIETH, self.applicants.heads, self.total.heads, names=("applicant_heads", "total_heads")
            ),
            threshold_formula(
                ONE_TWENTIETH, self.applicants.area, self.total.area, names=("applicant_area", "total_area")
            ),
        )

    @property
    def reasons(self) -> tuple[str, str]:
        """(zh, en) explanation of the result."""
        if not self.precondition_met:
            return (
                f"已交付业主的专有部分面积 {area_display(self.delivered_area)} 平方米未达到"
                f"建筑物总面积 {area_display(self.total.area)} 平方米的 50%，尚不能申请成立业主大会"
                "（北京市物业管理条例第三十条，R-LIFE-9）。",
                f"The delivered area {area_display(self.delivered_area)} m² is below 50% of the total area "
                f"{area_display(self.total.area)} m², "
                "so the owners' assembly cannot yet be applied for (Beijing Art. 30, R-LIFE-9).",
            )
        if not self.applicants_qualify:
            return (
                "已交付面积达到 50%，但申请人的人数和专有部分面积均未达到 5%，且申请人不是建设单位"
                "（北京市物业管理条例第三十条，R-LIFE-9）。",
                "The delivered area reaches 50%, but the applicants hold less than 5% of owners "
                "and of the area, and the applicant is not the developer (Beijing Art. 30, R-LIFE-9).",
            )
        grounds = ", ".join(t.value for t in self.reached if t is not PetitionThreshold.DELIVERED_AREA)
        return (
            f"已交付面积达到 50%，申请人符合条件（{grounds}），可以向街道办事处申请成立业主大会"
            "（北京市物业管理条例第三十条，R-LIFE-9）。",
            f"The delivered area reaches 50% and the applicants qualify ({grounds}); they may apply to the "
            "street office to form the owners' assembly (Beijing Art. 30, R-LIFE-9).",
        )

    def to_dict(self) -> dict[str, object]:
        zh, en = self.reasons
        return {
            "total": self.total.as_dict(),
            "delivered_area": self.delivered_area,
            "delivered_area_percent": percent_display(self.delivered_area, self.total.area),
            "applicants": self.applicants.as_dict(),
            "applicant_heads_percent": percent_display(self.applicants.heads, self.total.heads),
            "applicant_area_percent": percent_display(self.applicants.area, self.total.area),
            "applicant_is_developer": "YES" if self.applicant_is_developer else "NO",
            "formulas": list(self.formulas),
            "thresholds_reached": [t.value for t in self.reached],
            "result": "ELIGIBLE" if self.eligible else "NOT_ELIGIBLE",
            "reason_zh": zh,
            "reason_en": en,
        }


def check_first_assembly_application(
    *, total: Weight, delivered_area: int, applicants: Weight, applicant_is_developer: bool = False
) -> FirstAssemblyCheck:
    """R-LIFE-9 helper check; totals are over the whole area, "delivered" excludes the developer's units."""
    _check_part("delivered_area", delivered_area, total.area)
    _check_part("applicant heads", applicants.heads, total.heads)
    _check_part("applicant area", applicants.area, total.area)
    return FirstAssemblyCheck(total, delivered_area, applicants, applicant_is_developer)


@dataclass(frozen=True, slots=True)
class TemporaryMeetingCheck:
    """R-LIFE-10: whether an owners' petition obliges the committee to organise a temporary meeting."""

    total: Weight
    petitioners: Weight

    @property
    def succeeded(self) -> bool:
        return ONE_FIFTH.met(self.petitioners.heads, self.total.heads)

    @property
    def area_reached(self) -> bool:
        """Information only: the national 指导规则 Art. 21 would also need 20 % of the area."""
        return ONE_FIFTH.met(self.petitioners.area, self.total.area)

    @property
    def reached(self) -> tuple[PetitionThreshold, ...]:
        tests = (
            (PetitionThreshold.PETITION_HEADS, self.succeeded),
            (PetitionThreshold.PETITION_AREA, self.area_reached),
        )
        return tuple(name for name, met in tests if met)

    @property
    def formulas(self) -> tuple[str, str]:
        return (
            threshold_formula(
                ONE_FIFTH, self.petitioners.heads, self.total.heads, names=("petitioning_heads", "total_heads")
            ),
            threshold_formula(
                ONE_FIFTH, self.petitioners.area, self.total.area, names=("petitioning_area", "total_area")
            ),
        )

    @property
    def reasons(self) -> tuple[str, str]:
        """(zh, en) explanation of the result, always with the area figure for information."""
        heads = f"{self.petitioners.heads}/{self.total.heads}"
        area = f"{area_display(self.petitioners.area)}/{area_display(self.total.area)}"
        if self.succeeded:
            zh = f"提议业主人数 {heads} 达到 20%，业主委员会应当组织召开业主大会临时会议"
            en = f"Petitioning owners {heads} reach 20%, so the committee must organise a temporary meeting"
        else:
            zh = f"提议业主人数 {heads} 未达到 20%，不产生召开临时会议的义务"
            en = f"Petitioning owners {heads} are below 20%, so no temporary meeting is required"
        return (
            f"{zh}（北京市物业管理条例第三十五条，R-LIFE-10）；专有部分面积 {area} 平方米仅供参考。",
            f"{en} (Beijing Art. 35, R-LIFE-10); the area {area} m² is for information only.",
        )

    def to_dict(self) -> dict[str, object]:
        zh, en = self.reasons
        return {
            "total": self.total.as_dict(),
            "petitioners": self.petitioners.as_dict(),
            "heads_percent": percent_display(self.petitioners.heads, self.total.heads),
            "area_percent": percent_display(self.petitioners.area, self.total.area),
            "formulas": list(self.formulas),
            "thresholds_reached": [t.value for t in self.reached],
            "result": "SUCCEEDED" if self.succeeded else "FAILED",
            "reason_zh": zh,
            "reason_en": en,
        }


def check_temporary_meeting_petition(*, total: Weight, petitioners: Weight) -> TemporaryMeetingCheck:
    """R-LIFE-10 helper check; heads include the developer group, each signature by a verified caster."""
    _check_part("petitioning heads", petitioners.heads, total.heads)
    _check_part("petitioning area", petitioners.area, total.area)
    return TemporaryMeetingCheck(total, petitioners)
