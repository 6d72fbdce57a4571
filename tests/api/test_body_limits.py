"""Request body limits: 413 ``request.too_large`` problem+json, up front and for streamed bodies (issue #9 item 5)."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from app.ballot.paper import MAX_SCAN_BYTES
from app.http.security import BodyLimitMiddleware, upload_limits
from app.main import API_PREFIX
from app.vote.service import ATTACHMENT_MAX_BYTES
from tests.api.conftest import client_for

LIMIT = 2048
UPLOAD = 4096  # the register import's own file limit in these tests; the route allows UPLOAD + LIMIT


@pytest.fixture
def small_app(make_app):  # type: ignore[no-untyped-def]
    return make_app(max_body_bytes=LIMIT, max_upload_bytes=UPLOAD, verification_document_max_bytes=UPLOAD)


def _assert_too_large(response, limit: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 413, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "request.too_large"
    assert body["messages"]["en"] == f"The upload exceeds the limit of {limit} bytes."
    assert str(limit) in body["messages"]["zh"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert response.headers["x-frame-options"] == "DENY"


def _json_of_size(size: int) -> bytes:
    """A JSON login body of exactly ``size`` bytes (the padding is an unknown field: 422 if it gets through)."""
    head, tail = b'{"phone":"13800138000","code":"123456","pad":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize(("size", "refused"), [(LIMIT, False), (LIMIT + 1, True), (50 * LIMIT, True)])
async def test_a_declared_length_over_the_limit_is_refused(small_app, size, refused):
    content = _json_of_size(size)
    async with client_for(small_app) as client:
        response = await client.post(
            "/api/v1/auth/login", content=content, headers={"Content-Type": "application/json"}
        )
    if refused:
        _assert_too_large(response, LIMIT)
    else:
        assert response.status_code == 422  # reached the route's validation
        assert response.json()["code"] == "request.invalid"


async def test_a_streamed_body_is_counted_and_refused_past_the_limit(small_app):
    async def chunks():  # no Content-Length: httpx sends it chunked
        for _ in range(10):
            yield b"x" * 512

    async with client_for(small_app) as client:
        response = await client.post(
            "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert "content-length" not in response.request.headers
    _assert_too_large(response, LIMIT)


async def test_a_small_streamed_body_goes_through(small_app):
    async def chunks():
        yield b'{"phone": "13800138000",'
        yield b' "code": "123456", "pad": 1}'

    async with client_for(small_app) as client:
        response = await client.post(
            "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422  # the unknown field was seen: the body was read whole


async def test_the_limit_applies_before_routing_and_to_every_method(small_app):
    async with client_for(small_app) as client:
        for method, path in (("PUT", "/api/v1/nowhere"), ("PATCH", "/healthz"), ("POST", "/api/v1/estates")):
            response = await client.request(method, path, content=b"x" * (LIMIT + 1))
            _assert_too_large(response, LIMIT)


async def test_an_upload_route_allows_its_file_limit_plus_the_form_allowance(small_app):
    path = f"/api/v1/estates/{uuid.uuid4()}/register/imports"
    credential = {"Authorization": "Bearer evk_not-a-key"}
    async with client_for(small_app) as client:
        # Over the general limit, within the route's: the request reaches the route (which checks the credential).
        middling = await client.post(
            path, files={"file": ("r.csv", b"x" * (UPLOAD - 100), "text/csv")}, headers=credential
        )
        assert middling.status_code == 401, middling.text[:300]
        # Without any credential the general limit applies: the form would be read before authentication.
        anonymous = await client.post(path, files={"file": ("r.csv", b"x" * (UPLOAD - 100), "text/csv")})
        _assert_too_large(anonymous, LIMIT)
        # Over the route's limit: refused by the middleware before anything reads the upload.
        huge = await client.post(
            path, files={"file": ("r.csv", b"x" * (UPLOAD + LIMIT), "text/csv")}, headers=credential
        )
        _assert_too_large(huge, UPLOAD + LIMIT)
        # The general limit still applies to other methods on the same path.
        other = await client.put(path, content=b"x" * (LIMIT + 1))
        _assert_too_large(other, LIMIT)


async def test_the_route_keeps_its_own_file_limit_inside_the_allowance(session, small_app):
    from app.common.access import Role
    from tests.factories import make_api_key, make_places

    places = await make_places(session, small_app.state.cipher)
    await session.commit()
    headers = await make_api_key(session, small_app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    async with client_for(small_app) as client:
        response = await client.post(
            f"/api/v1/estates/{places.estate.id}/register/imports",
            files={"file": ("r.csv", b"x" * (UPLOAD + 1), "text/csv")},
            headers=headers,
        )
    _assert_too_large(response, UPLOAD)  # the route's check, with the route's number


def _filled(template: str) -> str:
    return re.sub(r"{\w+}", lambda _: str(uuid.uuid4()), template)


async def test_every_multipart_route_and_only_those_get_the_upload_allowance(app, test_settings):
    """A renamed upload route would silently fall back to 1 MiB: the table must match the schema."""
    middleware = BodyLimitMiddleware(
        app,
        limit=test_settings.max_body_bytes,
        routes=upload_limits(
            test_settings, API_PREFIX, attachment_max_bytes=ATTACHMENT_MAX_BYTES, paper_scan_max_bytes=MAX_SCAN_BYTES
        ),
    )
    multipart = []
    for template, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            limit = middleware.limit_for(method.upper(), _filled(template))
            if "multipart/form-data" in content or "application/octet-stream" in content:  # file uploads
                multipart.append(template)
                assert limit > test_settings.max_body_bytes, template
            else:
                assert limit == test_settings.max_body_bytes, (method, template)
    assert len(multipart) == len(middleware.routes)


async def test_a_declared_length_is_refused_without_reading_the_body(test_settings):
    """Checked at the ASGI level: the application is never called and the body is never received."""

    async def application(scope, receive, send):  # type: ignore[no-untyped-def]
        raise AssertionError("the application must not run")

    async def receive():  # type: ignore[no-untyped-def]
        raise AssertionError("the body must not be read")

    sent: list[dict] = []  # type: ignore[type-arg]

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/auth/login",
        "raw_path": b"/api/v1/auth/login",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("evote.test", 80),
        "headers": [(b"content-length", str(10**12).encode()), (b"content-type", b"application/json")],
    }
    await BodyLimitMiddleware(application, limit=LIMIT)(scope, receive, send)
    assert sent[0]["status"] == 413
    assert b'"request.too_large"' in sent[1]["body"]


async def test_behind_a_root_path_the_routes_keep_their_limits(small_app):
    """``evote serve --root-path /evote`` (a proxy mounting the service under a prefix): the path carries the prefix."""
    transport = httpx.ASGITransport(app=small_app, raise_app_exceptions=False, root_path="/evote")
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        path = f"/evote/api/v1/estates/{uuid.uuid4()}/register/imports"
        credential = {"Authorization": "Bearer evk_not-a-key"}
        middling = await client.post(
            path, files={"file": ("r.csv", b"x" * (UPLOAD - 100), "text/csv")}, headers=credential
        )
        assert middling.status_code == 401, middling.text[:300]
        assert middling.headers["cache-control"] == "no-store"


def test_a_paths_limit_is_decided_once_and_the_decisions_are_bounded(test_settings, monkeypatch):
    from app.http import security

    monkeypatch.setattr(security, "PATHS_DECIDED", 2)
    routes = upload_limits(
        test_settings, API_PREFIX, attachment_max_bytes=ATTACHMENT_MAX_BYTES, paper_scan_max_bytes=MAX_SCAN_BYTES
    )
    middleware = BodyLimitMiddleware(None, limit=test_settings.max_body_bytes, routes=routes)  # type: ignore[arg-type]
    vote = uuid.uuid4()
    postings, ballots = f"{API_PREFIX}/votes/{vote}/postings", f"{API_PREFIX}/votes/{vote}/ballots"
    upload = ATTACHMENT_MAX_BYTES + test_settings.max_body_bytes
    for _ in range(2):  # decided, then remembered: the same answers
        assert middleware.limit_for("POST", postings) == upload
        assert middleware.limit_for("GET", postings) == test_settings.max_body_bytes  # the method is part of it
        assert middleware.limit_for("POST", ballots) == test_settings.max_body_bytes
    assert len(middleware._decided) == 2
    assert ("POST", postings) not in middleware._decided  # the oldest went first
    assert middleware.limit_for("POST", postings) == upload
