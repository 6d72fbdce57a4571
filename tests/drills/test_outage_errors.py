"""Every shape a dead PostgreSQL takes becomes 503 problem+json with Retry-After, never 500 (issue #9 item 3).

A database outage reaches the problem handlers as a SQLAlchemy ``DBAPIError`` around an asyncpg error (during a
query, at COMMIT in the session dependency's exit, or when the pool pre-pings), as a bare ``OSError`` or
``TimeoutError`` raised while the pool opens a connection (asyncpg's connect errors are not DBAPI errors), as a
raw asyncpg error, or as SQLAlchemy's pool ``TimeoutError``. Bugs that merely involve the database stay 500.
The outage drill (``python -m tests.drills.outage``) shows the same against a real PostgreSQL being stopped.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import sqlalchemy.exc
from fastapi import Depends, FastAPI
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from app.db.session import create_engine, create_sessionmaker
from app.http.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers, is_database_unavailable
from app.main import attach_state, create_app
from app.settings import Settings
from tests.drills.common import free_port


class AdaptedError(Exception):
    """Stands in for SQLAlchemy's adapted asyncpg DBAPI ``Error`` class (its name is just ``Error``)."""


AdaptedError.__name__ = "Error"


def wrapped(asyncpg_error: Exception, *, invalidated: bool = False) -> DBAPIError:
    """What SQLAlchemy raises: DBAPIError(orig=adapted error) with the asyncpg error as the cause."""
    adapted = AdaptedError(str(asyncpg_error))
    adapted.__cause__ = asyncpg_error
    return DBAPIError("SELECT 1", {}, adapted, connection_invalidated=invalidated)


UNAVAILABLE: dict[str, Callable[[], BaseException]] = {
    "connection refused while the pool connects": lambda: ConnectionRefusedError(111, "Connect call failed"),
    "connect timeout": lambda: TimeoutError(),
    "connection reset mid-query": lambda: ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    "pool checkout timed out": lambda: PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
    "raw asyncpg: shutting down": lambda: asyncpg.exceptions.CannotConnectNowError(
        "the database system is shutting down"
    ),
    "raw asyncpg: connection lost": lambda: asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    "wrapped: terminated by administrator": lambda: wrapped(asyncpg.exceptions.AdminShutdownError("terminating")),
    "wrapped: connection invalidated": lambda: wrapped(RuntimeError("closed"), invalidated=True),
    "wrapped: too many connections": lambda: wrapped(asyncpg.exceptions.TooManyConnectionsError("too many")),
    "re-raised from a connection error": lambda: _chained(RuntimeError("commit failed"), ConnectionResetError()),
}
BUGS: dict[str, Callable[[], BaseException]] = {
    "wrapped: syntax error": lambda: wrapped(asyncpg.exceptions.PostgresSyntaxError("syntax error at or near")),
    "disk full (an OSError that is not the database)": lambda: OSError(errno.ENOSPC, "No space left on device"),
    "a plain bug": lambda: ValueError("bug"),
    "SQLite: no such table": lambda: sqlalchemy.exc.OperationalError(
        "SELECT * FROM missing", {}, sqlite3.OperationalError("no such table: missing")
    ),
    "a bug raised while handling a connection error": lambda: _in_context(KeyError("bug"), ConnectionRefusedError()),
}


def _in_context(error: Exception, context: Exception) -> Exception:
    error.__context__ = context  # raised inside ``except`` without ``from``: not caused by the outage
    return error


def _chained(outer: Exception, cause: Exception) -> Exception:
    outer.__cause__ = cause
    return outer


async def session_that_fails_at_commit() -> AsyncIterator[None]:
    """Like ``app.http.deps.get_session``: the route runs, then the COMMIT on exit loses the connection."""
    yield
    raise wrapped(asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"))


FailingCommit = Annotated[None, Depends(session_that_fails_at_commit, scope="function")]


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/raise/{group}/{name}")
    async def raise_it(group: str, name: str) -> None:
        raise (UNAVAILABLE if group == "unavailable" else BUGS)[name]()

    @app.post("/commit-fails")
    async def commit_fails(_: FailingCommit) -> dict[str, str]:
        return {"status": "would be 2xx"}

    return app


async def _get(app: FastAPI, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test", timeout=30) as client:
        return await client.request(method, path, headers=headers)


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "db.unavailable"


@pytest.mark.parametrize("name", sorted(UNAVAILABLE))
async def test_each_outage_shape_is_503_problem_with_retry_after(name):
    assert is_database_unavailable(UNAVAILABLE[name]())
    _assert_unavailable(await _get(_app(), "GET", f"/raise/unavailable/{name}"))


@pytest.mark.parametrize("name", sorted(BUGS))
async def test_database_bugs_and_other_errors_stay_500(name):
    assert not is_database_unavailable(BUGS[name]())
    response = await _get(_app(), "GET", f"/raise/bug/{name}")
    assert response.status_code == 500
    assert response.json()["code"] == "internal"
    assert "retry-after" not in response.headers


async def test_a_commit_that_loses_the_connection_is_503_not_2xx():
    _assert_unavailable(await _get(_app(), "POST", "/commit-fails"))


async def test_the_real_app_on_an_unreachable_database_answers_503_fast_and_readyz_says_so(tmp_path):
    """Nothing listens on the port: every database touch fails, the app stays up and says so (R: issue #9 item 3)."""
    settings = Settings(
        env="test", dev_key_dir=tmp_path, log_json=False, db_connect_timeout_seconds=2, db_pool_timeout_seconds=2,
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/evote",
    )  # fmt: skip
    engine = create_engine(settings)
    assert isinstance(engine.pool, QueuePool)
    assert engine.pool.timeout() == 2
    app = create_app(settings)
    attach_state(app, settings, engine, create_sessionmaker(engine))
    try:
        assert (await _get(app, "GET", "/healthz")).status_code == 200
        ready = await _get(app, "GET", "/readyz")
        _assert_unavailable(ready)
        token = app.state.tokens.issue_access("6a8a3f4e-7a4b-4a53-9d36-8f1c2b8f7e10", now=app.state.clock()).token
        cast = await _get(app, "POST", f"/api/v1/votes/{'0' * 8}-0000-0000-0000-{'0' * 12}/ballots")
        assert cast.status_code in (401, 422)  # no credentials or no body: refused before the database
        me = await _get(app, "GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        _assert_unavailable(me)
    finally:
        await engine.dispose()
