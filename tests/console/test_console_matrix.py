"""The API's authorisation matrix extended to the console (issue #22): every console route × every principal.

Principals sign in to the console with the same credentials as the API (their session cookie seals the credential);
``anonymous`` has no cookie. Each (route, principal) pair expects one outcome:

* ``OK`` — the page or act ran with permission (2xx, a redirect after an act, or a domain refusal such as 409);
* ``LOGIN`` — sent to the sign-in form (303 to ``/console/login``);
* ``403`` / ``404`` — the refusal page with that status, naming nothing of estate A (its name, its vote's title).

Every request runs in a SAVEPOINT rolled back afterwards; a refused POST writes no audit entry. A console route
missing from the table fails the test.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.access import Role
from app.console.committee import router as committee_router
from app.console.router import router as console_router
from app.console.session import SESSION_COOKIE
from app.identity.service import OPERATOR
from app.notice.models import Notice
from app.rules.publicity import SHANGHAI
from app.supervision import service as supervision_service
from tests.console.world import NOW, build_world, secret
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import POSTING_PHOTO, SAMPLE

OK, LOGIN = "OK", "LOGIN"
PRINCIPALS = ("anonymous", "admin", "so_a", "committee_a", "observer_a", "auditor_a", "so_b", "committee_b", "owner")
STAFF_A = ("admin", "so_a", "committee_a", "observer_a", "auditor_a")


def expect(default: str, *groups: tuple[tuple[str, ...] | str, str]) -> dict[str, str]:
    table = dict.fromkeys(PRINCIPALS, default) | {"anonymous": LOGIN, "owner": "403"}
    for names, outcome in groups:
        for name in (names,) if isinstance(names, str) else names:
            table[name] = outcome
    return table


PUBLIC = dict.fromkeys(PRINCIPALS, OK)
SIGNED_IN = expect(OK)
SUPERVISORS_A = expect("404", (("admin", "so_a"), OK), (("committee_a", "observer_a", "auditor_a"), "403"))
READERS_A = expect("404", (STAFF_A, OK))
JURISDICTION_A = expect("404", (("admin", "so_a"), OK))
ORGANISERS_A = expect("404", (("admin", "so_a", "committee_a"), OK), (("observer_a", "auditor_a"), "403"))
# R-LIFE-1 with R-SUP-1: on the committee's votes the street office supervises; it does not act as the organiser.
VOTE_ORGANISERS_A = expect("404", (("admin", "committee_a"), OK), (("so_a", "observer_a", "auditor_a"), "403"))
PARTICIPATION_A = ORGANISERS_A  # R-PART-1: the street office reads who has not voted too


def _form(world, extra=None):  # type: ignore[no-untyped-def]
    return {"reason": "表决程序违反议事规则", "document_ref": "朝东街发〔2025〕12号", **(extra or {})}


def _draft(world):  # type: ignore[no-untyped-def]
    return {
        "title": "2025年第三次业主大会会议", "organiser_kind": "OWNERS_COMMITTEE", "voting_method": "ONLINE",
        "starts_at": "2025-05-01T00:00", "ends_at": "2025-05-08T00:00",
    }  # fmt: skip


def _nothing(world):  # type: ignore[no-untyped-def]
    return {}


def _later(world) -> str:  # type: ignore[no-untyped-def]
    return (world.ends_at + timedelta(days=3)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


#: (method, path) → (expected outcome per principal, form fields or None)
TABLE = {
    ("GET", "/console/login"): (PUBLIC, None),
    ("POST", "/console/login"): (None, None),  # tested by test_sign_in_and_out
    ("POST", "/console/logout"): (None, None),  # tested by test_sign_in_and_out
    ("GET", "/console/lang/{chosen}"): (PUBLIC, None),
    ("GET", "/console"): (SIGNED_IN, None),
    ("GET", "/console/street-offices/{street_office_id}/votes"): (JURISDICTION_A, None),
    # The operator's street offices; a street office's jurisdiction; a committee's or auditor's estate (redirects).
    ("GET", "/console/votes"): (
        expect("404", (("admin", "so_a", "so_b", "committee_a", "auditor_a", "committee_b"), OK)),
        None,
    ),
    ("GET", "/console/street-offices/{street_office_id}/filings"): (JURISDICTION_A, None),
    ("GET", "/console/votes/{vote_id}"): (READERS_A, None),
    ("POST", "/console/votes/{vote_id}/suspend"): (SUPERVISORS_A, _form),
    ("POST", "/console/votes/{vote_id}/resume"): (SUPERVISORS_A, lambda w: _form(w, {"ends_at": _later(w)})),
    ("POST", "/console/votes/{vote_id}/terminate"): (SUPERVISORS_A, _form),
    ("POST", "/console/votes/{vote_id}/correction-orders"): (
        SUPERVISORS_A,
        lambda w: _form(w, {"deadline": _later(w)}),
    ),
    ("POST", "/console/votes/{vote_id}/revoke"): (SUPERVISORS_A, lambda w: _form(w, {"topic_id": str(w.topic_id)})),
    ("GET", "/console/estates/{estate_id}/notices/{notice_id}/download"): (READERS_A, None),
    ("GET", "/console/estates/{estate_id}/results/{vote_id}/download"): (READERS_A, None),
    ("GET", "/console/receipt"): (PUBLIC, None),
    # the committee's pages (app.console.committee)
    ("GET", "/console/estates/{estate_id}/votes"): (READERS_A, None),
    ("GET", "/console/estates/{estate_id}/register"): (ORGANISERS_A, None),
    ("POST", "/console/estates/{estate_id}/register"): (ORGANISERS_A, "register"),
    ("GET", "/console/votes/{vote_id}/notice-preview"): (VOTE_ORGANISERS_A, None),
    ("POST", "/console/votes/{vote_id}/publish"): (VOTE_ORGANISERS_A, _nothing),
    ("GET", "/console/votes/{vote_id}/participation"): (PARTICIPATION_A, None),
    ("GET", "/console/votes/{vote_id}/reminder"): (VOTE_ORGANISERS_A, None),
    ("POST", "/console/votes/{vote_id}/reminder"): (VOTE_ORGANISERS_A, _nothing),
    ("POST", "/console/votes/{vote_id}/paper-receptions"): (VOTE_ORGANISERS_A, "paper"),
    ("GET", "/console/votes/{vote_id}/announcement"): (READERS_A, None),
    ("POST", "/console/estates/{estate_id}/votes"): (VOTE_ORGANISERS_A, _draft),
    ("POST", "/console/votes/{vote_id}/topics"): (
        VOTE_ORGANISERS_A,
        lambda w: {"title": "增设充电桩", "text": "全文", "matter": "HIRE_DISMISS_PROVIDER"},
    ),
    ("GET", "/console/votes/{vote_id}/counting"): (READERS_A, None),
    ("POST", "/console/votes/{vote_id}/counting"): (
        VOTE_ORGANISERS_A,
        lambda w: {
            "witness_account": [str(uuid.uuid4()), str(uuid.uuid4())],
            "witness_role": ["OWNER", "STREET_OFFICE"],
        },
    ),
    ("POST", "/console/votes/{vote_id}/counting/ballots"): (
        VOTE_ORGANISERS_A,
        lambda w: {"reception_id": str(uuid.uuid4()), f"topic-{w.topic_id}": "AGREE"},
    ),
    ("GET", "/console/votes/{vote_id}/roll"): (ORGANISERS_A, None),  # as the API: observers and auditors 403
    ("GET", "/console/votes/{vote_id}/filing-package"): (ORGANISERS_A, None),  # R-REC-8: organiser, street office
}


def console_routes() -> set[tuple[str, str]]:
    routes = [*console_router.routes, *committee_router.routes]
    return {(method, route.path) for route in routes for method in route.methods}  # type: ignore[attr-defined]


def test_every_console_route_is_in_the_matrix() -> None:
    assert console_routes() == set(TABLE), "classify every console route in TABLE"


def _outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code == 303 and response.headers["location"].startswith("/console/login"):
        return LOGIN
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    if response.status_code >= 500 or response.status_code == 422:
        return f"broken:{response.status_code}"
    return OK


@pytest.fixture
async def world(app, session):  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW
    built = await build_world(session, app)
    hasher = app.state.token_hasher
    places = built.places
    keys = {
        "admin": secret(await make_api_key(session, hasher, role=Role.ADMIN)),
        "so_a": built.street_office_key,
        "committee_a": built.committee_key,
        "observer_a": secret(await make_api_key(session, hasher, role=Role.OBSERVER, community_id=places.community.id)),
        "auditor_a": secret(await make_api_key(session, hasher, role=Role.AUDITOR, estate_id=places.estate.id)),
        "so_b": built.foreign_street_office_key,
        "committee_b": secret(
            await make_api_key(session, hasher, role=Role.COMMITTEE, estate_id=built.foreign_estate_id)
        ),
    }
    owner = await make_account(session, app.state.cipher)
    # A correction order publishes a notice of the vote to the owners: the inspection download's object.
    await supervision_service.order_correction(
        session, OPERATOR, built.vote_id, reason="公告未张贴", document_ref="朝东街发〔2025〕11号",
        deadline=NOW + timedelta(days=10), now=NOW,
    )  # fmt: skip
    await session.commit()
    keys["owner"] = secret(bearer(app, owner))
    return built, keys


def _cookie(app, credential: str | None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if credential is None:
        return {}
    return {SESSION_COOKIE: app.state.console_keys.seal_credential(credential, issued_at=int(time.time()))}


async def test_console_authorisation_matrix(app, client, connection, session, world) -> None:  # type: ignore[no-untyped-def]
    built, keys = world
    notice_id = await session.scalar(sa.select(Notice.id).where(Notice.vote_id == built.vote_id).limit(1))
    assert notice_id is not None
    ids = {
        "street_office_id": built.places.street_office.id,
        "vote_id": built.vote_id,
        "estate_id": built.places.estate.id,
        "notice_id": notice_id,
        "chosen": "en",
    }
    secrets_of_a = (built.places.estate.name, built.vote_title)
    problems = []
    for (method, template), (expected, body) in TABLE.items():
        if expected is None:
            continue
        url = re.sub(r"{(\w+)}", lambda match: str(ids[match.group(1)]), template)
        for principal in PRINCIPALS:
            cookies = _cookie(app, keys.get(principal))
            savepoint = await connection.begin_nested()
            try:
                before = await session.scalar(sa.select(sa.func.count(AuditEntry.id)))
                client.cookies.clear()
                files = None
                if body == "register":
                    data, files = {}, {"file": ("r.csv", SAMPLE.read_bytes(), "text/csv")}
                elif body == "paper":
                    data = {"group_id": "0" * 32, "form": "SHEET"}
                    files = {"scan": ("scan.png", POSTING_PHOTO, "image/png")}
                else:
                    data = body(built) if body else None
                if method == "POST":
                    csrf = app.state.console_keys.csrf_token(cookies.get(SESSION_COOKIE, ""))
                    data = {**(data or {}), "csrf": csrf}
                headers = {"cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())} if cookies else {}
                response = await client.request(method, url, data=data, files=files, headers=headers)
                got = _outcome(response)
                if got != expected[principal]:
                    problems.append(f"{method} {template} [{principal}]: {got} ({response.status_code}), "
                                    f"expected {expected[principal]}")  # fmt: skip
                if got in ("403", "404", LOGIN):
                    leaked = [name for name in secrets_of_a if name in response.text]
                    if leaked:
                        problems.append(f"{method} {template} [{principal}]: the refusal names {leaked}")
                    if method == "POST":
                        after = await session.scalar(sa.select(sa.func.count(AuditEntry.id)))
                        if after != before:
                            problems.append(f"{method} {template} [{principal}]: a refusal wrote to the log")
            finally:
                await savepoint.rollback()
    assert not problems, "\n".join(problems)


async def test_sign_in_and_out(app, client, world) -> None:  # type: ignore[no-untyped-def]
    _built, keys = world
    form = await client.get("/console/login")
    cookie = form.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    forged = await client.post("/console/login", data={"csrf": "x" + csrf, "api_key": keys["so_a"]})
    assert forged.status_code == 403  # CSRF
    wrong = await client.post("/console/login", data={"csrf": csrf, "api_key": "evk_wrong"})
    assert wrong.status_code == 401
    assert "密钥无效" in wrong.text
    owner = await client.post("/console/login", data={"csrf": csrf, "api_key": keys["owner"]})
    assert owner.status_code == 401  # owners have no console
    signed = await client.post(
        "/console/login", data={"csrf": csrf, "api_key": keys["so_a"], "next": "https://x.example/"}
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/console"
    session_cookie = signed.cookies[SESSION_COOKIE]
    assert keys["so_a"] not in session_cookie  # sealed, not readable
    home = await client.get("/console")
    assert home.status_code == 200
    assert "script-src 'self'" in home.headers["content-security-policy"]
    # A tampered cookie is no session.
    client.cookies.set(
        SESSION_COOKIE,
        session_cookie[:-2] + ("AA" if session_cookie[-2:] != "AA" else "BB"),
        domain="evote.test",
        path="/console",
    )
    assert (await client.get("/console")).status_code == 303
    client.cookies.set(SESSION_COOKIE, session_cookie, domain="evote.test", path="/console")
    token = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)
    out = await client.post("/console/logout", data={"csrf": token})
    assert out.status_code == 303
    assert (await client.get("/console")).status_code == 303
    # A copy of the cookie kept from before the sign-out opens nothing (the session ended server-side).
    client.cookies.set(SESSION_COOKIE, session_cookie, domain="evote.test", path="/console")
    replayed = await client.get("/console")
    assert (replayed.status_code, replayed.headers["location"].split("?")[0]) == (303, "/console/login")


async def test_english_switch(app, client, world) -> None:  # type: ignore[no-untyped-def]
    switched = await client.get("/console/lang/en?next=/console/receipt")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/console/receipt"
    page = await client.get("/console/receipt")
    assert 'lang="en"' in page.text
    assert "Check my ballot receipt" in page.text
    assert 'lang="zh-CN"' in (await client.get("/console/receipt?lang=zh")).text
