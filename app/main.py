"""The application factory: ``create_app(settings)`` builds the app; the lifespan opens the database."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import __version__
from app.audit import keys as log_keys
from app.audit.integrator import IntegratorRunner
from app.audit.router import router as log_router
from app.ballot.router import router as ballot_router
from app.db.base import utcnow
from app.db.migrate import upgrade_async
from app.db.session import create_engine, create_sessionmaker
from app.errors import DomainError
from app.grant.router import router as grant_router
from app.http import health
from app.http.errors import HttpError, PayloadTooLarge, RequestInvalid, TooManyRequests
from app.http.middleware import RequestContextMiddleware
from app.http.problems import PROBLEM_MEDIA_TYPE, Problem, install_problem_handlers
from app.http.ratelimit import RateLimitMiddleware, RateRule, rate_limit_rules
from app.http.security import BodyLimitMiddleware, SecurityHeadersMiddleware, upload_limits
from app.identity.auth_router import router as auth_router
from app.identity.router import router as identity_router
from app.identity.senders import sender_from_settings
from app.identity.service import TokenHasher
from app.identity.tokens import TokenService
from app.logging import configure_logging
from app.notice import outbox as notice_outbox
from app.notice.router import router as notice_router
from app.petition.router import router as petition_router
from app.place.router import router as place_router
from app.realname import binding as _bindings_end_with_their_rows  # noqa: F401 - subscribes to register versions
from app.realname.router import router as verification_router
from app.realname.tasks import purge_once
from app.register.router import router as register_router
from app.result.lifecycle import TransitionRunner
from app.result.router import router as result_router
from app.security.pii import FieldCipher
from app.settings import Settings, get_settings
from app.supervision import register_watch as _votes_flagged_on_register_change  # noqa: F401 - subscribes too
from app.supervision.router import router as supervision_router
from app.tasks import PeriodicTask
from app.vote.router import router as topic_router

API_PREFIX = "/api/v1"
logger = logging.getLogger("evote")


def operation_id(route: APIRoute) -> str:
    """Stable operation ids, ``{tag}-{function}``, so generated clients do not change with paths."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def attach_state(
    app: FastAPI,
    settings: Settings,
    engine: AsyncEngine | None,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Everything built once at start-up and shared by requests (tests call this with their own session)."""
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.cipher = FieldCipher.from_settings(settings)
    app.state.token_hasher = TokenHasher(settings.key("token_hash_key"))
    app.state.tokens = TokenService.from_settings(settings)
    app.state.clock = utcnow
    app.state.code_sender = sender_from_settings(settings)
    app.state.notice_sender = notice_outbox.sender_from_settings(settings)
    app.state.log_keys = log_keys.LogKeys.from_settings(settings)
    log_keys.install(app.state.log_keys)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.should_auto_migrate:
            await upgrade_async(settings.database_url)
        engine = create_engine(settings)
        attach_state(app, settings, engine, create_sessionmaker(engine))
        # R-PI-4: identity documents are deleted within 30 days of the decision, whether or not anyone asks.
        retention = timedelta(days=settings.verification_document_retention_days)
        purge = PeriodicTask(
            "document-purge",
            lambda: purge_once(app.state.sessionmaker, lambda: app.state.clock(), retention=retention),
            interval_seconds=3600,
            fallback=0,
        )
        purge.start()
        # Votes past their end are closed, decided and published without traffic.
        transitions = TransitionRunner(
            app.state.sessionmaker,
            lambda: app.state.clock(),
            interval_seconds=settings.transition_interval_seconds,
        )
        transitions.start()
        app.state.transitions = transitions
        # Committed audit entries are folded into the Merkle tree and checkpoints signed (STYLE.md §8.4.4).
        integrator = IntegratorRunner(
            app.state.sessionmaker,
            lambda: app.state.clock(),
            keys=app.state.log_keys,
            interval_seconds=settings.log_integration_interval_seconds,
        )
        integrator.start()
        app.state.integrator = integrator
        # Committed notices are delivered from the outbox to the gateway's webhook (STYLE.md §8.4.3).
        dispatcher = notice_outbox.NoticeDispatcher(
            app.state.sessionmaker,
            lambda: app.state.clock(),
            app.state.notice_sender,
            interval_seconds=settings.notice_dispatch_interval_seconds,
            max_attempts=settings.notice_max_attempts,
            reminder_interval_seconds=settings.notice_reminder_interval_seconds,
        )
        dispatcher.start()
        app.state.notice_dispatcher = dispatcher
        logger.info("evote started", extra={"env": settings.env, "database": engine.dialect.name})
        try:
            yield
        finally:
            await dispatcher.stop()
            await integrator.stop()
            await transitions.stop()
            await purge.stop()
            await engine.dispose()

    app = FastAPI(
        title="evote",
        version=__version__,
        summary="Owners' e-voting for residential estates (业主共同决定 / 业主大会电子表决)",
        description=(
            "REST API for owners, owners' committees, street offices and auditors. Errors are RFC 9457 "
            "`application/problem+json` with a stable `code`; messages follow `Accept-Language` (zh default)."
        ),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    # Outermost last: headers on every response, then request ids and access logs, CORS (so 413/429 carry it),
    # the per-address limits, and the body limits nearest the routes.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes, routes=upload_limits(settings, API_PREFIX))
    if settings.rate_limit_enabled:
        app.add_middleware(RateLimitMiddleware, rules=rate_limit_rules(settings, API_PREFIX))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Accept-Language", "X-Request-Id"],
            expose_headers=["X-Request-Id", "Retry-After", "Content-Disposition"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        hsts_seconds=settings.hsts_seconds,
        docs_paths=(app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url),
    )
    install_problem_handlers(app)
    # Each router is included in the app directly: every level of included routers matches the path again.
    for router in (
        place_router, register_router, identity_router, auth_router, verification_router, grant_router,
        ballot_router, result_router, topic_router, log_router, petition_router, notice_router, supervision_router,
    ):  # fmt: skip
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    _register_problem_schema(app, settings)
    return app


def _register_problem_schema(app: FastAPI, settings: Settings) -> None:
    """Declare what every route really answers: problem+json errors, including the ones raised outside the routes.

    FastAPI documents request validation as ``application/json`` ``HTTPValidationError``; evote answers
    ``request.invalid`` problems instead. The body limit (413) and an unparseable body (400 ``http.error``) apply
    to every request body and the rate limits (429) to their routes, though none is raised by a route. Error
    responses are problem+json only.
    """
    original = app.openapi
    limited = rate_limit_rules(settings, API_PREFIX) if settings.rate_limit_enabled else ()

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = original()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.setdefault("Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}"))
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    _declare_problems(operation, method, path, limited)
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _declare_problems(operation: dict[str, Any], method: str, path: str, limited: tuple[RateRule, ...]) -> None:
    responses = operation.setdefault("responses", {})
    if "422" in responses:
        _add_problem(responses, RequestInvalid)
    if "requestBody" in operation:
        _add_problem(responses, PayloadTooLarge)
        _add_problem(responses, HttpError)  # a body the framework cannot parse at all (e.g. broken multipart)
    if any(rule.method == method.upper() and rule.path.fullmatch(path) for rule in limited):
        _add_problem(responses, TooManyRequests)
    for status, response in responses.items():
        content = response.get("content", {})
        if status.startswith(("4", "5")) and PROBLEM_MEDIA_TYPE in content:
            content.pop("application/json", None)


def _add_problem(responses: dict[str, Any], error: type[DomainError]) -> None:
    """Declare ``error`` as a problem+json answer, keeping what the route already says about that status."""
    key = str(error.status)
    line = f"`{error.code}`: {error.title}"
    response = responses.setdefault(key, {"description": line})
    if error.code not in response.get("description", ""):
        response["description"] = f"{response['description']}; {line}" if response.get("description") else line
    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def app_from_env() -> FastAPI:
    """Entry point for ``uvicorn --factory app.main:app_from_env``."""
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    return create_app(settings)
