"""Issue #17 items 2 and 3 through the HTTP API: the notice says what Beijing Art. 35(4) asks (TV-W8), posting on site
is a recorded fact from which the 15 clear days run (TV-W6), and the log states what was delivered (R-NOTICE-1..4)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.ledger.disclosure import Disclosure, disclosure
from app.notice.models import Notice, OutboxStatus
from app.notice.outbox import dispatch_batch
from app.transitions import run_due_transitions
from tests.factories import make_api_key
from tests.factories_vote import POSTING_PHOTO
from tests.notice.helpers import Gateway, outbox_of
from tests.vote.helpers import (
    EARLIEST_START,
    PDF,
    PUBLISHED_AT,
    SHANGHAI,
    add_topic,
    create_vote,
    make_estate,
    notice_hash_of,
    owner_headers,
    problem_code,
    published_vote,
    receive_paper,
    upload_paper_scan,
    yes_no,
)

POSTED_0305 = datetime(2025, 3, 5, 9, 0, tzinfo=SHANGHAI)
START_0321 = datetime(2025, 3, 21, 0, 0, tzinfo=SHANGHAI)


async def _entries(session, kind: str, vote_id: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    statement = select(AuditEntry).where(AuditEntry.kind == kind, AuditEntry.vote_id == uuid.UUID(vote_id))
    rows = await session.scalars(statement.order_by(AuditEntry.leaf_index, AuditEntry.created_at))
    return list(rows)


async def _wang(client, session, app) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    """王一's headers and his group's key."""
    owner = await owner_headers(session, app, "王一")
    mine = (await client.get("/api/v1/me/groups", headers=owner)).json()["items"]
    return owner, mine[0]["group_id"]


def _agree(vote: dict[str, Any]) -> dict[str, str]:
    return {topic["id"]: "AGREE" for topic in vote["topics"]}


async def _cast(client, session, app, vote: dict[str, Any]):  # type: ignore[no-untyped-def]
    """王一 casts AGREE on every topic for his group."""
    owner, group_key = await _wang(client, session, app)
    return await client.post(
        f"/api/v1/votes/{vote['id']}/ballots", json={"group_id": group_key, "answers": _agree(vote)}, headers=owner
    )


async def _post(client, vote_id: str, headers: dict[str, str], posted_at: datetime, **extra: Any):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/votes/{vote_id}/postings",
        data={"posted_at": posted_at.isoformat(), "place": "1号楼大堂公告栏"} | extra,
        files={"photo": ("posting.png", POSTING_PHOTO, "image/png")},
        headers=headers,
    )


# --- TV-W6: the 15 clear days run from the later of publication and posting -----------------------------------


async def test_w6_posted_03_05_refuses_voting_from_03_17_with_earliest_start_03_21(client, session, app):
    estate = await make_estate(session, app, client)  # the notice is stored 2025-03-01 10:00
    vote = await published_vote(client, estate, posted=False)  # voting announced from 2025-03-17 00:00
    app.state.clock = lambda: POSTED_0305 + timedelta(hours=1)

    refused = await _post(client, vote["id"], estate.committee, POSTED_0305)

    assert refused.status_code == 422
    assert problem_code(refused) == "rules.posting_too_late"
    assert "2025-03-21 00:00 (Beijing time)" in refused.json()["messages"]["en"]
    assert "2025-03-21 00:00（北京时间）" in refused.json()["messages"]["zh"]
    assert await _entries(session, "vote.notice_posted", vote["id"]) == []
    # Nothing was recorded, so the vote never opens: on 03-18 a cast is refused with a clear problem.
    app.state.clock = lambda: EARLIEST_START + timedelta(days=1)
    read = (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()
    assert read["effective_status"] == "PUBLISHED"
    assert read["posted_at"] is None
    cast = await _cast(client, session, app, vote)
    assert cast.status_code == 409
    assert problem_code(cast) == "ballot.notice_not_posted"
    # The organiser withdraws it (voting never opened, R-LIFE-4) to publish a new notice with a new window.
    cancelled = await client.post(
        f"/api/v1/votes/{vote['id']}/cancel", json={"reason": "张贴晚于公告，重新公告"}, headers=estate.committee
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"


async def test_w6_no_posting_recorded_the_vote_never_opens_nor_is_decided(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await published_vote(client, estate, posted=False, voting_method="MIXED", paper_ballot_place="业委会办公室")
    end = EARLIEST_START + timedelta(days=7)
    app.state.clock = lambda: EARLIEST_START
    cast = await _cast(client, session, app, vote)
    assert cast.status_code == 409
    assert problem_code(cast) == "ballot.notice_not_posted"
    _, group_key = await _wang(client, session, app)
    scan = await upload_paper_scan(client, estate, vote["id"])
    paper = await receive_paper(client, estate, vote["id"], group_key, scan)
    assert paper.status_code == 409
    assert problem_code(paper) == "ballot.notice_not_posted"  # nor does it take paper ballots
    # Past the announced end: not closed, not decided (no meeting was held); it stays PUBLISHED until cancelled.
    app.state.clock = lambda: end + timedelta(days=1)
    assert await run_due_transitions(app.state.sessionmaker, end + timedelta(days=1), keys=app.state.log_keys) == 0
    read = (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()
    assert read["status"] == read["effective_status"] == "PUBLISHED"
    close = await client.post(f"/api/v1/votes/{vote['id']}/close", headers=estate.committee)
    assert close.status_code == 409
    assert problem_code(close) == "ballot.notice_not_posted"
    assert await _entries(session, "vote.closed", vote["id"]) == []


async def test_w6_posted_03_05_with_voting_from_03_21_opens_on_03_21(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await published_vote(
        client,
        estate,
        posted=False,
        starts_at=START_0321.isoformat(),
        ends_at=(START_0321 + timedelta(days=7)).isoformat(),
    )
    recorded_at = POSTED_0305 + timedelta(hours=3)
    app.state.clock = lambda: recorded_at

    posted = await _post(client, vote["id"], estate.committee, POSTED_0305)

    assert posted.status_code == 201, posted.text
    posting = posted.json()
    assert posting["posted_at"] == "2025-03-05T09:00:00+08:00"
    assert posting["recorded_at"] == "2025-03-05T12:00:00+08:00"
    assert posting["posted_by"] == f"COMMITTEE@{estate.id}"
    assert posting["earliest_voting_start"] == "2025-03-21T00:00:00+08:00"
    assert posting["photo_sha256"] == hashlib.sha256(POSTING_PHOTO).hexdigest()
    (entry,) = await _entries(session, "vote.notice_posted", vote["id"])
    assert entry.payload["photo"] == {
        "sha256": hashlib.sha256(POSTING_PHOTO).hexdigest(), "size": len(POSTING_PHOTO), "content_type": "image/png"
    }  # fmt: skip
    assert entry.payload["posted_at"] == "2025-03-05T01:00:00Z"
    assert entry.payload["recorded_at"] == "2025-03-05T04:00:00Z"
    assert entry.payload["earliest_start"] == entry.payload["starts_at"] == "2025-03-20T16:00:00Z"
    assert entry.payload["place_sha256"] == hashlib.sha256("1号楼大堂公告栏".encode()).hexdigest()
    assert entry.payload["notice_hash"] == vote["notice_hash"]
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC  # no name, no free text: hashes and roles
    photo = await client.get(f"/api/v1/votes/{vote['id']}/postings/{posting['id']}/photo", headers=estate.committee)
    assert photo.status_code == 200
    assert photo.content == POSTING_PHOTO
    assert photo.headers["etag"] == f'"{posting["photo_sha256"]}"'
    # A second posting at another place, recorded later, adds a place; the earliest one still counts.
    app.state.clock = lambda: POSTED_0305 + timedelta(days=2)
    again = await _post(client, vote["id"], estate.committee, POSTED_0305 + timedelta(days=2), place="2号楼公告栏")
    assert again.status_code == 201, again.text
    listed = (await client.get(f"/api/v1/votes/{vote['id']}/postings", headers=estate.committee)).json()
    assert [item["place"] for item in listed] == ["1号楼大堂公告栏", "2号楼公告栏"]
    read = (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()
    assert read["posted_at"] == "2025-03-05T09:00:00+08:00"
    # Voting opens at the announced start, 03-21, and not before.
    app.state.clock = lambda: START_0321 - timedelta(seconds=1)
    early = await _cast(client, session, app, vote)
    assert problem_code(early) == "ballot.vote_not_open"
    app.state.clock = lambda: START_0321
    assert (await _cast(client, session, app, vote)).status_code == 201


async def test_a_posting_in_the_future_or_before_publication_or_on_a_draft_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    draft = await create_vote(client, estate)
    on_draft = await _post(client, draft["id"], estate.committee, PUBLISHED_AT)
    assert problem_code(on_draft) == "vote.not_published"
    vote = await published_vote(client, estate, posted=False)
    future = await _post(client, vote["id"], estate.committee, PUBLISHED_AT + timedelta(minutes=5))
    assert future.status_code == 422
    assert problem_code(future) == "rules.posting_in_future"
    before = await _post(client, vote["id"], estate.committee, PUBLISHED_AT - timedelta(days=1))
    assert problem_code(before) == "rules.posting_before_publication"
    not_a_photo = await client.post(
        f"/api/v1/votes/{vote['id']}/postings",
        data={"posted_at": PUBLISHED_AT.isoformat(), "place": "公告栏"},
        files={"photo": ("posting.pdf", PDF, "application/pdf")},
        headers=estate.committee,
    )
    assert not_a_photo.status_code == 415
    assert problem_code(not_a_photo) == "vote.posting_photo_unsupported"
    owner = await owner_headers(session, app, "王一")
    by_owner = await _post(client, vote["id"], owner, PUBLISHED_AT)
    assert by_owner.status_code in (403, 404)
    assert await _entries(session, "vote.notice_posted", vote["id"]) == []


# --- TV-W8: the notice carries what Beijing Art. 35(4) asks -------------------------------------------------------


FUND_USE_TEXT = "使用专项维修资金更换1号楼、2号楼电梯，预算人民币80万元，费用按专有部分面积分摊（分摊表见附件）。"
COST_TABLE = b"%PDF-1.4\n% cost-sharing table\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def test_w8_the_notice_of_a_mixed_fund_use_vote_says_what_the_law_asks(client, session, app):
    estate = await make_estate(session, app, client)
    paper_place = "业委会办公室（1号楼101室），表决期间每日9:00-17:00；各楼大堂设密封票箱"
    roll_place = "业委会办公室（1号楼101室）"
    refused = await create_vote(client, estate, voting_method="MIXED")
    await add_topic(client, estate, refused["id"], yes_no())
    no_place = await client.post(f"/api/v1/votes/{refused['id']}/publish", headers=estate.committee)
    assert no_place.status_code == 422
    assert problem_code(no_place) == "vote.paper_ballot_place_required"

    vote = await create_vote(
        client, estate, voting_method="MIXED", paper_ballot_place=paper_place, roll_inspection_place=roll_place
    )
    topic = await add_topic(
        client, estate, vote["id"], yes_no(title="使用维修资金更换电梯", text=FUND_USE_TEXT, matters=["FUND_USE"])
    )
    uploaded = []
    for name, content in (("议题全文.pdf", PDF), ("费用分摊表.pdf", COST_TABLE)):
        response = await client.post(
            f"/api/v1/votes/{vote['id']}/topics/{topic['id']}/attachments",
            files={"file": (name, content, "application/pdf")},
            headers=estate.committee,
        )
        assert response.status_code == 201, response.text
        uploaded.append(response.json())
    published = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert published.status_code == 200, published.text
    read = published.json()

    notices = (await client.get(f"/api/v1/estates/{estate.id}/notices", headers=estate.committee)).json()["items"]
    (notice,) = [item for item in notices if item["kind"] == "VOTE_NOTICE"]
    body = notice["body"]
    assert FUND_USE_TEXT in body  # the topic's full text
    for attachment in uploaded:  # the attachments by name and SHA-256
        assert f"{attachment['filename']}（{attachment['size']} 字节，SHA-256：{attachment['sha256']}）" in body
    assert "表决时间：2025-03-17 00:00 至 2025-03-24 00:00（北京时间" in body
    assert "表决方式：电子投票与书面投票相结合" in body
    assert f"书面表决票送达与收取地点：{paper_place}" in body
    # FUND_USE is ORDINARY (CC 278(1)(5)): the double majority of participants, the quorum of all owners.
    assert "一般事项" in body
    assert "须由专有部分面积占比三分之二以上（含本数）的业主且人数占比三分之二以上（含本数）的业主参与表决" in body
    assert "经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意" in body
    assert "弃权计入参与表决的人数和面积，并计入同意比例的分母，不计为同意" in body
    assert "未作选择（空白）、多选或无法辨认的，按废票计" in body
    assert f"/api/v1/votes/{vote['id']}/roll 查阅" in body  # where to read the roll: in evote, and on site
    assert roll_place in body
    assert body.endswith(f"公告哈希（SHA-256）：{read['notice_hash']}")
    # The signed notice hash covers these very words (notice document v2, recomputed from GET).
    assert read["notice_statement"] in body
    assert read["notice_hash"] == notice_hash_of(read)
    (entry,) = await _entries(session, "vote.published", vote["id"])
    assert entry.payload["notice_hash"] == read["notice_hash"]
    # The owners' feed carries the same body.
    owner = await owner_headers(session, app, "王一")
    mine = (await client.get("/api/v1/me/notices", headers=owner)).json()["items"]
    assert [item["body"] for item in mine if item["kind"] == "VOTE_NOTICE"] == [body]


# --- R-NOTICE-4: the log states what was delivered --------------------------------------------------------------


async def test_the_log_records_a_dead_letter_and_never_says_notified(client, session, app, sessionmaker):
    estate = await make_estate(session, app, client)
    vote = await published_vote(client, estate)
    (published,) = await _entries(session, "vote.published", vote["id"])
    assert "notified" not in published.payload
    assert published.payload["notice_queued"] == ["WEBHOOK"]
    assert await _entries(session, "notice.delivery_recorded", vote["id"]) == []  # queued is not delivered
    at = PUBLISHED_AT.astimezone(UTC) + timedelta(minutes=1)

    report = await dispatch_batch(sessionmaker, at, Gateway(statuses=[500]).sender(), max_attempts=1)

    assert report.dead == 1
    (recorded,) = await _entries(session, "notice.delivery_recorded", vote["id"])
    assert recorded.payload["kind"] == "VOTE_NOTICE"
    assert recorded.payload["channels"] == [
        {"channel": "WEBHOOK", "messages": 1, "queued": 0, "delivered": 0, "dead_lettered": 1}
    ]
    assert disclosure(recorded.kind, recorded.payload) is Disclosure.PUBLIC
    (dead,) = await _entries(session, "notice.dead_lettered", vote["id"])
    assert dead.payload["error"] == "HTTP 500"
    # The operator retries the dead letter; once the gateway accepts it, the log records the delivery.
    notice = await session.get(Notice, uuid.UUID(recorded.payload["notice_id"]))
    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.DEAD
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    retried = await client.post(f"/api/v1/admin/outbox/{message.id}/retry", headers=admin)
    assert retried.status_code == 200, retried.text
    assert (await dispatch_batch(sessionmaker, at + timedelta(minutes=5), Gateway().sender())).sent == 1
    rows = await _entries(session, "notice.delivery_recorded", vote["id"])
    assert max(rows, key=lambda row: row.payload["at"]).payload["channels"] == [
        {"channel": "WEBHOOK", "messages": 1, "queued": 0, "delivered": 1, "dead_lettered": 0}
    ]
    assert (await outbox_of(session, notice)).status is OutboxStatus.SENT


async def test_a_retried_failure_is_not_a_delivery_record(client, session, app, sessionmaker):
    estate = await make_estate(session, app, client)
    vote = await published_vote(client, estate)
    at = PUBLISHED_AT.astimezone(UTC) + timedelta(minutes=1)
    report = await dispatch_batch(sessionmaker, at, Gateway(statuses=[503]).sender(), max_attempts=3)
    assert report.retrying == 1
    assert await _entries(session, "notice.delivery_recorded", vote["id"]) == []
    assert len(await _entries(session, "notice.dispatch_failed", vote["id"])) == 1
