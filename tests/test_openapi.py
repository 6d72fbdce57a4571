"""openapi/openapi.json is generated from the app; this fails when it drifts."""

from __future__ import annotations

import difflib

from app.main import OPENAPI_PATH, render_openapi


def test_openapi_json_is_current():
    expected = render_openapi()
    actual = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), "committed", "generated", n=2)
        )
        raise AssertionError(f"openapi/openapi.json is stale; run `evote openapi --write`.\n{diff[:4000]}")


def test_every_error_response_uses_the_problem_schema():
    import json

    schema = json.loads(render_openapi())
    assert "Problem" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and status != "422":
                    assert "application/problem+json" in response["content"], (path, method, status)


PUBLIC_OPERATIONS = {
    ("post", "/api/v1/auth/codes"), ("post", "/api/v1/auth/login"), ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"), ("get", "/api/v1/auth/jwks"), ("get", "/api/v1/log/checkpoint"),
    ("get", "/api/v1/log/checkpoints/{size}"), ("get", "/api/v1/log/consistency"), ("get", "/api/v1/log/entries"),
    ("get", "/api/v1/log/entries/{entry_id}/inclusion"), ("get", "/api/v1/log/keys"),
    ("post", "/api/v1/log/witness/cosign"), ("get", "/healthz"), ("get", "/readyz"),
}  # fmt: skip


def test_every_operation_declares_its_security():
    """Issue #19 item 1: generated clients and Swagger UI's Authorize know which credential each operation takes;
    the public ones (sign-in, the public log, health) declare an empty requirement, and only they."""
    import json

    schema = json.loads(render_openapi())
    assert set(schema["components"]["securitySchemes"]) == {"AccessToken", "StaffApiKey"}
    public = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "security" in operation, (method, path)
            if operation["security"] == []:
                public.add((method, path))
            else:
                assert operation["security"] == [{"AccessToken": []}, {"StaffApiKey": []}], (method, path)
                assert "401" in operation["responses"], (method, path)
    assert public == PUBLIC_OPERATIONS


def test_schema_names_are_unique_and_plain():
    """Issue #19 item 1: generators key models by title; two ``UnitRead`` made openapi-python-client drop models."""
    import json
    from collections import Counter

    schemas = json.loads(render_openapi())["components"]["schemas"]
    titles = Counter(schema.get("title", name) for name, schema in schemas.items())
    assert [title for title, count in titles.items() if count > 1] == []
    assert [name for name in schemas if "__" in name] == []  # no module-qualified names
