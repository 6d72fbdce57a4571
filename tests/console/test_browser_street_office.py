"""Issue #22 acceptance, in headless Chromium: a street office signs in, filters the votes of its jurisdiction,
opens one, suspends it with a reason and resumes it with an extension; the same world seen by another street office
is refused. Screenshots go to var/screenshots (git-ignored)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.rules.publicity import SHANGHAI
from app.supervision.models import SupervisionAction
from app.vote.models import Vote
from tests.console.live import browser_page, follow, require_browser, screenshot
from tests.console.world import NOW, build_world

REASON = "表决程序违反议事规则，未按规定公示候选人名单"


def sign_in(page, url: str, key: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/console")
    assert "/console/login" in page.url
    page.get_by_label("工作人员密钥").fill(key)
    follow(page, page.get_by_role("button", name="登录"))
    page.wait_for_url(f"{url}/console")


def test_a_street_office_supervises_a_vote_in_the_browser(live) -> None:  # type: ignore[no-untyped-def]
    sync_api = require_browser()
    live.app.state.clock = lambda: NOW
    world = live.seed(lambda session, _: build_world(session, live.app))
    with browser_page(sync_api) as page:
        sign_in(page, live.url, world.street_office_key)
        screenshot(page, "01-home")
        follow(page, page.get_by_role("link", name="辖区表决"))
        votes = page.locator("#votes tbody tr")
        assert votes.count() == 2  # the jurisdiction's two votes; the other street office's is not listed
        assert world.foreign_estate_name not in page.content()
        screenshot(page, "02-jurisdiction-votes")

        page.get_by_label("状态").select_option("OPEN")
        follow(page, page.get_by_role("button", name="筛选"))
        assert votes.count() == 1
        assert world.vote_title in votes.first.inner_text()
        page.get_by_label("小区").select_option(label=world.other_estate_name)
        page.get_by_label("状态").select_option("")
        follow(page, page.get_by_role("button", name="筛选"))
        assert votes.count() == 1
        assert world.other_estate_name in votes.first.inner_text()
        page.get_by_label("小区").select_option("")
        page.get_by_label("起始日期").fill("2025-03-20")
        page.get_by_label("截止日期").fill("2025-03-22")
        follow(page, page.get_by_role("button", name="筛选"))
        assert votes.count() == 1  # only the window that overlaps 20–22 March: estate A's vote

        follow(page, votes.first.get_by_role("link"))
        assert page.locator("#vote-status").inner_text() == "投票中"
        assert "4 / 8" in page.locator("#turnout-figures").inner_text()
        assert page.locator("svg.chart polyline.heads").count() == 1
        screenshot(page, "03-vote")
        follow(page, page.get_by_role("link", name="查阅名册（每次查阅均记录）"))
        assert page.locator("#roll tbody tr").count() == 8
        assert "王一" not in page.content()  # owners' names masked
        page.go_back()

        suspend = page.locator("#form-suspend")
        suspend.get_by_label("决定文书编号").fill("朝东街发〔2025〕12号")
        suspend.get_by_label("理由（事实与违反的规定）").fill(REASON)
        follow(page, suspend.get_by_role("button", name="暂停表决"))
        assert page.locator("#vote-status").inner_text() == "已暂停"
        assert REASON in page.locator("#actions").inner_text()

        new_end = (world.ends_at + timedelta(days=3)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
        resume = page.locator("#form-resume")
        resume.get_by_label("新的截止时间（北京时间）").fill(new_end)
        resume.get_by_label("决定文书编号").fill("朝东街发〔2025〕13号")
        resume.get_by_label("理由（事实与违反的规定）").fill("已改正，恢复表决并顺延截止时间")
        follow(page, resume.get_by_role("button", name="恢复表决并延长"))
        assert page.locator("#vote-status").inner_text() == "投票中"
        assert page.locator("#ends-at").inner_text() == new_end.replace("T", " ")
        screenshot(page, "04-vote-resumed")

        page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "05-vote-phone")
        # Keyboard: the skip link is the first stop and takes the focus to the content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到正文"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        # Another street office's clerk is refused the vote: a refusal page that names nothing of it.
        page.context.clear_cookies()
        sign_in(page, live.url, world.foreign_street_office_key)
        response = page.goto(f"{live.url}/console/votes/{world.vote_id}")
        assert response.status == 404
        assert world.vote_title not in page.content()
        assert page.get_by_role("heading", name="无权访问").is_visible()
        screenshot(page, "06-refused")

    async def stored(session, _):  # type: ignore[no-untyped-def]
        vote = await session.get(Vote, world.vote_id)
        kinds = (
            await session.scalars(sa.select(SupervisionAction.kind).where(SupervisionAction.vote_id == vote.id))
        ).all()
        return vote.status.value, vote.ends_at, [kind.value for kind in kinds]

    status, ends_at, kinds = live.seed(stored)
    assert status == "OPEN"
    assert ends_at == world.ends_at + timedelta(days=3)
    assert kinds == ["SUSPENSION", "RESUMPTION"]
