"""The street office's jurisdiction view (issue #7 item 2): estates, votes with live turnout (R-LIFE-7), pending
identity reviews, decisions with their R-LIFE-8 deadlines, R-LIFE-11 regular-meeting warnings and overdue
correction orders, each checked at its exact boundary."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.common.access import Role
from app.common.schemas import beijing_rfc3339
from app.holidays import STATE_COUNCIL_CALENDAR
from app.identity.service import OPERATOR
from app.realname.models import ManualVerificationRequest, ReviewStatus
from app.register import estates
from app.register.estate_schemas import EstateCreate
from app.rules.publicity import app_publication_deadline, legal_publication_deadline
from app.supervision.service import regular_meeting_cutoff
from app.vote.models import VoteStatus
from tests.factories import DEVELOPER_CREDIT_CODE, Places, make_account, make_api_key, make_places
from tests.factories_vote import make_vote
from tests.result.helpers import cast_directly
from tests.supervision.helpers import BODY, T0, make_keys

SECOND = timedelta(seconds=1)


async def _estate(session, app, places: Places, name: str) -> Places:  # type: ignore[no-untyped-def]
    """Another estate of the same community (and so of the same street office)."""
    estate = await estates.create_estate(
        session,
        OPERATOR,
        EstateCreate(
            community_id=places.community.id,
            name=name,
            developer_name="北京某某房地产开发有限公司",
            developer_credit_code=DEVELOPER_CREDIT_CODE,
        ),
        cipher=app.state.cipher,
    )
    await session.flush()
    return dataclasses.replace(places, estate=estate)


async def _overview(client, places: Places, headers):  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/street-offices/{places.street_office.id}/overview", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_who_sees_the_overview(client, session, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    keys = await make_keys(session, app, places)
    url = f"/api/v1/street-offices/{places.street_office.id}/overview"
    assert (await client.get(url, headers=keys.street_office)).status_code == 200
    assert (await client.get(url, headers=keys.admin)).status_code == 200
    for headers in (keys.other_street_office, keys.committee, keys.observer, keys.auditor):
        response = await client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    unknown = await client.get(f"/api/v1/street-offices/{uuid.uuid4()}/overview", headers=keys.admin)
    assert unknown.status_code == 404
    assert (await client.get(url)).status_code == 401


async def test_votes_with_live_turnout_and_pending_reviews(client, session, app):
    app.state.clock = lambda: T0 + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=T0)
    (topic,) = fixture.topics
    await cast_directly(session, fixture, "A", {topic: "AGREE"})
    account = await make_account(session, app.state.cipher)
    for status in (ReviewStatus.PENDING, ReviewStatus.PENDING, ReviewStatus.APPROVED):
        session.add(
            ManualVerificationRequest(
                account_id=account.id, estate_id=fixture.places.estate.id, identifier_ciphertext=b"x",
                identifier_index=uuid.uuid4().hex, identifier_last4="0016", claimed_name="-",
                document_type="ID_CARD", document_sha256="0" * 64, status=status,
            )
        )  # fmt: skip
    await session.commit()
    keys = await make_keys(session, app, fixture.places)

    overview = await _overview(client, fixture.places, keys.street_office)
    (estate,) = overview["estates"]
    assert estate["estate_id"] == str(fixture.places.estate.id)
    assert estate["pending_identity_reviews"] == 2
    (vote,) = overview["votes"]
    assert vote["effective_status"] == "OPEN"
    assert vote["participating"]["heads"] == 1
    assert vote["participating"]["area"] == 18000
    assert vote["total"]["heads"] == 8
    assert vote["participation_rate"]["heads"] == "12.50%"
    assert set(vote) >= {"participating", "total"}
    assert "topics" not in vote  # R-LIFE-7: participation only
    assert overview["decisions"] == []

    suspended = await client.post(f"/api/v1/votes/{fixture.vote.id}/suspend", json=BODY, headers=keys.street_office)
    assert suspended.status_code == 200
    overview = await _overview(client, fixture.places, keys.admin)
    assert overview["votes"][0]["effective_status"] == "SUSPENDED"


@pytest.mark.parametrize(
    ("offset", "overdue"),
    [(timedelta(0), False), (-SECOND, True), (SECOND, False)],
    ids=["closed-exactly-12-months-ago", "one-second-earlier", "one-second-later"],
)
async def test_r_life_11_regular_meeting_boundary(client, session, app, offset, overdue):
    now = datetime(2025, 6, 30, 8, 30, tzinfo=UTC)
    cutoff = regular_meeting_cutoff(now)
    assert cutoff == datetime(2024, 6, 30, 8, 30, tzinfo=UTC)
    app.state.clock = lambda: now
    fixture = await make_vote(session, app.state.cipher, now=cutoff + offset - timedelta(days=7))
    assert fixture.vote.ends_at == cutoff + offset
    quiet = await _estate(session, app, fixture.places, "无会议小区")
    await session.commit()
    keys = await make_keys(session, app, fixture.places)

    overview = await _overview(client, fixture.places, keys.street_office)
    assert overview["regular_meeting_cutoff"] == "2024-06-30T16:30:00+08:00"
    by_id = {item["estate_id"]: item for item in overview["estates"]}
    assert by_id[str(fixture.places.estate.id)]["regular_meeting_overdue"] is overdue
    assert by_id[str(fixture.places.estate.id)]["last_vote_closed_at"] is not None
    assert by_id[str(quiet.estate.id)]["regular_meeting_overdue"] is True  # never met
    assert by_id[str(quiet.estate.id)]["last_vote_closed_at"] is None
    expected = {str(quiet.estate.id)} | ({str(fixture.places.estate.id)} if overdue else set())
    assert set(overview["regular_meeting_overdue"]) == expected


async def test_r_life_11_counts_neither_suspended_nor_cancelled_nor_running_votes(client, session, app):
    now = datetime(2025, 6, 30, 8, 30, tzinfo=UTC)
    app.state.clock = lambda: now
    places = await make_places(session, app.state.cipher)
    for status, starts in (
        (VoteStatus.SUSPENDED, now - timedelta(days=20)),
        (VoteStatus.CANCELLED, now - timedelta(days=20)),
        (VoteStatus.PUBLISHED, now - timedelta(days=3)),  # still open: not closed yet
    ):
        estate = await _estate(session, app, places, f"小区{status.value}")
        await make_vote(session, app.state.cipher, now=starts, status=status, places=estate)
    await session.commit()
    keys = await make_keys(session, app, places)
    overview = await _overview(client, places, keys.street_office)
    assert all(item["regular_meeting_overdue"] for item in overview["estates"])
    assert len(overview["estates"]) == 4
    assert {item["effective_status"] for item in overview["votes"]} == {"SUSPENDED", "OPEN"}


@pytest.mark.parametrize(
    ("at", "flags"),
    [
        ("app_deadline_minus_1s", []),
        ("app_deadline", ["LATE_APP_STANDARD"]),
        ("legal_deadline_minus_1s", ["LATE_APP_STANDARD"]),
        ("legal_deadline", ["LATE_APP_STANDARD", "PAST_LEGAL_DEADLINE"]),
    ],
)
async def test_r_life_8_late_results_at_the_deadlines(client, session, app, at, flags):
    """A closed vote whose result nobody published (the runner has not run): flagged from each deadline on."""
    fixture = await make_vote(session, app.state.cipher, now=T0)
    await session.commit()
    closed_at = fixture.vote.ends_at  # 2025-03-24 00:00 Shanghai: decision day 03-23 (Sunday)
    deadlines = {
        "app_deadline_minus_1s": app_publication_deadline(closed_at, STATE_COUNCIL_CALENDAR) - SECOND,
        "app_deadline": app_publication_deadline(closed_at, STATE_COUNCIL_CALENDAR),
        "legal_deadline_minus_1s": legal_publication_deadline(closed_at, STATE_COUNCIL_CALENDAR) - SECOND,
        "legal_deadline": legal_publication_deadline(closed_at, STATE_COUNCIL_CALENDAR),
    }
    app.state.clock = lambda: deadlines[at]
    keys = await make_keys(session, app, fixture.places)
    overview = await _overview(client, fixture.places, keys.street_office)
    (decision,) = overview["decisions"]
    assert decision["vote_id"] == str(fixture.vote.id)
    assert decision["effective_status"] == "CLOSED"
    assert decision["decision_status"] == "PENDING"
    assert decision["result_published_at"] is None
    assert decision["flags"] == flags
    assert [item["vote_id"] for item in overview["late_results"]] == ([str(fixture.vote.id)] if flags else [])


@pytest.mark.parametrize(
    ("ends_at", "app_deadline", "legal_deadline", "flags_at"),
    [
        # Voting ends 24:00 Wed 2026-09-30: 10-01..07 are the National Day holiday (State Council notice of
        # 2025-11-04), so both deadlines are the end of Thu 10-08, not Thu 10-01 / Mon 10-05 (weekends only).
        pytest.param(
            "2026-10-01T00:00:00+08:00",
            "2026-10-09T00:00:00+08:00",
            "2026-10-09T00:00:00+08:00",
            {
                "2026-10-08T23:59:59+08:00": [],
                "2026-10-09T00:00:00+08:00": ["LATE_APP_STANDARD", "PAST_LEGAL_DEADLINE"],
            },
            id="national-day-2026-moves-the-deadlines",
        ),
        # Voting ends 24:00 Wed 2026-10-07: the 3rd day, Sat 10-10, is a make-up working day (调休上班), so the
        # legal deadline is its end, not the end of Mon 10-12.
        pytest.param(
            "2026-10-08T00:00:00+08:00",
            "2026-10-09T00:00:00+08:00",
            "2026-10-11T00:00:00+08:00",
            {
                "2026-10-10T23:59:59+08:00": ["LATE_APP_STANDARD"],
                "2026-10-11T00:00:00+08:00": ["LATE_APP_STANDARD", "PAST_LEGAL_DEADLINE"],
            },
            id="make-up-saturday-2026-10-10-is-a-working-day",
        ),
    ],
)
async def test_r_life_8_deadlines_follow_the_state_council_holidays(
    client, session, app, ends_at, app_deadline, legal_deadline, flags_at
):
    fixture = await make_vote(session, app.state.cipher, now=datetime.fromisoformat(ends_at) - timedelta(days=7))
    await session.commit()
    keys = await make_keys(session, app, fixture.places)
    for at, flags in flags_at.items():
        app.state.clock = lambda at=at: datetime.fromisoformat(at)
        (decision,) = (await _overview(client, fixture.places, keys.street_office))["decisions"]
        assert (decision["app_deadline"], decision["legal_deadline"]) == (app_deadline, legal_deadline)
        assert decision["flags"] == flags, at
        assert decision["calendar"] == "STATE_COUNCIL"


@pytest.mark.parametrize(
    ("ends_at", "app_deadline", "legal_deadline"),
    [
        # Voting ends 24:00 Tue 2026-12-29: the app deadline (end of Wed 12-30) is on the 2026 notice, but the
        # 3rd day is Fri 2027-01-01, New Year's Day, then the weekend; no 2027 notice is in the data yet.
        pytest.param(
            "2026-12-30T00:00:00+08:00", "2026-12-31T00:00:00+08:00", "2027-01-05T00:00:00+08:00", id="into-2027"
        ),
        # Voting ends 08:00 Tue 2100-06-01: no notice at all, and no fixed-date holiday in the way.
        pytest.param(
            "2100-06-01T08:00:00+08:00", "2100-06-03T00:00:00+08:00", "2100-06-05T00:00:00+08:00", id="year-2100"
        ),
    ],
)
async def test_r_life_8_deadline_in_a_year_without_holiday_data_is_provisional(
    client, session, app, ends_at, app_deadline, legal_deadline
):
    """A missing holiday notice never blocks the view: the deadline is counted with the fixed-date holidays and
    marked PROVISIONAL, since the notice may still move it."""
    end = datetime.fromisoformat(ends_at)
    fixture = await make_vote(session, app.state.cipher, now=end - timedelta(days=7))
    await session.commit()
    keys = await make_keys(session, app, fixture.places)
    app.state.clock = lambda: datetime.fromisoformat(legal_deadline)
    (decision,) = (await _overview(client, fixture.places, keys.street_office))["decisions"]
    assert (decision["app_deadline"], decision["legal_deadline"]) == (app_deadline, legal_deadline)
    assert decision["calendar"] == "PROVISIONAL"
    assert decision["flags"] == ["LATE_APP_STANDARD", "PAST_LEGAL_DEADLINE"]


async def test_decisions_show_publication_and_revocation(client, session, app, sessionmaker):
    from tests.supervision.helpers import decided_vote

    fixture, keys = await decided_vote(session, app, sessionmaker)
    overview = await _overview(client, fixture.places, keys.street_office)
    (decision,) = overview["decisions"]
    assert decision["decision_status"] == "IN_FORCE"
    assert decision["result_published_at"] is not None  # SPC Art. 12: the publication instant is evidence
    assert decision["flags"] == []
    assert overview["late_results"] == []
    revoked = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/revoke",
        json={**BODY, "topic_id": str(fixture.topics[0].id)},
        headers=keys.street_office,
    )
    assert revoked.status_code == 200
    overview = await _overview(client, fixture.places, keys.street_office)
    # R-SUP-7: the vote's only decision is revoked; the vote itself stays RESULT_PUBLISHED.
    assert overview["decisions"][0]["decision_status"] == "REVOKED_BY_STREET_OFFICE"
    assert overview["decisions"][0]["effective_status"] == "RESULT_PUBLISHED"


async def test_correction_orders_past_their_deadline_without_follow_up(client, session, app):
    app.state.clock = lambda: T0 + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=T0)
    await session.commit()
    keys = await make_keys(session, app, fixture.places)
    deadline = T0 + timedelta(days=3)
    url = f"/api/v1/votes/{fixture.vote.id}/correction-orders"
    first = await client.post(url, json={**BODY, "deadline": deadline.isoformat()}, headers=keys.street_office)
    second = await client.post(url, json={**BODY, "deadline": deadline.isoformat()}, headers=keys.street_office)
    assert first.status_code == second.status_code == 201
    first_id, second_id = first.json()["action"]["id"], second.json()["action"]["id"]
    follow = await client.post(f"{url}/{second_id}/follow-up", json=BODY, headers=keys.street_office)
    assert follow.status_code == 201

    app.state.clock = lambda: deadline - SECOND
    assert (await _overview(client, fixture.places, keys.street_office))["overdue_correction_orders"] == []
    app.state.clock = lambda: deadline
    (overdue,) = (await _overview(client, fixture.places, keys.street_office))["overdue_correction_orders"]
    assert overdue["order_id"] == first_id
    assert overdue["vote_id"] == str(fixture.vote.id)
    assert overdue["deadline"] == beijing_rfc3339(deadline)


async def test_a_revocation_supersedes_open_orders(client, session, app, sessionmaker):
    from tests.supervision.helpers import decided_vote

    fixture, keys = await decided_vote(session, app, sessionmaker)
    now = app.state.clock()
    url = f"/api/v1/votes/{fixture.vote.id}"
    order = await client.post(
        f"{url}/correction-orders",
        json={**BODY, "deadline": (now + timedelta(days=1)).isoformat()},
        headers=keys.street_office,
    )
    assert order.status_code == 201
    revocation = {**BODY, "topic_id": str(fixture.topics[0].id)}
    assert (await client.post(f"{url}/revoke", json=revocation, headers=keys.street_office)).status_code == 200
    app.state.clock = lambda: now + timedelta(days=2)
    assert (await _overview(client, fixture.places, keys.street_office))["overdue_correction_orders"] == []
    listed = (await client.get(f"{url}/supervision", headers=keys.observer)).json()
    assert listed["correction_orders"][0]["state"] == "SUPERSEDED"


async def test_other_streets_estates_are_not_in_the_overview(client, session, app):
    app.state.clock = lambda: T0
    mine = await make_places(session, app.state.cipher)
    theirs = await make_vote(session, app.state.cipher, now=T0)
    await session.commit()
    office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=mine.street_office.id
    )
    overview = await _overview(client, mine, office)
    assert [item["estate_id"] for item in overview["estates"]] == [str(mine.estate.id)]
    assert str(theirs.vote.id) not in str(overview)
