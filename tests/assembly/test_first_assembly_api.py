"""The first owners' assembly as a guided procedure, through the HTTP API (issue #18 item 6; R-FIRST-1..6).

Section-P estate (8 heads, 90000; owners of record 王一, 李二, 张三, 赵四, 钱五, 周八 and an organisation). The street
office forms the preparatory group on 2025-02-20 and records it on 2025-03-01 (the app clock of ``make_estate``);
the group (the estate's COMMITTEE key: the organiser role of R-LIFE-1) drafts the first assembly: the covenant, the
rules of procedure and the election of 5 members and 2 alternates, voting online 2025-03-17 to 2025-03-24.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.assembly.models import PublicityObjection
from app.audit.models import AuditEntry
from app.common.access import Role
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.reminder.service import publish_due_reminders
from app.vote.models import RollGroup
from tests.ballot.helpers import LI, WANG, ZHAO
from tests.factories_vote import record_posting
from tests.result.helpers import GROUP_UNIT
from tests.vote.helpers import (
    SHANGHAI,
    Estate,
    add_topic,
    create_vote,
    election,
    key,
    make_estate,
    owner_headers,
    prepare_candidates,
    problem_code,
    yes_no,
)

FORMED_ON = "2025-02-20"
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)


def owner(name: str, identifier: str) -> dict[str, Any]:
    return {"constituency": "OWNER", "name": name, "document_type": "RESIDENT_ID", "identifier": identifier}


GROUP = {
    "formed_on": FORMED_ON,
    "document_ref": "东湖街筹〔2025〕3号",
    "members": [
        {"constituency": "RESIDENTS_COMMITTEE", "name": "刘组长", "is_head": True},
        {"constituency": "DEVELOPER", "name": "开发商代表"},
        owner("王一", WANG),
        owner("李二", LI),
        owner("赵四", ZHAO),
    ],
}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"2025-{day}T{hour:02d}:00:00").replace(tzinfo=SHANGHAI)


async def _form_group(client, app, estate: Estate, office: dict[str, str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    formed = await client.post(f"/api/v1/estates/{estate.id}/preparatory-groups", json=GROUP, headers=office)
    assert formed.status_code == 201, formed.text
    return formed.json()  # type: ignore[no-any-return]


async def _draft(client, estate: Estate, *, covenant: bool = True) -> tuple[dict[str, Any], dict[str, str]]:  # type: ignore[no-untyped-def]
    """The preparatory group's draft first assembly; returns the vote and its topic ids by name."""
    vote = await create_vote(
        client,
        estate,
        convened=False,
        title="首次业主大会会议",
        organiser_kind="PREPARATORY_GROUP",
        starts_at=STARTS.isoformat(),
        ends_at=ENDS.isoformat(),
    )
    proposed = await client.post(
        f"/api/v1/estates/{estate.id}/procedure-rules",
        json={"document": {"blank_ballots": "NOT_COUNTED"}},
        headers=estate.committee,
    )
    assert proposed.status_code == 201, proposed.text
    topics: dict[str, str] = {}
    if covenant:
        created = await add_topic(
            client,
            estate,
            vote["id"],
            yes_no(title="通过管理规约", text="管理规约草案全文见附件。", matters=["MANAGEMENT_COVENANT"]),
        )
        topics["covenant"] = created["id"]
    rules = yes_no(
        title="通过业主大会议事规则",
        text="议事规则草案全文见附件。",
        matters=["RULES_OF_PROCEDURE"],
        procedure_rules_id=proposed.json()["id"],
    )
    topics["rules"] = (await add_topic(client, estate, vote["id"], rules))["id"]
    elected = await add_topic(client, estate, vote["id"], election())
    await prepare_candidates(client, estate, vote["id"], elected)
    topics["election"] = elected["id"]
    return vote, topics


async def _audit(session, estate: Estate, kind: EventKind) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    statement = sa.select(AuditEntry).where(AuditEntry.estate_id == estate.id, AuditEntry.kind == kind)
    return list((await session.scalars(statement.order_by(AuditEntry.id))).all())


def _steps(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["step"]: step for step in view["steps"]}


async def test_the_street_office_forms_and_records_the_preparatory_group(client, session, app):
    """R-FIRST-1 (Beijing Art. 31): only the street office records it; odd size, owners at least half, one head
    from the residents' committee; its members are publicised to the owners (masked) and logged without names."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    url = f"/api/v1/estates/{estate.id}/preparatory-groups"

    refused = await client.post(url, json=GROUP, headers=estate.committee)
    assert refused.status_code == 403
    assert problem_code(refused) == "first_assembly.street_office_only"
    for members in (
        GROUP["members"][:4],  # 4: not odd
        [GROUP["members"][0], GROUP["members"][1], {"constituency": "STREET_OFFICE", "name": "陈干事"}],  # no owner
        [{"constituency": "DEVELOPER", "name": "开发商代表", "is_head": True}, *GROUP["members"][2:4]],  # head
    ):
        invalid = await client.post(url, json=GROUP | {"members": members}, headers=office)
        assert invalid.status_code == 422, invalid.text
        assert problem_code(invalid) == "rules.preparatory_group_invalid"
    stranger = await client.post(
        url, json=GROUP | {"members": [*GROUP["members"][:4], owner("某人", "110105199901010011")]}, headers=office
    )
    assert problem_code(stranger) == "committee.member_not_on_register"
    future = await client.post(url, json=GROUP | {"formed_on": "2025-03-02"}, headers=office)
    assert problem_code(future) == "first_assembly.formed_on_invalid"

    group = await _form_group(client, app, estate, office)
    assert group["formed_on"] == FORMED_ON
    assert group["meeting_due_on"] == "2025-04-21"  # Art. 32: within 60 days
    assert group["members_publicised_on"] == "2025-03-01"
    assert [m["name"] for m in group["members"]] == ["刘组长", "开发商代表", "王一", "李二", "赵四"]

    wang = await owner_headers(session, app, "王一")
    (read,) = (await client.get(url, headers=wang)).json()
    assert [m["name"] for m in read["members"]] == ["刘**", "开****", "王*", "李*", "赵*"]
    assert read["members"][0]["is_head"] is True
    notices = (await client.get("/api/v1/me/notices", headers=wang)).json()["items"]
    publicity = next(n for n in notices if n["title"] == "首次业主大会会议筹备组成员公示")
    assert "王*" in publicity["body"]
    assert "王一" not in publicity["body"]
    assert "2025-04-21" in publicity["body"]

    (entry,) = await _audit(session, estate, EventKind.PREPARATORY_GROUP_FORMED)
    assert entry.payload["members"] == 5
    assert entry.payload["owner_representatives"] == 3
    assert entry.payload["formed_on"] == FORMED_ON
    assert "王一" not in str(entry.payload)
    assert "东湖街" not in str(entry.payload)
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC


async def test_the_first_assembly_is_convened_by_the_group_with_its_compulsory_agenda(client, session, app):
    """R-FIRST-2/3/4: no group, no first assembly; the 60-day limit; the covenant, the rules of procedure and the
    members and alternates all on the agenda, or publication is refused naming what is missing."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    vote, _ = await _draft(client, estate, covenant=False)
    publish = f"/api/v1/votes/{vote['id']}/publish"

    missing = await client.post(publish, headers=estate.committee)
    assert missing.status_code == 422
    assert problem_code(missing) == "vote.first_assembly_agenda_incomplete"
    assert missing.json()["missing"] == ["MANAGEMENT_COVENANT"]
    assert "MANAGEMENT_COVENANT" in missing.json()["detail"]

    await add_topic(
        client, estate, vote["id"], yes_no(title="通过管理规约", text="草案见附件。", matters=["MANAGEMENT_COVENANT"])
    )
    no_group = await client.post(publish, headers=estate.committee)
    assert problem_code(no_group) == "vote.preparatory_group_missing"

    await _form_group(client, app, estate, office)
    late = STARTS.replace(month=4, day=22)  # the 61st day after 2025-02-20
    moved = await client.patch(
        f"/api/v1/votes/{vote['id']}",
        json={"starts_at": late.isoformat(), "ends_at": (late + timedelta(days=7)).isoformat()},
        headers=estate.committee,
    )
    assert moved.status_code == 200, moved.text
    too_late = await client.post(publish, headers=estate.committee)
    assert problem_code(too_late) == "vote.first_meeting_too_late"
    assert "2025-04-21" in too_late.json()["detail"]
    back = await client.patch(
        f"/api/v1/votes/{vote['id']}",
        json={"starts_at": STARTS.isoformat(), "ends_at": ENDS.isoformat()},
        headers=estate.committee,
    )
    assert back.status_code == 200, back.text

    published = await client.post(publish, headers=estate.committee)
    assert published.status_code == 200, published.text
    assert published.json()["organiser_kind"] == "PREPARATORY_GROUP"
    assert published.json()["status"] == "PUBLISHED"


async def test_the_agenda_needs_the_rules_of_procedure_as_a_version_and_the_alternates(client, session, app):
    """R-FIRST-4: a rules topic without a rules version (R-PROC-1) and an election without alternates do not count."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    await _form_group(client, app, estate, office)
    vote = await create_vote(
        client, estate, convened=False, organiser_kind="PREPARATORY_GROUP", starts_at=STARTS.isoformat(),
        ends_at=ENDS.isoformat(),
    )  # fmt: skip
    await add_topic(client, estate, vote["id"], yes_no(title="管理规约", matters=["MANAGEMENT_COVENANT"]))
    await add_topic(client, estate, vote["id"], yes_no(title="议事规则", matters=["RULES_OF_PROCEDURE"]))
    members_only = election()
    members_only["election"] = members_only["election"] | {"alternate_seats": 0}
    await add_topic(client, estate, vote["id"], members_only)
    refused = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert refused.json()["missing"] == ["RULES_OF_PROCEDURE", "COMMITTEE_ALTERNATES"]


async def _published_first_assembly(
    client, session, app
) -> tuple[Estate, dict[str, str], dict[str, Any], dict[str, str]]:  # type: ignore[no-untyped-def]
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    await _form_group(client, app, estate, office)
    vote, topics = await _draft(client, estate)
    published = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert published.status_code == 200, published.text
    await record_posting(client, vote["id"], estate.committee, posted_at=at("03-01"))
    return estate, office, published.json(), topics


async def test_publicity_objections_are_filed_by_owners_answered_by_the_group_and_logged(client, session, app):
    """R-FIRST-3 (Art. 32): an owner objects to the draft covenant during the publicity; the group answers before
    the meeting; the log holds the item and the commitments, never the texts; the guided view follows."""
    estate, office, vote, _ = await _published_first_assembly(client, session, app)
    url = f"/api/v1/votes/{vote['id']}/publicity-objections"
    app.state.clock = lambda: at("03-05")
    wang = await owner_headers(session, app, "王一")
    li = await owner_headers(session, app, "李二")
    staff = await client.post(url, json={"item": "MANAGEMENT_COVENANT", "text": "x"}, headers=office)
    assert problem_code(staff) == "objection.not_estate_owner"
    filed = await client.post(
        url, json={"item": "MANAGEMENT_COVENANT", "text": "第十二条停车收费标准应由业主大会决定。"}, headers=wang
    )
    assert filed.status_code == 201, filed.text
    objection = filed.json()
    assert objection["decision"] is None

    assert [o["id"] for o in (await client.get(url, headers=wang)).json()] == [objection["id"]]
    assert (await client.get(url, headers=li)).json() == []  # 李二 reads only his own
    assert len((await client.get(url, headers=estate.committee)).json()) == 1

    view = (await client.get(f"/api/v1/estates/{estate.id}/first-assembly", headers=office)).json()
    answered = _steps(view)["OBJECTIONS_ANSWERED"]
    assert (answered["status"], answered["due_on"]) == ("DUE", "2025-03-16")
    assert answered["detail"] == "1 filed, 1 unanswered"

    answer_url = f"/api/v1/publicity-objections/{objection['id']}/answer"
    body = {"decision": "ACCEPTED", "reasons": "停车收费标准改由业主大会决定，见更正说明。"}
    by_office = await client.post(answer_url, json=body, headers=office)
    assert by_office.status_code == 403  # the street office supervises; the group answers (R-SUP-1)
    app.state.clock = lambda: at("03-08")
    answer = await client.post(answer_url, json=body, headers=estate.committee)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"] == "ACCEPTED"
    again = await client.post(answer_url, json=body, headers=estate.committee)
    assert problem_code(again) == "objection.already_answered"

    app.state.clock = lambda: at("03-17", 9)  # voting has opened: too late to object
    li = await owner_headers(session, app, "李二")
    closed = await client.post(url, json={"item": "CANDIDATES", "text": "x"}, headers=li)
    assert problem_code(closed) == "objection.notice_period_over"

    (filed_entry,) = await _audit(session, estate, EventKind.PUBLICITY_OBJECTION_FILED)
    (answered_entry,) = await _audit(session, estate, EventKind.PUBLICITY_OBJECTION_ANSWERED)
    assert filed_entry.payload["item"] == "MANAGEMENT_COVENANT"
    assert filed_entry.payload["text_commitment"] == objection["text_commitment"]
    assert answered_entry.payload["decision"] == "ACCEPTED"
    for entry in (filed_entry, answered_entry):
        assert "停车" not in str(entry.payload)
        assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    stored = await session.get(PublicityObjection, uuid.UUID(objection["id"]))
    assert stored is not None
    assert stored.reasons == body["reasons"]

    steps = _steps((await client.get(f"/api/v1/estates/{estate.id}/first-assembly", headers=office)).json())
    assert steps["OBJECTIONS_ANSWERED"]["status"] == "DONE"
    assert steps["OBJECTIONS_ANSWERED"]["done_on"] == "2025-03-08"
    assert steps["FIRST_MEETING"]["status"] == "DONE"
    assert steps["FIRST_MEETING"]["done_on"] == "2025-03-17"


async def test_the_guided_view_shows_each_step_with_its_day(client, session, app):
    """R-FIRST-6: done / done late / due by / overdue / waiting, for the street office and the group only."""
    estate = await make_estate(session, app, client)
    office = await key(session, app, Role.STREET_OFFICE, estate)
    url = f"/api/v1/estates/{estate.id}/first-assembly"

    empty = _steps((await client.get(url, headers=office)).json())
    assert empty["PREPARATORY_GROUP_FORMED"]["status"] == "DUE"
    assert empty["PUBLICITY"]["status"] == "WAITING"

    await _form_group(client, app, estate, office)
    view = (await client.get(url, headers=estate.committee)).json()
    steps = _steps(view)
    assert list(steps) == [
        "APPLICATION", "PREPARATORY_GROUP_FORMED", "MEMBERS_PUBLICISED", "PUBLICITY", "OBJECTIONS_ANSWERED",
        "FIRST_MEETING", "COMMITTEE_ELECTED", "COMMITTEE_FILED",
    ]  # fmt: skip
    assert steps["APPLICATION"]["detail"] == "made outside evote"
    assert (steps["PREPARATORY_GROUP_FORMED"]["status"], steps["PREPARATORY_GROUP_FORMED"]["done_on"]) == (
        "DONE",
        FORMED_ON,
    )
    # Art. 31: members publicised within 7 days of forming (by 02-27); recorded on 03-01, so late.
    assert steps["MEMBERS_PUBLICISED"]["status"] == "DONE_LATE"
    assert steps["MEMBERS_PUBLICISED"]["due_on"] == "2025-02-27"
    # Art. 32 + R-LIFE-3: the meeting opens by 04-21, so the publicity is due by 04-05 (15 clear days before).
    assert (steps["PUBLICITY"]["status"], steps["PUBLICITY"]["due_on"]) == ("DUE", "2025-04-05")
    assert (steps["FIRST_MEETING"]["status"], steps["FIRST_MEETING"]["due_on"]) == ("DUE", "2025-04-21")
    assert steps["COMMITTEE_ELECTED"]["status"] == "WAITING"
    assert steps["COMMITTEE_FILED"]["status"] == "WAITING"

    app.state.clock = lambda: at("04-06")
    overdue = _steps((await client.get(url, headers=office)).json())
    assert overdue["PUBLICITY"]["status"] == "OVERDUE"
    app.state.clock = lambda: at("04-22")
    assert _steps((await client.get(url, headers=office)).json())["FIRST_MEETING"]["status"] == "OVERDUE"

    wang = await owner_headers(session, app, "王一")
    assert (await client.get(url, headers=wang)).status_code == 404
    observer = await key(session, app, Role.OBSERVER, estate)
    assert (await client.get(url, headers=observer)).status_code == 403


async def test_the_elected_committee_is_reminded_to_file_within_30_days(client, session, app):
    """R-FIRST-5 (Art. 43): elected at the close on 2025-03-24, the committee files by 2025-04-23; the organisers
    and the street office are reminded on 04-16 and once overdue on 04-24; the filing closes the procedure."""
    estate, office, vote, topics = await _published_first_assembly(client, session, app)
    rows = (await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == uuid.UUID(vote["id"])))).all()
    by_unit = {unit: row.group_id for row in rows for unit in row.unit_keys}
    candidates = [f"c{number}" for number in range(1, 8)]
    app.state.clock = lambda: at("03-18")
    # Six of eight heads, 62000 of 90000 take part (CC 278 ¶2: two thirds of both); c1-c5 and c6, c7 ranked apart.
    for group, name in (("A", "王一"), ("BC", "李二"), ("B", "李二"), ("D", "赵四"), ("E", "钱五"), ("H", "周八")):
        choices = dict.fromkeys(candidates[:5], "AGREE") | {
            "c6": "ABSTAIN" if group == "B" else "AGREE",
            "c7": "OPPOSE" if group in ("B", "H") else "AGREE",
        }
        cast = await client.post(
            f"/api/v1/votes/{vote['id']}/ballots",
            json={
                "group_id": by_unit[GROUP_UNIT[group]],
                "answers": {topics["covenant"]: "AGREE", topics["rules"]: "AGREE", topics["election"]: choices},
            },
            headers=await owner_headers(session, app, name),
        )
        assert cast.status_code == 201, cast.text
    app.state.clock = lambda: at("03-24", 1)
    closed = await client.post(f"/api/v1/votes/{vote['id']}/close", headers=estate.committee)
    assert closed.status_code == 200, closed.text
    result = (await client.get(f"/api/v1/votes/{vote['id']}/result", headers=estate.committee)).json()
    assert [topic["outcome"] for topic in result["topics"]] == ["PASSED", "PASSED", "DECIDED"]

    view = (await client.get(f"/api/v1/estates/{estate.id}/first-assembly", headers=office)).json()
    steps = _steps(view)
    assert (steps["COMMITTEE_ELECTED"]["status"], steps["COMMITTEE_ELECTED"]["done_on"]) == ("DONE", "2025-03-24")
    assert (steps["COMMITTEE_FILED"]["status"], steps["COMMITTEE_FILED"]["due_on"]) == ("DUE", "2025-04-23")

    async def reminders(day: datetime) -> list[str]:
        async with app.state.sessionmaker() as job, job.begin():
            await publish_due_reminders(job, now=day)
        listed = (await client.get(f"/api/v1/estates/{estate.id}/notices", headers=office)).json()["items"]
        return sorted(n["title"] for n in listed if "备案" in n["title"])

    assert await reminders(at("04-15")) == []
    assert await reminders(at("04-16")) == ["提醒：业主委员会备案即将到期"]
    assert await reminders(at("04-17")) == ["提醒：业主委员会备案即将到期"]  # each stage once
    assert await reminders(at("04-24")) == sorted(["提醒：业主委员会备案即将到期", "提醒：业主委员会备案已逾期"])
    assert len(await reminders(at("04-25"))) == 2
    app.state.clock = lambda: at("04-24")
    assert (
        _steps((await client.get(f"/api/v1/estates/{estate.id}/first-assembly", headers=office)).json())[
            "COMMITTEE_FILED"
        ]["status"]
        == "OVERDUE"
    )

    # The committee elected on 03-24 is recorded and filed by the street office (Art. 43), late.
    app.state.clock = lambda: at("04-26")
    committee = await client.post(
        f"/api/v1/estates/{estate.id}/committees",
        json={"kind": "OWNERS_COMMITTEE", "seats": 5, "alternate_seats": 2, "term_starts_on": "2025-03-24",
              "term_ends_on": "2030-03-23"},
        headers=estate.committee,
    )  # fmt: skip
    assert committee.status_code == 201, committee.text
    filed = await client.post(
        f"/api/v1/committees/{committee.json()['id']}/filing",
        json={"filed_on": "2025-04-25", "reference": "东湖街备〔2025〕9号"},
        headers=office,
    )
    assert filed.status_code == 200, filed.text
    final = (await client.get(f"/api/v1/estates/{estate.id}/first-assembly", headers=office)).json()
    assert final["committee_id"] == committee.json()["id"]
    assert (_steps(final)["COMMITTEE_FILED"]["status"], _steps(final)["COMMITTEE_FILED"]["done_on"]) == (
        "DONE_LATE",
        "2025-04-25",
    )
    assert len(await reminders(at("05-01"))) == 2  # filed: nothing more
