"""The turnout chart of a vote's page: cumulative heads and area over time as an inline SVG, against the two-thirds
participation lines of CC Art. 278 ¶2 (R-TALLY-3). Pure: it draws what it is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.rules.counts import Weight
from app.rules.numeric import TWO_THIRDS

WIDTH, HEIGHT, PAD = 600, 240, 30


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    heads_points: str
    area_points: str
    quorum_y: float
    axis_y: tuple[tuple[float, str], ...]
    start_label: str
    end_label: str
    empty: bool


def _y(part: int, whole: int) -> float:
    share = part / whole if whole > 0 else 0.0
    return round(HEIGHT - PAD - share * (HEIGHT - 2 * PAD), 1)


def turnout_chart(
    casts: Sequence[tuple[datetime, int]], total: Weight, *, start: datetime, end: datetime, labels: tuple[str, str]
) -> Chart:
    """Step lines of the cumulative heads and area shares from ``start`` to ``end`` (each ballot a step)."""
    span = max((end - start).total_seconds(), 1.0)

    def x(instant: datetime) -> float:
        offset = min(max((instant - start).total_seconds(), 0.0), span)
        return round(PAD + offset / span * (WIDTH - 2 * PAD), 1)

    heads = area = 0
    head_points = [f"{x(start)},{_y(0, total.heads)}"]
    area_points = [f"{x(start)},{_y(0, total.area)}"]
    for instant, group_area in casts:
        head_points.append(f"{x(instant)},{_y(heads, total.heads)}")
        area_points.append(f"{x(instant)},{_y(area, total.area)}")
        heads += 1
        area += group_area
        head_points.append(f"{x(instant)},{_y(heads, total.heads)}")
        area_points.append(f"{x(instant)},{_y(area, total.area)}")
    head_points.append(f"{x(end)},{_y(heads, total.heads)}")
    area_points.append(f"{x(end)},{_y(area, total.area)}")
    quorum = _y(TWO_THIRDS.num, TWO_THIRDS.den)
    axis = tuple((_y(percent, 100), f"{percent}%") for percent in (0, 50, 100))
    return Chart(WIDTH, HEIGHT, " ".join(head_points), " ".join(area_points), quorum, axis, *labels, not casts)
