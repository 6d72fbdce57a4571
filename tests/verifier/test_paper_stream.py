"""``procedure.check_paper`` streams over records sorted by group (issue #16 item 8): it says what the reference
check over whole entries said (the check before the rewrite, kept below as the model) on random procedures, its cost
grows as n log n, not as entries x groups, and what it keeps per group is a few bytes (``tracemalloc``)."""

from __future__ import annotations

import random
import time
import tracemalloc
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.ledger import ballot as ballot_commitments
from app.ledger.events import EventKind
from app.rules.paper import PaperForm, ReceptionStatus
from app.verifier import procedure, spill
from app.verifier.procedure import (
    _HEX64,
    PAPER_METHODS,
    TIME_TOLERANCE,
    Cast,
    Frame,
    Logged,
    ProcedureFailure,
    _check_session,
    _created,
    _named,
    _of,
    instant,
    posting_required,
)
from tests.verifier.test_procedure_units import ENDS, PUBLISHED, Entry, closed, z

# --- the reference: the check before the rewrite, over whole entries and Casts -----------------------------------


def reference_check_paper(
    frame: Frame,
    published: Logged,
    entries: Sequence[Logged],
    closed: Logged,
    paper_casts: Sequence[Cast],
    online_casts: Mapping[str, Sequence[Cast]],
    groups_in_roll: Container[str],
) -> str:
    """R-PAPER-1..4; ``online_casts``: the online ballots of the groups with a paper reception."""
    receptions = _of(entries, EventKind.PAPER_RECEIVED)
    opened = _of(entries, EventKind.COUNTING_OPENED)
    confirmed = _of(entries, EventKind.COUNTING_CONFIRMED)
    signed_off = _of(entries, EventKind.COUNTING_SIGNED_OFF)
    voided = _of(entries, EventKind.BALLOT_VOIDED)
    method = published.payload.get("voting_method")
    if not receptions and not opened and not confirmed and not signed_off:
        if paper_casts and method in PAPER_METHODS:
            # A log written before R-PAPER: paper ballots typed in with a "received at" time (the earlier R-TALLY-9).
            return f"{len(paper_casts)} paper ballot(s) entered before receptions were logged (R-TALLY-9, old log)"
        if paper_casts:
            raise ProcedureFailure("paper", f"ballot {paper_casts[0].ballot_id} is on paper in a vote that is {method}")
        if method in PAPER_METHODS and posting_required(published):
            raise ProcedureFailure(
                "paper",
                f"the vote is {method}, but no counting session is logged (R-PAPER-3: a PAPER or MIXED vote is "
                "decided only after its public counting is signed off)",
            )
        return "no paper ballots"
    if voided:
        raise ProcedureFailure(
            "paper",
            f"{_named(voided[0])} voids a ballot in a vote with paper receptions (R-PAPER-2: a later ballot never "
            "voids an earlier one)",
        )
    received: dict[str, Logged] = {}  # group → its RECEIVED reception
    duplicates = 0
    seen: dict[str, list[datetime]] = {}
    for entry in receptions:
        payload = entry.payload
        group = str(ballot_commitments.logged_group(payload))
        at = instant(payload["received_at"])
        if abs(at - _created(entry)) > TIME_TOLERANCE:
            raise ProcedureFailure(
                "paper",
                f"{_named(entry)} claims received_at {payload['received_at']}, not its server time (R-PAPER-1)",
            )
        if not frame.starts_at <= at < frame.ends_at or entry.document["created_at"] >= closed.document["created_at"]:
            raise ProcedureFailure(
                "paper",
                f"{_named(entry)}: a paper ballot received at {payload['received_at']}, outside the window "
                f"{frame.starts_at.isoformat()} – {frame.ends_at.isoformat()} or after the close (R-PAPER-1)",
            )
        scan = str(payload["scan_sha256"])
        if not _HEX64.fullmatch(scan) or scan == "0" * 64:
            raise ProcedureFailure("paper", f"{_named(entry)}: scan hash {scan!r} is not the SHA-256 of a stored scan")
        if group not in groups_in_roll:
            raise ProcedureFailure("paper", f"{_named(entry)}: group {group} is not in the roll")
        if payload["form"] not in {form.value for form in PaperForm}:
            raise ProcedureFailure("paper", f"{_named(entry)}: form {payload['form']!r}")
        earlier = [cast for cast in online_casts.get(group, ()) if instant(cast.cast_at) < at] + seen.get(group, [])
        status = payload["status"]
        if status == ReceptionStatus.DUPLICATE:
            if not earlier:
                raise ProcedureFailure(
                    "paper",
                    f"{_named(entry)} is marked DUPLICATE, but the group has no earlier ballot or "
                    "reception (R-PAPER-2)",
                )
            duplicates += 1
        elif status == ReceptionStatus.RECEIVED:
            if earlier:
                raise ProcedureFailure(
                    "paper",
                    f"{_named(entry)} is marked RECEIVED, but group {group} already had a ballot or reception: it is a "
                    "duplicate and never counts (R-PAPER-2)",
                )
            received[group] = entry
        else:
            raise ProcedureFailure("paper", f"{_named(entry)}: status {status!r}")
        seen.setdefault(group, []).append(at)
    for group, reception in received.items():
        for cast in online_casts.get(group, ()):
            raise ProcedureFailure(
                "paper",
                f"online ballot {cast.ballot_id} of group {group} (cast at {cast.cast_at}) beside its RECEIVED paper "
                f"reception ({_named(reception)}): an online ballot after a paper reception is refused (R-PAPER-2)",
            )
    session = _check_session(opened, confirmed, signed_off, frame, closed)
    if session is None:
        if paper_casts:
            raise ProcedureFailure(
                "paper", f"paper ballot {paper_casts[0].ballot_id} was entered without a counting session (R-PAPER-3)"
            )
        if method in PAPER_METHODS:
            raise ProcedureFailure("paper", f"the vote is {method}, but no counting session is logged (R-PAPER-3)")
        return f"{len(receptions)} reception(s), no counting session"
    opening, first_confirmation, sign_off = session
    used: set[str] = set()
    for cast in paper_casts:
        matched = received.get(cast.group)
        if matched is None:
            raise ProcedureFailure(
                "paper",
                f"paper ballot {cast.ballot_id} (group {cast.group}) matches no RECEIVED reception (R-PAPER-2/3: a "
                "duplicate is never counted)",
            )
        reception = matched
        if cast.group in used:
            raise ProcedureFailure("paper", f"paper ballot {cast.ballot_id}: group {cast.group} was entered twice")
        used.add(cast.group)
        if instant(cast.cast_at) != instant(reception.payload["received_at"]) or cast.basis != "PAPER_ENTRY":
            raise ProcedureFailure(
                "paper",
                f"paper ballot {cast.ballot_id} says cast_at {cast.cast_at} and basis {cast.basis}, not its "
                f"reception's received_at {reception.payload['received_at']} and PAPER_ENTRY (R-PAPER-1)",
            )
        if (
            reception.payload["form"] == PaperForm.SHEET
            and cast.scan_sha256 is not None
            and cast.scan_sha256 != reception.payload["scan_sha256"]
        ):
            raise ProcedureFailure(
                "paper",
                f"paper ballot {cast.ballot_id}: its scan hash is not the scan its reception stored (R-PAPER-4)",
            )
        # log time only: entries of one instant have no promised leaf order
        if not opening.document["created_at"] <= cast.created_at < first_confirmation.document["created_at"]:
            raise ProcedureFailure(
                "paper",
                f"paper ballot {cast.ballot_id} was logged at {cast.created_at}, outside the counting session (after "
                f"{_named(opening)}, before the first confirmation {first_confirmation.document['created_at']}) "
                "(R-PAPER-3)",
            )
    uncounted = sorted(set(received) - used)
    if uncounted:
        raise ProcedureFailure(
            "paper",
            f"{_named(received[uncounted[0]])} and {len(uncounted) - 1} other RECEIVED reception(s) were never "
            "entered in the counting session: a paper ballot received before the close is counted (R-PAPER-3)",
        )
    payload = sign_off.payload
    if payload["paper_counted"] != len(paper_casts) or payload["duplicates"] != duplicates:
        raise ProcedureFailure(
            "paper",
            f"{_named(sign_off)} says {payload['paper_counted']} paper ballots counted and {payload['duplicates']} "
            f"duplicates; the log has {len(paper_casts)} and {duplicates}",
        )
    if payload["counted"] != closed.payload.get("counted", payload["counted"]):
        raise ProcedureFailure(
            "paper", f"{_named(sign_off)}: the counted set signed off is not the one vote.closed binds (R-PAPER-3)"
        )
    return (
        f"{len(receptions)} reception(s) ({duplicates} duplicate), {len(paper_casts)} paper ballot(s) counted in the "
        f"session of {opening.payload['opened_at']} before {len(confirmed)} witnesses, signed off "
        f"{payload['signed_off_at']}"
    )


# --- random procedures: the streamed check says what the reference says -----------------------------------------

START = instant("2025-03-16T16:00:00+00:00")
END = instant(ENDS)
SCAN, OTHER_SCAN = "a" * 64, "b" * 64
FORMS = [PaperForm.SHEET.value] * 12 + [PaperForm.SEALED_ENVELOPE.value] * 6 + ["BAG"]
STATUSES = ["RECEIVED"] * 12 + ["DUPLICATE"] * 8 + ["COUNTED"]


@dataclass
class Procedure:
    """A vote's paper procedure: the entries (receptions, counting session, voidings), the paper and online ballots,
    the roll and the close."""

    published: Entry
    entries: list[Entry]
    paper: list[Cast]
    online: list[Cast]
    roll: dict[str, int]
    closed: Entry

    def entry(self, leaf: int) -> Entry:
        return next(entry for entry in self.entries if entry.leaf_index == leaf)

    def cast(self, leaf: int) -> Cast:
        return next(cast for cast in [*self.paper, *self.online] if cast.leaf == leaf)


def _micros(text: str) -> int:
    return procedure.micros(instant(text))


def random_procedure(rng: random.Random) -> Procedure:
    roll = {f"g{n}": 100 for n in range(rng.randint(1, 5))}
    names = [*roll, "gx"]  # gx: not in the roll
    items: list[tuple[datetime, Any]] = []  # (log time, make(leaf, created text) -> Entry | Cast)
    received_at: dict[str, list[str]] = {}
    duplicates = 0
    for number in range(rng.choice([0, 1, 2, 3, 4, 6])):
        group = rng.choice(names if rng.random() < 0.1 else list(roll))
        created = START + timedelta(minutes=rng.randint(-60, 7 * 24 * 60 + 60))
        received = created + timedelta(seconds=rng.choice([0] * 20 + [1, 400, -400]))
        status = rng.choice(STATUSES)
        duplicates += status == "DUPLICATE"
        payload: dict[str, Any] = {
            "reception_id": f"r{number}", "group": group, "form": rng.choice(FORMS),
            "scan_sha256": rng.choice([SCAN] * 30 + ["0" * 64, "xyz"]), "received_at": received.isoformat(),
            "status": status, "earlier": "",
        }  # fmt: skip
        odd = rng.random()
        if odd < 0.02:
            del payload[rng.choice(["received_at", "scan_sha256", "form", "status"])]
        elif odd < 0.03:
            payload["received_at"] = received.replace(tzinfo=None).isoformat()  # no offset
        received_at.setdefault(group, []).append(str(payload.get("received_at", "")))
        items.append((created, lambda leaf, at, p=payload: Entry(EventKind.PAPER_RECEIVED, p, at, leaf)))
    for number in range(rng.randint(0, 4)):
        group, cast_at = rng.choice(names), START + timedelta(minutes=rng.randint(0, 7 * 24 * 60 - 1))
        text = cast_at.isoformat()
        items.append((
            cast_at,
            lambda leaf, at, g=group, c=text, n=number: Cast(
                f"online-{n}", g, "ONLINE", "OWNER", c, at, leaf, None
            ),
        ))  # fmt: skip
    session = rng.random() < 0.85
    counting = instant("2025-03-24T01:00:00+00:00")
    paper_count = rng.randint(0, 4)
    for number in range(paper_count):
        group = rng.choice([*received_at, *received_at, *names])
        cast_at = rng.choice([*received_at.get(group, []), START.isoformat()])
        if rng.random() < 0.03:
            cast_at = "2025-03-20T00:00:00"  # no offset
        basis = "PAPER_ENTRY" if rng.random() < 0.95 else "OWNER"
        scan = rng.choice([None, SCAN, SCAN, OTHER_SCAN])
        created = counting + timedelta(minutes=rng.choice([0, 1, 5, 30, 59, 60, 61, -5]))
        items.append((
            created,
            lambda leaf, at, g=group, c=cast_at, b=basis, s=scan, n=number: Cast(
                f"paper-{n}", g, "PAPER", b, c, at, leaf, s
            ),
        ))  # fmt: skip
    roles = [("w1", "OWNER"), ("w2", "RESIDENTS_COMMITTEE")]
    if session:
        opened = {"session_id": "s", "opened_at": counting.isoformat(), "witnesses": [
            {"witness": w, "role": r} for w, r in roles
        ]}  # fmt: skip
        items.append((counting, lambda leaf, at, p=opened: Entry(EventKind.COUNTING_OPENED, p, at, leaf)))
        for number, (witness, role) in enumerate(roles[: rng.choice([1, 2, 2, 2])]):
            confirmed = {"session_id": "s", "witness": witness, "role": role, "counted": {"count": 1, "root": "r"}}
            at = counting + timedelta(hours=1, seconds=number)
            items.append((at, lambda leaf, at, p=confirmed: Entry(EventKind.COUNTING_CONFIRMED, p, at, leaf)))
        signed = {
            "session_id": "s", "signed_off_at": "2025-03-24T02:00:05+00:00",
            "paper_counted": paper_count + (rng.random() < 0.05), "duplicates": duplicates + (rng.random() < 0.05),
            "counted": {"count": 1, "root": "r"},
        }  # fmt: skip
        at = counting + timedelta(hours=1, seconds=5)
        items.append((at, lambda leaf, at, p=signed: Entry(EventKind.COUNTING_SIGNED_OFF, p, at, leaf)))
    if rng.random() < 0.03:
        voided = {"ballot_id": "online-0", "reason": "REPLACED"}
        items.append(
            (START + timedelta(days=1), lambda leaf, at, p=voided: Entry(EventKind.BALLOT_VOIDED, p, at, leaf))
        )
    items.sort(key=lambda item: item[0])
    made = [make(100 + leaf, z(created.isoformat())) for leaf, (created, make) in enumerate(items)]
    method = rng.choice(["MIXED", "MIXED", "MIXED", "ONLINE"])
    published = Entry(PUBLISHED.kind, PUBLISHED.payload | {"voting_method": method}, PUBLISHED.created_at, 1)
    close_created = rng.choice(["2025-03-24T03:00:00+00:00"] * 9 + ["2025-03-23T17:00:00+00:00"])
    return Procedure(
        published,
        [item for item in made if isinstance(item, Entry)],
        [item for item in made if isinstance(item, Cast) and item.channel == "PAPER"],
        [item for item in made if isinstance(item, Cast) and item.channel != "PAPER"],
        roll,
        closed(created=close_created),
    )


def _outcome(check: Any) -> tuple[Any, ...]:
    try:
        return ("passed", check())
    except ProcedureFailure as failure:
        return ("failed", failure.check, failure.message)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:  # the step's malformed data
        return ("malformed", type(error).__name__, str(error))


def _reference(world: Procedure) -> tuple[Any, ...]:
    frame = procedure.frame_in_force(world.published, world.entries)
    online: dict[str, list[Cast]] = {}
    for cast in world.online:
        online.setdefault(cast.group, []).append(cast)
    return _outcome(
        lambda: reference_check_paper(
            frame, world.published, world.entries, world.closed, world.paper, online, world.roll
        )
    )


def _sorted(records: list[bytes], size: int, run_records: int) -> spill.RecordSort:
    sort = spill.RecordSort(size, run_records=run_records)
    for record in records:
        sort.add(record)
    return sort


def _streamed(world: Procedure, run_records: int = 2) -> tuple[Any, ...]:
    """As the verifier calls it: records made as the log streams by, sorted out of core (runs of two records)."""
    frame = procedure.frame_in_force(world.published, world.entries)
    receptions = [
        procedure.reception_record(entry.leaf_index, _micros(entry.created_at), entry.payload, world.roll)
        for entry in world.entries
        if entry.kind == EventKind.PAPER_RECEIVED
    ]
    paper = [procedure.paper_cast_record(cast, _micros(cast.created_at)) for cast in world.paper]
    online = [procedure.online_cast_record(cast.group, cast.leaf, _micros(cast.cast_at)) for cast in world.online]
    session = [entry for entry in world.entries if entry.kind != EventKind.PAPER_RECEIVED]
    with (
        _sorted(receptions, procedure.RECEPTION.size, run_records) as receptions_sort,
        _sorted(paper, procedure.PAPER_CAST.size, run_records) as paper_sort,
        _sorted(online, procedure.ONLINE_CAST.size, run_records) as online_sort,
    ):
        return _outcome(
            lambda: procedure.check_paper(
                frame, world.published, session, world.closed, receptions_sort, paper_sort, online_sort, world.roll,
                world,
            )
        )  # fmt: skip


#: what each verdict of the reference says (the random procedures must reach every one)
VERDICTS = (
    "claims received_at", "outside the window", "is not the SHA-256", "is not in the roll", ": form", "DUPLICATE, but",
    "marked RECEIVED, but", ": status", "online ballot", "matches no RECEIVED", "entered twice", "says cast_at",
    "is not the scan its reception", "outside the counting session", "never entered", "paper ballots counted and",
    "never confirmed", "voids a ballot", "no counting session is logged", "on paper in a vote", "reception(s) (",
    "entered without a counting session", "before receptions were logged", "no paper ballots", "after the vote was "
    "closed", "reception(s), no counting session", "malformed",
)  # fmt: skip


def test_the_streamed_check_says_what_the_reference_says_on_random_procedures():
    reached: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for seed in range(6000):
        world = random_procedure(random.Random(seed))
        expected = _reference(world)
        assert _streamed(world) == expected, seed
        said = expected[0] if expected[0] == "malformed" else expected[-1]
        for verdict in VERDICTS:
            reached[verdict] += verdict in said
    assert all(reached.values()), reached


# --- at size: every group votes online and on paper ---------------------------------------------------------------


class _NoEvidence:
    """A passing vote names no entry: reading one again would be a bug here."""

    def entry(self, leaf: int) -> Entry:
        raise AssertionError(f"entry {leaf} read again")

    def cast(self, leaf: int) -> Cast:
        raise AssertionError(f"ballot {leaf} read again")


def _group_id(number: int) -> str:
    """Group ids in ascending order whose first 8 bytes differ, as random ids' do (up to 2**20 groups)."""
    return f"{number << 108:032x}"


def _roll(groups: int) -> spill.GroupAreas:
    roll = spill.GroupAreas()
    for number in range(groups):
        roll.add(_group_id(number), 100)
    return roll


def _paper_vote(groups: int, roll: Container[str], run_records: int) -> str:
    """A MIXED vote in which every group votes online and on paper (R-PAPER-2): the even groups online first, their
    paper ballot a DUPLICATE reception; the odd ones on paper first (RECEIVED, entered at the counting session). The
    records are made one entry at a time, as the log streams by, and the check run over them."""
    counting = instant("2025-03-24T01:00:00+00:00")
    entered = procedure.micros(counting) + 30 * 60 * 1_000_000
    sorts = [
        spill.RecordSort(layout.size, run_records=run_records)
        for layout in (procedure.RECEPTION, procedure.PAPER_CAST, procedure.ONLINE_CAST)
    ]
    receptions, paper, online = sorts
    for number in range(groups):
        group, at = _group_id(number), START + timedelta(seconds=number % 500_000)
        status = "DUPLICATE" if number % 2 == 0 else "RECEIVED"
        payload = {
            "reception_id": f"r{number}", "group": group, "form": "SHEET", "scan_sha256": SCAN,
            "received_at": (at + timedelta(minutes=1)).isoformat(), "status": status, "earlier": "",
        }  # fmt: skip
        created = procedure.micros(at) + 60_000_000
        receptions.add(procedure.reception_record(3 * number, created, payload, roll))
        if status == "DUPLICATE":
            online.add(procedure.online_cast_record(group, 3 * number + 1, procedure.micros(at)))
        else:
            cast = Cast(f"b{number}", group, "PAPER", "PAPER_ENTRY", payload["received_at"], "", 3 * number + 2, SCAN)
            paper.add(procedure.paper_cast_record(cast, entered))
    roles = [("w1", "OWNER"), ("w2", "RESIDENTS_COMMITTEE")]
    session = [
        Entry(EventKind.COUNTING_OPENED, {"session_id": "s", "opened_at": counting.isoformat(), "witnesses": [
            {"witness": w, "role": r} for w, r in roles
        ]}, z(counting.isoformat()), 10**9),
        *(
            Entry(EventKind.COUNTING_CONFIRMED, {"session_id": "s", "witness": w, "role": r, "counted": {"count": 1,
                  "root": "r"}}, z("2025-03-24T02:00:00+00:00"), 10**9 + 1 + n)
            for n, (w, r) in enumerate(roles)
        ),
        Entry(EventKind.COUNTING_SIGNED_OFF, {"session_id": "s", "signed_off_at": "2025-03-24T02:00:05+00:00",
              "paper_counted": groups // 2, "duplicates": groups - groups // 2, "counted": {"count": 1, "root": "r"}},
              z("2025-03-24T02:00:05+00:00"), 10**9 + 3),
    ]  # fmt: skip
    frame = procedure.frame_in_force(PUBLISHED, [])
    close = closed(created="2025-03-24T03:00:00+00:00")
    try:
        return procedure.check_paper(frame, PUBLISHED, session, close, receptions, paper, online, roll, _NoEvidence())
    finally:
        for sort in sorts:
            sort.close()


def test_a_vote_where_every_group_votes_online_and_on_paper_passes_in_n_log_n():
    """The reference tested every log line against every reception's group (entries x groups: a 4x larger vote cost
    16x); the merged pass grows as n log n. Best of three CPU times, a ratio generous to a shared machine."""
    small, large = 3000, 12_000
    roll = _roll(large)
    summary = _paper_vote(large, roll, 1024)
    assert summary.startswith(f"{large} reception(s) ({large // 2} duplicate), {large // 2} paper ballot(s) counted")

    def cpu(groups: int) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            _paper_vote(groups, roll, 1024)
            best = min(best, time.process_time() - started)
        return best

    ratio = cpu(large) / cpu(small)
    assert ratio < 8, ratio  # linear: 4, n log n with these runs: ~4.5; entries x groups: 16


def _peak(build: Any) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        peak = tracemalloc.get_traced_memory()[1] - before
        del kept
        return peak
    finally:
        tracemalloc.stop()


def test_what_the_paper_check_holds_per_group_is_a_few_bytes(monkeypatch):
    """The records are on disk: the check's peak (records made, sorted, merged) grows by a few bytes a group, where
    the reference's inputs (each reception's document, a Cast per paper and online ballot) took hundreds."""
    monkeypatch.setattr(spill, "READ_BYTES", 4096)  # the merge's read buffers (a constant) kept small beside n
    small, large = 4000, 16_000
    roll = _roll(large)
    _paper_vote(small, roll, 256)  # what a first run builds once (the struct layouts, interned strings)
    grown = (_peak(lambda: _paper_vote(large, roll, 256)) - _peak(lambda: _paper_vote(small, roll, 256))) / (
        large - small
    )
    assert grown < 16, grown

    def reference_inputs(groups: int) -> Any:  # control: the same measure sees what the reference held
        entries, casts = [], []
        for number in range(groups):
            payload = {
                "reception_id": f"r{number}", "group": _group_id(number), "form": "SHEET", "scan_sha256": SCAN,
                "received_at": START.isoformat(), "status": "RECEIVED", "earlier": "",
            }  # fmt: skip
            entries.append(Entry(EventKind.PAPER_RECEIVED, payload, z(START.isoformat()), number))
            casts.append(Cast(f"b{number}", _group_id(number), "PAPER", "PAPER_ENTRY", START.isoformat(), "", 0, SCAN))
        return entries, casts

    control = (_peak(lambda: reference_inputs(large)) - _peak(lambda: reference_inputs(small))) / (large - small)
    assert control > 500, control
