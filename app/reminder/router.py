"""Reminders of an estate and the dates they count from."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path

from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.reminder import service
from app.reminder.errors import ReminderDatesInvalid
from app.reminder.schemas import ReminderDatesRead, ReminderDatesUpdate, RemindersRead

router = APIRouter(tags=["notices"])  # the tag names the operation ids (app.main.operation_id): kept as published
EstateId = Annotated[uuid.UUID, Path(description="Estate id")]
READ_ERRORS = (Unauthenticated, NotFound)


@router.get("/estates/{estate_id}/reminders", response_model=RemindersRead, responses=problem_responses(*READ_ERRORS))
async def get_reminders(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> RemindersRead:
    """Reminders due today: contract and term ends (R-LIFE-12) and a missing yearly assembly (R-LIFE-11)."""
    return RemindersRead.of(await service.reminders(session, principal, estate_id, now=clock()))


@router.patch(
    "/estates/{estate_id}/reminder-dates",
    response_model=ReminderDatesRead,
    responses=problem_responses(*READ_ERRORS, Forbidden, ReminderDatesInvalid),
)
async def update_reminder_dates(
    estate_id: EstateId, body: ReminderDatesUpdate, session: SessionDep, principal: CurrentPrincipal
) -> ReminderDatesRead:
    """Record the committee term and contract end dates the reminders count from (organisers; null clears)."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return ReminderDatesRead.of(await service.update_reminder_dates(session, principal, estate_id, changes))
