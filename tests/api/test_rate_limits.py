"""Per-client-address limits on sign-in and verification: 429 problem+json with Retry-After (issue #9 item 5).

The per-number code limits and verification lockouts have their own tests (tests/identity, tests/verification);
these count requests per address, whatever number or account they name.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid

import httpx
import limits
import pytest
from pydantic import ValidationError

from app.http.ratelimit import ClientRateLimiter, RateRule, client_key
from app.settings import Settings
from tests.api.conftest import client_for

LOGIN = "/api/v1/auth/login"
CODES = "/api/v1/auth/codes"
REFRESH = "/api/v1/auth/refresh"
VERIFY = "/api/v1/me/verification"
LIMITED = {
    ("post", "/api/v1/auth/codes"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/me/verification"),
    ("post", "/api/v1/me/verification/idp"),
    ("post", "/api/v1/me/verification/manual"),
    ("post", "/api/v1/estates/{estate_id}/grants"),
    ("post", "/api/v1/staff"),
}


def _phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


async def _login(client):  # type: ignore[no-untyped-def]
    """A wrong code for a fresh number each time: the per-number limits never come into play."""
    return await client.post(LOGIN, json={"phone": _phone(), "code": "000000"})


def _assert_limited(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "request.rate_limited"
    retry_after = int(response.headers["retry-after"])
    assert body["retry_after"] == retry_after
    assert body["messages"]["en"] == f"Too many requests; retry in {retry_after} seconds."
    assert str(retry_after) in body["messages"]["zh"]
    assert response.headers["x-content-type-options"] == "nosniff"
    return retry_after


async def test_sign_in_is_limited_per_address_with_retry_after(make_app):
    app = make_app(rate_limit_auth="3/minute")
    async with client_for(app, "203.0.113.7") as client:
        answers = [await _login(client) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [401, 401, 401]
        retry_after = _assert_limited(await _login(client))
        assert 1 <= retry_after <= 120  # a sliding-window counter: within two windows, never sooner than allowed
        _assert_limited(await _login(client))  # refused requests do not reset or extend the window


async def test_another_address_is_unaffected(make_app):
    app = make_app(rate_limit_auth="2/minute")
    async with client_for(app, "203.0.113.7") as attacker:
        for _ in range(2):
            await _login(attacker)
        _assert_limited(await _login(attacker))
    async with client_for(app, "203.0.113.8") as neighbour:
        assert (await _login(neighbour)).status_code == 401
        assert (await _login(neighbour)).status_code == 401
        _assert_limited(await _login(neighbour))


async def test_code_requests_login_and_refresh_share_one_allowance(make_app, caplog):
    caplog.set_level(logging.INFO, logger="evote.sms")
    app = make_app(rate_limit_auth="3/minute")
    async with client_for(app, "192.0.2.1") as client:
        assert (await client.post(CODES, json={"phone": _phone()})).status_code == 202
        assert (await _login(client)).status_code == 401
        assert (await client.post(REFRESH, json={"refresh_token": "evr_unknown"})).status_code == 401
        sent = len([record for record in caplog.records if record.name == "evote.sms"])
        _assert_limited(await client.post(CODES, json={"phone": _phone()}))
    # The refused request never reached the service: no code was sent for it.
    assert len([record for record in caplog.records if record.name == "evote.sms"]) == sent == 1


async def test_verification_has_its_own_allowance(make_app):
    app = make_app(rate_limit_auth="2/minute", rate_limit_verification="2/minute")
    async with client_for(app, "192.0.2.2") as client:
        for _ in range(2):
            await _login(client)
        _assert_limited(await _login(client))
        # Unauthenticated attempts count too: the limit applies before anything else is looked at.
        first = await client.post(VERIFY, json={"name": "张三", "id_number": "110105198001010016"})
        second = await client.post(f"{VERIFY}/idp", json={"assertion": "x"})
        assert (first.status_code, second.status_code) == (401, 401)
        _assert_limited(await client.post(f"{VERIFY}/manual", data={"name": "张三"}))
        # Reading one's verification status is never limited.
        assert (await client.get(VERIFY)).status_code == 401


async def test_casting_and_reads_are_never_limited(make_app):
    """With an allowance of one, every other operation answers twice without a 429 (the load test casts
    1,500 ballots a second from one address)."""
    app = make_app(rate_limit_auth="1/hour", rate_limit_verification="1/hour")
    checked = 0
    async with client_for(app, "192.0.2.3") as client:
        for template, operations in sorted(app.openapi()["paths"].items()):
            url = re.sub(r"{\w+}", lambda _: str(uuid.uuid4()), template)
            for method in operations:
                if (method, template) in LIMITED:
                    continue
                for _ in range(2):
                    response = await client.request(method.upper(), url, json={})
                    assert response.status_code != 429, (method, template)
                    checked += 1
        ballots = [await client.post(f"/api/v1/votes/{uuid.uuid4()}/ballots", json={}) for _ in range(20)]
        assert all(response.status_code != 429 for response in ballots)
        assert (await _login(client)).status_code == 401
        _assert_limited(await _login(client))
    assert checked > 100


async def test_the_window_moves_on(make_app):
    app = make_app(rate_limit_auth="2/second")
    async with client_for(app, "192.0.2.4") as client:
        for _ in range(2):
            await _login(client)
        retry_after = _assert_limited(await _login(client))
        assert 1 <= retry_after <= 2  # a sliding window of one second
        await asyncio.sleep(retry_after + 0.05)
        assert (await _login(client)).status_code == 401  # Retry-After told the truth


async def test_limits_can_be_switched_off(make_app):
    app = make_app(rate_limit_auth="1/hour", rate_limit_enabled=False)
    async with client_for(app, "192.0.2.5") as client:
        assert [(await _login(client)).status_code for _ in range(3)] == [401, 401, 401]


async def test_an_ipv6_client_is_counted_by_its_64(make_app):
    app = make_app(rate_limit_auth="2/minute")
    async with client_for(app, "2001:db8:1:2::10") as client:
        await _login(client)
    async with client_for(app, "2001:db8:1:2:ffff::99") as same_subscriber:
        await _login(same_subscriber)
        _assert_limited(await _login(same_subscriber))
    async with client_for(app, "2001:db8:1:3::10") as other_subscriber:
        assert (await _login(other_subscriber)).status_code == 401


@pytest.mark.parametrize(
    ("client", "key"),
    [
        (("198.51.100.9", 1234), "198.51.100.9"),
        (("::ffff:198.51.100.9", 1234), "198.51.100.9"),
        (("2001:db8::1", 1234), "2001:db8::/64"),
        (("testclient", 50000), "testclient"),
        (None, "unknown"),
    ],
)
def test_client_key(client, key):
    assert client_key({"type": "http", "client": client}) == key


async def test_no_address_is_written_to_the_log(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(rate_limit_auth="1/minute")
    async with client_for(app, "203.0.113.99") as client:
        await _login(client)
        _assert_limited(await _login(client))
    assert any(record.getMessage() == "rate limit reached" for record in caplog.records)
    assert not any("203.0.113.99" in str(record.__dict__) for record in caplog.records)


@pytest.mark.parametrize("value", ["lots", "3 per fortnight", "", "-1/minute"])
def test_malformed_limits_are_refused(value):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, env="test", rate_limit_auth=value)


def test_defaults_parse():
    settings = Settings(_env_file=None, env="test")
    assert settings.rate_limit_enabled
    assert settings.rate_limit_auth == "300/minute;3000/hour"  # sized for carrier NAT (docs/security.md)


# --- the counter itself, on an injected clock ------------------------------------------------------------------


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _rule(text: str) -> RateRule:
    return RateRule("auth", "POST", re.compile("/x"), tuple(limits.parse_many(text)))


@pytest.mark.parametrize("start", [1000.0, 1000.5, 1000.999])
def test_the_limit_holds_across_a_window_boundary_and_retry_after_is_exact(start: float):
    clock = FakeClock(start)
    limiter = ClientRateLimiter(clock=clock)
    rule = _rule("5/second")
    assert [limiter.acquire_now(rule, "a") for _ in range(5)] == [None] * 5
    wait = limiter.acquire_now(rule, "a")
    assert wait is not None
    clock.now += 0.002  # just past a boundary when start is 1000.999: still refused (rounded up, never more)
    assert limiter.acquire_now(rule, "a") is not None
    clock.now = start + wait
    assert limiter.acquire_now(rule, "a") is None  # Retry-After (rounded up to whole seconds) is enough
    clock.now += 2.0  # two windows later nothing is remembered
    assert [limiter.acquire_now(rule, "a") for _ in range(5)] == [None] * 5


def test_a_refused_request_does_not_use_up_the_allowance():
    clock = FakeClock()
    limiter = ClientRateLimiter(clock=clock)
    rule = _rule("2/minute;3/hour")
    assert limiter.acquire_now(rule, "a") is None
    assert limiter.acquire_now(rule, "a") is None
    assert limiter.acquire_now(rule, "a") is not None  # the minute is full
    clock.now += 120
    assert limiter.acquire_now(rule, "a") is None  # the refused one was not counted against the hour
    wait = limiter.acquire_now(rule, "a")
    assert wait is not None
    assert wait > 60  # now the hour is full


def test_memory_is_bounded_whatever_the_number_of_addresses():
    limiter = ClientRateLimiter(clock=FakeClock(), max_tracked=3)
    rule = _rule("1/hour")
    for number in range(10):
        assert limiter.acquire_now(rule, f"2001:db8:{number}::/64") is None
    assert len(limiter._counters) == 3
    assert limiter.acquire_now(rule, "2001:db8:9::/64") is not None  # the most recent are the ones kept


async def test_behind_a_root_path_sign_in_is_still_limited(make_app):
    app = make_app(rate_limit_auth="1/minute")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, root_path="/evote", client=("192.0.2.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        first = await client.post("/evote/api/v1/auth/login", json={"phone": _phone(), "code": "000000"})
        assert first.status_code == 401, first.text[:300]
        _assert_limited(await client.post("/evote/api/v1/auth/login", json={"phone": _phone(), "code": "000000"}))


def _forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}


async def test_a_spoofed_forwarded_header_does_not_escape_the_limit(make_app):
    """By default no proxy is trusted, not even 127.0.0.1: 70 sign-ins each claiming another address hit the 429."""
    app = make_app(rate_limit_auth="60/minute")
    async with client_for(app, "127.0.0.1") as client:
        answers = [
            await client.post(LOGIN, json={"phone": _phone(), "code": "000000"}, headers=_forwarded(f"198.51.100.{n}"))
            for n in range(70)
        ]
    assert [answer.status_code for answer in answers[:60]] == [401] * 60
    for answer in answers[60:]:
        _assert_limited(answer)


async def test_a_trusted_proxy_reports_the_real_client_address(make_app):
    app = make_app(rate_limit_auth="2/minute", forwarded_allow_ips="10.0.0.5, 10.1.0.0/16")
    async with client_for(app, "10.1.2.3") as proxy:
        for _ in range(2):
            await proxy.post(LOGIN, json={"phone": _phone()}, headers=_forwarded("198.51.100.1"))
        _assert_limited(await proxy.post(LOGIN, json={"phone": _phone()}, headers=_forwarded("198.51.100.1")))
        # Another client behind the same proxy has its own allowance.
        neighbour = _forwarded("198.51.100.2")
        response = await proxy.post(LOGIN, json={"phone": _phone(), "code": "000000"}, headers=neighbour)
        assert response.status_code == 401
    # A peer that is not a trusted proxy is counted by its own address whatever it claims.
    async with client_for(app, "203.0.113.9") as stranger:
        for n in range(2):
            await stranger.post(LOGIN, json={"phone": _phone()}, headers=_forwarded(f"198.51.100.{10 + n}"))
        _assert_limited(await stranger.post(LOGIN, json={"phone": _phone()}, headers=_forwarded("198.51.100.12")))


@pytest.mark.parametrize("value", ["proxy.example", "10.0.0.300", "10.0.0.0/33"])
def test_untrusted_proxy_settings_are_refused(value):
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS"):
        Settings(env="test", forwarded_allow_ips=value)


@pytest.mark.parametrize(
    ("argv", "expected"), [((), None), (("--forwarded-allow-ips", "10.0.0.5,10.1.0.0/16"), "10.0.0.5,10.1.0.0/16")]
)
def test_serve_never_lets_uvicorn_trust_forwarded_headers(monkeypatch, argv, expected):
    import uvicorn

    from app import cli

    calls: list[uvicorn.Config] = []
    monkeypatch.delenv("EVOTE_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setattr(cli, "_listen_and_run", lambda config: calls.append(config) or True)
    assert cli.main(["serve", *argv]) == 0
    assert calls[0].proxy_headers is False
    assert calls[0].forwarded_allow_ips == ""
    assert os.environ.get("EVOTE_FORWARDED_ALLOW_IPS") == expected


async def test_requests_naming_a_number_are_limited_per_address(make_app):
    """Grant requests and staff role grants take someone else's mobile number: limited per address (429)."""
    app = make_app(rate_limit_lookup="2/minute")
    estate_grants = f"/api/v1/estates/{uuid.uuid4()}/grants"
    async with client_for(app, "192.0.2.40") as client:
        assert (await client.post(estate_grants, json={})).status_code == 401
        assert (await client.post("/api/v1/staff", json={})).status_code == 401
        _assert_limited(await client.post(estate_grants, json={}))
        _assert_limited(await client.post("/api/v1/staff", json={}))
        assert (await _login(client)).status_code == 401  # its own bucket


def test_a_paths_rule_is_decided_once_and_the_decisions_are_bounded(monkeypatch):
    from app.http import ratelimit
    from app.http.ratelimit import RateLimitMiddleware, rate_limit_rules

    monkeypatch.setattr(ratelimit, "PATHS_DECIDED", 2)
    middleware = RateLimitMiddleware(None, rules=rate_limit_rules(Settings(_env_file=None), "/api/v1"))  # type: ignore[arg-type]
    login, ballots = "/api/v1/auth/login", f"/api/v1/votes/{uuid.uuid4()}/ballots"
    for _ in range(2):  # decided, then remembered: the same answers
        assert middleware.rule_for("POST", login) is middleware.rules[0]
        assert middleware.rule_for("GET", login) is None  # the method is part of it
        assert middleware.rule_for("POST", ballots) is None
    assert len(middleware._decided) == 2
    assert ("POST", login) not in middleware._decided  # the oldest went first
    assert middleware.rule_for("POST", login) is middleware.rules[0]
