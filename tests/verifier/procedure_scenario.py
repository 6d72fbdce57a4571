"""Votes of issue #17's procedure, through the API, exported as bundles for the verifier's procedure checks.

``run_vote`` (tests/scenario.py) with one of: a MIXED vote whose last group hands in a paper ballot received before
the close and counted in public after it (PROCEDURE W1, R-PAPER-1..3); or a vote suspended by the street office and
resumed with an extension, one group voting after the notice's end (PROCEDURE W7, R-SUP-5). ``hooks`` let a test
play a dishonest server that writes a wrong entry into the log (a forged log the log key signs)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.audit import service as audit_service
from app.audit.integrator import integrate_and_sign
from app.common.access import Role, Scope
from app.ledger.events import Event
from app.place.models import Community, Estate
from app.transitions import run_due_transitions
from tests.ballot.helpers import owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import convene, off_committee, record_posting
from tests.scenario import CANDIDATES, ENDS, GROUPS, PUBLISHED, STARTS, VoteRun, prepare_election, topics
from tests.verifier.helpers import export_bundle

PAPER_GROUP = "B"  # the last group: its owner hands in a paper ballot
LATE_GROUP = "B"  # in the resumed vote, the group that votes after the notice's end
SCAN = b"%PDF- signed paper ballot of group B"
SUSPENDED_AT = STARTS + timedelta(days=2)
RESUMED_AT = STARTS + timedelta(days=3)
EXTENDED_END = ENDS + timedelta(days=2)  # ≥ ENDS + the 1 day suspended (R-SUP-5)
OBJECTED_AT = PUBLISHED + timedelta(days=4)  # 03-05, in the notice period
NEW_START = datetime(2025, 3, 21, tzinfo=STARTS.tzinfo)  # R-ROLL-7: 15 clear days after the re-publication
NEW_END = NEW_START + timedelta(days=7)
SUPERVISION_BODY = {"reason": "核查业主名册", "document_ref": "朝东街发〔2025〕7号"}

Hook = Callable[["Procedure"], Awaitable[None]]


@dataclass
class Procedure:
    """A vote run, with what the hooks and tests need."""

    client: Any
    session: Any
    app: Any
    run: VoteRun
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # group name → its answers
    group_keys: dict[str, str] = field(default_factory=dict)  # group name → its group key
    street_office: dict[str, str] = field(default_factory=dict)
    reception: dict[str, Any] = field(default_factory=dict)

    def at(self, instant: datetime) -> None:
        self.app.state.clock = lambda: instant

    async def append(self, event: Event, *, at: datetime) -> None:
        """What a dishonest server writes into the vote's log (signed like any entry)."""
        async with self.app.state.sessionmaker() as forged, forged.begin():
            estate = uuid.UUID(self.run.estate_id)
            await audit_service.append(forged, event, estate_id=estate, vote_id=uuid.UUID(self.run.vote_id), at=at)

    async def bundle(self) -> bytes:
        async with self.app.state.sessionmaker() as integration, integration.begin():
            await integrate_and_sign(integration, self.app.state.clock(), keys=self.app.state.log_keys)
        return await export_bundle(self.client, self.run)


def answers_of(topic_ids: list[str], name: str) -> dict[str, Any]:
    _, _, ordinary, special, option, approved, consultation = GROUPS[name]
    return {
        topic_ids[0]: ordinary,
        topic_ids[1]: special,
        topic_ids[2]: option,
        topic_ids[3]: {c: ("AGREE" if c in approved else "OPPOSE") for c in CANDIDATES},
        topic_ids[4]: consultation,
    }


async def run_procedure_vote(  # type: ignore[no-untyped-def]
    client,
    session,
    app,
    repo_root,
    *,
    mixed: bool = False,
    resumed: bool = False,
    before_counting: Hook | None = None,
    withhold: str | None = None,
    before_close: Hook | None = None,
    republished: bool = False,
) -> Procedure:
    """The section-P vote of ``run_vote``, MIXED with a paper ballot counted in public (``mixed``), or suspended
    and resumed with an extension (``resumed``); returns it closed, decided and published."""
    app.state.clock = lambda: PUBLISHED
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201, imported.text
    paper = {"voting_method": "MIXED", "paper_ballot_place": "业委会办公室（1号楼101），工作日9:00-17:00"}
    vote = await client.post(
        f"/api/v1/estates/{places.estate.id}/votes",
        json={
            "title": "2025年第一次业主大会会议",
            "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": STARTS.isoformat(),
            "ends_at": ENDS.isoformat(),
            "notice_text": "会议公告",
            **(paper if mixed else {}),
        },
        headers=committee,
    )
    assert vote.status_code == 201, vote.text
    vote_id = vote.json()["id"]
    await convene(session, app.state.cipher, uuid.UUID(vote_id))
    await session.commit()
    topic_ids = []
    for topic in topics():
        created = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        topic_ids.append(created.json()["id"])
        if topic["kind"] == "ELECTION":
            await prepare_election(client, committee, vote_id, created.json())
    published = await client.post(f"/api/v1/votes/{vote_id}/publish", headers=committee)
    assert published.status_code == 200, published.text
    await record_posting(client, vote_id, committee, posted_at=PUBLISHED)

    starts, end = (NEW_START, NEW_END) if republished else (STARTS, ENDS)
    accounts = {}
    for numbers, *_ in GROUPS.values():
        for number in numbers:
            if number not in accounts:
                accounts[number] = await make_account(
                    session, app.state.cipher, owner_id=await owner_id(session, app, number)
                )
    community = await session.get(Community, places.community.id)
    assert community is not None
    observer = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.OBSERVER, community_id=places.community.id),)
    )
    await session.commit()
    estate = await session.get(Estate, places.estate.id)
    assert estate is not None
    street_office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=community.street_office_id
    )
    run = VoteRun(vote_id, str(places.estate.id), topic_ids, committee, bearer(app, accounts[GROUPS["A"][0][0]]))
    procedure = Procedure(client, session, app, run, street_office=street_office)
    if republished:  # R-ROLL-7: an owner's objection accepted, the register corrected, the roll re-published
        procedure.at(OBJECTED_AT)
        filed = await client.post(
            f"/api/v1/votes/{vote_id}/roll/objections",
            json={"text": "1-2-202 的面积应为 95.00 平方米", "unit_key": "1-2-202"},
            headers=bearer(app, accounts[GROUPS["D"][0][0]]),
        )
        assert filed.status_code == 201, filed.text
        objection = filed.json()["id"]
        answered = await client.post(
            f"/api/v1/roll-objections/{objection}/answer",
            json={"decision": "ACCEPTED", "reasons": "经核对，面积应为 95.00 平方米。"},
            headers=committee,
        )
        assert answered.status_code == 200, answered.text
        corrected = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
        corrected = corrected.replace("1,2,202,90.00,", "1,2,202,95.00,")
        reimported = await client.post(
            f"/api/v1/estates/{places.estate.id}/register/imports",
            files={"file": ("register-v2.csv", corrected.encode(), "text/csv")},
            headers=committee,
        )
        assert reimported.status_code == 201, reimported.text
        again = await client.post(
            f"/api/v1/votes/{vote_id}/roll/republish",
            json={"objection_ids": [objection], "starts_at": starts.isoformat(), "ends_at": end.isoformat()},
            headers=committee,
        )
        assert again.status_code == 200, again.text

    async def cast(name: str) -> None:
        caster = accounts[GROUPS[name][0][0]]
        mine = (await client.get("/api/v1/me/groups", headers=bearer(app, caster))).json()["items"]
        group = next(item for item in mine if item["area"] in (GROUPS[name][1], GROUPS[name][1] + 500))
        procedure.group_keys[name] = group["group_id"]
        procedure.answers[name] = answers_of(topic_ids, name)
        done = await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group["group_id"], "answers": procedure.answers[name]},
            headers=bearer(app, caster),
        )
        assert done.status_code == 201, done.text

    app.state.clock = lambda: starts + timedelta(days=1)
    later = PAPER_GROUP if mixed else LATE_GROUP if resumed else withhold
    for name in GROUPS:
        if name != later:
            await cast(name)
        else:
            caster = accounts[GROUPS[name][0][0]]
            mine = (await client.get("/api/v1/me/groups", headers=bearer(app, caster))).json()["items"]
            procedure.group_keys[name] = next(item for item in mine if item["area"] == GROUPS[name][1])["group_id"]
    if resumed:
        procedure.at(SUSPENDED_AT)
        suspended = await client.post(f"/api/v1/votes/{vote_id}/suspend", json=SUPERVISION_BODY, headers=street_office)
        assert suspended.status_code == 200, suspended.text
        procedure.at(RESUMED_AT)
        body = {**SUPERVISION_BODY, "ends_at": EXTENDED_END.isoformat()}
        resumption = await client.post(f"/api/v1/votes/{vote_id}/resume", json=body, headers=street_office)
        assert resumption.status_code == 200, resumption.text
        procedure.at(ENDS + timedelta(hours=12))  # after the notice's end, inside the extension
        await cast(LATE_GROUP)
        end = EXTENDED_END
    if not mixed:
        if before_close is not None:
            await before_close(procedure)
        now = max(end, app.state.clock())
        assert await run_due_transitions(app.state.sessionmaker, now, keys=app.state.log_keys) == 1
        procedure.at(now + timedelta(hours=1))
        return procedure

    # R-PAPER-1: the paper ballot reaches the organiser two hours before the close, at the server's clock.
    procedure.at(ENDS - timedelta(hours=2))
    group_key = procedure.group_keys[PAPER_GROUP]
    uploaded = await client.post(
        f"/api/v1/votes/{vote_id}/paper-scans", content=SCAN, headers=committee | {"Content-Type": "image/png"}
    )
    assert uploaded.status_code == 201, uploaded.text
    received = await client.post(
        f"/api/v1/votes/{vote_id}/paper-receptions",
        json={"group_id": group_key, "form": "SHEET", "scan_sha256": uploaded.json()["sha256"]},
        headers=committee,
    )
    assert received.status_code == 201, received.text
    procedure.reception = received.json()
    procedure.at(ENDS)
    assert await run_due_transitions(app.state.sessionmaker, ENDS, keys=app.state.log_keys) == 0
    if before_counting is not None:
        await before_counting(procedure)
    # R-PAPER-3: the counting session the morning after, before an owner and the residents' committee.
    procedure.at(ENDS + timedelta(hours=9))
    owner_numbers = {await owner_id(session, app, number): number for number in accounts}
    witness_owner = accounts[owner_numbers[await off_committee(session, places.estate.id, list(owner_numbers))]]
    opened = await client.post(
        f"/api/v1/votes/{vote_id}/counting-session",
        json={
            "witnesses": [
                {"account_id": str(witness_owner.id), "role": "OWNER"},
                {"account_id": str(observer.id), "role": "RESIDENTS_COMMITTEE"},
            ]
        },
        headers=committee,
    )
    assert opened.status_code == 201, opened.text
    procedure.answers[PAPER_GROUP] = answers_of(topic_ids, PAPER_GROUP)
    entered = await client.post(
        f"/api/v1/votes/{vote_id}/counting-session/ballots",
        json={"reception_id": procedure.reception["id"], "answers": procedure.answers[PAPER_GROUP]},
        headers=committee,
    )
    assert entered.status_code == 201, entered.text
    procedure.at(ENDS + timedelta(hours=10))
    for witness in (witness_owner, observer):
        confirmed = await client.post(
            f"/api/v1/votes/{vote_id}/counting-session/confirmations", headers=bearer(app, witness)
        )
        assert confirmed.status_code == 200, confirmed.text
    procedure.at(ENDS + timedelta(hours=11))
    return procedure
