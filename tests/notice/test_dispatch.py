"""The outbox dispatcher: signed webhook deliveries with an Idempotency-Key, retries with backoff, dead letters,
admin retry, leases, and the dispatcher task (STYLE.md §8.4.3)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.db.session import unit_of_work
from app.notice import outbox
from app.notice.models import OutboxMessage, OutboxStatus
from app.notice.outbox import (
    LogNoticeSender,
    NoticeDispatcher,
    WebhookNoticeSender,
    backoff,
    claim_due,
    dispatch_batch,
    record_outcomes,
    sender_from_settings,
)
from app.settings import Settings
from tests.factories import make_api_key, make_places
from tests.notice.helpers import NOW, SECRET, URL, Gateway, audit_entries, notice_for, outbox_of, signature_ok
from tests.vote.helpers import problem_code


async def dispatch_due(sessionmaker, now, sender, **options) -> int:  # type: ignore[no-untyped-def]
    """One batch of due messages; how many were delivered."""
    return (await dispatch_batch(sessionmaker, now, sender, **options)).sent


async def _arrange(session, app, count: int = 1):  # type: ignore[no-untyped-def]
    places = await make_places(session, app.state.cipher)
    notices = [await notice_for(session, places, title=f"公告{number}") for number in range(count)]
    await session.commit()
    return places, notices


def test_backoff_doubles_from_30_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(0) == timedelta(seconds=30)
    assert backoff(10_000) == timedelta(hours=1)


async def test_the_webhook_gets_the_signed_payload_with_an_idempotency_key(session, sessionmaker, app):
    places, (notice,) = await _arrange(session, app)
    gateway = Gateway()

    assert await dispatch_due(sessionmaker, NOW, gateway.sender()) == 1

    (request,) = gateway.requests
    message = await outbox_of(session, notice)
    assert str(request.url) == URL
    assert request.method == "POST"
    assert request.headers["Idempotency-Key"] == str(message.id)
    assert request.headers["content-type"] == "application/json"
    assert signature_ok(request)
    assert gateway.bodies() == [message.payload]
    assert message.status is OutboxStatus.SENT
    assert message.sent_at == NOW
    assert message.attempts == 1
    assert message.lease_id is None
    (entry,) = await audit_entries(session, "notice.dispatched", places.estate.id)
    assert entry.payload["outbox_message_id"] == str(message.id)
    # Nothing is due any more: a second run sends nothing.
    assert await dispatch_due(sessionmaker, NOW + timedelta(hours=1), gateway.sender()) == 0
    assert len(gateway.requests) == 1


async def test_a_message_not_yet_due_waits(session, sessionmaker, app):
    places = await make_places(session, app.state.cipher)
    await notice_for(session, places, now=NOW + timedelta(minutes=5))
    await session.commit()
    gateway = Gateway()
    assert await dispatch_due(sessionmaker, NOW, gateway.sender()) == 0
    assert gateway.requests == []
    assert await dispatch_due(sessionmaker, NOW + timedelta(minutes=5), gateway.sender()) == 1


async def test_a_failing_webhook_is_retried_with_backoff_and_never_lost(session, sessionmaker, app):
    places, (notice,) = await _arrange(session, app)
    gateway = Gateway(statuses=[503, 500])
    sender = gateway.sender()

    report = await dispatch_batch(sessionmaker, NOW, sender)
    assert (report.claimed, report.sent, report.retrying, report.dead) == (1, 0, 1, 0)
    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error == "HTTP 503"
    assert message.next_attempt_at == NOW + timedelta(seconds=30)

    # Before the backoff ends nothing is sent; after it, the second attempt fails too and waits 60 s.
    assert await dispatch_due(sessionmaker, NOW + timedelta(seconds=29), sender) == 0
    assert len(gateway.requests) == 1
    assert await dispatch_due(sessionmaker, NOW + timedelta(seconds=30), sender) == 0
    message = await outbox_of(session, notice)
    assert message.attempts == 2
    assert message.next_attempt_at == NOW + timedelta(seconds=90)

    assert await dispatch_due(sessionmaker, NOW + timedelta(seconds=90), sender) == 1
    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.SENT
    assert message.attempts == 3
    keys = {request.headers["Idempotency-Key"] for request in gateway.requests}
    assert keys == {str(message.id)}  # the same key on every attempt: the gateway can drop duplicates
    failed = await audit_entries(session, "notice.dispatch_failed", places.estate.id)
    assert [entry.payload["error"] for entry in failed] == ["HTTP 503", "HTTP 500"]


async def test_after_max_attempts_a_message_is_dead_visible_to_admins_and_retried(client, session, sessionmaker, app):
    places, (notice,) = await _arrange(session, app)
    gateway = Gateway(raise_error=True)
    sender = gateway.sender()
    now = NOW
    for attempt in range(1, 4):
        report = await dispatch_batch(sessionmaker, now, sender, max_attempts=3)
        assert report.claimed == 1
        now += backoff(attempt)
    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.DEAD
    assert message.attempts == 3
    assert message.last_error == "unreachable: ConnectError"
    assert await dispatch_due(sessionmaker, now + timedelta(days=1), sender, max_attempts=3) == 0  # dead: left alone
    (dead_entry,) = await audit_entries(session, "notice.dead_lettered", places.estate.id)
    assert dead_entry.payload["attempts"] == 3

    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    listed = await client.get("/api/v1/admin/outbox", params={"status": "DEAD"}, headers=admin)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [str(message.id)]
    assert listed.json()["items"][0]["last_error"] == "unreachable: ConnectError"
    forbidden = await client.get("/api/v1/admin/outbox", params={"status": "DEAD"}, headers=committee)
    assert forbidden.status_code == 403
    assert problem_code(forbidden) == "auth.forbidden"
    assert (await client.post(f"/api/v1/admin/outbox/{message.id}/retry", headers=committee)).status_code == 403

    app.state.clock = lambda: now
    retried = await client.post(f"/api/v1/admin/outbox/{message.id}/retry", headers=admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "PENDING"
    assert retried.json()["attempts"] == 0
    again = await client.post(f"/api/v1/admin/outbox/{message.id}/retry", headers=admin)
    assert again.status_code == 409
    assert problem_code(again) == "notice.outbox_not_dead"
    missing = await client.post(f"/api/v1/admin/outbox/{uuid.uuid4()}/retry", headers=admin)
    assert missing.status_code == 404

    gateway.raise_error = False
    assert await dispatch_due(sessionmaker, now, sender, max_attempts=3) == 1
    assert (await outbox_of(session, notice)).status is OutboxStatus.SENT
    assert (await client.get("/api/v1/admin/outbox", params={"status": "DEAD"}, headers=admin)).json()["items"] == []
    assert len(await audit_entries(session, "notice.retry_requested", places.estate.id)) == 1


async def test_a_crash_between_send_and_record_resends_after_the_lease_with_the_same_key(session, sessionmaker, app):
    """At least once: the claimed message keeps its lease; once the lease ends it is sent again."""
    _, (notice,) = await _arrange(session, app)
    lease = timedelta(minutes=2)
    (claimed,) = await claim_due(sessionmaker, NOW, limit=10, lease=lease)
    # ... the process dies after sending, before recording. Nobody claims it during the lease:
    assert await claim_due(sessionmaker, NOW + lease - timedelta(seconds=1), limit=10, lease=lease) == []
    gateway = Gateway()
    assert await dispatch_due(sessionmaker, NOW + lease, gateway.sender()) == 1
    assert gateway.requests[0].headers["Idempotency-Key"] == str(claimed.message_id)
    message = await outbox_of(session, notice)
    assert message.status is OutboxStatus.SENT
    assert message.attempts == 2  # the lost attempt counts
    # The first dispatcher's late outcome no longer applies: its lease is gone.
    report = await record_outcomes(sessionmaker, [(claimed, "HTTP 500")], NOW + lease, max_attempts=8)
    assert report.retrying == 0
    assert (await outbox_of(session, notice)).status is OutboxStatus.SENT


async def test_a_sender_bug_is_retried_like_a_failure(session, sessionmaker, app, caplog):
    _, (notice,) = await _arrange(session, app)

    class Broken:
        timeout = 1.0

        async def send(self, message_id, payload):  # type: ignore[no-untyped-def]
            raise RuntimeError("bug")

    report = await dispatch_batch(sessionmaker, NOW, Broken())
    assert report.retrying == 1
    assert (await outbox_of(session, notice)).last_error == "sender error: RuntimeError"


async def test_the_log_sender_marks_messages_sent_after_logging(session, sessionmaker, app, caplog):
    caplog.set_level(logging.INFO, logger="evote.notice")
    _, (notice,) = await _arrange(session, app)
    assert isinstance(app.state.notice_sender, LogNoticeSender)  # test settings: no webhook configured
    assert await dispatch_due(sessionmaker, NOW, app.state.notice_sender) == 1
    assert (await outbox_of(session, notice)).status is OutboxStatus.SENT
    assert any(str(notice.id) in record.getMessage() for record in caplog.records if record.name == "evote.notice")


def test_settings_choose_the_webhook_and_refuse_production_without_one(tmp_path):
    configured = Settings(
        _env_file=None, env="test", dev_key_dir=tmp_path, notice_webhook_url=URL, notice_webhook_secret=SECRET
    )
    sender = sender_from_settings(configured)
    assert isinstance(sender, WebhookNoticeSender)
    assert sender.url == URL
    assert SECRET not in repr(configured)
    with pytest.raises(ValidationError, match="both"):
        Settings(_env_file=None, env="test", dev_key_dir=tmp_path, notice_webhook_url=URL)
    with pytest.raises(ValidationError, match="16 characters"):
        Settings(_env_file=None, env="test", dev_key_dir=tmp_path, notice_webhook_url=URL, notice_webhook_secret="x")
    with pytest.raises(ValidationError, match="URL"):
        Settings(
            _env_file=None, env="test", dev_key_dir=tmp_path, notice_webhook_url="ftp://x", notice_webhook_secret=SECRET
        )
    with pytest.raises(ValidationError):
        Settings(_env_file=None, env="production", dev_key_dir=tmp_path)


async def test_the_dispatcher_task_delivers_survives_errors_and_stops(session, sessionmaker, app, caplog):
    _, (notice,) = await _arrange(session, app)
    gateway = Gateway()
    clock_calls = 0

    def clock():  # type: ignore[no-untyped-def]
        nonlocal clock_calls
        clock_calls += 1
        if clock_calls == 1:
            raise RuntimeError("clock broken once")  # an error in a run is logged; the loop goes on
        return NOW

    dispatcher = NoticeDispatcher(sessionmaker, lambda: NOW, gateway.sender(), interval_seconds=0.01)
    dispatcher._clock = clock  # inject the failing clock after construction
    assert (await dispatcher.run_once()).claimed == 0
    assert "notice-dispatcher run failed" in caplog.text
    dispatcher.start()
    dispatcher.start()  # idempotent
    for _ in range(200):
        if gateway.requests:
            break
        await asyncio.sleep(0.01)
    await dispatcher.stop()
    assert not dispatcher.running
    await dispatcher.stop()  # stopping twice is harmless
    assert (await outbox_of(session, notice)).status is OutboxStatus.SENT
    assert dispatcher.runs >= 1

    disabled = NoticeDispatcher(sessionmaker, lambda: NOW, gateway.sender(), interval_seconds=0)
    disabled.start()
    assert not disabled.running


async def test_a_failing_run_is_logged_and_reported_empty(sessionmaker, app, caplog, monkeypatch):
    async def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database gone")

    monkeypatch.setattr(outbox, "dispatch_batch", boom)
    dispatcher = NoticeDispatcher(
        sessionmaker, lambda: NOW, Gateway().sender(), interval_seconds=1, reminders=boom, reminder_interval_seconds=60
    )
    report = await dispatcher.run_once()
    assert report.claimed == 0
    assert "notice-dispatcher run failed" in caplog.text
    assert "publishing reminders failed" in caplog.text


async def test_dispatch_outcomes_are_audit_entries_of_the_estate(session, sessionmaker, app):
    places, notices = await _arrange(session, app, count=3)
    gateway = Gateway(statuses=[200, 502, 200])
    report = await dispatch_batch(sessionmaker, NOW, gateway.sender(), batch_size=2)
    assert report.claimed == 2  # one batch only
    report = await dispatch_batch(sessionmaker, NOW, gateway.sender(), batch_size=2)
    assert report.claimed == 1
    kinds = list(
        await session.scalars(
            select(AuditEntry.kind).where(
                AuditEntry.estate_id == places.estate.id, AuditEntry.kind.like("notice.dispatch%")
            )
        )
    )
    assert sorted(kinds) == ["notice.dispatch_failed", "notice.dispatched", "notice.dispatched"]
    statuses = sorted(
        (await session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.notice_id.in_([n.id for n in notices]))
            .execution_options(populate_existing=True)
        )).all()
    )  # fmt: skip
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.SENT]


async def test_unit_of_work_claims_are_committed_before_sending(session, sessionmaker, app):
    """The claim is its own transaction: while the gateway is being called, the lease is already visible."""
    await _arrange(session, app)
    seen: list[object] = []

    class Peeking:
        timeout = 1.0

        async def send(self, message_id, payload):  # type: ignore[no-untyped-def]
            async with unit_of_work(sessionmaker) as other:
                row = await other.get(OutboxMessage, message_id)
                seen.append((row.status, row.lease_id is not None, row.next_attempt_at > NOW))

    await dispatch_batch(sessionmaker, NOW, Peeking())
    assert seen == [(OutboxStatus.PENDING, True, True)]
