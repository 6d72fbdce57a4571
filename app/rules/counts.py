"""Heads and area counted together, and the participation quorum of Civil Code Art. 278 ¶2.

Every measure in a tally is a pair: a headcount (R-HEAD, R-NUM-2) and an area in 0.01 m² units (R-AREA,
R-NUM-1). ``Weight`` keeps the two together so no rule can test one and forget the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.rules.numeric import TWO_THIRDS, Threshold


@dataclass(frozen=True, slots=True)
class Weight:
    """A headcount and an area (integer 0.01 m² units) that are always counted together."""

    heads: int = 0
    area: int = 0

    def __add__(self, other: Weight) -> Weight:
        return Weight(self.heads + other.heads, self.area + other.area)

    @staticmethod
    def sum(weights: Iterable[Weight]) -> Weight:
        heads = 0
        area = 0
        for weight in weights:
            heads += weight.heads
            area += weight.area
        return Weight(heads, area)

    def as_dict(self) -> dict[str, object]:
        """The weight as evidence documents state it: ``{"heads": …, "area": …}``."""
        return {"heads": self.heads, "area": self.area}

    def meets(self, threshold: Threshold, whole: Weight) -> bool:
        """Both measures reach ``threshold`` of ``whole`` (the "double majority" shape of every CC 278 test)."""
        return threshold.met(self.heads, whole.heads) and threshold.met(self.area, whole.area)


def quorum_met(participating: Weight, total: Weight, threshold: Threshold = TWO_THIRDS) -> bool:
    """R-TALLY-3: ``3*part_area >= 2*total_area AND 3*part_heads >= 2*total_heads`` (CC 278 ¶2).

    ``threshold`` may be a stricter community rule (R-CAT-4); a zero total never meets it (R-NUM-5).
    """
    return participating.meets(threshold, total)
