"""Request ids, access logs, request metrics and the security headers, as one pure ASGI middleware (no
BaseHTTPMiddleware: it breaks contextvars; one layer rather than two: each layer wraps ``send`` once more)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.http.context import request_id_var
from app.http.security import SecurityHeaders

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")
access_logger = logging.getLogger("evote.access")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, security: SecurityHeaders | None = None) -> None:
        self.app = app
        self.security = security or SecurityHeaders()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER, b"")
        # Accept a caller's id only if it is short and harmless; otherwise mint one.
        request_id = incoming.decode() if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        wanted = self.security.for_scope(scope)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                SecurityHeaders.added(headers, wanted)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            # The router left the matched route on the scope: its template, never the concrete path, is the label.
            metrics.observe_request(scope.get("method", ""), metrics.route_template(scope), status, elapsed)
            if access_logger.isEnabledFor(logging.INFO):  # its record's fields only when it is logged
                access_logger.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)
