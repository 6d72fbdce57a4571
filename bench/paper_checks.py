"""Benchmark: the verifier's paper checks (R-PAPER-1..4) on a generated log where every group votes online and on
paper (issue #16 item 8), the check's own inputs without a whole bundle.

For ``--groups N`` groups the log holds N ``paper.received`` entries and N ballots: the even groups cast online
first (their reception is a DUPLICATE), the odd ones on paper first (RECEIVED, their paper ballot entered at the
counting session), then the session's entries. The lines are generated as the log member would stream them (never
held), each parsed as the verifier's pass does, and:

* ``--old FILE``: what the verifier did before (``FILE``: that ``app/verifier/procedure.py``, e.g. from
  ``git show vbound:app/verifier/procedure.py``): every non-ballot entry kept whole, a ``Cast`` per paper ballot, a
  second pass over the lines keeping the online ballots of the groups with a reception (one substring test per such
  group per ``ballot.cast`` line), then its ``check_paper``;
* default: what it does now: each entry made a record (``procedure.reception_record`` …) sorted out of core
  (``spill.RecordSort``), then the merged ``check_paper``.

Prints the CPU seconds (``process_time``: the pass and the check), the process's peak RSS (``ru_maxrss``) and the
check's verdict; ``--baseline``: only the lines made and parsed, to subtract. Run each size and variant in a fresh
process:

    .venv/bin/python bench/paper_checks.py --groups 20000 [--old /tmp/old_procedure.py]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from app.ledger import ballot as ballot_commitments
from app.ledger.events import EventKind
from app.verifier import checks, procedure, spill

START = procedure.instant("2025-03-16T16:00:00+00:00")
ENDS = "2025-03-23T16:00:00+00:00"
COUNTING = procedure.instant("2025-03-24T01:00:00+00:00")
SCAN = "a" * 64


Entry = checks._Entry  # the verifier's own entry record


def _group_id(number: int) -> str:
    """Group ids in ascending order whose first 8 bytes differ, as random ids' do (up to 2**20 groups)."""
    return f"{number << 108:032x}"


def _z(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _document(kind: str, payload: dict[str, Any], created: Any) -> dict[str, Any]:
    return {"created_at": _z(created), "kind": kind, "payload": payload, "vote_id": "v"}


def lines(groups: int) -> Iterator[bytes]:
    """The log member's lines, in leaf order (leaf = position)."""
    for number in range(groups):
        group, at = _group_id(number), START + timedelta(seconds=number % 500_000)
        received = at + timedelta(minutes=1)
        ballot = {"ballot_id": f"b{number}", "group": group, "basis": "OWNER", "channel": "ONLINE",
                  "cast_at": at.isoformat(), "commitment": "c" * 64}  # fmt: skip
        status = "DUPLICATE" if number % 2 == 0 else "RECEIVED"
        reception = {"reception_id": f"r{number}", "group": group, "form": "SHEET", "scan_sha256": SCAN,
                     "received_at": received.isoformat(), "status": status, "earlier": ""}  # fmt: skip
        if status == "DUPLICATE":
            yield json.dumps(_document(EventKind.BALLOT_CAST, ballot, at), separators=(",", ":")).encode()
        yield json.dumps(_document(EventKind.PAPER_RECEIVED, reception, received), separators=(",", ":")).encode()
    entered = COUNTING + timedelta(minutes=30)
    for number in range(1, groups, 2):
        group = _group_id(number)
        received = START + timedelta(seconds=number % 500_000) + timedelta(minutes=1)
        paper = {"ballot_id": f"p{number}", "group": group, "basis": "PAPER_ENTRY", "channel": "PAPER",
                 "cast_at": received.isoformat(), "commitment": "c" * 64, "scan_sha256": SCAN}  # fmt: skip
        yield json.dumps(_document(EventKind.BALLOT_CAST, paper, entered), separators=(",", ":")).encode()
    roles = [("w1", "OWNER"), ("w2", "RESIDENTS_COMMITTEE")]
    witnesses = [{"witness": w, "role": r} for w, r in roles]
    session = [
        (EventKind.COUNTING_OPENED, {"session_id": "s", "opened_at": COUNTING.isoformat(), "witnesses": witnesses},
         COUNTING),
        *((EventKind.COUNTING_CONFIRMED, {"session_id": "s", "witness": w, "role": r, "counted": {"count": 1,
           "root": "r"}}, COUNTING + timedelta(hours=1, seconds=n)) for n, (w, r) in enumerate(roles)),
        (EventKind.COUNTING_SIGNED_OFF, {"session_id": "s", "signed_off_at": "2025-03-24T02:00:05+00:00",
         "paper_counted": groups // 2, "duplicates": groups - groups // 2, "counted": {"count": 1, "root": "r"}},
         COUNTING + timedelta(hours=1, seconds=5)),
    ]  # fmt: skip
    for kind, payload, created in session:
        yield json.dumps(_document(kind, payload, created), separators=(",", ":")).encode()


def _frame() -> tuple[Entry, procedure.Frame, Entry]:
    published = Entry(1, _document(EventKind.VOTE_PUBLISHED, {
        "notice_hash": "n1", "roll_hash": "r1", "register_version_id": "v1", "total_heads": 8, "total_area": 9,
        "starts_at": START.isoformat(), "ends_at": ENDS, "published_at": "2025-03-01T02:00:00+00:00",
        "voting_method": "MIXED", "notice_queued": ["WEBHOOK"],
    }, START - timedelta(days=15)))  # fmt: skip
    closed = Entry(10**9, _document(EventKind.VOTE_CLOSED, {"closed_at": ENDS}, COUNTING + timedelta(hours=2)))
    return published, procedure.frame_in_force(published, []), closed


def _roll(groups: int) -> spill.GroupAreas:
    roll = spill.GroupAreas()
    for number in range(groups):
        roll.add(_group_id(number), 100)
    return roll


def run_old(groups: int, path: str) -> str:
    spec = importlib.util.spec_from_file_location("old_procedure", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path} is not a Python module")
    old: Any = importlib.util.module_from_spec(spec)
    sys.modules["old_procedure"] = old  # (dataclasses look their module up)
    spec.loader.exec_module(old)
    published, frame, closed = _frame()
    roll = _roll(groups)
    entries, paper = [], []
    for leaf, line in enumerate(lines(groups)):
        document = json.loads(line)
        if document["kind"] == EventKind.BALLOT_CAST:
            if document["payload"].get("channel") == "PAPER":
                paper.append(old.Cast.of(leaf, document))
            continue
        entries.append(Entry(leaf, document))
    reception_groups = old.paper_groups(entries)
    needles = [group.encode("ascii") for group in reception_groups]
    online: dict[str, list[Any]] = {}
    for line in lines(groups):  # checks._online_casts_of before the rewrite
        if b'"kind":"ballot.cast"' not in line or not any(needle in line for needle in needles):
            continue
        cast = old.Cast.of(-1, json.loads(line))
        if cast.group in reception_groups and cast.channel != "PAPER":
            online.setdefault(cast.group, []).append(cast)
    return str(old.check_paper(frame, published, entries, closed, paper, online, roll))


def run_new(groups: int) -> str:
    published, frame, closed = _frame()
    roll = _roll(groups)
    receptions, paper, online = (
        spill.RecordSort(layout.size) for layout in (procedure.RECEPTION, procedure.PAPER_CAST, procedure.ONLINE_CAST)
    )
    entries = []
    for leaf, line in enumerate(lines(groups)):  # as checks._Verifier._entry
        document = json.loads(line)
        created = procedure.micros(procedure.instant(document["created_at"]))
        payload = document["payload"]
        if document["kind"] == EventKind.BALLOT_CAST:
            if payload.get("channel") == "PAPER":
                paper += procedure.paper_cast_record(procedure.Cast.of(leaf, document), created)
            else:
                cast_at = procedure.micros(procedure.instant(payload["cast_at"]))
                online += procedure.online_cast_record(str(ballot_commitments.logged_group(payload)), leaf, cast_at)
        elif document["kind"] == EventKind.PAPER_RECEIVED:
            receptions += procedure.reception_record(leaf, created, payload, roll)
        else:
            entries.append(Entry(leaf, document))
    try:
        return procedure.check_paper(frame, published, entries, closed, receptions, paper, online, roll, None)  # type: ignore[arg-type]
    finally:
        for sort in (receptions, paper, online):
            sort.close()


def run_baseline(groups: int) -> str:
    """Only the lines made and parsed (the pass's own cost, common to both variants)."""
    count = sum(1 for line in lines(groups) if json.loads(line))
    return f"{count} lines parsed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--old", help="the procedure module before the rewrite (a file)")
    parser.add_argument("--baseline", action="store_true", help="only make and parse the lines")
    arguments = parser.parse_args()
    started = time.process_time()
    if arguments.baseline:
        verdict = run_baseline(arguments.groups)
    else:
        verdict = run_old(arguments.groups, arguments.old) if arguments.old else run_new(arguments.groups)
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    variant = "baseline" if arguments.baseline else "old" if arguments.old else "new"
    sys.stdout.write(f"{variant} groups={arguments.groups} cpu={cpu:.2f}s peak_rss={peak:.0f}MB verdict: {verdict}\n")


if __name__ == "__main__":
    main()
