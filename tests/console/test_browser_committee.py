"""Issue #22 acceptance, in headless Chromium: a committee uploads a register with errors and sees them all, uploads
it corrected, publishes a vote after reading its notice as owners will, records a paper ballot, sees who has not
voted, and prints the result announcement (A4, with its QR code)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from app.common.access import Role, Scope
from app.register.models import UnitOwner
from app.transitions import run_due_transitions
from tests.ballot.helpers import WANG, owner_id
from tests.console.live import SCREENSHOTS, browser_page, follow, require_browser, screenshot
from tests.console.test_browser_street_office import sign_in
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import POSTING_PHOTO, SAMPLE, convene, make_vote, off_committee, yes_no_topic
from tests.result.helpers import cast_directly

STARTS = datetime(2025, 6, 1, 16, 0, tzinfo=UTC)  # 2025-06-02 00:00 Asia/Shanghai
PUBLISHED = STARTS - timedelta(days=20)
SCAN = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def broken_register() -> tuple[bytes, set[int]]:
    """The sample register with three rows broken (an area, an ID number's check digit, an area source)."""
    lines = SAMPLE.read_bytes().decode("utf-8-sig").splitlines()
    lines[1] = lines[1].replace(",100.00,", ",一百,")
    lines[5] = lines[5].replace("110105198405050057", "110105198405050058")
    lines[7] = lines[7].replace(",实测,", ",随便,")
    return "\n".join(lines).encode(), {2, 6, 8}


def test_a_committee_runs_a_vote_in_the_browser(live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sync_api = require_browser()
    app = live.app
    app.state.clock = lambda: PUBLISHED

    async def arrange(session, _):  # type: ignore[no-untyped-def]
        places = await make_places(session, app.state.cipher, estate_name="上京家园")
        await session.commit()
        committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
        return places, committee

    places, committee = live.seed(arrange)
    key = committee["Authorization"].removeprefix("Bearer ")
    broken, broken_rows = broken_register()
    (tmp_path / "register.csv").write_bytes(broken)
    with browser_page(sync_api) as page:
        sign_in(page, live.url, key)
        follow(page, page.get_by_role("link", name="上传房屋登记册"))
        page.get_by_label("登记册文件（CSV 或 JSON）").set_input_files(str(tmp_path / "register.csv"))
        follow(page, page.get_by_role("button", name="上传"))
        refused = page.locator("#register-refused").inner_text()
        count = int(re.search(r"(\d+) 处错误", refused).group(1))
        rows = page.locator("#register-errors tbody tr")
        assert rows.count() == count >= 3  # the whole file's errors, every one listed
        listed = {int(rows.nth(i).locator("td").first.inner_text()) for i in range(count)}
        assert listed == broken_rows
        screenshot(page, "20-register-errors")
        page.get_by_label("登记册文件（CSV 或 JSON）").set_input_files(str(SAMPLE))
        follow(page, page.get_by_role("button", name="上传"))
        assert "8 个表决单元" in page.locator("#register-ok").inner_text()

        # A draft with one yes/no topic, drafted in the console …
        page.goto(f"{live.url}/console/estates/{places.estate.id}/votes")
        draft = page.locator("#draft-form")
        draft.get_by_label("名称").fill("2025年第二次业主大会会议")
        draft.get_by_label("召集人").select_option("OWNERS_COMMITTEE")
        draft.get_by_label("表决方式").select_option("MIXED")
        draft.get_by_label("开始时间（北京时间）").fill("2025-06-02T00:00")
        draft.get_by_label("截止时间（北京时间）").fill("2025-06-09T00:00")
        draft.get_by_label("书面表决票收取地点与时间").fill("业委会办公室（1号楼101），工作日9:00-17:00")
        draft.get_by_label("公告正文").fill("会议公告")
        follow(page, draft.get_by_role("button", name="保存草稿"))
        vote_id = page.url.rsplit("/", 1)[1].split("?")[0]
        topic = page.locator("#topic-form")
        topic.get_by_label("议题名称").fill("续聘物业服务企业")
        topic.get_by_label("议题全文").fill("续聘某某物业服务企业三年")
        topic.get_by_label("事项（《北京市物业管理条例》第三十四条）").select_option("HIRE_DISMISS_PROVIDER")
        follow(page, topic.get_by_role("button", name="添加议题"))
        assert page.locator("#topics li").count() == 1
        # … convened by the committee's signed decision (recorded by its members through their own accounts).
        live.seed(lambda session, _: _convened(session, app, vote_id))

        page.goto(f"{live.url}/console/estates/{places.estate.id}/votes")
        follow(page, page.get_by_role("link", name="2025年第二次业主大会会议"))
        assert page.locator("#vote-status").inner_text() == "草稿"
        follow(page, page.get_by_role("link", name="公告预览 · 发布公告"))
        preview = page.locator("#preview-body").inner_text()
        assert "续聘物业服务企业" in preview
        assert "业委会办公室（1号楼101）" in preview  # R-NOTICE-1: where paper ballots are received
        screenshot(page, "21-notice-preview")
        follow(page, page.get_by_role("button", name="发布公告"))
        assert page.locator("#vote-status").inner_text() == "已公告"

        with httpx.Client(base_url=live.url, headers=committee) as client:
            posted = client.post(
                f"/api/v1/votes/{vote_id}/postings",
                data={"posted_at": PUBLISHED.isoformat(), "place": "1号楼大堂公告栏"},
                files={"photo": ("posting.png", POSTING_PHOTO, "image/png")},
            )
            assert posted.status_code == 201, posted.text
        app.state.clock = lambda: STARTS + timedelta(days=1)

        page.reload()
        assert page.locator("#vote-status").inner_text() == "投票中"
        follow(page, page.get_by_role("link", name="参与情况与书面表决票"))
        assert "表决单元 8 个，已投票 0 个" in page.locator("#totals").inner_text()
        assert page.locator("#non-voters tbody tr").count() == 8
        (tmp_path / "ballot.png").write_bytes(SCAN)
        paper = page.locator("#paper-form")
        paper.get_by_label("表决单元").select_option(index=0)
        paper.get_by_label("形式").select_option("SHEET")
        paper.get_by_label("扫描件").set_input_files(str(tmp_path / "ballot.png"))
        follow(page, paper.get_by_role("button", name="登记收票"))
        assert page.locator("#done").is_visible()
        receptions = page.locator("#receptions tbody tr")
        assert receptions.count() == 1
        assert "已收，待计票" in receptions.first.inner_text()
        screenshot(page, "22-participation-paper")

        # The announcement of a decided vote of the estate, printed on A4.
        decided = live.seed(lambda session, sessionmaker: _decided(session, sessionmaker, app, places))
        page.goto(f"{live.url}/console/votes/{decided}")
        follow(page, page.get_by_role("link", name="表决结果公告（打印）"))
        announcement = page.locator("#announcement")
        assert announcement.get_by_role("heading", name="表决结果公告").is_visible()
        text = announcement.inner_text()
        assert "总人数八（8）人" in text  # numerators and denominators in words (app.result.numbers_zh)
        assert "参与表决的业主六（6）人" in text
        assert "表决结果详情：" in text
        qr = announcement.get_by_role("img")
        assert qr.get_attribute("src").startswith("data:image/svg+xml")
        assert f"/votes/{decided}" in qr.get_attribute("alt")
        screenshot(page, "23-announcement")
        page.emulate_media(media="print")
        assert not page.locator("header.bar").is_visible()  # the console's chrome is not printed
        pdf = page.pdf(path=str(SCREENSHOTS / "announcement.pdf"), format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
        page.emulate_media(media="screen")

        # After the close: the public counting of the paper ballot, before an owner and the street office.
        owner, clerk = live.seed(lambda session, _: _witnesses(session, app, places))
        app.state.clock = lambda: STARTS + timedelta(days=7, hours=1)
        page.goto(f"{live.url}/console/votes/{vote_id}")
        follow(page, page.get_by_role("link", name="公开计票（书面表决票）"))
        opening = page.locator("#counting-open")
        opening.get_by_label("监票人账户编号").nth(0).fill(str(owner.id))
        opening.locator("#w0-role").select_option("OWNER")
        opening.get_by_label("监票人账户编号").nth(1).fill(str(clerk.id))
        opening.locator("#w1-role").select_option("STREET_OFFICE")
        follow(page, opening.get_by_role("button", name="开启计票"))
        assert page.locator("#witnesses li").count() == 2
        page.get_by_label("续聘物业服务企业").select_option("AGREE")
        follow(page, page.get_by_role("button", name="录入该票"))
        assert "已计票" in page.locator(".reception").first.inner_text()
        with httpx.Client(base_url=live.url) as client:
            for account in (owner, clerk):  # each witness confirms through their own account
                confirmed = client.post(
                    f"/api/v1/votes/{vote_id}/counting-session/confirmations", headers=bearer(app, account)
                )
                assert confirmed.status_code == 200, confirmed.text
        page.reload()
        assert "计票已由全体监票人确认" in page.content()
        screenshot(page, "24-counting")
        page.goto(f"{live.url}/console/votes/{vote_id}")
        assert page.locator("#vote-status").inner_text() == "结果已公布"


async def _witnesses(session, app, places):  # type: ignore[no-untyped-def]
    """An owner of the estate off its committee (R-PAPER-3) with an own account — 王一 unless the fixture seated him
    — and a clerk of the street office with an account."""
    others = (
        await session.execute(select(UnitOwner.owner_id, UnitOwner.name).distinct().order_by(UnitOwner.name))
    ).scalars()
    candidate = await off_committee(session, places.estate.id, [await owner_id(session, app, WANG), *others])
    owner = await make_account(session, app.state.cipher, owner_id=candidate)
    clerk = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.STREET_OFFICE, street_office_id=places.street_office.id),)
    )
    await session.commit()
    return owner, clerk


async def _convened(session, app, vote_id: str) -> None:  # type: ignore[no-untyped-def]
    await convene(session, app.state.cipher, uuid.UUID(vote_id))
    await session.commit()


async def _decided(session, sessionmaker, app, places) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A vote of the estate that ran a month earlier, decided and published by the transitions runner."""
    fixture = await make_vote(session, app.state.cipher, now=STARTS - timedelta(days=30), places=places,
                              topics=[yes_no_topic("增设电动自行车充电桩")])  # fmt: skip
    (topic,) = fixture.topics
    for group in ("A", "BC", "D", "E", "DEV", "H"):
        await cast_directly(session, fixture, group, {topic: "AGREE"})
    await session.commit()
    assert await run_due_transitions(sessionmaker, STARTS, keys=app.state.log_keys) == 1
    return fixture.vote.id
