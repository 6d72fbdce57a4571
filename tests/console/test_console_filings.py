"""The street office's committee filings and filing packages, the operator's street offices, the navigation each
role gets, and the console sign-in's per-address limit and failure log (issue #22 follow-up)."""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.committee.models import Committee
from app.common.access import Role
from app.console.session import SESSION_COOKIE
from app.place.models import Estate
from app.rules.committees import CommitteeKind
from app.rules.publicity import SHANGHAI
from app.transitions import run_due_transitions
from tests.console.world import NOW, build_world, secret
from tests.factories import make_api_key
from tests.factories_vote import _sitting_committee


@pytest.fixture
async def world(app, session):  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW
    built = await build_world(session, app)
    today = NOW.astimezone(SHANGHAI).date()
    filed = await _sitting_committee(session, built.places.estate.id, CommitteeKind.OWNERS_COMMITTEE, today)
    filed.filing_reference = "朝东街备〔2024〕7号"
    second = await session.scalar(sa.select(Estate.id).where(Estate.name == built.other_estate_name))
    session.add(
        Committee(
            estate_id=second, kind=CommitteeKind.OWNERS_COMMITTEE, seats=5, alternate_seats=0,
            term_starts_on=today.replace(year=today.year - 1), term_ends_on=today.replace(year=today.year + 4),
            recorded_by="tests",
        )
    )  # fmt: skip
    await session.commit()
    admin = secret(await make_api_key(session, app.state.token_hasher, role=Role.ADMIN))
    return built, admin


def _sign(app, client, key: str) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    sealed = app.state.console_keys.seal_credential(key, issued_at=int(time.time()))
    client.cookies.set(SESSION_COOKIE, sealed, domain="evote.test", path="/console")


def _nav(html: str) -> list[str]:
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)" class="nav-', nav)


async def test_the_street_office_reads_its_committees_filings_and_downloads_a_package(app, client, world) -> None:  # type: ignore[no-untyped-def]
    built, _admin = world
    office = built.places.street_office.id
    _sign(app, client, built.street_office_key)
    home = await client.get("/console")
    assert f"/console/street-offices/{office}/filings" in _nav(home.text)  # reachable from the navigation
    page = await client.get(f"/console/street-offices/{office}/filings")
    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", page.text.split('id="committees"')[1].split("</table>")[0], re.S)
    assert len(rows) == 2
    by_estate = {row.split("</td>")[0]: row for row in rows}
    assert "已于 2024-03-19 备案 · 朝东街备〔2024〕7号" in by_estate[built.places.estate.name]  # 12 months before
    assert "3 / 3" in by_estate[built.places.estate.name]
    assert "未备案" in by_estate[built.other_estate_name]
    assert built.foreign_estate_name not in page.text  # another jurisdiction's estates are not listed
    assert "/filing-package" not in page.text  # no vote has closed: nothing to package yet
    assert 'id="no-packages"' in page.text
    # Estate A's vote (and the foreign one, same dates) closes and is decided; the other estate's is still open.
    later = built.ends_at + timedelta(hours=1)
    app.state.clock = lambda: later
    assert await run_due_transitions(app.state.sessionmaker, later, keys=app.state.log_keys) == 2
    page = await client.get(f"/console/street-offices/{office}/filings")
    links = re.findall(r'href="(/console/votes/[^/"]+/filing-package)"', page.text)
    assert links == [f"/console/votes/{built.vote_id}/filing-package"]
    package = await client.get(f"/console/votes/{built.vote_id}/filing-package")
    assert package.status_code == 200
    assert package.headers["content-type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(package.content)).namelist()

    _sign(app, client, built.foreign_street_office_key)
    refused = await client.get(f"/console/street-offices/{office}/filings")
    assert refused.status_code == 404
    assert built.places.estate.name not in refused.text


async def test_the_operator_lists_every_jurisdiction_and_each_role_gets_its_navigation(app, client, world) -> None:  # type: ignore[no-untyped-def]
    built, admin = world
    office = built.places.street_office.id
    _sign(app, client, admin)
    listing = await client.get("/console/votes")
    assert listing.status_code == 200
    assert f"/console/street-offices/{office}/votes" in listing.text
    assert f"/console/street-offices/{office}/filings" in listing.text
    assert built.places.street_office.name in listing.text
    assert "/console/votes" in _nav(listing.text)
    votes = await client.get(f"/console/street-offices/{office}/votes")
    assert votes.status_code == 200
    assert built.vote_title in votes.text
    filings = await client.get(f"/console/street-offices/{office}/filings")
    assert filings.status_code == 200

    _sign(app, client, built.street_office_key)
    assert _nav((await client.get("/console")).text) == [
        f"/console/street-offices/{office}/votes",
        f"/console/street-offices/{office}/filings",
    ]
    _sign(app, client, built.committee_key)
    estate = built.places.estate.id
    assert _nav((await client.get("/console")).text) == [
        f"/console/estates/{estate}/votes",
        f"/console/estates/{estate}/register",
    ]
    mine = await client.get("/console/votes")
    assert mine.status_code == 303
    assert mine.headers["location"] == f"/console/estates/{estate}/votes"


async def test_console_sign_in_is_limited_per_address_and_failures_are_logged_without_the_key(  # type: ignore[no-untyped-def]
    app, client, world, test_settings, caplog
) -> None:
    built, _admin = world
    app.state.settings = test_settings.model_copy(update={"rate_limit_auth": "3/minute"})
    caplog.set_level(logging.INFO)
    form = await client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    wrong = "evk_wrongwrongwrong"
    for _ in range(2):
        failed = await client.post("/console/login", data={"csrf": csrf, "api_key": wrong})
        assert failed.status_code == 401
    signed = await client.post("/console/login", data={"csrf": csrf, "api_key": built.street_office_key})
    assert signed.status_code == 303  # a success counts too, as the API's sign-in does
    client.cookies.delete(SESSION_COOKIE, domain="evote.test", path="/console")
    limited = await client.post("/console/login", data={"csrf": csrf, "api_key": built.street_office_key})
    assert limited.status_code == 429
    retry_after = int(limited.headers["retry-after"])
    assert 0 < retry_after <= 120  # the sliding window: at most two windows of one minute
    assert f"请求过于频繁，请 {retry_after} 秒后再试" in limited.text
    assert SESSION_COOKIE not in limited.cookies
    failures = [record for record in caplog.records if record.getMessage() == "console sign-in failed"]
    assert len(failures) == 2
    assert any(record.getMessage() == "console sign-in rate limit reached" for record in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert wrong not in text
        assert built.street_office_key not in text
