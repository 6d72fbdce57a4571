"""Acceptance (STYLE.md §8.4 point 4, issue #6 item 2): casting never waits on a shared log row.

On PostgreSQL, one connection opens a transaction that locks the tree's one-row ``log_state`` ``FOR UPDATE``,
locks ``log_leaf`` and ``log_checkpoint`` in ``EXCLUSIVE`` mode (no other transaction may write them) and
holds the integrator's advisory lock, and keeps all of it while 50 owners cast their ballots concurrently
through the API. Every cast completes (201) within the time limit, so no ballot transaction touches those
rows or takes that lock: a cast only INSERTS its audit entry. When the blocker lets go, one integrator run
folds all 50 entries into the tree and every receipt's entry has an inclusion proof.

SQLite has a single writer (``BEGIN IMMEDIATE``), so holding a write lock there would block casting by
design; the test runs on PostgreSQL only.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, text

from app.audit.integrator import ADVISORY_LOCK_KEY, integrate_once
from app.audit.models import AuditEntry, LogLeaf
from app.db.base import utcnow
from app.db.session import unit_of_work
from app.ledger import merkle
from tests import factories_vote
from tests.ballot.helpers import group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)
OWNERS = 50
HEADER = "楼栋,单元,房号,面积,面积来源,车位,销售状态,已交付,权属依据,不动产权证号,业主姓名,证件号码,业主类型"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(number: int) -> str:
    body = f"11010519900101{number:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def register_csv() -> bytes:
    rows = [
        f"1,1,{100 + n},100.00,不动产登记,否,已售,是,不动产登记,"
        f"京(2019)朝阳区不动产权第{n:07d}号,业主{n},{resident_id(n)},个人"
        for n in range(OWNERS)
    ]
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode()


async def test_50_concurrent_casts_complete_while_the_log_state_row_is_locked(race_app, tmp_path, monkeypatch):
    app = race_app
    if app.state.settings.is_sqlite:
        pytest.skip("SQLite admits one writer: a held write lock blocks everything by design")
    register = tmp_path / "register.csv"
    register.write_bytes(register_csv())
    monkeypatch.setattr(factories_vote, "SAMPLE", register)
    app.state.clock = lambda: NOW + timedelta(hours=1)
    sessionmaker = app.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
        casters = []
        for number in range(OWNERS):
            owner = await owner_id(session, app, resident_id(number))
            account = await make_account(session, app.state.cipher, owner_id=owner)
            casters.append((account, await group_of(session, fixture.vote.id, owner)))
        topic = str(fixture.topics[0].id)
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)  # the log_state row exists

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.state.engine.connect() as blocker,
        httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client,
    ):
        await blocker.begin()
        # The register import is already in the log; everything after it is the casts.
        before = (await blocker.execute(text("SELECT size FROM log_state WHERE id = 1 FOR UPDATE"))).scalar_one()
        await blocker.execute(text("LOCK TABLE log_leaf, log_checkpoint IN EXCLUSIVE MODE"))
        await blocker.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})

        async def cast(account, group) -> httpx.Response:
            return await client.post(
                f"/api/v1/votes/{fixture.vote.id}/ballots",
                json={"group_id": group, "answers": {topic: "AGREE"}},
                headers=bearer(app, account),
            )

        responses = await asyncio.wait_for(
            asyncio.gather(*(cast(account, group) for account, group in casters)), timeout=60
        )
        assert [r.status_code for r in responses] == [201] * OWNERS, [r.text for r in responses if r.status_code != 201]
        # The integrator cannot run meanwhile: it backs off from the held advisory lock.
        assert await integrate_once(sessionmaker, NOW, keys=app.state.log_keys) is None
        await blocker.rollback()

    checkpoint = await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    assert checkpoint is not None
    assert checkpoint.size == before + OWNERS
    async with unit_of_work(sessionmaker) as session:
        leaves = list((await session.scalars(select(LogLeaf.leaf_hash).order_by(LogLeaf.leaf_index))).all())
        assert merkle.root(leaves) == checkpoint.root_hash
        pending = await session.scalar(select(func.count()).where(AuditEntry.leaf_index.is_(None)))
        assert pending == 0
    for response in responses[:5]:
        proof = await client_get_inclusion(app, response.json()["audit_entry_id"])
        assert proof["tree_size"] == before + OWNERS


async def client_get_inclusion(app, entry_id: str) -> dict:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        response = await client.get(f"/api/v1/log/entries/{entry_id}/inclusion")
        assert response.status_code == 200, response.text
        return response.json()
