"""A whole vote through the API: publish → notice period → vote → close without traffic → result (issue #5).

The estate is RULES.md section P (8 heads, 90000 area units). Six voter groups vote on an ORDINARY and a
SPECIAL yes/no topic, a single-choice topic and an election; the published result of every topic must equal
what the law core computes directly from the same answers and weights.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.identity.models import Role
from app.result.lifecycle import run_due_transitions
from app.rules.categories import Category, statutory_rule
from app.rules.choices import Choice
from app.rules.counts import Weight
from app.rules.elections import ElectionBallot, ElectionConfig, tally_election
from app.rules.options import OptionKind, count_option_ballots, decide_options
from app.rules.tally import count_ballots, decide
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # T8: 15 clear days after 2025-03-01
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
QIAN = "110105198405050057"  # 钱五: {E} 9000
ZHOU = "11010519850606006X"  # 周八: {H} 7550, delivered but unregistered
TOTAL = Weight(8, 90000)
CANDIDATES = [f"c{number}" for number in range(1, 8)]


def _topics():
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
    ]  # fmt: skip


# Each voting group: (owner ID numbers, weight, ordinary, special, option, approved candidates)
GROUPS = {
    "A": ((WANG,), Weight(1, 18000), "AGREE", "AGREE", "A", CANDIDATES[:5]),
    "BC": ((LI, ZHANG), Weight(1, 12000), "AGREE", "OPPOSE", "A", CANDIDATES[:7]),
    "D": ((ZHAO,), Weight(1, 9000), "OPPOSE", "AGREE", "B", CANDIDATES[1:6]),
    "E": ((QIAN,), Weight(1, 9000), "ABSTAIN", "AGREE", "ABSTAIN", CANDIDATES[:3]),
    "H": ((ZHOU,), Weight(1, 7550), "AGREE", "AGREE", "A", CANDIDATES[2:7]),
    "B": ((LI,), Weight(1, 6450), "AGREE", "ABSTAIN", "C", CANDIDATES[:4]),
}


async def test_a_vote_from_notice_to_published_result(client, session, app, repo_root):
    app.state.clock = lambda: PUBLISHED
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201

    # Draft and publish the notice: the roll is frozen at publication (R-ROLL-1).
    vote = await client.post(
        f"/api/v1/estates/{places.estate.id}/votes",
        json={
            "title": "2025年第一次业主大会会议",
            "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": STARTS.isoformat(),
            "ends_at": ENDS.isoformat(),
            "notice_text": "会议公告",
        },
        headers=committee,
    )
    assert vote.status_code == 201, vote.text
    vote_id = vote.json()["id"]
    topic_ids = []
    for topic in _topics():
        created = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        topic_ids.append(created.json()["id"])
    published = await client.post(f"/api/v1/votes/{vote_id}/publish", headers=committee)
    assert published.status_code == 200, published.text
    assert published.json()["totals"]["heads"] == 8
    assert published.json()["totals"]["area"] == 90000

    # Owners: verified accounts; each casts for its group once the window opens.
    accounts = {}
    for numbers, *_ in GROUPS.values():
        for number in numbers:
            if number not in accounts:
                accounts[number] = await make_account(
                    session, app.state.cipher, owner_id=await owner_id(session, app, number)
                )
    await session.commit()
    owner = accounts[WANG]
    too_early = await client.post(
        f"/api/v1/votes/{vote_id}/ballots", json={"group_id": "0" * 32, "answers": {}}, headers=bearer(app, owner)
    )
    assert too_early.status_code in (404, 409)

    app.state.clock = lambda: STARTS + timedelta(days=1)
    caster_groups = {}
    for name, (numbers, _weight, ordinary, special, option, approved) in GROUPS.items():
        caster = accounts[numbers[0]]
        mine = (await client.get("/api/v1/me/groups", headers=bearer(app, caster))).json()["items"]
        wanted = {"A": 18000, "BC": 12000, "D": 9000, "E": 9000, "H": 7550, "B": 6450}[name]
        group = next(item for item in mine if item["area"] == wanted)
        caster_groups[name] = group["group_key"]
        answers = {
            topic_ids[0]: ordinary,
            topic_ids[1]: special,
            topic_ids[2]: option,
            topic_ids[3]: {c: ("AGREE" if c in approved else "OPPOSE") for c in CANDIDATES},
        }
        cast = await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group["group_key"], "answers": answers},
            headers=bearer(app, caster),
        )
        assert cast.status_code == 201, (name, cast.text)

    turnout = (await client.get(f"/api/v1/votes/{vote_id}/turnout", headers=committee)).json()
    assert "AGREE" not in str(turnout)  # R-LIFE-7: participation only
    sealed = await client.get(f"/api/v1/votes/{vote_id}/result", headers=committee)
    assert sealed.status_code == 409

    # The window ends; the service closes and decides without any request (R-LIFE-8).
    app.state.clock = lambda: ENDS
    assert await run_due_transitions(app.state.sessionmaker, ENDS) == 1
    result = await client.get(f"/api/v1/votes/{vote_id}/result", headers=committee)
    assert result.status_code == 200, result.text
    by_topic = {topic["topic_id"]: topic for topic in result.json()["topics"]}

    ordinary = decide(
        count_ballots([(g[1], Choice(g[2])) for g in GROUPS.values()], TOTAL), statutory_rule(Category.ORDINARY)
    )
    special = decide(
        count_ballots([(g[1], Choice(g[3])) for g in GROUPS.values()], TOTAL), statutory_rule(Category.SPECIAL)
    )
    option_answers = [(g[1], Choice.ABSTAIN if g[4] == "ABSTAIN" else g[4]) for g in GROUPS.values()]
    options = decide_options(
        count_option_ballots(OptionKind.SINGLE_CHOICE, ["A", "B", "C"], option_answers, TOTAL),
        statutory_rule(Category.ORDINARY),
    )
    election = tally_election(
        ElectionConfig(member_seats=5, alternate_seats=2, households=300, candidates=tuple(CANDIDATES)),
        TOTAL,
        [
            ElectionBallot(g[1], {c: Choice.AGREE if c in g[5] else Choice.OPPOSE for c in CANDIDATES})
            for g in GROUPS.values()
        ],
    )
    assert by_topic[topic_ids[0]]["evidence"] == ordinary.to_dict()
    assert by_topic[topic_ids[1]]["evidence"] == special.to_dict()
    assert by_topic[topic_ids[2]]["evidence"] == options.to_dict()
    assert by_topic[topic_ids[3]]["evidence"] == election.to_dict()
    # Spot-check the law itself: 6 of 8 heads and 62000 of 90000 take part (≥ 2/3 both).
    assert ordinary.outcome.value == "PASSED"  # 4 heads / 44000 agree of 6 / 62000: 8 > 6 and 88000 > 62000
    assert special.outcome.value == "REJECTED"  # 4*4=16 < 3*6=18 heads (R-CAT-1 SPECIAL)
    assert by_topic[topic_ids[0]]["outcome"] == "PASSED"
    units = {unit["area"] for unit in result.json()["participating_units"]}
    assert 7550 in units  # R-PUB-1: units and areas, no names
    assert "王一" not in result.text
