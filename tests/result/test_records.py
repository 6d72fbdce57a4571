"""The assembly's records through the HTTP API (issue #17 item 8; R-REC-6..8): minutes, announcement, filing package.

A mixed vote on the section-P estate (8 heads, 900.00 m²), published and posted on site through the API: five groups
agree online, the co-owned group 1-2-201 (李二 and 张三, 120.00 m²) by a paper ballot received before the close and
counted at the session before an owner and the residents' committee; a later paper ballot of 王一's group is a
duplicate. 6 of 8 heads and 620.00 of 900.00 m² take part, all agree → PASSED.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role, Scope
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.entries import entry_payload_sha256
from app.ledger.events import EventKind
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, group_of, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import POSTING_PHOTO, off_committee
from tests.vote.helpers import EARLIEST_START, WINDOW_END, Estate, make_estate, published_vote, yes_no

QIAN = "110105198405050057"  # 钱五: 2-1-101 (his parking space is not counted)
ZHOU = "11010519850606006X"  # 周八: 3-1-101
ONLINE = {WANG: (WANG,), ZHAO: (ZHAO,), QIAN: (QIAN,), ZHOU: (ZHOU,), LI: (LI,)}  # voter → the group's owners
PAPER_PLACE = "物业服务中心一楼书面表决票箱（每日 9:00—17:00）"
OWNER_WITNESS, COMMITTEE_WITNESS = "赵监票", "刘居委"


@dataclass
class Counted:
    estate: Estate
    vote: dict[str, Any]
    vote_id: str
    accounts: dict[str, Any]  # ID number → the owner's account
    street_office: dict[str, str]
    app: Any

    def at(self, hours: float) -> None:
        instant = WINDOW_END + timedelta(hours=hours)
        self.app.state.clock = lambda: instant


async def counted_vote(client, session, app, *topics: dict[str, Any]) -> Counted:  # type: ignore[no-untyped-def]
    estate = await make_estate(session, app, client)
    vote = await published_vote(
        client, estate, *(topics or (yes_no(),)), voting_method="MIXED", paper_ballot_place=PAPER_PLACE
    )
    vote_id = vote["id"]
    answers = {topic["id"]: "AGREE" for topic in vote["topics"]}
    owners = {number: await owner_id(session, app, number) for number in (WANG, LI, ZHANG, ZHAO, QIAN, ZHOU)}
    # R-PAPER-3: the owner witness holds no committee seat (the factory seats arbitrary owners).
    witness = await off_committee(session, estate.places.estate.id, [owners[ZHAO], *owners.values()])
    witness_number = next(number for number, owner in owners.items() if owner == witness)
    accounts = {
        number: await make_account(
            session,
            app.state.cipher,
            owner_id=owners[number],
            display_name=OWNER_WITNESS if number == witness_number else None,
        )
        for number in owners
    }
    observer = await make_account(
        session,
        app.state.cipher,
        scopes=(Scope(Role.OBSERVER, community_id=estate.places.community.id),),
        display_name=COMMITTEE_WITNESS,
    )
    await session.commit()
    street_office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=estate.places.street_office.id
    )

    app.state.clock = lambda: EARLIEST_START + timedelta(days=1)
    for voter, group_owners in ONLINE.items():
        group = await group_of(session, uuid.UUID(vote_id), *(owners[number] for number in group_owners))
        cast = await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group, "answers": answers},
            headers=bearer(app, accounts[voter]),
        )
        assert cast.status_code == 201, cast.text

    async def receive(group: str, scan: bytes) -> dict[str, Any]:
        uploaded = await client.post(
            f"/api/v1/votes/{vote_id}/paper-scans",
            content=b"\x89PNG\r\n\x1a\n" + scan,
            headers=estate.committee | {"Content-Type": "image/png"},
        )
        assert uploaded.status_code == 201, uploaded.text
        received = await client.post(
            f"/api/v1/votes/{vote_id}/paper-receptions",
            json={"group_id": group, "form": "SHEET", "scan_sha256": uploaded.json()["sha256"]},
            headers=estate.committee,
        )
        assert received.status_code == 201, received.text
        body: dict[str, Any] = received.json()
        return body

    counted = Counted(estate, vote, vote_id, accounts, street_office, app)
    counted.at(-2)  # 03-23 22:00, before the close
    co_owned = await group_of(session, uuid.UUID(vote_id), owners[LI], owners[ZHANG])
    reception = await receive(co_owned, b"scan of the signed paper ballot of 1-2-201")
    duplicate = await receive(
        await group_of(session, uuid.UUID(vote_id), owners[WANG]), b"scan of a paper ballot of 1-1-101"
    )
    assert (reception["status"], duplicate["status"]) == ("RECEIVED", "DUPLICATE")

    counted.at(9)  # 03-24 09:00: the public counting
    witnesses = [
        {"account_id": str(accounts[witness_number].id), "role": "OWNER"},
        {"account_id": str(observer.id), "role": "RESIDENTS_COMMITTEE"},
    ]
    opened = await client.post(
        f"/api/v1/votes/{vote_id}/counting-session", json={"witnesses": witnesses}, headers=estate.committee
    )
    assert opened.status_code == 201, opened.text
    entered = await client.post(
        f"/api/v1/votes/{vote_id}/counting-session/ballots",
        json={"reception_id": reception["id"], "answers": answers},
        headers=estate.committee,
    )
    assert entered.status_code == 201, entered.text
    counted.at(10)
    for account in (accounts[witness_number], observer):
        confirmed = await client.post(
            f"/api/v1/votes/{vote_id}/counting-session/confirmations", headers=bearer(app, account)
        )
        assert confirmed.status_code == 200, confirmed.text
    result = await client.get(f"/api/v1/votes/{vote_id}/result", headers=estate.committee)
    assert result.status_code == 200, result.text
    assert (result.json()["participating"]["heads"], result.json()["participating"]["area"]) == (6, 62000)
    return counted


def cited_entries(minutes: str) -> dict[str, tuple[str, str]]:
    """The citation table: E-number → (entry id, payload SHA-256)."""
    table = re.findall(r"^(E\d+)  \S+  \S+  条目 (\S+)  SHA-256 ([0-9a-f]{64})$", minutes, flags=re.MULTILINE)
    return {number: (entry_id, sha) for number, entry_id, sha in table}


async def test_minutes_state_posting_turnout_counting_witnesses_and_result(client, session, app):
    counted = await counted_vote(client, session, app)
    estate, vote_id = counted.estate, counted.vote_id
    response = await client.get(f"/api/v1/votes/{vote_id}/minutes", headers=estate.committee)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    minutes = response.text

    # The posting on site: time, place and the photo's hash, citing the vote.notice_posted entry.
    posting = re.search(
        r"^张贴时间：2025-03-01 10:00:00.*地点：1号楼大堂公告栏；照片 SHA-256：(\w+)〔(E\d+)〕$", minutes, re.M
    )
    assert posting is not None, minutes
    assert posting.group(1) == hashlib.sha256(POSTING_PHOTO).hexdigest()
    # The notice: its hash as published, citing vote.published.
    assert f"公告文件 SHA-256：{counted.vote['notice_hash']}" in minutes
    # Turnout as exact integers and decimal m² strings.
    assert "参与表决业主 6 人，总人数 8 人；参与表决专有部分面积 620.00 平方米，总面积 900.00 平方米〔" in minutes
    # Receptions: one counted, one duplicate; the counting session and its witnesses by role and pseudonym only.
    assert "共接收 2 份，其中计入 1 份、重复 1 份。" in minutes
    assert "计票会议于 2025-03-24 09:00:00 开始〔" in minutes
    assert re.search(r"监票人（业主代表，化名 \w+）：于 2025-03-24 10:00:00 以本人账户确认计票结果〔", minutes)
    assert re.search(r"监票人（社区居民委员会，化名 \w+）：于 2025-03-24 10:00:00 以本人账户确认计票结果〔", minutes)
    assert "计入书面表决票 1 份，重复 1 份；计入的全部表决票共 6 份" in minutes
    assert OWNER_WITNESS not in minutes
    assert COMMITTEE_WITNESS not in minutes
    # The result with its decision status and the convener's mandate.
    assert "1. 续聘物业服务企业\n结果：通过；计算依据 SHA-256：" in minutes
    assert "决定状态：有效" in minutes
    assert "召集决定：" in minutes
    assert "经 3 名委员签署" in minutes
    assert "提出异议 0 件" in minutes

    # Every citation names a real entry of the log whose payload hashes to the SHA-256 the minutes state.
    cited = cited_entries(minutes)
    assert len(cited) >= 8
    for mark in re.findall(r"E\d+", minutes.split("十、所引日志条目")[0]):
        assert mark in cited, mark
    kinds = set()
    for entry_id, sha in cited.values():
        entry = await session.get(AuditEntry, uuid.UUID(entry_id))
        assert entry is not None
        assert entry.payload_sha256 == sha
        assert sha == entry_payload_sha256(entry.kind, entry.estate_id, entry.vote_id, entry.payload)
        kinds.add(entry.kind)
    assert {
        EventKind.VOTE_PUBLISHED,
        EventKind.VOTE_NOTICE_POSTED,
        EventKind.PAPER_RECEIVED,
        EventKind.COUNTING_OPENED,
        EventKind.COUNTING_CONFIRMED,
        EventKind.COUNTING_SIGNED_OFF,
        EventKind.VOTE_CLOSED,
        EventKind.VOTE_DECIDED,
        EventKind.VOTE_RESULT_PUBLISHED,
    } <= kinds

    # Deterministic: the same inputs give the same bytes, to the organiser and to an owner in the roll.
    again = await client.get(f"/api/v1/votes/{vote_id}/minutes", headers=bearer(app, counted.accounts[WANG]))
    assert again.status_code == 200
    assert again.content == response.content
    # R-REC-5: each read is logged (restricted), with the SHA-256 of the bytes served, and never cited.
    reads = (
        await session.scalars(
            select(AuditEntry).where(
                AuditEntry.vote_id == uuid.UUID(vote_id), AuditEntry.kind == EventKind.INSPECTION_ACCESSED.value
            )
        )
    ).all()
    assert sorted((read.payload["document"], read.payload["capacity"]) for read in reads) == [
        ("MINUTES", "OWNER"),
        ("MINUTES", "STAFF"),
    ]
    assert {read.payload["sha256"] for read in reads} == {hashlib.sha256(response.content).hexdigest()}
    assert all(disclosure(read.kind, read.payload) is Disclosure.RESTRICTED for read in reads)


async def test_announcement_states_numerators_and_denominators_in_words(client, session, app):
    counted = await counted_vote(client, session, app)
    vote_id = counted.vote_id
    response = await client.get(f"/api/v1/votes/{vote_id}/announcement", headers=bearer(app, counted.accounts[ZHOU]))
    assert response.status_code == 200, response.text
    text = response.text
    assert text.startswith("表决结果公告\n2025年第一次业主大会会议\n")
    assert "总人数八（8）人，专有部分总面积九百平方米（900.00 m²）" in text
    assert "参与表决人数六（6）人，总人数八（8）人；须达到三分之二以上（含本数）：已达到（3*6=18 >= 2*8=16）" in text
    assert (
        "参与表决专有部分面积六百二十平方米（620.00 m²），总面积九百平方米（900.00 m²）；须达到三分之二以上（含本数）"
    ) in text
    assert "同意人数六（6）人，参与表决人数六（6）人；须达到过半数：已达到" in text
    assert "同意专有部分面积六百二十平方米（620.00 m²），参与表决面积六百二十平方米（620.00 m²）；须达到过半数" in text
    assert "表决结果：通过\n决定状态：有效\n" in text
    result = (await client.get(f"/api/v1/votes/{vote_id}/result", headers=counted.estate.committee)).json()
    assert f"计算依据 SHA-256：{result['topics'][0]['evidence_sha256']}" in text
    assert f"/api/v1/votes/{vote_id}/result" in text
    signed = (await client.get(f"/api/v1/votes/{vote_id}/signed-result", headers=counted.estate.committee)).json()
    assert hashlib.sha256(signed["payload"].encode()).hexdigest() in text
    assert "书面表决票已于 2025-03-24 09:00 起经公开唱票、计票、监票" in text

    page = await client.get(
        f"/api/v1/votes/{vote_id}/announcement", params={"format": "html"}, headers=counted.estate.committee
    )
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!DOCTYPE html>")
    assert "@page{size:A4" in page.text
    assert "@media print" in page.text
    assert not re.search(r"<(link|script|img)\b|src=|url\(", page.text)  # no external assets
    assert "<p>表决结果：通过</p>" in page.text

    # Before anything is published there is nothing to announce; a stranger is not told the vote exists.
    stranger = await make_account(session, app.state.cipher)
    await session.commit()
    hidden = await client.get(f"/api/v1/votes/{vote_id}/announcement", headers=bearer(app, stranger))
    assert hidden.status_code == 404


async def test_filing_package_manifest_matches_and_only_the_organiser_and_street_office_get_it(client, session, app):
    counted = await counted_vote(client, session, app)
    estate, vote_id = counted.estate, counted.vote_id
    response = await client.get(f"/api/v1/votes/{vote_id}/filing-package", headers=counted.street_office)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["x-package-sha256"] == hashlib.sha256(response.content).hexdigest()
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names[-1] == "manifest.json"
    manifest = json.loads(archive.read("manifest.json"))
    listed = {item["name"]: item for item in manifest["files"]}
    assert set(listed) == set(names) - {"manifest.json"}
    for name, item in listed.items():
        content = archive.read(name)
        assert hashlib.sha256(content).hexdigest() == item["sha256"], name
        assert len(content) == item["size"]
    assert {"minutes.txt", "announcement.txt", "announcement.html", "signed-result.json", "notice.json", "roll.json",
            "mandate.json", "counting-session.json"} <= set(names)  # fmt: skip

    # Each file is the document the API serves or the log names.
    minutes = await client.get(f"/api/v1/votes/{vote_id}/minutes", headers=estate.committee)
    assert archive.read("minutes.txt") == minutes.content
    signed = (await client.get(f"/api/v1/votes/{vote_id}/signed-result", headers=estate.committee)).json()
    assert archive.read("signed-result.json") == signed["payload"].encode()
    assert hashlib.sha256(archive.read("notice.json")).hexdigest() == counted.vote["notice_hash"]
    assert json.loads(archive.read("roll.json"))["roll_hash"] == counted.vote["roll_hash"]
    assert len(json.loads(archive.read("mandate.json"))["signatures"]) == 3
    counting = json.loads(archive.read("counting-session.json"))
    assert sorted((w["role"], w["name"]) for w in counting["witnesses"]) == [
        ("OWNER", OWNER_WITNESS),
        ("RESIDENTS_COMMITTEE", COMMITTEE_WITNESS),
    ]  # the street office is entitled to the 监票人's names (指导规则 Art. 22)
    assert sorted(r["status"] for r in counting["receptions"]) == ["COUNTED", "DUPLICATE"]

    # The download is logged, restricted (it says who read what), with the package's and each file's hash.
    entries = (
        await session.scalars(
            select(AuditEntry).where(
                AuditEntry.vote_id == uuid.UUID(vote_id),
                AuditEntry.kind == EventKind.RECORDS_FILING_PACKAGE_PRODUCED.value,
            )
        )
    ).all()
    assert len(entries) == 1
    assert entries[0].payload["package_sha256"] == response.headers["x-package-sha256"]
    assert entries[0].payload["files"] == {name: item["sha256"] for name, item in listed.items()}
    assert entries[0].payload["roles"] == ["STREET_OFFICE"]
    assert disclosure(entries[0].kind, entries[0].payload) is Disclosure.RESTRICTED

    # The organiser gets the same bytes (deterministic); an owner in the roll 403; another estate's committee 404.
    organiser = await client.get(f"/api/v1/votes/{vote_id}/filing-package", headers=estate.committee)
    assert organiser.status_code == 200
    assert organiser.content == response.content
    owner = await client.get(f"/api/v1/votes/{vote_id}/filing-package", headers=bearer(app, counted.accounts[WANG]))
    assert (owner.status_code, owner.json()["code"]) == (403, "auth.forbidden")
    other = await make_places(session, app.state.cipher)
    await session.commit()
    committee_b = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=other.estate.id)
    refused = await client.get(f"/api/v1/votes/{vote_id}/filing-package", headers=committee_b)
    assert refused.status_code == 404
    assert (await client.get(f"/api/v1/votes/{vote_id}/minutes", headers=committee_b)).status_code == 404
    logged = await session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.vote_id == uuid.UUID(vote_id),
            AuditEntry.kind == EventKind.RECORDS_FILING_PACKAGE_PRODUCED.value,
        )
        .order_by(AuditEntry.created_at.desc())
    )
    assert logged is not None


async def test_a_revoked_decision_shows_as_revoked_and_the_other_stays_in_force(client, session, app):
    second = yes_no(title="选聘会计师事务所审计公共收益", text="选聘会计师事务所审计二〇二四年度公共收益。")
    counted = await counted_vote(client, session, app, yes_no(), second)
    vote_id = counted.vote_id
    before = (await client.get(f"/api/v1/votes/{vote_id}/minutes", headers=counted.estate.committee)).text
    counted.at(24 * 5)
    topic = counted.vote["topics"][1]
    revoked = await client.post(
        f"/api/v1/votes/{vote_id}/revoke",
        json={
            "topic_id": topic["id"],
            "reason": "审计机构选聘程序违反议事规则",
            "document_ref": "朝东街发〔2025〕18号",
        },
        headers=counted.street_office,
    )
    assert revoked.status_code == 200, revoked.text

    text = (await client.get(f"/api/v1/votes/{vote_id}/announcement", headers=counted.estate.committee)).text
    first, rest = text.split("二、选聘会计师事务所审计公共收益")
    assert "表决结果：通过\n决定状态：有效\n" in first
    assert "表决结果：通过\n决定状态：已被街道办事处撤销（2025-03-29 00:00，文书 朝东街发〔2025〕18号" in rest
    minutes = (await client.get(f"/api/v1/votes/{vote_id}/minutes", headers=counted.estate.committee)).text
    assert minutes != before  # the revocation is part of the record
    assert re.search(r"决定状态：已被街道办事处撤销（.*朝东街发〔2025〕18号.*）〔E\d+〕", minutes)
    kinds = [
        (await session.get(AuditEntry, uuid.UUID(entry_id))).kind for entry_id, _ in cited_entries(minutes).values()
    ]
    assert EventKind.SUPERVISION_REVOCATION in kinds
