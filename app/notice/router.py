"""An estate's notices and the outbox's dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.notice import service
from app.notice.errors import OutboxMessageNotDead
from app.notice.models import OutboxStatus
from app.notice.schemas import OutboxMessageRead

router = APIRouter(tags=["notices"])
READ_ERRORS = (Unauthenticated, NotFound)


@router.get("/admin/outbox", responses=problem_responses(Unauthenticated, Forbidden, InvalidCursor))
async def list_outbox(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
    status: Annotated[OutboxStatus | None, Query(description="e.g. DEAD for the dead letters")] = None,
) -> Page[OutboxMessageRead]:
    """Outbox messages by status (operators only)."""
    rows, next_cursor = await service.list_outbox(
        session, principal, status=status, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[OutboxMessageRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/admin/outbox/{message_id}/retry",
    response_model=OutboxMessageRead,
    responses=problem_responses(Unauthenticated, Forbidden, NotFound, OutboxMessageNotDead),
)
async def retry_outbox_message(
    message_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> OutboxMessageRead:
    """Queue a dead letter again, due now with a fresh attempt budget (operators only)."""
    return OutboxMessageRead.model_validate(await service.retry_message(session, principal, message_id, now=clock()))
