"""Who sees what, when (R-LIFE-7 sealed counts, R-PUB-1..3, R-PUB-2 per-unit ballots, owners' own ballot)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.ballot.models import BallotStatus
from app.common.access import Role, Scope
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import election_topic, make_vote, option_topic, yes_no_topic
from tests.result.helpers import WANG_YI_ID_NUMBER, cast_directly, owner_id

T0 = datetime(2025, 3, 16, 16, 0, tzinfo=UTC)
LI_ER_ID_NUMBER = "110105198102020029"  # 李二: in {B, C} and alone in {B} (R-HEAD-3: two groups)
ELECTION_ANSWER = {"c1": "AGREE", "c2": "AGREE", "c3": "OPPOSE", "c4": "ABSTAIN", "c5": "AGREE", "c6": "OPPOSE",
                   "c7": "AGREE"}  # fmt: skip


async def _vote_with_ballots(session, app):
    """Three topics; A, {B,C} and D have voted, E's ballot is void."""
    fixture = await make_vote(
        session, app.state.cipher, now=T0, topics=[yes_no_topic(), option_topic(), election_topic()]
    )
    yes_no, single, election = fixture.topics
    for group, answer, option in (("A", "AGREE", "A"), ("BC", "OPPOSE", "B"), ("D", "AGREE", "A")):
        await cast_directly(session, fixture, group, {yes_no: answer, single: option, election: ELECTION_ANSWER})
    await cast_directly(
        session, fixture, "E", {yes_no: "AGREE", single: "A", election: ELECTION_ANSWER}, status=BallotStatus.VOID
    )
    await session.commit()
    return fixture


async def _key(session, app, role, fixture):
    places = fixture.places
    place = {
        Role.ADMIN: {},
        Role.STREET_OFFICE: {"street_office_id": places.street_office.id},
        Role.COMMITTEE: {"estate_id": places.estate.id},
        Role.AUDITOR: {"estate_id": places.estate.id},
        Role.OBSERVER: {"community_id": places.community.id},
    }[role]
    return await make_api_key(session, app.state.token_hasher, role=role, **place)


async def _owner_account(session, app, id_number):
    account = await make_account(
        session, app.state.cipher, owner_id=await owner_id(session, app.state.cipher, id_number)
    )
    await session.commit()
    return account


async def _owner(session, app, id_number):
    """A token for the owner's account, issued at the app clock's current time (it lives 15 minutes)."""
    return bearer(app, await _owner_account(session, app, id_number))


async def _close(client, app, fixture, headers):
    app.state.clock = lambda: fixture.vote.ends_at
    response = await client.post(f"/api/v1/votes/{fixture.vote.id}/close", headers=headers)
    assert response.status_code == 200, response.text


# --- turnout (R-LIFE-7) -------------------------------------------------------------------------------------


async def test_turnout_during_voting_shows_participation_only(backend, app, client, session):
    fixture = await _vote_with_ballots(session, app)
    app.state.clock = lambda: T0 + timedelta(days=1)
    url = f"/api/v1/votes/{fixture.vote.id}/turnout"
    for role in (Role.COMMITTEE, Role.STREET_OFFICE, Role.OBSERVER, Role.AUDITOR, Role.ADMIN):
        response = await client.get(url, headers=await _key(session, app, role, fixture))
        assert response.status_code == 200, (role, response.text)
    body = response.json()
    assert body["status"] == "OPEN"
    assert body["participating"] == {"heads": 3, "area": 39000, "area_m2": "390.00"}  # E's void ballot is out
    assert body["total"] == {"heads": 8, "area": 90000, "area_m2": "900.00"}
    assert body["not_participating"] == {"heads": 5, "area": 51000, "area_m2": "510.00"}
    assert body["participation_rate"] == {"heads": "37.50%", "area": "43.33%"}
    assert set(body) == {
        "vote_id", "status", "as_of", "starts_at", "ends_at", "total", "participating", "not_participating",
        "participation_rate",
    }  # fmt: skip
    assert find_sealed_counts(body, option_ids={"A", "B", "C"}) == []

    owner = await _owner(session, app, WANG_YI_ID_NUMBER)
    assert (await client.get(url, headers=owner)).status_code == 200  # owners in the roll see participation
    stranger = await make_account(session, app.state.cipher)
    await session.commit()
    assert (await client.get(url, headers=bearer(app, stranger))).status_code == 404
    other = await make_vote(session, app.state.cipher, now=T0)
    response = await client.get(url, headers=await _key(session, app, Role.COMMITTEE, other))
    assert response.status_code == 404


async def test_status_is_applied_on_read_before_any_transition_runs(backend, app, client, session):
    fixture = await _vote_with_ballots(session, app)
    headers = await _key(session, app, Role.COMMITTEE, fixture)
    url = f"/api/v1/votes/{fixture.vote.id}"
    app.state.clock = lambda: T0 - timedelta(days=1)
    assert (await client.get(url + "/turnout", headers=headers)).json()["status"] == "PUBLISHED"
    app.state.clock = lambda: fixture.vote.ends_at  # stored status still PUBLISHED: the clock decides
    assert (await client.get(url + "/turnout", headers=headers)).json()["status"] == "CLOSED"
    response = await client.get(url + "/result", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.result_not_published"
    assert "CLOSED" in response.json()["messages"]["en"]
    # Ended, not yet closed by the background task: ask again after it has run (issue #19 item 6).
    assert (response.headers["Retry-After"], response.json()["retry_after"]) == ("15", 15)
    units = await client.get(url + "/result/units", headers=headers)
    assert (units.status_code, units.headers["Retry-After"]) == (409, "15")


# --- result (R-LIFE-7, R-PUB-1, R-PUB-3) ---------------------------------------------------------------------


async def test_result_is_sealed_until_published(backend, app, client, session):
    fixture = await _vote_with_ballots(session, app)
    committee = await _key(session, app, Role.COMMITTEE, fixture)
    owner_account = await _owner_account(session, app, WANG_YI_ID_NUMBER)
    url = f"/api/v1/votes/{fixture.vote.id}/result"
    app.state.clock = lambda: T0 + timedelta(days=1)
    for headers in (committee, bearer(app, owner_account)):
        response = await client.get(url, headers=headers)
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "vote.result_not_published"
        wait = int((fixture.vote.ends_at - (T0 + timedelta(days=1))).total_seconds())  # sealed until the end
        assert (response.headers["Retry-After"], response.json()["retry_after"]) == (str(wait), wait)
    await _close(client, app, fixture, committee)
    for role in (Role.OBSERVER, Role.AUDITOR, Role.STREET_OFFICE):
        assert (await client.get(url, headers=await _key(session, app, role, fixture))).status_code == 200
    response = await client.get(url, headers=bearer(app, owner_account))  # R-PUB-1: to all owners in scope
    assert response.status_code == 200
    assert find_sealed_counts(response.json(), option_ids={"A", "B", "C"}) != []  # the scanner does see counts
    stranger = await make_account(session, app.state.cipher)
    await session.commit()
    assert (await client.get(url, headers=bearer(app, stranger))).status_code == 404


# --- per-unit ballots (R-PUB-2) ------------------------------------------------------------------------------


async def test_per_unit_ballots_for_organiser_and_supervisors_after_close_with_each_access_logged(
    backend, app, client, session
):
    fixture = await _vote_with_ballots(session, app)
    committee = await _key(session, app, Role.COMMITTEE, fixture)
    url = f"/api/v1/votes/{fixture.vote.id}/ballots"
    app.state.clock = lambda: T0 + timedelta(days=1)
    response = await client.get(url, headers=committee)
    assert response.status_code == 409
    assert response.json()["code"] == "result.ballots_sealed"

    await _close(client, app, fixture, committee)
    response = await client.get(url, headers=committee)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert len(items) == 4  # A, {B,C}, D counted and E's void ballot with its reason
    statuses = sorted(b["status"] for item in items for b in item["ballots"])
    assert statuses == ["COUNTED", "COUNTED", "COUNTED", "VOID"]
    rooms = {(u["building"], u["entrance"], u["room"]) for item in items for u in item["units"]}
    assert ("1", "1", "101") in rooms
    assert ("1", "1", "102") in rooms
    assert "王一" not in response.text
    assert WANG_YI_ID_NUMBER not in response.text

    page = await client.get(url, params={"limit": 3}, headers=committee)
    assert len(page.json()["items"]) == 3
    assert page.json()["next_cursor"]
    rest = await client.get(url, params={"cursor": page.json()["next_cursor"]}, headers=committee)
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None

    for role in (Role.STREET_OFFICE, Role.ADMIN):
        assert (await client.get(url, headers=await _key(session, app, role, fixture))).status_code == 200
    for role in (Role.OBSERVER, Role.AUDITOR):
        assert (await client.get(url, headers=await _key(session, app, role, fixture))).status_code == 403
    other = await make_vote(session, app.state.cipher, now=T0)
    assert (await client.get(url, headers=await _key(session, app, Role.COMMITTEE, other))).status_code == 404
    owner = await _owner(session, app, WANG_YI_ID_NUMBER)  # issued at the clock (after close)
    assert (await client.get(url, headers=owner)).status_code == 404

    viewed = (
        await session.scalars(
            sa.select(AuditEntry).where(AuditEntry.vote_id == fixture.vote.id, AuditEntry.kind == "ballots.viewed")
        )
    ).all()
    assert len(viewed) == 5  # committee ×3 (one per page), street office, admin; refusals are not views
    assert {entry.payload["viewer"] for entry in viewed} >= {"apikey:test-committee", "apikey:test-street_office"}


# --- my ballot (R-PUB-2) -------------------------------------------------------------------------------------


async def test_an_owner_sees_their_own_groups_ballots(backend, app, client, session):
    fixture = await _vote_with_ballots(session, app)
    app.state.clock = lambda: T0 + timedelta(days=1)
    url = f"/api/v1/votes/{fixture.vote.id}/my-ballot"
    response = await client.get(url, headers=await _owner(session, app, WANG_YI_ID_NUMBER))
    assert response.status_code == 200, response.text
    (group,) = response.json()["groups"]
    assert group["area"] == 18000
    assert [(u["building"], u["entrance"], u["room"], u["area"]) for u in group["units"]] == [
        ("1", "1", "101", 10000),
        ("1", "1", "102", 8000),
    ]
    (ballot,) = group["ballots"]
    assert ballot["status"] == "COUNTED"
    assert ballot["answers"][str(fixture.topics[0].id)] == "AGREE"

    # R-HEAD-3: 李二 is in {B, C} (voted) and alone in {B} (not voted): two groups, two heads.
    response = await client.get(url, headers=await _owner(session, app, LI_ER_ID_NUMBER))
    groups = {g["area"]: g for g in response.json()["groups"]}
    assert set(groups) == {12000, 6450}
    assert len(groups[12000]["ballots"]) == 1
    assert groups[6450]["ballots"] == []

    unverified = await make_account(session, app.state.cipher)
    staff = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.COMMITTEE, estate_id=fixture.places.estate.id),)
    )
    await session.commit()
    assert (await client.get(url, headers=bearer(app, unverified))).status_code == 404
    assert (await client.get(url, headers=bearer(app, staff))).status_code == 404  # no group of their own


# --- nothing before close leaks per-option counts (R-LIFE-7) -------------------------------------------------

COUNT_KEYS = {"heads", "area", "count", "votes", "agree", "total"}
ANSWER_KEYS = {"agree", "oppose", "abstain", "spoiled", "chosen", "per_option", "options", "candidates", "tally"}


def _count_like(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, dict):
        return bool(COUNT_KEYS & {str(k).lower() for k in value})
    if isinstance(value, list):
        return any(_count_like(item) for item in value)
    return False


def find_sealed_counts(document: Any, *, option_ids: set[str]) -> list[str]:
    """JSON paths where an answer, option or candidate is paired with a number or a heads/area count."""
    answer_like = ANSWER_KEYS | {o.lower() for o in option_ids}
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            keys = {str(k).lower() for k in value}
            for key, child in value.items():
                if str(key).lower() in answer_like and _count_like(child):
                    found.append(f"{path}/{key}")
                walk(child, f"{path}/{key}")
            if keys & {"option", "candidate", "answer", "choice"} and any(
                _count_like(value[k]) for k in value if str(k).lower() in COUNT_KEYS
            ):
                found.append(path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}/{index}")

    walk(document, "")
    return found


RAW_COUNT = re.compile(r'"(AGREE|OPPOSE|ABSTAIN|SPOILED|CHOSEN)"\s*:\s*[\[{0-9]')


async def test_no_get_endpoint_of_a_vote_reveals_per_option_counts_before_close(backend, app, client, session):
    """Walks every GET route under /votes/{vote_id} (other engineers' too) as staff and as an owner."""
    fixture = await _vote_with_ballots(session, app)
    yes_no = fixture.topics[0]
    option_ids = {"A", "B", "C", *ELECTION_ANSWER}
    principals = {
        "committee": await _key(session, app, Role.COMMITTEE, fixture),
        "street_office": await _key(session, app, Role.STREET_OFFICE, fixture),
        "observer": await _key(session, app, Role.OBSERVER, fixture),
    }
    owner_account = await _owner_account(session, app, WANG_YI_ID_NUMBER)
    # The fixture has no attachments: an unknown one answers 404, which is all a binary download can say here.
    params = {
        "vote_id": str(fixture.vote.id), "topic_id": str(yes_no.id), "attachment_id": str(uuid.uuid4()),
        "posting_id": str(uuid.uuid4()),
    }  # fmt: skip
    routes = sorted(  # from the OpenAPI document: every mounted router, whoever wrote it
        path
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1/votes/{vote_id}") and "get" in operations
    )
    expected = {"turnout", "result", "ballots", "my-ballot"}
    assert expected <= {path.rsplit("/", 1)[-1] for path in routes}
    walked: list[tuple[str, str, int]] = []
    for moment in (T0 - timedelta(days=1), T0 + timedelta(days=1), fixture.vote.ends_at - timedelta(seconds=1)):
        app.state.clock = lambda m=moment: m
        principals["owner"] = bearer(app, owner_account)  # tokens are checked against the clock
        for path in routes:
            names = re.findall(r"{(\w+)}", path)
            if any(name not in params for name in names):
                raise AssertionError(f"teach the walker the path parameters of {path}")
            url = path.format(**params)
            for who, headers in principals.items():
                response = await client.get(url, headers=headers)
                assert response.status_code < 500, (url, who, response.text)
                walked.append((url, who, response.status_code))
                if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
                    continue
                assert find_sealed_counts(response.json(), option_ids=option_ids) == [], (url, who)
                assert not RAW_COUNT.search(response.text), (url, who)
    assert any(status == 200 for _, _, status in walked)
