"""``evote verify --jobs 2``: the register's regrouping and the ballots' checks run in forked processes beside the
log's stream; the report (every line, every verdict, the order of the checks) is the one a single process gives."""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from app.cli import main as cli_main
from app.ledger.ballot import COMMITMENT_DOMAIN
from app.ledger.canonical import canonical_bytes
from app.verifier import checks, native, verify_bundle
from app.verifier import documents as d
from app.verifier.report import _jobs
from tests.scenario import ENDS
from tests.verifier.helpers import ballot_hash, decode, encode, members, rebuild, tamper
from tests.verifier.procedure_scenario import Procedure, run_procedure_vote
from tests.verifier.test_loose_fields import reissued


def both(bundle: bytes, trust: Any, tmp_path: Path) -> tuple[list[str], list[str], list[str]]:
    """The report's lines from one process, from two over the bytes, and from two over a file."""
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    alone = verify_bundle(bundle, trust=trust).lines()
    forked = verify_bundle(bundle, trust=trust, jobs=2).lines()
    with path.open("rb") as stream:
        from_file = verify_bundle(stream, trust=trust, jobs=2).lines()
    return alone, forked, from_file


async def test_two_processes_pass_a_bundle_with_the_same_report(bundle, trust, tmp_path):
    alone, forked, from_file = both(bundle, trust, tmp_path)
    assert alone[-1].startswith("PASS")
    assert alone == forked == from_file
    assert any(line.startswith("ok    register") for line in forked)


def _unit_area_plus_one(bundle: bytes, *, fix_manifest: bool) -> bytes:
    files = members(bundle)
    register = decode(d.REGISTER, files[d.REGISTER])
    register["units"][0]["area"] += 1
    files[d.REGISTER] = encode(d.REGISTER, register)
    return rebuild(files, fix_manifest=fix_manifest)


async def test_the_second_process_s_register_failure_comes_in_its_turn(bundle, trust, tmp_path):
    # the manifest re-signed by the key's holder: the regrouping itself finds the changed area
    alone, forked, from_file = both(_unit_area_plus_one(bundle, fix_manifest=True), trust, tmp_path)
    assert alone[-1].startswith("FAIL  register:"), alone
    assert alone == forked == from_file


async def test_a_register_changed_after_export_is_a_bundle_failure_with_two_processes(bundle, trust, tmp_path):
    # the second process hashes register.jsonl as it reads it; this one settles it against the manifest
    alone, forked, from_file = both(_unit_area_plus_one(bundle, fix_manifest=False), trust, tmp_path)
    assert alone[-1].startswith("FAIL  bundle: register.jsonl: unit"), alone
    assert not any(line.startswith("ok ") for line in alone)  # the bundle check comes first: nothing passed
    assert alone == forked == from_file


async def test_a_failure_before_the_register_s_turn_stops_the_second_process(bundle, trust, tmp_path):
    def swap(ballots: list[Any]) -> None:
        ballots[0], ballots[1] = ballots[1], ballots[0]

    def alter_result(result: dict[str, Any]) -> None:
        result["checkpoint"]["size"] += 1

    for broken in (tamper(bundle, d.BALLOTS, swap), tamper(bundle, d.RESULT, alter_result)):
        alone, forked, from_file = both(broken, trust, tmp_path)
        assert alone[-1].startswith("FAIL")
        assert alone == forked == from_file


async def test_a_member_changed_after_export_is_named_before_what_its_content_breaks(bundle, trust, tmp_path):
    """Large members are hashed as their check reads them: a failure their changed content causes first is
    still reported as the change of the member (the bundle check comes first)."""
    files = members(bundle)
    lines = files[d.ENTRIES].split(b"\n")
    lines[0] = lines[0].replace(b'"kind":"', b'"kind":"x', 1)  # the first entry altered: the log check would fail
    files[d.ENTRIES] = b"\n".join(lines)
    alone, forked, from_file = both(rebuild(files, fix_manifest=False), trust, tmp_path)
    assert alone[-1] == (
        f"FAIL  bundle: {d.ENTRIES} does not match its size and SHA-256 in the signed manifest (changed after export)"
    )
    assert not any(line.startswith("ok ") for line in alone)
    assert alone == forked == from_file


async def test_the_cli_takes_the_number_of_processes(bundle, log_key, tmp_path, capsys):
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    for jobs in ("1", "2"):
        assert cli_main(["verify", str(path), "--log-key", log_key, "--jobs", jobs]) == 0
        assert capsys.readouterr().out.rstrip().endswith("PASS  every check passed")
    assert _jobs("3") == 3
    for wrong in ("0", "-1", "two"):
        with pytest.raises(argparse.ArgumentTypeError, match="--jobs takes a positive number"):
            _jobs(wrong)
    assert json.loads(members(bundle)[d.MANIFEST])["format"] == d.BUNDLE_FORMAT


def _passes_of_the_log(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the log's pass runs (a second run: the ballots' process did not agree)."""
    runs: list[int] = []
    original = checks._Verifier._log_pass

    def counted(self: Any, proofs: Any) -> None:
        runs.append(len(proofs))
        original(self, proofs)

    monkeypatch.setattr(checks._Verifier, "_log_pass", counted)
    return runs


async def test_the_ballots_are_checked_beside_the_log_in_a_process_of_their_own(bundle, trust, monkeypatch):
    runs = _passes_of_the_log(monkeypatch)
    assert verify_bundle(bundle, trust=trust, jobs=2).lines()[-1].startswith("PASS")
    assert len(runs) == 1  # the two sides agreed: one pass, the ballots' state taken from the other process
    runs.clear()
    assert verify_bundle(bundle, trust=trust).lines()[-1].startswith("PASS")
    assert len(runs) == 1


def _counted(ballots: list[Any]) -> dict[str, Any]:
    return next(ballot for ballot in ballots if ballot["status"] == "COUNTED")


def _answer_changed(ballots: list[Any]) -> None:
    ballot = _counted(ballots)
    topic = sorted(ballot["answers"])[0]
    ballot["answers"][topic] = "OPPOSE" if ballot["answers"][topic] == "AGREE" else "AGREE"


def _audit_entry_ids_swapped(ballots: list[Any]) -> None:
    ballots[0]["audit_entry_id"], ballots[1]["audit_entry_id"] = (
        ballots[1]["audit_entry_id"],
        ballots[0]["audit_entry_id"],
    )


def _void_reason_set(ballots: list[Any]) -> None:
    _counted(ballots)["void_reason"] = "DUPLICATE"


def _cast_at_moved(ballots: list[Any]) -> None:
    _counted(ballots)["cast_at"] = "2020-01-01T00:00:00+00:00"


def _group_changed(ballots: list[Any]) -> None:
    _counted(ballots)["group_id"] = "0" * 32


def _scan_added(ballots: list[Any]) -> None:
    _counted(ballots)["scan_sha256"] = "a" * 64


def _status_rewritten(ballots: list[Any]) -> None:
    _counted(ballots)["status"] = "LOST"


def _topic_dropped(ballots: list[Any]) -> None:
    answers = _counted(ballots)["answers"]
    del answers[sorted(answers)[0]]


def _nonce_dropped(ballots: list[Any]) -> None:
    del _counted(ballots)["nonce"]


def _first_ballot_deleted(ballots: list[Any]) -> None:
    del ballots[0]


def _last_ballot_repeated(ballots: list[Any]) -> None:
    ballots.append(dict(ballots[-1]))


def _ballots_reversed(ballots: list[Any]) -> list[Any]:
    return ballots[::-1]


@pytest.mark.parametrize(
    "change",
    [
        _answer_changed, _audit_entry_ids_swapped, _void_reason_set, _cast_at_moved, _group_changed, _scan_added,
        _status_rewritten, _topic_dropped, _nonce_dropped, _first_ballot_deleted, _last_ballot_repeated,
        _ballots_reversed,
    ],
)  # fmt: skip
async def test_a_changed_ballot_fails_as_in_one_process(bundle, trust, tmp_path, change):
    """The ballots' process and the log's pass disagree: the pass runs again the reference way and the report is
    one process's, line for line (the manifest signed again by the key's holder: the ballot checks find it)."""
    alone, forked, from_file = both(tamper(bundle, d.BALLOTS, change), trust, tmp_path)
    assert alone[-1].startswith("FAIL"), alone
    assert alone == forked == from_file


async def test_a_ballot_line_not_in_canonical_form_gives_the_same_report(bundle, trust, tmp_path):
    files = members(bundle)
    lines = files[d.BALLOTS].split(b"\n")
    lines[0] = json.dumps(json.loads(lines[0]), indent=None).encode()  # ", " and ": " separators
    files[d.BALLOTS] = b"\n".join(lines)
    alone, forked, from_file = both(rebuild(files), trust, tmp_path)
    assert alone == forked == from_file
    assert any("not a canonical JSON ballot (not in RFC 8785 canonical form)" in line for line in alone)


def _counted_commitments(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[bytes]]]:
    """What ``_check_counted_set`` finds in the main process's sort: its number of runs and its records."""
    seen: list[tuple[int, list[bytes]]] = []
    original = checks._Verifier._check_counted_set

    def recorded(self: Any) -> None:
        seen.append((sum(len(level) for level in self.commitments._levels), list(self.commitments)))
        original(self)

    monkeypatch.setattr(checks._Verifier, "_check_counted_set", recorded)
    return seen


async def test_the_ballots_process_sends_its_sorted_commitments_a_frame_at_a_time(bundle, trust, monkeypatch):
    """The ballots' process sorts the counted commitments in temporary files of its own (runs of one record here)
    and streams them sorted, one record a frame: the main process keeps them as one run, not sorted again."""
    runs, seen = _passes_of_the_log(monkeypatch), _counted_commitments(monkeypatch)
    alone = verify_bundle(bundle, trust=trust, jobs=1).lines()
    monkeypatch.setattr(checks.spill, "RUN_RECORDS", 1)
    monkeypatch.setattr(checks.spill, "READ_BYTES", 32)
    runs.clear()
    assert verify_bundle(bundle, trust=trust, jobs=2).lines() == alone
    assert alone[-1].startswith("PASS")
    assert len(runs) == 1  # agreed: the other process's state was taken
    counted = sorted(
        bytes.fromhex(json.loads(line)["content_hash"])
        for line in members(bundle)[d.BALLOTS].splitlines()
        if json.loads(line)["status"] == "COUNTED"
    )
    assert len(counted) > 1
    assert [records for _, records in seen] == [counted, counted]
    assert seen[1][0] == 1  # one run received from the ballots' process


def _cut_short(self: Any, block_bytes: int | None = None) -> Any:
    yield b"\xff" * 32  # one frame, then the process ends without the closing empty frame
    raise SystemExit


def _out_of_order(self: Any, block_bytes: int | None = None) -> Any:
    yield from reversed(list(self))


@pytest.mark.parametrize("send", [_cut_short, _out_of_order])
async def test_commitments_cut_short_or_out_of_order_run_the_reference_pass(bundle, trust, monkeypatch, send):
    runs = _passes_of_the_log(monkeypatch)
    alone = verify_bundle(bundle, trust=trust, jobs=1).lines()
    monkeypatch.setattr(checks.spill.RecordSort, "sorted_blocks", send)
    runs.clear()
    assert verify_bundle(bundle, trust=trust, jobs=2).lines() == alone
    assert alone[-1].startswith("PASS")
    assert len(runs) == 2


async def test_the_exporter_s_cast_entries_agree_in_one_pass_read_from_their_bytes(bundle, trust, monkeypatch):
    """Every ``ballot.cast`` line as the exporter writes it is checked from its bytes (``_agreed_cast``, or
    ``native.cast_block`` a block at a time when it is built), and the agreement it folds equals the ballots'
    process's: one pass, no reference pass after it."""
    passes: list[bool] = []
    taken: list[bool] = []
    log_pass, agreed_cast, cast_block = checks._Verifier._log_pass, checks._Verifier._agreed_cast, native.cast_block

    def counted_pass(self: Any, proofs: Any) -> None:
        passes.append(self.agreeing)
        log_pass(self, proofs)

    def counted_cast(self: Any, line: bytes, index: int) -> bool:
        taken.append(agreed_cast(self, line, index))
        return taken[-1]

    def counted_block(*arguments: Any) -> Any:
        assert cast_block is not None
        block = cast_block(*arguments)
        taken.extend([True] * block[0])
        return block

    monkeypatch.setattr(checks._Verifier, "_log_pass", counted_pass)
    monkeypatch.setattr(checks._Verifier, "_agreed_cast", counted_cast)
    if cast_block is not None:
        monkeypatch.setattr(native, "cast_block", counted_block)
    report = verify_bundle(bundle, trust=trust, jobs=2)
    assert report.lines()[-1].startswith("PASS"), report.lines()
    assert passes == [True]
    casts = [line for line in members(bundle)[d.ENTRIES].split(b"\n") if b'"kind":"ballot.cast"' in line]
    assert taken.count(True) == len(casts) > 0


async def test_a_duplicate_paper_reception_of_an_online_group_gives_the_same_report(
    client, session, app, repo_root, trust, tmp_path
):
    # R-PAPER-2: a group that voted online hands in a paper ballot too, before the end: its reception is DUPLICATE
    # because of the earlier online ballot, which the paper check must see whatever the number of processes
    async def duplicate(procedure: Procedure) -> None:
        procedure.at(ENDS - timedelta(hours=1))
        committee = procedure.run.committee
        uploaded = await client.post(
            f"/api/v1/votes/{procedure.run.vote_id}/paper-scans",
            content=b"%PDF- group A's paper ballot",
            headers=committee | {"Content-Type": "image/png"},
        )
        assert uploaded.status_code == 201, uploaded.text
        received = await client.post(
            f"/api/v1/votes/{procedure.run.vote_id}/paper-receptions",
            json={"group_id": procedure.group_keys["A"], "form": "SHEET", "scan_sha256": uploaded.json()["sha256"]},
            headers=committee,
        )
        assert received.status_code == 201, received.text
        assert received.json()["status"] == "DUPLICATE"
        procedure.at(ENDS)

    procedure = await run_procedure_vote(client, session, app, repo_root, mixed=True, before_counting=duplicate)
    alone, forked, from_file = both(await procedure.bundle(), trust, tmp_path)
    assert alone[-1].startswith("PASS"), alone
    assert any("2 reception(s) (1 duplicate)" in line for line in alone), alone
    assert alone == forked == from_file


@pytest.mark.parametrize("second", ["canonical", "code point order"])
async def test_a_commitment_over_members_in_code_point_order_fails_as_the_reference(bundle, trust, tmp_path, second):
    # Two counted ballots answer a topic with one object whose member names order differently by code point (U+FF61
    # first) and by UTF-16 code unit (U+1F600 first, RFC 8785's order): their commitments are over the code point
    # order (orjson's), not H(canonical document) (docs/evidence-formats.md §4), the first line canonical, the
    # second canonical or in code point order, as the log key's holder writes and logs them. The reference
    # refuses the first ballot's commitment, with one process and with two.
    files = members(bundle)
    vote_id = json.loads(files[d.RESULT])["vote_id"]
    lines = files[d.BALLOTS].splitlines()
    counted = [at for at, line in enumerate(lines) if json.loads(line)["status"] == "COUNTED"]
    answer = {"\U0001f600": "AGREE", "\uff61": "AGREE"}
    old: dict[str, str] = {}
    for at, canonical in ((counted[0], True), (counted[1], second == "canonical")):
        ballot = json.loads(lines[at])
        assert ballot["channel"] == "ONLINE"
        assert ballot["scan_sha256"] is None
        ballot["answers"][next(iter(ballot["answers"]))] = answer
        preimage = {
            "answers": ballot["answers"], "basis": ballot["basis"], "cast_at": ballot["cast_at"],
            "channel": ballot["channel"], "domain": COMMITMENT_DOMAIN, "group": ballot["group_id"],
            "nonce": ballot["nonce"], "vote_id": vote_id,
        }  # fmt: skip
        digest = hashlib.sha256(orjson.dumps(preimage, option=orjson.OPT_SORT_KEYS)).hexdigest()
        assert digest != ballot_hash(vote_id, ballot)
        old[ballot["content_hash"]] = ballot["content_hash"] = digest
        lines[at] = canonical_bytes(ballot) if canonical else orjson.dumps(ballot, option=orjson.OPT_SORT_KEYS)
    first = json.loads(lines[counted[0]])
    files[d.BALLOTS] = b"".join(line + b"\n" for line in lines)
    commitments = [json.loads(line)["content_hash"] for line in lines if json.loads(line)["status"] == "COUNTED"]
    alone, forked, from_file = both(reissued(files, old, commitments), trust, tmp_path)
    assert alone[-1] == (
        f"FAIL  ballots: ballot {first['ballot_id']} (group {first['group_id']}): its content does not hash to the "
        "commitment in its signed ballot.cast entry (a choice, the group, the basis, the channel, the time or the "
        "nonce was changed)"
    ), alone
    assert alone == forked == from_file
