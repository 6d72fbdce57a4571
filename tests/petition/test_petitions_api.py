"""Petitions through HTTP: first-assembly applications (R-LIFE-9) and temporary-meeting petitions (R-LIFE-10).

The sample register (samples/register-sample.csv) has 8 heads and 90000 (0.01 m²): 王一 owns 1-1-101 and
1-1-102 (one head, 18000, R-HEAD-1); 李二 and 张三 co-own 1-2-201 (one head, 12000, R-HEAD-2); 赵四 owns 1-2-202
(9000); 李二 alone owns 3-1-102 (another head, 6450, R-HEAD-3); the developer's group is the unsold 2-2-201 and the
undelivered 2-2-202 (one head, 22000, R-HEAD-4), so the delivered area is 68000.

R-LIFE-10: ``5*heads >= 8`` needs 2 heads. R-LIFE-9: ``20*heads >= 8`` needs 1 head, ``20*area >= 90000`` needs 4500.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.access import Role, Scope
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.identity.models import Account
from app.identity.service import OPERATOR
from app.notice.models import Notice, NoticeKind
from app.petition.models import PetitionSignature
from app.register import repository as register_repository
from app.register.models import OwnerKind
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.rules.roll import voter_group_key
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, owner_id
from tests.factories import Places, bearer, make_account, make_api_key, make_places

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "register-sample.csv"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
HEADER = "楼栋,单元,房号,面积,面积来源,车位,销售状态,已交付,权属依据,不动产权证号,业主姓名,证件号码,业主类型\n"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(serial: int) -> str:
    """A valid GB 11643 resident id (check character included) for made-up owners."""
    body = f"11010519900101{serial:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def owner_row(room: int, area: str, id_number: str) -> str:
    return f"9,1,{room},{area},不动产登记,否,已售,是,不动产登记,,业主{room},{id_number},个人\n"


def developer_row(room: int, area: str) -> str:
    return f"9,1,{room},{area},实测,否,未售,否,建设单位,,,,\n"


@dataclass
class World:
    places: Places
    committee: dict[str, str]
    groups: dict[str, str]  # first unit of a group -> public group id

    @property
    def estate_id(self) -> uuid.UUID:
        return self.places.estate.id

    def petitions_url(self) -> str:
        return f"/api/v1/estates/{self.estate_id}/petitions"


async def _estate(client, session, app, content: bytes) -> World:
    places = await make_places(session, app.state.cipher)
    await import_register(
        session,
        places.estate.id,
        content,
        register_format=RegisterFormat.CSV,
        source_name="r.csv",
        imported_by=OPERATOR,
        cipher=app.state.cipher,
    )
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    roll = await client.get(f"/api/v1/estates/{places.estate.id}/roll", headers=committee)
    assert roll.status_code == 200, roll.text
    return World(
        places, committee, {group["units"][0]["unit_key"]: group["group_id"] for group in roll.json()["groups"]}
    )


async def _account(session, app, id_number: str | None = None, **kwargs) -> Account:  # type: ignore[no-untyped-def]
    owner = await owner_id(session, app, id_number) if id_number else None
    account = await make_account(session, app.state.cipher, owner_id=owner, **kwargs)
    await session.commit()
    return account


@pytest.fixture
async def world(client, session, app) -> World:
    app.state.clock = lambda: NOW
    return await _estate(client, session, app, SAMPLE.read_bytes())


async def _open(client, app, world, account, kind="TEMPORARY_MEETING", **body):  # type: ignore[no-untyped-def]
    payload = {"kind": kind, "title": "提议召开临时会议", "text": "讨论更换物业服务企业。"} | body
    return await client.post(world.petitions_url(), json=payload, headers=bearer(app, account))


async def _opened(client, app, world, account, kind="TEMPORARY_MEETING") -> str:  # type: ignore[no-untyped-def]
    response = await _open(client, app, world, account, kind)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _sign(client, app, petition_id, account, group_id):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/petitions/{petition_id}/signatures", json={"group_id": group_id}, headers=bearer(app, account)
    )


async def _signed(client, app, petition_id, account, group_id) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = await _sign(client, app, petition_id, account, group_id)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _developer_representative(client, session, app, world, developer_unit: str) -> Account:  # type: ignore[no-untyped-def]
    """A verified person holding the developer's approved sealed authorisation (R-CAST-3, R-CAST-6)."""
    person = await register_repository.get_or_create_owner(
        session, kind=OwnerKind.PERSON, identifier=resident_id(999), cipher=app.state.cipher
    )
    agent = await make_account(session, app.state.cipher, owner_id=person.id)
    await session.commit()
    claim = {
        "group_id": world.groups[developer_unit],
        "kind": "SEALED_AUTHORISATION",
        "evidence_type": "SEALED",
        "evidence_sha256": "b" * 64,
    }
    grant = await client.post(f"/api/v1/estates/{world.estate_id}/grants", json=claim, headers=bearer(app, agent))
    assert grant.status_code == 201, grant.text
    approved = await client.post(
        f"/api/v1/estates/{world.estate_id}/grants/{grant.json()['id']}/approve", headers=world.committee
    )
    assert approved.status_code == 200, approved.text
    return agent


async def _notices(session, estate_id) -> int:  # type: ignore[no-untyped-def]
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.estate_id == estate_id, Notice.kind == NoticeKind.PETITION)
        )
    )


async def _audit(session, petition_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(select(AuditEntry).where(AuditEntry.kind.like("petition.%")))
    return sorted(entry.kind for entry in rows if entry.payload.get("petition_id") == petition_id)


# --- R-LIFE-10: temporary meeting, 20 % of heads ---


async def test_temporary_meeting_needs_two_of_eight_heads_and_wang_is_one(client, session, app, world):
    wang = await _account(session, app, WANG)
    li = await _account(session, app, LI)
    petition_id = await _opened(client, app, world, wang)

    after_wang = await _signed(client, app, petition_id, wang, world.groups["1-1-101"])
    count = after_wang["count"]
    # 王一's two units are one head with the summed area (R-HEAD-1): 1 of 8 heads is below 20 %.
    assert (count["signed_heads"], count["signed_area"], count["total_heads"], count["total_area"]) == (
        1,
        18000,
        8,
        90000,
    )
    assert (count["threshold_met"], count["result"], after_wang["status"]) == (False, "FAILED", "OPEN")
    assert count["formulas"][0] == "5*petitioning_heads >= total_heads: 5*1 = 5 < 8"
    assert count["thresholds_reached"] == ["PETITION_AREA"]  # 5*18000 = 90000: the area is for information only
    assert (count["heads_percent"], count["area_percent"], count["rule"]) == ("12.50%", "20.00%", "R-LIFE-10")
    assert count["delivered_area"] is None
    assert count["applicant_is_developer"] is None
    assert "R-LIFE-10" in count["reason_zh"]
    assert "below 20%" in count["reason_en"]
    assert await _notices(session, world.estate_id) == 0

    # the co-owned group, signed by one co-owner (R-HEAD-2), is the second head: 5*2 = 10 >= 8
    after_li = await _signed(client, app, petition_id, li, world.groups["1-2-201"])
    count = after_li["count"]
    assert (count["signed_heads"], count["signed_area"], count["threshold_met"], count["result"]) == (
        2,
        30000,
        True,
        "SUCCEEDED",
    )
    assert count["formulas"][0] == "5*petitioning_heads >= total_heads: 5*2 = 10 >= 8"
    assert after_li["status"] == "THRESHOLD_MET"
    assert datetime.fromisoformat(after_li["threshold_met_at"]) == NOW
    assert {s["group_id"]: (s["basis"], s["counted"]) for s in after_li["signatures"]} == {
        world.groups["1-1-101"]: ("OWNER", True),
        world.groups["1-2-201"]: ("CO_OWNER", True),
    }
    assert await _notices(session, world.estate_id) == 1

    # a third head changes nothing: the threshold notice is published once
    zhao = await _account(session, app, ZHAO)
    after_zhao = await _signed(client, app, petition_id, zhao, world.groups["1-2-202"])
    assert (after_zhao["status"], after_zhao["count"]["signed_heads"]) == ("THRESHOLD_MET", 3)
    assert await _notices(session, world.estate_id) == 1
    assert await _audit(session, petition_id) == [
        "petition.opened",
        "petition.signed",
        "petition.signed",
        "petition.signed",
        "petition.threshold_met",
    ]
    notice = await session.scalar(select(Notice).where(Notice.estate_id == world.estate_id))
    assert notice is not None
    assert notice.audience.value == "ORGANISERS"
    assert "R-LIFE-10" in notice.body
    assert "王" not in notice.body + notice.title


async def test_one_signature_per_group_the_second_co_owner_gets_409(client, session, app, world):
    li = await _account(session, app, LI)
    zhang = await _account(session, app, ZHANG)
    petition_id = await _opened(client, app, world, li)
    await _signed(client, app, petition_id, li, world.groups["1-2-201"])
    again = await _sign(client, app, petition_id, zhang, world.groups["1-2-201"])
    assert (again.status_code, again.json()["code"]) == (409, "petition.already_signed")
    assert again.headers["content-type"].startswith("application/problem+json")
    same = await _sign(client, app, petition_id, li, world.groups["1-2-201"])
    assert (same.status_code, same.json()["code"]) == (409, "petition.already_signed")
    # 李二 alone owns 3-1-102: a different group (R-HEAD-3), a second head
    other = await _signed(client, app, petition_id, li, world.groups["3-1-102"])
    assert (other["count"]["signed_heads"], other["status"]) == (2, "THRESHOLD_MET")
    rows = await session.scalar(select(func.count()).select_from(PetitionSignature))
    assert rows == 2


async def test_an_owner_not_entitled_for_the_group_gets_403(client, session, app, world):
    wang = await _account(session, app, WANG)
    zhao = await _account(session, app, ZHAO)
    petition_id = await _opened(client, app, world, wang)
    response = await _sign(client, app, petition_id, zhao, world.groups["1-1-101"])
    assert (response.status_code, response.json()["code"]) == (403, "cast.not_entitled")
    # an organisation signs only through its representative (R-CAST-3)
    response = await _sign(client, app, petition_id, zhao, world.groups["2-1-102"])
    assert (response.status_code, response.json()["code"]) == (403, "cast.not_entitled")
    unknown = await _sign(client, app, petition_id, zhao, "0" * 32)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "petition.group_not_found")
    # an API key is not a person and signs nothing
    keyed = await client.post(
        f"/api/v1/petitions/{petition_id}/signatures",
        json={"group_id": world.groups["1-2-202"]},
        headers=world.committee,
    )
    assert (keyed.status_code, keyed.json()["code"]) == (403, "grant.account_required")


async def test_another_estates_owner_sees_nothing(client, session, app, world):
    wang = await _account(session, app, WANG)
    petition_id = await _opened(client, app, world, wang)
    other = await _estate(client, session, app, (HEADER + owner_row(101, "80.00", resident_id(1))).encode())
    stranger = await _account(session, app, resident_id(1))
    assert (await client.get(other.petitions_url(), headers=bearer(app, stranger))).status_code == 200

    for response in (
        await client.get(f"/api/v1/petitions/{petition_id}", headers=bearer(app, stranger)),
        await _sign(client, app, petition_id, stranger, world.groups["1-1-101"]),
        await client.post(f"/api/v1/petitions/{petition_id}/submit", headers=bearer(app, stranger)),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "petition.not_found")
    for response in (
        await _open(client, app, world, stranger),
        await client.get(world.petitions_url(), headers=bearer(app, stranger)),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


async def test_who_may_open_and_list(client, session, app, world):
    unverified = await _account(session, app, None)
    response = await _open(client, app, world, unverified)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    staff = await _account(session, app, None, scopes=(Scope(Role.COMMITTEE, estate_id=world.estate_id),))
    response = await _open(client, app, world, staff)
    assert (response.status_code, response.json()["code"]) == (403, "petition.not_owner")
    response = await client.post(
        world.petitions_url(), json={"kind": "TEMPORARY_MEETING", "title": "t", "text": "x"}, headers=world.committee
    )
    assert (response.status_code, response.json()["code"]) == (403, "grant.account_required")
    invalid = await _open(client, app, world, staff, kind="GENERAL")
    assert (invalid.status_code, invalid.json()["code"]) == (422, "request.invalid")

    wang = await _account(session, app, WANG)
    first = await _opened(client, app, world, wang)
    second = await _opened(client, app, world, wang, kind="FIRST_ASSEMBLY_APPLICATION")
    await _signed(client, app, first, wang, world.groups["1-1-101"])
    for headers in (world.committee, bearer(app, staff), bearer(app, wang)):
        listed = await client.get(world.petitions_url(), headers=headers)
        assert listed.status_code == 200, listed.text
        items = {item["id"]: item for item in listed.json()["items"]}
        assert set(items) == {first, second}
        assert (items[first]["signatures"], items[second]["signatures"]) == (1, 0)
        assert items[second]["kind"] == "FIRST_ASSEMBLY_APPLICATION"
    page = await client.get(world.petitions_url(), params={"limit": 1}, headers=world.committee)
    assert len(page.json()["items"]) == 1
    assert page.json()["next_cursor"]
    read = await client.get(f"/api/v1/petitions/{first}", headers=world.committee)
    assert read.status_code == 200
    assert read.json()["opened_by_me"] is False
    assert read.json()["submitted_to"] == "COMMITTEE"
    mine = await client.get(f"/api/v1/petitions/{second}", headers=bearer(app, wang))
    assert mine.json()["opened_by_me"] is True
    assert mine.json()["submitted_to"] == "STREET_OFFICE"
    missing = await client.get(f"/api/v1/petitions/{uuid.uuid4()}", headers=world.committee)
    assert (missing.status_code, missing.json()["code"]) == (404, "petition.not_found")


# --- submission and escalation (Beijing Arts. 35(2), 36) ---


async def test_submit_then_escalate_to_the_street_office(client, session, app, world):
    wang = await _account(session, app, WANG)
    li = await _account(session, app, LI)
    petition_id = await _opened(client, app, world, wang)
    url = f"/api/v1/petitions/{petition_id}"
    await _signed(client, app, petition_id, wang, world.groups["1-1-101"])
    early = await client.post(f"{url}/submit", headers=bearer(app, wang))
    assert (early.status_code, early.json()["code"]) == (409, "petition.threshold_not_met")
    assert early.json()["count"]["result"] == "FAILED"
    premature = await client.post(f"{url}/escalate", headers=bearer(app, wang))
    assert (premature.status_code, premature.json()["code"]) == (409, "petition.not_escalatable")
    await _signed(client, app, petition_id, li, world.groups["1-2-201"])

    not_mine = await client.post(f"{url}/submit", headers=bearer(app, li))
    assert (not_mine.status_code, not_mine.json()["code"]) == (403, "petition.not_opener")
    app.state.clock = lambda: NOW + timedelta(days=1)
    submitted = await client.post(f"{url}/submit", headers=bearer(app, wang))
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "SUBMITTED"
    assert datetime.fromisoformat(submitted.json()["submitted_at"]) == NOW + timedelta(days=1)
    again = await client.post(f"{url}/submit", headers=bearer(app, wang))
    assert (again.status_code, again.json()["code"]) == (409, "petition.already_submitted")
    zhao = await _account(session, app, ZHAO)
    late = await _sign(client, app, petition_id, zhao, world.groups["1-2-202"])
    assert (late.status_code, late.json()["code"]) == (409, "petition.not_collecting")

    # Art. 36: no day limit; the dates are recorded
    app.state.clock = lambda: NOW + timedelta(days=40)
    not_mine = await client.post(f"{url}/escalate", headers=bearer(app, li))
    assert (not_mine.status_code, not_mine.json()["code"]) == (403, "petition.not_opener")
    escalated = await client.post(f"{url}/escalate", headers=bearer(app, wang))
    assert escalated.status_code == 200, escalated.text
    body = escalated.json()
    assert body["status"] == "ESCALATED"
    assert datetime.fromisoformat(body["escalated_at"]) == NOW + timedelta(days=40)
    assert datetime.fromisoformat(body["submitted_at"]) == NOW + timedelta(days=1)
    twice = await client.post(f"{url}/escalate", headers=bearer(app, wang))
    assert (twice.status_code, twice.json()["code"]) == (409, "petition.not_escalatable")
    assert await _notices(session, world.estate_id) == 3  # threshold met, submitted, escalated
    assert await _audit(session, petition_id) == [
        "petition.escalated",
        "petition.opened",
        "petition.signed",
        "petition.signed",
        "petition.submitted",
        "petition.threshold_met",
    ]


async def test_submission_freezes_the_register_version_counted(client, session, app, world):
    wang = await _account(session, app, WANG)
    li = await _account(session, app, LI)
    submitted_id = await _opened(client, app, world, wang)
    open_id = await _opened(client, app, world, li)
    for petition_id in (submitted_id, open_id):
        await _signed(client, app, petition_id, wang, world.groups["1-1-101"])
        await _signed(client, app, petition_id, li, world.groups["1-2-201"])
    assert (await client.post(f"/api/v1/petitions/{submitted_id}/submit", headers=bearer(app, wang))).status_code == 200

    # version 2: 王一's units pass to someone else, so his group is no longer in the roll
    content = SAMPLE.read_text(encoding="utf-8-sig").replace(WANG, resident_id(7)).replace("王一", "新业主")
    await import_register(
        session,
        world.estate_id,
        content.encode(),
        register_format=RegisterFormat.CSV,
        source_name="v2.csv",
        imported_by=OPERATOR,
        cipher=app.state.cipher,
    )
    await session.commit()
    frozen = (await client.get(f"/api/v1/petitions/{submitted_id}", headers=world.committee)).json()
    assert (frozen["count"]["register_version_number"], frozen["count"]["signed_heads"]) == (1, 2)
    assert frozen["count"]["threshold_met"] is True
    live = (await client.get(f"/api/v1/petitions/{open_id}", headers=world.committee)).json()
    assert (live["count"]["register_version_number"], live["count"]["signed_heads"]) == (2, 1)
    assert live["count"]["signatures_not_counted"] == 1
    assert {s["group_id"]: s["counted"] for s in live["signatures"]} == {
        world.groups["1-1-101"]: False,
        world.groups["1-2-201"]: True,
    }
    assert live["status"] == "THRESHOLD_MET"  # once met, recorded; submission re-checks on the current register
    refused = await client.post(f"/api/v1/petitions/{open_id}/submit", headers=bearer(app, li))
    assert (refused.status_code, refused.json()["code"]) == (409, "petition.threshold_not_met")
    # 王一 is no longer an owner of the estate: its petitions are no longer his to see or open
    assert (await client.get(f"/api/v1/petitions/{submitted_id}", headers=bearer(app, wang))).status_code == 404
    assert (await _open(client, app, world, wang)).status_code == 404


# --- R-LIFE-9: first-assembly application ---


async def test_first_assembly_one_head_of_eight_suffices(client, session, app, world):
    li = await _account(session, app, LI)
    petition_id = await _opened(client, app, world, li, kind="FIRST_ASSEMBLY_APPLICATION")
    empty = (await client.get(f"/api/v1/petitions/{petition_id}", headers=bearer(app, li))).json()["count"]
    assert (empty["delivered_area"], empty["delivered_area_percent"]) == (68000, "75.56%")
    assert (empty["thresholds_reached"], empty["result"], empty["threshold_met"]) == (
        ["DELIVERED_AREA"],
        "NOT_ELIGIBLE",
        False,
    )
    signed = await _signed(client, app, petition_id, li, world.groups["3-1-102"])
    count = signed["count"]
    assert (count["signed_heads"], count["signed_area"], count["rule"]) == (1, 6450, "R-LIFE-9")
    assert count["formulas"] == [
        "2*delivered_area >= total_area: 2*68000 = 136000 >= 90000",
        "20*applicant_heads >= total_heads: 20*1 = 20 >= 8",
        "20*applicant_area >= total_area: 20*6450 = 129000 >= 90000",
    ]
    assert count["thresholds_reached"] == ["DELIVERED_AREA", "APPLICANT_HEADS", "APPLICANT_AREA"]
    assert (count["result"], count["applicant_is_developer"], signed["status"]) == ("ELIGIBLE", False, "THRESHOLD_MET")
    assert await _notices(session, world.estate_id) == 1
    submitted = await client.post(f"/api/v1/petitions/{petition_id}/submit", headers=bearer(app, li))
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "SUBMITTED"
    # an application goes to the street office directly: Art. 36 escalation does not apply
    refused = await client.post(f"/api/v1/petitions/{petition_id}/escalate", headers=bearer(app, li))
    assert (refused.status_code, refused.json()["code"]) == (409, "petition.not_escalatable")


async def test_first_assembly_area_threshold_is_exactly_five_percent(client, session, app):
    """21 heads, 90000: one head is below 5 % of heads (20 < 21); 4500 reaches 5 % of the area, 4275 does not."""
    app.state.clock = lambda: NOW
    rows = [owner_row(100, "45.00", resident_id(100))]
    rows += [owner_row(101 + n, "42.75", resident_id(101 + n)) for n in range(20)]
    world = await _estate(client, session, app, (HEADER + "".join(rows)).encode())
    big = await _account(session, app, resident_id(100))
    small = await _account(session, app, resident_id(101))
    at_threshold = await _opened(client, app, world, big, kind="FIRST_ASSEMBLY_APPLICATION")
    below = await _opened(client, app, world, small, kind="FIRST_ASSEMBLY_APPLICATION")

    count = (await _signed(client, app, at_threshold, big, world.groups["9-1-100"]))["count"]
    assert (count["total_heads"], count["total_area"], count["signed_area"]) == (21, 90000, 4500)
    assert count["formulas"][1:] == [
        "20*applicant_heads >= total_heads: 20*1 = 20 < 21",
        "20*applicant_area >= total_area: 20*4500 = 90000 >= 90000",
    ]
    assert (count["thresholds_reached"], count["result"]) == (["DELIVERED_AREA", "APPLICANT_AREA"], "ELIGIBLE")

    count = (await _signed(client, app, below, small, world.groups["9-1-101"]))["count"]
    assert count["formulas"][2] == "20*applicant_area >= total_area: 20*4275 = 85500 < 90000"
    assert (count["thresholds_reached"], count["result"], count["threshold_met"]) == (
        ["DELIVERED_AREA"],
        "NOT_ELIGIBLE",
        False,
    )


async def test_first_assembly_precondition_fails_when_the_developer_holds_most_area(client, session, app):
    app.state.clock = lambda: NOW
    rows = [owner_row(101, "100.00", resident_id(201)), developer_row(102, "100.00"), developer_row(103, "100.00")]
    world = await _estate(client, session, app, (HEADER + "".join(rows)).encode())
    owner = await _account(session, app, resident_id(201))
    petition_id = await _opened(client, app, world, owner, kind="FIRST_ASSEMBLY_APPLICATION")
    signed = await _signed(client, app, petition_id, owner, world.groups["9-1-101"])
    count = signed["count"]
    assert (count["total_heads"], count["total_area"], count["delivered_area"]) == (2, 30000, 10000)
    assert count["formulas"][0] == "2*delivered_area >= total_area: 2*10000 = 20000 < 30000"
    # the applicant would qualify by heads and area, but fewer than half the area is delivered
    assert count["thresholds_reached"] == ["APPLICANT_HEADS", "APPLICANT_AREA"]
    assert (count["result"], count["threshold_met"], signed["status"]) == ("NOT_ELIGIBLE", False, "OPEN")
    assert "50%" in count["reason_en"]
    assert "R-LIFE-9" in count["reason_zh"]
    refused = await client.post(f"/api/v1/petitions/{petition_id}/submit", headers=bearer(app, owner))
    assert (refused.status_code, refused.json()["code"]) == (409, "petition.threshold_not_met")
    assert refused.json()["messages"]["en"].endswith("(NOT_ELIGIBLE), so it cannot be submitted.")
    assert await _notices(session, world.estate_id) == 0


async def test_the_developer_applies_alone_through_its_representative(client, session, app):
    """26 heads: the developer's one head (unsold 9-1-201) is neither 5 % of heads nor of area; it qualifies as such."""
    app.state.clock = lambda: NOW
    rows = [owner_row(101 + n, "100.00", resident_id(301 + n)) for n in range(25)] + [developer_row(201, "100.00")]
    world = await _estate(client, session, app, (HEADER + "".join(rows)).encode())
    representative = await _developer_representative(client, session, app, world, "9-1-201")

    meeting = await _open(client, app, world, representative)  # R-LIFE-10 petitions are the owners'
    assert (meeting.status_code, meeting.json()["code"]) == (403, "petition.not_owner")
    petition_id = await _opened(client, app, world, representative, kind="FIRST_ASSEMBLY_APPLICATION")
    signed = await _signed(client, app, petition_id, representative, world.groups["9-1-201"])
    count = signed["count"]
    assert (count["total_heads"], count["signed_heads"], count["signed_area"]) == (26, 1, 10000)
    assert count["formulas"][1:] == [
        "20*applicant_heads >= total_heads: 20*1 = 20 < 26",
        "20*applicant_area >= total_area: 20*10000 = 200000 < 260000",
    ]
    assert count["thresholds_reached"] == ["DELIVERED_AREA", "DEVELOPER"]
    assert (count["applicant_is_developer"], count["result"], signed["status"]) == (True, "ELIGIBLE", "THRESHOLD_MET")
    assert signed["signatures"][0]["basis"] == "SEALED_AUTHORISATION"
    assert await _notices(session, world.estate_id) == 1
    submitted = await client.post(f"/api/v1/petitions/{petition_id}/submit", headers=bearer(app, representative))
    assert submitted.status_code == 200, submitted.text


async def test_the_developer_group_counts_as_one_head_in_a_meeting_petition(client, session, app, world):
    """R-LIFE-10: heads include the developer's group (unsold + undelivered units, one head, R-HEAD-4)."""
    wang = await _account(session, app, WANG)
    representative = await _developer_representative(client, session, app, world, "2-2-201")
    petition_id = await _opened(client, app, world, wang)
    await _signed(client, app, petition_id, wang, world.groups["1-1-101"])
    signed = await _signed(client, app, petition_id, representative, world.groups["2-2-201"])
    assert (signed["count"]["signed_heads"], signed["count"]["signed_area"], signed["status"]) == (
        2,
        40000,
        "THRESHOLD_MET",
    )


async def test_a_proxy_signs_only_under_an_authorisation_for_any_vote(client, session, app, world):
    """CHOICE (R-CAST-4): an authorisation naming particular votes covers those votes, not a petition."""
    wang = await _account(session, app, WANG)
    zhao = await owner_id(session, app, ZHAO)
    person = await register_repository.get_or_create_owner(
        session, kind=OwnerKind.PERSON, identifier=resident_id(998), cipher=app.state.cipher
    )
    agent = await make_account(session, app.state.cipher, owner_id=person.id)
    scoped = ActingGrant(
        estate_id=world.estate_id, group_key=voter_group_key([str(zhao)]), kind=ActingKind.PROXY,
        grantee_account_id=agent.id, requested_by_account_id=agent.id, status=GrantStatus.APPROVED,
        evidence_type="E_SIGNATURE", signed_by_owner_ids=[str(zhao)], scope={"vote_ids": [str(uuid.uuid4())]},
        decided_by="tests", decided_at=NOW,
    )  # fmt: skip
    session.add(scoped)
    await session.commit()
    petition_id = await _opened(client, app, world, wang)
    refused = await _sign(client, app, petition_id, agent, world.groups["1-2-202"])
    assert (refused.status_code, refused.json()["code"], refused.json()["reason"]) == (
        403,
        "cast.not_entitled",
        "scope_excludes_vote",
    )
    scoped.scope = {}  # an authorisation for any vote and topic
    await session.commit()
    signed = await _signed(client, app, petition_id, agent, world.groups["1-2-202"])
    assert (signed["signatures"][0]["basis"], signed["count"]["signed_heads"]) == ("PROXY", 1)
    stored = await session.scalar(select(PetitionSignature.grant_id))
    assert stored == scoped.id
