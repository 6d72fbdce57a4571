"""Run Alembic programmatically (start-up on SQLite, ``evote migrate``, tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from app.db.session import ensure_sqlite_directory

REPO_ROOT = Path(__file__).resolve().parents[2]


def migrations_dir() -> Path:
    for candidate in (Path.cwd() / "migrations", REPO_ROOT / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("migrations/ not found; run evote from the project directory")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    # env.py runs its own event loop, which cannot nest in ours: give it a thread.
    await asyncio.to_thread(upgrade, database_url, revision)


@dataclass(frozen=True, slots=True)
class SchemaState:
    """The database's Alembic revision(s) against the head(s) of this code's migration scripts."""

    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)

    @property
    def known(self) -> bool:
        """Every current revision is one of this code's scripts (else a newer release migrated the database)."""
        return all(revision in _script_revisions() for revision in self.current)

    def describe(self, revisions: tuple[str, ...]) -> str:
        return ", ".join(revisions) if revisions else "base"


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    """The migration scripts, read once per process (they do not change under a running program)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("path_separator", "os")
    return ScriptDirectory.from_config(config)


@lru_cache(maxsize=1)
def _script_revisions() -> frozenset[str]:
    return frozenset(revision.revision for revision in _script().walk_revisions())


def script_heads() -> tuple[str, ...]:
    return tuple(sorted(_script().get_heads()))


async def schema_state(connection: AsyncConnection) -> SchemaState:
    """One small read of ``alembic_version`` (no table: an empty, unmigrated database)."""

    def read(sync: Connection) -> tuple[str, ...]:
        return tuple(sorted(MigrationContext.configure(sync).get_current_heads()))

    return SchemaState(await connection.run_sync(read), script_heads())


async def database_schema_state(database_url: str) -> SchemaState:
    """The schema state of the database at ``database_url``, through a throwaway connection (the CLI)."""
    ensure_sqlite_directory(database_url)
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await schema_state(connection)
    finally:
        await engine.dispose()


def revisions_between(newer: tuple[str, ...], older: tuple[str, ...]) -> list[str]:
    """The revisions after ``older`` up to ``newer``, oldest first (what an upgrade applied, a downgrade undid)."""
    script = _script()
    found = script.iterate_revisions(newer or "base", older or "base")
    return [revision.revision for revision in reversed(list(found)) if revision.revision not in older]
