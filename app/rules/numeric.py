"""Exact threshold arithmetic (R-NUM-1..5).

Every threshold is a fraction ``num/den`` and is tested by integer cross-multiplication, never by division
or rounding (R-NUM-3). "以上" (at least) is inclusive and "过半数" (more than half) is strict, per Civil Code
Art. 1259 and the ordinary meaning of 过半数. A zero denominator never satisfies a rule (R-NUM-5).
Percentages are for display only, rounded half up to two decimals (R-NUM-4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Threshold:
    """``part`` must reach ``num/den`` of ``whole``; ``strict`` means "more than", otherwise "at least"."""

    num: int
    den: int
    strict: bool

    def __post_init__(self) -> None:
        if self.den <= 0 or self.num < 0 or self.num > self.den:
            raise ValueError(f"threshold must satisfy 0 <= num <= den and den > 0, got {self.num}/{self.den}")

    def met(self, part: int, whole: int) -> bool:
        """R-NUM-3 cross-multiplication; R-NUM-5: a zero whole never meets a threshold."""
        if whole <= 0:
            return False
        lhs = self.den * part
        rhs = self.num * whole
        return lhs > rhs if self.strict else lhs >= rhs

    def at_least_as_strict_as(self, other: Threshold) -> bool:
        """True when every (part, whole) meeting ``self`` also meets ``other`` (R-CAT-4: stricter is allowed).

        Compare the fractions by cross-multiplication; at an equal fraction, strict (>) is stricter than (>=).
        """
        lhs = self.num * other.den
        rhs = other.num * self.den
        if lhs != rhs:
            return lhs > rhs
        return self.strict or not other.strict

    @property
    def formula(self) -> str:
        """The comparison as an integer formula, e.g. ``3*part >= 2*whole``."""
        op = ">" if self.strict else ">="
        return f"{self.den}*part {op} {self.num}*whole"

    @property
    def symbol(self) -> str:
        return (">" if self.strict else "≥") + f" {self.num}/{self.den}"

    def to_dict(self) -> dict[str, Any]:
        """The threshold as documents hold it: a topic's counting rule (hashed into the topic document) and, with
        its ``symbol``, the signed result's rule."""
        return {"num": self.num, "den": self.den, "strict": self.strict}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Threshold:
        """The inverse of ``to_dict``, for the server reading a topic and the offline verifier reading a bundle."""
        return cls(int(data["num"]), int(data["den"]), strict=bool(data["strict"]))

    def relation(self, part: int, whole: int) -> str:
        """The true relation between ``den*part`` and ``num*whole`` as evidence shows it: ``>`` or ``<=`` for a
        strict threshold, ``>=`` or ``<`` for an inclusive one (R-NUM-3)."""
        lhs, rhs = self.den * part, self.num * whole
        if self.strict:
            return ">" if lhs > rhs else "<="
        return ">=" if lhs >= rhs else "<"


def threshold_formula(threshold: Threshold, part: int, whole: int, *, names: tuple[str, str] | None = None) -> str:
    """A threshold's cross-multiplication with its numbers, as signed into evidence (R-NUM-3, R-TALLY-10).

    The two layouts are both in signed results and logged entries already, so each stays byte for byte:

    * without ``names`` (yes/no and option topics): the products only, ``3*77550=232650 >= 2*90000=180000``,
      and ``: zero base, not met (R-NUM-5)`` after them when ``whole`` is 0, since ``0 >= 0`` holds between the
      products yet a zero base never meets a threshold;
    * with ``names`` (the election quorum, petitions): the rule applied, then its numbers, ``3*part_heads >=
      2*total_heads: 3*20 = 60 >= 2*30 = 60``; a numerator of 1 is not written (``20*applicant_heads >=
      total_heads: 20*3 = 60 >= 40``).

    The relation shown is always the true one between the two products (``Threshold.relation``).
    """
    k, m = threshold.den, threshold.num
    lhs, rhs = k * part, m * whole
    relation = threshold.relation(part, whole)
    if names is None:
        text = f"{k}*{part}={lhs} {relation} {m}*{whole}={rhs}"
        return text if whole > 0 else f"{text}: zero base, not met (R-NUM-5)"
    part_name, whole_name = names
    rule = f"{k}*{part_name} {'>' if threshold.strict else '>='} {whole_name if m == 1 else f'{m}*{whole_name}'}"
    right = str(whole) if m == 1 else f"{m}*{whole} = {rhs}"
    return f"{rule}: {k}*{part} = {lhs} {relation} {right}"


TWO_THIRDS = Threshold(2, 3, strict=False)  # "三分之二以上": at least 2/3 (quorum, CC 278 ¶2)
THREE_QUARTERS = Threshold(3, 4, strict=False)  # "四分之三以上": at least 3/4 (special matters)
MORE_THAN_HALF = Threshold(1, 2, strict=True)  # "过半数": more than half (ordinary matters)
ONE_FIFTH = Threshold(1, 5, strict=False)  # "百分之二十以上": temporary-meeting petition (R-LIFE-10)
ONE_TWENTIETH = Threshold(1, 20, strict=False)  # "百分之五以上": first-assembly applicants (R-LIFE-9)
HALF = Threshold(1, 2, strict=False)  # "百分之五十以上": delivered area precondition (R-LIFE-9)


def percent_display(part: int, whole: int) -> str:
    """``part/whole`` as a percentage string with two decimals, rounded half up (R-NUM-4; display only).

    A zero whole has no rate and shows ``"-"``.
    """
    if whole <= 0:
        return "-"
    # hundredths of a percent, rounded half up: floor((part * 10000 * 2 + whole) / (2 * whole))
    scaled = (part * 20000 + whole) // (2 * whole)
    sign = "-" if scaled < 0 else ""
    scaled = abs(scaled)
    return f"{sign}{scaled // 100}.{scaled % 100:02d}%"


def area_display(area_units: int) -> str:
    """An area counted in 0.01 m² units (R-NUM-1) as square metres with two decimals, e.g. ``7550`` → ``75.50``."""
    sign = "-" if area_units < 0 else ""
    value = abs(area_units)
    return f"{sign}{value // 100}.{value % 100:02d}"
