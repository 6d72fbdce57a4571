"""A committee's disclosures through the HTTP API (R-DISC-1..6; issue #18 item 5).

The half-yearly publication of the members' and alternates' fee payments (Beijing Art. 44(8); seed 003 §四.4), the
committee's yearly report (Art. 44(1); seed 003 §三.3) and the street office's yearly evaluation (seed 003 §四.3), on
the RULES.md section-P estate with a 业委会 of 王一, 李二, 赵四 and the alternate 钱五 seated on 2025-03-01.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.identity.service import OPERATOR
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.register.models import RegisterVersion, Unit, UnitOwner
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.reminder.service import publish_due_reminders
from tests.ballot.helpers import LI, WANG, ZHAO
from tests.committee.test_committees_api import QIAN, record_committee
from tests.drills.common import register_csv
from tests.factories import bearer, make_account
from tests.vote.helpers import SHANGHAI, Estate, key, make_estate, owner_headers

JULY = datetime(2025, 7, 10, 10, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n% work report\n"
FINANCES = b"%PDF-1.4\n% finances 2024\n"
NAMES = ("王一", "李二", "赵四", "钱五")


async def _world(client, session, app, **term: str) -> tuple[Estate, dict[str, Any]]:  # type: ignore[no-untyped-def]
    estate = await make_estate(session, app, client)
    committee = await record_committee(client, estate, estate.committee, [WANG, LI, ZHAO], alternates=[QIAN], **term)
    app.state.clock = lambda: JULY  # the first half of 2025 has ended
    return estate, committee


async def _other_estates_owner(client, session, app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A verified owner of another estate (its own register), bound there only."""
    other = await make_estate(session, app, client, register=False)
    await import_register(
        session, other.id, register_csv(3, first=470_000), register_format=RegisterFormat.CSV, source_name="b.csv",
        imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    await session.commit()
    owner_id = await session.scalar(
        select(UnitOwner.owner_id)
        .join(Unit, Unit.id == UnitOwner.unit_id)
        .join(RegisterVersion, RegisterVersion.id == Unit.register_version_id)
        .where(RegisterVersion.estate_id == other.id)
        .limit(1)
    )
    assert owner_id is not None
    account = await make_account(session, app.state.cipher, owner_id=owner_id)
    await session.commit()
    app.state.clock = lambda: JULY
    return bearer(app, account)


def _entries(committee: dict[str, Any], arrears: str = "李二") -> list[dict[str, Any]]:
    return [
        {
            "member_id": member["id"],
            "property_fee": "IN_ARREARS" if member["name"] == arrears else "PAID",
            "parking_fee": "NOT_APPLICABLE" if member["seat_kind"] == "ALTERNATE" else "PAID",
        }
        for member in committee["members"]
    ]


def _fees(year: int = 2025, half: int = 1, **overrides: Any) -> dict[str, Any]:
    return {"year": year, "half": half, "source": "PROPERTY_SERVICE_COMPANY", "source_document_sha256": "5" * 64} | (
        overrides
    )


# --- R-DISC-1/2: the half-yearly fee publication ---------------------------------------------------------------


async def test_the_committee_publishes_the_half_years_fee_payments_to_the_owners(client, session, app):
    estate, committee = await _world(client, session, app)
    url = f"/api/v1/committees/{committee['id']}/fee-disclosures"
    published = await client.post(url, json=_fees(entries=_entries(committee)), headers=estate.committee)
    assert published.status_code == 201, published.text
    body = published.json()
    assert (body["period"], body["as_of"]) == ("2025-H1", "2025-06-30")
    assert [(e["seat_kind"], e["seat"], e["name"], e["property_fee"]) for e in body["entries"]] == [
        ("MEMBER", 1, "王一", "PAID"), ("MEMBER", 2, "李二", "IN_ARREARS"), ("MEMBER", 3, "赵四", "PAID"),
        ("ALTERNATE", 1, "钱五", "PAID"),
    ]  # fmt: skip

    # The estate's owners read it (names masked as in the committee list, PIPL Art. 6) and get the notice.
    wang = await owner_headers(session, app, "王一")
    read = await client.get(url, headers=wang)
    assert read.status_code == 200, read.text
    assert [(e["name"], e["property_fee"]) for e in read.json()[0]["entries"]] == [
        ("王*", "PAID"), ("李*", "IN_ARREARS"), ("赵*", "PAID"), ("钱*", "PAID"),
    ]  # fmt: skip
    notices = (await client.get("/api/v1/me/notices", headers=wang)).json()["items"]
    [notice] = [n for n in notices if n["kind"] == "DISCLOSURE"]
    assert "2025年上半年" in notice["title"]
    assert "委员第 2 席：物业费欠缴" in notice["body"]
    assert not any(name in notice["body"] for name in NAMES)

    # Logged publicly with counts and hashes only (R-DISC-2).
    [entry] = (
        await session.scalars(select(AuditEntry).where(AuditEntry.kind == EventKind.COMMITTEE_FEES_PUBLISHED.value))
    ).all()
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    assert (entry.payload["listed"], entry.payload["in_arrears"]) == (4, 1)
    assert entry.payload["content_sha256"] == body["content_sha256"]
    text = str(entry.payload)
    assert not any(name in text for name in NAMES)
    assert not any(member["id"] in text for member in committee["members"])

    again = await client.post(url, json=_fees(entries=_entries(committee)), headers=estate.committee)
    assert again.status_code == 409
    assert again.json()["code"] == "disclosure.already_published"


async def test_fee_publication_refusals(client, session, app):
    estate, committee = await _world(client, session, app)
    url = f"/api/v1/committees/{committee['id']}/fee-disclosures"
    entries = _entries(committee)

    future = await client.post(url, json=_fees(2025, 2, entries=entries), headers=estate.committee)
    assert future.status_code == 422
    assert future.json()["code"] == "rules.disclosure_period_not_ended"
    assert "2025-H2" in future.json()["messages"]["en"]

    missing = await client.post(url, json=_fees(entries=entries[:3]), headers=estate.committee)
    assert missing.status_code == 422
    assert missing.json()["code"] == "disclosure.fee_entries_mismatch"
    doubled = await client.post(url, json=_fees(entries=[*entries, entries[0]]), headers=estate.committee)
    assert doubled.json()["code"] == "disclosure.fee_entries_mismatch"
    # Members seated on 2025-03-01 did not sit at the end of 2024: listing them for 2024-H2 is refused.
    earlier = await client.post(url, json=_fees(2024, 2, entries=entries), headers=estate.committee)
    assert earlier.json()["code"] == "disclosure.fee_entries_mismatch"
    before_term = await client.post(url, json=_fees(2023, 2, entries=entries), headers=estate.committee)
    assert before_term.json()["code"] == "disclosure.period_outside_term"
    no_property_na = [entries[0] | {"property_fee": "NOT_APPLICABLE"}, *entries[1:]]
    assert (await client.post(url, json=_fees(entries=no_property_na), headers=estate.committee)).status_code == 422

    office = await key(session, app, Role.STREET_OFFICE, estate)
    by_office = await client.post(url, json=_fees(entries=entries), headers=office)
    assert by_office.status_code == 403
    assert by_office.json()["code"] == "disclosure.committee_only"
    wang = await owner_headers(session, app, "王一")
    assert (await client.post(url, json=_fees(entries=entries), headers=wang)).status_code == 404

    stranger = await _other_estates_owner(client, session, app)
    assert (await client.get(url, headers=stranger)).status_code == 404


async def test_a_due_and_an_overdue_half_year_are_reminded_once_each(client, session, app):
    """R-DISC-3: due from the first day after the half-year, overdue after the following month."""
    estate, committee = await _world(client, session, app, term_starts_on="2025-01-01", term_ends_on="2029-12-31")
    office = await key(session, app, Role.STREET_OFFICE, estate)

    async def run(day: datetime) -> list[str]:
        async with app.state.sessionmaker() as job, job.begin():
            await publish_due_reminders(job, now=day)
        listed = (await client.get(f"/api/v1/estates/{estate.id}/notices", headers=office)).json()["items"]
        return sorted(n["title"] for n in listed if "交纳物业费" in n["title"] and n["kind"] == "REMINDER")

    assert await run(datetime(2025, 6, 30, 9, tzinfo=SHANGHAI)) == []  # 2024-H2 is before the term
    assert await run(datetime(2025, 7, 1, 9, tzinfo=SHANGHAI)) == ["提醒：应当公示2025年上半年委员交纳物业费情况"]
    assert len(await run(datetime(2025, 7, 31, 9, tzinfo=SHANGHAI))) == 1  # each stage once
    assert await run(datetime(2025, 8, 1, 9, tzinfo=SHANGHAI)) == [
        "提醒：已逾期未公示2025年上半年委员交纳物业费情况",
        "提醒：应当公示2025年上半年委员交纳物业费情况",
    ]
    app.state.clock = lambda: datetime(2025, 8, 2, 9, tzinfo=SHANGHAI)
    url = f"/api/v1/committees/{committee['id']}/fee-disclosures"
    assert (
        await client.post(url, json=_fees(entries=_entries(committee)), headers=estate.committee)
    ).status_code == 201
    assert len(await run(datetime(2026, 1, 5, 9, tzinfo=SHANGHAI))) == 3  # 2025-H2 is due now, 2025-H1 is done


# --- R-DISC-4: the yearly report --------------------------------------------------------------------------------


async def test_the_committee_publishes_its_yearly_report_and_owners_read_it(client, session, app):
    estate, committee = await _world(client, session, app)
    url = f"/api/v1/committees/{committee['id']}/reports"

    def files(work: bytes = PDF, finances: bytes = FINANCES) -> dict[str, Any]:
        return {
            "work_report": ("报告.pdf", work, "application/pdf"),
            "finances": ("f.pdf", finances, "application/pdf"),
        }

    published = await client.post(url, data={"year": "2024"}, files=files(), headers=estate.committee)
    assert published.status_code == 201, published.text
    report = published.json()
    assert {d["role"]: d["sha256"] for d in report["documents"]} == {
        "WORK_REPORT": hashlib.sha256(PDF).hexdigest(), "FINANCES": hashlib.sha256(FINANCES).hexdigest(),
    }  # fmt: skip

    wang = await owner_headers(session, app, "王一")
    assert [r["year"] for r in (await client.get(url, headers=wang)).json()] == [2024]
    document = await client.get(f"/api/v1/committee-reports/{report['id']}/documents/FINANCES", headers=wang)
    assert document.status_code == 200
    assert document.content == FINANCES
    assert document.headers["etag"] == f'"{hashlib.sha256(FINANCES).hexdigest()}"'
    notices = (await client.get("/api/v1/me/notices", headers=wang)).json()["items"]
    assert any(n["kind"] == "DISCLOSURE" and "2024年度工作报告" in n["title"] for n in notices)
    [entry] = (
        await session.scalars(select(AuditEntry).where(AuditEntry.kind == EventKind.COMMITTEE_REPORT_PUBLISHED.value))
    ).all()
    assert entry.payload["finances_sha256"] == hashlib.sha256(FINANCES).hexdigest()
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC

    again = await client.post(url, data={"year": "2024"}, files=files(), headers=estate.committee)
    assert again.json()["code"] == "disclosure.already_published"
    future = await client.post(url, data={"year": "2026"}, files=files(), headers=estate.committee)
    assert future.status_code == 422
    assert future.json()["code"] == "rules.disclosure_year_in_future"
    not_pdf = await client.post(url, data={"year": "2025"}, files=files(finances=b"plain"), headers=estate.committee)
    assert not_pdf.json()["code"] == "disclosure.report_document_invalid"

    stranger = await _other_estates_owner(client, session, app)
    assert (await client.get(url, headers=stranger)).status_code == 404
    denied = await client.get(f"/api/v1/committee-reports/{report['id']}/documents/FINANCES", headers=stranger)
    assert denied.status_code == 404


# --- R-DISC-5: the street office's yearly evaluation -------------------------------------------------------------


async def test_only_the_street_office_evaluates_and_the_committee_and_owners_read_it(client, session, app):
    estate, committee = await _world(client, session, app)
    url = f"/api/v1/committees/{committee['id']}/evaluations"
    body = {
        "year": 2024,
        "grade": "GOOD",
        "score": 88,
        "document_ref": "东湖街评〔2025〕3号",
        "document_sha256": "e" * 64,
    }

    own = await client.post(url, json=body, headers=estate.committee)
    assert own.status_code == 403
    assert own.json()["code"] == "disclosure.street_office_only"
    assert "街道办事处" in own.json()["messages"]["zh"]
    operator = await key(session, app, Role.ADMIN, estate)
    assert (await client.post(url, json=body, headers=operator)).status_code == 403

    office = await key(session, app, Role.STREET_OFFICE, estate)
    recorded = await client.post(url, json=body, headers=office)
    assert recorded.status_code == 201, recorded.text
    assert (recorded.json()["grade"], recorded.json()["score"]) == ("GOOD", 88)
    assert (await client.post(url, json=body, headers=office)).json()["code"] == "disclosure.already_published"
    future = await client.post(url, json=body | {"year": 2026}, headers=office)
    assert future.json()["code"] == "rules.disclosure_year_in_future"

    assert [e["grade"] for e in (await client.get(url, headers=estate.committee)).json()] == ["GOOD"]
    wang = await owner_headers(session, app, "王一")
    assert [e["grade"] for e in (await client.get(url, headers=wang)).json()] == ["GOOD"]
    notices = (await client.get("/api/v1/me/notices", headers=wang)).json()["items"]
    assert any(n["kind"] == "DISCLOSURE" and "良好" in n["body"] for n in notices)
    [entry] = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.kind == EventKind.COMMITTEE_EVALUATION_RECORDED.value)
        )
    ).all()
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    assert "GOOD" not in str(entry.payload)

    stranger = await _other_estates_owner(client, session, app)
    assert (await client.get(url, headers=stranger)).status_code == 404
