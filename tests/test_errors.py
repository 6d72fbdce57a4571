"""Every DomainError has a unique stable code, a 4xx/5xx status and matching zh/en messages."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import app
from app.errors import DomainError

for module in pkgutil.walk_packages(app.__path__, "app."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)

ERRORS = sorted(DomainError.registry.values(), key=lambda cls: cls.code)


def test_registry_is_populated():
    assert len(ERRORS) > 20


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: cls.code)
def test_error_contract(error):
    assert 400 <= error.status < 600
    assert error.code
    assert error.code == error.code.strip()
    assert error.message_zh
    assert error.message_en
    assert error.title
    assert error.placeholders("zh") == error.placeholders("en")


def test_codes_are_unique():
    codes = [error.code for error in ERRORS]
    assert len(codes) == len(set(codes))


def test_instants_in_messages_are_beijing_time_never_utc():
    """Issue 19: an owner in Beijing reads 2026-12-22 00:00（北京时间）, not 2026-12-21T16:00:00+00:00."""
    from datetime import UTC, datetime

    from app.rules.errors import VotingNotStarted

    error = VotingNotStarted(starts_at=datetime(2026, 12, 21, 16, 0, tzinfo=UTC))
    assert error.message("zh") == "表决尚未开始，将于 2026-12-22 00:00（北京时间）开始。"
    assert error.message("en") == "Voting has not started; it opens at 2026-12-22 00:00 (Beijing time)."
    late = VotingNotStarted(starts_at=datetime(2026, 12, 21, 16, 0, 5, 123, tzinfo=UTC))
    assert "2026-12-22 00:00:05（北京时间）" in late.message("zh")
    assert VotingNotStarted(starts_at="—").message("zh") == "表决尚未开始，将于 —开始。"
