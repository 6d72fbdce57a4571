"""The process's clock: every timestamp the service writes (rows, audit log entries, tokens, the background
close) comes from ``utcnow`` here or from ``app.state.clock``, which is this same function.

``evote serve --dev-clock`` lets an operator move it forward so a whole vote (15 clear days of notice, a window of
days) can be rehearsed against a running server; production refuses the setting (``app.settings``). The clock only
moves forward, so nothing the service wrote can end up later than "now".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_shift = timedelta(0)


def utcnow() -> datetime:
    return datetime.now(UTC) + _shift


def shift() -> timedelta:
    """How far the development clock is ahead of the wall clock (zero unless ``--dev-clock`` moved it)."""
    return _shift


def advance(delta: timedelta) -> datetime:
    """Move the clock forward by ``delta`` (≥ 0); the new time."""
    global _shift
    if delta < timedelta(0):
        raise ValueError("the clock only moves forward")
    _shift += delta
    return utcnow()


def reset() -> None:
    """Back to the wall clock (tests)."""
    global _shift
    _shift = timedelta(0)
