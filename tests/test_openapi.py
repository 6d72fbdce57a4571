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
