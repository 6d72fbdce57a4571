"""The console's pages (issue #22): sign-in, the street office's votes and a vote's page with its supervision forms,
and the owners' public receipt check page. Every page reads and acts through the API's services."""

from __future__ import annotations

import logging
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

import limits
from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.archive import service as archive_service
from app.committee import service as committee_service
from app.common.access import Principal, Role, roles_on
from app.common.errors import TooManyRequests
from app.console import repository
from app.console.chart import turnout_chart
from app.console.committee import FORM_KINDS
from app.console.session import LANG_COOKIE, PRESESSION_COOKIE, SESSION_COOKIE, SESSION_SECONDS, new_presession
from app.console.web import (
    ConsolePrincipal,
    ConsoleRoute,
    beijing,
    check_csrf,
    language,
    redirect,
    render,
    secure_headers,
    session_keys,
    sign_out,
)
from app.errors import DomainError, NotFound
from app.http.deps import Clock, SessionDep
from app.http.ratelimit import RateRule, client_key
from app.notice import service as notice_service
from app.notice.models import NoticeKind
from app.objection import service as objection_service
from app.place import access
from app.place import service as place_service
from app.result import service as result_service
from app.rules.categories import MatterItem
from app.rules.committees import in_term
from app.rules.counts import Weight
from app.rules.lifecycle import AFTER_CLOSE, VoteStatus
from app.rules.publicity import SHANGHAI
from app.settings import Settings
from app.supervision import service as supervision_service
from app.vote import service as vote_service

logger = logging.getLogger("evote.console")
router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)
PAGE_SIZE = 20
WATCHED_NOTICES = frozenset({NoticeKind.VERIFICATION_ALERT, NoticeKind.REGISTER_CHANGE})
RUNNING_STATES = frozenset({"PUBLISHED", "OPEN", "SUSPENDED"})
Csrf = Annotated[str, Form(max_length=200)]
ReasonField = Annotated[str, Form(min_length=1, max_length=4000)]
DocumentField = Annotated[str, Form(min_length=1, max_length=200)]


def sign_in_rule(settings: Settings) -> RateRule:
    """The console's sign-in counts per address like the API's sign-in (``rate_limit_auth``), in its own bucket."""
    return RateRule(
        "console_sign_in", "POST", re.compile("/console/login"), tuple(limits.parse_many(settings.rate_limit_auth))
    )


def _safe_next(target: str | None) -> str:
    """Only a console path: never an open redirect to another site."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console"


# --- sign-in ---------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    presession = request.cookies.get(PRESESSION_COOKIE) or new_presession()
    request.cookies[PRESESSION_COOKIE] = presession  # the form's token binds to the cookie set below
    response = render(request, "login.html", next=_safe_next(next), failed=False)
    _set_cookie(request, response, PRESESSION_COOKIE, presession, max_age=3600)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    session: SessionDep,
    clock: Clock,
    csrf: Csrf,
    api_key: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=2000)] = "/console",
) -> Response:
    settings: Settings = request.app.state.settings
    if settings.rate_limit_enabled:
        # The API's per-address limiter and its sign-in allowance (app.http.ratelimit), counted in its own bucket.
        retry_after = await request.app.state.rate_limiter.acquire(sign_in_rule(settings), client_key(request.scope))
        if retry_after is not None:
            logger.warning("console sign-in rate limit reached")  # never the address or the key: personal data
            error = TooManyRequests(retry_after=retry_after)
            limited = render(request, "error.html", status_code=429, message=error.message(language(request)),
                              code=error.code)  # fmt: skip
            limited.headers["Retry-After"] = str(retry_after)
            return limited
    check_csrf(request, csrf)
    credential = api_key.strip()
    principal: Principal | None = None
    reason = "empty"
    if credential:
        try:
            principal = await request.app.state.authenticator(session, credential, now=clock())
        except DomainError as error:
            principal, reason = None, error.code
    if principal is None or not principal.scopes:
        reason = "not staff" if principal is not None else reason
        logger.warning("console sign-in failed", extra={"reason": reason})  # the key is never logged
        return render(request, "login.html", status_code=401, next=_safe_next(next), failed=True)
    response = redirect(_safe_next(next))
    sealed = session_keys(request).seal_credential(credential, issued_at=int(time.time()))
    _set_cookie(request, response, SESSION_COOKIE, sealed, max_age=SESSION_SECONDS)
    response.delete_cookie(PRESESSION_COOKIE, path="/console")
    return response


@router.post("/logout")
async def logout(request: Request, csrf: Csrf, session: SessionDep, clock: Clock) -> Response:
    """Sign out: the cookie is dropped and, server-side, every console session of the key opened until now ends."""
    check_csrf(request, csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    credential = session_keys(request).open_credential(cookie, now=int(time.time())) if cookie else None
    if credential is not None:
        try:
            principal = await request.app.state.authenticator(session, credential, now=clock())
        except DomainError:
            principal = None
        if principal is not None:
            await sign_out(session, principal, datetime.now(UTC))  # the cookie's own clock (its issued-at)
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return response


@router.get("/lang/{chosen}")
async def switch_language(request: Request, chosen: str, next: str | None = None) -> Response:
    response = redirect(_safe_next(next))
    _set_cookie(request, response, LANG_COOKIE, "en" if chosen == "en" else "zh", max_age=365 * 86400)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/console", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


# --- home --------------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def home(request: Request, principal: ConsolePrincipal) -> Response:
    return render(request, "home.html")


# --- the street office's votes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteRow:
    id: uuid.UUID
    title: str
    estate: str
    status: str
    starts_at: datetime
    ends_at: datetime
    participating: Weight
    total: Weight


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/street-offices/{street_office_id}/votes", response_class=HTMLResponse)
async def street_office_votes(
    request: Request,
    street_office_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    estate: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    """The votes of the jurisdiction with their turnout, filtered by estate, status and window dates (R-SUP-1)."""
    now = clock()
    overview = await supervision_service.overview(session, principal, street_office_id, now=now)
    names = {item.estate.id: item.estate.name for item in overview.estates}
    start, end = _day(date_from), _day(date_to)
    rows = [
        VoteRow(
            row.vote.id,
            row.vote.title,
            names.get(row.vote.estate_id, ""),
            str(row.status),
            row.vote.starts_at,
            row.vote.ends_at,
            row.participating,
            row.total,
        )
        for row in overview.votes
        if (not estate or str(row.vote.estate_id) == estate)
        and (not status or str(row.status) == status)
        and (start is None or row.vote.ends_at.astimezone(SHANGHAI).date() >= start)
        and (end is None or row.vote.starts_at.astimezone(SHANGHAI).date() <= end)
    ]
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    query = {"estate": estate or "", "status": status or "", "from": date_from or "", "to": date_to or ""}

    def page_link(number: int) -> str:
        return f"{request.url.path}?{urllib.parse.urlencode({**query, 'page': number})}"

    late = [item for item in overview.decisions if item.publication.flags]
    # Alerts (R-SUP-1): suspicious verification failures and register changes during a vote (organisers' notices the
    # street office reads), deliveries given up, and roll objections not yet answered in the running votes.
    watched = []
    for item in overview.estates:
        notices, _ = await notice_service.list_estate_notices(session, principal, item.estate.id, cursor=None, limit=50)
        watched += [notice for notice in notices if notice.kind in WATCHED_NOTICES]
    watched.sort(key=lambda notice: notice.published_at, reverse=True)
    dead = await repository.dead_letters(session, list(names))
    unanswered = []
    for row in overview.votes:
        if str(row.status) in RUNNING_STATES:
            evidence = await objection_service.evidence(session, row.vote)
            if evidence.unanswered_ids:
                unanswered.append((row.vote, len(evidence.unanswered_ids)))
    return render(
        request,
        "so_votes.html",
        overview=overview,
        estates=sorted(names.items(), key=lambda item: item[1]),
        statuses=[status.value for status in VoteStatus if status is not VoteStatus.DRAFT],
        rows=shown,
        percent=_percent,
        query=query,
        page=page,
        pages=pages,
        prev_link=page_link(page - 1) if page > 1 else None,
        next_link=page_link(page + 1) if page < pages else None,
        overdue_meetings=[item for item in overview.estates if item.regular_meeting_overdue],
        pending_reviews=[item for item in overview.estates if item.pending_identity_reviews],
        late_results=late,
        watched=watched[:20],
        dead=dead,
        unanswered=unanswered,
        estate_names=names,
    )


@dataclass(frozen=True, slots=True)
class CommitteeRow:
    estate: str
    kind: str
    term: str
    in_term: bool
    filed_on: date | None
    filing_reference: str | None
    seats: int
    sitting: int


@router.get("/street-offices/{street_office_id}/filings", response_class=HTMLResponse)
async def street_office_filings(
    request: Request, street_office_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock
) -> Response:
    """The committees of the jurisdiction's estates with their filing (备案, R-COMM-3; term R-COMM-2) and the closed
    votes' filing packages (R-REC-8): read through the services the API's routes call, each checking the caller."""
    now = clock()
    overview = await supervision_service.overview(session, principal, street_office_id, now=now)
    today = now.astimezone(SHANGHAI).date()
    committees = []
    for item in sorted(overview.estates, key=lambda item: item.estate.name):
        found, _names, _organisations = await committee_service.list_committees(session, principal, item.estate.id)
        committees += [
            CommitteeRow(
                item.estate.name,
                committee.kind.value,
                f"{committee.term_starts_on.isoformat()} — {committee.term_ends_on.isoformat()}",
                in_term(committee.kind, committee.term_starts_on, committee.term_ends_on, today),
                committee.filed_on if committee_service.is_filed(committee, today) else None,
                committee.filing_reference,
                committee.seats,
                len(committee_service.sitting_members(committee)),
            )
            for committee in found
        ]
    names = {item.estate.id: item.estate.name for item in overview.estates}
    closed = [row for row in overview.votes if row.status in AFTER_CLOSE]  # R-REC-8: packaged once the vote closed
    return render(
        request, "so_filings.html", street_office_id=street_office_id, committees=committees, votes=closed,
        estate_names=names,
    )  # fmt: skip


@router.get("/votes", response_class=HTMLResponse)
async def my_votes(
    request: Request,
    session: SessionDep,
    principal: ConsolePrincipal,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The clerk's list: the operator's street offices (every jurisdiction), else the street office's jurisdiction,
    else the estate of a committee or auditor."""
    if principal.is_admin:
        offices, next_cursor = await place_service.list_street_offices(
            session, district_id=None, cursor=cursor, limit=PAGE_SIZE
        )
        return render(request, "street_offices.html", offices=offices, next_cursor=next_cursor)
    for scope in principal.scopes:
        if scope.role is Role.STREET_OFFICE and scope.street_office_id:
            return redirect(f"/console/street-offices/{scope.street_office_id}/votes")
    for scope in principal.scopes:
        if scope.role in (Role.COMMITTEE, Role.AUDITOR) and scope.estate_id:
            return redirect(f"/console/estates/{scope.estate_id}/votes")
    raise NotFound(what="vote")


# --- a vote's page -----------------------------------------------------------------------------------------------


@router.get("/votes/{vote_id}", response_class=HTMLResponse)
async def vote_page(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The vote, its turnout over time against the two-thirds lines, notice, roll, postings and supervision."""
    now = clock()
    view = await vote_service.read_vote(session, principal, vote_id, now=now)
    vote = view.vote
    place = await access.estate_place(session, vote.estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    supervises = bool(roles & {Role.STREET_OFFICE, Role.ADMIN})
    organises = bool(roles & {Role.COMMITTEE, Role.ADMIN})
    turnout = None
    chart = None
    if vote.status is not VoteStatus.DRAFT:
        turnout = await result_service.turnout(session, principal, vote.id, now=now)
        casts = await repository.counted_cast_times(session, vote.id)
        end = min(now, vote.ends_at) if now > vote.starts_at else vote.ends_at
        chart = turnout_chart(
            casts, turnout.total, start=vote.starts_at, end=end,
            labels=(vote.starts_at.astimezone(SHANGHAI).strftime("%m-%d"), end.astimezone(SHANGHAI).strftime("%m-%d")),
        )  # fmt: skip
    postings = await vote_service.list_postings(session, principal, vote.id) if vote.published_at else []
    record = await supervision_service.vote_supervision(session, principal, vote.id, now=now)
    notices, _ = await notice_service.list_estate_notices(session, principal, vote.estate_id, cursor=None, limit=200)
    return render(
        request,
        "vote.html",
        vote=vote,
        status=record.status,
        turnout=turnout,
        chart=chart,
        percent=_percent,
        postings=postings,
        record=record,
        notices=[notice for notice in notices if notice.vote_id == vote.id],
        supervises=supervises,
        organises=organises,
        matters=[item.value for item in MatterItem],
        topic_kinds=[kind.value for kind in FORM_KINDS],
        done=done,
        done_labels=DONE_LABELS,
        area_m2=lambda area: f"{area / 100:.2f}",
    )


DONE_LABELS = {
    "suspend": "suspend", "resume": "resume", "terminate": "terminate", "correction": "correction", "revoke": "revoke",
    "publish": "publish", "draft": "create_draft", "topic": "add_topic",
}  # fmt: skip


@router.post("/votes/{vote_id}/suspend")
async def suspend(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock,
    csrf: Csrf, reason: ReasonField, document_ref: DocumentField,
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    await supervision_service.suspend(
        session, principal, vote_id, reason=reason, document_ref=document_ref, now=clock()
    )
    return redirect(f"/console/votes/{vote_id}?done=suspend")


@router.post("/votes/{vote_id}/resume")
async def resume(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock,
    csrf: Csrf, reason: ReasonField, document_ref: DocumentField, ends_at: Annotated[str, Form(max_length=40)],
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    await supervision_service.resume(
        session, principal, vote_id, reason=reason, document_ref=document_ref, ends_at=beijing(ends_at), now=clock()
    )
    return redirect(f"/console/votes/{vote_id}?done=resume")


@router.post("/votes/{vote_id}/terminate")
async def terminate(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock,
    csrf: Csrf, reason: ReasonField, document_ref: DocumentField,
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    await supervision_service.terminate(
        session, principal, vote_id, reason=reason, document_ref=document_ref, now=clock()
    )
    return redirect(f"/console/votes/{vote_id}?done=terminate")


@router.post("/votes/{vote_id}/correction-orders")
async def order_correction(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock,
    csrf: Csrf, reason: ReasonField, document_ref: DocumentField, deadline: Annotated[str, Form(max_length=40)],
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    await supervision_service.order_correction(
        session, principal, vote_id, reason=reason, document_ref=document_ref, deadline=beijing(deadline),
        now=clock(),
    )  # fmt: skip
    return redirect(f"/console/votes/{vote_id}?done=correction")


@router.post("/votes/{vote_id}/revoke")
async def revoke(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock,
    csrf: Csrf, reason: ReasonField, document_ref: DocumentField, topic_id: Annotated[uuid.UUID, Form()],
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    await supervision_service.revoke(
        session, principal, vote_id, topic_id=topic_id, reason=reason, document_ref=document_ref, now=clock()
    )
    return redirect(f"/console/votes/{vote_id}?done=revoke")


# --- inspection downloads (each access logged by the archive service, R-REC-5) ----------------------------------


def _attachment(download: archive_service.Download) -> Response:
    response = Response(
        content=download.content,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"', "ETag": f'"{download.sha256}"'},
    )
    secure_headers(response)
    return response


@router.get("/estates/{estate_id}/notices/{notice_id}/download")
async def download_notice(
    estate_id: uuid.UUID, notice_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock
) -> Response:
    return _attachment(await archive_service.download_notice(session, principal, estate_id, notice_id, now=clock()))


@router.get("/estates/{estate_id}/results/{vote_id}/download")
async def download_result(
    estate_id: uuid.UUID, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock
) -> Response:
    return _attachment(await archive_service.download_result(session, principal, estate_id, vote_id, now=clock()))


# --- the owners' receipt check page (public) ---------------------------------------------------------------------


@router.get("/receipt", response_class=HTMLResponse)
async def receipt_page(request: Request) -> Response:
    """Paste a receipt; the page's own script checks it against the published log key (no server verdict)."""
    return render(request, "receipt.html", language=language(request))
