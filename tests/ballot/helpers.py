"""Shared helpers for casting tests: owners of the section-P sample register and their voter groups."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from app.register.models import Owner
from app.vote.models import RollGroup
from tests.factories import bearer

WANG = "110105198001010016"  # 王一: units 1-1-101 and 1-1-102, one group (R-HEAD-1)
LI = "110105198102020029"  # 李二: co-owner of 1-2-201 with 张三, and sole owner of 3-1-102 (R-HEAD-3)
ZHANG = "110105198203030031"  # 张三
ZHAO = "110105198304040044"  # 赵四: 1-2-202


async def owner_id(session, app, id_number: str) -> uuid.UUID:
    index = app.state.cipher.blind_index("owner.identifier", id_number)
    found = await session.scalar(select(Owner.id).where(Owner.identifier_index == index))
    assert found is not None, "owner not in the register"
    return found


async def group_of(session, vote_id: uuid.UUID, *owner_ids: uuid.UUID) -> str:
    """The public group id of the group whose owner set is exactly ``owner_ids``."""
    wanted = sorted(str(owner) for owner in owner_ids)
    for row in await session.scalars(select(RollGroup).where(RollGroup.vote_id == vote_id)):
        if sorted(row.owner_ids) == wanted:
            return row.group_id
    raise AssertionError("no such group in the roll")


def answers_for(fixture, **overrides):
    """A complete, valid ballot for the fixture's topics: AGREE / first option / AGREE with the first 5 candidates."""
    answers = {}
    for topic in fixture.topics:
        if topic.kind.value == "YES_NO":
            answers[str(topic.id)] = "AGREE"
        elif topic.kind.value == "SINGLE_CHOICE":
            answers[str(topic.id)] = topic.options[0]["id"]
        elif topic.kind.value == "ELECTION":
            candidates = [c["id"] for c in topic.election["candidates"]]
            answers[str(topic.id)] = {c: ("AGREE" if i < 5 else "ABSTAIN") for i, c in enumerate(candidates)}
    answers.update(overrides)
    return answers


async def cast_over_its_own_client(app, fixture, account, group) -> httpx.Response:  # type: ignore[no-untyped-def]
    """One cast of ``account`` for ``group`` over a client of its own (races: one connection per request)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        return await client.post(
            f"/api/v1/votes/{fixture.vote.id}/ballots",
            json={"group_id": group, "answers": answers_for(fixture)},
            headers=bearer(app, account),
        )
