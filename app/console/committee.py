"""The committee's console pages (issue #22 item 2): the estate's votes, the register upload with the error table of
the whole file, publishing a draft after reading its notice as owners will, paper-ballot receptions, the groups that
have not voted and a reminder to them, and the result announcement as a printable A4 page with a QR code.

Each page calls the service the API's route calls, with the same access checks in the same order."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import segno
from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse

from app.ballot import paper
from app.ballot.schemas import CountedPaperEntry, PaperReceptionIn
from app.common.access import MANAGING_ROLES
from app.console.web import ConsolePrincipal, ConsoleRoute, beijing, check_csrf, redirect, render, secure_headers
from app.errors import DomainError, NotFound
from app.http.deps import CipherDep, Clock, SessionDep, SettingsDep
from app.http.errors import PayloadTooLarge
from app.notice import service as notice_service
from app.notice.models import NoticeKind
from app.objection import service as objection_service
from app.participation import service as participation_service
from app.place import access
from app.register import service as register_service
from app.register.errors import RegisterInvalid
from app.register.router import detect_format
from app.result import counting, records
from app.result.counting_schemas import CountingOpen, WitnessIn
from app.rules.categories import MatterItem
from app.rules.kinds import TopicKind
from app.rules.paper import PaperForm, WitnessRole
from app.security.pii import mask_name
from app.vote import notices as vote_notices
from app.vote import repository as vote_repository
from app.vote import service as vote_service
from app.vote.models import OrganiserKind, VotingMethod
from app.vote.schemas import OptionBody, TopicCreate, VoteCreate
from app.vote.service import ensure_acts_as_organiser

router = APIRouter(prefix="/console", include_in_schema=False, route_class=ConsoleRoute)
Csrf = Annotated[str, Form(max_length=200)]
YES_NO_CHOICES = ("AGREE", "OPPOSE", "ABSTAIN", "SPOILED")


class FormInvalid(DomainError):
    code = "console.form_invalid"
    status = 422
    title = "Form incomplete"
    message_zh = "表单内容不完整或格式错误，请检查后重新提交。"
    message_en = "The form is incomplete or malformed; check it and submit it again."


@router.get("/estates/{estate_id}/votes", response_class=HTMLResponse)
async def estate_votes(
    request: Request,
    estate_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The estate's votes, drafts included for its organisers (the API's ``GET /estates/{id}/votes``)."""
    now = clock()
    rows, next_cursor = await vote_service.list_votes(session, principal, estate_id, cursor=cursor, limit=20, now=now)
    organises = bool(await access.estate_roles(session, principal, estate_id) & MANAGING_ROLES)
    return render(
        request, "estate_votes.html", estate_id=estate_id, rows=rows, next_cursor=next_cursor, now=now,
        organises=organises, organisers=[kind.value for kind in OrganiserKind],
        methods=[method.value for method in VotingMethod],
    )  # fmt: skip


@router.post("/estates/{estate_id}/votes")
async def create_draft(
    request: Request,
    estate_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    csrf: Csrf,
    title: Annotated[str, Form(max_length=200)],
    organiser_kind: Annotated[OrganiserKind, Form()],
    voting_method: Annotated[VotingMethod, Form()],
    starts_at: Annotated[str, Form(max_length=40)],
    ends_at: Annotated[str, Form(max_length=40)],
    notice_text: Annotated[str, Form(max_length=20000)] = "",
    paper_ballot_place: Annotated[str, Form(max_length=500)] = "",
    roll_inspection_place: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Draft a vote as ``POST /estates/{id}/votes`` does (times read as Beijing time)."""
    check_csrf(request, csrf)
    try:
        body = VoteCreate(
            title=title, organiser_kind=organiser_kind, voting_method=voting_method, starts_at=beijing(starts_at),
            ends_at=beijing(ends_at), notice_text=notice_text, paper_ballot_place=paper_ballot_place or None,
            roll_inspection_place=roll_inspection_place or None,
        )  # fmt: skip
    except ValueError as exc:
        raise FormInvalid() from exc
    vote = await vote_service.create_vote(session, principal, estate_id, body, now=clock())
    return redirect(f"/console/votes/{vote.id}?done=draft")


#: The kinds the drafting form offers: yes/no and the option kinds (an election needs its candidates: the API).
FORM_KINDS = (TopicKind.YES_NO, TopicKind.SINGLE_CHOICE, TopicKind.CONSULTATION)


@router.post("/votes/{vote_id}/topics")
async def add_topic(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    csrf: Csrf,
    title: Annotated[str, Form(max_length=200)],
    text: Annotated[str, Form(max_length=20000)],
    matter: Annotated[MatterItem, Form()],
    kind: Annotated[TopicKind, Form()] = TopicKind.YES_NO,
    options: Annotated[str, Form(max_length=50000)] = "",
) -> Response:
    """Add a topic to a draft as ``POST /votes/{id}/topics`` does: yes/no, or a single choice or consultation with
    its options one a line (numbered 1, 2, … as their ballot ids); the API's schema and service judge it."""
    check_csrf(request, csrf)
    if kind not in FORM_KINDS:
        raise FormInvalid()
    labels = [line.strip() for line in options.splitlines() if line.strip()]
    try:
        body = TopicCreate(
            title=title, text=text, kind=kind, matters=[matter], declaration_property_management=True,
            options=[OptionBody(id=str(number), label=label) for number, label in enumerate(labels, start=1)] or None,
        )  # fmt: skip
    except ValueError as exc:
        raise FormInvalid() from exc
    await vote_service.add_topic(session, principal, vote_id, body, now=clock())
    return redirect(f"/console/votes/{vote_id}?done=topic")


# --- the register ------------------------------------------------------------------------------------------------


@router.get("/estates/{estate_id}/register", response_class=HTMLResponse)
async def register_form(
    request: Request, estate_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal
) -> Response:
    await access.ensure_can_manage_estate(session, principal, estate_id)
    return render(request, "register.html", estate_id=estate_id, errors=None, outcome=None)


@router.post("/estates/{estate_id}/register", response_class=HTMLResponse)
async def register_upload(
    request: Request,
    estate_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    settings: SettingsDep,
    cipher: CipherDep,
    clock: Clock,
    csrf: Csrf,
    file: Annotated[UploadFile, File()],
) -> Response:
    """The API's register import: every bad row of the whole file listed at once, nothing written (R-REG)."""
    check_csrf(request, csrf)
    await access.ensure_can_manage_estate(session, principal, estate_id)
    chosen = detect_format(file.filename, file.content_type, None)
    content = await file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise PayloadTooLarge(limit=settings.max_upload_bytes)
    try:
        outcome = await register_service.import_register(
            session, estate_id, content, register_format=chosen, source_name=file.filename or "upload",
            imported_by=principal, cipher=cipher, now=clock(),
        )  # fmt: skip
    except RegisterInvalid as invalid:
        errors: list[dict[str, Any]] = invalid.extra.get("errors", [])
        return render(
            request, "register.html", status_code=422, estate_id=estate_id, errors=errors, outcome=None,
            message=invalid.message("en" if request.cookies.get("evote_console_lang") == "en" else "zh"),
        )  # fmt: skip
    return render(request, "register.html", estate_id=estate_id, errors=None, outcome=outcome)


# --- publishing a draft ------------------------------------------------------------------------------------------


@router.get("/votes/{vote_id}/notice-preview", response_class=HTMLResponse)
async def notice_preview(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock
) -> Response:
    """The draft's notice in the words owners will receive (``app.vote.notices``), before it is published."""
    vote = await vote_service.managed_vote(session, principal, vote_id)
    return render(
        request, "notice_preview.html", vote=vote, title=vote_notices.vote_notice_title(vote),
        body=vote_notices.vote_notice_body(vote),
    )  # fmt: skip


@router.post("/votes/{vote_id}/publish")
async def publish(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock,
    settings: SettingsDep, csrf: Csrf,
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    await vote_service.publish(session, principal, vote_id, now=clock(), pseudonym_key=settings.key("pseudonym_key"))
    return redirect(f"/console/votes/{vote_id}?done=publish")


# --- participation: who has not voted, the reminder, paper ballots -----------------------------------------------


@router.get("/votes/{vote_id}/participation", response_class=HTMLResponse)
async def participation(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The groups that have not voted (R-PART-1/2: owners' names masked, for the organiser only), the reminder to
    them (R-PART-3), and the paper-ballot reception form (R-PAPER-1)."""
    page = await participation_service.not_voted(session, principal, vote_id, now=clock(), cursor=cursor, limit=50)
    receptions = await paper.receptions(session, vote_id)
    notices, _ = await notice_service.list_estate_notices(
        session, principal, page.vote.estate_id, cursor=None, limit=200
    )
    reminders = [notice for notice in notices if notice.vote_id == vote_id and notice.kind is NoticeKind.REMINDER]
    return render(
        request, "participation.html", page=page, vote=page.vote, receptions=receptions, mask=mask_name, done=done,
        forms=[form.value for form in PaperForm], reminders=reminders,
    )  # fmt: skip


@router.get("/votes/{vote_id}/reminder", response_class=HTMLResponse)
async def remind_confirm(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock
) -> Response:
    """The reminder's confirmation: how many groups have not voted and the words their owners will receive
    (``participation_service.reminder_text``), before anything is sent (R-PART-3: the organiser's act)."""
    page = await participation_service.not_voted(session, principal, vote_id, now=clock(), cursor=None, limit=1)
    ensure_acts_as_organiser(
        page.vote.organiser_kind, await access.estate_roles(session, principal, page.vote.estate_id)
    )
    title, body = participation_service.reminder_text(page.vote)
    return render(request, "reminder_confirm.html", vote=page.vote, totals=page.totals, title=title, body=body)


@router.post("/votes/{vote_id}/reminder")
async def remind(
    request: Request, vote_id: uuid.UUID, session: SessionDep, principal: ConsolePrincipal, clock: Clock, csrf: Csrf
) -> Response:
    check_csrf(request, csrf)
    await participation_service.remind(session, principal, vote_id, now=clock())
    return redirect(f"/console/votes/{vote_id}/participation?done=reminder")


@router.post("/votes/{vote_id}/paper-receptions")
async def receive_paper(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    csrf: Csrf,
    group_id: Annotated[str, Form(max_length=32)],
    form: Annotated[PaperForm, Form()],
    scan: Annotated[UploadFile, File()],
) -> Response:
    """The API's scan upload and reception in one form: the scan stored under its SHA-256 (R-PAPER-4), the arrival
    recorded now by the server's clock (R-PAPER-1), a later ballot of the group kept as a duplicate (R-PAPER-2)."""
    check_csrf(request, csrf)
    vote = await vote_repository.lock_vote(session, vote_id)
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)
    ensure_acts_as_organiser(vote.organiser_kind, await access.estate_roles(session, principal, vote.estate_id))
    now = clock()
    content = await scan.read(paper.MAX_SCAN_BYTES + 1)
    stored = await paper.upload_scan(session, principal, vote, content, now=now)  # its type judged by its bytes
    body = PaperReceptionIn(group_id=group_id, form=form, scan_sha256=stored.sha256)
    await paper.receive(session, principal, vote, body, now=now)
    return redirect(f"/console/votes/{vote_id}/participation?done=paper")


# --- the counting session (R-PAPER-3) -----------------------------------------------------------------------------


@router.get("/votes/{vote_id}/counting", response_class=HTMLResponse)
async def counting_page(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The counting session, its witnesses (pseudonym, role, confirmed or not) and the paper receptions to enter."""
    state = await counting.state(session, principal, vote_id)
    return render(
        request, "counting.html", state=state, vote=state.vote, done=done, roles=[role.value for role in WitnessRole],
        choices=YES_NO_CHOICES,
    )  # fmt: skip


@router.post("/votes/{vote_id}/counting")
async def open_counting(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    settings: SettingsDep,
    csrf: Csrf,
    witness_account: Annotated[list[str], Form(max_length=20)],
    witness_role: Annotated[list[WitnessRole], Form(max_length=20)],
) -> Response:
    """Open the public counting after the close, naming its witnesses by their own accounts (R-PAPER-3)."""
    check_csrf(request, csrf)
    named = [(account.strip(), role) for account, role in zip(witness_account, witness_role, strict=False)]
    try:
        witnesses = [WitnessIn(account_id=uuid.UUID(account), role=role) for account, role in named if account]
        body = CountingOpen(witnesses=witnesses)
    except ValueError as exc:
        raise FormInvalid() from exc
    await counting.open_session(
        session, principal, vote_id, body, now=clock(), pseudonym_key=settings.key("pseudonym_key")
    )
    return redirect(f"/console/votes/{vote_id}/counting?done=opened")


@router.post("/votes/{vote_id}/counting/ballots")
async def enter_counted(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    csrf: Csrf,
    reception_id: Annotated[uuid.UUID, Form()],
) -> Response:
    """Enter a received paper ballot's answers (yes/no topics: one choice each; SPOILED for an unreadable one)."""
    check_csrf(request, csrf)
    form = await request.form()
    answers = {key.removeprefix("topic-"): str(value) for key, value in form.multi_items() if key.startswith("topic-")}
    try:
        body = CountedPaperEntry(reception_id=reception_id, answers=answers)
    except ValueError as exc:
        raise FormInvalid() from exc
    await counting.enter(session, principal, vote_id, body, now=clock())
    return redirect(f"/console/votes/{vote_id}/counting?done=entered")


# --- the roll and the filing package ------------------------------------------------------------------------------


@router.get("/votes/{vote_id}/roll", response_class=HTMLResponse)
async def roll(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The vote's frozen roll, a page at a time, owners' names masked; each read logged (R-REC-5)."""
    page = await objection_service.read_roll(session, principal, vote_id, cursor=cursor, limit=50, now=clock())
    return render(request, "roll.html", page=page, vote=page.vote, mask=mask_name)


@router.get("/votes/{vote_id}/filing-package")
async def filing_package(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    settings: SettingsDep,
) -> Response:
    """The street office's filing package of the vote (R-REC-8), as the API serves it; its production logged."""
    base_url = settings.public_base_url or str(request.base_url)
    package = await records.filing_package(
        session, principal, vote_id, keys=request.app.state.log_keys, now=clock(), base_url=base_url
    )
    response = Response(
        content=package.content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"', "ETag": f'"{package.sha256}"'},
    )
    secure_headers(response)
    return response


# --- the result announcement -------------------------------------------------------------------------------------


@router.get("/votes/{vote_id}/announcement", response_class=HTMLResponse)
async def announcement(
    request: Request,
    vote_id: uuid.UUID,
    session: SessionDep,
    principal: ConsolePrincipal,
    clock: Clock,
    settings: SettingsDep,
) -> Response:
    """表决结果公告 on A4 (R-REC-7): the words of ``app.result.records`` with a QR code of the result's public URL."""
    base_url = settings.public_base_url or str(request.base_url)
    blocks, result_url = await records.announcement_page(
        session, principal, vote_id, keys=request.app.state.log_keys, now=clock(), base_url=base_url
    )
    qr = segno.make(result_url, error="m").svg_data_uri(scale=3, border=2)
    return render(request, "announcement.html", blocks=blocks, result_url=result_url, qr=qr, vote_id=vote_id)
