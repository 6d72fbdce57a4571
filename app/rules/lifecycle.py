"""Where a vote stands at an instant (R-LIFE-4, R-LIFE-5): the publicised window decides, not traffic.

The stored state moves DRAFT → PUBLISHED → … when something happens; between events the clock alone moves a
published vote into its window (OPEN) and out of it (CLOSED). Voting is possible exactly in
``starts_at <= now < ends_at`` (the end is exclusive: 24:00 of the last day, CC Art. 203).
"""

from __future__ import annotations

from datetime import datetime

TIME_DRIVEN = ("PUBLISHED", "OPEN")


def effective_status(stored: str, *, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    if stored not in TIME_DRIVEN:
        return stored
    if now < starts_at:
        return "PUBLISHED"
    return "OPEN" if now < ends_at else "CLOSED"


def voting_open(stored: str, *, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    return effective_status(stored, starts_at=starts_at, ends_at=ends_at, now=now) == "OPEN"
