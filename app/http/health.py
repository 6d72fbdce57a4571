from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.http.errors import DatabaseUnavailable
from app.http.problems import problem_response, problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


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


@router.get("/readyz", response_model=Readiness, responses=problem_responses(DatabaseUnavailable))
async def readyz(request: Request) -> Readiness | JSONResponse:
    """Readiness: the database answers (else 503). An unreachable Redis does not make the service unready (the
    rate limits then count per process, docs/security.md); it is reported as ``degraded`` for monitoring."""
    try:
        async with request.app.state.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        return problem_response(DatabaseUnavailable(), request)
    state = request.app.state
    limiter = getattr(state, "rate_limiter", None)
    store = await limiter.status() if limiter is not None and state.settings.rate_limit_enabled else "off"
    return Readiness(status="degraded" if store == "redis_unavailable" else "ok", rate_limits=store)
