"""What owners read of their estates: the notice feed across their estates, and the archive with its downloads."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.archive import service
from app.archive.schemas import ArchiveRead, MyNoticeRead, MyNoticesPage, UnreadCountRead
from app.archive.service import Download
from app.common.errors import InvalidCursor, Unauthenticated
from app.common.pagination import CursorParam, LimitParam
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.result.errors import ResultNotPublished, VoteTerminated

API_PREFIX = "/api/v1"  # for the download links in the archive listing (app.main mounts this router there)
router = APIRouter(tags=["notices"])  # the tag names the operation ids (app.main.operation_id): kept as published
EstateId = Annotated[uuid.UUID, Path(description="Estate id")]
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


@router.get("/me/notices", response_model=MyNoticesPage, responses=problem_responses(Unauthenticated, InvalidCursor))
async def list_my_notices(
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
    unread: Annotated[bool, Query(description="Only the notices the caller has not marked read")] = False,
) -> MyNoticesPage:
    """The owners' notices of every estate the caller owns a unit in, is on a vote's roll of, or acts in through a
    grant in force (legal representative, guardian, proxy), and the notices addressed to the caller; newest first,
    each with the caller's read state, and the unread count of the whole feed."""
    feed = await service.list_my_notices(
        session, principal, cursor=cursor, limit=limit, now=clock(), unread_only=unread
    )
    return MyNoticesPage.of(feed)


@router.get("/me/notices/unread-count", response_model=UnreadCountRead, responses=problem_responses(Unauthenticated))
async def count_my_unread_notices(session: SessionDep, principal: CurrentPrincipal, clock: Clock) -> UnreadCountRead:
    """How many notices of the caller's feed are unread (the badge of the owners' app)."""
    return UnreadCountRead(unread_count=await service.unread_count(session, principal, now=clock()))


@router.post(
    "/me/notices/{notice_id}/read", response_model=MyNoticeRead, responses=problem_responses(Unauthenticated, NotFound)
)
async def mark_my_notice_read(
    notice_id: Annotated[uuid.UUID, Path(description="Notice id")],
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
) -> MyNoticeRead:
    """Mark a notice of the caller's feed read (idempotent: the first read is kept); any other notice is 404."""
    notice, read_at = await service.mark_notice_read(session, principal, notice_id, now=clock())
    return MyNoticeRead.of_read(notice, read_at)


@router.get("/estates/{estate_id}/archive", response_model=ArchiveRead, responses=problem_responses(*READ_ERRORS))
async def get_archive(
    estate_id: EstateId, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> ArchiveRead:
    """Published results and notices with their hashes, for the estate's owners and staff; access is logged
    (R-REC-5, R-PUB-3)."""
    found = await service.archive(session, principal, estate_id, now=clock())
    return ArchiveRead.of(found, prefix=API_PREFIX)


@router.get(
    "/estates/{estate_id}/archive/results/{vote_id}",
    response_class=Response,
    responses={**JSON_DOWNLOAD, **problem_responses(*READ_ERRORS, ResultNotPublished, VoteTerminated)},
)
async def download_result(
    estate_id: EstateId, vote_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> Response:
    """Download a vote's published result (the decision) as JSON; ``ETag`` is the file's SHA-256; access is logged."""
    return _attachment(await service.download_result(session, principal, estate_id, vote_id, now=clock()))


@router.get(
    "/estates/{estate_id}/archive/notices/{notice_id}",
    response_class=Response,
    responses={**JSON_DOWNLOAD, **problem_responses(*READ_ERRORS)},
)
async def download_notice(
    estate_id: EstateId, notice_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, clock: Clock
) -> Response:
    """Download a notice as published, with the document its hash covers; access is logged."""
    return _attachment(await service.download_notice(session, principal, estate_id, notice_id, now=clock()))
