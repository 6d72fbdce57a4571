"""The assembly's records over HTTP (issue #17 item 8; R-REC-6..8): minutes, the result announcement, the filing
package. Thin: the documents are written by ``app.result.records``."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from app.audit.deps import LogKeysDep
from app.common.errors import Forbidden, Unauthenticated
from app.errors import NotFound
from app.http.deps import Clock, CurrentPrincipal, SessionDep, SettingsDep
from app.http.problems import problem_responses
from app.result import records, signing
from app.result.errors import ResultNotPublished, VoteTerminated
from app.settings import Settings

router = APIRouter(prefix="/votes/{vote_id}", tags=["records"])
READ_ERRORS = (Unauthenticated, NotFound, ResultNotPublished, VoteTerminated)
TEXT = "text/plain; charset=utf-8"


def _base_url(settings: Settings, request: Request) -> str:
    """R-REC-7: the result's public URL starts with the configured public address, else the request's own."""
    return settings.public_base_url or str(request.base_url)


@router.get(
    "/minutes",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "业主大会会议记录 (UTF-8 plain text)"},
        **problem_responses(*READ_ERRORS),
    },
)
async def get_minutes(
    vote_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    settings: SettingsDep,
) -> Response:
    """The minutes of the assembly, generated from the log, each statement citing its entries' SHA-256 (R-REC-6):
    the estate's staff and the owners in the roll, once the result is published."""
    text = await records.minutes(session, principal, vote_id, now=clock(), base_url=_base_url(settings, request))
    return Response(text.encode("utf-8"), media_type=TEXT)


@router.get(
    "/announcement",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {}, "text/html": {}},
            "description": "表决结果公告: plain text, or HTML with print CSS (``format=html``)",
        },
        **problem_responses(*READ_ERRORS, signing.ResultNotSigned),
    },
)
async def get_announcement(
    vote_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    settings: SettingsDep,
    keys: LogKeysDep,
    output: Literal["text", "html"] = Query("text", alias="format"),
) -> Response:
    """The result announcement in words for posting on site (R-REC-7): each decision's numerators and denominators
    in words and figures, thresholds in words, decision status, evidence hashes and the result's public URL."""
    page = output == "html"
    content = await records.announcement(
        session, principal, vote_id, keys=keys, now=clock(), base_url=_base_url(settings, request), html_page=page
    )
    return Response(content.encode("utf-8"), media_type="text/html; charset=utf-8" if page else TEXT)


@router.get(
    "/filing-package",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The filing package (备案), see manifest.json"},
        **problem_responses(*READ_ERRORS, Forbidden, signing.ResultNotSigned),
    },
)
async def get_filing_package(
    vote_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    clock: Clock,
    settings: SettingsDep,
    keys: LogKeysDep,
) -> Response:
    """The filing package for the street office (R-REC-8; Beijing Art. 43): the organiser and the street office of
    the jurisdiction; each download logged."""
    package = await records.filing_package(
        session, principal, vote_id, keys=keys, now=clock(), base_url=_base_url(settings, request)
    )
    return Response(
        package.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{package.filename}"',
            "X-Package-SHA256": package.sha256,
        },
    )
