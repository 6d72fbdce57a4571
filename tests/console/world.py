"""The console tests' world, built through the services as the API would leave it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.common.access import Role
from app.identity.service import OPERATOR
from app.register import estates
from app.register.estate_schemas import EstateCreate
from tests.factories import DEVELOPER_CREDIT_CODE, Places, make_api_key, make_places
from tests.factories_vote import make_vote, yes_no_topic
from tests.result.helpers import cast_directly

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)  # 2025-03-17 00:00 Asia/Shanghai: voting opens
NOW = T0 + timedelta(days=2)


@dataclass(frozen=True)
class World:
    places: Places
    vote_id: uuid.UUID
    vote_title: str
    ends_at: datetime
    other_vote_id: uuid.UUID
    other_estate_name: str
    foreign_vote_id: uuid.UUID
    foreign_estate_name: str
    street_office_key: str
    committee_key: str
    foreign_street_office_key: str
    topic_id: uuid.UUID
    foreign_estate_id: uuid.UUID


def secret(header: dict[str, str]) -> str:
    return header["Authorization"].removeprefix("Bearer ")


async def build_world(session, app) -> World:  # type: ignore[no-untyped-def]
    """Estate A with an open vote (four ballots over two days), a second estate of the same street office with a
    vote that opens later, and a vote in another street office's jurisdiction."""
    cipher = app.state.cipher
    fixture = await make_vote(session, cipher, now=T0, topics=[yes_no_topic("续聘物业服务企业")])
    (topic,) = fixture.topics
    for hours, group in ((1, "A"), (5, "BC"), (20, "D"), (30, "E")):
        await cast_directly(session, fixture, group, {topic: "AGREE"}, cast_at=T0 + timedelta(hours=hours))
    second = await estates.create_estate(
        session,
        OPERATOR,
        EstateCreate(
            community_id=fixture.places.community.id,
            name="望京花园二期",
            developer_name="北京某某房地产开发有限公司",
            developer_credit_code=DEVELOPER_CREDIT_CODE,
        ),
        cipher=cipher,
    )
    await session.flush()
    other_places = Places(fixture.places.district, fixture.places.street_office, fixture.places.community, second)
    other = await make_vote(
        session, cipher, now=T0, places=other_places, opens_in=timedelta(days=10), topics=[yes_no_topic("增设充电桩")]
    )
    foreign = await make_vote(session, cipher, now=T0, topics=[yes_no_topic("外辖区议题")])
    await session.commit()
    hasher = app.state.token_hasher
    so = await make_api_key(session, hasher, role=Role.STREET_OFFICE, street_office_id=fixture.places.street_office.id)
    committee = await make_api_key(session, hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id)
    foreign_so = await make_api_key(
        session, hasher, role=Role.STREET_OFFICE, street_office_id=foreign.places.street_office.id
    )
    return World(
        fixture.places, fixture.vote.id, fixture.vote.title, fixture.vote.ends_at, other.vote.id, second.name,
        foreign.vote.id, foreign.places.estate.name, secret(so), secret(committee), secret(foreign_so),
        topic.id, foreign.places.estate.id,
    )  # fmt: skip


__all__ = ["NOW", "T0", "World", "build_world", "make_places"]
