"""The audit log's contract (``app.ledger.events``): kinds as logged, payloads exactly as producers built them.

The expected dicts below are written out the way the producers wrote their payloads before the builders
existed, so a builder that drops, renames or reshapes a member fails here: entries already in a log must keep
their hashes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import pytest

from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.entries import entry_payload_sha256
from app.ledger.events import EventKind

ONE, TWO, THREE = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
AT = "2026-03-01T08:00:00+08:00"


@dataclass(frozen=True)
class Weight:
    heads: int
    area: int


def test_kinds_are_the_logged_strings():
    assert len(EventKind) == len({kind.value for kind in EventKind}) == 89
    assert EventKind.BALLOT_CAST == "ballot.cast"
    assert EventKind.IDENTITY_VERIFICATION_DOCUMENT_DELETED == "identity.verification.document_deleted"
    assert EventKind("supervision.court_revocation") is EventKind.SUPERVISION_COURT_REVOCATION
    assert {kind.value for kind in events.EVIDENCE_KINDS} == {
        "vote.published", "ballot.cast", "ballot.voided", "vote.closed", "vote.decided", "vote.result_published",
        "roll.objection_filed", "roll.objection_answered", "vote.roll_republished",
        "paper.received", "counting.opened", "counting.confirmed", "counting.signed_off",
    }  # fmt: skip
    assert len(events.SUPERVISION_KINDS) == 7
    assert EventKind("supervision.termination") is EventKind.SUPERVISION_TERMINATION
    assert len(events.IDENTITY_KINDS) == 26


def test_an_entry_hash_of_a_built_payload_is_the_hash_of_the_old_payload():
    built = events.vote_erratum(erratum_id=ONE, sha256="ab" * 32, notice_hash="cd" * 32)
    old = {"erratum_id": str(ONE), "sha256": "ab" * 32, "notice_hash": "cd" * 32}
    assert entry_payload_sha256(built.kind, ONE, TWO, built.payload) == entry_payload_sha256(
        "vote.erratum", ONE, TWO, old
    )


def test_vote_published():
    event = events.vote_published(
        notice_hash="n" * 64,
        roll_hash="r" * 64,
        register_version_id=ONE,
        topics=[events.PublishedTopic(TWO, "c" * 64, ("a1", "a2"))],
        published_at="2026-03-01T00:00:00.000000Z",
        starts_at="2026-03-20T00:00:00.000000Z",
        ends_at="2026-04-01T00:00:00.000000Z",
        voting_method="MIXED",
        total_heads=30,
        total_area=90000,
        scoped=False,
    )
    assert event == events.Event(
        EventKind.VOTE_PUBLISHED,
        {
            "notice_hash": "n" * 64,
            "roll_hash": "r" * 64,
            "register_version_id": str(ONE),
            "topics": [{"topic_id": str(TWO), "content_hash": "c" * 64, "attachments": ["a1", "a2"]}],
            "published_at": "2026-03-01T00:00:00.000000Z",
            "starts_at": "2026-03-20T00:00:00.000000Z",
            "ends_at": "2026-04-01T00:00:00.000000Z",
            "voting_method": "MIXED",
            "total_heads": 30,
            "total_area": 90000,
            "scoped": False,
            "notice_queued": ["WEBHOOK"],  # R-NOTICE-4: queued, never "notified" before a delivery is recorded
            "reported_to": ["RESIDENTS_COMMITTEE"],
        },
    )
    assert "notified" not in event.payload


def test_vote_notice_posted_binds_the_photo_and_hashes_the_place():
    event = events.vote_notice_posted(
        posting_id=ONE, notice_hash="n" * 64, posted_at="2025-03-04T16:00:00Z", recorded_at="2025-03-05T02:00:00Z",
        by=f"COMMITTEE@{TWO}", place_sha256="p" * 64, photo_sha256="f" * 64, photo_size=40,
        photo_content_type="image/png", counted_posted_at="2025-03-04T16:00:00Z",
        earliest_start="2025-03-20T16:00:00Z", starts_at="2025-03-20T16:00:00Z",
    )  # fmt: skip
    assert event == events.Event(
        EventKind.VOTE_NOTICE_POSTED,
        {
            "posting_id": str(ONE), "notice_hash": "n" * 64, "posted_at": "2025-03-04T16:00:00Z",
            "recorded_at": "2025-03-05T02:00:00Z", "by": f"COMMITTEE@{TWO}", "place_sha256": "p" * 64,
            "photo": {"sha256": "f" * 64, "size": 40, "content_type": "image/png"},
            "counted_posted_at": "2025-03-04T16:00:00Z", "earliest_start": "2025-03-20T16:00:00Z",
            "starts_at": "2025-03-20T16:00:00Z",
        },
    )  # fmt: skip


def test_notice_delivery_recorded_counts_per_channel():
    event = events.notice_delivery_recorded(
        notice_id=ONE, kind="VOTE_NOTICE", at=AT,
        counts=[events.DeliveryCounts("WEBHOOK", messages=1, queued=0, delivered=0, dead_lettered=1)],
    )  # fmt: skip
    assert event == events.Event(
        EventKind.NOTICE_DELIVERY_RECORDED,
        {
            "notice_id": str(ONE), "kind": "VOTE_NOTICE", "at": AT,
            "channels": [{"channel": "WEBHOOK", "messages": 1, "queued": 0, "delivered": 0, "dead_lettered": 1}],
        },
    )  # fmt: skip


def test_vote_cancelled_carries_the_reason_and_its_hash():
    event = events.vote_cancelled(notice_hash=None, cancelled_at=AT, reason="重新公告")
    assert event.kind is EventKind.VOTE_CANCELLED
    assert event.payload == {
        "notice_hash": None,
        "cancelled_at": AT,
        "reason": "重新公告",
        "reason_sha256": hashlib.sha256("重新公告".encode()).hexdigest(),
    }


def test_close_decide_publish_export_and_viewing():
    outcomes = [events.TopicOutcome(ONE, "APPROVED", "e" * 64)]
    logged = [{"topic_id": str(ONE), "outcome": "APPROVED", "evidence_sha256": "e" * 64}]
    closed = events.vote_closed(closed_at=AT, by="system", participating=Weight(20, 70000), total=Weight(30, 90000))
    assert closed.payload == {
        "closed_at": AT, "by": "system", "participating": {"heads": 20, "area": 70000},
        "total": {"heads": 30, "area": 90000},
    }  # fmt: skip
    decided = events.vote_decided(decided_at=AT, closed_at=None, by="system", results=outcomes)
    assert decided.payload == {"decided_at": AT, "closed_at": None, "by": "system", "results": logged}
    published = events.vote_result_published(published_at=AT, by="system", results=outcomes, publication={"x": 1})
    assert published.payload == {"published_at": AT, "by": "system", "results": logged, "publication": {"x": 1}}
    topic = uuid.UUID(int=77)
    with_totals = events.vote_result_published(
        published_at=AT, by="system", results=outcomes, publication={}, evidence={topic: {"agree": {"heads": 3}}}
    )
    assert with_totals.payload["evidence"] == {str(topic): {"agree": {"heads": 3}}}  # R-PUB-1: totals are public
    exported = events.vote_exported(
        by="account:1", roles=["COMMITTEE", "AUDITOR"], at=AT, bundle_sha256="b" * 64, result_checkpoint=7
    )
    assert exported.payload == {
        "by": "account:1", "roles": ["AUDITOR", "COMMITTEE"], "at": AT, "bundle_sha256": "b" * 64,
        "result_checkpoint": 7,
    }  # fmt: skip
    viewed = events.ballots_viewed(viewer="account:1", at=AT, cursor=None, ballots=3)
    assert viewed.payload == {"viewer": "account:1", "at": AT, "cursor": None, "ballots": 3}
    assert [e.kind for e in (closed, decided, published, exported, viewed)] == [
        EventKind.VOTE_CLOSED, EventKind.VOTE_DECIDED, EventKind.VOTE_RESULT_PUBLISHED, EventKind.VOTE_EXPORTED,
        EventKind.BALLOTS_VIEWED,
    ]  # fmt: skip


def test_register_version():
    event = events.register_version(
        version_id=ONE, number=2, content_hash="h" * 64, unit_count=40, total=Weight(38, 91000), imported_by="a"
    )
    assert event == events.Event(
        EventKind.REGISTER_VERSION,
        {
            "version_id": str(ONE), "number": 2, "content_hash": "h" * 64, "unit_count": 40, "heads": 38,
            "area": 91000, "imported_by": "a",
        },
    )  # fmt: skip


def test_notices_and_their_delivery():
    published = events.notice_published(
        notice_id=ONE,
        kind="VOTE_NOTICE",
        audience="OWNERS",
        reported_to=("RESIDENTS_COMMITTEE",),
        content_sha256="s" * 64,
        published_at=AT,
        outbox_message_id=TWO,
    )
    assert published.payload == {
        "notice_id": str(ONE), "kind": "VOTE_NOTICE", "audience": "OWNERS", "reported_to": ["RESIDENTS_COMMITTEE"],
        "content_sha256": "s" * 64, "published_at": AT, "outbox_message_id": str(TWO),
    }  # fmt: skip
    retry = events.notice_retry_requested(outbox_message_id=TWO, by="admin", at=AT)
    assert retry.payload == {"outbox_message_id": str(TWO), "by": "admin", "at": AT}
    delivery = events.Delivery(TWO, str(ONE), 3, AT)
    record = {"outbox_message_id": str(TWO), "notice_id": str(ONE), "attempts": 3, "at": AT}
    assert events.notice_dispatched(delivery) == events.Event(EventKind.NOTICE_DISPATCHED, record)
    assert events.notice_dead_lettered(delivery, error="503") == events.Event(
        EventKind.NOTICE_DEAD_LETTERED, record | {"error": "503"}
    )
    assert events.notice_dispatch_failed(delivery, error="503", next_attempt_at="later") == events.Event(
        EventKind.NOTICE_DISPATCH_FAILED, record | {"error": "503", "next_attempt_at": "later"}
    )
    dates = events.estate_reminder_dates_changed(by="committee", dates={"service_contract_ends_on": None})
    assert dates.payload == {"by": "committee", "dates": {"service_contract_ends_on": None}}
    assert dates.kind is EventKind.ESTATE_REMINDER_DATES_CHANGED


def test_inspection_names_the_notice_and_hash_only_when_given():
    bare = events.inspection_accessed(accessor="owner:1", capacity="OWNER", document="roll", at=AT)
    assert bare.payload == {"accessor": "owner:1", "capacity": "OWNER", "document": "roll", "at": AT}
    full = events.inspection_accessed(
        accessor="owner:1", capacity="OWNER", document="notice", at=AT, notice_id=ONE, sha256="s" * 64
    )
    assert full.payload == bare.payload | {"document": "notice", "notice_id": str(ONE), "sha256": "s" * 64}
    assert full.kind is EventKind.INSPECTION_ACCESSED


def test_petitions():
    count = {"rule": "R-LIFE-10", "register_version_id": str(THREE), "formulas": ["5*petitioning_heads >= ..."]}
    assert events.petition_opened(
        petition_id=ONE, kind="TEMPORARY_MEETING", register_version_id=THREE, opened_at=AT
    ).payload == {
        "petition_id": str(ONE),
        "kind": "TEMPORARY_MEETING",
        "register_version_id": str(THREE),
        "opened_at": AT,
    }
    for grant_id, logged in ((None, ""), (TWO, str(TWO))):
        signed = events.petition_signed(petition_id=ONE, group_id="g1", basis="OWNER", grant_id=grant_id, signed_at=AT)
        assert signed.payload == {
            "petition_id": str(ONE), "group_id": "g1", "basis": "OWNER", "grant_id": logged, "signed_at": AT,
        }  # fmt: skip
    met = events.petition_threshold_met(petition_id=ONE, kind="TEMPORARY_MEETING", at=AT, count=count)
    assert met.payload == {"petition_id": str(ONE), "kind": "TEMPORARY_MEETING", "at": AT, **count}
    submitted = events.petition_submitted(petition_id=ONE, kind="TEMPORARY_MEETING", to="COMMITTEE", at=AT, count=count)
    assert submitted.payload == {
        "petition_id": str(ONE),
        "kind": "TEMPORARY_MEETING",
        "to": "COMMITTEE",
        "at": AT,
        **count,
    }
    escalated = events.petition_escalated(petition_id=ONE, to="STREET_OFFICE", submitted_at="", at=AT)
    assert escalated.payload == {"petition_id": str(ONE), "to": "STREET_OFFICE", "submitted_at": "", "at": AT}
    assert [e.kind for e in (met, submitted, escalated)] == [
        EventKind.PETITION_THRESHOLD_MET, EventKind.PETITION_SUBMITTED, EventKind.PETITION_ESCALATED,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("SUSPENSION", EventKind.SUPERVISION_SUSPENSION),
        ("RESUMPTION", EventKind.SUPERVISION_RESUMPTION),
        ("CORRECTION_ORDER", EventKind.SUPERVISION_CORRECTION_ORDER),
        ("CORRECTION_FOLLOW_UP", EventKind.SUPERVISION_CORRECTION_FOLLOW_UP),
        ("REVOCATION", EventKind.SUPERVISION_REVOCATION),
        ("COURT_REVOCATION", EventKind.SUPERVISION_COURT_REVOCATION),
        ("TERMINATION", EventKind.SUPERVISION_TERMINATION),
    ],
)
def test_supervision_actions_are_logged_as_supervision_kind(action, kind):
    content = {"action_id": str(ONE), "kind": action, "reason": "r"}
    event = events.supervision_action(
        action, content=content, content_sha256=canonical_sha256(content), status_before="OPEN", status_after="OPEN"
    )
    assert event == events.Event(
        kind,
        {**content, "content_sha256": canonical_sha256(content), "vote_status": {"before": "OPEN", "after": "OPEN"}},
    )


def test_a_revocation_of_one_decision_carries_the_decision():
    """R-SUP-7: the entry names the topic, its outcome and evidence hash, and its decision status around the act;
    an entry without ``decision`` (every other act, and revocations logged before R-SUP-7) keeps its old shape."""
    content = {"action_id": str(ONE), "kind": "REVOCATION", "topic_id": str(TWO)}
    decision = events.decision_revoked(
        topic_id=TWO, outcome="DECIDED", evidence_sha256="e" * 64, status_before="IN_FORCE",
        status_after="REVOKED_BY_STREET_OFFICE",
    )  # fmt: skip
    event = events.supervision_action(
        "REVOCATION", content=content, content_sha256="c" * 64, status_before="RESULT_PUBLISHED",
        status_after="RESULT_PUBLISHED", decision=decision,
    )  # fmt: skip
    assert event.payload == {
        **content,
        "content_sha256": "c" * 64,
        "vote_status": {"before": "RESULT_PUBLISHED", "after": "RESULT_PUBLISHED"},
        "decision": {
            "topic_id": str(TWO), "outcome": "DECIDED", "evidence_sha256": "e" * 64,
            "status": {"before": "IN_FORCE", "after": "REVOKED_BY_STREET_OFFICE"},
        },
    }  # fmt: skip


def test_an_unknown_supervision_action_has_no_kind():
    with pytest.raises(ValueError, match=r"supervision\.pardon"):
        events.supervision_kind("PARDON")


def test_identity_events_keep_the_row_kind_without_the_prefix():
    assert events.identity_event_name(EventKind.IDENTITY_AUTH_LOGIN) == "auth.login"
    assert events.identity_event_name(EventKind.IDENTITY_GRANT_REVOKED) == "grant.revoked"
    event = events.identity_event(
        EventKind.IDENTITY_AUTH_LOGIN, event_id=ONE, actor="auth:sms_code", account_id=None, details={"m": "sms"}
    )
    assert event.payload == {"event_id": str(ONE), "actor": "auth:sms_code", "account_id": "", "details": {"m": "sms"}}
    with_account = events.identity_event(
        EventKind.IDENTITY_ROLE_GRANTED, event_id=ONE, actor="admin", account_id=TWO, details={}
    )
    assert with_account.payload["account_id"] == str(TWO)


@pytest.mark.parametrize("call", [events.identity_event_name, lambda kind: events.identity_event(
    kind, event_id=ONE, actor="a", account_id=None, details={}
)])  # fmt: skip
def test_identity_builders_refuse_other_kinds(call):
    with pytest.raises(ValueError, match="not an identity event"):
        call(EventKind.VOTE_CLOSED)


def test_roll_objections_and_republication_log_commitments_and_hashes_only():
    """R-ROLL-7: no entry, text, name or account in the public payloads; every one is served publicly."""
    from app.ledger.disclosure import Disclosure, disclosure

    filed = events.roll_objection_filed(objection_id=ONE, roll_hash="r" * 64, filed_at=AT, text_commitment="t" * 64)
    assert filed == events.Event(
        EventKind.ROLL_OBJECTION_FILED,
        {"objection_id": str(ONE), "roll_hash": "r" * 64, "filed_at": AT, "text_commitment": "t" * 64},
    )
    answered = events.roll_objection_answered(
        objection_id=ONE,
        decision="ACCEPTED",
        answered_at=AT,
        answered_by=f"COMMITTEE@{TWO}",
        reasons_commitment="c" * 64,
    )
    assert answered.payload == {
        "objection_id": str(ONE),
        "decision": "ACCEPTED",
        "answered_at": AT,
        "answered_by": f"COMMITTEE@{TWO}",
        "reasons_commitment": "c" * 64,
    }
    republished = events.vote_roll_republished(
        events.RollRepublication(
            notice_hash="n" * 64, previous_notice_hash="o" * 64, roll_hash="r" * 64, previous_roll_hash="p" * 64,
            register_version_id=TWO, previous_register_version_id=ONE, total_heads=8, total_area=90000,
            republished_at=AT, starts_at="s", ends_at="e", earliest_start="x", objections=(THREE, ONE),
        ),
        by=f"COMMITTEE@{TWO}",
    )  # fmt: skip
    assert republished.kind is EventKind.VOTE_ROLL_REPUBLISHED
    assert republished.payload["objections"] == sorted([str(ONE), str(THREE)])
    assert republished.payload["register_version_id"] == str(TWO)
    assert republished.payload["total_area"] == 90000
    for event in (filed, answered, republished):
        assert disclosure(event.kind, event.payload) is Disclosure.PUBLIC
    # A payload naming an account would be restricted: the guard still applies to these kinds.
    assert disclosure(EventKind.ROLL_OBJECTION_FILED, filed.payload | {"account_id": str(ONE)}) is Disclosure.RESTRICTED


def test_committee_candidate_entries_name_records_not_owners():
    """R-CAND-9: ballot item ids, record ids, hashes and codes only; the acknowledgment is public."""
    nominated = events.election_candidates_nominated(
        topic_id=ONE,
        list_hash="ab" * 32,
        nominees=[events.Nominee("c1", TWO, "SELF", False)],
    )
    assert nominated.kind == "election.candidates_nominated"
    assert nominated.payload == {
        "topic_id": str(ONE),
        "list_hash": "ab" * 32,
        "candidates": [{"candidate_id": "c1", "nomination_id": str(TWO), "nominated_by": "SELF", "represented": False}],
    }
    attested = events.election_candidate_attested(
        topic_id=ONE,
        attestation_id=TWO,
        candidate_id="c1",
        criterion="PROPERTY_FEES",
        finding="NOT_MET",
        source="PROPERTY_SERVICE_COMPANY",
        document_sha256="cd" * 32,
        attested_on="2026-12-01",
    )
    assert attested.kind == "election.candidate_attested"
    assert attested.payload["finding"] == "NOT_MET"
    acknowledged = events.election_candidate_list_acknowledged(
        topic_id=ONE, list_hash="ab" * 32, submitted_on="2026-12-01", acknowledged_on="2026-12-02",
        receipt_sha256="ef" * 32,
    )  # fmt: skip
    assert acknowledged.kind == "election.candidate_list_acknowledged"
    assert disclosure(acknowledged.kind, acknowledged.payload) is Disclosure.PUBLIC
    assert disclosure(attested.kind, attested.payload) is Disclosure.RESTRICTED
    assert disclosure(nominated.kind, nominated.payload) is Disclosure.RESTRICTED


def test_paper_and_counting_payloads_name_witnesses_by_pseudonym_and_role_only():
    received = events.paper_received(
        reception_id=ONE, group_member="group", group="ab" * 16, form="SHEET", scan_sha256="cd" * 32,
        received_at="2025-03-23T22:00:00+08:00", status="DUPLICATE", earlier_entry_id=TWO,
    )  # fmt: skip
    assert received.payload == {
        "reception_id": str(ONE), "group": "ab" * 16, "form": "SHEET", "scan_sha256": "cd" * 32,
        "received_at": "2025-03-23T22:00:00+08:00", "status": "DUPLICATE", "earlier": str(TWO),
    }  # fmt: skip
    witness = events.Witness("ef" * 16, "OWNER")
    opened = events.counting_opened(session_id=ONE, opened_at="t", by="COMMITTEE", witnesses=[witness])
    assert opened.payload["witnesses"] == [{"witness": "ef" * 16, "role": "OWNER"}]
    confirmed = events.counting_confirmed(session_id=ONE, witness=witness, confirmed_at="t", counted={"count": 1})
    assert (confirmed.kind, confirmed.payload["witness"], confirmed.payload["counted"]) == (
        EventKind.COUNTING_CONFIRMED, "ef" * 16, {"count": 1},
    )  # fmt: skip
    signed = events.counting_signed_off(
        session_id=ONE, signed_off_at="t", paper_counted=1, duplicates=2, counted={"count": 3}
    )
    assert (signed.payload["paper_counted"], signed.payload["duplicates"]) == (1, 2)


def test_committee_records_name_ids_seats_dates_and_roles_only():
    """R-COMM, R-CONV: public payloads without names, owners or accounts (app.ledger.disclosure)."""
    recorded = events.committee_recorded(
        committee_id=ONE, kind="PROPERTY_MANAGEMENT_COMMITTEE", seats=7, alternate_seats=0,
        term_starts_on="2023-01-10", term_ends_on="2026-01-10", formation_ground=None, recorded_by="STREET_OFFICE@x",
    )  # fmt: skip
    assert recorded.kind == "committee.recorded"
    assert recorded.payload == {
        "committee_id": str(ONE), "kind": "PROPERTY_MANAGEMENT_COMMITTEE", "seats": 7, "alternate_seats": 0,
        "term_starts_on": "2023-01-10", "term_ends_on": "2026-01-10", "formation_ground": "",
        "recorded_by": "STREET_OFFICE@x",
    }  # fmt: skip
    filed = events.committee_filed(committee_id=ONE, filed_on="2024-06-20", filed_by="S", reference_sha256="a" * 64)
    assert filed.payload == {
        "committee_id": str(ONE),
        "filed_on": "2024-06-20",
        "filed_by": "S",
        "reference_sha256": "a" * 64,
    }
    seated = events.committee_member_seated(
        committee_id=ONE, member_id=TWO, seat_kind="MEMBER", seat=2, constituency="OWNER", started_on="2025-01-01",
        recorded_by="S", filled_from=THREE,
    )  # fmt: skip
    assert seated.payload["filled_from"] == str(THREE)
    assert seated.payload["member_id"] == str(TWO)
    ended = events.committee_member_ended(
        committee_id=ONE, member_id=TWO, ended_on="2025-03-01", reason="NO_LONGER_OWNER", recorded_by="SYSTEM",
        register_version_id=THREE,
    )  # fmt: skip
    assert ended.payload["register_version_id"] == str(THREE)
    resigned = events.committee_member_ended(
        committee_id=ONE, member_id=TWO, ended_on="2025-03-01", reason="RESIGNED", recorded_by="S"
    )
    assert resigned.payload["register_version_id"] == ""
    trigger = events.convening_trigger_recorded(
        trigger_id=ONE, ground="COMMITTEE_FAILED_TO_CONVENE", basis="Beijing Art. 36", occurred_on="2025-03-01",
        deadline_on="2025-03-10", committee_id=TWO, evidence_sha256="b" * 64, recorded_by="S",
    )  # fmt: skip
    assert trigger.payload["deadline_on"] == "2025-03-10"
    assert trigger.payload["committee_id"] == str(TWO)
    mandate = events.convening_mandate_recorded(
        mandate_id=ONE, committee_id=None, trigger_id=TWO, decided_on=None, recorded_by="S"
    )
    assert mandate.payload == {
        "mandate_id": str(ONE), "committee_id": "", "trigger_id": str(TWO), "decided_on": "", "recorded_by": "S",
    }  # fmt: skip
    signed = events.convening_mandate_signed(mandate_id=ONE, member_id=TWO, signed_at=AT)
    assert signed.kind == "convening.mandate_signed"
    assert signed.payload == {"mandate_id": str(ONE), "member_id": str(TWO), "signed_at": AT}


def test_first_assembly_entries_name_sizes_items_and_commitments_only():
    """R-FIRST-1/3: public payloads without names, owners, accounts or texts (app.ledger.disclosure)."""
    formed = events.preparatory_group_formed(
        group_id=ONE, formed_on="2025-02-20", members=5, owner_representatives=3, application_petition_id=None,
        document_sha256="d" * 64, recorded_by="STREET_OFFICE@x",
    )  # fmt: skip
    assert formed.kind == "preparatory_group.formed"
    assert formed.payload == {
        "group_id": str(ONE), "formed_on": "2025-02-20", "members": 5, "owner_representatives": 3,
        "application_petition_id": "", "document_sha256": "d" * 64, "recorded_by": "STREET_OFFICE@x",
    }  # fmt: skip
    assert events.preparatory_group_formed(
        group_id=ONE, formed_on="d", members=3, owner_representatives=2, application_petition_id=TWO,
        document_sha256="d", recorded_by="r",
    ).payload["application_petition_id"] == str(TWO)  # fmt: skip
    filed = events.publicity_objection_filed(objection_id=ONE, item="CANDIDATES", filed_at=AT, text_commitment="c")
    assert filed.kind == "first_assembly.objection_filed"
    assert filed.payload == {"objection_id": str(ONE), "item": "CANDIDATES", "filed_at": AT, "text_commitment": "c"}
    answered = events.publicity_objection_answered(
        objection_id=ONE, decision="REJECTED", answered_at=AT, answered_by="COMMITTEE@x", reasons_commitment="r"
    )
    assert answered.kind == "first_assembly.objection_answered"
    assert answered.payload == {
        "objection_id": str(ONE), "decision": "REJECTED", "answered_at": AT, "answered_by": "COMMITTEE@x",
        "reasons_commitment": "r",
    }  # fmt: skip
    for event in (formed, filed, answered):
        assert disclosure(event.kind, event.payload) is Disclosure.PUBLIC


def test_vote_published_binds_the_rules_of_procedure_in_force():
    """R-PROC-3: the rules version and its document hash; the statutory defaults have no version id."""
    common = {
        "notice_hash": "n" * 64, "roll_hash": "r" * 64, "register_version_id": ONE, "topics": [],
        "published_at": "p", "starts_at": "s", "ends_at": "e", "voting_method": "ONLINE", "total_heads": 1,
        "total_area": 1, "scoped": False,
    }  # fmt: skip
    adopted = events.vote_published(**common, procedure_rules=events.ProcedureRulesInForce(THREE, "f" * 64))
    assert adopted.payload["procedure_rules"] == {"version_id": str(THREE), "sha256": "f" * 64}
    defaults = events.vote_published(**common, procedure_rules=events.ProcedureRulesInForce(None, "d" * 64))
    assert defaults.payload["procedure_rules"] == {"version_id": None, "sha256": "d" * 64}
    assert "procedure_rules" not in events.vote_published(**common).payload


def test_procedure_rules_proposed_and_adopted():
    proposed = events.procedure_rules_proposed(version_id=ONE, sha256="a" * 64, document={"schema": "x"})
    assert proposed == events.Event(
        EventKind.PROCEDURE_RULES_PROPOSED, {"version_id": str(ONE), "sha256": "a" * 64, "document": {"schema": "x"}}
    )
    adopted = events.procedure_rules_adopted(
        version_id=ONE, sha256="a" * 64, vote_id=TWO, topic_id=THREE, adopted_at="2025-03-24T00:00:00+00:00"
    )
    assert adopted.kind is EventKind.PROCEDURE_RULES_ADOPTED
    assert adopted.payload == {
        "version_id": str(ONE), "sha256": "a" * 64, "vote_id": str(TWO), "topic_id": str(THREE),
        "adopted_at": "2025-03-24T00:00:00+00:00",
    }  # fmt: skip


def test_filing_package_produced_names_the_package_and_each_file_and_is_restricted():
    """R-REC-8: who downloaded the filing package, when, and the hashes it held; restricted like an export."""
    from app.ledger.disclosure import Disclosure, disclosure

    produced = events.filing_package_produced(
        by="apikey:street", roles=["STREET_OFFICE"], at=AT, package_sha256="p" * 64,
        files={"minutes.txt": "m" * 64, "announcement.txt": "a" * 64},
    )  # fmt: skip
    assert produced.kind is EventKind.RECORDS_FILING_PACKAGE_PRODUCED
    assert produced.payload == {
        "by": "apikey:street", "roles": ["STREET_OFFICE"], "at": AT, "package_sha256": "p" * 64,
        "files": {"announcement.txt": "a" * 64, "minutes.txt": "m" * 64},
    }  # fmt: skip
    assert list(produced.payload["files"]) == ["announcement.txt", "minutes.txt"]
    assert disclosure(produced.kind, produced.payload) is Disclosure.RESTRICTED


def test_vote_participation_reminded_counts_only():
    event = events.vote_participation_reminded(
        notice_id=ONE, by="COMMITTEE@" + str(TWO), at="2025-03-20T02:00:00.000000Z", groups_not_voted=5, recipients=3
    )
    assert event.kind is EventKind.VOTE_PARTICIPATION_REMINDED == "vote.participation_reminded"
    assert event.payload == {
        "notice_id": str(ONE), "by": f"COMMITTEE@{TWO}", "at": "2025-03-20T02:00:00.000000Z",
        "groups_not_voted": 5, "recipients": 3,
    }  # fmt: skip


def test_an_identifier_targeted_alert_names_the_number_only_by_an_index_prefix():
    event = events.identifier_targeted(
        id_index_prefix="3fa9c2", failures=5, window_seconds=3600, first_failure_at="2025-03-01T02:00:00+00:00"
    )
    assert event.kind is EventKind.VERIFICATION_IDENTIFIER_TARGETED
    assert event.payload == {
        "id_index_prefix": "3fa9c2", "failures": 5, "window_seconds": 3600,
        "first_failure_at": "2025-03-01T02:00:00+00:00",
    }  # fmt: skip


def test_a_read_of_restricted_entries_records_who_read_which_range_and_entries():
    entries = ("e1", "e2")
    event = events.log_entries_read(
        by="auditor:k1", at="2025-03-02T00:00:00+00:00", start=0, end=10, restricted_entries=entries
    )
    assert event.kind is EventKind.LOG_ENTRIES_READ
    assert event.payload == {
        "by": "auditor:k1", "at": "2025-03-02T00:00:00+00:00", "start": 0, "end": 10,
        "restricted_entries": ["e1", "e2"],
    }  # fmt: skip
    assert isinstance(event.payload["restricted_entries"], list)  # a tuple is stored as a JSON list


def test_place_updated_and_merged_payloads():
    changes = {"name": ("旧名", "新名"), "developer_name": ("", "某公司")}
    updated = events.place_updated(place_kind="estate", place_id=ONE, changes=changes, by="OPERATOR")
    assert updated.kind is EventKind.PLACE_UPDATED
    assert updated.payload == {
        "place_kind": "estate", "place_id": str(ONE), "by": "OPERATOR",
        "changes": {"developer_name": {"before": "", "after": "某公司"}, "name": {"before": "旧名", "after": "新名"}},
    }  # fmt: skip
    merged = events.place_merged(
        place_kind="district", duplicate_id=ONE, duplicate_name="朝阳区", kept_id=TWO,
        moved={"street_office.district_id": 1}, by="OPERATOR",
    )  # fmt: skip
    assert merged.kind is EventKind.PLACE_MERGED
    assert merged.payload["moved"] == {"street_office.district_id": 1}
    assert merged.payload["kept_id"] == str(TWO)
