"""Several dispatchers on a real connection pool send every message exactly once (FOR UPDATE SKIP LOCKED on
PostgreSQL; BEGIN IMMEDIATE on SQLite)."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from app.db.session import unit_of_work
from app.notice.models import OutboxMessage, OutboxStatus
from app.notice.outbox import dispatch_batch
from tests.factories import make_places
from tests.notice.helpers import NOW, Gateway, notice_for

MESSAGES = 40
DISPATCHERS = 4


async def test_concurrent_dispatchers_send_each_message_once(race_app):
    app = race_app
    async with unit_of_work(app.state.sessionmaker) as session:
        places = await make_places(session, app.state.cipher)
        for number in range(MESSAGES):
            await notice_for(session, places, title=f"公告{number}")

    gateway = Gateway()
    real = gateway.sender()

    class Slow:
        """Yields while "sending", so the dispatchers' claims and sends interleave."""

        timeout = 5.0

        async def send(self, message_id, payload):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.005)
            await real.send(message_id, payload)

    async def worker() -> int:
        sent = 0
        while True:
            report = await dispatch_batch(app.state.sessionmaker, NOW, Slow(), batch_size=5)
            sent += report.sent
            if report.claimed == 0:
                return sent

    totals = await asyncio.gather(*(worker() for _ in range(DISPATCHERS)))

    keys = Counter(request.headers["Idempotency-Key"] for request in gateway.requests)
    assert len(keys) == MESSAGES
    assert set(keys.values()) == {1}  # nobody sent a message twice
    assert sum(totals) == MESSAGES
    async with unit_of_work(app.state.sessionmaker) as session:
        sent = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)
        )
        attempts = set(await session.scalars(select(OutboxMessage.attempts)))
    assert sent == MESSAGES
    assert attempts == {1}
