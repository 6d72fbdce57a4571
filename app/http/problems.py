"""RFC 9457 ``application/problem+json`` for every error, in Chinese or English by ``Accept-Language``."""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.common.errors import Conflict, Unauthenticated
from app.errors import DomainError
from app.http.context import request_id_var
from app.http.errors import (
    DatabaseBusy,
    DatabaseUnavailable,
    HttpError,
    InternalError,
    MethodNotAllowed,
    RequestInvalid,
    RouteNotFound,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:evote:problem:"
logger = logging.getLogger("evote.http")


class ProblemMessages(BaseModel):
    zh: str
    en: str


class ProblemFieldError(BaseModel):
    pointer: str = Field(description="JSON Pointer (RFC 6901) into the request, or a row/column locator")
    code: str
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem document with evote's extension members."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str = Field(description="Stable machine-readable error code")
    messages: ProblemMessages
    request_id: str | None = None
    rules: list[str] | None = Field(
        default=None,
        description=(
            "The ids of the rules in docs/rules.md that refused the request (e.g. `R-TALLY-7`), for support and "
            "audit; kept out of `detail` and `messages`, which are worded for people"
        ),
        examples=[["R-TALLY-7", "R-CAST-2"]],
    )
    errors: list[dict[str, Any]] | None = None


def negotiate_language(accept_language: str | None) -> str:
    """``en`` when English is preferred over Chinese in ``Accept-Language``; ``zh`` otherwise (the default)."""
    candidates: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower()[:2]
        if language not in ("zh", "en"):
            continue
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        candidates.append((quality, -position, language))  # earlier entries win ties
    if not candidates:
        return "zh"
    quality, _, language = max(candidates)
    return language if quality > 0 else "zh"


def problem_body(error: DomainError, request: Request) -> dict[str, Any]:
    language = negotiate_language(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.title,
        "status": error.status,
        "detail": error.message(language),
        "instance": request.url.path,
        "code": error.code,
        "messages": {"zh": error.message("zh"), "en": error.message("en")},
        "request_id": request_id_var.get(),
    }
    if error.rules:
        body["rules"] = list(error.rules)
    body.update(error.extra_for(language))  # may name the rules of this instance (e.g. the criteria not yet attested)
    return body


def problem_response(error: DomainError, request: Request, headers: dict[str, str] | None = None) -> JSONResponse:
    all_headers = dict(headers or {})
    if isinstance(error, Unauthenticated):
        all_headers.setdefault("WWW-Authenticate", "Bearer")
    if isinstance(error, DatabaseUnavailable):
        all_headers.setdefault("Retry-After", "5")
    if isinstance(error, DatabaseBusy):
        all_headers.setdefault("Retry-After", "2")
    if error.params.get("retry_after") is not None:  # 429s, and a result the client must wait for (409)
        all_headers.setdefault("Retry-After", str(error.params["retry_after"]))
    return JSONResponse(
        problem_body(error, request),
        status_code=error.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=all_headers or None,
    )


def _pointer(location: Sequence[int | str]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        source = parts.pop(0)
        prefix = "" if source == "body" else f"#{source}"
    else:
        prefix = ""
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return prefix + "/" + "/".join(escaped) if escaped else prefix or "/"


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, DomainError):  # registered for this class only
        raise exc
    if exc.status >= 500:
        logger.error("domain error %s", exc.code, exc_info=exc)
    return problem_response(exc, request)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # registered for this class only
        raise exc
    errors = [
        {
            "pointer": _pointer(item.get("loc", ())),
            "code": str(item.get("type", "invalid")),
            "detail": item.get("msg", ""),
        }
        for item in exc.errors()
    ]
    return problem_response(RequestInvalid(count=len(errors), extra={"errors": errors}), request)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # registered for this class only
        raise exc
    error: DomainError
    if exc.status_code == 404:
        error = RouteNotFound()
    elif exc.status_code == 405:
        error = MethodNotAllowed()
    else:
        error = HttpError(status_code=exc.status_code)
        response = problem_response(error, request, headers=dict(exc.headers or {}))
        response.status_code = exc.status_code
        return response
    return problem_response(error, request, headers=dict(exc.headers or {}))


async def _on_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A service should translate the constraints it expects; reaching here means one it did not.
    logger.warning("untranslated integrity error", exc_info=exc)
    return problem_response(Conflict(), request)


#: Exception type names (asyncpg's, and SQLAlchemy's adapted DBAPI classes) that mean the database is out of reach.
_CONNECTION_ERROR_NAMES = frozenset(
    {
        "AdminShutdownError",  # 57P01: the server is shutting down (pg_ctl stop -m fast)
        "CannotConnectNowError",  # 57P03: starting up / shutting down / in recovery
        "ClientCannotConnectError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "ConnectionRejectionError",
        "ConnectionRefusedError",
        "CrashShutdownError",  # 57P02
        "PostgresConnectionError",  # SQLSTATE class 08
        "TooManyConnectionsError",  # 53300
    }
)


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc``, or anything it wraps, says the database cannot be reached right now (not a bug).

    A dead or restarting PostgreSQL shows up as SQLAlchemy ``DBAPIError`` wrapping an asyncpg error (during a
    query, at COMMIT, or when the pool pre-pings a connection), as a bare ``OSError`` such as
    ``ConnectionRefusedError`` or a connect ``TimeoutError`` raised while the pool opens a connection (asyncpg's
    connect errors are not DBAPI errors), or as SQLAlchemy's pool ``TimeoutError`` when no connection frees up.
    """
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < 32:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, PoolTimeout | ConnectionError | TimeoutError | socket.gaierror):
            return True
        if type(current).__name__ in _CONNECTION_ERROR_NAMES:
            return True
        wrapped = current.orig if isinstance(current, DBAPIError) else None
        # The wrapped driver error and explicit causes only: an error merely raised while handling another (its
        # __context__) is its own failure, and a bug must stay a 500 however it started.
        pending.extend(e for e in (wrapped, current.__cause__) if isinstance(e, BaseException))
    return False


#: SQLSTATEs after which the transaction is rolled back and a retry may succeed: a bounded wait that ran out
#: (app.db.session.bounded_waits: lock_not_available for ``lock_timeout``, query_canceled for ``statement_timeout``),
#: and PostgreSQL choosing this transaction as a deadlock's victim or a serialization failure's loser.
_BUSY_SQLSTATES = frozenset({"55P03", "57014", "40P01", "40001"})


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL giving up on a lock wait, a long statement or a deadlock: the request may be
    retried."""
    wrapped = exc.orig if isinstance(exc, DBAPIError) else None
    for current in (exc, wrapped, getattr(wrapped, "__cause__", None)):
        if getattr(current, "sqlstate", None) in _BUSY_SQLSTATES:
            return True
    return False


async def _on_db_error(request: Request, exc: Exception) -> JSONResponse:
    """DBAPI errors, connection errors and pool timeouts: 503 with Retry-After if the database is out of reach;
    a lock or statement timeout: 503 ``db.busy`` with Retry-After (never a 500)."""
    if is_database_busy(exc):
        logger.warning("database wait bounded", extra={"sqlstate": _sqlstate(exc)})
        return problem_response(DatabaseBusy(), request)
    if is_database_unavailable(exc):
        logger.error("database unavailable", exc_info=exc)
        return problem_response(DatabaseUnavailable(), request)
    return await _on_unexpected(request, exc)


def _sqlstate(exc: BaseException) -> str | None:
    wrapped = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(wrapped, "sqlstate", None)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):  # e.g. a raw asyncpg error from a connection being opened
        logger.error("database unavailable", exc_info=exc)
        return problem_response(DatabaseUnavailable(), request)
    logger.error("unhandled error", exc_info=exc)
    return problem_response(InternalError(), request)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(DBAPIError, _on_db_error)
    app.add_exception_handler(OSError, _on_db_error)  # ConnectionRefusedError etc. while the pool connects
    app.add_exception_handler(PoolTimeout, _on_db_error)
    app.add_exception_handler(Exception, _on_unexpected)


def problem_responses(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for a route, built from the error classes it can raise (grouped by status)."""
    by_status: dict[int, list[type[DomainError]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, classes in sorted(by_status.items()):
        codes = sorted({cls.code for cls in classes})
        responses[status] = {
            "model": Problem,
            "description": "; ".join(f"`{cls.code}`: {cls.title}" for cls in sorted(classes, key=lambda c: c.code)),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": {"code": codes[0]},
                }
            },
        }
    return responses
