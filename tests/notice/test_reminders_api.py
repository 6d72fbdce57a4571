"""Reminders through the API (R-LIFE-11, R-LIFE-12): dates set by organisers, due at Asia/Shanghai day boundaries,
and REMINDER notices published once per occurrence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.common.access import Role
from app.notice import service as notice_service
from app.notice.models import Audience, Notice, NoticeKind
from app.notice.outbox import NoticeDispatcher
from app.reminder import service as reminder_service
from app.result.service import close_and_decide
from tests.factories import make_api_key, make_places
from tests.factories_vote import make_vote
from tests.notice.helpers import NOW, Gateway, audit_entries
from tests.vote.helpers import problem_code

# 2026-06-30 00:00 in Beijing is 2026-06-29 16:00 UTC.
MIDNIGHT = datetime(2026, 6, 29, 16, 0, tzinfo=UTC)


async def _keys(session, app, places):  # type: ignore[no-untyped-def]
    hasher = app.state.token_hasher
    return (
        await make_api_key(session, hasher, role=Role.COMMITTEE, estate_id=places.estate.id),
        await make_api_key(session, hasher, role=Role.OBSERVER, community_id=places.community.id),
    )


async def test_organisers_set_dates_and_reminders_fall_due_at_the_beijing_day_boundary(client, session, app):
    fixture = await make_vote(session, app.state.cipher, now=MIDNIGHT - timedelta(days=30))
    await close_and_decide(
        session, fixture.vote.id, now=MIDNIGHT - timedelta(days=20), keys=app.state.log_keys
    )  # a recent assembly vote
    places = fixture.places
    await session.commit()
    committee, observer = await _keys(session, app, places)
    url = f"/api/v1/estates/{places.estate.id}"

    patched = await client.patch(
        f"{url}/reminder-dates",
        json={"service_contract_ends_on": "2026-12-30", "committee_term_ends_on": "2027-06-30"},
        headers=committee,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["service_contract_ends_on"] == "2026-12-30"
    assert patched.json()["preliminary_contract_ends_on"] is None
    (changed,) = await audit_entries(session, "estate.reminder_dates_changed", places.estate.id)
    assert changed.payload["dates"]["service_contract_ends_on"] == "2026-12-30"

    app.state.clock = lambda: MIDNIGHT - timedelta(seconds=1)  # 2026-06-29 23:59:59 Beijing
    before = await client.get(f"{url}/reminders", headers=observer)
    assert before.status_code == 200, before.text
    assert before.json()["today"] == "2026-06-29"
    assert before.json()["reminders"] == []
    assert before.json()["last_assembly_closed_on"] is not None

    app.state.clock = lambda: MIDNIGHT  # 2026-06-30 00:00 Beijing: 6 months before 2026-12-30
    after = (await client.get(f"{url}/reminders", headers=observer)).json()
    (reminder,) = after["reminders"]
    assert reminder["kind"] == "SERVICE_CONTRACT_ENDING"
    assert reminder["basis"] == "Beijing Art. 75"
    assert reminder["due_from"] == "2026-06-30"
    assert reminder["ends_on"] == "2026-12-30"
    assert reminder["overdue"] is False
    assert after["dates"]["committee_term_ends_on"] == "2027-06-30"

    cleared = await client.patch(f"{url}/reminder-dates", json={"service_contract_ends_on": None}, headers=committee)
    assert cleared.json()["service_contract_ends_on"] is None
    assert cleared.json()["committee_term_ends_on"] == "2027-06-30"  # untouched: not in the request
    assert (await client.get(f"{url}/reminders", headers=observer)).json()["reminders"] == []
    estate = await client.get(f"/api/v1/estates/{places.estate.id}", headers=committee)
    assert estate.status_code == 200, estate.text
    assert estate.json()["committee_term_ends_on"] == "2027-06-30"  # the estate shows its dates too


async def test_reminder_dates_are_for_organisers_and_must_be_plausible(client, session, app):
    places = await make_places(session, app.state.cipher)
    other = await make_places(session, app.state.cipher)
    await session.commit()
    committee, observer = await _keys(session, app, places)
    elsewhere = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=other.estate.id)
    url = f"/api/v1/estates/{places.estate.id}/reminder-dates"
    body = {"committee_term_ends_on": "2027-01-01"}

    read_only = await client.patch(url, json=body, headers=observer)
    assert read_only.status_code == 403
    assert problem_code(read_only) == "auth.forbidden"
    assert (await client.patch(url, json=body, headers=elsewhere)).status_code == 404
    assert (await client.get(f"/api/v1/estates/{places.estate.id}/reminders", headers=elsewhere)).status_code == 404

    typo = await client.patch(url, json={"committee_term_ends_on": "0207-01-01"}, headers=committee)
    assert typo.status_code == 422
    assert problem_code(typo) == "notice.reminder_date_invalid"
    assert "committee_term_ends_on" in typo.json()["detail"]
    unknown = await client.patch(url, json={"lease_ends_on": "2027-01-01"}, headers=committee)
    assert unknown.status_code == 422
    assert problem_code(unknown) == "request.invalid"


async def test_no_assembly_for_12_months_is_reminded_r_life_11(client, session, app):
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    await close_and_decide(session, fixture.vote.id, now=NOW + timedelta(days=8), keys=app.state.log_keys)
    await session.commit()
    committee, _ = await _keys(session, app, fixture.places)
    url = f"/api/v1/estates/{fixture.places.estate.id}/reminders"
    closed_on = (fixture.vote.ends_at + timedelta(hours=8)).date()  # the Beijing date of the close

    app.state.clock = lambda: fixture.vote.ends_at + timedelta(days=365)
    assert (await client.get(url, headers=committee)).json()["reminders"] == []
    app.state.clock = lambda: fixture.vote.ends_at + timedelta(days=366)
    response = (await client.get(url, headers=committee)).json()
    assert response["last_assembly_closed_on"] == closed_on.isoformat()
    (reminder,) = response["reminders"]
    assert reminder["kind"] == "NO_RECENT_ASSEMBLY"
    assert reminder["basis"] == "Beijing Art. 35(2)"


async def test_reminder_notices_are_published_once_per_occurrence(session, sessionmaker, app):
    places = await make_places(session, app.state.cipher)
    places.estate.preliminary_contract_ends_on = date(2026, 6, 1)
    await session.commit()
    now = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 2026-03-01 Beijing: within 3 months of 06-01

    await reminder_service.publish_due_reminders(session, now=now)
    await reminder_service.publish_due_reminders(session, now=now + timedelta(days=1))  # idempotent
    notices = list(
        await session.scalars(select(Notice).where(Notice.estate_id == places.estate.id, Notice.kind == "REMINDER"))
    )
    assert sorted(n.dedup_key for n in notices) == [
        "NO_RECENT_ASSEMBLY:never",
        "PRELIMINARY_CONTRACT_ENDING:2026-06-01",
    ]
    assert {n.audience for n in notices} == {Audience.ORGANISERS}
    preliminary = next(n for n in notices if n.dedup_key.startswith("PRELIMINARY"))
    assert "2026-06-01" in preliminary.body
    assert "Beijing Art. 19" in preliminary.body

    # A new end date is a new occurrence.
    places.estate.preliminary_contract_ends_on = date(2026, 6, 2)
    await session.flush()
    await reminder_service.publish_due_reminders(session, now=now + timedelta(days=2))
    count = len(list(await session.scalars(select(Notice.id).where(Notice.estate_id == places.estate.id))))
    assert count == 3


async def test_a_concurrent_duplicate_reminder_is_skipped(session, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    now = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)

    draft = notice_service.NoticeDraft(
        estate_id=places.estate.id, kind=NoticeKind.REMINDER, title="提醒", body="b", audience=Audience.ORGANISERS
    )
    key = "NO_RECENT_ASSEMBLY:never"
    first = await notice_service.publish_notice_once(session, draft, now=now, dedup_key=key)
    second = await notice_service.publish_notice_once(session, draft, now=now, dedup_key=key)  # a second worker's race
    assert first is not None
    assert second is None
    assert await reminder_service.publish_due_reminders(session, now=now) == 0  # already published for this estate


async def test_the_dispatcher_publishes_reminders_on_its_interval_and_delivers_them(session, sessionmaker, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    now = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    clock = [now]
    gateway = Gateway()
    dispatcher = NoticeDispatcher(
        sessionmaker,
        lambda: clock[0],
        gateway.sender(),
        interval_seconds=1,
        reminders=reminder_service.publish_due_reminders,
        reminder_interval_seconds=3600,
    )
    await dispatcher.run_once()
    delivered = [body for body in gateway.bodies() if body["estate_id"] == str(places.estate.id)]
    assert [body["kind"] for body in delivered] == ["REMINDER"]
    assert delivered[0]["audience"] == "ORGANISERS"
    assert delivered[0]["reported_to"] == []

    places.estate.service_contract_ends_on = date(2026, 8, 1)
    await session.commit()
    clock[0] = now + timedelta(minutes=30)  # within the reminder interval: no scan
    await dispatcher.run_once()
    assert len([b for b in gateway.bodies() if b["estate_id"] == str(places.estate.id)]) == 1
    clock[0] = now + timedelta(hours=1)
    await dispatcher.run_once()
    kinds = [b["title"] for b in gateway.bodies() if b["estate_id"] == str(places.estate.id)]
    assert len(kinds) == 2
    assert "物业服务合同" in kinds[1]
