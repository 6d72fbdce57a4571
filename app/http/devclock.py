"""``/api/v1/dev/clock``: move the development clock (``evote serve --dev-clock``) to rehearse a whole vote.

Mounted only when ``EVOTE_DEV_CLOCK`` is set, which production refuses (``app.settings``); operators (ADMIN) only.
Left out of the OpenAPI contract: no client of a real deployment may depend on it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app import clock
from app.common.access import Role
from app.common.schemas import Instant
from app.errors import DomainError
from app.http.deps import CurrentPrincipal

logger = logging.getLogger("evote.devclock")
router = APIRouter(prefix="/dev", tags=["development"], include_in_schema=False)


class ClockBackwards(DomainError):
    code = "dev.clock_backwards"
    status = 409
    title = "The clock only moves forward"
    message_zh = "开发时钟只能向后拨，目标时间早于当前时间 {now}。"
    message_en = "The development clock only moves forward; the target is before the current time {now}."


class ClockRead(BaseModel):
    now: Instant
    shift_seconds: int = Field(description="How far the clock is ahead of the wall clock")


class ClockMove(BaseModel):
    """Either ``advance_seconds`` or ``to``: how far, or until when, to move the clock forward."""

    model_config = ConfigDict(extra="forbid")
    advance_seconds: int | None = Field(default=None, ge=0, le=10 * 365 * 86400)
    to: datetime | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ClockMove:
        if (self.advance_seconds is None) == (self.to is None):
            raise ValueError("give exactly one of advance_seconds and to")
        if self.to is not None and self.to.tzinfo is None:
            raise ValueError("to needs a UTC offset")
        return self


def _read() -> ClockRead:
    return ClockRead(now=clock.utcnow(), shift_seconds=int(clock.shift().total_seconds()))


@router.get("/clock", response_model=ClockRead)
async def read_clock(principal: CurrentPrincipal) -> ClockRead:
    principal.require(Role.ADMIN)
    return _read()


@router.post("/clock", response_model=ClockRead)
async def move_clock(body: ClockMove, principal: CurrentPrincipal) -> ClockRead:
    """Move forward; background jobs (opening, closing, reminders) see the new time on their next run."""
    principal.require(Role.ADMIN)
    now = clock.utcnow()
    delta = body.to - now if body.to is not None else timedelta(seconds=body.advance_seconds or 0)
    if delta < timedelta(0):
        raise ClockBackwards(now=now)
    clock.advance(delta)
    logger.warning(
        "development clock moved", extra={"by_seconds": int(delta.total_seconds()), "actor": principal.label}
    )
    return _read()
