"""The fuzzing app runs on a database of its own: on PostgreSQL when the run has it, else on SQLite (once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.db.migrate import upgrade
from app.settings import Settings
from tests.fuzz.harness import FuzzApp, World


@pytest.fixture(scope="module")
def fuzz_app(request: pytest.FixtureRequest, fresh_database, test_settings: Settings) -> Iterator[FuzzApp]:  # type: ignore[no-untyped-def]
    """Not parametrised by ``backend``: the fuzz run is too long to repeat, so it takes the production database."""
    backends = request.config.evote_backends  # type: ignore[attr-defined]
    database = fresh_database("postgresql" if "postgresql" in backends else "sqlite")
    upgrade(database.url)
    application = FuzzApp(test_settings, database.url)
    try:
        yield application
    finally:
        application.close()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_app: FuzzApp) -> World:
    return fuzz_app.build_world()
