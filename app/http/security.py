"""HTTP hardening as pure ASGI middleware (no BaseHTTPMiddleware): security headers and request body limits.

``SecurityHeaders`` are the browser-facing protections ``app.http.middleware.RequestContextMiddleware`` adds to every
response, problem documents and 404s included; a header a route set itself (the JWKS's ``Cache-Control``) is left
alone. ``BodyLimitMiddleware``
refuses a request body past its limit with 413 ``request.too_large`` problem+json: up front from
``Content-Length``, and by counting the bytes of a streamed (chunked) body as the application reads them.
docs/security.md lists the settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import DomainError
from app.http.errors import PayloadTooLarge
from app.http.problems import problem_response
from app.settings import Settings

#: API responses are JSON (or signed text and files): nothing in them may load, run or be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: /docs (Swagger UI) and /redoc load their bundles from this server (app.http.docs), run an inline start-up
#: script, fetch /openapi.json from this origin and (ReDoc) use a blob: worker. No other origin is allowed.
DOCS_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "worker-src blob:; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)


async def send_problem(
    error: DomainError, scope: Scope, receive: Receive, send: Send, headers: dict[str, str] | None = None
) -> None:
    """Answer from a middleware with the same problem+json document the exception handlers render."""
    response = problem_response(error, Request(scope), headers=headers)
    await response(scope, receive, send)


class SecurityHeaders:
    """``nosniff``, ``DENY`` framing, no referrer, a CSP, ``no-store`` on /api and HSTS when configured: the headers
    for each kind of path built once."""

    def __init__(
        self, *, hsts_seconds: int = 0, docs_paths: Iterable[str | None] = (), no_store_prefix: str = "/api/"
    ) -> None:
        self.docs_paths = frozenset(path for path in docs_paths if path)
        self.no_store_prefix = no_store_prefix
        common: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts_seconds > 0:
            common.append((b"strict-transport-security", f"max-age={hsts_seconds}; includeSubDomains".encode()))
        # Personal data and tokens must not be kept by browsers or shared caches.
        no_store = ((b"cache-control", b"no-store"),)
        self._headers = {
            (docs, api): (*common, (b"content-security-policy", (DOCS_CSP if docs else API_CSP).encode()))
            + (no_store if api else ())
            for docs in (False, True)
            for api in (False, True)
        }

    def for_scope(self, scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
        path = route_path(scope)
        return self._headers[(path in self.docs_paths, path.startswith(self.no_store_prefix))]

    @staticmethod
    def added(headers: list[tuple[bytes, bytes]], wanted: tuple[tuple[bytes, bytes], ...]) -> None:
        """``wanted`` appended to ``headers``, but none a route set itself (the JWKS's ``Cache-Control``)."""
        present = {name.lower() for name, _ in headers}
        headers.extend((name, value) for name, value in wanted if name not in present)


@dataclass(frozen=True, slots=True)
class RouteBodyLimit:
    """A larger body limit for one upload route (``method`` and a full-match ``path`` pattern)."""

    method: str
    path: re.Pattern[str]
    limit: int


def upload_limits(
    settings: Settings, prefix: str, *, attachment_max_bytes: int, paper_scan_max_bytes: int
) -> tuple[RouteBodyLimit, ...]:
    """The upload routes: each route's own file limit plus ``max_body_bytes`` for the other form fields
    (``attachment_max_bytes``: a topic attachment's limit, ``app.vote.service.ATTACHMENT_MAX_BYTES``, which is also
    the limit of a notice posting's photo, R-NOTICE-2, and of each document of a committee's yearly report, R-DISC-4;
    ``paper_scan_max_bytes``: a paper ballot's scan, ``app.ballot.paper.MAX_SCAN_BYTES``, R-PAPER-4)."""
    margin = settings.max_body_bytes
    segment = "[^/]+"
    return (
        RouteBodyLimit(
            "POST", re.compile(f"{prefix}/estates/{segment}/register/imports"), settings.max_upload_bytes + margin
        ),
        RouteBodyLimit(
            "POST", re.compile(f"{prefix}/me/verification/manual"), settings.verification_document_max_bytes + margin
        ),
        RouteBodyLimit(
            "POST", re.compile(f"{prefix}/votes/{segment}/topics/{segment}/attachments"), attachment_max_bytes + margin
        ),
        RouteBodyLimit("POST", re.compile(f"{prefix}/votes/{segment}/postings"), attachment_max_bytes + margin),
        RouteBodyLimit("POST", re.compile(f"{prefix}/votes/{segment}/paper-scans"), paper_scan_max_bytes + margin),
        # R-DISC-4: a committee's yearly report, two documents of an attachment's limit each
        RouteBodyLimit("POST", re.compile(f"{prefix}/committees/{segment}/reports"), 2 * attachment_max_bytes + margin),
    )


def route_path(scope: Scope) -> str:
    """The path the routes see: without the ``root_path`` a proxy mounts the service under (``--root-path``), as
    Starlette's router strips it; matching ``scope["path"]`` itself would miss every route behind such a proxy."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path) and path[len(root_path) : len(root_path) + 1] in ("", "/"):
        return path[len(root_path) :] or "/"
    return path


_DIGITS = re.compile("[0-9]{1,20}")
PATHS_DECIDED = 1024
"""Paths a middleware keeps its decision for (``BodyLimitMiddleware.limit_for``,
``app.http.ratelimit.RateLimitMiddleware.rule_for``), the oldest first out."""
PATH_KEPT_LENGTH = 256
"""The longest path whose decision is kept: a client may send paths of ~64 KiB, which are decided each time."""


class _BodyTooLarge(Exception):
    """Raised into the application from ``receive`` once the body has passed its limit."""


class BodyLimitMiddleware:
    """413 ``request.too_large`` for a body past its route's limit; never a 500, never the whole body read."""

    def __init__(
        self, app: ASGIApp, *, limit: int, routes: Sequence[RouteBodyLimit] = (), credential_cookie: str | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.routes = tuple(routes)
        self._decided: dict[tuple[str, str], int] = {}
        # The console's session cookie is its credential (app.console.session) as the Authorization header is the API's
        self.cookie_marker = f"{credential_cookie}=".encode() if credential_cookie else None

    def limit_for(self, method: str, path: str) -> int:
        """The first route's limit whose method and pattern match, decided once for each of the latest paths asked
        about (a few hot ones, such as a running vote's cast, are asked about on every request)."""
        key = (method, path)
        limit = self._decided.get(key)
        if limit is None:
            limit = next(
                (route.limit for route in self.routes if route.method == method and route.path.fullmatch(path)),
                self.limit,
            )
            if len(path) <= PATH_KEPT_LENGTH:
                if len(self._decided) >= PATHS_DECIDED:
                    del self._decided[next(iter(self._decided))]  # the oldest first
                self._decided[key] = limit
        return limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The larger upload limits only for a caller who presents a credential: the form is read before the route's
        # authentication runs, and an anonymous client must not make the server spool 50 MB.
        authenticated = any(
            name == b"authorization"
            or (name == b"cookie" and self.cookie_marker is not None and self.cookie_marker in value)
            for name, value in scope.get("headers") or ()
        )
        limit = self.limit_for(scope["method"], route_path(scope)) if authenticated else self.limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await send_problem(PayloadTooLarge(limit=limit), scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the application made of the error (FastAPI: a 400) is replaced by the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await send_problem(PayloadTooLarge(limit=limit), scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if _DIGITS.fullmatch(text) else None
    return None
