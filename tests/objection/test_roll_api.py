"""The roll open to the estate's owners, objections and answers, the corrected roll (R-ROLL-7), through HTTP.

The vote is published through the API on 2025-03-01 10:00 (Beijing) with voting 03-17 – 03-24 over the sample
register (8 heads, 90000 = 900.00 m²): 王一 owns 1-1-101 and 1-1-102 (one group, 18000); 赵四 owns 1-2-202
(9000). SPC Interpretation (2020) Art. 13 and Beijing Art. 32 give owners the roll; the notice period is the
time to object; a correction re-publishes the roll and the notice period runs again (CHOICE, docs/rules.md).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.identity.models import Account
from app.identity.service import OPERATOR
from app.integrity.check import check_database
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.notice.models import Notice, NoticeKind
from app.register.models import UnitOwner
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from tests.factories import bearer, make_account, make_places
from tests.notice.helpers import HEADER, resident_id
from tests.vote.helpers import (
    EARLIEST_START,
    PUBLISHED_AT,
    SAMPLE,
    SHANGHAI,
    WINDOW_END,
    Estate,
    key,
    make_estate,
    problem_code,
    published_vote,
)

NOTICE_PERIOD = PUBLISHED_AT + timedelta(days=4)  # 2025-03-05: after publication, before voting opens
OBJECTION = "1-2-202 的面积应为 95.00 平方米，以不动产权证为准。联系电话 13900000001。"


async def _account(session, app, name: str) -> Account:  # type: ignore[no-untyped-def]
    owner = await session.scalar(select(UnitOwner.owner_id).where(UnitOwner.name == name).limit(1))
    account = await make_account(session, app.state.cipher, owner_id=owner)
    await session.commit()
    return account


def _at(app, moment: datetime) -> None:  # type: ignore[no-untyped-def]
    app.state.clock = lambda: moment


async def _entries(client, vote_id: str, headers: dict[str, str], *, limit: int = 100) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(f"/api/v1/votes/{vote_id}/roll", params=params, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


def _entry_of(entries: list[dict[str, Any]], unit_key: str) -> dict[str, Any]:
    return next(entry for entry in entries if unit_key in [unit["unit_key"] for unit in entry["units"]])


async def _world(client, session, app) -> tuple[Estate, dict[str, Any], dict[str, Account]]:  # type: ignore[no-untyped-def]
    estate = await make_estate(session, app, client)
    vote = await published_vote(client, estate)
    owners = {name: await _account(session, app, name) for name in ("王一", "赵四")}
    return estate, vote, owners


async def _entries_of_kind(session, vote_id: str, kind: EventKind) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.vote_id == uuid.UUID(vote_id), AuditEntry.kind == kind.value)
        .order_by(AuditEntry.created_at)
    )
    return list(rows)


async def _file(client, app, vote_id: str, account: Account, **body: Any):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/votes/{vote_id}/roll/objections", json={"text": OBJECTION} | body, headers=bearer(app, account)
    )


# --- reading the roll ---------------------------------------------------------------------------------------------


async def test_an_owner_of_the_estate_reads_the_roll_with_masked_names_page_by_page(client, session, app):
    estate, vote, owners = await _world(client, session, app)
    _at(app, NOTICE_PERIOD)
    wang = bearer(app, owners["王一"])
    first = await client.get(f"/api/v1/votes/{vote['id']}/roll", params={"limit": 3}, headers=wang)
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == {"heads": 8, "area": 90000, "area_m2": "900.00"}
    assert page["roll_hash"] == vote["roll_hash"]
    assert page["register_version_number"] == 1
    assert len(page["items"]) == 3
    assert page["next_cursor"] is not None
    entries = await _entries(client, vote["id"], wang, limit=3)
    assert len(entries) == 8 == len({entry["group_id"] for entry in entries})  # every group once over the pages
    assert sum(entry["heads"] for entry in entries) == 8
    assert sum(entry["area"] for entry in entries) == 90000
    wang_group = _entry_of(entries, "1-1-101")
    assert (wang_group["area"], wang_group["area_m2"], wang_group["heads"]) == (18000, "180.00", 1)
    assert {unit["unit_key"]: (unit["area"], unit["area_m2"], unit["owners"]) for unit in wang_group["units"]} == {
        "1-1-101": (10000, "100.00", ["王*"]),
        "1-1-102": (8000, "80.00", ["王*"]),
    }
    co_owned = _entry_of(entries, "1-2-201")
    assert co_owned["units"][0]["owners"] == ["李*", "张*"]  # R-HEAD-2: one head, both owners named, masked
    developer = _entry_of(entries, "2-2-201")
    assert developer["is_developer"] is True
    text = "".join(str(entry) for entry in entries)
    # Never a full name, an ID number, a certificate number or a phone (R-PI-2).
    for secret in ("王一", "李二", "赵四", "北京某某商贸有限公司", "110105", "91110105", "不动产权第", "1390000"):
        assert secret not in text
    # Each page read is logged (R-REC-5), restricted: it names the reader's account.
    reads = await _entries_of_kind(session, vote["id"], EventKind.INSPECTION_ACCESSED)
    assert len(reads) == 1 + 3  # the first page, then the three pages of the walk
    assert {entry.payload["capacity"] for entry in reads} == {"OWNER"}
    assert all(entry.payload["sha256"] == vote["roll_hash"] for entry in reads)
    assert all(disclosure(entry.kind, entry.payload) is Disclosure.RESTRICTED for entry in reads)
    # The organiser and the street office read it too; the residents' committee and the auditor do not.
    for role in (Role.COMMITTEE, Role.STREET_OFFICE):
        response = await client.get(f"/api/v1/votes/{vote['id']}/roll", headers=await key(session, app, role, estate))
        assert response.status_code == 200, (role, response.text)
    for role in (Role.OBSERVER, Role.AUDITOR):
        response = await client.get(f"/api/v1/votes/{vote['id']}/roll", headers=await key(session, app, role, estate))
        assert (response.status_code, problem_code(response)) == (403, "objection.roll_not_open_to_role"), role


async def test_an_owner_of_another_estate_and_an_unverified_account_are_refused(client, session, app):
    _estate, vote, _owners = await _world(client, session, app)
    other = await make_places(session, app.state.cipher)
    id_b = resident_id("11010519900202456")
    register_b = HEADER + f"1,1,101,100.00,不动产登记,否,已售,是,不动产登记,京(2020)第9号,吴九,{id_b},个人\n"
    await import_register(
        session, other.estate.id, register_b.encode(), register_format=RegisterFormat.CSV, source_name="b.csv",
        imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    owner_b = await _account(session, app, "吴九")
    unverified = await make_account(session, app.state.cipher)
    await session.commit()
    _at(app, NOTICE_PERIOD)
    for account in (owner_b, unverified):
        headers = bearer(app, account)
        response = await client.get(f"/api/v1/votes/{vote['id']}/roll", headers=headers)
        assert (response.status_code, problem_code(response)) == (404, "not_found"), response.text
        filed = await client.post(
            f"/api/v1/votes/{vote['id']}/roll/objections", json={"unit_key": "1-1-101", "text": "x"}, headers=headers
        )
        assert filed.status_code == 404, filed.text
    assert await _entries_of_kind(session, vote["id"], EventKind.ROLL_OBJECTION_FILED) == []
    anonymous = await client.get(f"/api/v1/votes/{vote['id']}/roll")
    assert anonymous.status_code == 401


# --- objections and answers ---------------------------------------------------------------------------------------


def _commitment(objection: dict[str, Any], part: str, text: str) -> str:
    document = {
        "domain": "evote/roll-objection@1",
        "objection_id": objection["id"],
        "vote_id": objection["vote_id"],
        "part": part,
        "text": text,
        "salt": objection["salt"],
    }
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


async def test_an_objection_in_the_notice_period_is_answered_and_both_are_logged_without_the_texts(
    client, session, app
):
    estate, vote, owners = await _world(client, session, app)
    _at(app, NOTICE_PERIOD)
    zhao, wang = bearer(app, owners["赵四"]), bearer(app, owners["王一"])
    entries = await _entries(client, vote["id"], zhao)
    group = _entry_of(entries, "1-2-202")["group_id"]
    filed = await _file(client, app, vote["id"], owners["赵四"], group_id=group, unit_key="1-2-202")
    assert filed.status_code == 201, filed.text
    objection = filed.json()
    assert (objection["group_id"], objection["unit_key"], objection["text"]) == (group, "1-2-202", OBJECTION)
    assert objection["filed_by_me"] is True
    assert objection["decision"] is None
    assert objection["text_commitment"] == _commitment(objection, "objection", OBJECTION)

    # A unit of another group, or a group that is not in the roll, is not an entry of this roll.
    wrong = await _file(client, app, vote["id"], owners["赵四"], group_id=group, unit_key="1-1-101")
    assert (wrong.status_code, problem_code(wrong)) == (404, "objection.entry_not_found")
    missing = await _file(client, app, vote["id"], owners["王一"], unit_key="9-9-909")  # a unit left out
    assert missing.status_code == 201
    assert missing.json()["group_id"] is None
    # Staff answer objections; they do not file them.
    committee = estate.committee
    staff = await client.post(
        f"/api/v1/votes/{vote['id']}/roll/objections", json={"unit_key": "1-1-101", "text": "x"}, headers=committee
    )
    assert (staff.status_code, problem_code(staff)) == (403, "objection.not_estate_owner")

    # An owner who is not a party does not read it; the objector and the organiser do.
    assert (await client.get(f"/api/v1/roll-objections/{objection['id']}", headers=wang)).status_code == 404
    mine = await client.get(f"/api/v1/votes/{vote['id']}/roll/objections", headers=wang)
    assert [item["id"] for item in mine.json()["items"]] == [missing.json()["id"]]
    everything = await client.get(f"/api/v1/votes/{vote['id']}/roll/objections", headers=committee)
    assert len(everything.json()["items"]) == 2

    _at(app, NOTICE_PERIOD + timedelta(days=1))
    reasons = "经核对不动产登记簿，1-2-202 面积为 90.00 平方米，名册无误。"
    answered = await client.post(
        f"/api/v1/roll-objections/{objection['id']}/answer",
        json={"decision": "REJECTED", "reasons": reasons},
        headers=committee,
    )
    assert answered.status_code == 200, answered.text
    assert (answered.json()["decision"], answered.json()["reasons"]) == ("REJECTED", reasons)
    assert answered.json()["reasons_commitment"] == _commitment(objection, "answer", reasons)
    again = await client.post(
        f"/api/v1/roll-objections/{objection['id']}/answer", json={"decision": "ACCEPTED", "reasons": "改"},
        headers=committee,
    )  # fmt: skip
    assert (again.status_code, problem_code(again)) == (409, "objection.already_answered")
    seen = await client.get(f"/api/v1/roll-objections/{objection['id']}", headers=bearer(app, owners["赵四"]))
    assert (seen.status_code, seen.json()["reasons"]) == (200, reasons)
    street = await key(session, app, Role.STREET_OFFICE, estate)
    assert (await client.get(f"/api/v1/roll-objections/{objection['id']}", headers=street)).status_code == 200
    not_organiser = await client.post(
        f"/api/v1/roll-objections/{missing.json()['id']}/answer", json={"decision": "REJECTED", "reasons": "无"},
        headers=street,
    )  # fmt: skip
    assert (not_organiser.status_code, problem_code(not_organiser)) == (403, "vote.not_organiser")

    # Both acts are logged; public payloads carry ids, hashes and commitments, never the texts or who filed.
    [filed_entry, _] = await _entries_of_kind(session, vote["id"], EventKind.ROLL_OBJECTION_FILED)
    assert filed_entry.payload == {
        "objection_id": objection["id"],
        "roll_hash": vote["roll_hash"],
        "filed_at": "2025-03-05T02:00:00Z",
        "text_commitment": objection["text_commitment"],
    }
    [answer_entry] = await _entries_of_kind(session, vote["id"], EventKind.ROLL_OBJECTION_ANSWERED)
    assert answer_entry.payload == {
        "objection_id": objection["id"],
        "decision": "REJECTED",
        "answered_at": "2025-03-06T02:00:00Z",
        "answered_by": f"COMMITTEE@{estate.id}",
        "reasons_commitment": answered.json()["reasons_commitment"],
    }
    for entry in (filed_entry, answer_entry):
        assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    everything_logged = " ".join(str(row.payload) for row in await session.scalars(select(AuditEntry)))
    assert OBJECTION not in everything_logged
    assert reasons not in everything_logged
    assert "1-2-202" not in everything_logged


async def test_an_objection_after_voting_opened_is_refused(client, session, app):
    _, vote, owners = await _world(client, session, app)
    _at(app, EARLIEST_START + timedelta(hours=1))
    late = await _file(client, app, vote["id"], owners["赵四"], unit_key="1-2-202")
    assert (late.status_code, problem_code(late)) == (409, "objection.notice_period_over")
    assert await _entries_of_kind(session, vote["id"], EventKind.ROLL_OBJECTION_FILED) == []
    # The roll stays readable while voting runs.
    assert len(await _entries(client, vote["id"], bearer(app, owners["赵四"]))) == 8


# --- a correction re-publishes the roll; the notice period runs again --------------------------------------------


async def test_an_accepted_objection_leads_to_a_corrected_version_and_a_republished_roll(client, session, app):
    estate, vote, owners = await _world(client, session, app)
    committee = estate.committee
    _at(app, NOTICE_PERIOD)
    filed = await _file(client, app, vote["id"], owners["赵四"], unit_key="1-2-202")
    objection = filed.json()
    accepted = await client.post(
        f"/api/v1/roll-objections/{objection['id']}/answer",
        json={"decision": "ACCEPTED", "reasons": "经核对，面积应为 95.00 平方米，将更正名册。"},
        headers=committee,
    )
    assert accepted.status_code == 200, accepted.text
    # Nothing to re-publish before the corrected register is imported.
    early = await client.post(f"/api/v1/votes/{vote['id']}/roll/republish", json={}, headers=committee)
    assert (early.status_code, problem_code(early)) == (409, "objection.roll_unchanged")
    corrected = SAMPLE.read_text(encoding="utf-8-sig").replace(
        "1,2,202,90.00,", "1,2,202,95.00,"
    )  # the existing import and diff machinery (R-ROLL-3 visibility)
    imported = await client.post(
        f"/api/v1/estates/{estate.id}/register/imports",
        files={"file": ("register-v2.csv", corrected.encode(), "text/csv")},
        headers=committee,
    )
    assert (imported.status_code, imported.json()["version"]["number"]) == (201, 2)
    diff = await client.get(f"/api/v1/estates/{estate.id}/register/diff", headers=committee)
    assert [(unit["unit_key"], unit["fields"]) for unit in diff.json()["units"]] == [("1-2-202", ["area"])]

    # The notice period runs again from the re-publication on 03-05: voting may start on 03-21 at the earliest,
    # so the published window (03-17) is refused and a new one is given.
    kept = await client.post(
        f"/api/v1/votes/{vote['id']}/roll/republish", json={"objection_ids": [objection["id"]]}, headers=committee
    )
    assert (kept.status_code, problem_code(kept)) == (422, "rules.notice_period_too_short")
    new_start = datetime(2025, 3, 21, 0, 0, tzinfo=SHANGHAI)
    republished = await client.post(
        f"/api/v1/votes/{vote['id']}/roll/republish",
        json={
            "objection_ids": [objection["id"]],
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + timedelta(days=7)).isoformat(),
        },
        headers=committee,
    )
    assert republished.status_code == 200, republished.text
    body = republished.json()
    assert body["total"] == {"heads": 8, "area": 90500, "area_m2": "905.00"}
    assert body["register_version_number"] == 2
    assert body["previous_roll_hash"] == vote["roll_hash"] != body["roll_hash"]
    assert datetime.fromisoformat(body["earliest_start"]) == new_start
    assert body["objection_ids"] == [objection["id"]]
    # The vote reads the corrected roll and window; its owners read the corrected entry.
    read = (await client.get(f"/api/v1/votes/{vote['id']}", headers=committee)).json()
    assert (read["roll_hash"], read["notice_hash"]) == (body["roll_hash"], body["notice_hash"])
    assert datetime.fromisoformat(read["starts_at"]) == new_start
    entries = await _entries(client, vote["id"], bearer(app, owners["赵四"]))
    assert _entry_of(entries, "1-2-202")["area_m2"] == "95.00"
    done = await client.get(f"/api/v1/roll-objections/{objection['id']}", headers=committee)
    assert done.json()["corrected_in_version_id"] == imported.json()["version"]["id"]
    # An objection already acted on cannot be cited again.
    again = await client.post(
        f"/api/v1/votes/{vote['id']}/roll/republish", json={"objection_ids": [objection["id"]]}, headers=committee
    )
    assert again.status_code == 409

    # Logged, and told to the owners with the new window.
    [entry] = await _entries_of_kind(session, vote["id"], EventKind.VOTE_ROLL_REPUBLISHED)
    assert entry.payload["previous_roll_hash"] == vote["roll_hash"]
    assert entry.payload["roll_hash"] == body["roll_hash"]
    assert entry.payload["earliest_start"] == "2025-03-20T16:00:00Z"
    assert entry.payload["objections"] == [objection["id"]]
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    notices = list(
        await session.scalars(
            select(Notice).where(Notice.vote_id == uuid.UUID(vote["id"]), Notice.kind == NoticeKind.VOTE_NOTICE)
        )
    )
    assert len(notices) == 2
    assert any("重新公示" in notice.title and "2025-03-21 00:00" in notice.body for notice in notices)
    # The new notice period is a notice period: voting has not opened on 03-18, objections are taken again.
    _at(app, datetime(2025, 3, 18, 9, 0, tzinfo=SHANGHAI))
    second = await _file(client, app, vote["id"], owners["王一"], unit_key="1-1-101")
    assert second.status_code == 201, second.text
    assert second.json()["roll_hash"] == body["roll_hash"]
    wang_group = _entry_of(entries, "1-1-101")["group_id"]
    cast = await client.post(
        f"/api/v1/votes/{vote['id']}/ballots",
        json={"group_id": wang_group, "answers": {read["topics"][0]["id"]: "AGREE"}},
        headers=bearer(app, owners["王一"]),
    )
    assert (cast.status_code, problem_code(cast)) == (409, "ballot.vote_not_open"), cast.text
    # The live database agrees with the log: the roll check reads the last re-publication (evote audit check).
    session.expire_all()
    report = await check_database(
        session,
        app.state.log_keys,
        pseudonym_key=app.state.settings.key("pseudonym_key"),
        vote_id=uuid.UUID(vote["id"]),
    )
    assert [problem for problem in report.problems if problem.check == "roll"] == []
    assert report.counts["roll_group"] == 8


# --- unanswered objections in the result's evidence ---------------------------------------------------------------


async def test_an_unanswered_objection_appears_in_the_results_evidence(client, session, app):
    estate, vote, owners = await _world(client, session, app)
    _at(app, NOTICE_PERIOD)
    unanswered = (await _file(client, app, vote["id"], owners["赵四"], unit_key="1-2-202")).json()
    late = (await _file(client, app, vote["id"], owners["王一"], unit_key="1-1-101")).json()
    _at(app, EARLIEST_START + timedelta(days=1))  # answered only once voting had opened
    answered = await client.post(
        f"/api/v1/roll-objections/{late['id']}/answer",
        json={"decision": "REJECTED", "reasons": "名册无误。"},
        headers=estate.committee,
    )
    assert answered.status_code == 200, answered.text
    entries = await _entries(client, vote["id"], estate.committee)
    cast = await client.post(
        f"/api/v1/votes/{vote['id']}/ballots",
        json={"group_id": _entry_of(entries, "1-1-101")["group_id"], "answers": {vote["topics"][0]["id"]: "AGREE"}},
        headers=bearer(app, owners["王一"]),
    )
    assert cast.status_code == 201, cast.text
    _at(app, WINDOW_END)
    closed = await client.post(f"/api/v1/votes/{vote['id']}/close", headers=estate.committee)
    assert closed.status_code == 200, closed.text
    result = await client.get(f"/api/v1/votes/{vote['id']}/result", headers=bearer(app, owners["赵四"]))
    assert result.status_code == 200, result.text
    assert result.json()["roll_objections"] == {
        "filed": 2,
        "accepted": 0,
        "rejected": 1,
        "unanswered": 1,
        "unanswered_ids": [unanswered["id"]],
        "answered_after_voting_opened_ids": [late["id"]],
        "accepted_not_corrected_ids": [],
    }
    assert OBJECTION not in result.text
    # Answers stop at the close, so the evidence stays as published.
    after = await client.post(
        f"/api/v1/roll-objections/{unanswered['id']}/answer",
        json={"decision": "REJECTED", "reasons": "逾期答复。"},
        headers=estate.committee,
    )
    assert (after.status_code, problem_code(after)) == (409, "objection.vote_closed")
