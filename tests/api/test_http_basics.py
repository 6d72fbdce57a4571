"""HTTP basics: health, problem+json for every error, language negotiation, request ids."""

from __future__ import annotations

import pytest

from app.http.problems import negotiate_language


async def test_healthz_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reaches_the_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_unknown_route_is_problem_json_in_chinese_by_default(client):
    response = await client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "http.not_found"
    assert body["type"] == "urn:evote:problem:http.not_found"
    assert body["detail"] == body["messages"]["zh"] == "请求的地址不存在。"
    assert body["instance"] == "/api/v1/nowhere"
    assert body["request_id"] == response.headers["x-request-id"]


async def test_english_when_preferred(client):
    response = await client.get("/api/v1/nowhere", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert response.json()["detail"] == "No such resource."


async def test_caller_request_id_is_echoed_when_harmless(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    hostile = await client.get("/healthz", headers={"X-Request-ID": "x" * 200})
    assert hostile.headers["x-request-id"] != "x" * 200


async def test_missing_credential_is_401_with_bearer_challenge(client):
    response = await client.get("/api/v1/estates")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "auth.unauthenticated"


async def test_unknown_key_is_401(client):
    response = await client.get("/api/v1/estates", headers={"Authorization": "Bearer evk_nope"})
    assert response.status_code == 401


async def test_method_not_allowed_is_problem_json(client):
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["code"] == "http.method_not_allowed"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en;q=0.5,zh;q=0.9", "zh"),
        ("zh;q=0.5,en;q=0.9", "en"),
        ("fr,de", "zh"),
        ("en;q=0", "zh"),
        ("en;q=abc", "zh"),
        ("en,zh", "en"),
    ],
)
def test_negotiate_language(header, language):
    assert negotiate_language(header) == language
