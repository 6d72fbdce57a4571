"""The console's web plumbing: templates, the signed-in clerk, CSRF, the language, and HTML refusal pages.

Every console route uses ``ConsoleRoute``: a ``DomainError`` raised by a service (the same services as the API) is
answered with an HTML page in the clerk's language and the error's HTTP status; 401/403/404 become the refusal page,
which names nothing of the object refused.
"""

from __future__ import annotations

import re
import time
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal, Role
from app.common.errors import Forbidden, Unauthenticated
from app.console.i18n import LANGUAGES, status_label, translator
from app.console.session import LANG_COOKIE, PRESESSION_COOKIE, SESSION_COOKIE, SessionKeys
from app.errors import DomainError, NotFound, Noun, Text
from app.http.deps import Clock, SessionDep
from app.http.security import RouteBodyLimit
from app.identity.models import ApiKey
from app.rules.publicity import SHANGHAI
from app.settings import Settings

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
STATIC_DIR = HERE / "static"

#: Pages and their own static assets only: no inline script, no other origin (no CDN), no framing.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def console_upload_limits(settings: Settings, *, paper_scan_max_bytes: int) -> tuple[RouteBodyLimit, ...]:
    """The console's upload forms get the API's allowances: the register file, a paper ballot's scan."""
    margin = settings.max_body_bytes
    return (
        RouteBodyLimit("POST", re.compile("/console/estates/[^/]+/register"), settings.max_upload_bytes + margin),
        RouteBodyLimit("POST", re.compile("/console/votes/[^/]+/paper-receptions"), paper_scan_max_bytes + margin),
    )


class SignInRequired(Exception):
    """No valid console session: the clerk is sent to the sign-in form."""


class CsrfRejected(DomainError):
    code = "console.csrf"
    status = 403
    title = "Form token invalid"
    message_zh = "表单已过期或来源不明，请刷新页面后重试。"
    message_en = "The form has expired or did not come from this console; reload the page and try again."


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return chosen if chosen in LANGUAGES else "zh"


def session_keys(request: Request) -> SessionKeys:
    keys: SessionKeys = request.app.state.console_keys
    return keys


def local_time(instant: datetime | None) -> str:
    return "" if instant is None else instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def beijing(text: str) -> datetime:
    """A ``datetime-local`` field, read as Beijing time, whole seconds; a malformed one is a form error."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FormMalformed() from exc
    return value.replace(tzinfo=SHANGHAI, microsecond=0)


class FormMalformed(DomainError):
    code = "console.time_invalid"
    status = 422
    title = "Time malformed"
    message_zh = "时间格式错误，请按“年-月-日 时:分”填写。"
    message_en = "The time is malformed; give a date and a time."


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    cookie = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE) or ""
    context |= {
        "t": translator(lang),
        "lang": lang,
        "status_label": lambda status: status_label(str(status), lang),
        "local_time": local_time,
        "csrf": session_keys(request).csrf_token(cookie) if cookie else "",
        "principal": getattr(request.state, "console_principal", None),
        "nav": nav_links(getattr(request.state, "console_principal", None)),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    secure_headers(response)
    return response


def nav_links(principal: Principal | None) -> list[tuple[str, str]]:
    """The navigation each role gets: the operator every jurisdiction, a street office its jurisdiction's votes and
    filings, a committee its estate's votes and register, an auditor its estate's votes (``(href, text key)``)."""
    if principal is None:
        return []
    links: list[tuple[str, str]] = []
    for scope in principal.scopes:
        if scope.role is Role.ADMIN:
            links.append(("/console/votes", "all_street_offices"))
        elif scope.role is Role.STREET_OFFICE and scope.street_office_id:
            office = f"/console/street-offices/{scope.street_office_id}"
            links += [(f"{office}/votes", "jurisdiction_votes"), (f"{office}/filings", "filings")]
        elif scope.role is Role.COMMITTEE and scope.estate_id:
            estate = f"/console/estates/{scope.estate_id}"
            links += [(f"{estate}/votes", "estate_votes"), (f"{estate}/register", "register_upload")]
        elif scope.role is Role.AUDITOR and scope.estate_id:
            links.append((f"/console/estates/{scope.estate_id}/votes", "estate_votes"))
    return list(dict.fromkeys(links))


def secure_headers(response: Response) -> None:
    response.headers["content-security-policy"] = CONSOLE_CSP
    response.headers["cache-control"] = "no-store"


def error_page(request: Request, error: DomainError) -> HTMLResponse:
    lang = language(request)
    template = "refused.html" if error.status in (401, 403, 404) else "error.html"
    return render(request, template, status_code=error.status, message=error.message(lang), code=error.code)


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse("/console/login?" + urllib.parse.urlencode({"next": target}), status_code=303)
    secure_headers(response)
    return response


class ConsoleRoute(APIRoute):
    """Answers the console's failures as HTML pages instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired:
                return sign_in_redirect(request)
            except DomainError as error:
                return error_page(request, error)
            except RequestValidationError:
                return render(request, "error.html", status_code=422, message=_invalid(request), code="request.invalid")

        return handler


def _invalid(request: Request) -> str:
    return "表单内容不完整或格式错误。" if language(request) == "zh" else "The form is incomplete or malformed."


async def console_principal(request: Request, session: SessionDep, clock: Clock) -> Principal:
    """The signed-in clerk: the sealed staff credential authenticated again, exactly as the API authenticates it."""
    cookie = request.cookies.get(SESSION_COOKIE)
    opened = session_keys(request).open_session(cookie, now=int(time.time())) if cookie else None
    if opened is None:
        raise SignInRequired()
    credential, opened_at = opened
    try:
        principal: Principal | None = await request.app.state.authenticator(session, credential, now=clock())
    except Unauthenticated:
        principal = None
    if principal is None or await signed_out_since(session, principal, opened_at):
        raise SignInRequired()
    request.state.console_principal = principal
    if not principal.scopes:
        raise Forbidden(
            reason=Text("控制台仅供工作人员使用", "the console is for staff roles")
        )  # owners use the owners' app; the console is for staff
    return principal


ConsolePrincipal = Annotated[Principal, Depends(console_principal)]


async def signed_out_since(session: AsyncSession, principal: Principal, opened_at: int) -> bool:
    """Whether the key signed out of the console after this session was opened: the cookie alone cannot outlive
    a sign-out (hostile review: a copied cookie kept working for its 8 hours)."""
    key = await _api_key(session, principal)
    signed_out = key.console_signed_out_at if key is not None else None
    return signed_out is not None and opened_at <= signed_out.replace(tzinfo=signed_out.tzinfo or UTC).timestamp()


async def sign_out(session: AsyncSession, principal: Principal, now: datetime) -> None:
    """End every console session of the principal's key opened up to ``now``."""
    key = await _api_key(session, principal)
    if key is not None:
        key.console_signed_out_at = now.astimezone(UTC)


async def _api_key(session: AsyncSession, principal: Principal) -> ApiKey | None:
    kind, _, key_id = principal.subject.partition(":")
    if kind != "apikey":
        return None
    try:
        return await session.get(ApiKey, uuid.UUID(key_id))
    except ValueError:
        return None


def check_csrf(request: Request, token: str) -> None:
    """The form's token must be the HMAC of this browser's session (or pre-session) cookie."""
    bound = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)
    if not session_keys(request).csrf_valid(bound, token):
        raise CsrfRejected()


def redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    secure_headers(response)
    return response


def not_found(what: Noun) -> NotFound:
    return NotFound(what=what)
