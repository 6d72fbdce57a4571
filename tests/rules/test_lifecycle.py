"""R-LIFE-4/5: the publicised window moves a published vote, and its end is exclusive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.rules.lifecycle import effective_status, voting_open

START = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)  # 2025-03-17 00:00 Asia/Shanghai
END = START + timedelta(days=7)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("stored", "now", "expected"),
    [
        ("DRAFT", START, "DRAFT"),
        ("PUBLISHED", START - SECOND, "PUBLISHED"),
        ("PUBLISHED", START, "OPEN"),
        ("OPEN", END - SECOND, "OPEN"),
        ("OPEN", END, "CLOSED"),
        ("PUBLISHED", END + timedelta(days=3), "CLOSED"),
        ("DECIDED", START, "DECIDED"),
        ("RESULT_PUBLISHED", END, "RESULT_PUBLISHED"),
    ],
)
def test_r_life_5_effective_status(stored, now, expected):
    assert effective_status(stored, starts_at=START, ends_at=END, now=now) == expected
    assert voting_open(stored, starts_at=START, ends_at=END, now=now) is (expected == "OPEN")
