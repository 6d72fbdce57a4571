"""The street office's alerts on the console's list of its votes (issue #22 item 1): a register changed during a
vote, a notice whose delivery was given up, and the overdue correction orders — from the same records the API reads,
and only for the jurisdiction's own estates."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from app.console.session import SESSION_COOKIE
from app.identity.service import OPERATOR
from app.notice.models import Notice, NoticeKind, OutboxChannel, OutboxMessage, OutboxStatus
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.supervision import service as supervision_service
from tests.console.world import NOW, build_world
from tests.factories_vote import SAMPLE


def _cookie(app, key: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    sealed = app.state.console_keys.seal_credential(key, issued_at=int(time.time()))
    return {"cookie": f"{SESSION_COOKIE}={sealed}"}


async def test_the_jurisdictions_alerts(app, client, session) -> None:  # type: ignore[no-untyped-def]
    app.state.clock = lambda: NOW
    world = await build_world(session, app)
    # A new register version of estate A while its vote is open (R-ROLL-3: flagged to the street office) …
    changed = SAMPLE.read_bytes().replace(b",100.00,", b",101.00,")
    await import_register(
        session, world.places.estate.id, changed, register_format=RegisterFormat.CSV, source_name="v2.csv",
        imported_by=OPERATOR, cipher=app.state.cipher, now=NOW,
    )  # fmt: skip
    # … a correction order already past its deadline, whose notice's delivery the outbox gave up on.
    await supervision_service.order_correction(
        session, OPERATOR, world.vote_id, reason="公告未张贴", document_ref="朝东街发〔2025〕11号",
        deadline=NOW + timedelta(hours=1), now=NOW,
    )  # fmt: skip
    notice = await session.scalar(sa.select(Notice).where(Notice.kind == NoticeKind.CORRECTION_ORDER))
    dead = OutboxMessage(
        notice_id=notice.id, channel=OutboxChannel.WEBHOOK, payload={}, status=OutboxStatus.DEAD, attempts=5,
        next_attempt_at=NOW,
    )  # fmt: skip
    session.add(dead)
    await session.commit()
    app.state.clock = lambda: NOW + timedelta(hours=2)

    url = f"/console/street-offices/{world.places.street_office.id}/votes"
    page = await client.get(url, headers=_cookie(app, world.street_office_key))
    assert page.status_code == 200
    text = page.text
    assert "表决期间业主名册变更" in text
    assert "投递失败的通知" in text
    assert notice.title in text
    assert "逾期未改正的责令改正" in text
    assert "朝东街发〔2025〕11号" in text

    refused = await client.get(url, headers=_cookie(app, world.foreign_street_office_key))
    assert refused.status_code == 404
    assert "表决期间业主名册变更" not in refused.text
