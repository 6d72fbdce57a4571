"""Street-office supervision through the API (issue #7 item 1; R-SUP-1..3; Beijing Arts. 8, 51; SPC Art. 12).

Every act is by the street office of the estate's jurisdiction or ADMIN (the district housing authority), is
recorded with its reason and written decision document, appended to the audit log and notified to the owners.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.schemas import beijing_rfc3339
from app.ledger.canonical import canonical_sha256
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.notice.models import NoticeKind
from app.result.models import TopicResult
from app.supervision.models import SupervisionAction, SupervisionKind
from app.supervision.service import action_content
from app.transitions import run_due_transitions
from app.vote.models import VoteStatus
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.supervision.helpers import BODY, DOC, T0, decided_vote, notices_of, open_vote, problem_code, stored_vote

COURT = {"judgment_ref": "（2025）京0105民初12345号", "reason": "召集程序违反法律规定，撤销该决定"}


def _order(deadline) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**BODY, "deadline": deadline.isoformat()}


# --- who may act ----------------------------------------------------------------------------------------------


ACTIONS = ("suspend", "resume", "terminate", "correction-orders", "revoke", "court-revocation")


def _resume(ends_at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**BODY, "ends_at": ends_at.isoformat()}


def _body(action: str) -> dict[str, str]:
    if action == "court-revocation":
        return {**COURT, "topic_id": str(uuid.uuid4())}
    if action == "correction-orders":
        return _order(T0 + timedelta(days=30))
    if action == "resume":
        return _resume(T0 + timedelta(days=30))
    if action == "revoke":
        return {**BODY, "topic_id": str(uuid.uuid4())}
    return BODY


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ["observer", "auditor", "committee"])
async def test_read_only_roles_are_refused_every_action(client, session, app, action, role):
    """R-SUP-1/2: the committee, the residents' committee and auditors cannot supervise (403, nothing changes)."""
    fixture, keys = await open_vote(session, app)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/{action}", json=_body(action), headers=keys.by_role(role)
    )
    assert response.status_code == 403, response.text
    assert problem_code(response) == "auth.forbidden"
    assert (await stored_vote(session, fixture.vote.id)).status is VoteStatus.PUBLISHED
    assert await session.scalar(sa.select(sa.func.count()).select_from(SupervisionAction)) == 0


@pytest.mark.parametrize("action", ACTIONS)
async def test_another_street_office_does_not_see_the_vote(client, session, app, action):
    fixture, keys = await open_vote(session, app)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/{action}", json=_body(action), headers=keys.other_street_office
    )
    assert response.status_code == 404
    assert problem_code(response) == "not_found"


async def test_an_unknown_vote_is_404(client, session, app):
    _, keys = await open_vote(session, app)
    response = await client.post(f"/api/v1/votes/{uuid.uuid4()}/suspend", json=BODY, headers=keys.admin)
    assert response.status_code == 404


async def test_reason_and_document_are_required(client, session, app):
    fixture, keys = await open_vote(session, app)
    url = f"/api/v1/votes/{fixture.vote.id}/suspend"
    for body in ({"reason": "x"}, {"document_ref": DOC}, {"reason": " ", "document_ref": DOC}):
        response = await client.post(url, json=body, headers=keys.street_office)
        assert response.status_code == 422
        assert problem_code(response) == "request.invalid"


# --- suspension and resumption --------------------------------------------------------------------------------


async def _cast(client, session, app, fixture):  # type: ignore[no-untyped-def]
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    return await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )


async def test_a_suspended_vote_takes_no_ballots_and_resumes(client, session, app):
    fixture, keys = await open_vote(session, app)
    vote_id = fixture.vote.id
    suspended = await client.post(f"/api/v1/votes/{vote_id}/suspend", json=BODY, headers=keys.street_office)
    assert suspended.status_code == 200, suspended.text
    body = suspended.json()
    assert body["vote_status"] == body["effective_status"] == "SUSPENDED"
    assert body["action"]["kind"] == "SUSPENSION"
    assert body["action"]["document_ref"] == DOC
    assert body["notice_id"] is not None

    refused = await _cast(client, session, app, fixture)
    assert refused.status_code == 409
    assert problem_code(refused) == "ballot.vote_not_votable"

    # R-LIFE-7: the turnout stays readable while suspended; the vote shows its status everywhere.
    turnout = await client.get(f"/api/v1/votes/{vote_id}/turnout", headers=keys.observer)
    assert turnout.status_code == 200
    assert turnout.json()["status"] == "SUSPENDED"
    assert turnout.json()["participating"]["heads"] == 0
    read = (await client.get(f"/api/v1/votes/{vote_id}", headers=keys.observer)).json()
    assert read["status"] == read["effective_status"] == "SUSPENDED"

    again = await client.post(f"/api/v1/votes/{vote_id}/suspend", json=BODY, headers=keys.street_office)
    assert again.status_code == 409
    assert problem_code(again) == "supervision.not_suspendable"

    # R-SUP-5: suspended and resumed at the same clock instant, so any end not earlier than the old one will do.
    resumed = await client.post(
        f"/api/v1/votes/{vote_id}/resume", json=_resume(fixture.vote.ends_at), headers=keys.admin
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["effective_status"] == "OPEN"
    assert resumed.json()["action"]["kind"] == "RESUMPTION"
    assert resumed.json()["action"]["suspended_seconds"] == 0
    vote = await stored_vote(session, vote_id)
    assert vote.ends_at == fixture.vote.ends_at

    accepted = await _cast(client, session, app, fixture)
    assert accepted.status_code == 201, accepted.text

    kinds = sorted(notice.kind.value for notice in await notices_of(session, vote_id))
    assert kinds == ["RESUMPTION", "SUSPENSION"]  # one notice each (same clock instant, so no order)


async def test_a_vote_suspended_before_it_opens_resumes_as_published(client, session, app):
    fixture, keys = await open_vote(session, app, opens_in=timedelta(days=2))
    vote_id = fixture.vote.id
    suspended = await client.post(f"/api/v1/votes/{vote_id}/suspend", json=BODY, headers=keys.street_office)
    assert suspended.status_code == 200
    ends_at = fixture.vote.ends_at + timedelta(days=1)  # the street office may give more than the suspended time
    resumed = await client.post(f"/api/v1/votes/{vote_id}/resume", json=_resume(ends_at), headers=keys.street_office)
    assert resumed.json()["vote_status"] == resumed.json()["effective_status"] == "PUBLISHED"
    assert resumed.json()["ends_at"] == beijing_rfc3339(ends_at)


async def test_the_runner_leaves_a_suspended_vote_and_decides_it_only_after_the_extended_end(
    client, session, app, sessionmaker
):
    """R-SUP-5: a vote whose end passed while suspended is never decided on the shortened window: nothing closes it
    while suspended, and once resumed it runs until the extended end, then the runner decides it at that end."""
    fixture, keys = await open_vote(session, app)
    vote_id, notice_end = fixture.vote.id, fixture.vote.ends_at
    assert (await client.post(f"/api/v1/votes/{vote_id}/suspend", json=BODY, headers=keys.street_office)).is_success
    suspended_at = T0 + timedelta(hours=1)

    after_end = notice_end + timedelta(hours=2)
    assert await run_due_transitions(sessionmaker, after_end, keys=app.state.log_keys) == 0
    assert (await stored_vote(session, vote_id)).status is VoteStatus.SUSPENDED
    app.state.clock = lambda: after_end
    closing = await client.post(f"/api/v1/votes/{vote_id}/close", headers=keys.committee)
    assert closing.status_code == 409
    assert problem_code(closing) == "result.vote_not_closable"

    new_end = notice_end + (after_end - suspended_at)
    resumed = await client.post(f"/api/v1/votes/{vote_id}/resume", json=_resume(new_end), headers=keys.street_office)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["effective_status"] == "OPEN"
    (notice,) = [n for n in await notices_of(session, vote_id) if n.kind is NoticeKind.RESUMPTION]
    assert "延长至 2025-03-31 01:00" in notice.body  # 03-24 00:00 + 7 days 1 hour suspended, Beijing time
    assert "暂停时长 7天1小时0分" in notice.body

    assert await run_due_transitions(sessionmaker, after_end + timedelta(minutes=1), keys=app.state.log_keys) == 0
    assert await run_due_transitions(sessionmaker, new_end, keys=app.state.log_keys) == 1
    vote = await stored_vote(session, vote_id)
    assert vote.status is VoteStatus.RESULT_PUBLISHED
    assert vote.closed_at == vote.ends_at == new_end
    assert vote.notice_ends_at == notice_end


@pytest.mark.parametrize(
    ("opens_in", "status"),
    [(-timedelta(days=8), "CLOSED")],
)
async def test_an_ended_vote_cannot_be_suspended(client, session, app, opens_in, status):
    fixture, keys = await open_vote(session, app, opens_in=opens_in)
    response = await client.post(f"/api/v1/votes/{fixture.vote.id}/suspend", json=BODY, headers=keys.street_office)
    assert response.status_code == 409
    assert problem_code(response) == "supervision.not_suspendable"
    assert status in response.json()["messages"]["en"]


async def test_resume_needs_a_suspended_vote(client, session, app):
    fixture, keys = await open_vote(session, app)
    for action, body in (("resume", _resume(fixture.vote.ends_at)), ("terminate", BODY)):
        response = await client.post(f"/api/v1/votes/{fixture.vote.id}/{action}", json=body, headers=keys.street_office)
        assert response.status_code == 409
        assert problem_code(response) == "supervision.not_suspended"


async def test_a_draft_is_neither_suspended_nor_ordered(client, session, app):
    fixture, keys = await open_vote(session, app, status=VoteStatus.DRAFT)
    url = f"/api/v1/votes/{fixture.vote.id}"
    suspend = await client.post(f"{url}/suspend", json=BODY, headers=keys.street_office)
    assert problem_code(suspend) == "supervision.not_suspendable"
    order = await client.post(f"{url}/correction-orders", json=_body("correction-orders"), headers=keys.street_office)
    assert order.status_code == 409
    assert problem_code(order) == "supervision.not_published"
    # A draft is the organiser's business: read-only roles do not even learn it exists.
    assert (await client.post(f"{url}/suspend", json=BODY, headers=keys.observer)).status_code == 404


# --- record and audit -----------------------------------------------------------------------------------------


async def test_every_act_is_recorded_hashed_and_in_the_audit_log(client, session, app):
    fixture, keys = await open_vote(session, app)
    response = await client.post(f"/api/v1/votes/{fixture.vote.id}/suspend", json=BODY, headers=keys.street_office)
    action_id = uuid.UUID(response.json()["action"]["id"])
    action = await session.get(SupervisionAction, action_id)
    assert action is not None
    assert action.kind is SupervisionKind.SUSPENSION
    assert action.reason == BODY["reason"]
    assert action.document_ref == DOC
    # The public act names the acting role and place, never the key's (or an account's) name.
    assert action.acted_by == f"STREET_OFFICE@{fixture.places.street_office.id}"
    assert action.acted_at == T0 + timedelta(hours=1)  # the injected clock
    # The hash is reproducible from the row as read back from the database.
    assert action.content_sha256 == canonical_sha256(action_content(action))
    entry = await session.get(AuditEntry, action.audit_entry_id)
    assert entry is not None
    assert entry.kind == "supervision.suspension"
    assert entry.vote_id == fixture.vote.id
    assert entry.estate_id == fixture.places.estate.id
    assert entry.payload["content_sha256"] == action.content_sha256
    assert entry.payload["vote_status"] == {"before": "OPEN", "after": "SUSPENDED"}
    assert entry.payload["document_ref"] == DOC
    assert entry.payload["acted_by"] == action.acted_by
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC
    # Who exactly acted is accountable through a restricted companion entry of the same transaction.
    companions = (
        await session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == EventKind.IDENTITY_ACT_RECORDED))
    ).all()
    (companion,) = [row for row in companions if row.payload["details"]["entry_id"] == str(entry.id)]
    assert companion.payload["actor"] == "apikey:test-street_office"
    assert companion.payload["details"] == {
        "entry_id": str(entry.id), "kind": entry.kind, "acted_as": action.acted_by
    }  # fmt: skip
    assert companion.estate_id == entry.estate_id
    assert disclosure(companion.kind, companion.payload) is Disclosure.RESTRICTED


# --- correction orders ----------------------------------------------------------------------------------------


async def test_correction_order_is_recorded_notified_and_listed(client, session, app):
    fixture, keys = await open_vote(session, app)
    deadline = T0 + timedelta(days=10)
    url = f"/api/v1/votes/{fixture.vote.id}/correction-orders"
    response = await client.post(url, json=_order(deadline), headers=keys.street_office)
    assert response.status_code == 201, response.text
    order_id = response.json()["action"]["id"]
    assert response.json()["effective_status"] == "OPEN"  # an order does not stop the vote
    (notice,) = await notices_of(session, fixture.vote.id)
    assert notice.kind is NoticeKind.CORRECTION_ORDER
    assert DOC in notice.body

    listed = await client.get(f"/api/v1/votes/{fixture.vote.id}/supervision", headers=keys.observer)
    assert listed.status_code == 200
    (order,) = listed.json()["correction_orders"]
    assert order["order"]["id"] == order_id
    assert order["state"] == "OPEN"
    assert order["overdue"] is False

    app.state.clock = lambda: deadline  # the deadline is exclusive: at that instant the order is overdue
    listed = await client.get(f"/api/v1/votes/{fixture.vote.id}/supervision", headers=keys.committee)
    assert listed.json()["correction_orders"][0]["overdue"] is True

    follow = await client.post(f"{url}/{order_id}/follow-up", json=BODY, headers=keys.street_office)
    assert follow.status_code == 201, follow.text
    assert follow.json()["action"]["follows_id"] == order_id
    assert follow.json()["notice_id"] is None
    listed = await client.get(f"/api/v1/votes/{fixture.vote.id}/supervision", headers=keys.committee)
    (order,) = listed.json()["correction_orders"]
    assert (order["state"], order["overdue"]) == ("FOLLOWED_UP", False)
    assert [a["kind"] for a in listed.json()["actions"]] == ["CORRECTION_ORDER", "CORRECTION_FOLLOW_UP"]

    twice = await client.post(f"{url}/{order_id}/follow-up", json=BODY, headers=keys.street_office)
    assert twice.status_code == 409
    assert problem_code(twice) == "supervision.already_followed_up"
    unknown = await client.post(f"{url}/{uuid.uuid4()}/follow-up", json=BODY, headers=keys.street_office)
    assert unknown.status_code == 404
    observer = await client.post(f"{url}/{order_id}/follow-up", json=BODY, headers=keys.observer)
    assert observer.status_code == 403


async def test_correction_order_on_a_decision_and_its_deadline(client, session, app, sessionmaker):
    fixture, keys = await decided_vote(session, app, sessionmaker)
    url = f"/api/v1/votes/{fixture.vote.id}/correction-orders"
    now = app.state.clock()
    past = await client.post(url, json=_order(now), headers=keys.street_office)
    assert past.status_code == 422
    assert problem_code(past) == "supervision.deadline_not_in_future"
    naive = await client.post(url, json={**BODY, "deadline": "2025-05-01T00:00:00"}, headers=keys.street_office)
    assert naive.status_code == 422
    ok = await client.post(url, json=_order(now + timedelta(days=15)), headers=keys.admin)
    assert ok.status_code == 201
    assert ok.json()["effective_status"] == "RESULT_PUBLISHED"


# --- revocation -----------------------------------------------------------------------------------------------


def _revocation(fixture, body=BODY) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (topic,) = fixture.topics
    return {**body, "topic_id": str(topic.id)}


async def test_street_office_revokes_a_decision_everywhere_but_the_evidence(client, session, app, sessionmaker):
    """R-SUP-7: the topic's decision is revoked; the vote keeps its status, the result its outcome and evidence."""
    fixture, keys = await decided_vote(session, app, sessionmaker)
    vote_id = fixture.vote.id
    before = (await client.get(f"/api/v1/votes/{vote_id}/result", headers=keys.observer)).json()
    assert before["decision_status"] == "IN_FORCE"
    assert before["revocations"] == []
    assert before["topics"][0]["decision_status"] == "IN_FORCE"
    evidence = {row.topic_id: row.evidence_sha256 for row in await session.scalars(sa.select(TopicResult))}

    response = await client.post(
        f"/api/v1/votes/{vote_id}/revoke", json=_revocation(fixture), headers=keys.street_office
    )
    assert response.status_code == 200, response.text
    assert response.json()["vote_status"] == "RESULT_PUBLISHED"  # the vote's status is not the decision's
    assert response.json()["decision_status"] == "REVOKED_BY_STREET_OFFICE"
    assert response.json()["action"]["topic_id"] == str(fixture.topics[0].id)

    # Beijing Art. 51: all owners are notified.
    (notice,) = [n for n in await notices_of(session, vote_id) if n.kind is NoticeKind.REVOCATION]
    assert notice.audience.value == "OWNERS"
    assert DOC in notice.body

    read = (await client.get(f"/api/v1/votes/{vote_id}", headers=keys.observer)).json()
    assert read["status"] == read["effective_status"] == "RESULT_PUBLISHED"
    turnout = (await client.get(f"/api/v1/votes/{vote_id}/turnout", headers=keys.observer)).json()
    assert turnout["participating"]["heads"] == 6
    result = await client.get(f"/api/v1/votes/{vote_id}/result", headers=keys.observer)
    assert result.status_code == 200, result.text
    after = result.json()
    assert after["decision_status"] == "REVOKED_BY_STREET_OFFICE"  # its only decision is revoked
    (revocation,) = after["revocations"]
    assert revocation["kind"] == "REVOCATION"
    assert revocation["topic_id"] == str(fixture.topics[0].id)
    assert revocation["document_ref"] == DOC
    assert revocation["acted_at"] is not None
    assert after["result_published_at"] == before["result_published_at"]  # SPC Art. 12 evidence kept
    for topic_before, topic_after in zip(before["topics"], after["topics"], strict=True):
        assert topic_after["outcome"] == topic_before["outcome"] == "PASSED"
        assert topic_after["evidence"] == topic_before["evidence"]
        assert topic_after["decision_status"] == "REVOKED_BY_STREET_OFFICE"
        assert topic_after["revocation"] == revocation
    assert {row.topic_id: row.evidence_sha256 for row in await session.scalars(sa.select(TopicResult))} == evidence

    # The per-unit audit view stays open to supervisors after a revocation (R-PUB-2).
    ballots = await client.get(f"/api/v1/votes/{vote_id}/ballots", headers=keys.street_office)
    assert ballots.status_code == 200

    again = await client.post(f"/api/v1/votes/{vote_id}/revoke", json=_revocation(fixture), headers=keys.admin)
    assert again.status_code == 409
    assert problem_code(again) == "supervision.decision_already_revoked"
    court = await client.post(
        f"/api/v1/votes/{vote_id}/court-revocation", json=_revocation(fixture, COURT), headers=keys.admin
    )
    assert problem_code(court) == "supervision.decision_already_revoked"
    unknown = await client.post(
        f"/api/v1/votes/{vote_id}/revoke", json={**BODY, "topic_id": str(uuid.uuid4())}, headers=keys.admin
    )
    assert unknown.status_code == 404


async def test_an_undecided_vote_cannot_be_revoked(client, session, app):
    fixture, keys = await open_vote(session, app)
    for action, headers in (("revoke", keys.street_office), ("court-revocation", keys.admin)):
        response = await client.post(f"/api/v1/votes/{fixture.vote.id}/{action}", json=_body(action), headers=headers)
        assert response.status_code == 409
        assert problem_code(response) == "supervision.not_decided"


async def test_admin_records_a_court_revocation(client, session, app, sessionmaker):
    """R-SUP-3: admin only (the street office itself gets 403), REVOKED_BY_COURT, all owners told."""
    fixture, keys = await decided_vote(session, app, sessionmaker)
    vote_id = fixture.vote.id
    refused = await client.post(
        f"/api/v1/votes/{vote_id}/court-revocation", json=_revocation(fixture, COURT), headers=keys.street_office
    )
    assert refused.status_code == 403

    response = await client.post(
        f"/api/v1/votes/{vote_id}/court-revocation", json=_revocation(fixture, COURT), headers=keys.admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["action"]["kind"] == "COURT_REVOCATION"
    assert response.json()["action"]["document_ref"] == COURT["judgment_ref"]
    result = (await client.get(f"/api/v1/votes/{vote_id}/result", headers=keys.committee)).json()
    assert result["decision_status"] == "REVOKED_BY_COURT"
    assert result["revocations"][0]["document_ref"] == COURT["judgment_ref"]
    assert result["topics"][0]["decision_status"] == "REVOKED_BY_COURT"
    (notice,) = [n for n in await notices_of(session, vote_id) if n.kind is NoticeKind.REVOCATION]
    assert COURT["judgment_ref"] in notice.body
    kind = "supervision.court_revocation"
    entry = (
        await session.scalars(sa.select(AuditEntry).where(AuditEntry.vote_id == vote_id, AuditEntry.kind == kind))
    ).one()
    assert entry.payload["vote_status"] == {"before": "RESULT_PUBLISHED", "after": "RESULT_PUBLISHED"}
    topic_result = await session.get(TopicResult, fixture.topics[0].id)
    assert topic_result is not None
    assert entry.payload["topic_id"] == str(fixture.topics[0].id)
    assert entry.payload["decision"] == {
        "topic_id": str(fixture.topics[0].id),
        "outcome": "PASSED",
        "evidence_sha256": topic_result.evidence_sha256,
        "status": {"before": "IN_FORCE", "after": "REVOKED_BY_COURT"},
    }
    assert disclosure(entry.kind, entry.payload) is Disclosure.PUBLIC


async def test_a_suspended_then_revoked_path_is_refused_in_order(client, session, app):
    """A suspended vote has no decision yet: revocation waits for the close; only orders, resumption and
    termination apply."""
    fixture, keys = await open_vote(session, app)
    vote_id = fixture.vote.id
    await client.post(f"/api/v1/votes/{vote_id}/suspend", json=BODY, headers=keys.street_office)
    revoke = await client.post(f"/api/v1/votes/{vote_id}/revoke", json=_revocation(fixture), headers=keys.street_office)
    assert problem_code(revoke) == "supervision.not_decided"
    assert "SUSPENDED" in revoke.json()["messages"]["en"]
    assert "已被街道办事处暂停" in revoke.json()["messages"]["zh"]  # the status in words (issue #19 item 9)
    order = await client.post(
        f"/api/v1/votes/{vote_id}/correction-orders", json=_body("correction-orders"), headers=keys.street_office
    )
    assert order.status_code == 201


async def test_the_district_authority_revokes_too(client, session, app, sessionmaker):
    """物业管理条例 Art. 19(2): the district housing authority (ADMIN here) has the street office's power."""
    fixture, keys = await decided_vote(session, app, sessionmaker)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/revoke", json=_revocation(fixture), headers=keys.admin
    )
    assert response.status_code == 200
    assert response.json()["decision_status"] == "REVOKED_BY_STREET_OFFICE"
    assert response.json()["action"]["acted_by"] == "ADMIN"


async def test_owners_in_the_roll_read_the_supervision_record(client, session, app):
    fixture, keys = await open_vote(session, app)
    await client.post(f"/api/v1/votes/{fixture.vote.id}/suspend", json=BODY, headers=keys.street_office)
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    stranger = await make_account(session, app.state.cipher)
    await session.commit()
    url = f"/api/v1/votes/{fixture.vote.id}/supervision"
    record = await client.get(url, headers=bearer(app, wang))
    assert record.status_code == 200
    assert record.json()["status"] == "SUSPENDED"
    assert [action["kind"] for action in record.json()["actions"]] == ["SUSPENSION"]
    assert (await client.get(url, headers=bearer(app, stranger))).status_code == 404
    assert (
        await client.post(
            f"/api/v1/votes/{fixture.vote.id}/resume", json=_resume(fixture.vote.ends_at), headers=bearer(app, wang)
        )
    ).status_code == 404
