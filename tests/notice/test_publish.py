"""publish_notice: the notice, its outbox message and its audit entry share the caller's transaction (§8.4.3);
vote notices, errata, cancellations and results are published through it (R-LIFE-2, R-LIFE-4, R-LIFE-8)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.ledger.canonical import canonical_sha256
from app.notice.models import Audience, Notice, NoticeKind, OutboxMessage, OutboxStatus
from app.notice.service import notice_document
from app.result.service import close_and_decide
from tests.factories import make_places
from tests.factories_vote import make_vote
from tests.notice.helpers import NOW, notice_for, outbox_of
from tests.vote.helpers import make_estate, problem_code, published_vote


class Rollback(Exception):
    pass


async def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return await session.scalar(select(func.count()).select_from(model))


async def test_a_rolled_back_transaction_leaves_no_notice_and_no_outbox_message(session, sessionmaker, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    notices, messages = await _count(session, Notice), await _count(session, OutboxMessage)

    async def publish_then_fail() -> None:
        async with sessionmaker() as work, work.begin():
            await notice_for(work, places)
            assert await _count(work, OutboxMessage) == messages + 1  # inside: written
            raise Rollback

    with pytest.raises(Rollback):
        await publish_then_fail()

    assert await _count(session, Notice) == notices
    assert await _count(session, OutboxMessage) == messages
    entries = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.kind == "notice.published")
    )
    assert entries == 0

    async with sessionmaker() as work, work.begin():
        await notice_for(work, places)
    assert await _count(session, Notice) == notices + 1
    assert await _count(session, OutboxMessage) == messages + 1


async def test_the_notice_its_message_and_its_audit_entry(session, app):
    places = await make_places(session, app.state.cipher)
    notice = await notice_for(session, places, title="题" * 250)
    assert notice.title == "题" * 200  # cut to the column; the body is kept whole
    assert notice.audience is Audience.OWNERS
    assert notice.content_sha256 == canonical_sha256(notice_document(notice))

    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.next_attempt_at == NOW
    assert message.channel.value == "WEBHOOK"
    payload = message.payload
    assert payload["message_id"] == str(message.id)
    assert payload["notice_id"] == str(notice.id)
    assert payload["estate_id"] == str(places.estate.id)
    assert payload["audience"] == "OWNERS"
    assert payload["reported_to"] == ["RESIDENTS_COMMITTEE", "STREET_OFFICE"]  # R-SUP-2, R-LIFE-8
    assert payload["content_sha256"] == notice.content_sha256
    assert set(payload) == {
        "schema", "message_id", "notice_id", "estate_id", "vote_id", "kind", "audience", "reported_to",
        "title", "body", "published_at", "content_sha256",
    }  # fmt: skip  # no recipients: the gateway resolves them (no phone numbers or names)

    entry = await session.scalar(select(AuditEntry).where(AuditEntry.kind == "notice.published"))
    assert entry is not None
    assert entry.estate_id == places.estate.id
    assert entry.payload["notice_id"] == str(notice.id)
    assert entry.payload["outbox_message_id"] == str(message.id)
    assert entry.payload["content_sha256"] == notice.content_sha256
    assert "title" not in entry.payload


async def test_an_unknown_audience_is_a_programming_error(session, app):
    places = await make_places(session, app.state.cipher)
    with pytest.raises(ValueError, match="EVERYONE"):
        await notice_for(session, places, audience="EVERYONE")


async def test_publishing_a_vote_through_the_api_creates_a_vote_notice_and_an_outbox_message(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await published_vote(client, estate)

    notice = await session.scalar(select(Notice).where(Notice.vote_id == uuid.UUID(vote["id"])))
    assert notice is not None
    assert notice.kind is NoticeKind.VOTE_NOTICE
    assert notice.estate_id == estate.id
    assert vote["title"] in notice.title
    assert vote["notice_hash"] in notice.body  # the body names the hash to check (R-LIFE-2)
    assert "2025-03-17 00:00" in notice.body  # the window in Beijing time
    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.PENDING
    assert message.payload["vote_id"] == vote["id"]


async def test_an_erratum_and_a_cancellation_are_notices_too(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await published_vote(client, estate)
    erratum = await client.post(
        f"/api/v1/votes/{vote['id']}/errata", json={"text": "第1项中“物业”应为“物业服务”。"}, headers=estate.committee
    )
    assert erratum.status_code == 201, erratum.text
    cancelled = await client.post(
        f"/api/v1/votes/{vote['id']}/cancel", json={"reason": "议题表述需要修改"}, headers=estate.committee
    )
    assert cancelled.status_code == 200, cancelled.text

    notices = list(await session.scalars(select(Notice).where(Notice.vote_id == uuid.UUID(vote["id"]))))
    assert sorted(n.kind.value for n in notices) == ["CANCELLATION", "ERRATUM", "VOTE_NOTICE"]
    by_kind = {n.kind: n for n in notices}
    assert erratum.json()["sha256"] in by_kind[NoticeKind.ERRATUM].body
    assert "议题表述需要修改" in by_kind[NoticeKind.CANCELLATION].body
    messages = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.notice_id.in_([n.id for n in notices]))
    )
    assert messages == 3


async def test_a_refused_publication_announces_nothing(client, session, app):
    estate = await make_estate(session, app, client)
    created = await client.post(
        f"/api/v1/estates/{estate.id}/votes",
        json={"title": "空表决", "organiser_kind": "OWNERS_COMMITTEE", "starts_at": "2025-03-17T00:00:00+08:00",
              "ends_at": "2025-03-24T00:00:00+08:00", "notice_text": "无议题"},
        headers=estate.committee,
    )  # fmt: skip
    refused = await client.post(f"/api/v1/votes/{created.json()['id']}/publish", headers=estate.committee)
    assert refused.status_code == 422
    assert problem_code(refused) == "vote.no_topics"
    assert await session.scalar(select(func.count()).select_from(Notice).where(Notice.estate_id == estate.id)) == 0


async def test_publishing_a_result_publishes_a_result_notice(session, app):
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    decision = await close_and_decide(session, fixture.vote.id, now=NOW + timedelta(days=8), keys=app.state.log_keys)
    assert decision.transitioned

    notice = await session.scalar(
        select(Notice).where(Notice.vote_id == fixture.vote.id, Notice.kind == NoticeKind.RESULT)
    )
    assert notice is not None
    assert fixture.topics[0].title in notice.body
    assert "未形成决定" in notice.body  # nobody voted: NO_QUORUM
    assert notice.published_at == NOW + timedelta(days=8)
    # Closing again publishes nothing more.
    await close_and_decide(session, fixture.vote.id, now=NOW + timedelta(days=9), keys=app.state.log_keys)
    count = await session.scalar(
        select(func.count()).select_from(Notice).where(Notice.vote_id == fixture.vote.id, Notice.kind == "RESULT")
    )
    assert count == 1
