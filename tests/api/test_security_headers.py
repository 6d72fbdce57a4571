"""Security headers on every response, problem documents and 404s included (issue #9 item 5)."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from app.http.security import API_CSP, DOCS_CSP
from app.settings import Settings
from tests.api.conftest import client_for

ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _assert_hardened(response, *, csp: str = API_CSP) -> None:  # type: ignore[no-untyped-def]
    for name, value in ALWAYS.items():
        assert response.headers.get_list(name) == [value], (name, response.headers.get_list(name))
    assert response.headers.get_list("content-security-policy") == [csp]
    assert "strict-transport-security" not in response.headers  # off unless configured


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/healthz", None, 200),
        ("GET", "/api/v1/nowhere", None, 404),
        ("GET", "/nowhere-at-all", None, 404),
        ("GET", "/api/v1/estates", None, 401),
        ("DELETE", "/healthz", None, 405),
        ("POST", "/api/v1/auth/login", {}, 422),
        ("GET", "/api/v1/auth/jwks", None, 200),
        ("GET", "/openapi.json", None, 200),
    ],
)
async def test_every_kind_of_response_carries_the_headers(client, method, path, body, status):
    response = await client.request(method, path, json=body)
    assert response.status_code == status
    _assert_hardened(response)


async def test_api_answers_are_not_stored_unless_the_route_says_otherwise(client):
    for path in ("/api/v1/estates", "/api/v1/nowhere"):
        response = await client.get(path)
        assert response.headers.get_list("cache-control") == ["no-store"], path
    # The JWKS is public and cacheable: its own header wins, and it is not doubled.
    jwks = await client.get("/api/v1/auth/jwks")
    assert jwks.headers.get_list("cache-control") == ["public, max-age=300"]
    # Outside /api nothing personal is served; probes and the schema keep default caching.
    assert "cache-control" not in (await client.get("/healthz")).headers


async def test_personal_data_responses_are_no_store(client, session, app):
    from tests.factories import bearer, make_account

    account = await make_account(session, app.state.cipher)
    await session.commit()
    response = await client.get("/api/v1/me", headers=bearer(app, account))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    _assert_hardened(response)


def _urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["'](https?://[^"']+)["']""", html)


def _sources(csp: str, directive: str) -> list[str]:
    for part in csp.split(";"):
        name, *values = part.split()
        if name == directive:
            return values
    return []


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_pages_load_everything_from_this_server(client, path):
    """Issue #19 item 3: the pages work offline: every script, style and icon is served here, none from a CDN."""
    response = await client.get(path)
    assert response.status_code == 200
    _assert_hardened(response, csp=DOCS_CSP)
    assert _urls(response.text) == []  # no absolute URL to another origin
    references = _references(response.text)
    assert any(reference.endswith(".js") for reference in references), references
    for reference in references:
        asset = await client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 1000, reference
    for directive in ("script-src", "style-src", "img-src", "connect-src"):
        assert not [source for source in _sources(DOCS_CSP, directive) if "://" in source], directive
    # Their inline start-up scripts run, and they may fetch the schema from this origin.
    assert "'unsafe-inline'" in _sources(DOCS_CSP, "script-src")
    assert "'self'" in _sources(DOCS_CSP, "connect-src")
    assert _sources(DOCS_CSP, "frame-ancestors") == ["'none'"]


async def test_swagger_ui_points_at_this_servers_schema_and_keeps_authorization(client):
    page = (await client.get("/docs")).text
    assert "'/openapi.json'" in page or '"/openapi.json"' in page
    assert '"persistAuthorization": true' in page
    assert (await client.get("/docs/oauth2-redirect")).status_code == 200


async def test_api_policy_allows_nothing(client):
    assert _sources(API_CSP, "default-src") == ["'none'"]
    assert _sources(API_CSP, "frame-ancestors") == ["'none'"]


async def test_hsts_is_sent_when_configured(make_app):
    app = make_app(hsts_seconds=31536000)
    async with client_for(app) as client:
        for path in ("/healthz", "/api/v1/nowhere"):
            response = await client.get(path)
            assert response.headers.get_list("strict-transport-security") == ["max-age=31536000; includeSubDomains"]


def test_hsts_setting_is_bounded():
    with pytest.raises(ValidationError):
        Settings(_env_file=None, env="test", hsts_seconds=-1)
    assert Settings(_env_file=None, env="test").hsts_seconds == 0
