"""Issue #22 follow-up, in headless Chromium: a street office opens its committees' filings from the navigation and
downloads a closed vote's filing package (another street office is refused the page); a committee reminds the groups
that have not voted through a confirmation step, the reminder recorded by the participation service, and no count of
any option appears while the vote is open (R-LIFE-7)."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import timedelta

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.ballot.models import Ballot
from app.notice.models import Notice, NoticeKind
from app.realname.repository import register_matches
from app.rules.committees import CommitteeKind
from app.rules.publicity import SHANGHAI
from app.transitions import run_due_transitions
from app.vote.models import RollGroup
from tests.console.live import browser_page, follow, require_browser, screenshot
from tests.console.test_browser_street_office import sign_in
from tests.console.world import NOW, build_world
from tests.factories import make_account
from tests.factories_vote import _sitting_committee

#: What a per-option count would be shown as: the choices' words, in either language, or the choice codes.
OPTION_WORDS = ("同意", "反对", "弃权", "AGREE", "OPPOSE", "ABSTAIN", "Agree", "Oppose", "Abstain")


def test_a_street_office_downloads_its_committees_filing_package(live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sync_api = require_browser()
    app = live.app
    app.state.clock = lambda: NOW

    async def arrange(session, sessionmaker):  # type: ignore[no-untyped-def]
        world = await build_world(session, app)
        today = NOW.astimezone(SHANGHAI).date()
        committee = await _sitting_committee(session, world.places.estate.id, CommitteeKind.OWNERS_COMMITTEE, today)
        committee.filing_reference = "朝东街备〔2024〕7号"
        await session.commit()
        closed = world.ends_at + timedelta(hours=1)
        assert await run_due_transitions(sessionmaker, closed, keys=app.state.log_keys) == 2
        return world, closed

    world, closed = live.seed(arrange)
    app.state.clock = lambda: closed
    with browser_page(sync_api) as page:
        sign_in(page, live.url, world.street_office_key)
        follow(page, page.get_by_role("navigation").get_by_role("link", name="委员会备案与备案材料"))
        rows = page.locator("#committees tbody tr")
        assert rows.count() == 1
        assert world.places.estate.name in rows.first.inner_text()
        assert "朝东街备〔2024〕7号" in rows.first.inner_text()
        packages = page.locator("#packages tbody tr")
        assert packages.count() == 1  # the closed vote; the other estate's vote is still open
        assert world.vote_title in packages.first.inner_text()
        screenshot(page, "30-filings")
        with page.expect_download() as downloading:
            packages.first.get_by_role("link", name="下载备案材料包").click()
        download = downloading.value
        saved = tmp_path / download.suggested_filename
        download.save_as(str(saved))
        assert saved.suffix == ".zip"
        assert zipfile.ZipFile(io.BytesIO(saved.read_bytes())).namelist()

        page.context.clear_cookies()
        sign_in(page, live.url, world.foreign_street_office_key)
        response = page.goto(f"{live.url}/console/street-offices/{world.places.street_office.id}/filings")
        assert response.status == 404
        assert world.places.estate.name not in page.content()


def test_a_committee_reminds_the_groups_that_have_not_voted(live) -> None:  # type: ignore[no-untyped-def]
    sync_api = require_browser()
    app = live.app
    app.state.clock = lambda: NOW

    async def arrange(session, _):  # type: ignore[no-untyped-def]
        world = await build_world(session, app)
        # An owner of a group that has not voted has an account: the reminder has someone to reach. The group is one
        # whose owner the register lists by name (not the developer's unsold units), so the account is bound there.
        voted = sa.select(Ballot.group_id).where(Ballot.vote_id == world.vote_id)
        groups = await session.scalars(
            sa.select(RollGroup)
            .where(RollGroup.vote_id == world.vote_id, RollGroup.group_id.not_in(voted))
            .order_by(RollGroup.group_id)
        )
        listed = [
            owner
            for group in groups
            for owner in [uuid.UUID(group.owner_ids[0])]
            if await register_matches(session, owner, estate_id=world.places.estate.id)
        ]
        await make_account(session, app.state.cipher, owner_id=listed[0])
        await session.commit()
        return world

    world = live.seed(arrange)
    with browser_page(sync_api) as page:
        sign_in(page, live.url, world.committee_key)
        page.goto(f"{live.url}/console/votes/{world.vote_id}")
        follow(page, page.get_by_role("link", name="参与情况与书面表决票"))
        assert "已投票 4 个" in page.locator("#totals").inner_text()
        _no_option_counts(page.locator("main").inner_text())
        assert page.locator("#reminders").count() == 0

        follow(page, page.get_by_role("button", name="提醒未投票业主"))
        assert page.get_by_role("heading", name=re.compile("确认发送提醒")).is_visible()
        assert "4 个表决单元" in page.locator("#reminder-to").inner_text()
        _no_option_counts(page.locator("main").inner_text())
        screenshot(page, "31-reminder-confirm")
        follow(page, page.get_by_role("button", name="确认发送"))
        page.wait_for_url(re.compile(r"/participation\?done=reminder$"))

        assert "已发送提醒" in page.locator("#done").inner_text()
        assert page.locator("#reminders li").count() == 1
        _no_option_counts(page.locator("main").inner_text())
        screenshot(page, "32-reminder-sent")

    async def recorded(session, _):  # type: ignore[no-untyped-def]
        notices = (
            await session.scalars(
                sa.select(Notice).where(Notice.vote_id == world.vote_id, Notice.kind == NoticeKind.REMINDER)
            )
        ).all()
        entries = (
            await session.scalars(
                sa.select(AuditEntry).where(
                    AuditEntry.vote_id == world.vote_id, AuditEntry.kind == "vote.participation_reminded"
                )
            )
        ).all()
        return notices, [entry.payload for entry in entries]

    notices, payloads = live.seed(recorded)
    assert len(notices) == 1
    assert len(payloads) == 1
    assert payloads[0]["groups_not_voted"] == 4
    assert payloads[0]["recipients"] == 1


def _no_option_counts(text: str) -> None:
    """R-LIFE-7: while the vote is open no page shows how many chose an option, nor names an option at all."""
    shown = [word for word in OPTION_WORDS if word in text]
    assert not shown, f"option words shown during the window: {shown}"
