"""R-SUP-2: the residents' committee (OBSERVER of the community) observes (列席) and changes nothing.

It sees the vote, its participation progress and the published result (Beijing Art. 35(4)); every supervision
action and every write is refused with 403; per-unit ballots are not for it (R-PUB-2).
"""

from __future__ import annotations

from datetime import timedelta

from app.vote.models import VoteStatus
from tests.supervision.helpers import BODY, T0, decided_vote, open_vote, problem_code, stored_vote

GROUP = "0" * 32
SHA = "0" * 64


async def test_observer_sees_vote_turnout_and_published_result(client, session, app, sessionmaker):
    fixture, keys = await decided_vote(session, app, sessionmaker)
    vote_id = fixture.vote.id
    vote = await client.get(f"/api/v1/votes/{vote_id}", headers=keys.observer)
    assert vote.status_code == 200
    assert vote.json()["effective_status"] == "RESULT_PUBLISHED"
    turnout = await client.get(f"/api/v1/votes/{vote_id}/turnout", headers=keys.observer)
    assert turnout.status_code == 200
    assert turnout.json()["participating"] == {"heads": 6, "area": 77550, "area_m2": "775.50"}
    result = await client.get(f"/api/v1/votes/{vote_id}/result", headers=keys.observer)
    assert result.status_code == 200
    assert result.json()["topics"][0]["outcome"] == "PASSED"
    listed = await client.get(f"/api/v1/estates/{fixture.places.estate.id}/votes", headers=keys.observer)
    assert [item["id"] for item in listed.json()["items"]] == [str(vote_id)]
    supervision = await client.get(f"/api/v1/votes/{vote_id}/supervision", headers=keys.observer)
    assert supervision.status_code == 200


async def test_observer_of_another_community_sees_nothing(client, session, app):
    fixture, keys = await open_vote(session, app)
    other = await open_vote(session, app, now=T0)
    for path in ("", "/turnout", "/supervision"):
        response = await client.get(f"/api/v1/votes/{other[0].vote.id}{path}", headers=keys.observer)
        assert response.status_code == 404, path
    assert (await client.get(f"/api/v1/votes/{fixture.vote.id}", headers=keys.observer)).status_code == 200


async def test_observer_is_refused_every_supervision_action_and_every_write(client, session, app, sessionmaker):
    fixture, keys = await decided_vote(session, app, sessionmaker)
    vote_id, estate_id = fixture.vote.id, fixture.places.estate.id
    topic_id = fixture.topics[0].id
    now = app.state.clock()
    order = {**BODY, "deadline": (now + timedelta(days=9)).isoformat()}
    writes = [
        ("POST", f"/api/v1/votes/{vote_id}/suspend", BODY),
        ("POST", f"/api/v1/votes/{vote_id}/resume", {**BODY, "ends_at": (now + timedelta(days=9)).isoformat()}),
        ("POST", f"/api/v1/votes/{vote_id}/terminate", BODY),
        ("POST", f"/api/v1/votes/{vote_id}/revoke", {**BODY, "topic_id": str(topic_id)}),
        ("POST", f"/api/v1/votes/{vote_id}/correction-orders", order),
        (
            "POST",
            f"/api/v1/votes/{vote_id}/court-revocation",
            {"judgment_ref": "（2025）京0105民初1号", "reason": "x", "topic_id": str(topic_id)},
        ),
        (
            "POST",
            f"/api/v1/estates/{estate_id}/votes",
            {
                "title": "临时业主大会",
                "organiser_kind": "OWNERS_COMMITTEE",
                "starts_at": (now + timedelta(days=20)).isoformat(),
                "ends_at": (now + timedelta(days=30)).isoformat(),
            },
        ),
        ("PATCH", f"/api/v1/votes/{vote_id}", {"title": "改名"}),
        (
            "POST",
            f"/api/v1/votes/{vote_id}/topics",
            {"title": "t", "text": "t", "kind": "YES_NO", "matters": ["HIRE_DISMISS_PROVIDER"],
             "declaration_property_management": True},
        ),
        ("DELETE", f"/api/v1/votes/{vote_id}/topics/{topic_id}", None),
        ("POST", f"/api/v1/votes/{vote_id}/publish", None),
        ("POST", f"/api/v1/votes/{vote_id}/errata", {"text": "更正"}),
        ("POST", f"/api/v1/votes/{vote_id}/cancel", {"reason": "撤销"}),
        ("POST", f"/api/v1/votes/{vote_id}/close", None),
        (
            "POST",
            f"/api/v1/votes/{vote_id}/paper-receptions",
            {"group_id": GROUP, "form": "SHEET", "scan_sha256": SHA},
        ),
        (
            "POST",
            f"/api/v1/votes/{vote_id}/counting-session",
            {"witnesses": [{"account_id": GROUP[:8] + "-0000-4000-8000-" + GROUP[:12], "role": "OWNER"}] * 2},
        ),
        (
            "POST",
            f"/api/v1/votes/{vote_id}/counting-session/ballots",
            {"reception_id": GROUP[:8] + "-0000-4000-8000-" + GROUP[:12], "answers": {}},
        ),
        ("GET", f"/api/v1/votes/{vote_id}/ballots", None),  # R-PUB-2: per-unit ballots are not for observers
    ]  # fmt: skip
    for method, url, body in writes:
        response = await client.request(method, url, json=body, headers=keys.observer)
        assert response.status_code == 403, (method, url, response.text)
        assert problem_code(response) == "auth.forbidden"
    assert (await stored_vote(session, vote_id)).status is VoteStatus.RESULT_PUBLISHED
