"""Errata (R-LIFE-4: appended, the topics never change) and cancelling a vote before it opens."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from tests.vote.helpers import (
    EARLIEST_START,
    WINDOW_END,
    add_topic,
    create_vote,
    make_estate,
    notice_hash_of,
    problem_code,
    published_vote,
    sha256_jcs,
    yes_no,
)


async def test_erratum_is_appended_and_changes_no_topic(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    url = f"/api/v1/votes/{published['id']}"
    response = await client.post(f"{url}/errata", json={"text": "第1项“物业公司”应为“物业服务企业”。"},
                                 headers=estate.committee)  # fmt: skip
    assert response.status_code == 201, response.text
    erratum = response.json()
    assert erratum["sha256"] == sha256_jcs(
        {"schema": "evote/erratum/1", "vote_id": published["id"], "notice_hash": published["notice_hash"],
         "text": erratum["text"]}
    )  # fmt: skip
    vote = (await client.get(url, headers=estate.committee)).json()
    assert [e["id"] for e in vote["errata"]] == [erratum["id"]]
    assert vote["notice_hash"] == published["notice_hash"] == notice_hash_of(vote)
    assert vote["topics"] == published["topics"]
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.kind == "vote.erratum"))
    assert entry is not None
    assert entry.payload["sha256"] == erratum["sha256"]


async def test_erratum_on_a_draft_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    response = await client.post(f"/api/v1/votes/{vote['id']}/errata", json={"text": "x"}, headers=estate.committee)
    assert response.status_code == 409
    assert problem_code(response) == "vote.not_published"


async def test_erratum_after_the_close_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    app.state.clock = lambda: EARLIEST_START  # open: still allowed
    during = await client.post(f"/api/v1/votes/{published['id']}/errata", json={"text": "x"}, headers=estate.committee)
    assert during.status_code == 201
    app.state.clock = lambda: WINDOW_END
    after = await client.post(f"/api/v1/votes/{published['id']}/errata", json={"text": "y"}, headers=estate.committee)
    assert after.status_code == 409
    assert problem_code(after) == "vote.closed"


async def test_cancel_a_draft_or_an_open_vote_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    draft = await create_vote(client, estate)
    refused = await client.post(f"/api/v1/votes/{draft['id']}/cancel", json={"reason": "x"}, headers=estate.committee)
    assert problem_code(refused) == "vote.not_published"
    published = await published_vote(client, estate)
    app.state.clock = lambda: EARLIEST_START
    started = await client.post(
        f"/api/v1/votes/{published['id']}/cancel", json={"reason": "x"}, headers=estate.committee
    )
    assert started.status_code == 409
    assert problem_code(started) == "vote.voting_started"  # R-LIFE-6: no early close


async def test_cancel_before_opening_then_everything_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    url = f"/api/v1/votes/{published['id']}"
    response = await client.post(
        f"{url}/cancel", json={"reason": "议题表述需修改，重新公告。"}, headers=estate.committee
    )
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == cancelled["effective_status"] == "CANCELLED"
    assert cancelled["cancellation"]["reason"] == "议题表述需修改，重新公告。"
    app.state.clock = lambda: EARLIEST_START  # a cancelled vote never opens
    assert (await client.get(url, headers=estate.committee)).json()["effective_status"] == "CANCELLED"
    for path, body, code in [
        ("/cancel", {"reason": "again"}, "vote.cancelled"),
        ("/publish", None, "vote.cancelled"),
        ("/errata", {"text": "x"}, "vote.cancelled"),
        ("/topics", yes_no(), "vote.topic_added_after_publication"),
    ]:
        refused = await client.post(url + path, json=body, headers=estate.committee)
        assert refused.status_code == 409, (path, refused.text)
        assert problem_code(refused) == code
    again = await create_vote(client, estate)  # a corrected notice is a new vote
    await add_topic(client, estate, again["id"], yes_no(title="续聘物业服务企业（修订）"))
