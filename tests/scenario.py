"""One whole vote through the API over the RULES.md section P estate, shared by the end-to-end and verifier tests.

The committee imports the register and publishes a notice on 2025-03-01 with five topics (ordinary, special,
single choice, election, consultation); six voter groups vote from 2025-03-18; the service closes and decides
at 2025-03-24 00:00 without a request.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.ballot.models import Ballot, BallotStatus, Channel, CountingSession
from app.ballot.service import ballot_rows, insert_ballot
from app.common.access import Role
from app.ledger import ballot as ballot_document
from app.ledger.events import Event, EventKind
from app.register.models import OwnerKind
from app.register.parsing import RegisterFormat, parse_register
from app.result import service as result_service
from app.transitions import run_due_transitions
from app.vote.models import RollGroup, Vote
from app.vote.spec import marks_for_ballot
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import convene, record_posting

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # T8: 15 clear days after 2025-03-01
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
QIAN = "110105198405050057"
ZHOU = "11010519850606006X"
CANDIDATES = [f"c{number}" for number in range(1, 8)]
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "register-sample.csv"
OWNER_NAMES = ("王一", "李二", "张三", "赵四", "钱五", "周八")


def register_candidates(register: bytes, count: int = 7) -> list[dict[str, Any]]:
    """The first ``count`` owners of delivered, non-parking units of a register file as committee candidates
    ``c1``…, each named by the unit and the owner's position in it (R-CAND-1), an organisation through an
    authorised representative (Art. 39 ¶2); no owner twice."""
    parsed = parse_register(register, RegisterFormat.CSV)
    chosen: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in parsed.rows:
        if row.parking or not row.delivered:
            continue
        for position, owner in enumerate(row.owners, start=1):
            if owner.identifier in seen or len(chosen) == count:
                continue
            seen.add(owner.identifier)
            entry: dict[str, Any] = {
                "id": f"c{len(chosen) + 1}", "unit_key": row.unit_key, "owner": position, "nominated_by": "SELF",
            }  # fmt: skip
            if owner.kind is OwnerKind.ORGANISATION:
                entry["representative"] = {"name": "吴代表", "authorisation_sha256": "a1" * 32}
            chosen.append(entry)
    return chosen


ELIGIBILITY = (
    ("PROPERTY_FEES", "PROPERTY_SERVICE_COMPANY"),
    ("MAINTENANCE_FUND", "MAINTENANCE_FUND_RECORDS"),
    ("ILLEGAL_CONSTRUCTION", "STREET_OFFICE"),
    ("ART39_CONDITIONS", "RESIDENTS_COMMITTEE"),
)


async def prepare_election(client, headers: dict[str, str], vote_id: str, topic: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Before the notice (R-CAND-7/8): every condition of every candidate attested as met by its source, and the
    list acknowledged by the community Party organisation."""
    method = topic["election"]
    for entry in [*method["candidates"], *(method.get("alternate_candidates") or [])]:
        for criterion, source in ELIGIBILITY:
            response = await client.post(
                f"/api/v1/votes/{vote_id}/topics/{topic['id']}/attestations",
                json={"candidate_id": entry["id"], "criterion": criterion, "finding": "MET", "source": source,
                      "document_sha256": "d0" * 32, "attested_on": "2025-02-20"},
                headers=headers,
            )  # fmt: skip
            assert response.status_code == 201, response.text
    response = await client.post(
        f"/api/v1/votes/{vote_id}/topics/{topic['id']}/candidate-list/acknowledgment",
        json={"submitted_on": "2025-02-21", "acknowledged_on": "2025-02-22", "receipt_sha256": "ac" * 32},
        headers=headers,
    )
    assert response.status_code == 201, response.text


def topics(candidates: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The five topics; the election's candidates are owners of the register (the sample register's by default)."""
    if candidates is None:
        candidates = register_candidates(SAMPLE.read_bytes())
    yes_no = {"kind": "YES_NO", "declaration_property_management": True, "text": "全文"}
    return [
        yes_no | {"title": "续聘物业服务企业", "matters": ["HIRE_DISMISS_PROVIDER"]},
        yes_no | {"title": "筹集专项维修资金", "matters": ["FUND_RAISE"]},
        {
            "title": "选择物业服务方案", "text": "全文", "kind": "SINGLE_CHOICE", "matters": ["SERVICE_TERMS"],
            "options": [{"id": option, "label": f"方案{option}"} for option in "ABC"],
            "declaration_property_management": True,
        },
        {
            "title": "选举业主委员会委员", "text": "全文", "kind": "ELECTION", "matters": ["ELECT_COMMITTEE"],
            "election": {"election_type": "FULL", "member_seats": 5, "alternate_seats": 2,
                         "candidates": candidates},
            "declaration_property_management": True,
        },
        {
            "title": "小区活动意见征询", "text": "全文", "kind": "CONSULTATION", "matters": ["OTHER_MAJOR_MATTER"],
            "options": [{"id": option, "label": f"活动{option}"} for option in "XYZ"],
            "declaration_property_management": True,
        },
    ]  # fmt: skip


# (owner ID numbers, group area, ordinary, special, option, approved candidates, consultation)
GROUPS = {
    "A": ((WANG,), 18000, "AGREE", "AGREE", "A", CANDIDATES[:5], ["X", "Y"]),
    "BC": ((LI, ZHANG), 12000, "AGREE", "OPPOSE", "A", CANDIDATES[:7], "ABSTAIN"),
    "D": ((ZHAO,), 9000, "OPPOSE", "AGREE", "B", CANDIDATES[1:6], ["Z"]),
    "E": ((QIAN,), 9000, "ABSTAIN", "AGREE", "ABSTAIN", CANDIDATES[:3], ["X"]),
    "H": ((ZHOU,), 7550, "AGREE", "AGREE", "A", CANDIDATES[2:7], ["X", "Y", "Z"]),
    "B": ((LI,), 6450, "AGREE", "ABSTAIN", "C", CANDIDATES[:4], "ABSTAIN"),
}


@dataclass(frozen=True)
class VoteRun:
    vote_id: str
    estate_id: str
    topic_ids: list[str]
    committee: dict[str, str]
    owner: dict[str, str]


async def run_vote(  # type: ignore[no-untyped-def]
    client, session, app, repo_root, *, published: datetime = PUBLISHED, paper_group: str | None = None
) -> VoteRun:
    """Import the section-P register, publish a notice at ``published``, let six groups vote, close and decide.

    With ``paper_group`` (a key of ``GROUPS``) the vote is MIXED and its log is the one evote wrote before
    R-PAPER (issue #17): that group's paper ballot, typed in as received before its online one, voided it (the
    earlier R-TALLY-9). The API no longer does this (R-PAPER-2); such logs exist and the verifier still checks
    them, so this evidence is written here as the old ``enter_paper`` wrote it."""
    app.state.clock = lambda: published
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201, imported.text
    vote = await client.post(
        f"/api/v1/estates/{places.estate.id}/votes",
        json={
            "title": "2025年第一次业主大会会议",
            "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": STARTS.isoformat(),
            "ends_at": ENDS.isoformat(),
            "notice_text": "会议公告",
            **(
                {"voting_method": "MIXED", "paper_ballot_place": "业委会办公室（1号楼101），工作日9:00-17:00"}
                if paper_group
                else {}
            ),
        },
        headers=committee,
    )
    assert vote.status_code == 201, vote.text
    vote_id = vote.json()["id"]
    await convene(session, app.state.cipher, uuid.UUID(vote_id))  # R-CONV: a filed committee's signed decision
    await session.commit()
    topic_ids = []
    for topic in topics():
        created = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        topic_ids.append(created.json()["id"])
        if topic["kind"] == "ELECTION":
            await prepare_election(client, committee, vote_id, created.json())
    response = await client.post(f"/api/v1/votes/{vote_id}/publish", headers=committee)
    assert response.status_code == 200, response.text
    await record_posting(client, vote_id, committee, posted_at=published)  # R-NOTICE-3: posted the same day

    accounts = {}
    for numbers, *_ in GROUPS.values():
        for number in numbers:
            if number not in accounts:
                accounts[number] = await make_account(
                    session, app.state.cipher, owner_id=await owner_id(session, app, number)
                )
    await session.commit()
    app.state.clock = lambda: STARTS + timedelta(days=1)
    for name, (numbers, area, ordinary, special, option, approved, consultation) in GROUPS.items():
        caster = accounts[numbers[0]]
        mine = (await client.get("/api/v1/me/groups", headers=bearer(app, caster))).json()["items"]
        group = next(item for item in mine if item["area"] == area)
        answers = {
            topic_ids[0]: ordinary,
            topic_ids[1]: special,
            topic_ids[2]: option,
            topic_ids[3]: {c: ("AGREE" if c in approved else "OPPOSE") for c in CANDIDATES},
            topic_ids[4]: consultation,
        }
        cast = await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group["group_id"], "answers": answers},
            headers=bearer(app, caster),
        )
        assert cast.status_code == 201, cast.text
        if name == paper_group:
            async with app.state.sessionmaker() as legacy, legacy.begin():
                await legacy_paper_voiding(
                    legacy, uuid.UUID(vote_id), group["group_id"], answers, received_at=STARTS + timedelta(hours=12),
                    now=STARTS + timedelta(days=1),
                )  # fmt: skip
    app.state.clock = lambda: ENDS
    if paper_group:  # the old log closed a mixed vote at its end, as an online one; R-PAPER-3 needs a sign-off
        async with app.state.sessionmaker() as legacy, legacy.begin():
            legacy.add(
                CountingSession(vote_id=uuid.UUID(vote_id), opened_at=ENDS, opened_by="tests", signed_off_at=ENDS)
            )
            await legacy.flush()
            await result_service.close_and_decide(legacy, uuid.UUID(vote_id), now=ENDS, keys=app.state.log_keys)
    else:
        assert await run_due_transitions(app.state.sessionmaker, ENDS, keys=app.state.log_keys) == 1
    return VoteRun(vote_id, str(places.estate.id), topic_ids, committee, bearer(app, accounts[WANG]))


async def legacy_paper_voiding(
    session: AsyncSession,
    vote_id: uuid.UUID,
    group_id: str,
    answers: dict[str, Any],
    *,
    received_at: datetime,
    now: datetime,
) -> None:
    """What the earlier R-TALLY-9 ``enter_paper`` logged: the group's online ballot void, a paper ballot cast at
    the typed reception time with a scan hash (``"5" * 64``) nobody uploaded. Evidence of old logs only."""
    vote = await session.scalar(select(Vote).where(Vote.id == vote_id).options(selectinload(Vote.topics)))
    group_row = await session.get(RollGroup, (vote_id, group_id))
    assert vote is not None
    assert group_row is not None
    online = await session.scalar(
        select(Ballot).where(
            Ballot.vote_id == vote_id, Ballot.group_id == group_id, Ballot.status == BallotStatus.COUNTED
        )
    )
    assert online is not None
    online.status = BallotStatus.VOID
    online.void_reason = f"a paper ballot received at {received_at.isoformat()} is earlier"
    await session.flush()
    await audit_service.append(
        session,
        Event(EventKind.BALLOT_VOIDED, {
            "ballot_id": str(online.id),
            ballot_document.group_member(group_row.pseudonym, group_row.group_id): group_row.pseudonym,
            "reason": online.void_reason,
        }),
        estate_id=vote.estate_id, vote_id=vote.id, at=now,
    )  # fmt: skip
    rows = ballot_rows(
        vote.id, vote.estate_id, group_row, answers,
        marks_for_ballot(vote.topics, answers, allow_spoiled=True), now=now, basis="PAPER_ENTRY", grant_id=None,
        grant="", channel=Channel.PAPER, account_id=None, entered_by="tests", scan_sha256="5" * 64,
        cast_at=received_at,
    )  # fmt: skip
    receipt = await insert_ballot(session, rows)
    assert receipt is not None
