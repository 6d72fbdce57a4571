"""The offline verifier checks the procedure around the count (issue #17): receptions and the counting session
(R-PAPER-1..4), per-decision status (R-SUP-7), windows extended by a resumption (R-SUP-5), postings (R-NOTICE-2/3).

Honest bundles of each feature pass. Forged ones — a dishonest server writing a wrong entry into its own signed
log, or a forger holding the log key who drops an entry and signs the export index again — fail with a line that
names what is wrong."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit.keys import LogKeys
from app.audit.models import AuditEntry
from app.ballot.models import Channel
from app.ballot.service import ballot_rows, insert_ballot
from app.ledger import completeness
from app.ledger.canonical import canonical_bytes
from app.ledger.events import Event, EventKind
from app.ledger.signing import sign
from app.verifier import documents as d
from app.verifier.checks import verify_bundle
from app.vote.models import RollGroup, Vote
from app.vote.spec import marks_for_ballot
from tests import independent_verifier
from tests.scenario import ENDS
from tests.verifier.helpers import (
    decode,
    encode,
    keep_entries,
    leaf_indices,
    members,
    rebuild,
    revoke_as_street_office,
    run_vote,
)
from tests.verifier.procedure_scenario import EXTENDED_END, LATE_GROUP, Procedure, answers_of, run_procedure_vote


@pytest.fixture(scope="session")
def keys(test_settings) -> LogKeys:  # type: ignore[no-untyped-def]
    return LogKeys.from_settings(test_settings)


def lines_of(bundle: bytes, trust: Any) -> tuple[Any, str]:
    report = verify_bundle(bundle, trust=trust, progress=None)
    return report, "\n".join(report.lines())


def failure(bundle: bytes, trust: Any) -> tuple[str, str]:
    report, lines = lines_of(bundle, trust)
    assert report.failed is not None, lines
    return report.failed


def drop_entries(bundle: bytes, keys: LogKeys, kind: str, *, count: int = 1) -> bytes:
    """A forger holding the log key drops ``count`` entries of ``kind`` and signs the export index again."""
    files = members(bundle)
    entries = decode(d.ENTRIES, files[d.ENTRIES])
    dropped = [i for i, entry in enumerate(entries) if entry["kind"] == kind][:count]
    assert len(dropped) == count, f"no {kind} entry to drop"
    indices = leaf_indices(files)
    leaves = {indices[i] for i in dropped}
    dropped_ids = {entries[i]["id"] for i in dropped}
    keep_entries(files, lambda _, entry: entry["id"] not in dropped_ids)
    signed = decode(d.INDEX, files[d.INDEX])
    index = signed["index"]
    index["entries"] = [pair for pair in index["entries"] if pair[0] not in leaves]
    signed["signature"] = base64.b64encode(sign(keys.private_key, canonical_bytes(index))).decode()
    files[d.INDEX] = encode(d.INDEX, signed)
    return rebuild(files)


async def _entry(session, vote_id: str, kind: EventKind) -> AuditEntry:  # type: ignore[no-untyped-def]
    statement = sa.select(AuditEntry).where(AuditEntry.vote_id == uuid.UUID(vote_id), AuditEntry.kind == kind.value)
    return (await session.scalars(statement.order_by(AuditEntry.created_at))).first()  # type: ignore[no-any-return]


# --- paper ballots counted in public (R-PAPER-1..4) --------------------------------------------------------------


async def test_a_mixed_vote_with_a_paper_ballot_counted_after_the_close_passes(client, session, app, repo_root, trust):
    procedure = await run_procedure_vote(client, session, app, repo_root, mixed=True)
    report, lines = lines_of(await procedure.bundle(), trust)
    assert report.ok, lines
    assert "1 reception(s) (0 duplicate), 1 paper ballot(s) counted in the session" in lines
    assert "before 2 witnesses" in lines


async def test_a_paper_reception_logged_after_the_close_fails(client, session, app, repo_root, trust):
    async def late_reception(procedure: Procedure) -> None:
        honest = await _entry(procedure.session, procedure.run.vote_id, EventKind.PAPER_RECEIVED)
        late = ENDS + timedelta(hours=1)
        payload = dict(honest.payload) | {
            "reception_id": str(uuid.uuid4()), "received_at": late.isoformat(), "status": "DUPLICATE",
            "earlier": str(honest.id),
        }  # fmt: skip
        await procedure.append(Event(EventKind.PAPER_RECEIVED, payload), at=late)

    procedure = await run_procedure_vote(client, session, app, repo_root, mixed=True, before_counting=late_reception)
    check, message = failure(await procedure.bundle(), trust)
    assert check == "paper", message
    assert "paper.received" in message
    assert "after the close" in message
    assert "R-PAPER-1" in message


async def test_a_counting_session_signed_off_without_a_witness_confirmation_fails(
    client, session, app, repo_root, trust, keys
):
    procedure = await run_procedure_vote(client, session, app, repo_root, mixed=True)
    forged = drop_entries(await procedure.bundle(), keys, EventKind.COUNTING_CONFIRMED)
    check, message = failure(forged, trust)
    assert check == "paper", message
    assert "never confirmed" in message
    assert "counting.signed_off" in message


# --- per-decision status (R-SUP-7) ---------------------------------------------------------------------------


async def test_a_revoked_election_is_revoked_and_the_other_decisions_stay_in_force(
    client, session, app, repo_root, trust
):
    run = await run_vote(client, session, app, repo_root)
    await revoke_as_street_office(client, session, app, run)
    procedure = Procedure(client, session, app, run)
    report, lines = lines_of(await procedure.bundle(), trust)
    assert report.ok, lines
    decision = dict(report.passed)["decision"]
    assert decision.startswith("PARTLY_REVOKED"), decision
    assert f"({run.topic_ids[3]}) DECIDED: REVOKED_BY_STREET_OFFICE" in decision
    assert f"({run.topic_ids[0]}) PASSED: IN_FORCE" in decision


async def test_a_revocation_of_the_covenant_shown_while_only_the_election_was_revoked_fails(
    client, session, app, repo_root, trust
):
    run = await run_vote(client, session, app, repo_root)
    await revoke_as_street_office(client, session, app, run)
    procedure = Procedure(client, session, app, run)
    honest = await _entry(session, run.vote_id, EventKind.SUPERVISION_REVOCATION)
    # The dishonest server shows the first topic revoked too, with the election's decision member.
    payload = dict(honest.payload) | {"action_id": str(uuid.uuid4()), "topic_id": run.topic_ids[0]}
    await procedure.append(Event(EventKind.SUPERVISION_REVOCATION, payload), at=app.state.clock())
    check, message = failure(await procedure.bundle(), trust)
    assert check == "decision", message
    assert f"revokes topic {run.topic_ids[0]}" in message
    assert "is not that topic's signed decision" in message


# --- windows extended by a resumption (R-SUP-5) --------------------------------------------------------------


async def test_a_vote_resumed_with_an_extension_passes_with_a_ballot_after_the_notices_end(
    client, session, app, repo_root, trust
):
    procedure = await run_procedure_vote(client, session, app, repo_root, resumed=True)
    report, lines = lines_of(await procedure.bundle(), trust)
    assert report.ok, lines
    window = dict(report.passed)["window"]
    assert EXTENDED_END.isoformat() in window or "extended by 1 resumption(s)" in window, window


async def test_a_ballot_cast_after_the_notices_end_without_a_resumption_fails(client, session, app, repo_root, trust):
    async def late_ballot(procedure: Procedure) -> None:
        late = ENDS + timedelta(hours=1)
        procedure.at(late)
        vote_id = uuid.UUID(procedure.run.vote_id)
        async with procedure.app.state.sessionmaker() as forged, forged.begin():
            vote = await forged.scalar(sa.select(Vote).where(Vote.id == vote_id).options(selectinload(Vote.topics)))
            group = await forged.get(RollGroup, (vote_id, procedure.group_keys[LATE_GROUP]))
            assert vote is not None
            assert group is not None
            answers = answers_of(procedure.run.topic_ids, LATE_GROUP)
            rows = ballot_rows(
                vote.id, vote.estate_id, group, answers, marks_for_ballot(vote.topics, answers), now=late,
                basis="OWNER", grant_id=None, grant="", channel=Channel.ONLINE, account_id=None,
            )  # fmt: skip
            receipt = await insert_ballot(forged, rows)
            assert receipt is not None
        procedure.at(late + timedelta(hours=1))  # the close comes after it in log time

    procedure = await run_procedure_vote(client, session, app, repo_root, withhold=LATE_GROUP, before_close=late_ballot)
    check, message = failure(await procedure.bundle(), trust)
    assert check == "publicity", message
    assert "outside the published window" in message
    assert "no resumption extended it" in message


# --- the roll re-published after an accepted objection (R-ROLL-7) --------------------------------------------


async def test_a_vote_whose_roll_was_republished_passes_with_the_new_roll_and_window(
    client, session, app, repo_root, trust
):
    procedure = await run_procedure_vote(client, session, app, repo_root, republished=True)
    report, lines = lines_of(await procedure.bundle(), trust)
    assert report.ok, lines
    passed = dict(report.passed)
    assert "roll re-published at leaf" in passed["window"]
    assert passed["roll"] == "1 objection(s), 0 unanswered"
    assert "90500" in passed["register"]


@pytest.mark.parametrize("feature", ["mixed", "resumed", "republished"])
async def test_the_independent_verifier_passes_each_procedure_bundle(  # type: ignore[no-untyped-def]
    client, session, app, repo_root, log_key, feature
):
    """A third party's verifier from docs/evidence-formats.md alone (§7.1's bindings with the procedure's kinds,
    §6.1's notice in force after a re-publication) reaches PASS on each feature's honest bundle."""
    procedure = await run_procedure_vote(client, session, app, repo_root, **{feature: True})
    assert independent_verifier.verify(await procedure.bundle(), log_key) == ("PASS", "every check passed")


# --- posting on site (R-NOTICE-2/3) --------------------------------------------------------------------------


async def test_a_bundle_without_the_posting_entry_fails(bundle, trust, keys):
    forged = drop_entries(bundle, keys, EventKind.VOTE_NOTICE_POSTED)
    check, message = failure(forged, trust)
    # The posting is logged at the request's clock, inside the entry set the signed result binds: its absence is
    # found before the procedure checks run (the posting check itself: tests/verifier/test_procedure_units.py).
    assert check == "completeness", message
    assert "an entry of the vote is missing or was replaced" in message


async def test_the_honest_bundle_reports_its_posting_and_convening(bundle, trust):
    report, lines = lines_of(bundle, trust)
    assert report.ok, lines
    passed = dict(report.passed)
    assert "1 posting(s) on site" in passed["posting"]
    assert "candidate list(s) acknowledged (R-CAND-8)" in passed["convening"]
    assert passed["decision"].startswith("IN_FORCE")


# --- bindings logged before the procedure's entries were bound (docs/evidence-formats.md §7.1) ------------------


async def test_a_binding_over_the_older_kinds_only_still_verifies(client, session, app, repo_root, trust, monkeypatch):
    """A log written before issue #17's kinds were bound (its server bound the legacy kinds only) still passes;
    its postings and counting entries are checked by the procedure checks and the signed export index."""
    monkeypatch.setattr("app.result.repository.BOUND_KINDS", completeness.LEGACY_BOUND_KINDS)
    procedure = await run_procedure_vote(client, session, app, repo_root, mixed=True)
    bundle = await procedure.bundle()
    report, lines = lines_of(bundle, trust)
    assert report.ok, lines
    assert "3 signed entry-set bindings hold" in lines
    # the same log bound under today's kinds would have covered the reception: the legacy binding is narrower
    documents = decode(d.ENTRIES, members(bundle)[d.ENTRIES])
    (closed,) = [doc for doc in documents if doc["kind"] == EventKind.VOTE_CLOSED]
    before = [doc for doc in documents if doc["created_at"] < closed["created_at"]]
    assert any(doc["kind"] == EventKind.PAPER_RECEIVED for doc in before)
    legacy = completeness.entry_set(
        (doc["id"], doc["payload_sha256"]) for doc in before if doc["kind"] in completeness.LEGACY_BOUND_KINDS
    )
    assert closed["payload"]["entries"] == legacy.payload()
