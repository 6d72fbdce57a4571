"""The migrations build exactly the models' schema, on SQLite and PostgreSQL, and can be rolled back."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.db.migrate import downgrade, upgrade_async
from app.db.models import Base
from app.db.session import create_engine
from app.rules.kinds import TopicKind
from app.settings import Settings


async def _schema_diff(url: str) -> list[object]:
    engine = create_engine(Settings(env="test", database_url=url))
    try:
        async with engine.connect() as connection:

            def diff(sync_connection: Connection) -> list[object]:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return list(compare_metadata(context, Base.metadata))

            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_engine(Settings(env="test", database_url=url))
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrations_match_models(backend, fresh_database):
    database = fresh_database(backend.backend)
    await upgrade_async(database.url)
    assert await _schema_diff(database.url) == []


async def test_downgrade_then_upgrade_round_trip(backend, fresh_database):
    database = fresh_database(backend.backend)
    await upgrade_async(database.url)
    await asyncio.to_thread(downgrade, database.url, "base")
    assert await _tables(database.url) <= {"alembic_version"}
    await upgrade_async(database.url)
    assert await _schema_diff(database.url) == []
    assert {"unit", "register_version", "owner", "estate"} <= await _tables(database.url)


async def test_the_migrated_topic_kind_column_admits_every_registered_kind(backend, fresh_database):
    """``topic.kind`` is a CHECK-constrained VARCHAR: a kind added to ``app.rules.kinds`` needs a migration that
    widens the constraint, which the model comparison above cannot see."""
    database = fresh_database(backend.backend)
    await upgrade_async(database.url)
    engine = create_engine(Settings(env="test", database_url=database.url))
    try:
        async with engine.connect() as connection:
            checks = await connection.run_sync(lambda sync: inspect(sync).get_check_constraints("topic"))
    finally:
        await engine.dispose()
    (kind_check,) = [check["sqltext"] for check in checks if "YES_NO" in check["sqltext"]]
    assert [kind for kind in TopicKind if f"'{kind.value}'" not in kind_check] == []
