"""Races on a real connection pool: concurrent signatures cross the R-LIFE-10 threshold exactly once.

The petition row is locked while a signature is counted, so however the signatures interleave, one group signs
once (UNIQUE(petition_id, group_id)), one threshold event is audited and one notice is published.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.db.session import unit_of_work
from app.identity.service import OPERATOR
from app.notice.models import Notice, NoticeKind
from app.petition.models import Petition, PetitionSignature, PetitionStatus
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "register-sample.csv"
QIAN = "110105198405050057"  # 钱五: 2-1-101
ZHOU = "11010519850606006X"  # 周八: 3-1-101
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ROUNDS = 5


async def test_concurrent_signatures_meet_the_threshold_once(race_app):
    app = race_app
    app.state.clock = lambda: NOW
    async with unit_of_work(app.state.sessionmaker) as session:
        places = await make_places(session, app.state.cipher)
        await import_register(
            session, places.estate.id, SAMPLE.read_bytes(), register_format=RegisterFormat.CSV,
            source_name="r.csv", imported_by=OPERATOR, cipher=app.state.cipher,
        )  # fmt: skip
        accounts = {
            name: await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, number))
            for name, number in (("wang", WANG), ("li", LI), ("zhang", ZHANG), ("zhao", ZHAO), ("qian", QIAN),
                                 ("zhou", ZHOU))
        }  # fmt: skip
    estate_id = places.estate.id
    async with unit_of_work(app.state.sessionmaker) as session:
        committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=estate_id)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        roll = (await client.get(f"/api/v1/estates/{estate_id}/roll", headers=committee)).json()
        groups = {group["units"][0]["unit_key"]: group["group_id"] for group in roll["groups"]}
        opened = await client.post(
            f"/api/v1/estates/{estate_id}/petitions",
            json={"kind": "TEMPORARY_MEETING", "title": "临时会议", "text": "提议"},
            headers=bearer(app, accounts["wang"]),
        )
        assert opened.status_code == 201, opened.text
        url = f"/api/v1/petitions/{opened.json()['id']}/signatures"
        signers = [
            ("wang", "1-1-101"), ("li", "1-2-201"), ("zhang", "1-2-201"), ("li", "3-1-102"), ("zhao", "1-2-202"),
            ("qian", "2-1-101"), ("zhou", "3-1-101"),
        ]  # fmt: skip

        async def attempt(name: str, unit: str) -> httpx.Response:
            return await client.post(url, json={"group_id": groups[unit]}, headers=bearer(app, accounts[name]))

        responses = await asyncio.gather(*(attempt(*signer) for _ in range(ROUNDS) for signer in signers))

    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses if r.status_code not in (201, 409)][:3]
    assert statuses[201] == 6  # six groups: the co-owners share one
    assert all(r.json()["code"] == "petition.already_signed" for r in responses if r.status_code == 409)
    async with unit_of_work(app.state.sessionmaker) as session:
        petition = await session.get(Petition, uuid.UUID(opened.json()["id"]))
        assert petition is not None
        assert petition.status is PetitionStatus.THRESHOLD_MET
        signatures = await session.scalar(select(func.count()).select_from(PetitionSignature))
        events = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.kind == "petition.threshold_met")
        )
        notices = await session.scalar(
            select(func.count()).select_from(Notice).where(Notice.kind == NoticeKind.PETITION)
        )
        assert (signatures, events, notices) == (6, 1, 1)
