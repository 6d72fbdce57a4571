"""Configurable CORS (EVOTE_CORS_ORIGINS) through Starlette's CORSMiddleware (issue #9 item 5)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from app.settings import Settings
from tests.api.conftest import client_for

ALLOWED = "https://vote.example.cn"
OTHER = "https://evil.example.com"


@pytest.fixture
def cors_app(make_app):  # type: ignore[no-untyped-def]
    return make_app(cors_origins=[ALLOWED, "http://localhost:5173"], rate_limit_auth="2/minute")


def _preflight(origin: str, method: str = "POST", headers: str = "authorization,content-type,idempotency-key"):
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_no_origins_configured_means_no_cors_headers(client):
    response = await client.get("/healthz", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]
    preflight = await client.options("/api/v1/auth/login", headers=_preflight(ALLOWED))
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 405  # no CORS layer: OPTIONS is just an unsupported method


async def test_allowed_origin_gets_the_headers_and_may_read_the_request_id(cors_app):
    async with client_for(cors_app) as client:
        response = await client.get("/api/v1/nowhere", headers={"Origin": ALLOWED})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "origin" in response.headers["vary"].lower()
    exposed = {name.strip().lower() for name in response.headers["access-control-expose-headers"].split(",")}
    assert {"x-request-id", "retry-after"} <= exposed
    assert "access-control-allow-credentials" not in response.headers  # bearer tokens, never cookies


async def test_other_origin_gets_no_cors_headers(cors_app):
    async with client_for(cors_app) as client:
        response = await client.get("/api/v1/nowhere", headers={"Origin": OTHER})
    assert response.status_code == 404
    assert "access-control-allow-origin" not in response.headers


async def test_preflight_from_an_allowed_origin_admits_the_api_headers(cors_app):
    headers = "authorization,content-type,idempotency-key,accept-language,x-request-id"
    async with client_for(cors_app) as client:
        response = await client.options("/api/v1/votes/x/ballots", headers=_preflight(ALLOWED, headers=headers))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
    assert set(headers.split(",")) <= allowed
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["x-frame-options"] == "DENY"  # preflights get the security headers too


@pytest.mark.parametrize(
    "headers",
    [_preflight(OTHER), _preflight(ALLOWED, headers="x-custom-header"), _preflight(ALLOWED, method="TRACE")],
    ids=["other-origin", "unlisted-header", "unlisted-method"],
)
async def test_preflight_outside_the_policy_is_refused(cors_app, headers):
    async with client_for(cors_app) as client:
        response = await client.options("/api/v1/auth/login", headers=headers)
    assert response.status_code == 400
    if headers["Origin"] == OTHER:
        assert "access-control-allow-origin" not in response.headers


async def test_a_rate_limited_answer_is_readable_by_the_allowed_origin(cors_app):
    async with client_for(cors_app, "198.51.100.20") as client:
        for _ in range(2):
            await client.post("/api/v1/auth/refresh", json={"refresh_token": "evr_x"}, headers={"Origin": ALLOWED})
        response = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": "evr_x"}, headers={"Origin": ALLOWED}
        )
    assert response.status_code == 429
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize("origin", ["vote.example.cn", "https://vote.example.cn/", "https://vote.example.cn/path", ""])
def test_malformed_origins_are_refused(origin):
    with pytest.raises(ValidationError, match="EVOTE_CORS_ORIGINS"):
        Settings(_env_file=None, env="test", cors_origins=[origin])


def test_origins_accept_ports_and_ipv6_literals():
    origins = ["https://vote.example.cn", "http://localhost:5173", "http://[::1]:8080"]
    assert Settings(_env_file=None, env="test", cors_origins=origins).cors_origins == origins


def _production(tmp_path, **overrides):  # type: ignore[no-untyped-def]
    def pem() -> str:
        key = Ed25519PrivateKey.generate()
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    key = base64.b64encode(b"k" * 32).decode()
    return Settings(
        _env_file=None,
        env="production",
        public_base_url="https://evote.example.gov.cn",
        dev_key_dir=tmp_path,
        pii_encryption_key=key,
        pii_index_key=key,
        token_hash_key=key,
        pseudonym_key=key,
        jwt_private_key=pem(),
        log_private_key=pem(),
        sms_webhook_url="https://sms.example.test/send",
        sms_webhook_secret="s" * 32,
        notice_webhook_url="https://notify.example.test/hook",
        notice_webhook_secret="n" * 32,
        **overrides,
    )


@pytest.mark.parametrize("origin", ["*", "http://vote.example.cn"])
def test_production_allows_only_explicit_https_origins(tmp_path, origin):
    with pytest.raises(ValidationError, match="EVOTE_CORS_ORIGINS"):
        _production(tmp_path, cors_origins=[origin])
    assert _production(tmp_path, cors_origins=[ALLOWED]).cors_origins == [ALLOWED]
