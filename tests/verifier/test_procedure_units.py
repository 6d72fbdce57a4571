"""``app.verifier.procedure`` on hand-made entries: each way a procedure entry can be wrong is a named failure
(R-SUP-5/6/7, R-PAPER-1..3, R-NOTICE-2/3, R-ROLL-7), and what is lawful passes."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from app.ledger import completeness
from app.ledger.events import EventKind
from app.verifier import procedure
from app.verifier.procedure import Cast, ProcedureFailure

ENDS = "2025-03-23T16:00:00+00:00"


@dataclass
class Entry:
    kind: str
    payload: dict[str, Any]
    created_at: str
    leaf_index: int = 0
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def document(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "kind": self.kind, "payload": self.payload}


def z(text: str) -> str:
    """An ISO instant as a leaf document's created_at (UTC, microseconds)."""
    return procedure.instant(text).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


PUBLISHED = Entry(
    EventKind.VOTE_PUBLISHED,
    {
        "notice_hash": "n1", "roll_hash": "r1", "register_version_id": "v1", "total_heads": 8, "total_area": 90000,
        "starts_at": "2025-03-16T16:00:00+00:00", "ends_at": ENDS, "published_at": "2025-03-01T02:00:00+00:00",
        "voting_method": "MIXED", "notice_queued": ["WEBHOOK"],
    },
    z("2025-03-01T02:00:00+00:00"),
    1,
)  # fmt: skip


def closed(at: str = ENDS, created: str | None = None) -> Entry:
    return Entry(EventKind.VOTE_CLOSED, {"closed_at": at, "counted": {"count": 1, "root": "r"}}, z(created or at), 90)


def suspension(at: str, leaf: int = 10) -> Entry:
    return Entry(EventKind.SUPERVISION_SUSPENSION, {"acted_at": at}, z(at), leaf)


def resumption(at: str, before: str, after: str, seconds: int, leaf: int = 11) -> Entry:
    payload = {"acted_at": at, "ends_before": before, "ends_after": after, "suspended_seconds": seconds}
    return Entry(EventKind.SUPERVISION_RESUMPTION, payload, z(at), leaf)


# --- windows (R-SUP-5/6) ----------------------------------------------------------------------------------------


def test_a_resumption_moves_the_end_and_the_close_is_at_it() -> None:
    entries = [
        suspension("2025-03-17T16:00:00+00:00"),
        resumption("2025-03-18T16:00:00+00:00", ENDS, "2025-03-25T16:00:00+00:00", 86400),
    ]
    frame = procedure.frame_in_force(PUBLISHED, entries)
    assert frame.ends_at == procedure.instant("2025-03-25T16:00:00+00:00")
    assert frame.notice_ends_at == procedure.instant(ENDS)
    assert "extended by 1 resumption" in procedure.check_window(frame, entries, closed("2025-03-25T16:00:00+00:00"))
    with pytest.raises(ProcedureFailure, match=r"closed_at .* but the end in force"):
        procedure.check_window(frame, entries, closed(ENDS))


@pytest.mark.parametrize(
    ("resumed", "message"),
    [
        (resumption("2025-03-18T16:00:00+00:00", ENDS, "2025-03-24T16:00:00+00:00", 3600), "suspended 3600 s"),
        (resumption("2025-03-18T16:00:00+00:00", ENDS, "2025-03-24T15:59:59+00:00", 86400), "never shortens"),
        (resumption("2025-03-18T16:00:00+00:00", "2025-03-22T16:00:00+00:00", ENDS, 86400), "end in force was"),
    ],
)
def test_a_short_or_inconsistent_resumption_fails(resumed: Entry, message: str) -> None:
    with pytest.raises(ProcedureFailure, match=message):
        procedure.frame_in_force(PUBLISHED, [suspension("2025-03-17T16:00:00+00:00"), resumed])


def test_no_close_while_suspended_nor_of_a_terminated_vote() -> None:
    suspended = [suspension("2025-03-17T16:00:00+00:00")]
    frame = procedure.frame_in_force(PUBLISHED, suspended)
    with pytest.raises(ProcedureFailure, match="while suspended"):
        procedure.check_window(frame, suspended, closed())
    terminated = [*suspended, Entry(EventKind.SUPERVISION_TERMINATION, {}, z("2025-03-18T00:00:00+00:00"), 12)]
    with pytest.raises(ProcedureFailure, match="R-SUP-6"):
        procedure.check_window(frame, terminated, closed())


def test_a_republication_must_name_the_roll_it_replaces() -> None:
    payload = {
        "notice_hash": "n2", "previous_notice_hash": "n1", "roll_hash": "r2", "previous_roll_hash": "r1",
        "register_version_id": "v2", "previous_register_version_id": "v1", "total_heads": 8, "total_area": 90500,
        "republished_at": "2025-03-05T02:00:00+00:00", "starts_at": "2025-03-20T16:00:00+00:00",
        "ends_at": "2025-03-27T16:00:00+00:00", "objections": [],
    }  # fmt: skip
    honest = Entry(EventKind.VOTE_ROLL_REPUBLISHED, payload, z("2025-03-05T02:00:00+00:00"), 5)
    frame = procedure.frame_in_force(PUBLISHED, [honest])
    assert (frame.roll_hash, frame.total_area, frame.period_from.day) == ("r2", 90500, 5)
    forged = Entry(EventKind.VOTE_ROLL_REPUBLISHED, payload | {"previous_roll_hash": "rX"}, honest.created_at, 5)
    with pytest.raises(ProcedureFailure, match="previous_roll_hash rX"):
        procedure.frame_in_force(PUBLISHED, [forged])


# --- per-decision status (R-SUP-7) -------------------------------------------------------------------------------

TOPICS = [
    {"topic_id": "covenant", "position": 1, "outcome": "PASSED", "evidence_sha256": "e1"},
    {"topic_id": "election", "position": 2, "outcome": "DECIDED", "evidence_sha256": "e2"},
    {"topic_id": "fund", "position": 3, "outcome": "REJECTED", "evidence_sha256": "e3"},
]


def revocation(topic: str | None, *, outcome: str = "DECIDED", evidence: str = "e2", leaf: int = 20) -> Entry:
    payload: dict[str, Any] = {"acted_at": "2025-03-26T00:00:00+00:00", "document_ref": "doc"}
    if topic is not None:
        payload |= {
            "topic_id": topic,
            "decision": {
                "topic_id": topic, "outcome": outcome, "evidence_sha256": evidence,
                "status": {"before": "IN_FORCE", "after": "REVOKED_BY_STREET_OFFICE"},
            },
        }  # fmt: skip
    return Entry(EventKind.SUPERVISION_REVOCATION, payload, z(f"2025-03-26T00:00:{leaf:02d}+00:00"), leaf)


def test_revoking_the_election_leaves_the_covenant_in_force() -> None:
    decisions = procedure.decision_statuses(TOPICS, [revocation("election")])
    assert decisions.statuses == {"covenant": "IN_FORCE", "election": "REVOKED_BY_STREET_OFFICE", "fund": None}
    assert decisions.summary == "PARTLY_REVOKED"
    assert procedure.decision_statuses(TOPICS, []).summary == "IN_FORCE"


def test_a_legacy_whole_vote_revocation_revokes_every_decision() -> None:
    decisions = procedure.decision_statuses(TOPICS, [revocation(None)])
    assert decisions.statuses == {
        "covenant": "REVOKED_BY_STREET_OFFICE", "election": "REVOKED_BY_STREET_OFFICE", "fund": None,
    }  # fmt: skip
    assert decisions.summary == "REVOKED_BY_STREET_OFFICE"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([revocation("fund", outcome="REJECTED", evidence="e3")], "decided nothing"),
        ([revocation("election"), revocation("election", leaf=21)], "again"),
        ([revocation("covenant")], "is not that topic's signed decision"),
        ([revocation("other")], "not a topic of this vote"),
    ],
)
def test_a_wrong_revocation_fails(entries: list[Entry], message: str) -> None:
    with pytest.raises(ProcedureFailure, match=message):
        procedure.decision_statuses(TOPICS, entries)


# --- paper ballots (R-PAPER-1..3) --------------------------------------------------------------------------------

RECEIVED_AT = "2025-03-23T14:00:00+00:00"
AFTER = "2025-03-24T01:00:00+00:00"


def paper_log(*, status: str = "RECEIVED", witnesses: int = 2, received_at: str = RECEIVED_AT) -> list[Entry]:
    reception = Entry(
        EventKind.PAPER_RECEIVED,
        {"group": "g1", "form": "SHEET", "scan_sha256": "a" * 64, "received_at": received_at, "status": status,
         "earlier": ""},
        z(received_at), 30,
    )  # fmt: skip
    roles = [("w1", "OWNER"), ("w2", "RESIDENTS_COMMITTEE")]
    opened = Entry(
        EventKind.COUNTING_OPENED,
        {"session_id": "s", "opened_at": AFTER, "witnesses": [{"witness": w, "role": r} for w, r in roles]},
        z(AFTER), 40,
    )  # fmt: skip
    confirmations = [
        Entry(
            EventKind.COUNTING_CONFIRMED,
            {"session_id": "s", "witness": w, "role": r, "counted": {"count": 1, "root": "r"}},
            z(f"2025-03-24T02:00:0{i}+00:00"),
            50 + i,
        )
        for i, (w, r) in enumerate(roles[:witnesses])
    ]
    signed = Entry(
        EventKind.COUNTING_SIGNED_OFF,
        {"session_id": "s", "signed_off_at": "2025-03-24T02:00:05+00:00", "paper_counted": 1, "duplicates": 0,
         "counted": {"count": 1, "root": "r"}},
        z("2025-03-24T02:00:05+00:00"), 60,
    )  # fmt: skip
    return [reception, opened, *confirmations, signed]


PAPER_CAST = Cast("b1", "g1", "PAPER", "PAPER_ENTRY", RECEIVED_AT, z("2025-03-24T01:30:00+00:00"), 45, "a" * 64)


@dataclass
class Evidence:
    """``procedure.Evidence`` over the hand-made entries and ballots."""

    entries: list[Entry]
    casts: list[Cast]

    def entry(self, leaf: int) -> Entry:
        return next(entry for entry in self.entries if entry.leaf_index == leaf)

    def cast(self, leaf: int) -> Cast:
        return next(cast for cast in self.casts if cast.leaf == leaf)


def check(entries: list[Entry], casts: list[Cast], online: dict[str, list[Cast]] | None = None) -> str:
    """``procedure.check_paper`` as the verifier calls it: the receptions and ballots as sorted records."""
    frame = procedure.frame_in_force(PUBLISHED, entries)
    close = closed(created="2025-03-24T02:00:06+00:00")
    roll = {"g1": 9000}
    receptions = sorted(
        procedure.reception_record(e.leaf_index, micros(e.created_at), e.payload, roll)
        for e in entries
        if e.kind == EventKind.PAPER_RECEIVED
    )
    online_casts = [cast for group in (online or {}).values() for cast in group]
    records = sorted(procedure.paper_cast_record(cast, micros(cast.created_at)) for cast in casts)
    online_records = sorted(
        procedure.online_cast_record(cast.group, cast.leaf, micros(cast.cast_at)) for cast in online_casts
    )
    session = [e for e in entries if e.kind != EventKind.PAPER_RECEIVED]
    evidence = Evidence(entries, [*casts, *online_casts])
    return procedure.check_paper(frame, PUBLISHED, session, close, receptions, records, online_records, roll, evidence)


def micros(text: str) -> int:
    return procedure.micros(procedure.instant(text))


def test_a_paper_ballot_received_before_the_close_and_counted_in_the_session_passes() -> None:
    assert "1 paper ballot(s) counted" in check(paper_log(), [PAPER_CAST])


def test_a_reception_after_the_close_fails() -> None:
    with pytest.raises(ProcedureFailure, match="after the close"):
        check(paper_log(received_at="2025-03-23T17:00:00+00:00"), [PAPER_CAST])


def test_a_received_paper_ballot_left_out_of_the_count_fails() -> None:
    """A hostile organiser enters only some of the receptions and the witnesses sign off: the log says so."""
    with pytest.raises(ProcedureFailure, match="never entered in the counting session"):
        check(paper_log(), [])


def test_a_missing_confirmation_fails() -> None:
    with pytest.raises(ProcedureFailure, match=r"w2 .*never confirmed"):
        check(paper_log(witnesses=1), [PAPER_CAST])


def test_a_duplicate_without_an_earlier_ballot_and_an_online_ballot_beside_a_reception_fail() -> None:
    with pytest.raises(ProcedureFailure, match="DUPLICATE, but"):
        check(paper_log(status="DUPLICATE"), [])
    online = Cast("b0", "g1", "ONLINE", "OWNER", "2025-03-23T15:00:00+00:00", z("2025-03-23T15:00:00+00:00"), 31, None)
    with pytest.raises(ProcedureFailure, match="online ballot b0"):
        check(paper_log(), [PAPER_CAST], {"g1": [online]})
    earlier = Cast("b0", "g1", "ONLINE", "OWNER", "2025-03-20T15:00:00+00:00", z("2025-03-20T15:00:00+00:00"), 3, None)
    with pytest.raises(ProcedureFailure, match="marked RECEIVED, but"):
        check(paper_log(), [PAPER_CAST], {"g1": [earlier]})


def test_a_paper_ballot_must_carry_its_reception_time() -> None:
    backdated = Cast("b1", "g1", "PAPER", "PAPER_ENTRY", "2025-03-17T00:00:00+00:00", PAPER_CAST.created_at, 45, None)
    with pytest.raises(ProcedureFailure, match="R-PAPER-1"):
        check(paper_log(), [backdated])


# --- posting (R-NOTICE-2/3) --------------------------------------------------------------------------------------


def posting(posted_at: str, recorded_at: str) -> Entry:
    payload = {
        "notice_hash": "n1", "posted_at": posted_at, "recorded_at": recorded_at, "photo": {"sha256": "b" * 64},
        "counted_posted_at": posted_at,
    }  # fmt: skip
    return Entry(EventKind.VOTE_NOTICE_POSTED, payload, z(recorded_at), 2)


def test_the_period_runs_from_the_posting_and_a_vote_without_one_fails() -> None:
    frame = procedure.frame_in_force(PUBLISHED, [])
    early = [posting("2025-03-01T03:00:00+00:00", "2025-03-01T03:00:00+00:00")]
    earliest, summary = procedure.check_postings(frame, PUBLISHED, early, None)
    assert earliest == procedure.instant("2025-03-16T16:00:00+00:00")
    assert "1 posting(s)" in summary
    with pytest.raises(ProcedureFailure, match="earliest start 2025-03-21"):  # TV-W6: posted 03-05
        procedure.check_postings(frame, PUBLISHED, [posting("2025-03-05T02:00:00+00:00", "2025-03-05T03:00:00Z")], None)
    with pytest.raises(ProcedureFailure, match=r"no vote\.notice_posted entry"):
        procedure.check_postings(frame, PUBLISHED, [], None)


def test_the_procedure_kinds_are_bound_beside_the_legacy_ones() -> None:
    assert completeness.LEGACY_BOUND_KINDS < completeness.BOUND_KINDS
    assert EventKind.PAPER_RECEIVED in completeness.PROCEDURE_BOUND_KINDS
    assert not completeness.LEGACY_BOUND_KINDS & completeness.PROCEDURE_BOUND_KINDS


def _mandate_signed_at(signed_at: str) -> list[Entry]:
    mandate = {"mandate_id": "m1", "decided_on": "2025-02-27", "committee_id": "c1"}
    signature = {"mandate_id": "m1", "member_id": "member-1", "signed_at": signed_at}
    return [
        Entry(EventKind.CONVENING_MANDATE_RECORDED, mandate, z("2025-02-28T02:00:00+00:00"), 2),
        Entry(EventKind.CONVENING_MANDATE_SIGNED, signature, z(signed_at), 3),
    ]


def test_a_signature_in_the_second_of_publication_is_before_it():
    """vote.published logs its time to the second; a signature 0.54 s into that second, logged before the
    publication (as when a committee publishes right after the last member signs), is not after it (R-CONV-2)."""
    entries = _mandate_signed_at("2025-03-01T02:00:00.536481+00:00")
    assert "1 signature(s)" in procedure.check_convening(PUBLISHED, entries, [], {})
    late = _mandate_signed_at("2025-03-01T02:00:01.000001+00:00")
    with pytest.raises(ProcedureFailure, match=r"after publication \(R-CONV-2\)"):
        procedure.check_convening(PUBLISHED, late, [], {})


# --- roll objections (R-ROLL-7): streamed through sorted records, as the maps by id decided ---------------------


def _reference_objections(frame: procedure.Frame, entries: list[Entry], close: Entry) -> str:
    """``check_objections`` as it was, with maps by id over the entries sorted by log time (the reference)."""
    ordered = sorted(entries, key=lambda entry: (entry.document["created_at"], entry.leaf_index))
    filed: dict[str, Entry] = {}
    for entry in (e for e in ordered if e.kind == EventKind.ROLL_OBJECTION_FILED):
        at = procedure.instant(entry.payload["filed_at"])
        if at < frame.published_at or at >= frame.starts_at:
            raise ProcedureFailure(
                "roll",
                f"{procedure._named(entry)}: filed at {entry.payload['filed_at']}, outside the notice period "
                f"{frame.published_at.isoformat()} – {frame.starts_at.isoformat()} (R-ROLL-7)",
            )
        filed[str(entry.payload["objection_id"])] = entry
    answered: set[str] = set()
    for entry in (e for e in ordered if e.kind == EventKind.ROLL_OBJECTION_ANSWERED):
        objection = str(entry.payload["objection_id"])
        if objection not in filed:
            raise ProcedureFailure(
                "roll", f"{procedure._named(entry)} answers objection {objection}, never filed in this vote"
            )
        if objection in answered:
            raise ProcedureFailure("roll", f"{procedure._named(entry)} answers objection {objection} a second time")
        at = procedure.instant(entry.payload["answered_at"])
        if (
            at < procedure.instant(filed[objection].payload["filed_at"])
            or entry.document["created_at"] > close.document["created_at"]
            or at > procedure.instant(close.payload["closed_at"])
        ):
            raise ProcedureFailure(
                "roll",
                f"{procedure._named(entry)}: answered at {entry.payload['answered_at']}, before filing or after the "
                "close",
            )
        answered.add(objection)
    if frame.republished is not None:
        for objection in frame.republished.payload["objections"]:
            if objection not in answered:
                raise ProcedureFailure(
                    "roll",
                    f"the re-published roll acts on objection {objection}, which has no answer in the log (R-ROLL-7)",
                )
    return f"{len(filed)} objection(s), {len(filed) - len(answered)} unanswered"


def _verdict(check: Any) -> str:
    try:
        return str(check())
    except ProcedureFailure as failure:
        return str(failure)


@pytest.mark.parametrize("seed", range(60))
def test_objections_streamed_decide_as_the_maps_by_id(monkeypatch, seed) -> None:
    monkeypatch.setattr(procedure.spill, "RUN_RECORDS", 4)  # several runs merged, even for a few objections
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(6)]
    day = 86400

    def instant(offset: float) -> str:  # seconds after the publication
        return (procedure.instant(PUBLISHED.payload["published_at"]) + timedelta(seconds=offset)).isoformat()

    entries: list[Entry] = []
    leaves = iter(rng.sample(range(100, 10_000), 40))
    for _ in range(rng.randrange(0, 8)):  # mostly inside the notice period (publication + 15 days)
        at = rng.uniform(0, 15 * day) if rng.random() < 0.95 else rng.choice([-day, 16 * day])
        entry = Entry(EventKind.ROLL_OBJECTION_FILED, {"objection_id": rng.choice(ids), "filed_at": instant(at)},
                      z(instant(at + rng.uniform(0, 60))), next(leaves))  # fmt: skip
        entries.append(entry)
    for _ in range(rng.randrange(0, 8)):
        at = rng.uniform(0, 24 * day)  # some before their filing, some after the close
        entry = Entry(EventKind.ROLL_OBJECTION_ANSWERED, {"objection_id": rng.choice(ids), "answered_at": instant(at)},
                      z(instant(at + rng.choice([0, 60, 30 * day]))), next(leaves))  # fmt: skip
        entries.append(entry)
    rng.shuffle(entries)
    frame = procedure.frame_in_force(PUBLISHED, [])
    if seed % 4 == 0:
        republication = {"objections": rng.sample(ids, 2) + ([7] if seed % 8 == 0 else [])}
        frame.republished = Entry(EventKind.VOTE_ROLL_REPUBLISHED, republication, z(instant(day)), 5)
    close = closed()
    expected = _verdict(lambda: _reference_objections(frame, entries, close))
    assert _verdict(lambda: procedure.check_objections(frame, entries, close)) == expected


def test_a_republished_roll_acting_on_an_unanswered_objection_fails() -> None:
    filed = Entry(EventKind.ROLL_OBJECTION_FILED, {"objection_id": "o1", "filed_at": "2025-03-02T02:00:00+00:00"},
                  z("2025-03-02T02:00:00+00:00"), 20)  # fmt: skip
    answered = {"objection_id": "o1", "answered_at": "2025-03-03T02:00:00+00:00"}
    answer = Entry(EventKind.ROLL_OBJECTION_ANSWERED, answered, z("2025-03-03T02:00:00+00:00"), 21)
    frame = procedure.frame_in_force(PUBLISHED, [])
    assert procedure.check_objections(frame, [filed, answer], closed()) == "1 objection(s), 0 unanswered"
    assert procedure.check_objections(frame, [filed], closed()) == "1 objection(s), 1 unanswered"
    for listed, named in ((["o1"], None), (["o1", "o2"], "o2"), (["o1", 7], "7")):
        frame.republished = Entry(EventKind.VOTE_ROLL_REPUBLISHED, {"objections": listed}, z(ENDS), 5)
        if named is None:
            procedure.check_objections(frame, [filed, answer], closed())
            continue
        with pytest.raises(ProcedureFailure, match=f"acts on objection {named}, which has no answer"):
            procedure.check_objections(frame, [filed, answer], closed())
