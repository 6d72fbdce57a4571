from __future__ import annotations

import logging
import time
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.db.migrate import schema_state
from app.http.errors import DatabaseNotMigrated, DatabaseUnavailable
from app.http.problems import problem_response, problem_responses

router = APIRouter(tags=["health"])
logger = logging.getLogger("evote.health")

#: Once the schema was seen at the head, ``/readyz`` trusts that for this long and only pings the database.
SCHEMA_CHECK_SECONDS = 30.0


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="``degraded``: serving, but the shared rate-limit store is unreachable (limits per process)"
    )
    rate_limits: Literal["redis", "memory", "redis_unavailable", "off"] = Field(
        description="Where the per-address rate limits are counted: Redis (shared by every worker and replica), "
        "memory (per process: EVOTE_REDIS_URL unset), redis_unavailable (per process until Redis answers again)"
    )


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=problem_responses(DatabaseUnavailable, DatabaseNotMigrated))
async def readyz(request: Request) -> Readiness | JSONResponse:
    """Readiness: the database answers and its schema is at the head revision of this code's migrations.

    A schema behind the head (``evote migrate`` not yet run) is not ready: requests would fail on missing tables
    or columns. A revision this code does not know was written by a newer release's migration job; migrations
    only add (expand, then contract in a later release), so this replica stays ready until it is replaced. An
    unreachable Redis does not make the service unready (the rate limits then count per process,
    docs/security.md); it is reported as ``degraded`` for monitoring.
    """
    state = request.app.state
    checked = getattr(state, "schema_checked_at", None)
    fresh = checked is not None and time.monotonic() - checked < SCHEMA_CHECK_SECONDS
    try:
        async with state.sessionmaker() as session:
            if fresh:
                await session.execute(text("SELECT 1"))
                return await _readiness(state)
            schema = await schema_state(await session.connection())
    except Exception:  # any failure to reach the database means "not ready"
        return problem_response(DatabaseUnavailable(), request)
    if not schema.at_head and schema.known:
        state.schema_checked_at = None
        current, head = schema.describe(schema.current), schema.describe(schema.heads)
        return problem_response(DatabaseNotMigrated(current=current, head=head), request)
    if not schema.at_head:
        logger.warning("database schema %s is newer than this release's %s", schema.current, schema.heads)
    state.schema_checked_at = time.monotonic()
    return await _readiness(state)


async def _readiness(state: Any) -> Readiness:
    limiter = getattr(state, "rate_limiter", None)
    store = await limiter.status() if limiter is not None and state.settings.rate_limit_enabled else "off"
    return Readiness(status="degraded" if store == "redis_unavailable" else "ok", rate_limits=store)
