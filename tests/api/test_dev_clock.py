"""``evote serve --dev-clock`` (issue #19 item 11): operators move one clock forward and everything follows it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app import clock
from app.place.models import District
from app.settings import Settings
from tests.api.conftest import client_for
from tests.factories import bearer, make_account, make_api_key
from tests.test_cli import run_cli

CLOCK = "/api/v1/dev/clock"


@pytest.fixture(autouse=True)
def _wall_clock_afterwards():  # type: ignore[no-untyped-def]
    yield
    clock.reset()


async def test_operators_move_the_clock_and_new_rows_take_its_time(make_app, session):
    app = make_app(dev_clock=True)
    admin = await make_api_key(session, app.state.token_hasher)
    async with client_for(app) as client:
        before = (await client.get(CLOCK, headers=admin)).json()
        assert before["shift_seconds"] == 0
        moved = await client.post(CLOCK, json={"advance_seconds": 16 * 86400}, headers=admin)
        assert moved.status_code == 200, moved.text
        assert moved.json()["shift_seconds"] == 16 * 86400
        created = await client.post("/api/v1/districts", json={"code": "110105", "name": "朝阳区"}, headers=admin)
        assert created.status_code == 201, created.text
        target = datetime(2031, 1, 1, tzinfo=UTC)
        assert (await client.post(CLOCK, json={"to": target.isoformat()}, headers=admin)).status_code == 200
        backwards = await client.post(CLOCK, json={"advance_seconds": -1}, headers=admin)
        assert backwards.status_code == 422
        earlier = await client.post(CLOCK, json={"to": "2030-01-01T00:00:00+08:00"}, headers=admin)
        assert earlier.status_code == 409
        assert earlier.json()["code"] == "dev.clock_backwards"
        assert (await client.post(CLOCK, json={}, headers=admin)).status_code == 422
    district = await session.scalar(select(District).where(District.code == "110105"))
    assert district is not None
    assert district.created_at - datetime.now(UTC) > timedelta(days=15)  # the row's own default reads the clock


async def test_only_operators_move_it(make_app, session):
    app = make_app(dev_clock=True)
    owner = bearer(app, await make_account(session, app.state.cipher))
    async with client_for(app) as client:
        assert (await client.get(CLOCK)).status_code == 401
        assert (await client.post(CLOCK, json={"advance_seconds": 60})).status_code == 401
        refused = await client.post(CLOCK, json={"advance_seconds": 60}, headers=owner)
        assert refused.status_code == 403
    assert clock.shift() == timedelta(0)


async def test_the_route_does_not_exist_without_the_setting(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    assert (await client.post(CLOCK, json={"advance_seconds": 60}, headers=admin)).status_code == 404
    assert CLOCK not in app.openapi()["paths"]


def test_production_refuses_the_dev_clock():
    with pytest.raises(ValidationError, match="EVOTE_DEV_CLOCK"):
        Settings(env="production", dev_clock=True)


def test_serve_refuses_the_dev_clock_in_production_and_with_several_workers(tmp_path, repo_root):
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVOTE_")}
    env |= {"PYTHONPATH": str(repo_root), "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    production = run_cli("serve", "--dev-clock", env=env | {"EVOTE_ENV": "production"}, cwd=repo_root)
    assert production.returncode == 2
    assert "refused with EVOTE_ENV=production" in production.stderr
    assert "Traceback" not in production.stderr
    workers = run_cli("serve", "--dev-clock", "--workers", "2", env=env, cwd=repo_root)
    assert workers.returncode == 2
    assert "--workers 1" in workers.stderr
