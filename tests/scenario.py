"""One whole vote through the API over the RULES.md section P estate, shared by the end-to-end and verifier tests.

The committee imports the register and publishes a notice on 2025-03-01 with five topics (ordinary, special,
single choice, election, consultation); six voter groups vote from 2025-03-18; the service closes and decides
at 2025-03-24 00:00 without a request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.common.access import Role
from app.transitions import run_due_transitions
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import convene

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # T8: 15 clear days after 2025-03-01
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
QIAN = "110105198405050057"
ZHOU = "11010519850606006X"
CANDIDATES = [f"c{number}" for number in range(1, 8)]
OWNER_NAMES = ("王一", "李二", "张三", "赵四", "钱五", "周八")


def topics() -> list[dict[str, Any]]:
    yes_no = {"kind": "YES_NO", "declaration_property_management": True, "text": "全文"}
    return [
        yes_no | {"title": "续聘物业服务企业", "matters": ["HIRE_DISMISS_PROVIDER"]},
        yes_no | {"title": "筹集专项维修资金", "matters": ["FUND_RAISE"]},
        {
            "title": "选择物业服务方案", "text": "全文", "kind": "SINGLE_CHOICE", "matters": ["SERVICE_TERMS"],
            "options": [{"id": option, "label": f"方案{option}"} for option in "ABC"],
            "declaration_property_management": True,
        },
        {
            "title": "选举业主委员会委员", "text": "全文", "kind": "ELECTION", "matters": ["ELECT_COMMITTEE"],
            "election": {"member_seats": 5, "alternate_seats": 2, "households": 300,
                         "candidates": [{"id": c, "name": f"候选人{c}"} for c in CANDIDATES]},
            "declaration_property_management": True,
        },
        {
            "title": "小区活动意见征询", "text": "全文", "kind": "CONSULTATION", "matters": ["OTHER_MAJOR_MATTER"],
            "options": [{"id": option, "label": f"活动{option}"} for option in "XYZ"],
            "declaration_property_management": True,
        },
    ]  # fmt: skip


# (owner ID numbers, group area, ordinary, special, option, approved candidates, consultation)
GROUPS = {
    "A": ((WANG,), 18000, "AGREE", "AGREE", "A", CANDIDATES[:5], ["X", "Y"]),
    "BC": ((LI, ZHANG), 12000, "AGREE", "OPPOSE", "A", CANDIDATES[:7], "ABSTAIN"),
    "D": ((ZHAO,), 9000, "OPPOSE", "AGREE", "B", CANDIDATES[1:6], ["Z"]),
    "E": ((QIAN,), 9000, "ABSTAIN", "AGREE", "ABSTAIN", CANDIDATES[:3], ["X"]),
    "H": ((ZHOU,), 7550, "AGREE", "AGREE", "A", CANDIDATES[2:7], ["X", "Y", "Z"]),
    "B": ((LI,), 6450, "AGREE", "ABSTAIN", "C", CANDIDATES[:4], "ABSTAIN"),
}


@dataclass(frozen=True)
class VoteRun:
    vote_id: str
    estate_id: str
    topic_ids: list[str]
    committee: dict[str, str]
    owner: dict[str, str]


async def run_vote(  # type: ignore[no-untyped-def]
    client, session, app, repo_root, *, published: datetime = PUBLISHED, paper_group: str | None = None
) -> VoteRun:
    """Import the section-P register, publish a notice at ``published``, let six groups vote, close and decide.

    With ``paper_group`` (a key of ``GROUPS``) the vote is MIXED and the organiser enters that group's paper
    ballot, received before its online one, which is therefore void (R-TALLY-9)."""
    app.state.clock = lambda: published
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201, imported.text
    vote = await client.post(
        f"/api/v1/estates/{places.estate.id}/votes",
        json={
            "title": "2025年第一次业主大会会议",
            "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": STARTS.isoformat(),
            "ends_at": ENDS.isoformat(),
            "notice_text": "会议公告",
            **({"voting_method": "MIXED"} if paper_group else {}),
        },
        headers=committee,
    )
    assert vote.status_code == 201, vote.text
    vote_id = vote.json()["id"]
    await convene(session, app.state.cipher, uuid.UUID(vote_id))  # R-CONV: a filed committee's signed decision
    await session.commit()
    topic_ids = []
    for topic in topics():
        created = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        topic_ids.append(created.json()["id"])
    response = await client.post(f"/api/v1/votes/{vote_id}/publish", headers=committee)
    assert response.status_code == 200, response.text

    accounts = {}
    for numbers, *_ in GROUPS.values():
        for number in numbers:
            if number not in accounts:
                accounts[number] = await make_account(
                    session, app.state.cipher, owner_id=await owner_id(session, app, number)
                )
    await session.commit()
    app.state.clock = lambda: STARTS + timedelta(days=1)
    for name, (numbers, area, ordinary, special, option, approved, consultation) in GROUPS.items():
        caster = accounts[numbers[0]]
        mine = (await client.get("/api/v1/me/groups", headers=bearer(app, caster))).json()["items"]
        group = next(item for item in mine if item["area"] == area)
        answers = {
            topic_ids[0]: ordinary,
            topic_ids[1]: special,
            topic_ids[2]: option,
            topic_ids[3]: {c: ("AGREE" if c in approved else "OPPOSE") for c in CANDIDATES},
            topic_ids[4]: consultation,
        }
        cast = await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group["group_key"], "answers": answers},
            headers=bearer(app, caster),
        )
        assert cast.status_code == 201, cast.text
        if name == paper_group:
            paper = await client.post(
                f"/api/v1/votes/{vote_id}/paper-ballots",
                json={
                    "group_id": group["group_key"], "answers": answers, "scan_sha256": "5" * 64,
                    "received_at": (STARTS + timedelta(hours=12)).isoformat(),
                },
                headers=committee,
            )  # fmt: skip
            assert paper.status_code == 201, paper.text
    app.state.clock = lambda: ENDS
    assert await run_due_transitions(app.state.sessionmaker, ENDS, keys=app.state.log_keys) == 1
    return VoteRun(vote_id, str(places.estate.id), topic_ids, committee, bearer(app, accounts[WANG]))
