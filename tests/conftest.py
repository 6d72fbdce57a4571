"""Test configuration: the suite runs on SQLite and on PostgreSQL.

Database tests take the ``backend`` fixture (directly or through ``client``/``session``) and run once per
backend. PostgreSQL is used when reachable; under ``CI=true`` an unreachable PostgreSQL fails the run
instead of being skipped. ``--db=sqlite`` or ``--db=postgresql`` narrows a local run to one backend.
The schema is always built by the Alembic migrations, never by ``create_all``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.db.migrate import upgrade, upgrade_async
from app.db.session import create_engine, create_sessionmaker
from app.main import attach_state, create_app
from app.settings import Settings

pytest_plugins = ["tests.pii_log_guard"]  # no personal data in any log record of the session (issue #9)
PG_ADMIN_DSN = os.environ.get("EVOTE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("all", "sqlite", "postgresql"),
        default=os.environ.get("EVOTE_TEST_DB", "all"),
        help="database backends for database tests (default: all; PostgreSQL is required when CI=true)",
    )


def _postgres_reachable() -> bool:
    async def probe() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("--db")
    backends = ["sqlite", "postgresql"] if choice == "all" else [choice]
    if "postgresql" in backends and not _postgres_reachable():
        if IN_CI or choice == "postgresql":
            raise pytest.UsageError(f"PostgreSQL is not reachable at {PG_ADMIN_DSN} (required: CI=true or --db)")
        backends.remove("postgresql")
        config.issue_config_time_warning(
            pytest.PytestConfigWarning("PostgreSQL not reachable: database tests run on SQLite only"), stacklevel=2
        )
    config.evote_backends = backends  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> str:
    return "evote database backends: " + ", ".join(config.evote_backends)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """Say plainly which databases the suite ran on, and how many database tests passed on each."""
    passed = terminalreporter.stats.get("passed", [])
    per_backend = {name: sum(f"[{name}" in report.nodeid for report in passed) for name in config.evote_backends}
    line = ", ".join(f"{name}: {count} passed" for name, count in per_backend.items())
    terminalreporter.write_line(f"evote database tests by backend: {line}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", metafunc.config.evote_backends, indirect=True, scope="session")  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TestDatabase:
    backend: str
    url: str


async def create_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def postgres_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def run_outside_loop(coroutine_function, *args):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion on a private loop in a worker thread (callable from async tests too)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function(*args))).result()


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A factory for empty databases of a backend (migration tests need their own)."""
    created: list[str] = []

    def make(backend: str) -> TestDatabase:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / f"{uuid.uuid4().hex}.db"
            return TestDatabase("sqlite", f"sqlite+aiosqlite:///{path}")
        name = f"evote_test_{uuid.uuid4().hex[:12]}"
        run_outside_loop(create_postgres_database, name)
        created.append(name)
        return TestDatabase("postgresql", postgres_url(name))

    yield make
    for name in created:
        run_outside_loop(drop_postgres_database, name)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, fresh_database) -> TestDatabase:  # type: ignore[no-untyped-def]
    """A migrated database of one backend, shared by the session; each test rolls back its changes."""
    database: TestDatabase = fresh_database(request.param)
    upgrade(database.url)
    return database


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Per-address limits far above what one test sends (the no-500 sweep posts ~120 bodies to the verification
    # routes); tests/api/test_rate_limits.py builds apps with small limits. The counters reset with app.state.
    return Settings(
        env="test",
        dev_key_dir=tmp_path_factory.mktemp("keys"),
        log_json=False,
        rate_limit_auth="10000/minute",
        rate_limit_verification="10000/minute",
        rate_limit_lookup="10000/minute",
        verification_max_failures_per_address=20,  # the default (200, for carrier NAT) would make its test slow
    )


@pytest.fixture(scope="session")
async def engine(backend: TestDatabase, test_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(test_settings.model_copy(update={"database_url": backend.url}))
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One connection with an outer transaction that is rolled back after the test (SQLAlchemy recipe)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for arranging data and checking results; requests get fresh sessions of their own."""
    async with sessionmaker() as session:
        yield session


@pytest.fixture(scope="session")
def shared_app(test_settings: Settings):  # type: ignore[no-untyped-def]
    """Building the routes takes ~0.1 s; do it once and give every test fresh state instead."""
    return create_app(test_settings)


@pytest.fixture
def app(shared_app, test_settings: Settings, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    shared_app.state._state.clear()  # nothing a previous test put on app.state survives
    shared_app.dependency_overrides.clear()
    attach_state(shared_app, test_settings, engine, sessionmaker)
    return shared_app


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as http_client:
        yield http_client


@pytest.fixture
async def race_app(backend: TestDatabase, fresh_database, test_settings: Settings):  # type: ignore[no-untyped-def]
    """An app on its own freshly migrated database with a real connection pool, for races (STYLE.md §8.10).

    The shared per-test transaction cannot give concurrent requests separate connections; this can. Its lock waits
    are bounded generously: a race test checks how requests interleave, and on a loaded machine a queue of them on one
    row can outlast the production bound (that bound has its own tests, tests/concurrency/test_bounded_waits.py).
    """
    database: TestDatabase = fresh_database(backend.backend)
    await upgrade_async(database.url)
    settings = test_settings.model_copy(
        update={"database_url": database.url, "db_pool_size": 40, "db_lock_timeout_ms": 60_000}
    )
    engine = create_engine(settings)
    application = create_app(settings)
    attach_state(application, settings, engine, create_sessionmaker(engine))
    yield application
    await engine.dispose()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
