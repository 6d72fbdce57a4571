"""Per-address limits shared by every worker and replica through Redis (issue #20 item 4), and what happens when
Redis stops answering (counted per process meanwhile, logged, reported by ``/readyz``).

Redis runs on 127.0.0.1:6379 on the development and CI machines. Locally an unreachable Redis skips these tests;
under ``CI=true`` it fails them. Every test uses a key prefix of its own and deletes its keys afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import limits
import pytest
import redis
import redis.asyncio as aioredis
from pydantic import ValidationError

from app.db.migrate import upgrade
from app.http.ratelimit import ClientRateLimiter, RateRule, RedisRateLimiter, rate_limiter_from_settings
from app.settings import Settings
from tests.api.conftest import client_for

REDIS_BASE = os.environ.get("EVOTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once
LOGIN = "/api/v1/auth/login"
ROOT = Path(__file__).resolve().parents[2]


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_BASE, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_BASE} is required under CI=true: {exc}")
        pytest.skip(f"no Redis at {REDIS_BASE}: {exc}")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A test-only key prefix; its keys are deleted afterwards."""
    _redis_or_skip()
    chosen = f"evote-test:{uuid.uuid4().hex}:"
    yield chosen
    client = redis.Redis.from_url(REDIS_BASE)
    for key in client.scan_iter(match=f"{chosen}*"):
        client.delete(key)


@pytest.fixture
async def shared(prefix: str) -> AsyncIterator[tuple[RedisRateLimiter, RedisRateLimiter]]:
    """Two limiters on one Redis, as two worker processes have."""
    one = RedisRateLimiter(aioredis.Redis.from_url(REDIS_BASE), prefix=prefix)
    two = RedisRateLimiter(aioredis.Redis.from_url(REDIS_BASE), prefix=prefix)
    yield one, two
    await one.aclose()
    await two.aclose()


def _rule(notation: str) -> RateRule:
    import re

    return RateRule("auth", "POST", re.compile("/x"), tuple(limits.parse_many(notation)))


async def test_two_limiters_on_one_redis_share_one_allowance(shared):
    one, two = shared
    rule = _rule("4/minute;6/hour")
    answers = [await (one if turn % 2 else two).acquire(rule, "203.0.113.7") for turn in range(4)]
    assert answers == [None] * 4
    wait = await one.acquire(rule, "203.0.113.7")
    assert wait is not None
    assert 1 <= wait <= 120
    assert await two.acquire(rule, "203.0.113.7") is not None  # refused requests are not counted
    assert await two.acquire(rule, "198.51.100.1") is None  # another address has its own allowance
    assert await one.status() == "redis"


async def test_the_hour_limit_holds_across_windows_of_the_minute(shared):
    one, two = shared
    rule = _rule("10/minute;3/hour")
    assert [await one.acquire(rule, "a"), await two.acquire(rule, "a"), await one.acquire(rule, "a")] == [None] * 3
    wait = await two.acquire(rule, "a")
    assert wait is not None
    assert wait > 60


async def test_counters_expire_after_two_windows(shared, prefix):
    one, _ = shared
    await one.acquire(_rule("5/minute"), "a")
    client = redis.Redis.from_url(REDIS_BASE)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    assert len(keys) == 1
    assert 0 < client.pttl(keys[0]) <= 120_000


async def test_unreachable_redis_counts_per_process_logs_and_readyz_reports_it(make_app, caplog):
    caplog.set_level(logging.INFO, logger="evote.http")
    app = make_app(redis_url=UNREACHABLE, rate_limit_auth="2/minute")
    assert isinstance(app.state.rate_limiter, RedisRateLimiter)
    async with client_for(app, "203.0.113.9") as client:
        statuses = [(await client.post(LOGIN, json={"phone": "13900000001", "code": "000000"})).status_code]
        statuses += [(await client.post(LOGIN, json={"phone": "13900000002", "code": "000000"})).status_code]
        statuses += [(await client.post(LOGIN, json={"phone": "13900000003", "code": "000000"})).status_code]
        assert statuses == [401, 401, 429]  # fail open to the per-process counters, never to no limit at all
        ready = await client.get("/readyz")
    assert ready.status_code == 200  # a rate-limit cache outage must not take the API out of the load balancer
    assert ready.json() == {"status": "degraded", "rate_limits": "redis_unavailable"}
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.getMessage() for record in errors] == [
        "rate limits: Redis unavailable, counting per process until it answers again"
    ]  # once per outage, not once per request
    await app.state.rate_limiter.aclose()


async def test_redis_answering_again_is_noticed(caplog, prefix):
    caplog.set_level(logging.INFO, logger="evote.http")
    limiter = RedisRateLimiter(aioredis.Redis.from_url(REDIS_BASE), prefix=prefix, monotonic=lambda: 1e9)
    limiter._failed(ConnectionError("simulated"))  # as if the last call had failed
    assert await limiter.status() == "redis"
    assert "Redis answers again" in caplog.text
    await limiter.aclose()


async def test_readyz_names_the_store(make_app, prefix):
    memory = make_app()
    async with client_for(memory) as client:
        assert (await client.get("/readyz")).json() == {"status": "ok", "rate_limits": "memory"}
    shared = make_app(redis_url=REDIS_BASE, redis_key_prefix=prefix)
    async with client_for(shared) as client:
        assert (await client.get("/readyz")).json() == {"status": "ok", "rate_limits": "redis"}
    await shared.state.rate_limiter.aclose()
    off = make_app(rate_limit_enabled=False)
    async with client_for(off) as client:
        assert (await client.get("/readyz")).json() == {"status": "ok", "rate_limits": "off"}


def test_the_store_follows_the_settings():
    assert isinstance(rate_limiter_from_settings(Settings(env="test")), ClientRateLimiter)
    assert isinstance(rate_limiter_from_settings(Settings(env="test", redis_url=REDIS_BASE)), RedisRateLimiter)
    with pytest.raises(ValidationError, match="EVOTE_REDIS_URL") as refused:
        Settings(env="test", redis_url="http://user:secret@cache:6379/0")
    assert "secret" not in str(refused.value)


def test_default_per_address_limits_leave_room_for_carrier_nat():
    """Thousands of phones share one carrier IPv4 address; the per-number and per-account limits come first."""
    settings = Settings(env="test")
    auth = {item.get_expiry(): item.amount for item in limits.parse_many(settings.rate_limit_auth)}
    assert auth[60] >= 300
    assert auth[3600] >= 3000


# --- two worker processes against one Redis ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path, within: float = 90) -> None:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if process.poll() is not None:
            pytest.fail(f"evote serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"evote serve not ready after {within} s:\n{log.read_text()[-3000:]}")


def test_two_workers_trigger_the_sign_in_limit_at_the_configured_count(tmp_path, prefix):
    """`evote serve --workers 2` with EVOTE_REDIS_URL: the sign-in limit of 5 lets exactly 5 requests through,
    although both workers answered requests (each alone would have let 5 through, 10 in all)."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'two-workers.db'}"
    upgrade(database)
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVOTE_")}
    env |= {
        "EVOTE_ENV": "development", "EVOTE_DATABASE_URL": database, "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"),
        "EVOTE_AUTO_MIGRATE": "false", "EVOTE_LOG_JSON": "true", "EVOTE_LOG_LEVEL": "INFO",
        "EVOTE_REDIS_URL": REDIS_BASE, "EVOTE_REDIS_KEY_PREFIX": prefix, "EVOTE_RATE_LIMIT_AUTH": "5/hour",
        "EVOTE_TRANSITION_INTERVAL_SECONDS": "3600", "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, process, log)
        ready = httpx.get(f"{base_url}/readyz", timeout=5).json()
        assert ready == {"status": "ok", "rate_limits": "redis"}
        statuses: dict[str, int] = {}
        workers: set[int] = set()
        for attempt in range(200):
            # A new connection each time, so the kernel hands requests to either worker.
            response = httpx.post(
                f"{base_url}{LOGIN}",
                json={"phone": f"139{attempt:08d}", "code": "000000"},
                headers={"Connection": "close"},
                timeout=10,
            )
            statuses[response.headers["x-request-id"]] = response.status_code
            if attempt >= 20 and attempt % 10 == 0:
                workers = _workers_that_answered(log, statuses)
                if len(workers) >= 2:
                    break
        workers = _workers_that_answered(log, statuses)
        assert len(workers) == 2, f"one worker answered every request: {workers}"
        passed = [code for code in statuses.values() if code != 429]
        assert passed == [401] * 5, sorted(statuses.values())
        assert len(statuses) - len(passed) >= 15
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _workers_that_answered(log: Path, statuses: dict[str, int]) -> set[int]:
    """The worker pids of the access-log lines of our requests (each JSON log line names its process)."""
    workers = set()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") == "evote.access" and entry.get("request_id") in statuses:
            workers.add(int(entry["pid"]))
    return workers
