"""The audit log's contract: every kind of entry, and the one builder of each kind's payload.

An entry's hash covers its kind and its payload's canonical JSON (``app.ledger.entries``), and the log is
append-only: the kind strings and the payloads built here are exactly those of the entries already logged, so
old entries keep verifying. A new kind gets a member of ``EventKind`` and a builder here; producers append what
the builder returns (``app.audit.service.append``), and readers (``evote audit check``, the offline verifier)
name kinds only through ``EventKind``.

Builders take identifiers as UUIDs and instants as the exact text each producer has always logged (ISO 8601 in
the zone of its clock, or UTC), so the bytes do not change. A ballot's own entries (``ballot.cast``,
``ballot.voided``) are built by ``app.ballot.service``, beside the ballot document their hash protects.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class EventKind(StrEnum):
    """Every kind of audit entry, as logged (the value is the entry's ``kind``)."""

    # The vote (app.vote, app.result)
    VOTE_PUBLISHED = "vote.published"
    VOTE_ERRATUM = "vote.erratum"
    VOTE_CANCELLED = "vote.cancelled"
    VOTE_CLOSED = "vote.closed"
    VOTE_DECIDED = "vote.decided"
    VOTE_RESULT_PUBLISHED = "vote.result_published"
    VOTE_EXPORTED = "vote.exported"
    BALLOTS_VIEWED = "ballots.viewed"
    VOTE_NOTICE_POSTED = "vote.notice_posted"  # R-NOTICE-2: the notice posted on site, with its photo's hash
    # Ballots: their payloads are built in app.ballot.service, beside the ballot document
    BALLOT_CAST = "ballot.cast"
    BALLOT_VOIDED = "ballot.voided"
    # Paper ballots and their public counting (app.ballot, app.result; R-PAPER-1..4)
    PAPER_RECEIVED = "paper.received"
    COUNTING_OPENED = "counting.opened"
    COUNTING_CONFIRMED = "counting.confirmed"
    COUNTING_SIGNED_OFF = "counting.signed_off"
    # The property register (app.register)
    REGISTER_VERSION = "register.version"
    # Notices and their delivery (app.notice)
    NOTICE_PUBLISHED = "notice.published"
    NOTICE_RETRY_REQUESTED = "notice.retry_requested"
    NOTICE_DISPATCHED = "notice.dispatched"
    NOTICE_DEAD_LETTERED = "notice.dead_lettered"
    NOTICE_DISPATCH_FAILED = "notice.dispatch_failed"
    NOTICE_DELIVERY_RECORDED = "notice.delivery_recorded"  # R-NOTICE-4: an owners' notice's delivery counts so far
    ESTATE_REMINDER_DATES_CHANGED = "estate.reminder_dates_changed"
    INSPECTION_ACCESSED = "inspection.accessed"
    # Reads of restricted log payloads (app.integrity.restricted)
    LOG_ENTRIES_READ = "log.entries_read"
    # Owners' petitions (app.petition)
    PETITION_OPENED = "petition.opened"
    PETITION_SIGNED = "petition.signed"
    PETITION_THRESHOLD_MET = "petition.threshold_met"
    PETITION_SUBMITTED = "petition.submitted"
    PETITION_ESCALATED = "petition.escalated"
    # The street office's and the courts' acts (app.supervision): ``supervision.<action kind in lower case>``
    SUPERVISION_SUSPENSION = "supervision.suspension"
    SUPERVISION_RESUMPTION = "supervision.resumption"
    SUPERVISION_CORRECTION_ORDER = "supervision.correction_order"
    SUPERVISION_CORRECTION_FOLLOW_UP = "supervision.correction_follow_up"
    SUPERVISION_REVOCATION = "supervision.revocation"
    SUPERVISION_COURT_REVOCATION = "supervision.court_revocation"
    SUPERVISION_TERMINATION = "supervision.termination"
    # Identity events (app.identity, app.realname, app.grant): ``identity.<the identity_event row's kind>``
    # Repeated failed verifications against one ID number (app.realname): a blind-index prefix, never the number
    VERIFICATION_IDENTIFIER_TARGETED = "verification.identifier_targeted"
    IDENTITY_ACCOUNT_CREATED = "identity.account.created"
    IDENTITY_ROLE_GRANTED = "identity.role.granted"
    IDENTITY_ROLE_REVOKED = "identity.role.revoked"
    IDENTITY_AUTH_LOGIN = "identity.auth.login"
    IDENTITY_AUTH_LOGIN_REFUSED = "identity.auth.login_refused"
    IDENTITY_AUTH_CODE_LOCKED = "identity.auth.code_locked"
    IDENTITY_AUTH_REFRESH_REUSED = "identity.auth.refresh_reused"
    IDENTITY_AUTH_LOGOUT = "identity.auth.logout"
    IDENTITY_GRANT_REQUESTED = "identity.grant.requested"
    IDENTITY_GRANT_SIGNED = "identity.grant.signed"
    IDENTITY_GRANT_APPROVED = "identity.grant.approved"
    IDENTITY_GRANT_REJECTED = "identity.grant.rejected"
    IDENTITY_GRANT_REVOKED = "identity.grant.revoked"
    IDENTITY_GRANT_ENDED_WITH_BINDING = "identity.grant.ended_with_binding"
    IDENTITY_BINDING_CREATED = "identity.binding.created"
    IDENTITY_BINDING_ENDED = "identity.binding.ended"
    IDENTITY_VERIFICATION_SUCCEEDED = "identity.verification.succeeded"
    IDENTITY_VERIFICATION_FAILED = "identity.verification.failed"
    IDENTITY_VERIFICATION_LOCKED = "identity.verification.locked"
    IDENTITY_VERIFICATION_REFUSED = "identity.verification.refused"
    IDENTITY_VERIFICATION_REQUESTED = "identity.verification.requested"
    IDENTITY_VERIFICATION_DOCUMENT_VIEWED = "identity.verification.document_viewed"
    IDENTITY_VERIFICATION_APPROVED = "identity.verification.approved"
    IDENTITY_VERIFICATION_REJECTED = "identity.verification.rejected"
    IDENTITY_VERIFICATION_DOCUMENT_DELETED = "identity.verification.document_deleted"
    # Who exactly did a public-law act whose public entry names only the acting role and place (app.identity.events)
    IDENTITY_ACT_RECORDED = "identity.act.recorded"
    # The roll open to owners, objections and answers, a corrected roll re-published (app.objection; R-ROLL-7)
    ROLL_OBJECTION_FILED = "roll.objection_filed"
    ROLL_OBJECTION_ANSWERED = "roll.objection_answered"
    VOTE_ROLL_REPUBLISHED = "vote.roll_republished"
    # Committee candidates (app.vote.candidates; R-CAND): ballot item ids and record ids, never an owner
    ELECTION_CANDIDATES_NOMINATED = "election.candidates_nominated"
    ELECTION_CANDIDATE_ATTESTED = "election.candidate_attested"
    ELECTION_CANDIDATE_LIST_ACKNOWLEDGED = "election.candidate_list_acknowledged"
    # Committees and 物管会 as records, and who convenes (app.committee, app.vote.convening; R-COMM, R-CONV)
    COMMITTEE_RECORDED = "committee.recorded"
    COMMITTEE_FILED = "committee.filed"
    COMMITTEE_MEMBER_SEATED = "committee.member_seated"
    COMMITTEE_MEMBER_ENDED = "committee.member_ended"
    CONVENING_TRIGGER_RECORDED = "convening.trigger_recorded"
    CONVENING_MANDATE_RECORDED = "convening.mandate_recorded"
    CONVENING_MANDATE_SIGNED = "convening.mandate_signed"
    # The rules of procedure (app.procedure; R-PROC): a proposed version, and its adoption by a passed topic
    PROCEDURE_RULES_PROPOSED = "procedure_rules.proposed"
    PROCEDURE_RULES_ADOPTED = "procedure_rules.adopted"
    # The assembly's records (app.result.records; R-REC-8): a filing package for the street office was produced
    RECORDS_FILING_PACKAGE_PRODUCED = "records.filing_package_produced"
    # A committee's disclosure (app.disclosure; R-DISC): counts and hashes only, never a member's standing or name
    COMMITTEE_FEES_PUBLISHED = "committee.fees_published"
    COMMITTEE_REPORT_PUBLISHED = "committee.report_published"
    COMMITTEE_EVALUATION_RECORDED = "committee.evaluation_recorded"
    # Participation without answers (app.participation; R-PART): the non-voters' reminder, by counts only
    VOTE_PARTICIPATION_REMINDED = "vote.participation_reminded"
    # The first assembly (app.committee, app.assembly; R-FIRST): the preparatory group, objections to the publicity
    PREPARATORY_GROUP_FORMED = "preparatory_group.formed"
    PUBLICITY_OBJECTION_FILED = "first_assembly.objection_filed"
    PUBLICITY_OBJECTION_ANSWERED = "first_assembly.objection_answered"
    # Places (app.place, app.register.estates; R-PLACE): an edit of a place or estate, a duplicate merged away
    PLACE_UPDATED = "place.updated"
    PLACE_MERGED = "place.merged"


#: The channels an owners' notice is queued on (``app.notice.models.OutboxChannel``), as ``vote.published`` names them.
NOTICE_CHANNELS = ("WEBHOOK",)

_SUPERVISION = "supervision."
_IDENTITY = "identity."
SUPERVISION_KINDS = frozenset(kind for kind in EventKind if kind.startswith(_SUPERVISION))
IDENTITY_KINDS = frozenset(kind for kind in EventKind if kind.startswith(_IDENTITY))
#: The entries a decided result rests on: the signed result's checkpoint contains every one of them.
EVIDENCE_KINDS = frozenset(
    {
        EventKind.VOTE_PUBLISHED,
        EventKind.BALLOT_CAST,
        EventKind.BALLOT_VOIDED,
        EventKind.VOTE_CLOSED,
        EventKind.VOTE_DECIDED,
        EventKind.VOTE_RESULT_PUBLISHED,
        # R-ROLL-7: the roll the result counted on, and the objections to it filed and answered before the close
        EventKind.ROLL_OBJECTION_FILED,
        EventKind.ROLL_OBJECTION_ANSWERED,
        EventKind.VOTE_ROLL_REPUBLISHED,
        EventKind.PAPER_RECEIVED,
        EventKind.COUNTING_OPENED,
        EventKind.COUNTING_CONFIRMED,
        EventKind.COUNTING_SIGNED_OFF,
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    """One entry to append: its kind and its payload (hashed as canonical JSON with the kind, place and vote)."""

    kind: EventKind
    payload: dict[str, Any]


class HeadsAndArea(Protocol):
    """A weight of the double majority (``app.rules.counts.Weight``): owners and exclusive area."""

    @property
    def heads(self) -> int: ...

    @property
    def area(self) -> int: ...


def _weight(weight: HeadsAndArea) -> dict[str, Any]:
    return {"heads": weight.heads, "area": weight.area}


def _id(value: uuid.UUID | None) -> str:
    """An optional reference as logged: the UUID text, or ``""`` for none."""
    return str(value) if value else ""


# --- the vote ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedTopic:
    """A topic as the publication entry fixes it: its document hash and its attachments' hashes in order."""

    topic_id: uuid.UUID
    content_hash: str
    attachments: tuple[str, ...]


def vote_published(
    *,
    notice_hash: str,
    roll_hash: str,
    register_version_id: uuid.UUID,
    topics: Sequence[PublishedTopic],
    published_at: str,
    starts_at: str,
    ends_at: str,
    voting_method: str,
    total_heads: int | None,
    total_area: int | None,
    scoped: bool,
    procedure_rules: ProcedureRulesInForce | None = None,
) -> Event:
    """``procedure_rules``: the rules-of-procedure version frozen for the count (R-PROC-3); its ``sha256`` is of
    the canonical rules document, ``version_id`` null for the statutory defaults of an estate without rules."""
    return Event(
        EventKind.VOTE_PUBLISHED,
        {
            "notice_hash": notice_hash,
            "roll_hash": roll_hash,
            "register_version_id": str(register_version_id),
            "topics": [
                {
                    "topic_id": str(topic.topic_id),
                    "content_hash": topic.content_hash,
                    "attachments": list(topic.attachments),
                }
                for topic in topics
            ],
            "published_at": published_at,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "voting_method": voting_method,  # R-TALLY-9: PAPER / MIXED stated in the notice
            "total_heads": total_heads,
            "total_area": total_area,
            "scoped": scoped,
            # R-NOTICE-4: the notice is queued for the channels named, not yet delivered: what was delivered is
            # logged when it happens (``notice.delivery_recorded``). R-LIFE-2 / R-SUP-2: it is reported to the
            # residents' committee, whose OBSERVER role reads it from now on.
            "notice_queued": list(NOTICE_CHANNELS),
            "reported_to": ["RESIDENTS_COMMITTEE"],
            **({} if procedure_rules is None else {"procedure_rules": procedure_rules.as_dict()}),
        },
    )


@dataclass(frozen=True, slots=True)
class ProcedureRulesInForce:
    """R-PROC-3: which rules of procedure a vote is counted under, by version and canonical-document hash."""

    version_id: uuid.UUID | None
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"version_id": None if self.version_id is None else str(self.version_id), "sha256": self.sha256}


def procedure_rules_proposed(*, version_id: uuid.UUID, sha256: str, document: Mapping[str, Any]) -> Event:
    """R-PROC-1: a rules-of-procedure version drafted for owners to adopt; the document is public (no person)."""
    return Event(
        EventKind.PROCEDURE_RULES_PROPOSED, {"version_id": str(version_id), "sha256": sha256, "document": document}
    )


def procedure_rules_adopted(
    *, version_id: uuid.UUID, sha256: str, vote_id: uuid.UUID, topic_id: uuid.UUID, adopted_at: str
) -> Event:
    """R-PROC-1: the version took effect because the topic proposing it PASSED (Beijing Art. 34(1)(1))."""
    return Event(
        EventKind.PROCEDURE_RULES_ADOPTED,
        {
            "version_id": str(version_id),
            "sha256": sha256,
            "vote_id": str(vote_id),
            "topic_id": str(topic_id),
            "adopted_at": adopted_at,
        },
    )


def vote_notice_posted(
    *,
    posting_id: uuid.UUID,
    notice_hash: str | None,
    posted_at: str,
    recorded_at: str,
    by: str,
    place_sha256: str,
    photo_sha256: str,
    photo_size: int,
    photo_content_type: str,
    counted_posted_at: str,
    earliest_start: str,
    starts_at: str,
) -> Event:
    """R-NOTICE-2/3: a posting on site. ``posted_at`` is the stated time, ``recorded_at`` the server's; the place is
    logged by its SHA-256 only (free text); ``counted_posted_at`` is the earliest posting recorded so far, from which
    (with publication) ``earliest_start`` follows; it is never after the announced ``starts_at``."""
    return Event(
        EventKind.VOTE_NOTICE_POSTED,
        {
            "posting_id": str(posting_id),
            "notice_hash": notice_hash,
            "posted_at": posted_at,
            "recorded_at": recorded_at,
            "by": by,
            "place_sha256": place_sha256,
            "photo": {"sha256": photo_sha256, "size": photo_size, "content_type": photo_content_type},
            "counted_posted_at": counted_posted_at,
            "earliest_start": earliest_start,
            "starts_at": starts_at,
        },
    )


def vote_erratum(*, erratum_id: uuid.UUID, sha256: str, notice_hash: str) -> Event:
    return Event(EventKind.VOTE_ERRATUM, {"erratum_id": str(erratum_id), "sha256": sha256, "notice_hash": notice_hash})


def vote_cancelled(*, notice_hash: str | None, cancelled_at: str, reason: str) -> Event:
    """R-LIFE-4: the reason is public, with its SHA-256."""
    return Event(
        EventKind.VOTE_CANCELLED,
        {
            "notice_hash": notice_hash,
            "cancelled_at": cancelled_at,
            "reason": reason,
            "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
        },
    )


def _bindings(payload: dict[str, Any], **bindings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Add the completeness bindings given (``app.ledger.completeness``); absent ones leave the old payload."""
    return payload | {name: dict(value) for name, value in bindings.items() if value is not None}


def vote_closed(
    *,
    closed_at: str,
    by: str,
    participating: HeadsAndArea,
    total: HeadsAndArea,
    entries: Mapping[str, Any] | None = None,
    counted: Mapping[str, Any] | None = None,
) -> Event:
    """``entries``: the vote's bound entries so far; ``counted``: the counted ballots' commitments' Merkle root."""
    return Event(
        EventKind.VOTE_CLOSED,
        _bindings(
            {"closed_at": closed_at, "by": by, "participating": _weight(participating), "total": _weight(total)},
            entries=entries,
            counted=counted,
        ),
    )


@dataclass(frozen=True, slots=True)
class TopicOutcome:
    """A decided topic as the decision and publication entries name it: outcome and evidence hash."""

    topic_id: uuid.UUID
    outcome: str
    evidence_sha256: str


def _outcomes(results: Sequence[TopicOutcome]) -> list[dict[str, Any]]:
    return [
        {"topic_id": str(row.topic_id), "outcome": row.outcome, "evidence_sha256": row.evidence_sha256}
        for row in results
    ]


def vote_decided(
    *,
    decided_at: str,
    closed_at: str | None,
    by: str,
    results: Sequence[TopicOutcome],
    entries: Mapping[str, Any] | None = None,
) -> Event:
    return Event(
        EventKind.VOTE_DECIDED,
        _bindings(
            {"decided_at": decided_at, "closed_at": closed_at, "by": by, "results": _outcomes(results)},
            entries=entries,
        ),
    )


def vote_result_published(
    *,
    published_at: str,
    by: str,
    results: Sequence[TopicOutcome],
    publication: Mapping[str, object],
    entries: Mapping[str, Any] | None = None,
    evidence: Mapping[uuid.UUID, Mapping[str, Any]] | None = None,
) -> Event:
    """R-LIFE-8: ``publication`` is the publication deadlines and flags (``app.rules.publicity``). ``evidence`` is
    each topic's evidence document (the totals per option, R-PUB-1), whose SHA-256 its outcome names: once the
    result is published, the totals are public; per-unit answers never are (R-PUB-2)."""
    payload: dict[str, Any] = {
        "published_at": published_at,
        "by": by,
        "results": _outcomes(results),
        "publication": dict(publication),
    }
    if evidence is not None:
        payload["evidence"] = {str(topic_id): dict(document) for topic_id, document in evidence.items()}
    return Event(EventKind.VOTE_RESULT_PUBLISHED, _bindings(payload, entries=entries))


def vote_exported(*, by: str, roles: Sequence[str], at: str, bundle_sha256: str, result_checkpoint: int) -> Event:
    return Event(
        EventKind.VOTE_EXPORTED,
        {
            "by": by,
            "roles": sorted(roles),
            "at": at,
            "bundle_sha256": bundle_sha256,
            "result_checkpoint": result_checkpoint,
        },
    )


def ballots_viewed(*, viewer: str, at: str, cursor: str | None, ballots: int) -> Event:
    return Event(EventKind.BALLOTS_VIEWED, {"viewer": viewer, "at": at, "cursor": cursor, "ballots": ballots})


# --- the register -----------------------------------------------------------------------------------------------


def register_version(
    *,
    version_id: uuid.UUID,
    number: int,
    content_hash: str,
    unit_count: int,
    total: HeadsAndArea,
    imported_by: str,
) -> Event:
    """A register version by its content hash and roll totals: no identifiers."""
    return Event(
        EventKind.REGISTER_VERSION,
        {
            "version_id": str(version_id), "number": number, "content_hash": content_hash,
            "unit_count": unit_count, "heads": total.heads, "area": total.area, "imported_by": imported_by,
        },
    )  # fmt: skip


# --- notices ----------------------------------------------------------------------------------------------------


def notice_published(
    *,
    notice_id: uuid.UUID,
    kind: str,
    audience: str,
    reported_to: Sequence[str],
    content_sha256: str,
    published_at: str,
    outbox_message_id: uuid.UUID,
) -> Event:
    return Event(
        EventKind.NOTICE_PUBLISHED,
        {
            "notice_id": str(notice_id),
            "kind": kind,
            "audience": audience,
            "reported_to": list(reported_to),
            "content_sha256": content_sha256,
            "published_at": published_at,
            "outbox_message_id": str(outbox_message_id),
        },
    )


def notice_retry_requested(*, outbox_message_id: uuid.UUID, by: str, at: str) -> Event:
    return Event(EventKind.NOTICE_RETRY_REQUESTED, {"outbox_message_id": str(outbox_message_id), "by": by, "at": at})


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivery attempt of a notice's outbox message."""

    outbox_message_id: uuid.UUID
    notice_id: str | None
    attempts: int
    at: str

    def payload(self) -> dict[str, Any]:
        return {
            "outbox_message_id": str(self.outbox_message_id),
            "notice_id": self.notice_id,
            "attempts": self.attempts,
            "at": self.at,
        }


def notice_dispatched(delivery: Delivery) -> Event:
    return Event(EventKind.NOTICE_DISPATCHED, delivery.payload())


def notice_dead_lettered(delivery: Delivery, *, error: str) -> Event:
    return Event(EventKind.NOTICE_DEAD_LETTERED, delivery.payload() | {"error": error})


def notice_dispatch_failed(delivery: Delivery, *, error: str, next_attempt_at: str) -> Event:
    return Event(
        EventKind.NOTICE_DISPATCH_FAILED, delivery.payload() | {"error": error, "next_attempt_at": next_attempt_at}
    )


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """R-NOTICE-4: one channel's outbox messages of a notice, by state, as recorded when a delivery outcome is."""

    channel: str
    messages: int
    queued: int
    delivered: int
    dead_lettered: int


def notice_delivery_recorded(*, notice_id: uuid.UUID, kind: str, at: str, counts: Sequence[DeliveryCounts]) -> Event:
    """R-NOTICE-4: what was delivered of an owners' notice so far (``delivered`` counts the gateway's 2xx answers;
    ``dead_lettered`` the messages given up on), never "notified" for a message merely queued."""
    return Event(
        EventKind.NOTICE_DELIVERY_RECORDED,
        {
            "notice_id": str(notice_id),
            "kind": kind,
            "at": at,
            "channels": [
                {
                    "channel": count.channel,
                    "messages": count.messages,
                    "queued": count.queued,
                    "delivered": count.delivered,
                    "dead_lettered": count.dead_lettered,
                }
                for count in counts
            ],
        },
    )


def estate_reminder_dates_changed(*, by: str, dates: Mapping[str, str | None]) -> Event:
    return Event(EventKind.ESTATE_REMINDER_DATES_CHANGED, {"by": by, "dates": dict(dates)})


def inspection_accessed(
    *,
    accessor: str,
    capacity: str,
    document: str,
    at: str,
    notice_id: uuid.UUID | None = None,
    sha256: str | None = None,
) -> Event:
    payload: dict[str, Any] = {"accessor": accessor, "capacity": capacity, "document": document, "at": at}
    if notice_id is not None:
        payload["notice_id"] = str(notice_id)
    if sha256 is not None:
        payload["sha256"] = sha256
    return Event(EventKind.INSPECTION_ACCESSED, payload)


# --- petitions --------------------------------------------------------------------------------------------------


def petition_opened(*, petition_id: uuid.UUID, kind: str, register_version_id: uuid.UUID, opened_at: str) -> Event:
    return Event(
        EventKind.PETITION_OPENED,
        {
            "petition_id": str(petition_id),
            "kind": kind,
            "register_version_id": str(register_version_id),
            "opened_at": opened_at,
        },
    )


def petition_signed(
    *, petition_id: uuid.UUID, group_id: str, basis: str, grant_id: uuid.UUID | None, signed_at: str
) -> Event:
    return Event(
        EventKind.PETITION_SIGNED,
        {
            "petition_id": str(petition_id),
            "group_id": group_id,
            "basis": basis,
            "grant_id": _id(grant_id),
            "signed_at": signed_at,
        },
    )


def petition_threshold_met(*, petition_id: uuid.UUID, kind: str, at: str, count: Mapping[str, object]) -> Event:
    """``count`` is the law core's count (``app.petition.service.Count.to_dict``): figures and reasons."""
    return Event(EventKind.PETITION_THRESHOLD_MET, {"petition_id": str(petition_id), "kind": kind, "at": at, **count})


def petition_submitted(*, petition_id: uuid.UUID, kind: str, to: str, at: str, count: Mapping[str, object]) -> Event:
    return Event(
        EventKind.PETITION_SUBMITTED, {"petition_id": str(petition_id), "kind": kind, "to": to, "at": at, **count}
    )


def petition_escalated(*, petition_id: uuid.UUID, to: str, submitted_at: str, at: str) -> Event:
    return Event(
        EventKind.PETITION_ESCALATED,
        {"petition_id": str(petition_id), "to": to, "submitted_at": submitted_at, "at": at},
    )


# --- supervision and identity: one payload shape per family -----------------------------------------------------


def supervision_kind(action_kind: str) -> EventKind:
    """The entry kind of a supervision action kind (``SUSPENSION`` → ``supervision.suspension``)."""
    return EventKind(_SUPERVISION + action_kind.lower())


def supervision_action(
    action_kind: str,
    *,
    content: Mapping[str, Any],
    content_sha256: str,
    status_before: str,
    status_after: str,
    decision: Mapping[str, Any] | None = None,
) -> Event:
    """The action's canonical content (whose SHA-256 its row keeps) and the vote's status around the act; a
    revocation of one topic's decision (R-SUP-7) adds ``decision``: the topic, its outcome and evidence hash and
    its decision status before and after (``decision_revoked``)."""
    payload = {
        **content,
        "content_sha256": content_sha256,
        "vote_status": {"before": status_before, "after": status_after},
    }
    if decision is not None:
        payload["decision"] = dict(decision)
    return Event(supervision_kind(action_kind), payload)


def decision_revoked(
    *, topic_id: uuid.UUID, outcome: str, evidence_sha256: str, status_before: str, status_after: str
) -> dict[str, Any]:
    """The ``decision`` member of a per-decision revocation entry (R-SUP-7)."""
    return {
        "topic_id": str(topic_id),
        "outcome": outcome,
        "evidence_sha256": evidence_sha256,
        "status": {"before": status_before, "after": status_after},
    }


def identity_event_name(kind: EventKind) -> str:
    """The ``identity_event`` row's kind for an identity entry kind (``identity.auth.login`` → ``auth.login``)."""
    if kind not in IDENTITY_KINDS:
        raise ValueError(f"{kind} is not an identity event")
    return kind.removeprefix(_IDENTITY)


def identity_event(
    kind: EventKind, *, event_id: uuid.UUID, actor: str, account_id: uuid.UUID | None, details: Mapping[str, Any]
) -> Event:
    """An ``identity_event`` row signed into the log: ids, masked values and statuses in ``details``, no PII."""
    if kind not in IDENTITY_KINDS:
        raise ValueError(f"{kind} is not an identity event")
    return Event(
        kind, {"event_id": str(event_id), "actor": actor, "account_id": _id(account_id), "details": dict(details)}
    )


# --- abuse of real-name verification ------------------------------------------------------------------------------


def identifier_targeted(*, id_index_prefix: str, failures: int, window_seconds: int, first_failure_at: str) -> Event:
    """Failures against one ID number reached the alert threshold: who was targeted shows only as a prefix of the
    number's keyed blind index (it matches the ``identity.verification.failed`` entries, and reveals nothing)."""
    return Event(
        EventKind.VERIFICATION_IDENTIFIER_TARGETED,
        {
            "id_index_prefix": id_index_prefix,
            "failures": failures,
            "window_seconds": window_seconds,
            "first_failure_at": first_failure_at,
        },
    )


def log_entries_read(*, by: str, at: str, start: int, end: int, restricted_entries: Sequence[str]) -> Event:
    """Who read restricted payloads of the log, over which leaf range, and which restricted entries they saw."""
    return Event(
        EventKind.LOG_ENTRIES_READ,
        {"by": by, "at": at, "start": start, "end": end, "restricted_entries": list(restricted_entries)},
    )


# --- the roll open to owners: objections and re-publication (app.objection; R-ROLL-7) ---------------------------


def roll_objection_filed(*, objection_id: uuid.UUID, roll_hash: str, filed_at: str, text_commitment: str) -> Event:
    """An owner's objection to the vote's roll: which roll, when, and the hiding commitment of its text. Neither
    the entry objected to nor the text nor the objector is logged publicly (they may name persons)."""
    return Event(
        EventKind.ROLL_OBJECTION_FILED,
        {
            "objection_id": str(objection_id),
            "roll_hash": roll_hash,
            "filed_at": filed_at,
            "text_commitment": text_commitment,
        },
    )


def roll_objection_answered(
    *, objection_id: uuid.UUID, decision: str, answered_at: str, answered_by: str, reasons_commitment: str
) -> Event:
    """The organiser's answer: ACCEPTED or REJECTED, by the acting role and place, with the commitment of the
    reasons (their text stays restricted)."""
    return Event(
        EventKind.ROLL_OBJECTION_ANSWERED,
        {
            "objection_id": str(objection_id),
            "decision": decision,
            "answered_at": answered_at,
            "answered_by": answered_by,
            "reasons_commitment": reasons_commitment,
        },
    )


@dataclass(frozen=True, slots=True)
class RollRepublication:
    """A corrected roll re-published before voting opened, with the notice it changes."""

    notice_hash: str
    previous_notice_hash: str
    roll_hash: str
    previous_roll_hash: str
    register_version_id: uuid.UUID
    previous_register_version_id: uuid.UUID
    total_heads: int
    total_area: int
    republished_at: str
    starts_at: str
    ends_at: str
    earliest_start: str
    objections: tuple[uuid.UUID, ...]


def vote_roll_republished(republication: RollRepublication, *, by: str) -> Event:
    """R-ROLL-7: the vote's roll, notice hash and window from now on; the notice period ran again from
    ``republished_at`` (voting starts no earlier than ``earliest_start``); ``objections``: the accepted objections
    the correction acted on."""
    r = republication
    return Event(
        EventKind.VOTE_ROLL_REPUBLISHED,
        {
            "notice_hash": r.notice_hash,
            "previous_notice_hash": r.previous_notice_hash,
            "roll_hash": r.roll_hash,
            "previous_roll_hash": r.previous_roll_hash,
            "register_version_id": str(r.register_version_id),
            "previous_register_version_id": str(r.previous_register_version_id),
            "total_heads": r.total_heads,
            "total_area": r.total_area,
            "republished_at": r.republished_at,
            "starts_at": r.starts_at,
            "ends_at": r.ends_at,
            "earliest_start": r.earliest_start,
            "objections": sorted(str(objection) for objection in r.objections),
            "by": by,
        },
    )


# --- committee candidates (R-CAND) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nominee:
    """A candidate as the nomination entry names it: the ballot item, the record, how and whether represented."""

    candidate_id: str
    nomination_id: uuid.UUID
    nominated_by: str
    represented: bool


def election_candidates_nominated(*, topic_id: uuid.UUID, list_hash: str, nominees: Sequence[Nominee]) -> Event:
    """R-CAND-1/2: the topic's candidates were (re)nominated from the register; the owners stay in the restricted
    ``election_candidate`` rows, the entry names the records only."""
    return Event(
        EventKind.ELECTION_CANDIDATES_NOMINATED,
        {
            "topic_id": str(topic_id),
            "list_hash": list_hash,
            "candidates": [
                {
                    "candidate_id": nominee.candidate_id,
                    "nomination_id": str(nominee.nomination_id),
                    "nominated_by": nominee.nominated_by,
                    "represented": nominee.represented,
                }
                for nominee in nominees
            ],
        },
    )


def election_candidate_attested(
    *,
    topic_id: uuid.UUID,
    attestation_id: uuid.UUID,
    candidate_id: str,
    criterion: str,
    finding: str,
    source: str,
    document_sha256: str,
    attested_on: str,
) -> Event:
    """R-CAND-3..6: one condition attested, by its source and the document's hash (restricted: the finding is
    about a person)."""
    return Event(
        EventKind.ELECTION_CANDIDATE_ATTESTED,
        {
            "topic_id": str(topic_id),
            "attestation_id": str(attestation_id),
            "candidate_id": candidate_id,
            "criterion": criterion,
            "finding": finding,
            "source": source,
            "document_sha256": document_sha256,
            "attested_on": attested_on,
        },
    )


def election_candidate_list_acknowledged(
    *, topic_id: uuid.UUID, list_hash: str, submitted_on: str, acknowledged_on: str, receipt_sha256: str
) -> Event:
    """R-CAND-8 / Beijing Art. 40 ¶2: the list, by its hash, submitted to and acknowledged by the community Party
    organisation; the receipt by its SHA-256."""
    return Event(
        EventKind.ELECTION_CANDIDATE_LIST_ACKNOWLEDGED,
        {
            "topic_id": str(topic_id),
            "list_hash": list_hash,
            "submitted_on": submitted_on,
            "acknowledged_on": acknowledged_on,
            "receipt_sha256": receipt_sha256,
        },
    )


# --- paper ballots and their public counting (R-PAPER-1..4) -----------------------------------------------------


def paper_received(
    *,
    reception_id: uuid.UUID,
    group_member: str,
    group: str,
    form: str,
    scan_sha256: str,
    received_at: str,
    status: str,
    earlier_entry_id: uuid.UUID | None,
) -> Event:
    """R-PAPER-1: a paper ballot reached the organiser at ``received_at`` (the server's clock), its scan stored
    under ``scan_sha256``; R-PAPER-2: ``status`` DUPLICATE when the group's earlier ballot (``earlier`` names its
    entry) counts instead. The group is named as in ``ballot.cast`` (``group_member``: its pseudonym member)."""
    return Event(
        EventKind.PAPER_RECEIVED,
        {
            "reception_id": str(reception_id),
            group_member: group,
            "form": form,
            "scan_sha256": scan_sha256,
            "received_at": received_at,
            "status": status,
            "earlier": _id(earlier_entry_id),
        },
    )


@dataclass(frozen=True, slots=True)
class Witness:
    """A counting witness as the public log names them: a per-vote pseudonym and a role, never a name."""

    pseudonym: str
    role: str


def counting_opened(*, session_id: uuid.UUID, opened_at: str, by: str, witnesses: Sequence[Witness]) -> Event:
    """R-PAPER-3: the counting session is opened after the close before the named witnesses."""
    return Event(
        EventKind.COUNTING_OPENED,
        {
            "session_id": str(session_id),
            "opened_at": opened_at,
            "by": by,
            "witnesses": [{"witness": witness.pseudonym, "role": witness.role} for witness in witnesses],
        },
    )


def counting_confirmed(
    *, session_id: uuid.UUID, witness: Witness, confirmed_at: str, counted: Mapping[str, Any]
) -> Event:
    """R-PAPER-3: one witness confirms, through their own account, the counted set as it stands (``counted``:
    ``app.ledger.completeness.counted_set(...).payload()``); no entry is accepted after the first confirmation."""
    return Event(
        EventKind.COUNTING_CONFIRMED,
        {
            "session_id": str(session_id),
            "witness": witness.pseudonym,
            "role": witness.role,
            "confirmed_at": confirmed_at,
            "counted": dict(counted),
        },
    )


def counting_signed_off(
    *, session_id: uuid.UUID, signed_off_at: str, paper_counted: int, duplicates: int, counted: Mapping[str, Any]
) -> Event:
    """R-PAPER-3: every witness confirmed: the session is closed, and the vote is closed and decided next."""
    return Event(
        EventKind.COUNTING_SIGNED_OFF,
        {
            "session_id": str(session_id),
            "signed_off_at": signed_off_at,
            "paper_counted": paper_counted,
            "duplicates": duplicates,
            "counted": dict(counted),
        },
    )


# --- committees and who convenes (R-COMM, R-CONV): ids, seats, dates and acting roles; never a name or an owner -----


def committee_recorded(
    *,
    committee_id: uuid.UUID,
    kind: str,
    seats: int,
    alternate_seats: int,
    term_starts_on: str,
    term_ends_on: str,
    formation_ground: str | None,
    recorded_by: str,
) -> Event:
    return Event(
        EventKind.COMMITTEE_RECORDED,
        {
            "committee_id": str(committee_id), "kind": kind, "seats": seats, "alternate_seats": alternate_seats,
            "term_starts_on": term_starts_on, "term_ends_on": term_ends_on,
            "formation_ground": formation_ground or "", "recorded_by": recorded_by,
        },
    )  # fmt: skip


def committee_filed(*, committee_id: uuid.UUID, filed_on: str, filed_by: str, reference_sha256: str) -> Event:
    """备案 by the street office (Beijing Art. 43); the filing number only as a hash."""
    return Event(
        EventKind.COMMITTEE_FILED,
        {"committee_id": str(committee_id), "filed_on": filed_on, "filed_by": filed_by,
         "reference_sha256": reference_sha256},
    )  # fmt: skip


def committee_member_seated(
    *,
    committee_id: uuid.UUID,
    member_id: uuid.UUID,
    seat_kind: str,
    seat: int,
    constituency: str,
    started_on: str,
    recorded_by: str,
    filled_from: uuid.UUID | None = None,
) -> Event:
    """A member or alternate takes a seat (``filled_from``: the alternate seat row a vacancy was filled from)."""
    return Event(
        EventKind.COMMITTEE_MEMBER_SEATED,
        {
            "committee_id": str(committee_id), "member_id": str(member_id), "seat_kind": seat_kind, "seat": seat,
            "constituency": constituency, "started_on": started_on, "recorded_by": recorded_by,
            "filled_from": _id(filled_from),
        },
    )  # fmt: skip


def committee_member_ended(
    *,
    committee_id: uuid.UUID,
    member_id: uuid.UUID,
    ended_on: str,
    reason: str,
    recorded_by: str,
    register_version_id: uuid.UUID | None = None,
) -> Event:
    """A seat holder leaves (Beijing Art. 46); ``register_version_id`` when a register version showed that the
    member is no longer an owner (Art. 46 ¶1(1))."""
    return Event(
        EventKind.COMMITTEE_MEMBER_ENDED,
        {
            "committee_id": str(committee_id), "member_id": str(member_id), "ended_on": ended_on, "reason": reason,
            "recorded_by": recorded_by, "register_version_id": _id(register_version_id),
        },
    )  # fmt: skip


def convening_trigger_recorded(
    *,
    trigger_id: uuid.UUID,
    ground: str,
    basis: str,
    occurred_on: str,
    deadline_on: str | None,
    committee_id: uuid.UUID | None,
    evidence_sha256: str,
    recorded_by: str,
) -> Event:
    return Event(
        EventKind.CONVENING_TRIGGER_RECORDED,
        {
            "trigger_id": str(trigger_id), "ground": ground, "basis": basis, "occurred_on": occurred_on,
            "deadline_on": deadline_on or "", "committee_id": _id(committee_id),
            "evidence_sha256": evidence_sha256, "recorded_by": recorded_by,
        },
    )  # fmt: skip


def convening_mandate_recorded(
    *,
    mandate_id: uuid.UUID,
    committee_id: uuid.UUID | None,
    trigger_id: uuid.UUID | None,
    decided_on: str | None,
    recorded_by: str,
) -> Event:
    """What the vote (the entry's ``vote_id``) is convened on: a committee's decision or a street office's ground."""
    return Event(
        EventKind.CONVENING_MANDATE_RECORDED,
        {
            "mandate_id": str(mandate_id), "committee_id": _id(committee_id), "trigger_id": _id(trigger_id),
            "decided_on": decided_on or "", "recorded_by": recorded_by,
        },
    )  # fmt: skip


def convening_mandate_signed(*, mandate_id: uuid.UUID, member_id: uuid.UUID, signed_at: str) -> Event:
    """A member signed the decision to convene through their own account (Beijing Arts. 45, 57)."""
    return Event(
        EventKind.CONVENING_MANDATE_SIGNED,
        {"mandate_id": str(mandate_id), "member_id": str(member_id), "signed_at": signed_at},
    )


# --- the assembly's records -------------------------------------------------------------------------------------


def filing_package_produced(
    *, by: str, roles: Sequence[str], at: str, package_sha256: str, files: Mapping[str, str]
) -> Event:
    """R-REC-8: the filing package (备案) was produced for a download: who (restricted, as an export is), when, the
    package's SHA-256 and each file's, so the package the street office holds can be matched to the log."""
    return Event(
        EventKind.RECORDS_FILING_PACKAGE_PRODUCED,
        {
            "by": by,
            "roles": sorted(roles),
            "at": at,
            "package_sha256": package_sha256,
            "files": {name: files[name] for name in sorted(files)},
        },
    )


def committee_fees_published(
    *,
    disclosure_id: uuid.UUID,
    committee_id: uuid.UUID,
    period: str,
    source: str,
    source_document_sha256: str,
    content_sha256: str,
    listed: int,
    in_arrears: int,
    recorded_by: str,
) -> Event:
    """R-DISC-1/2: a half-year's publication of the members' fee payments (Beijing Art. 44(8)): how many were listed
    and how many are in arrears of either fee, with the publication's hash; which member stands how is for the
    estate's owners only (the authorised read), never in the public log."""
    return Event(
        EventKind.COMMITTEE_FEES_PUBLISHED,
        {
            "disclosure_id": str(disclosure_id), "committee_id": str(committee_id), "period": period,
            "source": source, "source_document_sha256": source_document_sha256, "content_sha256": content_sha256,
            "listed": listed, "in_arrears": in_arrears, "recorded_by": recorded_by,
        },
    )  # fmt: skip


def committee_report_published(
    *,
    report_id: uuid.UUID,
    committee_id: uuid.UUID,
    year: int,
    work_report_sha256: str,
    finances_sha256: str,
    recorded_by: str,
) -> Event:
    """R-DISC-4: the committee's yearly work report and finances summary, by their hashes."""
    return Event(
        EventKind.COMMITTEE_REPORT_PUBLISHED,
        {
            "report_id": str(report_id), "committee_id": str(committee_id), "year": year,
            "work_report_sha256": work_report_sha256, "finances_sha256": finances_sha256, "recorded_by": recorded_by,
        },
    )  # fmt: skip


def committee_evaluation_recorded(
    *,
    evaluation_id: uuid.UUID,
    committee_id: uuid.UUID,
    year: int,
    content_sha256: str,
    document_sha256: str,
    recorded_by: str,
) -> Event:
    """R-DISC-5: the street office's yearly evaluation of a committee; its grade is told to the estate's owners
    (seed 003 §四.3 「将评价结果告知小区业主」), so the public entry carries the record's hash, not the grade."""
    return Event(
        EventKind.COMMITTEE_EVALUATION_RECORDED,
        {
            "evaluation_id": str(evaluation_id), "committee_id": str(committee_id), "year": year,
            "content_sha256": content_sha256, "document_sha256": document_sha256, "recorded_by": recorded_by,
        },
    )  # fmt: skip


# --- participation (R-PART) -------------------------------------------------------------------------------------


def vote_participation_reminded(
    *, notice_id: uuid.UUID, by: str, at: str, groups_not_voted: int, recipients: int
) -> Event:
    """R-PART-3: a reminder to the groups that had not voted; counts only, never which group or account."""
    return Event(
        EventKind.VOTE_PARTICIPATION_REMINDED,
        {
            "notice_id": str(notice_id),
            "by": by,
            "at": at,
            "groups_not_voted": groups_not_voted,
            "recipients": recipients,
        },
    )


# --- the first assembly (R-FIRST): ids, counts, dates and acting roles; never a name, an owner or a text ----------


def preparatory_group_formed(
    *,
    group_id: uuid.UUID,
    formed_on: str,
    members: int,
    owner_representatives: int,
    application_petition_id: uuid.UUID | None,
    document_sha256: str,
    recorded_by: str,
) -> Event:
    """The street office's record of the 筹备组 (Beijing Art. 31): its size and owners' share, no member's name."""
    return Event(
        EventKind.PREPARATORY_GROUP_FORMED,
        {
            "group_id": str(group_id), "formed_on": formed_on, "members": members,
            "owner_representatives": owner_representatives,
            "application_petition_id": _id(application_petition_id), "document_sha256": document_sha256,
            "recorded_by": recorded_by,
        },
    )  # fmt: skip


def publicity_objection_filed(*, objection_id: uuid.UUID, item: str, filed_at: str, text_commitment: str) -> Event:
    """An owner's objection to an item the preparatory group publicised (Art. 32): the item and the commitment of
    the text; neither the text nor the objector is logged publicly."""
    return Event(
        EventKind.PUBLICITY_OBJECTION_FILED,
        {"objection_id": str(objection_id), "item": item, "filed_at": filed_at, "text_commitment": text_commitment},
    )


def publicity_objection_answered(
    *, objection_id: uuid.UUID, decision: str, answered_at: str, answered_by: str, reasons_commitment: str
) -> Event:
    """The preparatory group's answer (Art. 32): decision, acting role and the commitment of its reasons."""
    return Event(
        EventKind.PUBLICITY_OBJECTION_ANSWERED,
        {
            "objection_id": str(objection_id), "decision": decision, "answered_at": answered_at,
            "answered_by": answered_by, "reasons_commitment": reasons_commitment,
        },
    )  # fmt: skip


# --- places (R-PLACE): what changed, by whom (acting role); a developer by name, never its credit code -------------


def place_updated(*, place_kind: str, place_id: uuid.UUID, changes: Mapping[str, tuple[str, str]], by: str) -> Event:
    """R-PLACE-3: an operator's or street office's edit of a street office, community or estate: each changed field
    with its value before and after (names and parent ids; the developer's credit code only as "changed")."""
    return Event(
        EventKind.PLACE_UPDATED,
        {
            "place_kind": place_kind,
            "place_id": str(place_id),
            "changes": {name: {"before": before, "after": after} for name, (before, after) in sorted(changes.items())},
            "by": by,
        },
    )


def place_merged(
    *,
    place_kind: str,
    duplicate_id: uuid.UUID,
    duplicate_name: str,
    kept_id: uuid.UUID,
    moved: Mapping[str, int],
    by: str,
) -> Event:
    """R-PLACE-4: a duplicate place merged into the one kept: what pointed at it (children, staff roles) now points
    at the kept place, counted per table, and the duplicate is retired."""
    return Event(
        EventKind.PLACE_MERGED,
        {
            "place_kind": place_kind, "duplicate_id": str(duplicate_id), "duplicate_name": duplicate_name,
            "kept_id": str(kept_id), "moved": dict(sorted(moved.items())), "by": by,
        },
    )  # fmt: skip
