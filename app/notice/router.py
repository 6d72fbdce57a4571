"""Notices, the estate's archive for inspection, reminders and the outbox's dead letters."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.common.errors import Forbidden, InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.paths import EstateId
from app.http.problems import problem_responses
from app.notice import inspection, service
from app.notice.errors import OutboxMessageNotDead, ReminderDatesInvalid
from app.notice.inspection import Download
from app.notice.models import OutboxStatus
from app.notice.schemas import (
    ArchiveRead,
    NoticeRead,
    OutboxMessageRead,
    ReminderDatesRead,
    ReminderDatesUpdate,
    RemindersRead,
)
from app.result.errors import ResultNotPublished

API_PREFIX = "/api/v1"  # for the download links in the archive listing (app.main mounts this router there)
router = APIRouter(tags=["notices"])
READ_ERRORS = (Unauthenticated, NotFound)
JSON_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {"description": "A JSON file (Content-Disposition: attachment)", "content": {"application/json": {}}}
}


def _attachment(download: Download) -> Response:
    return Response(
        content=download.content,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{download.filename}"',
            "ETag": f'"{download.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/estates/{estate_id}/notices",
    response_model=Page[NoticeRead],
    responses=problem_responses(*READ_ERRORS, InvalidCursor),
)
async def list_estate_notices(
    estate_id: EstateId,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageQuery,
) -> Page[NoticeRead]:
    """The estate's notices, newest first, for anyone with a role on it (observers included, R-SUP-2)."""
    rows, next_cursor = await service.list_estate_notices(
        session, principal, estate_id, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[NoticeRead.of(row) for row in rows], next_cursor=next_cursor)


@router.get("/me/notices", response_model=Page[NoticeRead], responses=problem_responses(Unauthenticated, InvalidCursor))
async def list_my_notices(session: SessionDep, principal: CurrentPrincipal, page: PageQuery) -> Page[NoticeRead]:
    """The owners' notices of every estate the caller owns a unit in or is on a vote's roll of, newest first."""
    rows, next_cursor = await service.list_my_notices(session, principal, cursor=page.cursor, limit=page.limit)
    return Page(items=[NoticeRead.of(row) for row in rows], next_cursor=next_cursor)


@router.get("/estates/{estate_id}/archive", response_model=ArchiveRead, responses=problem_responses(*READ_ERRORS))
async def get_archive(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ArchiveRead:
    """Published results and notices with their hashes, for the estate's owners and staff; access is logged
    (R-REC-5, R-PUB-3)."""
    found = await inspection.archive(session, principal, estate_id, now=clock())
    return ArchiveRead.of(found, prefix=API_PREFIX)


@router.get(
    "/estates/{estate_id}/archive/results/{vote_id}",
    response_class=Response,
    responses={**JSON_DOWNLOAD, **problem_responses(*READ_ERRORS, ResultNotPublished)},
)
async def download_result(
    estate_id: EstateId, vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> Response:
    """Download a vote's published result (the decision) as JSON; ``ETag`` is the file's SHA-256; access is logged."""
    return _attachment(await inspection.download_result(session, principal, estate_id, vote_id, now=clock()))


@router.get(
    "/estates/{estate_id}/archive/notices/{notice_id}",
    response_class=Response,
    responses={**JSON_DOWNLOAD, **problem_responses(*READ_ERRORS)},
)
async def download_notice(
    estate_id: EstateId, notice_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> Response:
    """Download a notice as published, with the document its hash covers; access is logged."""
    return _attachment(await inspection.download_notice(session, principal, estate_id, notice_id, now=clock()))


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


@router.get(
    "/admin/outbox",
    response_model=Page[OutboxMessageRead],
    responses=problem_responses(Unauthenticated, Forbidden, InvalidCursor),
)
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
