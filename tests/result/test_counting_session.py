"""Paper ballots counted in public (issue #17 item 1; R-PAPER-1..4), through the HTTP API.

W1: 4 groups × 100.00 m², an ordinary topic, a mixed vote whose window ends 03-24 00:00. Two groups agree
online; a third's paper ballot is received 03-23 22:00 and counted at the session on 03-24 09:00 → PASSED (3 of 4
take part, 3 of 3 agree), and nothing is published before the witnesses confirm.
Backdating: a paper ballot recorded 03-20 with a typed date of 03-17 never beats the online ballot cast 03-18.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.ballot.models import Ballot, BallotStatus
from app.committee.models import Committee, CommitteeMember, Constituency, SeatKind
from app.common.access import Role, Scope
from app.ledger.events import EventKind
from app.rules.committees import CommitteeKind
from app.transitions import run_due_transitions
from app.vote.models import Vote, VotingMethod
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, group_of, owner_id
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote, off_committee, yes_no_topic

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 3, 17, tzinfo=SHANGHAI)
END = datetime(2025, 3, 24, tzinfo=SHANGHAI)
HEADER = "楼栋,单元,房号,面积,面积来源,车位,销售状态,已交付,权属依据,不动产权证号,业主姓名,证件号码,业主类型"
OWNERS = {WANG: "王一", LI: "李二", ZHANG: "张三", ZHAO: "赵四"}
REGISTER = (
    "\n".join(
        [HEADER]
        + [
            f"1,1,{101 + index},100.00,不动产登记,否,已售,是,不动产登记,京(2019)朝阳区不动产权第000{index}号,{name},"
            f"{number},个人"
            for index, (number, name) in enumerate(OWNERS.items())
        ]
    )
    + "\n"
).encode()


@dataclass
class Mixed:
    vote_id: uuid.UUID
    topic_id: str
    committee: dict[str, str]
    owners: dict[str, Any]  # ID number → the owner's account
    groups: dict[str, str]  # ID number → the owner's group id
    witnesses: dict[str, Any]  # name → account
    app: Any

    def header(self, name: str) -> dict[str, str]:
        """A witness's bearer token, issued at the app's clock now."""
        return bearer(self.app, self.witnesses[name])


async def mixed_vote(session, app) -> Mixed:  # type: ignore[no-untyped-def]
    fixture = await make_vote(session, app.state.cipher, now=START, topics=[yes_no_topic()], register=REGISTER)
    fixture.vote.voting_method = VotingMethod.MIXED
    groups, accounts, owners = {}, {}, {}
    for number in OWNERS:
        owner = owners[number] = await owner_id(session, app, number)
        accounts[number] = await make_account(session, app.state.cipher, owner_id=owner)
        groups[number] = await group_of(session, fixture.vote.id, owner)
    places = fixture.places
    committee_account = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.OBSERVER, community_id=places.community.id),)
    )
    office_account = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.STREET_OFFICE, street_office_id=places.street_office.id),)
    )
    stranger = await make_account(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    witness = await off_committee(session, places.estate.id, [owners[ZHAO], *owners.values()])  # R-PAPER-3
    witnesses = {
        "owner": accounts[next(number for number, owner in owners.items() if owner == witness)],
        "residents_committee": committee_account,
        "street_office": office_account,
        "stranger": stranger,
    }
    return Mixed(fixture.vote.id, str(fixture.topics[0].id), committee, accounts, groups, witnesses, app)


def at(app, instant: datetime) -> None:  # type: ignore[no-untyped-def]
    app.state.clock = lambda: instant


PNG = b"\x89PNG\r\n\x1a\n"


async def upload(client, mixed: Mixed, text: bytes) -> str:  # type: ignore[no-untyped-def]
    content = text if text.startswith(b"%PDF-") else PNG + text  # a scan is a PDF, JPEG or PNG file (R-PAPER-4)
    response = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/paper-scans",
        content=content,
        headers=mixed.committee | {"Content-Type": "image/png"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    return str(response.json()["sha256"])


async def receive(client, mixed: Mixed, number: str, scan: str, **extra: Any):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/votes/{mixed.vote_id}/paper-receptions",
        json={"group_id": mixed.groups[number], "form": "SHEET", "scan_sha256": scan, **extra},
        headers=mixed.committee,
    )


async def cast_online(client, mixed: Mixed, number: str, answer: str = "AGREE"):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/votes/{mixed.vote_id}/ballots",
        json={"group_id": mixed.groups[number], "answers": {mixed.topic_id: answer}},
        headers=bearer(mixed.app, mixed.owners[number]),
    )


def witness_body(mixed: Mixed, *names_roles: tuple[str, str]) -> dict[str, Any]:
    return {"witnesses": [{"account_id": str(mixed.witnesses[name].id), "role": role} for name, role in names_roles]}


OWNER_AND_COMMITTEE = (("owner", "OWNER"), ("residents_committee", "RESIDENTS_COMMITTEE"))


async def entries(session, vote_id: uuid.UUID, kind: EventKind) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.vote_id == vote_id, AuditEntry.kind == kind.value)
        .order_by(AuditEntry.created_at)
    )
    return list(rows)


async def test_w1_paper_ballot_received_before_the_close_is_counted_in_public(client, session, app):
    mixed = await mixed_vote(session, app)
    at(app, START + timedelta(days=1))
    for number in (WANG, LI):
        assert (await cast_online(client, mixed, number)).status_code == 201
    at(app, END - timedelta(hours=2))  # 03-23 22:00
    scan = await upload(client, mixed, b"%PDF- signed ballot of 1-1-103")
    received = await receive(client, mixed, ZHANG, scan)
    assert received.status_code == 201, received.text
    reception = received.json()
    assert reception["status"] == "RECEIVED"
    assert datetime.fromisoformat(reception["received_at"]) == END - timedelta(hours=2)

    # The close publishes nothing for a mixed vote: the paper ballots are counted first (R-PAPER-3).
    at(app, END)
    assert await run_due_transitions(app.state.sessionmaker, END, keys=app.state.log_keys) == 0
    early = await client.post(f"/api/v1/votes/{mixed.vote_id}/close", headers=mixed.committee)
    assert (early.status_code, early.json()["code"]) == (409, "counting.not_signed_off")
    assert (await client.get(f"/api/v1/votes/{mixed.vote_id}/result", headers=mixed.committee)).status_code == 409

    at(app, END + timedelta(hours=9))  # 03-24 09:00
    opened = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, *OWNER_AND_COMMITTEE),
        headers=mixed.committee,
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["status"] == "OPEN"
    # A received paper ballot is never left out: nobody confirms a count that has not entered it (R-PAPER-3).
    skipped = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/confirmations", headers=mixed.header("owner")
    )
    assert (skipped.status_code, skipped.json()["code"]) == (409, "counting.receptions_not_entered")
    entered = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/ballots",
        json={"reception_id": reception["id"], "answers": {mixed.topic_id: "AGREE"}},
        headers=mixed.committee,
    )
    assert entered.status_code == 201, entered.text
    assert datetime.fromisoformat(entered.json()["cast_at"]) == END - timedelta(hours=2)  # effective on arrival

    owner_header = mixed.header("owner")
    first = await client.post(f"/api/v1/votes/{mixed.vote_id}/counting-session/confirmations", headers=owner_header)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "CONFIRMING"
    # Before every witness confirmed: no result, and the count is frozen.
    assert (await client.get(f"/api/v1/votes/{mixed.vote_id}/result", headers=mixed.committee)).status_code == 409
    frozen = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/ballots",
        json={"reception_id": reception["id"], "answers": {mixed.topic_id: "OPPOSE"}},
        headers=mixed.committee,
    )
    assert (frozen.status_code, frozen.json()["code"]) == (409, "counting.not_open")
    stranger = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/confirmations", headers=mixed.header("stranger")
    )
    assert (stranger.status_code, stranger.json()["code"]) == (403, "counting.not_a_witness")

    last = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/confirmations",
        headers=mixed.header("residents_committee"),
    )
    assert last.status_code == 200, last.text
    assert last.json()["status"] == "SIGNED_OFF"
    result = await client.get(f"/api/v1/votes/{mixed.vote_id}/result", headers=mixed.committee)
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["participating"]["heads"], body["participating"]["area"]) == (3, 30000)
    assert body["topics"][0]["outcome"] == "PASSED"

    # Every step is logged, in order, with witnesses by pseudonym and role only.
    opened_entry = (await entries(session, mixed.vote_id, EventKind.COUNTING_OPENED))[0]
    roles = sorted(witness["role"] for witness in opened_entry.payload["witnesses"])
    assert roles == ["OWNER", "RESIDENTS_COMMITTEE"]
    text = str(opened_entry.payload)
    assert all(str(account.id) not in text for account in mixed.witnesses.values())
    assert len(await entries(session, mixed.vote_id, EventKind.COUNTING_CONFIRMED)) == 2
    signed = (await entries(session, mixed.vote_id, EventKind.COUNTING_SIGNED_OFF))[0]
    assert signed.payload["paper_counted"] == 1
    closed = (await entries(session, mixed.vote_id, EventKind.VOTE_CLOSED))[0]
    assert closed.payload["counted"] == signed.payload["counted"]
    assert closed.payload["counted"]["count"] == 3
    received_entry = (await entries(session, mixed.vote_id, EventKind.PAPER_RECEIVED))[0]
    assert received_entry.payload["scan_sha256"] == scan
    assert received_entry.leaf_index < closed.leaf_index


async def test_backdating_a_paper_ballot_never_beats_an_earlier_online_ballot(client, session, app):
    mixed = await mixed_vote(session, app)
    at(app, datetime(2025, 3, 18, 10, tzinfo=SHANGHAI))
    online = await cast_online(client, mixed, WANG)
    assert online.status_code == 201
    at(app, datetime(2025, 3, 20, 10, tzinfo=SHANGHAI))
    scan = await upload(client, mixed, b"paper ballot dated 03-17")
    paper = await receive(client, mixed, WANG, scan, date_on_paper="2025-03-17")
    assert paper.status_code == 201, paper.text
    assert paper.json()["status"] == "DUPLICATE"
    assert paper.json()["date_on_paper"] == "2025-03-17"
    assert datetime.fromisoformat(paper.json()["received_at"]) == datetime(2025, 3, 20, 10, tzinfo=SHANGHAI)
    ballots = (await session.scalars(select(Ballot).where(Ballot.vote_id == mixed.vote_id))).all()
    assert [(b.channel.value, b.status) for b in ballots] == [("ONLINE", BallotStatus.COUNTED)]
    logged = (await entries(session, mixed.vote_id, EventKind.PAPER_RECEIVED))[0].payload
    assert logged["status"] == "DUPLICATE"
    assert logged["earlier"] == online.json()["audit_entry_id"]
    assert "2025-03-17" not in str(logged)  # the typed date is information only, never the reception
    assert str(date(2025, 3, 17)) not in logged["received_at"]

    # At the counting the duplicate cannot be entered; the online ballot stays counted.
    at(app, END + timedelta(hours=9))
    opened = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, ("owner", "OWNER"), ("street_office", "STREET_OFFICE")),
        headers=mixed.committee,
    )
    assert opened.status_code == 201, opened.text
    refused = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/ballots",
        json={"reception_id": paper.json()["id"], "answers": {mixed.topic_id: "OPPOSE"}},
        headers=mixed.committee,
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "counting.reception_duplicate")
    for name in ("owner", "street_office"):
        confirmed = await client.post(
            f"/api/v1/votes/{mixed.vote_id}/counting-session/confirmations", headers=mixed.header(name)
        )
        assert confirmed.status_code == 200, confirmed.text
    result = (await client.get(f"/api/v1/votes/{mixed.vote_id}/result", headers=mixed.committee)).json()
    assert (result["participating"]["heads"], result["participating"]["area"]) == (1, 10000)


async def test_an_online_ballot_after_the_groups_paper_reception_is_refused(client, session, app):
    mixed = await mixed_vote(session, app)
    at(app, START + timedelta(days=1))
    scan = await upload(client, mixed, b"paper first")
    assert (await receive(client, mixed, LI, scan)).json()["status"] == "RECEIVED"
    at(app, START + timedelta(days=2))
    late = await cast_online(client, mixed, LI, "OPPOSE")
    assert (late.status_code, late.json()["code"]) == (409, "ballot.already_cast")
    second = await receive(client, mixed, LI, scan)
    assert second.json()["status"] == "DUPLICATE"


async def test_refusals_reception_after_close_scan_without_upload_unknown_reception_and_ineligible_witness(
    client, session, app
):
    mixed = await mixed_vote(session, app)
    at(app, START + timedelta(days=1))
    never_uploaded = await receive(client, mixed, WANG, hashlib.sha256(b"not uploaded").hexdigest())
    assert (never_uploaded.status_code, never_uploaded.json()["code"]) == (422, "ballot.scan_not_uploaded")
    zeros = await receive(client, mixed, WANG, "0" * 64)
    assert (zeros.status_code, zeros.json()["code"]) == (422, "ballot.scan_hash_invalid")
    empty = await client.post(f"/api/v1/votes/{mixed.vote_id}/paper-scans", content=b"", headers=mixed.committee)
    assert (empty.status_code, empty.json()["code"]) == (422, "ballot.scan_size_invalid")
    not_a_scan = await client.post(  # labelled an image, but its bytes are text (R-PAPER-4)
        f"/api/v1/votes/{mixed.vote_id}/paper-scans",
        content=b"my own note",
        headers=mixed.committee | {"Content-Type": "image/png"},
    )
    assert (not_a_scan.status_code, not_a_scan.json()["code"]) == (415, "ballot.scan_type_unsupported")
    scan = await upload(client, mixed, b"arrived too late")
    early_session = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, *OWNER_AND_COMMITTEE),
        headers=mixed.committee,
    )
    assert (early_session.status_code, early_session.json()["code"]) == (409, "counting.before_close")
    # One scan is one paper: the scan of WANG's reception cannot evidence LI's as well (R-PAPER-4).
    assert (await receive(client, mixed, WANG, scan)).status_code == 201
    reused = await receive(client, mixed, LI, scan)
    assert (reused.status_code, reused.json()["code"]) == (409, "ballot.scan_of_another_group")

    at(app, END)
    after_close = await receive(client, mixed, WANG, scan)
    assert after_close.status_code == 409
    assert after_close.json()["code"] == "ballot.paper_reception_outside_window"

    at(app, END + timedelta(hours=9))
    not_owner = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, ("stranger", "OWNER"), ("residents_committee", "RESIDENTS_COMMITTEE")),
        headers=mixed.committee,
    )
    assert (not_owner.status_code, not_owner.json()["code"]) == (422, "counting.witness_not_eligible")
    not_committee = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, ("owner", "OWNER"), ("street_office", "RESIDENTS_COMMITTEE")),
        headers=mixed.committee,
    )
    assert (not_committee.status_code, not_committee.json()["code"]) == (422, "counting.witness_not_eligible")
    owners_only = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, ("owner", "OWNER"), ("stranger", "OWNER")) | {},
        headers=mixed.committee,
    )
    assert owners_only.status_code == 422  # the stranger is no owner; and owners alone never suffice
    # A committee member is among the 监票人 as a member, never in the owners' place (R-PAPER-3, PROCEDURE W1).
    vote = await session.get(Vote, mixed.vote_id)
    number = next(n for n in mixed.owners if mixed.owners[n].id != mixed.witnesses["owner"].id)
    session.add(
        Committee(
            estate_id=vote.estate_id, kind=CommitteeKind.OWNERS_COMMITTEE, seats=1, alternate_seats=0,
            term_starts_on=date(2024, 1, 1), term_ends_on=date(2028, 12, 31), recorded_by="tests",
            members=[CommitteeMember(seat_kind=SeatKind.MEMBER, seat=1, constituency=Constituency.OWNER,
                                     owner_id=await owner_id(session, app, number), started_on=date(2024, 1, 1))],
        )
    )  # fmt: skip
    await session.commit()
    mixed.witnesses["member"] = mixed.owners[number]
    member = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, ("member", "OWNER"), ("residents_committee", "RESIDENTS_COMMITTEE")),
        headers=mixed.committee,
    )
    assert (member.status_code, member.json()["code"]) == (422, "counting.witness_not_eligible")
    opened = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session",
        json=witness_body(mixed, *OWNER_AND_COMMITTEE),
        headers=mixed.committee,
    )
    assert opened.status_code == 201, opened.text
    unknown = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/counting-session/ballots",
        json={"reception_id": str(uuid.uuid4()), "answers": {mixed.topic_id: "AGREE"}},
        headers=mixed.committee,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "counting.reception_not_found")


async def test_a_sealed_envelope_is_opened_at_the_counting_with_its_sheet_scanned(client, session, app):
    mixed = await mixed_vote(session, app)
    at(app, START + timedelta(days=3))
    envelope_scan = await upload(client, mixed, b"photo of the sealed envelope from box 1")
    envelope = await client.post(
        f"/api/v1/votes/{mixed.vote_id}/paper-receptions",
        json={"group_id": mixed.groups[LI], "form": "SEALED_ENVELOPE", "scan_sha256": envelope_scan},
        headers=mixed.committee,
    )
    assert envelope.status_code == 201, envelope.text
    at(app, END + timedelta(hours=9))
    body = witness_body(mixed, ("owner", "OWNER"), ("street_office", "STREET_OFFICE"))
    url = f"/api/v1/votes/{mixed.vote_id}/counting-session"
    assert (await client.post(url, json=body, headers=mixed.committee)).status_code == 201
    again = await client.post(url, json=body, headers=mixed.committee)
    assert (again.status_code, again.json()["code"]) == (409, "counting.not_openable")
    entry = {"reception_id": envelope.json()["id"], "answers": {mixed.topic_id: "OPPOSE"}}
    unscanned = await client.post(f"{url}/ballots", json=entry, headers=mixed.committee)
    assert (unscanned.status_code, unscanned.json()["code"]) == (422, "counting.sheet_scan_required")
    sheet_scan = await upload(client, mixed, b"the ballot sheet inside the envelope")
    entered = await client.post(f"{url}/ballots", json=entry | {"scan_sha256": sheet_scan}, headers=mixed.committee)
    assert entered.status_code == 201, entered.text
    twice = await client.post(f"{url}/ballots", json=entry | {"scan_sha256": sheet_scan}, headers=mixed.committee)
    assert (twice.status_code, twice.json()["code"]) == (409, "ballot.already_cast")
    paper = await session.scalar(select(Ballot).where(Ballot.vote_id == mixed.vote_id))
    assert paper.scan_sha256 == sheet_scan
    state = (await client.get(url, headers=mixed.header("residents_committee"))).json()
    assert state["receptions"][0]["status"] == "COUNTED"
    assert state["receptions"][0]["ballot_id"] == entered.json()["ballot_id"]
    assert sorted(w["role"] for w in state["witnesses"]) == ["OWNER", "STREET_OFFICE"]
