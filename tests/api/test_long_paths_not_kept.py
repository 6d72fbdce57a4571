"""The middlewares keep their per-path decisions only for short paths: uvicorn (httptools, as `evote serve` runs
it) accepts request targets of ~64 KiB, and an anonymous client must not pin PATHS_DECIDED of them per worker."""

from __future__ import annotations

from app.http.ratelimit import RateLimitMiddleware, rate_limit_rules
from app.http.security import BodyLimitMiddleware
from app.main import API_PREFIX


def test_a_long_path_is_not_kept(test_settings):
    body = BodyLimitMiddleware(None, limit=test_settings.max_body_bytes, routes=())  # type: ignore[arg-type]
    rate = RateLimitMiddleware(None, rules=rate_limit_rules(test_settings, API_PREFIX))  # type: ignore[arg-type]
    for n in range(8):
        path = f"/{n}" + "a" * 65_000  # a request target uvicorn passes on
        body.limit_for("GET", path)
        rate.rule_for("GET", path)
    kept = sum(len(path) for _, path in body._decided) + sum(len(path) for _, path in rate._decided)
    assert kept < 64 * 1024, f"{kept} characters of request paths kept"
