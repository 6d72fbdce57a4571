"""Issue #17 acceptance W2 and W7 through the HTTP API (PROCEDURE TV-W2, TV-W7; R-SUP-5..7).

* W2: one vote decides a management covenant (PASSED) and a committee election (DECIDED); the street office revokes
  the election only (Beijing Art. 51 「撤销其决定」) → the covenant stays in force, and the result, the inspection
  download and the log show each decision's status.
* W7: window 2025-03-17 – 03-24, two of six groups vote on 03-17, suspended 03-18 00:00, the street office acts on
  03-25 10:00 → no decision without an extension of at least 6 days announced to owners (a shorter one is refused),
  or a termination (the terminated vote has no decision, and its result endpoint says so).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.access import Role
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.notice.models import NoticeKind
from app.transitions import run_due_transitions
from app.vote.models import VoteStatus
from tests.ballot.helpers import owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import convene, record_posting
from tests.scenario import (
    CANDIDATES,
    ENDS,
    GROUPS,
    PUBLISHED,
    SAMPLE,
    SHANGHAI,
    STARTS,
    prepare_election,
    register_candidates,
)
from tests.supervision.helpers import DOC, notices_of, problem_code, stored_vote

BODY = {"reason": "当选委员中有一人不具备候选人资格（北京市物业管理条例第三十九条）", "document_ref": DOC}
W7_BODY = {"reason": "表决过程中发现业主名册错误，暂停表决予以核查", "document_ref": DOC}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


COVENANT = {
    "title": "修订管理规约", "text": "管理规约修订稿全文", "kind": "YES_NO", "matters": ["MANAGEMENT_COVENANT"],
    "declaration_property_management": True,
}  # fmt: skip
ELECTION = {
    "title": "选举业主委员会委员", "text": "全文", "kind": "ELECTION", "matters": ["ELECT_COMMITTEE"],
    # R-CAND-1: the candidates are owners named by the register (c1…c7, as ``CANDIDATES``).
    "election": {"election_type": "FULL", "member_seats": 5, "alternate_seats": 2,
                 "candidates": register_candidates(SAMPLE.read_bytes())},
    "declaration_property_management": True,
}  # fmt: skip


class Run:
    def __init__(self, client, session, app, vote_id: str, topic_ids: list[str], estate_id: str) -> None:  # type: ignore[no-untyped-def]
        self.client, self.session, self.app = client, session, app
        self.vote_id, self.topic_ids, self.estate_id = vote_id, topic_ids, estate_id
        self.accounts: dict[str, Any] = {}
        self.headers: dict[str, dict[str, str]] = {}

    @property
    def owner(self) -> dict[str, str]:
        """An owner in the roll (group A), signed in at the current clock."""
        return bearer(self.app, self.accounts[GROUPS["A"][0][0]])

    async def cast(self, name: str, answers: list[Any]) -> int:
        numbers, area, *_ = GROUPS[name]
        caster = self.accounts[numbers[0]]
        mine = (await self.client.get("/api/v1/me/groups", headers=bearer(self.app, caster))).json()["items"]
        group = next(item for item in mine if item["area"] == area)
        cast = await self.client.post(
            f"/api/v1/votes/{self.vote_id}/ballots",
            json={"group_id": group["group_id"], "answers": dict(zip(self.topic_ids, answers, strict=True))},
            headers=bearer(self.app, caster),
        )
        return cast.status_code


async def _publish(client, session, app, repo_root, topics: list[dict[str, Any]]) -> Run:  # type: ignore[no-untyped-def]
    """The section-P register imported, a notice published on 2025-03-01 for 2025-03-17 – 03-24 (all via the API)."""
    app.state.clock = lambda: PUBLISHED
    places = await make_places(session, app.state.cipher)
    await session.commit()
    hasher = app.state.token_hasher
    committee = await make_api_key(session, hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    street_office = await make_api_key(
        session, hasher, role=Role.STREET_OFFICE, street_office_id=places.street_office.id
    )
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201, imported.text
    vote = await client.post(
        f"/api/v1/estates/{places.estate.id}/votes",
        json={
            "title": "2025年第一次业主大会会议", "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": STARTS.isoformat(), "ends_at": ENDS.isoformat(), "notice_text": "会议公告",
        },
        headers=committee,
    )  # fmt: skip
    assert vote.status_code == 201, vote.text
    vote_id = vote.json()["id"]
    await convene(session, app.state.cipher, uuid.UUID(vote_id))  # R-CONV: a filed committee's signed decision
    await session.commit()
    topic_ids = []
    for topic in topics:
        created = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        topic_ids.append(created.json()["id"])
        if topic["kind"] == "ELECTION":
            await prepare_election(client, committee, vote_id, created.json())  # R-CAND-7/8
    published = await client.post(f"/api/v1/votes/{vote_id}/publish", headers=committee)
    assert published.status_code == 200, published.text
    await record_posting(client, vote_id, committee, posted_at=PUBLISHED)  # R-NOTICE-3: posted the same day
    run = Run(client, session, app, vote_id, topic_ids, str(places.estate.id))
    for numbers, *_ in GROUPS.values():
        for number in numbers:
            if number not in run.accounts:
                run.accounts[number] = await make_account(
                    session, app.state.cipher, owner_id=await owner_id(session, app, number)
                )
    await session.commit()
    run.headers = {
        "committee": committee,
        "street_office": street_office,
        "owner": bearer(app, run.accounts[GROUPS["A"][0][0]]),
    }
    return run


def _election(name: str) -> dict[str, str]:
    approved = GROUPS[name][5]
    return {c: ("AGREE" if c in approved else "OPPOSE") for c in CANDIDATES}


# --- W2 --------------------------------------------------------------------------------------------------------


async def test_w2_the_street_office_revokes_the_election_only_and_the_covenant_stays_in_force(
    client, session, app, repo_root
):
    run = await _publish(client, session, app, repo_root, [COVENANT, ELECTION])
    covenant_id, election_id = run.topic_ids
    app.state.clock = lambda: STARTS + timedelta(days=1)
    for name in GROUPS:
        answer = "OPPOSE" if name == "D" else "AGREE"
        assert await run.cast(name, [answer, _election(name)]) == 201
    assert await run_due_transitions(app.state.sessionmaker, ENDS, keys=app.state.log_keys) == 1
    app.state.clock = lambda: ENDS + timedelta(days=2)
    url = f"/api/v1/votes/{run.vote_id}"

    before = (await client.get(f"{url}/result", headers=run.owner)).json()
    assert [(t["outcome"], t["decision_status"]) for t in before["topics"]] == [
        ("PASSED", "IN_FORCE"),
        ("DECIDED", "IN_FORCE"),
    ]
    assert before["decision_status"] == "IN_FORCE"

    revoked = await client.post(
        f"{url}/revoke", json={**BODY, "topic_id": election_id}, headers=run.headers["street_office"]
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["decision_status"] == "REVOKED_BY_STREET_OFFICE"
    assert revoked.json()["vote_status"] == "RESULT_PUBLISHED"

    # The result (every reader) shows each decision's status: the covenant stands, the election is revoked.
    after = await client.get(f"{url}/result", headers=run.owner)
    assert after.status_code == 200, after.text
    topics = {topic["topic_id"]: topic for topic in after.json()["topics"]}
    assert (topics[covenant_id]["outcome"], topics[covenant_id]["decision_status"]) == ("PASSED", "IN_FORCE")
    assert topics[covenant_id]["revocation"] is None
    assert (topics[election_id]["outcome"], topics[election_id]["decision_status"]) == (
        "DECIDED",
        "REVOKED_BY_STREET_OFFICE",
    )
    assert topics[election_id]["revocation"]["document_ref"] == DOC
    assert (
        topics[election_id]["evidence"] == next(t for t in before["topics"] if t["topic_id"] == election_id)["evidence"]
    )  # the counted result stays as decided
    assert after.json()["decision_status"] == "PARTLY_REVOKED"
    assert [item["topic_id"] for item in after.json()["revocations"]] == [election_id]

    # The notice to all owners names the revoked decision and the one that stands (PROCEDURE W2).
    (notice,) = [n for n in await notices_of(session, uuid.UUID(run.vote_id)) if n.kind is NoticeKind.REVOCATION]
    assert "选举业主委员会委员" in notice.title
    assert "其他议题的决定继续有效：“修订管理规约”" in notice.body

    # The inspection archive and its download show the same per-decision statuses.
    archive = (await client.get(f"/api/v1/estates/{run.estate_id}/archive", headers=run.owner)).json()
    (listed,) = archive["results"]
    assert listed["decision_status"] == "PARTLY_REVOKED"
    assert [(t["topic_id"], t["decision_status"]) for t in listed["topics"]] == [
        (covenant_id, "IN_FORCE"),
        (election_id, "REVOKED_BY_STREET_OFFICE"),
    ]
    download = await client.get(f"/api/v1/estates/{run.estate_id}/archive/results/{run.vote_id}", headers=run.owner)
    assert download.status_code == 200, download.text
    statuses = {t["topic_id"]: t["decision_status"] for t in download.json()["result"]["topics"]}
    assert statuses == {covenant_id: "IN_FORCE", election_id: "REVOKED_BY_STREET_OFFICE"}

    # The evidence: a public supervision.revocation entry naming the topic and its status before and after.
    entry = (
        await session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.vote_id == uuid.UUID(run.vote_id), AuditEntry.kind == EventKind.SUPERVISION_REVOCATION
            )
        )
    ).one()
    assert entry.payload["topic_id"] == election_id
    assert entry.payload["decision"]["topic_id"] == election_id
    assert entry.payload["decision"]["outcome"] == "DECIDED"
    assert entry.payload["decision"]["status"] == {"before": "IN_FORCE", "after": "REVOKED_BY_STREET_OFFICE"}
    assert entry.payload["vote_status"] == {"before": "RESULT_PUBLISHED", "after": "RESULT_PUBLISHED"}
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC

    # The covenant can still be revoked on its own; the election cannot be revoked twice.
    twice = await client.post(
        f"{url}/revoke", json={**BODY, "topic_id": election_id}, headers=run.headers["street_office"]
    )
    assert problem_code(twice) == "supervision.decision_already_revoked"


async def test_a_topic_that_decided_nothing_has_no_decision_to_revoke(client, session, app, repo_root):
    """R-SUP-7: NO_QUORUM and REJECTED carry no decision status; revoking them is refused (409)."""
    run = await _publish(client, session, app, repo_root, [COVENANT, {**COVENANT, "title": "修订议事规则"}])
    app.state.clock = lambda: STARTS + timedelta(days=1)
    for name in GROUPS:
        assert await run.cast(name, ["AGREE", "OPPOSE"]) == 201  # the covenant passes, the second is rejected
    assert await run_due_transitions(app.state.sessionmaker, ENDS, keys=app.state.log_keys) == 1
    result = (await client.get(f"/api/v1/votes/{run.vote_id}/result", headers=run.owner)).json()
    assert [(t["outcome"], t["decision_status"]) for t in result["topics"]] == [
        ("PASSED", "IN_FORCE"),
        ("REJECTED", None),
    ]
    refused = await client.post(
        f"/api/v1/votes/{run.vote_id}/revoke",
        json={**BODY, "topic_id": run.topic_ids[1]},
        headers=run.headers["street_office"],
    )
    assert refused.status_code == 409
    assert problem_code(refused) == "supervision.no_decision_on_topic"
    assert "REJECTED" in refused.json()["messages"]["en"]


# --- W7 --------------------------------------------------------------------------------------------------------


async def _w7_suspended(client, session, app, repo_root) -> Run:  # type: ignore[no-untyped-def]
    """TV-W7: two of six groups vote on 03-17, the street office suspends the vote at 03-18 00:00."""
    run = await _publish(client, session, app, repo_root, [COVENANT])
    app.state.clock = lambda: _at("2025-03-17T12:00:00")
    assert await run.cast("A", ["AGREE"]) == 201
    assert await run.cast("BC", ["AGREE"]) == 201
    app.state.clock = lambda: _at("2025-03-18T00:00:00")
    suspended = await client.post(
        f"/api/v1/votes/{run.vote_id}/suspend", json=W7_BODY, headers=run.headers["street_office"]
    )
    assert suspended.status_code == 200, suspended.text
    # Past the notice's end nothing decides the suspended vote: not the runner, not the organiser.
    at_resumption = _at("2025-03-25T10:00:00")
    assert await run_due_transitions(app.state.sessionmaker, at_resumption, keys=app.state.log_keys) == 0
    app.state.clock = lambda: at_resumption
    closing = await client.post(f"/api/v1/votes/{run.vote_id}/close", headers=run.headers["committee"])
    assert problem_code(closing) == "result.vote_not_closable"
    unpublished = await client.get(f"/api/v1/votes/{run.vote_id}/result", headers=run.owner)
    assert problem_code(unpublished) == "vote.result_not_published"
    return run


async def test_w7_resumption_needs_an_extension_of_at_least_six_days_announced_to_owners(
    client, session, app, repo_root
):
    run = await _w7_suspended(client, session, app, repo_root)
    url = f"/api/v1/votes/{run.vote_id}"
    minimum = _at("2025-03-31T10:00:00")  # 03-25 10:00 + the 6 days left at the suspension

    for short in (ENDS, minimum - timedelta(seconds=1)):
        refused = await client.post(
            f"{url}/resume", json={**W7_BODY, "ends_at": short.isoformat()}, headers=run.headers["street_office"]
        )
        assert refused.status_code == 422
        assert problem_code(refused) == "rules.resumption_extension_too_short"
        assert (await stored_vote(session, uuid.UUID(run.vote_id))).status is VoteStatus.SUSPENDED
    assert [n.kind for n in await notices_of(session, uuid.UUID(run.vote_id))].count(NoticeKind.RESUMPTION) == 0

    resumed = await client.post(
        f"{url}/resume", json={**W7_BODY, "ends_at": minimum.isoformat()}, headers=run.headers["street_office"]
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["effective_status"] == "OPEN"
    action = resumed.json()["action"]
    assert action["suspended_seconds"] == 7 * 86400 + 10 * 3600
    assert datetime.fromisoformat(action["ends_before"]) == ENDS
    assert datetime.fromisoformat(action["ends_after"]) == minimum

    # The owners are told the new end (Beijing Art. 35(4): the voting time is a publicised parameter).
    (notice,) = [n for n in await notices_of(session, uuid.UUID(run.vote_id)) if n.kind is NoticeKind.RESUMPTION]
    assert notice.audience.value == "OWNERS"
    assert "由 2025-03-24 00:00 延长至 2025-03-31 10:00" in notice.body
    read = (await client.get(url, headers=run.owner)).json()
    assert datetime.fromisoformat(read["ends_at"]) == minimum
    assert datetime.fromisoformat(read["notice_ends_at"]) == ENDS

    # The resumption is a public log entry with the old end, the new end and the suspended time.
    entry = (
        await session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.vote_id == uuid.UUID(run.vote_id), AuditEntry.kind == EventKind.SUPERVISION_RESUMPTION
            )
        )
    ).one()
    assert (entry.payload["ends_before"], entry.payload["ends_after"], entry.payload["suspended_seconds"]) == (
        "2025-03-23T16:00:00+00:00",
        "2025-03-31T02:00:00+00:00",
        7 * 86400 + 10 * 3600,
    )
    assert entry.payload["vote_status"] == {"before": "SUSPENDED", "after": "OPEN"}
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC

    # The owners kept from voting vote in the extension; the decision is taken at the new end, not before.
    app.state.clock = lambda: _at("2025-03-26T09:00:00")
    for name in ("D", "E", "H", "B"):
        assert await run.cast(name, ["AGREE"]) == 201
    assert (
        await run_due_transitions(app.state.sessionmaker, minimum - timedelta(seconds=1), keys=app.state.log_keys) == 0
    )
    assert await run_due_transitions(app.state.sessionmaker, minimum, keys=app.state.log_keys) == 1
    app.state.clock = lambda: minimum + timedelta(hours=1)
    result = (await client.get(f"{url}/result", headers=run.owner)).json()
    assert datetime.fromisoformat(result["closed_at"]) == minimum
    assert result["participating"]["heads"] == 6  # 6 of 8 heads, 62000 of 90000: quorum (R-TALLY-2)
    assert [(t["outcome"], t["decision_status"]) for t in result["topics"]] == [("PASSED", "IN_FORCE")]


async def test_w7_termination_ends_the_vote_without_a_decision(client, session, app, repo_root):
    run = await _w7_suspended(client, session, app, repo_root)
    url = f"/api/v1/votes/{run.vote_id}"
    terminated = await client.post(f"{url}/terminate", json=W7_BODY, headers=run.headers["street_office"])
    assert terminated.status_code == 200, terminated.text
    assert terminated.json()["vote_status"] == terminated.json()["effective_status"] == "TERMINATED"
    assert terminated.json()["action"]["kind"] == "TERMINATION"

    # No decision: the result endpoint says the vote was terminated; nothing ever closes or counts it.
    result = await client.get(f"{url}/result", headers=run.owner)
    assert result.status_code == 409
    assert problem_code(result) == "result.vote_terminated"
    assert "terminated" in result.json()["messages"]["en"]
    assert "终止" in result.json()["messages"]["zh"]
    assert await run_due_transitions(app.state.sessionmaker, _at("2025-05-01T00:00:00"), keys=app.state.log_keys) == 0
    assert (
        problem_code(await client.post(f"{url}/close", headers=run.headers["committee"])) == "result.vote_not_closable"
    )
    assert (
        problem_code(await client.get(f"{url}/ballots", headers=run.headers["street_office"]))
        == "result.ballots_sealed"
    )
    assert await run.cast("D", ["AGREE"]) == 409
    again = await client.post(
        f"{url}/resume",
        json={**W7_BODY, "ends_at": _at("2025-04-30T00:00:00").isoformat()},
        headers=run.headers["street_office"],
    )
    assert problem_code(again) == "supervision.not_suspended"

    # All owners are told; a new vote needs a new notice. The act is a public log entry with its reason.
    (notice,) = [n for n in await notices_of(session, uuid.UUID(run.vote_id)) if n.kind is NoticeKind.TERMINATION]
    assert notice.audience.value == "OWNERS"
    assert "不形成任何决定" in notice.body
    assert "重新发布公告" in notice.body
    entry = (
        await session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.vote_id == uuid.UUID(run.vote_id), AuditEntry.kind == EventKind.SUPERVISION_TERMINATION
            )
        )
    ).one()
    assert entry.payload["reason"] == W7_BODY["reason"]
    assert entry.payload["vote_status"] == {"before": "SUSPENDED", "after": "TERMINATED"}
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    listed = (await client.get(f"{url}/supervision", headers=run.owner)).json()
    assert [a["kind"] for a in listed["actions"]] == ["SUSPENSION", "TERMINATION"]
    assert listed["status"] == "TERMINATED"
