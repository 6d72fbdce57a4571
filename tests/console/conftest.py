"""Fixtures of the console tests: a live server on a fresh SQLite database for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.settings import Settings
from tests.console.live import LiveServer, live_server


@pytest.fixture
def live(tmp_path, test_settings: Settings) -> Iterator[LiveServer]:
    with live_server(f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", test_settings) as server:
        yield server
