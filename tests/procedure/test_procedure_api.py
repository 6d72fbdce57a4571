"""The rules of procedure (议事规则) through the API (issue #18 item 4; R-PROC-1..8).

Section-P estate (8 heads, 90000). Every ballot is a paper ballot entered by the organiser in a MIXED vote, so the
same answers can be replayed under two rules versions.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.ledger.canonical import canonical_sha256
from app.notice.models import Notice
from app.rules.procedure import statutory
from app.rules.wording import ABSTENTION_RULE_ZH, BLANK_NOT_COUNTED_RULE_ZH
from app.vote.models import RollGroup
from tests.factories_vote import record_posting
from tests.result.helpers import GROUP_UNIT
from tests.vote.helpers import (
    SAMPLE,
    SHANGHAI,
    Estate,
    add_topic,
    count_paper_in_session,
    create_vote,
    fund_raise,
    make_estate,
    problem_code,
    receive_paper,
    upload_paper_scan,
    yes_no,
)

PAPER_BALLOT_PLACE = "业委会办公室（1号楼101）"  # R-NOTICE-1: a MIXED vote's notice says where paper ballots go
NOT_COUNTED_RULES = {
    "blank_ballots": "NOT_COUNTED",
    "thresholds": {"SPECIAL": {"approval": {"num": 3, "den": 4, "strict": False}}},
}
# FUND_RAISE (SPECIAL, ≥ 3/4): 5 groups agree (67000), H opposes (7550), E and B hand in blank papers (15450).
# Blanks as abstentions: 5/8 heads agree, 4*5=20 < 3*8=24: REJECTED. Not counted: 5/6, 20 >= 18, and area
# 4*67000=268000 >= 3*74550=223650, quorum 6/8 and 74550/90000: PASSED.
FUND_ANSWERS = dict.fromkeys(("A", "BC", "D", "F", "DEV"), "AGREE") | {"H": "OPPOSE", "E": "SPOILED", "B": "SPOILED"}
ALL_AGREE = dict.fromkeys(GROUP_UNIT, "AGREE")


def at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(f"2025-{day}T{hour:02d}:00:00").replace(tzinfo=SHANGHAI)


async def _groups(session, vote_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = (await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == uuid.UUID(vote_id)))).all()
    by_unit = {unit: row.group_id for row in rows for unit in row.unit_keys}
    return {name: by_unit[unit] for name, unit in GROUP_UNIT.items()}


async def _publish(
    client, app, estate: Estate, topic: dict[str, Any], *, on: datetime, start: datetime, end: datetime
) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    app.state.clock = lambda: on
    vote = await create_vote(
        client, estate, voting_method="MIXED", starts_at=start.isoformat(), ends_at=end.isoformat(),
        paper_ballot_place=PAPER_BALLOT_PLACE,
    )  # fmt: skip
    created = await add_topic(client, estate, vote["id"], topic)
    published = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert published.status_code == 200, published.text
    await record_posting(client, vote["id"], estate.committee, posted_at=on)  # R-NOTICE-3: posted as published
    return vote["id"], created["id"]


async def _paper(
    client, app, session, estate: Estate, vote_id: str, topic_id: str, answers: dict[str, str], *, on: datetime
) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The paper ballots received ``on`` (R-PAPER-1): reception id → answers, to be counted after the close."""
    app.state.clock = lambda: on
    groups = await _groups(session, vote_id)
    entries = {}
    for name, answer in answers.items():  # R-PAPER-4: one scan per paper
        scan = await upload_paper_scan(client, estate, vote_id, f"%PDF-1.4 paper ballot of {name}".encode())
        received = await receive_paper(client, estate, vote_id, groups[name], scan)
        assert received.status_code == 201, received.text
        entries[received.json()["id"]] = {topic_id: answer}
    return entries


async def _close(  # type: ignore[no-untyped-def]
    client, app, estate: Estate, vote_id: str, papers: dict[str, dict[str, Any]], *, on: datetime
) -> dict[str, Any]:
    """R-PAPER-3: a mixed vote closes when its paper ballots, counted in public ``on``, are signed off."""
    app.state.clock = lambda: on
    await count_paper_in_session(client, app, estate, vote_id, papers)
    result = await client.get(f"/api/v1/votes/{vote_id}/result", headers=estate.committee)
    assert result.status_code == 200, result.text
    (topic,) = result.json()["topics"]
    return topic  # type: ignore[no-any-return]


async def _published_payload(session, vote_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    statement = sa.select(AuditEntry.payload).where(
        AuditEntry.vote_id == uuid.UUID(vote_id), AuditEntry.kind == "vote.published"
    )
    return (await session.scalars(statement)).one()  # type: ignore[no-any-return]


async def _propose(client, estate: Estate, document: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    proposed = await client.post(
        f"/api/v1/estates/{estate.id}/procedure-rules", json={"document": document}, headers=estate.committee
    )
    assert proposed.status_code == 201, proposed.text
    return proposed.json()  # type: ignore[no-any-return]


async def test_adopted_rules_count_blank_papers_as_not_taking_part_for_later_votes_only(client, session, app):
    """Same paper ballots, two rules versions, two tallies; a vote keeps the version it was published under."""
    estate = await make_estate(session, app, client)
    statutory_hash = canonical_sha256(statutory().to_document())
    in_force = (
        await client.get(f"/api/v1/estates/{estate.id}/procedure-rules/in-force", headers=estate.committee)
    ).json()
    assert (in_force["version_id"], in_force["sha256"]) == (None, statutory_hash)

    version = await _propose(client, estate, NOT_COUNTED_RULES)
    assert version["document"]["blank_ballots"] == "NOT_COUNTED"
    assert version["adopted_at"] is None
    assert version["sha256"] == canonical_sha256(version["document"])
    adoption_topic = yes_no(
        title="修改业主大会议事规则", text="采用新的议事规则（空白票不计入）。", matters=["RULES_OF_PROCEDURE"]
    )
    adoption_vote, adoption_topic_id = await _publish(
        client, app, estate, adoption_topic | {"procedure_rules_id": version["id"]},
        on=at("03-01", 10), start=at("03-17"), end=at("03-24"),
    )  # fmt: skip
    # Published before the adoption: counted under the statutory defaults whatever happens later.
    before, before_topic = await _publish(
        client, app, estate, fund_raise(), on=at("03-01", 11), start=at("03-17"), end=at("04-01")
    )
    published = await _published_payload(session, before)
    assert published["procedure_rules"] == {"version_id": None, "sha256": statutory_hash}

    adoption_papers = await _paper(
        client, app, session, estate, adoption_vote, adoption_topic_id, ALL_AGREE, on=at("03-18", 9)
    )
    before_papers = await _paper(client, app, session, estate, before, before_topic, FUND_ANSWERS, on=at("03-18", 9))
    adopted = await _close(client, app, estate, adoption_vote, adoption_papers, on=at("03-24", 1))
    assert adopted["outcome"] == "PASSED"
    in_force = (
        await client.get(f"/api/v1/estates/{estate.id}/procedure-rules/in-force", headers=estate.committee)
    ).json()
    assert (in_force["version_id"], in_force["sha256"]) == (version["id"], version["sha256"])
    kinds = (await session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.estate_id == estate.id))).all()
    assert "procedure_rules.proposed" in kinds
    assert "procedure_rules.adopted" in kinds

    as_abstentions = await _close(client, app, estate, before, before_papers, on=at("04-01", 1))
    assert as_abstentions["outcome"] == "REJECTED"
    assert as_abstentions["evidence"]["participating"] == {"heads": 8, "area": 90000}

    after, after_topic = await _publish(
        client, app, estate, fund_raise(), on=at("04-01", 10), start=at("04-17"), end=at("04-24")
    )
    published = await _published_payload(session, after)
    assert published["procedure_rules"] == {"version_id": version["id"], "sha256": version["sha256"]}
    read = (await client.get(f"/api/v1/votes/{after}", headers=estate.committee)).json()
    assert read["procedure_rules_sha256"] == version["sha256"]
    assert read["topics"][0]["rule"]["blank_ballots"] == "NOT_COUNTED"
    notice = (
        await session.scalars(
            sa.select(Notice.body).where(Notice.vote_id == uuid.UUID(after), Notice.kind == "VOTE_NOTICE")
        )
    ).one()
    # R-PROC-3 / PROCEDURE W8: the notice states the rules' hash and, per topic (R-NOTICE-1), the blank-ballot rule.
    assert f"议事规则：本次表决适用业主大会通过的议事规则（SHA-256：{version['sha256']}）" in notice
    assert f"弃权与废票：{BLANK_NOT_COUNTED_RULE_ZH}" in notice
    before_notice = (
        await session.scalars(
            sa.select(Notice.body).where(Notice.vote_id == uuid.UUID(before), Notice.kind == "VOTE_NOTICE")
        )
    ).one()
    assert "议事规则" not in before_notice
    assert f"弃权与废票：{ABSTENTION_RULE_ZH}" in before_notice
    after_papers = await _paper(client, app, session, estate, after, after_topic, FUND_ANSWERS, on=at("04-18", 9))
    not_counted = await _close(client, app, estate, after, after_papers, on=at("04-24", 1))
    assert not_counted["outcome"] == "PASSED"
    assert not_counted["evidence"]["participating"] == {"heads": 6, "area": 74550}
    assert not_counted["evidence"]["spoiled"] == {"heads": 2, "area": 15450}
    assert not_counted["evidence"]["rule"]["blank_ballots"] == "NOT_COUNTED"


async def test_a_topic_delegating_the_choice_of_the_provider_to_the_committee_is_refused(client, session, app):
    """R-PROC-8, Beijing Art. 44 (last ¶): Art. 34(1)(4) stays with the owners; a tender (Art. 64) may be handed."""
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    delegating = yes_no(title="授权业主委员会选聘物业服务企业", delegates=["HIRE_DISMISS_PROVIDER"])
    refused = await client.post(f"/api/v1/votes/{vote['id']}/topics", json=delegating, headers=estate.committee)
    assert refused.status_code == 422, refused.text
    assert problem_code(refused) == "rules.delegation_forbidden"
    assert "第四十四条" in refused.json()["detail"]
    unknown = await client.post(
        f"/api/v1/votes/{vote['id']}/topics", json=yes_no(delegates=["DECIDE_ALL"]), headers=estate.committee
    )
    assert problem_code(unknown) == "rules.delegation_unknown"
    tender = await add_topic(
        client, estate, vote["id"], yes_no(title="授权业主委员会组织招标", delegates=["ORGANISE_TENDER"])
    )
    assert tender["delegates"] == ["ORGANISE_TENDER"]
    updated = await client.patch(
        f"/api/v1/votes/{vote['id']}/topics/{tender['id']}", json={"delegates": ["FUND_USE"]}, headers=estate.committee
    )
    assert problem_code(updated) == "rules.delegation_forbidden"


async def test_proposing_rules_is_for_organisers_and_never_looser_than_the_law(client, session, app):
    estate = await make_estate(session, app, client)
    loose = await client.post(
        f"/api/v1/estates/{estate.id}/procedure-rules",
        json={"document": {"thresholds": {"ORDINARY": {"quorum": {"num": 1, "den": 2, "strict": True}}}}},
        headers=estate.committee,
    )
    assert problem_code(loose) == "rules.threshold_too_loose"
    listed = await client.get(f"/api/v1/estates/{estate.id}/procedure-rules", headers=estate.committee)
    assert listed.json() == []
    version = await _propose(client, estate, {"include_parking": True})
    listed = await client.get(f"/api/v1/estates/{estate.id}/procedure-rules", headers=estate.committee)
    assert [item["id"] for item in listed.json()] == [version["id"]]


async def test_a_rules_topic_must_be_one_yes_no_decision_on_a_proposable_version(client, session, app):
    estate = await make_estate(session, app, client)
    other = await make_estate(session, app, client)
    version = await _propose(client, estate, {})
    foreign = await _propose(client, other, {})
    vote = await create_vote(client, estate)
    rules_topic = yes_no(title="议事规则", matters=["RULES_OF_PROCEDURE"])
    wrong_matter = await client.post(
        f"/api/v1/votes/{vote['id']}/topics", json=yes_no(procedure_rules_id=version["id"]), headers=estate.committee
    )
    assert problem_code(wrong_matter) == "procedure.topic_invalid"
    elsewhere = await client.post(
        f"/api/v1/votes/{vote['id']}/topics",
        json=rules_topic | {"procedure_rules_id": foreign["id"]},
        headers=estate.committee,
    )
    assert problem_code(elsewhere) == "procedure.rules_not_proposable"
    created = await add_topic(client, estate, vote["id"], rules_topic | {"procedure_rules_id": version["id"]})
    assert created["procedure_rules_sha256"] == version["sha256"]


async def test_under_adopted_rules_topic_thresholds_come_from_the_rules_and_parking_must_match(client, session, app):
    """R-PROC-7 (PROCEDURE D14) and R-AREA-3: once rules are adopted, the committee cannot set its own bar, and
    the roll must have been imported under the rules' parking flag."""
    estate = await make_estate(session, app, client)
    version = await _propose(client, estate, {"include_parking": True})
    rules_topic = yes_no(title="议事规则", matters=["RULES_OF_PROCEDURE"], procedure_rules_id=version["id"])
    adoption, topic_id = await _publish(
        client, app, estate, rules_topic, on=at("03-01", 10), start=at("03-17"), end=at("03-24")
    )
    papers = await _paper(client, app, session, estate, adoption, topic_id, ALL_AGREE, on=at("03-18", 9))
    assert (await _close(client, app, estate, adoption, papers, on=at("03-24", 1)))["outcome"] == "PASSED"

    app.state.clock = lambda: at("03-25", 10)
    vote = await create_vote(client, estate, starts_at=at("04-11").isoformat(), ends_at=at("04-18").isoformat())
    stricter = {"approval": {"num": 2, "den": 3, "strict": False}}
    await add_topic(client, estate, vote["id"], yes_no(rule=stricter))
    stale_register = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert problem_code(stale_register) == "procedure.register_predates_rules"
    reimported = await client.post(
        f"/api/v1/estates/{estate.id}/register/imports",
        files={"file": ("register.csv", SAMPLE.read_bytes(), "text/csv")},
        headers=estate.committee,
    )
    assert reimported.status_code == 201, reimported.text
    assert reimported.json()["totals"]["area"] == 91250  # the parking space now counts (R-AREA-3)
    refused = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert problem_code(refused) == "vote.topic_rule_not_from_rules"
    topic_id = (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()["topics"][0]["id"]
    cleared = await client.patch(
        f"/api/v1/votes/{vote['id']}/topics/{topic_id}", json={"rule": None}, headers=estate.committee
    )
    assert cleared.status_code == 200, cleared.text
    published = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert published.status_code == 200, published.text
    assert published.json()["procedure_rules_id"] == version["id"]
