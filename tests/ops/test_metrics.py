"""``/metrics`` (issue #20 item 3): the series an operator watches, who may scrape them, nothing per owner."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.db.base import utcnow
from app.notice.models import OutboxStatus
from app.settings import Settings
from app.transitions import run_due_transitions
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account, make_places
from tests.factories_vote import make_vote, yes_no_topic
from tests.notice.helpers import notice_for, outbox_of
from tests.supervision.helpers import T0


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client: httpx.AsyncClient, **headers: str) -> dict:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


async def test_requests_are_counted_by_route_template_and_status_with_latencies(client):
    before = await scrape(client)
    missing = f"/api/v1/votes/{uuid.uuid4()}/turnout"
    for _ in range(3):
        assert (await client.get("/healthz")).status_code == 200
    assert (await client.get(missing)).status_code == 401  # anonymous
    assert (await client.get(f"/api/v1/nowhere/{uuid.uuid4()}")).status_code == 404
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("evote_http_requests_total", method="GET", route="/healthz", status="200") == 3
    template = "/api/v1/votes/{vote_id}/turnout"
    assert grew("evote_http_requests_total", method="GET", route=template, status="401") == 1
    assert grew("evote_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert grew("evote_http_request_duration_seconds_count", method="GET", route="/healthz") == 3
    assert value(after, "evote_http_request_duration_seconds_bucket", method="GET", route="/healthz", le="+Inf") >= 3
    # No concrete path, id or account ever becomes a label.
    response = await client.get("/metrics")
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", response.text)


async def test_casts_closes_and_the_database_pool_are_reported(client, session, app, sessionmaker):
    before = await scrape(client)
    now = T0 - timedelta(days=30)
    fixture = await make_vote(session, app.state.cipher, now=now, topics=[yes_no_topic()])
    app.state.clock = lambda: now + timedelta(hours=1)
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    cast = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert cast.status_code == 201, cast.text
    again = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert again.status_code == 409  # refused: not a cast
    moved = await run_due_transitions(sessionmaker, T0, keys=app.state.log_keys)  # the window has long ended
    assert moved >= 1
    after = await scrape(client)
    assert value(after, "evote_ballots_cast_total") - value(before, "evote_ballots_cast_total") == 1
    assert value(after, "evote_votes_closed_total") - value(before, "evote_votes_closed_total") == moved
    for name in ("evote_db_pool_connections_in_use", "evote_db_pool_connections_open", "evote_db_pool_capacity"):
        assert (name, ()) in after, name


async def test_log_integration_lag_and_the_outbox_are_read_from_the_database(client, session, app):
    places = await make_places(session, app.state.cipher)
    notices = [await notice_for(session, places) for _ in range(3)]
    scraped_at = utcnow() + timedelta(seconds=120)  # the entries are written at the real time, unintegrated
    for notice in notices[1:]:
        (await outbox_of(session, notice)).status = OutboxStatus.DEAD
    (await outbox_of(session, notices[0])).next_attempt_at = scraped_at - timedelta(seconds=40)
    await session.commit()
    app.state.clock = lambda: scraped_at
    found = await scrape(client)
    assert value(found, "evote_database_up") == 1
    assert value(found, "evote_log_unintegrated_entries") >= 3  # each notice.published entry
    assert value(found, "evote_log_integration_lag_seconds") >= 119
    assert value(found, "evote_outbox_pending_messages") >= 1
    assert value(found, "evote_outbox_oldest_pending_seconds") >= 40
    assert value(found, "evote_outbox_dead_messages") >= 2


@pytest.mark.parametrize(
    ("settings_update", "peer", "authorization", "allowed"),
    [
        ({}, "127.0.0.1", None, True),  # nothing configured: loopback only
        ({}, "10.0.0.9", None, False),
        ({"metrics_allow_ips": "10.0.0.0/24"}, "10.0.0.9", None, True),
        ({"metrics_allow_ips": "10.0.0.0/24"}, "127.0.0.1", None, False),
        ({"metrics_token": "t" * 32}, "127.0.0.1", None, False),  # a token set: loopback needs it too
        ({"metrics_token": "t" * 32}, "203.0.113.7", "Bearer " + "t" * 32, True),
        ({"metrics_token": "t" * 32}, "203.0.113.7", "Bearer " + "u" * 32, False),
        ({"metrics_token": "t" * 32, "metrics_allow_ips": "10.0.0.0/24"}, "10.0.0.9", None, True),
    ],
)
async def test_who_may_scrape(app, test_settings, settings_update, peer, authorization, allowed):
    app.state.settings = test_settings.model_copy(update=settings_update)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(peer, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        headers = {"Authorization": authorization} if authorization else {}
        response = await client.get("/metrics", headers=headers)
    if allowed:
        assert response.status_code == 200
        assert "evote_http_requests_total" in response.text
    else:
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "evote_" not in response.text


def test_metrics_settings_are_checked():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="EVOTE_METRICS_TOKEN must be at least 16"):
        Settings(_env_file=None, metrics_token="short")
    with pytest.raises(ValidationError, match="EVOTE_METRICS_ALLOW_IPS"):
        Settings(_env_file=None, metrics_allow_ips="10.0.0.0/24,monitoring")
