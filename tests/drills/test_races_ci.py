"""CI version of the races drill (issue #9 item 1): the same scenarios in-process on a real connection pool.

The drill script (``python -m tests.drills.races``) runs them against a real ``evote serve`` on loopback; here
the app is driven through ``httpx.ASGITransport`` on its own freshly migrated PostgreSQL database (the
``race_app`` fixture), so the suite proves the figures on every run: 1 of 1,000 double votes accepted, no
ballot after the close instant, every accepted ballot counted, one log tree under two integrators.

SQLite has a single writer (``BEGIN IMMEDIATE``): every race is serialised there by design, so these run on
PostgreSQL only.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest

from app.audit.keys import LogKeys
from app.db.base import utcnow
from app.db.session import create_engine, create_sessionmaker
from tests.drills.common import build_world
from tests.drills.races import (
    IntegratorTally,
    check_tree,
    close_race_on_the_apps_clock,
    double_vote,
    grant_proxy,
    integrators_at_once,
)


def _postgresql_only(app) -> None:  # type: ignore[no-untyped-def]
    if app.state.settings.is_sqlite:
        pytest.skip("SQLite serialises every writer (BEGIN IMMEDIATE): there is no race to drill")


def _client(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://evote.test", timeout=60)


async def test_1000_concurrent_double_votes_for_one_group_accept_exactly_one(race_app):
    """R-TALLY-7, R-CAST-2: co-owners, a proxy, same-key and fresh-key retries → one ballot, one receipt."""
    _postgresql_only(race_app)
    now = utcnow()
    sessionmaker = race_app.state.sessionmaker
    world = await build_world(
        sessionmaker, race_app.state.settings, units=8, co_owned=1, starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )  # fmt: skip
    co_owner_a, co_owner_b, agent = world.voters[0], world.voters[8], world.voters[1]
    assert co_owner_a.group_id == co_owner_b.group_id != agent.group_id
    await grant_proxy(sessionmaker, world, [co_owner_a, co_owner_b], agent)

    async with _client(race_app) as client:
        figures, checks = await double_vote(
            client, sessionmaker, world, [co_owner_a, co_owner_b, agent], attempts=1000, in_flight=40
        )

    assert all(checks.values()), (checks, figures)
    assert figures["double_vote.accepted (ballots stored)"] == 1
    assert figures["double_vote.5xx"] == 0
    # Every fourth attempt of the caster that won with a retry key is replayed; the rest are refused.
    assert figures["double_vote.201 (first + same-key replays)"] + figures["double_vote.409 already_cast"] == 1000


async def test_close_racing_casts_and_two_integrators_at_once(race_app):
    """R-LIFE-5, R-LIFE-8: nothing lands after the close instant and every accepted ballot is counted; two
    integrators started together, round after round while the casts append entries, build one tree. The casts
    are paced by the app's clock, so the race holds however loaded the machine is."""
    _postgresql_only(race_app)
    now = utcnow()
    settings = race_app.state.settings
    sessionmaker = race_app.state.sessionmaker
    world = await build_world(
        sessionmaker, settings, units=120, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    keys = LogKeys.from_settings(settings)

    def set_clock(instant: datetime) -> None:
        race_app.state.clock = lambda: instant

    second_engine = create_engine(settings)  # the second integrator has connections of its own
    tally = IntegratorTally()
    stop = asyncio.Event()
    try:
        integrators = asyncio.create_task(
            integrators_at_once((sessionmaker, create_sessionmaker(second_engine)), keys, stop, tally)
        )
        async with _client(race_app) as client:
            figures, checks = await close_race_on_the_apps_clock(
                client, sessionmaker, world, world.voters, world.admin_key, set_clock
            )
        stop.set()
        await asyncio.wait_for(integrators, timeout=60)
    finally:
        stop.set()
        await second_engine.dispose()
    tree_figures, tree_checks = await check_tree(sessionmaker, keys, tally)

    assert all(checks.values()), (checks, figures)
    assert figures["close.ballots cast at/after the close instant"] == 0
    assert figures["close.participating heads in the decided result"] == figures["close.accepted (201)"]
    assert all(tree_checks.values()), (tree_checks, tree_figures)
    assert tree_figures["integrators.forks"] == 0
