"""Run Alembic programmatically (start-up on SQLite, ``evote migrate``, tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

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
