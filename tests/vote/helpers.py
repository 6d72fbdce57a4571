"""Shared arrangement for the vote API tests: an estate with the section-P register imported through the API."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import rfc8785
from sqlalchemy import select

from app.common.access import Role, Scope
from app.register.models import UnitOwner
from tests.factories import Places, bearer, make_account, make_api_key, make_places
from tests.factories_vote import convene, off_committee, record_posting

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "register-sample.csv"
# RULES.md T8: published 2025-03-01, so voting may start 2025-03-17 00:00 Asia/Shanghai at the earliest.
PUBLISHED_AT = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
EARLIEST_START = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)
WINDOW_END = EARLIEST_START + timedelta(days=7)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Estate:
    places: Places
    committee: dict[str, str]
    session: Any = None
    cipher: Any = None

    @property
    def id(self) -> uuid.UUID:
        return self.places.estate.id


async def make_estate(session, app, client, *, register: bool = True) -> Estate:  # type: ignore[no-untyped-def]
    app.state.clock = lambda: PUBLISHED_AT
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    if register:
        response = await client.post(
            f"/api/v1/estates/{places.estate.id}/register/imports",
            files={"file": ("register.csv", SAMPLE.read_bytes(), "text/csv")},
            headers=committee,
        )
        assert response.status_code == 201, response.text
    return Estate(places, committee, session, app.state.cipher)


async def key(session, app, role: Role, estate: Estate) -> dict[str, str]:  # type: ignore[no-untyped-def]
    place = estate.places
    scope: dict[str, Any] = {
        Role.COMMITTEE: {"estate_id": place.estate.id},
        Role.AUDITOR: {"estate_id": place.estate.id},
        Role.OBSERVER: {"community_id": place.community.id},
        Role.STREET_OFFICE: {"street_office_id": place.street_office.id},
        Role.ADMIN: {},
    }[role]
    return await make_api_key(session, app.state.token_hasher, role=role, **scope)


async def owner_headers(session, app, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A verified account of the register owner called ``name`` (owners are global across estates)."""
    owner_id = await session.scalar(select(UnitOwner.owner_id).where(UnitOwner.name == name).limit(1))
    assert owner_id is not None
    account = await make_account(session, app.state.cipher, owner_id=owner_id)
    await session.commit()
    return bearer(app, account)


def vote_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "2025年第一次业主大会会议",
        "organiser_kind": "OWNERS_COMMITTEE",
        "voting_method": "ONLINE",
        "starts_at": EARLIEST_START.isoformat(),
        "ends_at": WINDOW_END.isoformat(),
        "notice_text": "定于2025年3月17日至23日以电子投票方式召开业主大会会议。",
    } | overrides


def yes_no(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "续聘物业服务企业",
        "text": "是否续聘北京某某物业服务有限公司，服务期三年。",
        "kind": "YES_NO",
        "matters": ["HIRE_DISMISS_PROVIDER"],
        "declaration_property_management": True,
    } | overrides


def fund_raise(**overrides: Any) -> dict[str, Any]:
    return yes_no(title="续筹专项维修资金", text="按每平方米 20 元续筹。", matters=["FUND_RAISE"]) | overrides


def single_choice(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "选择物业服务企业",
        "text": "在以下两家企业中选择一家。",
        "kind": "SINGLE_CHOICE",
        "matters": ["HIRE_DISMISS_PROVIDER"],
        "options": [{"id": "A", "label": "甲物业"}, {"id": "B", "label": "乙物业"}],
        "declaration_property_management": True,
    } | overrides


def consultation(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "征询：小区改造优先事项",
        "text": "可多选。",
        "kind": "CONSULTATION",
        "matters": ["OTHER_MAJOR_MATTER"],
        "options": [
            {"id": "lift", "label": "加装电梯"},
            {"id": "park", "label": "停车位"},
            {"id": "green", "label": "绿化"},
        ],
        "declaration_property_management": True,
    } | overrides


# The section-P sample register's owners as committee candidates (R-CAND-1): unit key, owner position.
SAMPLE_CANDIDATES = (
    ("c1", "1-1-101", 1),  # 王一
    ("c2", "1-2-201", 1),  # 李二
    ("c3", "1-2-201", 2),  # 张三
    ("c4", "1-2-202", 1),  # 赵四
    ("c5", "2-1-101", 1),  # 钱五
    ("c6", "3-1-101", 1),  # 周八
    ("c7", "2-1-102", 1),  # 北京某某商贸有限公司, through its authorised representative (Art. 39 ¶2)
)
SAMPLE_RESIDENTIAL_UNITS = 10  # 11 units, one of them a parking space (R-ELEC-12)
DOCUMENT = "d0" * 32


def candidate(candidate_id: str, unit_key: str, owner: int = 1, **overrides: Any) -> dict[str, Any]:
    """A candidate named by the register (R-CAND-1); an organisation's unit gets its authorised representative."""
    body: dict[str, Any] = {"id": candidate_id, "unit_key": unit_key, "owner": owner, "nominated_by": "SELF"}
    if unit_key == "2-1-102":
        body["representative"] = {"name": "吴代表", "authorisation_sha256": "a1" * 32}
    return body | overrides


def sample_candidates(count: int = 7) -> list[dict[str, Any]]:
    return [candidate(*entry) for entry in SAMPLE_CANDIDATES[:count]]


def election(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "选举第一届业主委员会委员",
        "text": "选举办法见附件；单一名单，委员 5 名、候补委员 2 名。",
        "kind": "ELECTION",
        "matters": ["ELECT_COMMITTEE"],
        "election": {
            "election_type": "FULL",
            "member_seats": 5,
            "alternate_seats": 2,
            "candidates": sample_candidates(),
        },
        "declaration_property_management": True,
    } | overrides


ALL_MET = (
    ("PROPERTY_FEES", "PROPERTY_SERVICE_COMPANY"),
    ("MAINTENANCE_FUND", "MAINTENANCE_FUND_RECORDS"),
    ("ILLEGAL_CONSTRUCTION", "STREET_OFFICE"),
    ("ART39_CONDITIONS", "RESIDENTS_COMMITTEE"),
)


async def attest(  # type: ignore[no-untyped-def]
    client, estate: Estate, vote_id: str, topic_id: str, candidate_id: str, criterion: str, source: str,
    finding: str = "MET", *, status: int = 201,
):  # fmt: skip
    response = await client.post(
        f"/api/v1/votes/{vote_id}/topics/{topic_id}/attestations",
        json={
            "candidate_id": candidate_id, "criterion": criterion, "finding": finding, "source": source,
            "document_sha256": DOCUMENT, "attested_on": "2025-02-20",
        },
        headers=estate.committee,
    )  # fmt: skip
    assert response.status_code == status, response.text
    return response


async def acknowledge(client, estate: Estate, vote_id: str, topic_id: str, *, status: int = 201):  # type: ignore[no-untyped-def]
    response = await client.post(
        f"/api/v1/votes/{vote_id}/topics/{topic_id}/candidate-list/acknowledgment",
        json={"submitted_on": "2025-02-21", "acknowledged_on": "2025-02-22", "receipt_sha256": "ac" * 32},
        headers=estate.committee,
    )
    assert response.status_code == status, response.text
    return response


async def prepare_candidates(  # type: ignore[no-untyped-def]
    client, estate: Estate, vote_id: str, topic: dict[str, Any], *, acknowledged: bool = True
) -> None:
    """What an organiser does before the notice (R-CAND-7/8): every condition of every candidate attested as met,
    then the list acknowledged by the community Party organisation."""
    election_method = topic["election"]
    for entry in [*election_method["candidates"], *(election_method.get("alternate_candidates") or [])]:
        for criterion, source in ALL_MET:
            await attest(client, estate, vote_id, topic["id"], entry["id"], criterion, source)
    if acknowledged:
        await acknowledge(client, estate, vote_id, topic["id"])


async def create_vote(client, estate: Estate, *, convened: bool = True, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A draft; ``convened``: with a lawful convener recorded (``tests.factories_vote.convene``, R-CONV)."""
    response = await client.post(
        f"/api/v1/estates/{estate.id}/votes", json=vote_body(**overrides), headers=estate.committee
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    if convened:
        await convene(estate.session, estate.cipher, uuid.UUID(body["id"]))
        await estate.session.commit()
    return body


async def add_topic(client, estate: Estate, vote_id: str, topic: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=estate.committee)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def published_vote(  # type: ignore[no-untyped-def]
    client, estate: Estate, *topics: dict[str, Any], posted: bool = True, **overrides: Any
) -> dict[str, Any]:
    """Publish at the app clock (``PUBLISHED_AT`` after ``make_estate``) and, with ``posted``, record the on-site
    posting at the same instant (R-NOTICE-3), so the vote opens at ``EARLIEST_START``."""
    vote = await create_vote(client, estate, **overrides)
    for topic in topics or (yes_no(),):
        added = await add_topic(client, estate, vote["id"], topic)
        if added["kind"] == "ELECTION":
            await prepare_candidates(client, estate, vote["id"], added)
    response = await client.post(f"/api/v1/votes/{vote['id']}/publish", headers=estate.committee)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    if posted:
        published_at = datetime.fromisoformat(body["published_at"].replace("Z", "+00:00"))
        await record_posting(client, body["id"], estate.committee, posted_at=published_at)
    return body


async def upload_paper_scan(client, estate: Estate, vote_id: str, content: bytes = PDF) -> str:  # type: ignore[no-untyped-def]
    """The scan of a signed paper ballot, uploaded before its reception is recorded (R-PAPER-4); its SHA-256."""
    response = await client.post(
        f"/api/v1/votes/{vote_id}/paper-scans",
        content=content,
        headers=estate.committee | {"Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["sha256"])


async def receive_paper(client, estate: Estate, vote_id: str, group_id: str, scan_sha256: str):  # type: ignore[no-untyped-def]
    """Record a paper ballot's arrival at the app clock (R-PAPER-1: server time, never a typed date)."""
    return await client.post(
        f"/api/v1/votes/{vote_id}/paper-receptions",
        json={"group_id": group_id, "form": "SHEET", "scan_sha256": scan_sha256},
        headers=estate.committee,
    )


async def count_paper_in_session(  # type: ignore[no-untyped-def]
    client, app, estate: Estate, vote_id: str, entries: dict[str, dict[str, Any]]
) -> None:
    """R-PAPER-3: after the close (app clock past the end), count the received paper ballots in public: an owner of
    the estate and the residents' committee witness, the organiser enters each reception's answers
    (``entries``: reception id → answers), both witnesses confirm through their own accounts, and the sign-off
    closes and decides the vote."""
    owners = list(
        (
            await estate.session.execute(select(UnitOwner.owner_id, UnitOwner.name).distinct().order_by(UnitOwner.name))
        ).scalars()
    )
    owner = await off_committee(estate.session, estate.places.estate.id, owners)
    witnesses = {
        "OWNER": await make_account(estate.session, estate.cipher, owner_id=owner),
        "RESIDENTS_COMMITTEE": await make_account(
            estate.session, estate.cipher, scopes=(Scope(Role.OBSERVER, community_id=estate.places.community.id),)
        ),
    }
    await estate.session.commit()
    url = f"/api/v1/votes/{vote_id}/counting-session"
    body = {"witnesses": [{"account_id": str(account.id), "role": role} for role, account in witnesses.items()]}
    opened = await client.post(url, json=body, headers=estate.committee)
    assert opened.status_code == 201, opened.text
    for reception_id, answers in entries.items():
        entered = await client.post(
            f"{url}/ballots", json={"reception_id": reception_id, "answers": answers}, headers=estate.committee
        )
        assert entered.status_code == 201, entered.text
    for account in witnesses.values():
        confirmed = await client.post(f"{url}/confirmations", headers=bearer(app, account))
        assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "SIGNED_OFF"


def problem_code(response) -> str:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    code: str = response.json()["code"]
    return code


# --- Independent recomputation of the published hashes (RFC 8785 + SHA-256), from the GET response only ---


def sha256_jcs(document: Any) -> str:
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


def utc(text: str) -> str:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def topic_hash_of(topic: dict[str, Any]) -> str:
    return sha256_jcs(
        {
            "schema": "evote/topic/1",
            "title": topic["title"],
            "text": topic["text"],
            "kind": topic["kind"],
            "matters": topic["matters"],
            "category": topic["category"],
            "rule": topic["rule"],
            "options": topic["options"],
            "election": topic["election"],
            "declaration_property_management": topic["declaration_property_management"],
            "attachments": [
                {key: attachment[key] for key in ("filename", "content_type", "size", "sha256")}
                for attachment in topic["attachments"]
            ],
        }
    )


def notice_hash_of(vote: dict[str, Any]) -> str:
    return sha256_jcs(
        {
            "schema": "evote/notice/2",
            "estate_id": vote["estate_id"],
            "title": vote["title"],
            "organiser_kind": vote["organiser_kind"],
            "voting_method": vote["voting_method"],
            "starts_at": utc(vote["starts_at"]),
            "ends_at": utc(vote["ends_at"]),
            "min_window_days": vote["min_window_days"],
            "extension_rule": vote["extension_rule"],
            "scope_units": vote["scope_units"],
            "proxies_allowed": vote["proxies_allowed"],
            "notice_text": vote["notice_text"],
            "paper_ballot_place": vote["paper_ballot_place"],
            "roll_inspection_place": vote["roll_inspection_place"],
            "statement": vote["notice_statement"],
            "topics": [topic_hash_of(topic) for topic in vote["topics"]],
            "roll_hash": vote["roll_hash"],
            "register_version_id": vote["register_version_id"],
        }
    )
