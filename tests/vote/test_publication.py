"""Publication of the notice (R-LIFE-2..5, R-ROLL-1, R-ROLL-4, R-ROLL-6) and the freeze after it (R-LIFE-4)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.vote.models import RollGroup
from tests.vote.helpers import (
    EARLIEST_START,
    PDF,
    PUBLISHED_AT,
    SAMPLE_RESIDENTIAL_UNITS,
    SHANGHAI,
    WINDOW_END,
    add_topic,
    consultation,
    create_vote,
    election,
    fund_raise,
    make_estate,
    notice_hash_of,
    prepare_candidates,
    problem_code,
    published_vote,
    single_choice,
    topic_hash_of,
    yes_no,
)


async def test_topics_of_every_kind_publish_with_stable_recomputable_hashes(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(
        client, estate, voting_method="MIXED", extension_rule=None, paper_ballot_place="业委会办公室（1号楼101）"
    )
    assert vote["status"] == "DRAFT"
    assert vote["effective_status"] == "DRAFT"
    assert vote["earliest_voting_start"] == "2025-03-17T00:00:00+08:00"  # R-LIFE-3
    kinds = [yes_no(), fund_raise(), single_choice(), consultation(), election()]
    topics = [await add_topic(client, estate, vote["id"], topic) for topic in kinds]
    await prepare_candidates(client, estate, vote["id"], topics[4])
    assert [t["position"] for t in topics] == [1, 2, 3, 4, 5]
    assert [t["category"] for t in topics] == ["ORDINARY", "SPECIAL", "ORDINARY", "ORDINARY", "ORDINARY"]
    assert topics[1]["rule"] == {  # R-CAT-1 statutory SPECIAL: >= 2/3 quorum, >= 3/4 approval
        "quorum": {"num": 2, "den": 3, "strict": False},
        "approval": {"num": 3, "den": 4, "strict": False},
    }
    assert all(t["content_hash"] is None for t in topics)
    upload = await client.post(
        f"/api/v1/votes/{vote['id']}/topics/{topics[0]['id']}/attachments",
        files={"file": ("物业服务合同.pdf", PDF, "application/octet-stream")},
        headers=estate.committee,
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert upload.json()["content_type"] == "application/pdf"

    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 200, response.text
    published = response.json()
    assert published["status"] == "PUBLISHED"
    assert published["effective_status"] == "PUBLISHED"
    assert published["published_at"] == "2025-03-01T10:00:00+08:00"
    assert published["totals"] == {"heads": 8, "area": 90000, "area_m2": "900.00"}  # RULES.md section P
    assert len(published["roll_hash"]) == len(published["notice_hash"]) == 64
    assert published["register_version_id"]
    for topic in published["topics"]:
        assert topic["content_hash"] == topic_hash_of(topic)
    assert published["topics"][4]["election"]["households"] == SAMPLE_RESIDENTIAL_UNITS  # R-ELEC-12, hashed
    assert published["notice_hash"] == notice_hash_of(published)

    again = await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)
    assert again.json()["notice_hash"] == published["notice_hash"]
    assert notice_hash_of(again.json()) == published["notice_hash"]

    entry = await session.scalar(select(AuditEntry).where(AuditEntry.kind == "vote.published"))
    assert entry is not None
    assert entry.payload["notice_hash"] == published["notice_hash"]
    assert entry.payload["roll_hash"] == published["roll_hash"]
    assert [t["content_hash"] for t in entry.payload["topics"]] == [t["content_hash"] for t in published["topics"]]
    assert entry.payload["topics"][0]["attachments"] == [hashlib.sha256(PDF).hexdigest()]
    assert entry.payload["voting_method"] == "MIXED"  # R-TALLY-9: allowed, and recorded
    assert entry.payload["reported_to"] == ["RESIDENTS_COMMITTEE"]  # R-LIFE-2
    groups = await session.scalar(select(func.count()).select_from(RollGroup).where(RollGroup.vote_id == entry.vote_id))
    assert groups == 8


async def test_t8_start_on_day_15_is_refused_and_day_16_is_accepted(client, session, app):
    estate = await make_estate(session, app, client)
    app.state.clock = lambda: datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
    too_early = datetime(2025, 3, 16, 0, 0, tzinfo=SHANGHAI)
    vote = await create_vote(
        client, estate, starts_at=too_early.isoformat(), ends_at=(too_early + timedelta(days=8)).isoformat()
    )
    await add_topic(client, estate, vote["id"], yes_no())
    refused = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert refused.status_code == 422
    assert problem_code(refused) == "rules.notice_period_too_short"
    assert (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()["status"] == "DRAFT"

    moved = await client.patch(
        f"/api/v1/votes/{vote['id']}", json={"starts_at": "2025-03-17T00:00:00+08:00"}, headers=estate.committee
    )
    assert moved.status_code == 200, moved.text
    accepted = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["starts_at"] == "2025-03-17T00:00:00+08:00"


async def test_window_shorter_than_seven_days_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, ends_at=(EARLIEST_START + timedelta(days=6, hours=23)).isoformat())
    await add_topic(client, estate, vote["id"], yes_no())
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "rules.voting_window_too_short"


async def test_community_minimum_below_seven_days_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, min_window_days=5)
    await add_topic(client, estate, vote["id"], yes_no())
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "rules.voting_window_minimum_invalid"


async def test_community_minimum_longer_than_the_window_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, min_window_days=10)
    await add_topic(client, estate, vote["id"], yes_no())
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert problem_code(response) == "rules.voting_window_too_short"


async def test_inverted_window_is_refused_at_drafting(client, session, app):
    estate = await make_estate(session, app, client)
    response = await client.post(
        f"/api/v1/estates/{estate.id}/votes",
        json={
            "title": "t",
            "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": WINDOW_END.isoformat(),
            "ends_at": EARLIEST_START.isoformat(),
        },
        headers=estate.committee,
    )
    assert response.status_code == 422
    assert problem_code(response) == "rules.voting_window_inverted"


async def test_naive_datetimes_are_refused(client, session, app):
    estate = await make_estate(session, app, client)
    response = await client.post(
        f"/api/v1/estates/{estate.id}/votes",
        json={"title": "t", "organiser_kind": "OWNERS_COMMITTEE", "starts_at": "2025-03-17T00:00:00",
              "ends_at": "2025-03-24T00:00:00"},
        headers=estate.committee,
    )  # fmt: skip
    assert response.status_code == 422
    assert problem_code(response) == "request.invalid"


async def test_vote_without_topics_cannot_be_published(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate)
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "vote.no_topics"


async def test_no_register_means_no_publication(client, session, app):
    estate = await make_estate(session, app, client, register=False)
    vote = await create_vote(client, estate)
    await add_topic(client, estate, vote["id"], yes_no())
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "vote.no_register"


async def test_scope_too_narrow_for_an_election(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, scope_units=["1-1-101", "1-2-202"])
    await add_topic(client, estate, vote["id"], election())
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "vote.scope_too_narrow"
    assert "ELECT_COMMITTEE" in response.json()["messages"]["en"]


async def test_fund_use_in_a_scope_of_two_units_totals_the_scoped_roll(client, session, app):
    estate = await make_estate(session, app, client)
    fund_use = yes_no(title="使用维修资金维修1号楼屋面", text="费用由1号楼分摊。", matters=["FUND_USE"])
    published = await published_vote(client, estate, fund_use, scope_units=["1-2-202", "1-1-101", "1-1-101"])
    assert published["scope_units"] == ["1-1-101", "1-2-202"]
    # 1-1-101 (王一, 100.00 m²) and 1-2-202 (赵四, 90.00 m²): two heads, 190.00 m² (R-ROLL-4, R-AREA-4).
    assert published["totals"] == {"heads": 2, "area": 19000, "area_m2": "190.00"}
    assert published["notice_hash"] == notice_hash_of(published)


async def test_unknown_scope_unit_is_refused_at_publication(client, session, app):
    estate = await make_estate(session, app, client)
    vote = await create_vote(client, estate, scope_units=["1-1-101", "9-9-999"])
    await add_topic(client, estate, vote["id"], yes_no(matters=["FUND_USE"]))
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 422
    assert problem_code(response) == "roll.scope_unknown_unit"


async def test_republishing_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    response = await client.post(f"/api/v1/votes/{published['id']}/publish", headers=estate.committee)
    assert response.status_code == 409
    assert problem_code(response) == "vote.already_published"


async def test_every_change_after_publication_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    vote_id, topic_id = published["id"], published["topics"][0]["id"]
    base = f"/api/v1/votes/{vote_id}"
    attempts = [
        ("PATCH", base, {"json": {"title": "改"}}),
        ("PATCH", base, {"json": {"ends_at": (WINDOW_END + timedelta(days=3)).isoformat()}}),
        ("PATCH", f"{base}/topics/{topic_id}", {"json": {"text": "改"}}),
        ("DELETE", f"{base}/topics/{topic_id}", {}),
        ("POST", f"{base}/topics/{topic_id}/attachments", {"files": {"file": ("a.pdf", PDF, "application/pdf")}}),
    ]
    for method, url, kwargs in attempts:
        response = await client.request(method, url, headers=estate.committee, **kwargs)
        assert response.status_code == 409, (method, url, response.text)
        assert problem_code(response) == "vote.frozen"
    added = await client.post(f"{base}/topics", json=fund_raise(), headers=estate.committee)
    assert added.status_code == 409
    assert problem_code(added) == "vote.topic_added_after_publication"
    after = (await client.get(base, headers=estate.committee)).json()
    assert after["notice_hash"] == published["notice_hash"]
    assert after["title"] == published["title"]
    assert len(after["topics"]) == 1


async def test_effective_status_follows_the_clock(client, session, app):
    estate = await make_estate(session, app, client)
    published = await published_vote(client, estate)
    url = f"/api/v1/votes/{published['id']}"
    app.state.clock = lambda: EARLIEST_START
    assert (await client.get(url, headers=estate.committee)).json()["effective_status"] == "OPEN"
    app.state.clock = lambda: WINDOW_END
    assert (await client.get(url, headers=estate.committee)).json()["effective_status"] == "CLOSED"
    app.state.clock = lambda: PUBLISHED_AT
    listed = await client.get(f"/api/v1/estates/{estate.id}/votes", headers=estate.committee)
    assert [item["effective_status"] for item in listed.json()["items"]] == ["PUBLISHED"]
