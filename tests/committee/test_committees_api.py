"""Committees and 物管会 as records, and who may convene (R-COMM, R-CONV; issue #17 item 7, issue #18 item 1).

Everything through the HTTP API over the RULES.md section-P estate (10 residential units: a three-member 业委会 is
allowed, Beijing Art. 39). Owners of record: 王一, 李二, 张三, 赵四, 钱五, 周八 and 北京某某商贸有限公司; 孙七 bought
an undelivered unit, which still counts with the developer (R-HEAD-4), so he is not an owner of record.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.reminder.service import publish_due_reminders
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO
from tests.factories import bearer, make_account
from tests.vote.helpers import SAMPLE, SHANGHAI, Estate, add_topic, create_vote, key, make_estate, owner_headers, yes_no

QIAN = "110105198405050057"  # 钱五
ZHOU = "11010519850606006X"  # 周八
SUN = "110105198607070072"  # 孙七: buyer of an undelivered unit (the developer's head, R-HEAD-4)
COMPANY = "91110105MA01ABCD13"  # 北京某某商贸有限公司
NAMES = {WANG: "王一", LI: "李二", ZHANG: "张三", ZHAO: "赵四", QIAN: "钱五", ZHOU: "周八"}


def person(identifier: str, seat: int, seat_kind: str = "MEMBER") -> dict[str, Any]:
    return {"seat_kind": seat_kind, "seat": seat, "document_type": "RESIDENT_ID", "identifier": identifier}


async def record_committee(  # type: ignore[no-untyped-def]
    client, estate: Estate, headers, members: list[str], *, kind: str = "OWNERS_COMMITTEE", alternates=(), **term
) -> dict[str, Any]:
    body = {
        "kind": kind, "seats": len(members), "alternate_seats": len(alternates),
        "term_starts_on": "2024-06-01", "term_ends_on": "2029-05-31",
    } | term  # fmt: skip
    created = await client.post(f"/api/v1/estates/{estate.id}/committees", json=body, headers=headers)
    assert created.status_code == 201, created.text
    committee: dict[str, Any] = created.json()
    for seat, identifier in enumerate(members, start=1):
        added = await client.post(
            f"/api/v1/committees/{committee['id']}/members", json=person(identifier, seat), headers=headers
        )
        assert added.status_code == 201, added.text
        committee = added.json()
    for seat, identifier in enumerate(alternates, start=1):
        added = await client.post(
            f"/api/v1/committees/{committee['id']}/members", json=person(identifier, seat, "ALTERNATE"), headers=headers
        )
        assert added.status_code == 201, added.text
        committee = added.json()
    return committee


async def file(client, committee: dict[str, Any], office, filed_on: str = "2024-06-20"):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/committees/{committee['id']}/filing",
        json={"filed_on": filed_on, "reference": "东湖街备〔2024〕7号"},
        headers=office,
    )


async def draft(client, estate: Estate, starts: datetime, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    vote = await create_vote(
        client,
        estate,
        convened=False,
        starts_at=starts.isoformat(),
        ends_at=(starts + timedelta(days=7)).isoformat(),
        **overrides,
    )
    await add_topic(client, estate, vote["id"], yes_no())
    return vote


async def decide(client, vote: dict[str, Any], committee: dict[str, Any], organiser, signers) -> None:  # type: ignore[no-untyped-def]
    """The committee records its decision to convene; each signer signs through their own account."""
    recorded = await client.put(
        f"/api/v1/votes/{vote['id']}/mandate", json={"committee_id": committee["id"]}, headers=organiser
    )
    assert recorded.status_code == 200, recorded.text
    for headers in signers:
        signed = await client.post(f"/api/v1/votes/{vote['id']}/mandate/signatures", headers=headers)
        assert signed.status_code == 201, signed.text


async def publish(client, vote: dict[str, Any], headers):  # type: ignore[no-untyped-def]
    return await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=headers)


async def accounts(session, app, *identifiers: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [await owner_headers(session, app, NAMES[identifier]) for identifier in identifiers]


# --- Records and who writes them (R-COMM-1..4) ---


async def test_the_committee_records_its_members_and_only_the_street_office_files_it(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHAO], alternates=[QIAN])
    assert committee["vacant_seats"] == []
    assert committee["vacant_alternate_seats"] == []
    assert committee["filed_on"] is None
    assert [m["name"] for m in committee["members"]] == ["王一", "李二", "赵四", "钱五"]

    # Beijing Art. 39: members are owners of the estate; 孙七's undelivered unit counts with the developer.
    stranger = await client.post(
        f"/api/v1/committees/{committee['id']}/members", json=person(SUN, 1, "ALTERNATE"), headers=estate.committee
    )
    assert stranger.status_code == 409, stranger.text  # the only alternate seat is taken
    widened = await client.post(
        f"/api/v1/estates/{estate.id}/committees",
        json={"kind": "OWNERS_COMMITTEE", "seats": 4, "alternate_seats": 0, "term_starts_on": "2030-01-01",
              "term_ends_on": "2031-01-01"},
        headers=estate.committee,
    )  # fmt: skip
    assert widened.json()["code"] == "committee.size_invalid"  # Art. 39: an odd number
    too_long = await client.post(
        f"/api/v1/estates/{estate.id}/committees",
        json={"kind": "OWNERS_COMMITTEE", "seats": 3, "alternate_seats": 0, "term_starts_on": "2030-01-01",
              "term_ends_on": "2035-01-02"},
        headers=estate.committee,
    )  # fmt: skip
    assert too_long.json()["code"] == "committee.term_invalid"  # Art. 41: five years at most

    # The committee may not file itself (Beijing Art. 43): only the street office of the jurisdiction records it.
    self_filed = await file(client, committee, estate.committee)
    assert self_filed.status_code == 403
    assert self_filed.json()["code"] == "committee.write_not_allowed"
    filed = await file(client, committee, office)
    assert filed.status_code == 200, filed.text
    assert filed.json()["filed_on"] == "2024-06-20"
    assert (await file(client, committee, office)).json()["code"] == "committee.already_filed"

    # Once filed, a change of members is a change filing the street office records (Art. 50).
    resigned_id = committee["members"][1]["id"]
    by_committee = await client.post(
        f"/api/v1/committee-members/{resigned_id}/end", json={"reason": "RESIGNED"}, headers=estate.committee
    )
    assert by_committee.status_code == 403
    resigned = await client.post(
        f"/api/v1/committee-members/{resigned_id}/end", json={"reason": "RESIGNED"}, headers=office
    )
    assert resigned.status_code == 200, resigned.text
    assert resigned.json()["vacant_seats"] == [2]
    # Art. 41 ¶3: the alternate fills the vacancy.
    alternate_id = committee["members"][3]["id"]
    filled = await client.post(
        f"/api/v1/committee-members/{alternate_id}/fill-vacancy", json={"seat": 2}, headers=office
    )
    assert filled.status_code == 200, filled.text
    assert filled.json()["vacant_seats"] == []
    assert filled.json()["vacant_alternate_seats"] == [1]
    sitting = [(m["seat_kind"], m["seat"], m["name"]) for m in filled.json()["members"] if m["ended_on"] is None]
    assert sorted(sitting) == [("MEMBER", 1, "王一"), ("MEMBER", 2, "钱五"), ("MEMBER", 3, "赵四")]

    # Owners of the estate read the committee with masked names; outsiders are told nothing.
    owner = await owner_headers(session, app, "张三")
    listed = await client.get(f"/api/v1/estates/{estate.id}/committees", headers=owner)
    assert listed.status_code == 200, listed.text
    assert {m["name"] for m in listed.json()["items"][0]["members"]} == {"王*", "李*", "赵*", "钱*"}
    outsider = bearer(app, await make_account(session, app.state.cipher))
    await session.commit()
    assert (await client.get(f"/api/v1/committees/{committee['id']}", headers=outsider)).status_code == 404

    # Every change is logged, publicly, without personal data.
    entries = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.estate_id == estate.id, AuditEntry.kind.like("committee.%"))
        )
    ).all()
    kinds = [entry.kind for entry in entries]
    assert kinds.count(EventKind.COMMITTEE_MEMBER_SEATED) == 5
    assert EventKind.COMMITTEE_FILED in kinds
    for entry in entries:
        text = json.dumps(entry.payload, ensure_ascii=False)
        assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
        assert not any(name in text for name in NAMES.values())
        assert "东湖街备" not in text


async def test_an_organisation_serves_through_its_authorised_representative(client, session, app):
    estate = await make_estate(session, app, client)
    created = await client.post(
        f"/api/v1/estates/{estate.id}/committees",
        json={"kind": "OWNERS_COMMITTEE", "seats": 3, "alternate_seats": 0, "term_starts_on": "2024-06-01",
              "term_ends_on": "2029-05-31"},
        headers=estate.committee,
    )  # fmt: skip
    url = f"/api/v1/committees/{created.json()['id']}/members"
    company = {"seat_kind": "MEMBER", "seat": 1, "document_type": "USCC", "identifier": COMPANY}
    without = await client.post(url, json=company, headers=estate.committee)
    assert without.json()["code"] == "committee.member_representation_invalid"
    representative = await make_account(session, app.state.cipher, phone="13800000123")
    await session.commit()
    seated = await client.post(
        url,
        json=company | {"representative_phone": "13800000123", "authorisation_sha256": "a" * 64},
        headers=estate.committee,
    )
    assert seated.status_code == 201, seated.text
    assert seated.json()["members"][0]["organisation"] is True
    assert representative.id is not None


async def test_only_the_street_office_forms_a_pmc_and_its_term_is_at_most_three_years(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    body = {"kind": "PROPERTY_MANAGEMENT_COMMITTEE", "seats": 7, "alternate_seats": 0,
            "term_starts_on": "2023-01-10", "term_ends_on": "2026-01-10",
            "formation_ground": "NO_COMMITTEE_ELECTED"}  # fmt: skip
    by_committee = await client.post(f"/api/v1/estates/{estate.id}/committees", json=body, headers=estate.committee)
    assert by_committee.status_code == 403
    assert by_committee.json()["code"] == "committee.write_not_allowed"
    too_long = await client.post(
        f"/api/v1/estates/{estate.id}/committees", json=body | {"term_ends_on": "2026-01-11"}, headers=office
    )
    assert too_long.json()["code"] == "committee.term_invalid"  # Beijing Art. 58; seed 003 §四.1
    formed = await client.post(f"/api/v1/estates/{estate.id}/committees", json=body, headers=office)
    assert formed.status_code == 201, formed.text
    assert formed.json()["filed_on"] == "2023-01-10"  # formed by the street office: its forming is its filing


# --- Who may convene (R-CONV-1..3) ---


async def test_an_unfiled_committee_cannot_publish(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHAO])
    vote = await draft(client, estate, datetime(2025, 3, 17, tzinfo=SHANGHAI))
    await decide(client, vote, committee, estate.committee, await accounts(session, app, WANG, LI, ZHAO))
    refused = await publish(client, vote, estate.committee)
    assert refused.status_code == 422
    assert refused.json()["code"] == "vote.committee_not_filed"
    assert (await file(client, committee, office)).status_code == 200
    assert (await publish(client, vote, estate.committee)).status_code == 200


async def test_a_committee_out_of_term_cannot_publish(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee = await record_committee(
        client, estate, estate.committee, [WANG, LI, ZHAO], term_starts_on="2019-06-01", term_ends_on="2024-05-31"
    )
    assert (await file(client, committee, office, "2019-06-20")).status_code == 200
    vote = await draft(client, estate, datetime(2025, 3, 17, tzinfo=SHANGHAI))
    await decide(client, vote, committee, estate.committee, await accounts(session, app, WANG, LI, ZHAO))
    refused = await publish(client, vote, estate.committee)
    assert refused.status_code == 422
    assert refused.json()["code"] == "vote.committee_not_in_term"
    assert (await client.get(f"/api/v1/votes/{vote['id']}", headers=estate.committee)).json()["status"] == "DRAFT"


async def test_a_decision_signed_by_half_of_the_members_is_refused(client, session, app):
    """Beijing Art. 45: more than half. Five seats, one member resigned: two of the four sitting members is half."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHANG, ZHAO, QIAN])
    assert (await file(client, committee, office)).status_code == 200
    resigned = await client.post(
        f"/api/v1/committee-members/{committee['members'][4]['id']}/end", json={"reason": "RESIGNED"}, headers=office
    )
    assert resigned.status_code == 200, resigned.text
    wang, li, zhang, qian = await accounts(session, app, WANG, LI, ZHANG, QIAN)
    vote = await draft(client, estate, datetime(2025, 3, 17, tzinfo=SHANGHAI))
    await decide(client, vote, committee, estate.committee, [wang, li])
    # A member who left no longer signs; nobody signs twice; no one signs for a member (Art. 45 ¶2).
    gone = await client.post(f"/api/v1/votes/{vote['id']}/mandate/signatures", headers=qian)
    assert gone.status_code == 404
    twice = await client.post(f"/api/v1/votes/{vote['id']}/mandate/signatures", headers=wang)
    assert twice.json()["code"] == "vote.mandate_already_signed"
    staff = await client.post(f"/api/v1/votes/{vote['id']}/mandate/signatures", headers=estate.committee)
    assert staff.json()["code"] == "vote.not_a_sitting_member"
    refused = await publish(client, vote, estate.committee)
    assert refused.status_code == 422
    assert refused.json()["code"] == "vote.mandate_not_signed_by_majority"
    mandate = await client.get(f"/api/v1/votes/{vote['id']}/mandate", headers=zhang)  # the members read it to sign
    assert mandate.json()["signatures_needed"] == 3
    assert len(mandate.json()["signatures"]) == 2
    assert (await client.post(f"/api/v1/votes/{vote['id']}/mandate/signatures", headers=zhang)).status_code == 201
    assert (await publish(client, vote, estate.committee)).status_code == 200
    signed = (
        await session.scalars(
            select(AuditEntry).where(
                AuditEntry.kind == EventKind.CONVENING_MANDATE_SIGNED, AuditEntry.estate_id == estate.id
            )
        )
    ).all()
    assert len(signed) == 3
    assert all(disclosure(e.kind, e.payload) is Disclosure.PUBLIC for e in signed)


async def pmc_of_seven(client, session, app, estate: Estate, office) -> tuple[dict[str, Any], Any]:  # type: ignore[no-untyped-def]
    """A 物管会 formed 2023-01-10 for three years: six owners and the residents' committee's representative."""
    formed = await client.post(
        f"/api/v1/estates/{estate.id}/committees",
        json={"kind": "PROPERTY_MANAGEMENT_COMMITTEE", "seats": 7, "alternate_seats": 0,
              "term_starts_on": "2023-01-10", "term_ends_on": "2026-01-10", "formation_ground": "NO_COMMITTEE_ELECTED"},
        headers=office,
    )  # fmt: skip
    assert formed.status_code == 201, formed.text
    committee: dict[str, Any] = formed.json()
    owners = [WANG, LI, ZHANG, ZHAO, QIAN, ZHOU]
    for seat, identifier in enumerate(owners, start=1):
        added = await client.post(
            f"/api/v1/committees/{committee['id']}/members", json=person(identifier, seat), headers=office
        )
        assert added.status_code == 201, added.text
    chair = await make_account(session, app.state.cipher, phone="13800000777")
    await session.commit()
    added = await client.post(
        f"/api/v1/committees/{committee['id']}/members",
        json={"seat_kind": "MEMBER", "seat": 7, "constituency": "RESIDENTS_COMMITTEE",
              "representative_phone": "13800000777"},
        headers=office,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    return added.json(), chair


async def test_a_pmc_formed_2023_01_10_cannot_publish_on_2026_01_11(client, session, app):
    """Seed 003 §四.1, Beijing Art. 58: three years at most; on 2026-01-11 the 物管会 is in its fourth year."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee, chair = await pmc_of_seven(client, session, app, estate, office)
    app.state.clock = lambda: datetime(2026, 1, 11, 10, 0, tzinfo=SHANGHAI)
    signers = [*await accounts(session, app, WANG, LI, ZHANG), bearer(app, chair)]
    vote = await draft(
        client, estate, datetime(2026, 1, 27, tzinfo=SHANGHAI), organiser_kind="PROPERTY_MANAGEMENT_COMMITTEE"
    )
    await decide(client, vote, committee, estate.committee, signers)  # four of seven: more than half (Art. 57)
    refused = await publish(client, vote, estate.committee)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "vote.committee_not_in_term"
    assert "2026-01-10" in refused.json()["detail"]
    app.state.clock = lambda: datetime(2026, 1, 10, 10, 0, tzinfo=SHANGHAI)  # its last day
    assert (await publish(client, vote, estate.committee)).status_code == 200


async def test_a_decision_to_convene_dated_after_today_is_refused(client, session, app):
    """R-CONV-2: the decision comes before the notice; a hostile organiser dating it later is refused."""
    estate = await make_estate(session, app, client)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHAO])
    vote = await draft(client, estate, datetime(2025, 3, 17, tzinfo=SHANGHAI))
    later = await client.put(
        f"/api/v1/votes/{vote['id']}/mandate",
        json={
            "committee_id": committee["id"],
            "decided_on": (app.state.clock() + timedelta(days=30)).date().isoformat(),
        },
        headers=estate.committee,
    )
    assert (later.status_code, later.json()["code"]) == (422, "vote.mandate_decided_later")


async def test_a_mandate_must_fit_the_organiser(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee, _ = await pmc_of_seven(client, session, app, estate, office)
    vote = await draft(client, estate, datetime(2025, 3, 17, tzinfo=SHANGHAI))  # convened by OWNERS_COMMITTEE
    missing = await publish(client, vote, estate.committee)
    assert missing.json()["code"] == "vote.mandate_missing"
    wrong = await client.put(
        f"/api/v1/votes/{vote['id']}/mandate", json={"committee_id": committee["id"]}, headers=estate.committee
    )
    assert wrong.json()["code"] == "vote.mandate_mismatch"


async def test_a_street_office_publishing_without_a_recorded_trigger_is_refused(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHAO])
    assert (await file(client, committee, office)).status_code == 200
    created = await client.post(
        f"/api/v1/estates/{estate.id}/votes",
        json={"title": "街道办事处代为召集", "organiser_kind": "STREET_OFFICE",
              "starts_at": "2025-03-17T00:00:00+08:00", "ends_at": "2025-03-24T00:00:00+08:00"},
        headers=office,
    )  # fmt: skip
    vote = created.json()
    assert (await client.post(f"/api/v1/votes/{vote['id']}/topics", json=yes_no(), headers=office)).status_code == 201
    refused = await publish(client, vote, office)
    assert refused.status_code == 422
    assert refused.json()["code"] == "vote.mandate_missing"

    triggers = f"/api/v1/estates/{estate.id}/convening-triggers"
    evidence = {"document_ref": "东湖街责〔2025〕2号", "evidence_sha256": "b" * 64}
    # The committee records no ground for the street office; "no committee" is false while one is in term.
    by_committee = await client.post(
        triggers, json={"ground": "NO_COMMITTEE", "occurred_on": "2025-03-01"} | evidence, headers=estate.committee
    )
    assert by_committee.status_code == 403
    no_committee = await client.post(
        triggers, json={"ground": "NO_COMMITTEE", "occurred_on": "2025-03-01"} | evidence, headers=office
    )
    assert no_committee.json()["code"] == "convening.committee_in_place"
    # Beijing Art. 36: ordered 2025-03-01 to convene by 2025-03-10; the street office may convene after that.
    ordered = await client.post(
        triggers,
        json={"ground": "COMMITTEE_FAILED_TO_CONVENE", "occurred_on": "2025-03-01", "deadline_on": "2025-03-10",
              "committee_id": committee["id"]} | evidence,
        headers=office,
    )  # fmt: skip
    assert ordered.status_code == 201, ordered.text
    mandate = await client.put(
        f"/api/v1/votes/{vote['id']}/mandate", json={"trigger_id": ordered.json()["id"]}, headers=office
    )
    assert mandate.status_code == 200, mandate.text
    early = await publish(client, vote, office)
    assert early.json()["code"] == "convening.deadline_not_passed"
    app.state.clock = lambda: datetime(2025, 3, 11, 9, 0, tzinfo=SHANGHAI)
    moved = await client.patch(
        f"/api/v1/votes/{vote['id']}",
        json={"starts_at": "2025-03-27T00:00:00+08:00", "ends_at": "2025-04-03T00:00:00+08:00"},
        headers=office,
    )
    assert moved.status_code == 200, moved.text
    assert (await publish(client, vote, office)).status_code == 200


# --- Membership ends with ownership (Beijing Art. 46 ¶1(1)) ---


async def test_a_member_whose_unit_is_sold_leaves_the_committee_when_the_new_register_is_imported(client, session, app):
    estate = await make_estate(session, app, client)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHAO])
    zhao = await owner_headers(session, app, "赵四")
    sold = SAMPLE.read_text(encoding="utf-8-sig").replace(
        "赵四,110105198304040044", "吴九,110105198808080082"
    )  # 赵四 sells 1-2-202, his only unit
    imported = await client.post(
        f"/api/v1/estates/{estate.id}/register/imports",
        files={"file": ("register.csv", sold.encode(), "text/csv")},
        headers=estate.committee,
    )
    assert imported.status_code == 201, imported.text
    after = (await client.get(f"/api/v1/committees/{committee['id']}", headers=estate.committee)).json()
    ended = next(m for m in after["members"] if m["name"] == "赵四")
    assert ended["end_reason"] == "NO_LONGER_OWNER"
    assert ended["ended_on"] == "2025-03-01"
    assert after["vacant_seats"] == [3]
    assert all(m["ended_on"] is None for m in after["members"] if m["name"] != "赵四")
    notices = (await client.get("/api/v1/me/notices", headers=zhao)).json()["items"]
    assert any(n["kind"] == "COMMITTEE_CHANGE" and "第四十六条" in n["body"] for n in notices)
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.kind == EventKind.COMMITTEE_MEMBER_ENDED, AuditEntry.estate_id == estate.id)
    )
    assert entry is not None
    assert entry.payload["reason"] == "NO_LONGER_OWNER"
    assert entry.payload["register_version_id"] == imported.json()["version"]["id"]
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC


# --- The 物管会's term reminders (R-COMM-5) ---


async def test_a_pmc_is_reminded_6_3_and_1_months_before_its_term_lapses_and_once_it_has(client, session, app):
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    await pmc_of_seven(client, session, app, estate, office)

    async def run(day: datetime) -> list[str]:
        async with app.state.sessionmaker() as job, job.begin():
            await publish_due_reminders(job, now=day)
        listed = (await client.get(f"/api/v1/estates/{estate.id}/notices", headers=office)).json()["items"]
        return sorted(n["title"] for n in listed if "物业管理委员会" in n["title"])

    assert await run(datetime(2025, 7, 9, 9, tzinfo=SHANGHAI)) == []
    assert await run(datetime(2025, 7, 10, 9, tzinfo=SHANGHAI)) == ["提醒：物业管理委员会任期即将届满"]
    assert len(await run(datetime(2025, 7, 11, 9, tzinfo=SHANGHAI))) == 1  # each stage once
    assert len(await run(datetime(2025, 10, 10, 9, tzinfo=SHANGHAI))) == 2
    assert len(await run(datetime(2025, 12, 10, 9, tzinfo=SHANGHAI))) == 3
    titles = await run(datetime(2026, 1, 11, 9, tzinfo=SHANGHAI))
    assert titles.count("提醒：物业管理委员会任期已届满") == 1
    assert len(titles) == 4
