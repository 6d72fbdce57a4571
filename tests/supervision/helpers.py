"""Shared set-up for supervision tests: a section-P estate, its supervisors and read-only roles, and votes in
every state the supervision API cares about."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.common.access import Role
from app.notice.models import Notice
from app.transitions import run_due_transitions
from app.vote.models import Vote
from tests.factories import Places, make_api_key, make_places
from tests.factories_vote import VoteFixture, make_vote
from tests.result.helpers import cast_directly

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)  # 2025-03-17 00:00 Asia/Shanghai: voting opens
DOC = "朝东街发〔2025〕12号"
BODY = {"reason": "表决程序违反议事规则，未按规定公示候选人名单", "document_ref": DOC}


@dataclass(frozen=True)
class Keys:
    street_office: dict[str, str]
    admin: dict[str, str]
    committee: dict[str, str]
    observer: dict[str, str]
    auditor: dict[str, str]
    other_street_office: dict[str, str]

    def by_role(self, name: str) -> dict[str, str]:
        value: dict[str, str] = getattr(self, name)
        return value


async def make_keys(session, app, places: Places) -> Keys:  # type: ignore[no-untyped-def]
    hasher = app.state.token_hasher
    other = await make_places(session, app.state.cipher)
    return Keys(
        street_office=await make_api_key(
            session, hasher, role=Role.STREET_OFFICE, street_office_id=places.street_office.id
        ),
        admin=await make_api_key(session, hasher, role=Role.ADMIN),
        committee=await make_api_key(session, hasher, role=Role.COMMITTEE, estate_id=places.estate.id),
        observer=await make_api_key(session, hasher, role=Role.OBSERVER, community_id=places.community.id),
        auditor=await make_api_key(session, hasher, role=Role.AUDITOR, estate_id=places.estate.id),
        other_street_office=await make_api_key(
            session, hasher, role=Role.STREET_OFFICE, street_office_id=other.street_office.id
        ),
    )


async def open_vote(session, app, *, now: datetime = T0, **kwargs) -> tuple[VoteFixture, Keys]:  # type: ignore[no-untyped-def]
    """A vote open from ``now`` for 7 days; the clock stands one hour into it."""
    app.state.clock = lambda: now + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=now, **kwargs)
    await session.commit()
    return fixture, await make_keys(session, app, fixture.places)


async def decided_vote(session, app, sessionmaker, *, now: datetime = T0) -> tuple[VoteFixture, Keys]:  # type: ignore[no-untyped-def]
    """A vote that ran over [now - 8 days, now - 1 day), decided and published by the runner at ``now``."""
    fixture = await make_vote(session, app.state.cipher, now=now - timedelta(days=8))
    (topic,) = fixture.topics
    answers = {"A": "AGREE", "BC": "AGREE", "D": "OPPOSE", "E": "AGREE", "DEV": "AGREE", "H": "AGREE"}
    for group, answer in answers.items():
        await cast_directly(session, fixture, group, {topic: answer})
    await session.commit()
    assert await run_due_transitions(sessionmaker, now, keys=app.state.log_keys) == 1
    app.state.clock = lambda: now + timedelta(hours=1)
    return fixture, await make_keys(session, app, fixture.places)


async def stored_vote(session, vote_id: uuid.UUID) -> Vote:  # type: ignore[no-untyped-def]
    vote = await session.get(Vote, vote_id, populate_existing=True)
    assert vote is not None
    return vote


async def notices_of(session, vote_id: uuid.UUID) -> list[Notice]:  # type: ignore[no-untyped-def]
    statement = sa.select(Notice).where(Notice.vote_id == vote_id).order_by(Notice.published_at, Notice.id)
    return list((await session.scalars(statement)).all())


def problem_code(response) -> str:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    code: str = response.json()["code"]
    return code
