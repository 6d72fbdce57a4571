"""Participation without answers through the API (issue #19 item 7; R-PART-1..5).

The section-P roll has 8 voter groups: A (王一), BC (李二 and 张三), D (赵四), B (李二 alone), E, F, DEV, H.
王一 and 赵四 cast online through the API; the committee then lists the other six and reminds their accounts.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.access import Role
from app.db.base import utcnow
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.ledger.disclosure import PUBLIC_KINDS
from app.ledger.events import EventKind
from app.notice.devices import MAX_DEVICES
from app.notice.models import Notice, OutboxMessage, OutboxStatus, PushDevice
from app.notice.outbox import WebhookNoticeSender, dispatch_batch
from app.participation.service import REMINDER_INTERVAL
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, answers_for, group_of, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import make_vote, option_topic, yes_no_topic
from tests.notice.helpers import SECRET, URL
from tests.result.helpers import roll_groups
from tests.vote.helpers import problem_code

NOW = utcnow().replace(microsecond=0)
OPEN_AT = NOW + timedelta(hours=1)


async def _world(session, app, client):  # type: ignore[no-untyped-def]
    """An open vote with 王一 (A) and 赵四 (D) having cast online; accounts for 李二, 张三 and a proxy for H."""
    app.state.clock = lambda: OPEN_AT
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic(), option_topic()])
    people = {
        name: await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, number))
        for name, number in (("wang", WANG), ("zhao", ZHAO), ("li", LI), ("zhang", ZHANG))
    }
    proxy = await make_account(session, app.state.cipher)  # a tenant: no home, acts for H by an approved proxy
    groups = await roll_groups(session, fixture)
    session.add(
        ActingGrant(
            estate_id=fixture.vote.estate_id, group_key=groups["H"].group_key, kind=ActingKind.PROXY,
            grantee_account_id=proxy.id, requested_by_account_id=proxy.id, status=GrantStatus.APPROVED,
            evidence_type="WRITTEN_AUTHORISATION", signed_by_owner_ids=[], scope={},
        )
    )  # fmt: skip
    places = fixture.places
    keys = {
        "committee": await make_api_key(
            session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id
        ),
        "so": await make_api_key(
            session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=places.street_office.id
        ),
        "observer": await make_api_key(
            session, app.state.token_hasher, role=Role.OBSERVER, community_id=places.community.id
        ),
    }
    other = await make_places(session, app.state.cipher)
    keys["so_other"] = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=other.street_office.id
    )
    await session.commit()
    for name in ("wang", "zhao"):
        account = people[name]
        group = await group_of(session, fixture.vote.id, account.owner_id)
        response = await client.post(
            f"/api/v1/votes/{fixture.vote.id}/ballots",
            json={"group_id": group, "answers": answers_for(fixture)},
            headers=bearer(app, account),
        )
        assert response.status_code == 201, response.text
    return fixture, people | {"proxy": proxy}, keys, groups


def _all_keys(value) -> set[str]:  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _all_keys(item)}
    return set()


async def test_the_committee_lists_who_has_not_voted_and_nothing_about_answers(session, app, client):
    fixture, _people, keys, groups = await _world(session, app, client)
    url = f"/api/v1/votes/{fixture.vote.id}/participation/not-voted"

    response = await client.get(url, headers=keys["committee"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totals"] == {"groups": 8, "voted": 2, "voted_online": 2, "voted_paper": 0, "not_voted": 6}
    listed = {item["group_id"] for item in body["items"]}
    assert listed == {groups[name].group_id for name in ("BC", "B", "E", "F", "DEV", "H")}
    bc = next(item for item in body["items"] if item["group_id"] == groups["BC"].group_id)
    assert [unit["unit_key"] for unit in bc["units"]] == ["1-2-201"]
    assert sorted(bc["units"][0]["owners"]) == ["张*", "李*"]  # masked as the roll open to owners shows them
    # R-PART-2: never how, never when: no answer, no topic or option id, no instant of a cast.
    assert _all_keys(body) <= {
        "vote_id", "totals", "groups", "voted", "voted_online", "voted_paper", "not_voted", "items", "group_id",
        "units", "unit_key", "building", "entrance", "room", "owners", "next_cursor",
    }  # fmt: skip
    text = response.text
    for forbidden in ("AGREE", "OPPOSE", "ABSTAIN", "cast_at", *(str(topic.id) for topic in fixture.topics)):
        assert forbidden not in text
    for option in fixture.topics[1].options:
        assert f'"{option["id"]}"' not in text
    for name in ("王一", "李二", "张三"):
        assert name not in text  # masked only
    # Each read is a restricted inspection entry naming the reader (R-REC-5).
    kinds = (await session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.vote_id == fixture.vote.id))).all()
    assert EventKind.INSPECTION_ACCESSED in kinds


async def test_pages_street_offices_and_refusals(session, app, client):
    fixture, people, keys, _groups = await _world(session, app, client)
    url = f"/api/v1/votes/{fixture.vote.id}/participation/not-voted"

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=keys["so"])).json()
        seen += [item["group_id"] for item in page["items"]]
        # R-PART-2: the street office sees units, not owners' names.
        assert all(unit["owners"] is None for item in page["items"] for unit in item["units"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert seen == sorted(seen)

    other = await client.get(url, headers=keys["so_other"])
    assert other.status_code == 404, other.text  # another jurisdiction: the vote is not disclosed
    owner = await client.get(url, headers=bearer(app, people["wang"]))
    assert owner.status_code == 404, owner.text
    observer = await client.get(url, headers=keys["observer"])
    assert (observer.status_code, problem_code(observer)) == (403, "participation.role_not_allowed")


async def test_the_per_option_counts_stay_sealed_while_the_list_is_open(session, app, client):
    fixture, _, keys, _ = await _world(session, app, client)
    result = await client.get(f"/api/v1/votes/{fixture.vote.id}/result", headers=keys["committee"])
    assert result.status_code == 409, result.text  # R-LIFE-7
    listed = await client.get(f"/api/v1/votes/{fixture.vote.id}/participation/not-voted", headers=keys["committee"])
    assert listed.status_code == 200
    numbers = list(json.loads(listed.text)["totals"].values())
    assert numbers == [8, 2, 2, 0, 6]  # participation only: groups, voted (online, paper), not voted


async def test_only_while_open(session, app, client):
    fixture, _, keys, _ = await _world(session, app, client)
    app.state.clock = lambda: fixture.vote.ends_at + timedelta(minutes=1)
    url = f"/api/v1/votes/{fixture.vote.id}"
    listed = await client.get(f"{url}/participation/not-voted", headers=keys["committee"])
    assert (listed.status_code, problem_code(listed)) == (409, "participation.not_open")
    reminded = await client.post(f"{url}/participation/reminders", headers=keys["committee"])
    assert (reminded.status_code, problem_code(reminded)) == (409, "participation.not_open")


async def test_the_reminder_reaches_only_the_non_voters_accounts_once_a_day(session, app, client):
    fixture, people, keys, _ = await _world(session, app, client)
    url = f"/api/v1/votes/{fixture.vote.id}/participation/reminders"

    street = await client.post(url, headers=keys["so"])
    assert (street.status_code, problem_code(street)) == (403, "vote.not_organiser")  # the committee's vote
    response = await client.post(url, headers=keys["committee"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["groups_not_voted"], body["recipients"]) == (6, 3)
    notice_id = uuid.UUID(body["notice_id"])
    messages = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.notice_id == notice_id))).all()
    # 李二 (BC and B), 张三 (BC) and the proxy of H; never 王一 or 赵四, who voted; no broadcast message.
    assert {message.recipient_account_id for message in messages} == {
        people["li"].id,
        people["zhang"].id,
        people["proxy"].id,
    }
    assert all(
        message.payload["recipient"] == {"account_id": str(message.recipient_account_id)} for message in messages
    )
    notice = await session.get(Notice, notice_id)
    assert notice.audience == "RECIPIENTS"
    assert notice.vote_id == fixture.vote.id
    # Public log: counts only (R-PART-3).
    entry = await session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == EventKind.VOTE_PARTICIPATION_REMINDED))
    assert entry.payload["groups_not_voted"] == 6
    assert entry.payload["recipients"] == 3
    assert set(entry.payload) == {"notice_id", "by", "at", "groups_not_voted", "recipients"}
    assert EventKind.VOTE_PARTICIPATION_REMINDED in PUBLIC_KINDS

    again = await client.post(url, headers=keys["committee"])
    assert (again.status_code, problem_code(again)) == (429, "participation.reminder_too_soon")
    assert 0 < int(again.headers["Retry-After"]) <= REMINDER_INTERVAL.total_seconds()

    app.state.clock = lambda: OPEN_AT + REMINDER_INTERVAL + timedelta(seconds=1)
    later = await client.post(url, headers=keys["committee"])
    assert later.status_code == 201, later.text


async def test_devices_are_registered_listed_and_deleted_without_showing_the_token(session, app, client):
    li = await make_account(session, app.state.cipher)
    other = await make_account(session, app.state.cipher)
    await session.commit()
    token = "fcm-li-0123456789abcdefXYZ"

    first = await client.post("/api/v1/me/devices", json={"platform": "FCM", "token": token}, headers=bearer(app, li))
    second = await client.post(
        "/api/v1/me/devices", json={"platform": "FCM", "token": token, "label": "x"}, headers=bearer(app, li)
    )
    ios = await client.post(
        "/api/v1/me/devices", json={"platform": "APNS", "token": "apns-li-0123456789"}, headers=bearer(app, li)
    )

    assert (first.status_code, second.status_code, ios.status_code) == (201, 200, 201)
    assert first.json()["id"] == second.json()["id"]
    listed = await client.get("/api/v1/me/devices", headers=bearer(app, li))
    assert {item["platform"] for item in listed.json()["items"]} == {"FCM", "APNS"}
    assert token not in listed.text
    assert token not in first.text
    stored = await session.scalar(sa.select(PushDevice).where(PushDevice.id == uuid.UUID(first.json()["id"])))
    assert token.encode() not in stored.token_ciphertext  # encrypted at rest (R-PART-4)
    assert (await client.get("/api/v1/me/devices", headers=bearer(app, other))).json()["items"] == []

    device_url = f"/api/v1/me/devices/{first.json()['id']}"
    assert (await client.delete(device_url, headers=bearer(app, other))).status_code == 404
    assert (await client.delete(device_url, headers=bearer(app, li))).status_code == 204
    assert (await client.delete(device_url, headers=bearer(app, li))).status_code == 404
    remaining = (await client.get("/api/v1/me/devices", headers=bearer(app, li))).json()["items"]
    assert [item["platform"] for item in remaining] == ["APNS"]
    invalid = await client.post("/api/v1/me/devices", json={"platform": "SMS", "token": token}, headers=bearer(app, li))
    assert invalid.status_code == 422


async def test_each_recipient_has_its_own_delivery_state(session, sessionmaker, app, client):
    fixture, people, keys, _ = await _world(session, app, client)
    token = "fcm-li-device-token-000111"
    registered = await client.post(
        "/api/v1/me/devices", json={"platform": "FCM", "token": token}, headers=bearer(app, people["li"])
    )
    assert registered.status_code == 201
    reminded = await client.post(f"/api/v1/votes/{fixture.vote.id}/participation/reminders", headers=keys["committee"])
    assert reminded.status_code == 201, reminded.text
    failing = str(people["zhang"].id)
    bodies: list[dict] = []

    def gateway(request: httpx.Request) -> httpx.Response:  # fails for 张三's messages only
        body = json.loads(request.content)
        bodies.append(body)
        recipient = body.get("recipient", {}).get("account_id")
        return httpx.Response(503 if recipient == failing else 200)

    sender = WebhookNoticeSender(URL, SECRET, 5.0, transport=httpx.MockTransport(gateway))
    report = await dispatch_batch(sessionmaker, OPEN_AT, sender, max_attempts=1, cipher=app.state.cipher)

    notice_id = uuid.UUID(reminded.json()["notice_id"])
    to_recipients = [body for body in bodies if body["notice_id"] == str(notice_id)]
    assert len(to_recipients) == 3
    li_body = next(body for body in to_recipients if body["recipient"]["account_id"] == str(people["li"].id))
    assert li_body["recipient"]["devices"] == [
        {"device_id": registered.json()["id"], "platform": "FCM", "token": token}
    ]  # the token is sent to the gateway, decrypted at the claim ...
    messages = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.notice_id == notice_id))).all()
    assert all(token not in json.dumps(message.payload) for message in messages)  # ... and never stored
    assert report.dead >= 1
    await session.commit()  # see what the dispatcher committed
    states = {
        message.recipient_account_id: message.status
        for message in (
            await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.notice_id == notice_id))
        ).all()
    }
    assert states == {
        people["li"].id: OutboxStatus.SENT,
        people["proxy"].id: OutboxStatus.SENT,
        people["zhang"].id: OutboxStatus.DEAD,
    }

    li_view = (await client.get("/api/v1/me/deliveries", headers=bearer(app, people["li"]))).json()["items"]
    zhang_view = (await client.get("/api/v1/me/deliveries", headers=bearer(app, people["zhang"]))).json()["items"]
    wang_view = (await client.get("/api/v1/me/deliveries", headers=bearer(app, people["wang"]))).json()["items"]
    assert [(item["notice_id"], item["delivery"]) for item in li_view] == [(str(notice_id), "DELIVERED")]
    assert [(item["notice_id"], item["delivery"]) for item in zhang_view] == [(str(notice_id), "DEAD_LETTERED")]
    assert wang_view == []  # 王一 voted: he was not reminded
    # The reminder is in the recipients' notice feed, not in the feed of an owner who voted.
    li_feed = (await client.get("/api/v1/me/notices", headers=bearer(app, people["li"]))).json()["items"]
    wang_feed = (await client.get("/api/v1/me/notices", headers=bearer(app, people["wang"]))).json()["items"]
    assert str(notice_id) in {item["id"] for item in li_feed}
    assert str(notice_id) not in {item["id"] for item in wang_feed}
    staff_list = await client.get(f"/api/v1/estates/{fixture.vote.estate_id}/notices", headers=keys["committee"])
    assert str(notice_id) in {item["id"] for item in staff_list.json()["items"]}
    # R-NOTICE-4 / R-PART-5: the public log counts the recipients' deliveries, naming none of them.
    recorded = (
        await session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.kind == EventKind.NOTICE_DELIVERY_RECORDED)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id)
        )
    ).all()
    ours = [entry.payload for entry in recorded if entry.payload["notice_id"] == str(notice_id)]
    assert {"channel": "WEBHOOK", "messages": 3, "queued": 0, "delivered": 2, "dead_lettered": 1} in [
        payload["channels"][0] for payload in ours
    ]
    assert all(str(people[name].id) not in json.dumps(ours) for name in ("li", "zhang", "proxy"))


async def test_an_account_registers_at_most_ten_devices(session, app, client):
    account = await make_account(session, app.state.cipher)
    await session.commit()
    for number in range(MAX_DEVICES):
        response = await client.post(
            "/api/v1/me/devices",
            json={"platform": "HMS", "token": f"hms-token-{number:04d}"},
            headers=bearer(app, account),
        )
        assert response.status_code == 201, response.text
    refused = await client.post(
        "/api/v1/me/devices", json={"platform": "HMS", "token": "hms-token-one-more"}, headers=bearer(app, account)
    )
    assert (refused.status_code, problem_code(refused)) == (409, "notice.device_limit")
