"""Process metrics for ``/metrics`` (Prometheus text format, ``prometheus_client``).

Only aggregate, non-personal series: requests by route *template* (``/api/v1/votes/{vote_id}/ballots``, never
the id), status and method; latencies; ballots cast and votes closed as counts; the database pool. Nothing is
labelled by owner, account, estate or vote, so a scrape discloses no one's activity (docs/operations.md).

Several worker processes (``evote serve --workers N``) share their series through prometheus_client's
multi-process mode: ``evote serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at an empty directory before the workers
start, each worker writes its values there, and a scrape answered by any worker adds them up.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.registry import REGISTRY
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "<unmatched>"
"""The route label of requests no route matched (404s, scanners): one series, not one per probed path."""

HTTP_REQUESTS = Counter(
    "evote_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "evote_http_request_duration_seconds",
    "Time from the request to the end of its response, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BALLOTS_CAST = Counter("evote_ballots_cast_total", "Online ballots committed (replays of an idempotent cast excluded)")
VOTES_CLOSED = Counter("evote_votes_closed_total", "Votes closed and decided (by the clock or a counting sign-off)")
POOL_IN_USE = Gauge(
    "evote_db_pool_connections_in_use", "Database connections checked out of the pools", multiprocess_mode="livesum"
)
POOL_OPEN = Gauge(
    "evote_db_pool_connections_open", "Database connections the pools hold open", multiprocess_mode="livesum"
)
POOL_CAPACITY = Gauge(
    "evote_db_pool_capacity", "Connections the pools may open (pool size plus overflow)", multiprocess_mode="livesum"
)

_AFTER_COMMIT = "evote.metrics.after_commit"


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def registry() -> CollectorRegistry:
    """What a scrape reports: this process's registry, or every worker's files in multi-process mode."""
    if multiprocess_dir() is None:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def prepare_multiprocess_dir(path: Path) -> None:
    """Before the workers start: an existing directory is emptied, since files of earlier runs would add up."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def process_exited() -> None:
    """A worker's live gauges (its pool) stop counting once it has gone."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}
"""A request's two series by (method, route template, status), looked up once: ``labels()`` takes a lock and
builds the key on every call. Bounded, since the method is the client's (the series themselves are not)."""
_SERIES_KEPT = 4096


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    series = _SERIES.get(key)
    if series is None:
        series = (HTTP_REQUESTS.labels(method, route, str(status)), HTTP_LATENCY.labels(method, route))
        if len(_SERIES) < _SERIES_KEPT:
            _SERIES[key] = series
    series[0].inc()
    series[1].observe(seconds)


_TEMPLATES: dict[int, str] = {}


def routes_included(prefix: str, routes: Iterable[object]) -> None:
    """Remember the full path template a router's routes are served under (the scope names the router's own route
    object), built once rather than per request."""
    for route in routes:
        path = getattr(route, "path", None)
        if isinstance(path, str):
            _TEMPLATES[id(route)] = prefix + path


def route_template(scope: dict[str, Any] | Any) -> str:
    """The matched route's full path template (the router leaves the route on the scope), never the concrete path."""
    route = scope.get("route")
    template = _TEMPLATES.get(id(route))
    if template is not None:
        return template
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def after_commit(session: AsyncSession, record: Callable[[], None]) -> None:
    """Run ``record`` once the session's transaction commits; dropped on rollback (a cast refused late counts 0)."""
    session.sync_session.info.setdefault(_AFTER_COMMIT, []).append(record)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for record in session.info.pop(_AFTER_COMMIT, []):
        record()


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def ballot_cast(session: AsyncSession) -> None:
    after_commit(session, BALLOTS_CAST.inc)


def vote_closed(session: AsyncSession) -> None:
    after_commit(session, VOTES_CLOSED.inc)


def instrument_pool(engine: AsyncEngine) -> Callable[[], None]:
    """Follow the engine's pool through its events; returns the function that undoes it when the engine goes."""
    pool = engine.sync_engine.pool
    # A queue pool holds ``size()`` connections plus at most ``max_overflow`` more under load.
    size = pool.size() if isinstance(pool, QueuePool) else 1
    capacity = size + max(getattr(pool, "_max_overflow", 0), 0)

    def connected(*_: object) -> None:
        POOL_OPEN.inc()

    def closed(*_: object) -> None:
        POOL_OPEN.dec()

    def checked_out(*_: object) -> None:
        POOL_IN_USE.inc()

    def checked_in(*_: object) -> None:
        POOL_IN_USE.dec()

    listeners = (("connect", connected), ("close", closed), ("checkout", checked_out), ("checkin", checked_in))
    for name, listener in listeners:
        event.listen(pool, name, listener)
    POOL_CAPACITY.inc(capacity)

    def remove() -> None:
        for name, listener in listeners:
            event.remove(pool, name, listener)
        POOL_CAPACITY.dec(capacity)

    return remove
