"""Test helpers for closing and results: ballots inserted directly, without the casting API.

Groups of the RULES.md section-P roll are named as in the spec (A, BC, D, E, F for Fco, DEV, H, B) and found
by one of their units.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.ballot.models import Ballot, BallotMark, BallotStatus, Channel
from app.ledger.canonical import canonical_sha256
from app.register.models import Owner
from app.rules.counts import Weight
from app.security.pii import FieldCipher
from app.vote.models import RollGroup, Topic
from app.vote.spec import marks_for_ballot
from tests.factories_vote import VoteFixture

# A unit of each section-P group (samples/register-sample.csv) and the group's area (0.01 m²).
GROUP_UNIT = {
    "A": "1-1-101",
    "BC": "1-2-201",
    "D": "1-2-202",
    "E": "2-1-101",
    "F": "2-1-102",
    "DEV": "2-2-201",
    "H": "3-1-101",
    "B": "3-1-102",
}
AREA = {"A": 18000, "BC": 12000, "D": 9000, "E": 9000, "F": 6000, "DEV": 22000, "H": 7550, "B": 6450}
TOTAL = Weight(8, 90000)
WANG_YI_ID_NUMBER = "110105198001010016"  # 王一, owner of group A


def weight(name: str) -> Weight:
    return Weight(1, AREA[name])


async def roll_groups(session: AsyncSession, fixture: VoteFixture) -> dict[str, RollGroup]:
    """Section-P name → the vote's roll group."""
    rows = (await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == fixture.vote.id))).all()
    by_unit = {unit: row for row in rows for unit in row.unit_keys}
    return {name: by_unit[unit] for name, unit in GROUP_UNIT.items()}


async def cast_directly(
    session: AsyncSession,
    fixture: VoteFixture,
    group: str,
    answers: Mapping[Topic, Any],
    *,
    cast_at: datetime | None = None,
    status: BallotStatus = BallotStatus.COUNTED,
    channel: Channel = Channel.ONLINE,
) -> Ballot:
    """Insert a ballot and its marks as the casting service leaves them (area from the frozen roll).

    A paper ballot (``channel=Channel.PAPER``) may answer ``"SPOILED"`` on a topic (R-TALLY-6).
    """
    row = (await roll_groups(session, fixture))[group]
    by_id = {str(topic.id): answer for topic, answer in answers.items()}
    marks = marks_for_ballot(fixture.topics, by_id, allow_spoiled=channel is Channel.PAPER)
    ballot = Ballot(
        id=uuid.uuid4(),
        vote_id=fixture.vote.id,
        group_id=row.group_id,
        status=status,
        channel=channel,
        answers=by_id,
        content_hash=canonical_sha256({"group": row.group_id, "answers": by_id}),
        basis="OWNER",
        cast_at=cast_at or fixture.vote.starts_at,
        void_reason="test: void" if status is BallotStatus.VOID else None,
    )
    session.add(ballot)
    await session.flush()
    session.add_all(
        BallotMark(
            ballot_id=ballot.id,
            topic_id=uuid.UUID(topic_id),
            item=mark.item,
            vote_id=fixture.vote.id,
            answer=mark.answer,
            area=row.area,
        )
        for topic_id, topic_marks in marks.items()
        for mark in topic_marks
    )
    await session.flush()
    return ballot


async def owner_id(session: AsyncSession, cipher: FieldCipher, id_number: str) -> uuid.UUID:
    index = cipher.blind_index("owner.identifier", id_number)
    return (await session.scalars(sa.select(Owner.id).where(Owner.identifier_index == index))).one()


async def audit_kinds(session: AsyncSession, vote_id: uuid.UUID) -> list[str]:
    statement = sa.select(AuditEntry.kind).where(AuditEntry.vote_id == vote_id).order_by(AuditEntry.created_at)
    return list((await session.scalars(statement)).all())
