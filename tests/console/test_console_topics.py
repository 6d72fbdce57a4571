"""The drafting form's topic kinds: yes/no, single choice and consultation, judged by the API's schema and service."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import sqlalchemy as sa

from app.console.session import SESSION_COOKIE
from app.vote.models import Topic
from tests.console.world import NOW, build_world


@pytest.fixture
async def signed(app, client, session):  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW
    world = await build_world(session, app)
    sealed = app.state.console_keys.seal_credential(world.committee_key, issued_at=int(time.time()))
    client.cookies.set(SESSION_COOKIE, sealed, domain="evote.test", path="/console")
    csrf = app.state.console_keys.csrf_token(sealed)
    drafted = await client.post(
        f"/console/estates/{world.places.estate.id}/votes",
        data={
            "csrf": csrf, "title": "2025年第三次业主大会会议", "organiser_kind": "OWNERS_COMMITTEE",
            "voting_method": "ONLINE", "starts_at": "2025-05-01T00:00", "ends_at": "2025-05-08T00:00",
        },
    )  # fmt: skip
    assert drafted.status_code == 303, drafted.text[:500]
    vote_id = uuid.UUID(re.search(r"/console/votes/([0-9a-f-]{36})", drafted.headers["location"]).group(1))
    return vote_id, csrf


async def _topics(session, vote_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    return (await session.scalars(sa.select(Topic).where(Topic.vote_id == vote_id).order_by(Topic.position))).all()


async def test_the_form_drafts_option_topics_as_the_api_does(client, session, signed) -> None:  # type: ignore[no-untyped-def]
    vote_id, csrf = signed
    page = await client.get(f"/console/votes/{vote_id}")
    kinds = re.findall(r'<option value="(\w+)">', page.text.split('id="tp-kind"')[1].split("</select>")[0])
    assert kinds == ["YES_NO", "SINGLE_CHOICE", "CONSULTATION"]
    base = {"csrf": csrf, "text": "全文", "matter": "HIRE_DISMISS_PROVIDER"}
    chosen = await client.post(
        f"/console/votes/{vote_id}/topics",
        data={
            **base,
            "title": "选聘物业服务企业",
            "kind": "SINGLE_CHOICE",
            "options": "甲物业\r\n\r\n乙物业\n丙物业\n",
        },
    )
    assert chosen.status_code == 303, chosen.text[:500]
    consulted = await client.post(
        f"/console/votes/{vote_id}/topics",
        data={**base, "title": "征询停车方案", "kind": "CONSULTATION", "options": "方案一\n方案二"},
    )
    assert consulted.status_code == 303, consulted.text[:500]
    topics = await _topics(session, vote_id)
    assert [(topic.kind.value, [option["label"] for option in topic.options]) for topic in topics] == [
        ("SINGLE_CHOICE", ["甲物业", "乙物业", "丙物业"]),
        ("CONSULTATION", ["方案一", "方案二"]),
    ]
    assert [option["id"] for option in topics[0].options] == ["1", "2", "3"]


async def test_the_api_validation_refuses_a_malformed_topic(client, session, signed) -> None:  # type: ignore[no-untyped-def]
    vote_id, csrf = signed
    base = {"csrf": csrf, "text": "全文", "matter": "HIRE_DISMISS_PROVIDER", "title": "选聘"}
    for fields in ({"kind": "SINGLE_CHOICE"}, {"kind": "SINGLE_CHOICE", "options": "只有一个"},
                   {"kind": "YES_NO", "options": "甲\n乙"}, {"kind": "ELECTION"}):  # fmt: skip
        refused = await client.post(f"/console/votes/{vote_id}/topics", data={**base, **fields})
        assert 400 <= refused.status_code < 500, (fields, refused.status_code)
        assert "<html" in refused.text  # the console's error page, not problem+json
    assert await _topics(session, vote_id) == []
