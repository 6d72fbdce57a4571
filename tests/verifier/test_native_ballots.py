"""The ballots' process's counted runs in C (app/verifier/_native_ballots.pyx) against their Python reference
(``_Verifier._counted_run``, ``_spread``, ``GroupAreas.claim_key``): after the same lines, the same state in the same
order (the sums and their keys' order, the participation, the answers' values, the extremes, the dates seen, the
known answers, the commitments, the agreement digest, the groups' marks, the ballots seen) and the same line left
over, run after run. On generated runs (answers past the tally's and the known answers' bounds, paper ballots, dates
at calendar edges, times in other forms, repeated and unknown groups, rolls of every form, void and scanned ballots
between), on every single-byte edit of the server's lines with and without a forger's re-hash, and the whole
verifier's report with and without the module. Seeded: a failure is reproducible."""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import random
import types
import uuid
from typing import Any

import pytest

from app.verifier import checks, spill
from app.verifier import documents as d
from app.verifier.checks import _Verifier
from tests.verifier.helpers import (
    ballots_state,
    members,
    reports_with_and_without_native_ballots,
    similar_group_areas,
    tamper,
)
from tests.verifier.native import native_module
from tests.verifier.test_ballot_fast_path import _forged, _forged_bytes, _line, _prepared, _rehashed

native_ballots = native_module("_native_ballots")


def _brief(verifier: _Verifier) -> Any:
    """What a run changes, its dicts by their sizes and last items (``_state`` in a constant time)."""
    last = [next(reversed(items.items()), None) for items in (*verifier.sums, verifier.answer_keys)]
    return (
        [len(sums) for sums in verifier.sums], len(verifier.answer_values), len(verifier.answer_keys), last,
        list(verifier.participating), list(verifier.cast_extremes), verifier.ballots_seen, verifier.agreement.digest(),
        len(verifier.commitments), bytes(verifier.group_area._counted), len(verifier.cast_dates), verifier.disagreed,
        verifier.deferred,
    )  # fmt: skip


class _Ways:
    """Two verifiers given the same lines, one run by ``_counted_run`` (the reference), one in C."""

    def __init__(self, bundle: bytes, trust: Any, roll: list[tuple[str, int]] | None = None) -> None:
        self.reference, self.native = _prepared(bundle, trust), _prepared(bundle, trust)
        if roll is not None:
            for verifier in self.both:
                verifier.group_area = spill.GroupAreas()
                for group, area in roll:
                    verifier.group_area.add(group, area)

    @property
    def both(self) -> tuple[_Verifier, _Verifier]:
        return self.reference, self.native

    def runs(
        self, lines: list[bytes], *, alone: bool = False, state: Any = ballots_state
    ) -> list[tuple[int, bytes | None]]:
        """Runs over ``lines`` until their end, each way: a line left is checked by ``_ballot_alone`` (``alone``)
        or skipped, and the next run starts after it. The runs' answers (taken, line left) compared, and the state
        after each run (``state``)."""
        reference, made = self.reference, []
        stream = iter(lines)
        counted = native_ballots.CountedLines(
            self.native, checks._instant, checks._dumps_sorted, checks._COMMITMENT_DOMAIN, self.native.topic_ids
        )
        pulled = checks._Pulled(iter(lines))
        while True:
            expected = reference._counted_run(stream)
            got = self.native._native_counted_run(pulled, counted)
            assert got == expected, (expected, lines)
            made.append(expected)
            if alone and expected[1] is not None:
                for verifier in self.both:
                    verifier._ballot_alone(expected[1])
            assert state(self.native) == state(reference), lines
            if expected[1] is None:
                break
            for verifier in self.both:  # go on past what the reference would name
                verifier.disagreed, verifier.deferred = False, {}
        return made

    def check_commitments(self) -> None:
        """The commitments sorted (the runs compared their number only)."""
        assert list(self.native.commitments) == list(self.reference.commitments)

    def clear_counts(self) -> None:
        for verifier in self.both:
            verifier.group_area.clear_counts()


def _counted(bundle: bytes) -> list[bytes]:
    return [line for line in members(bundle)[d.BALLOTS].splitlines() if json.loads(line)["status"] == "COUNTED"]


#: Answers a topic may be given: text (plain, escaped, not ASCII), arrays, objects, numbers (some the reference
#: refuses: floats, integers beyond 2^53 - 1), null.
ANSWERS: list[Any] = [
    "AGREE", "OPPOSE", "ABSTAIN", "A", "B", 'A"B', "A\\B", "同意", "😀", "\u2028", ["X"], ["X", "Y"], ["Y", "X"],
    [], {}, {"c1": "AGREE"}, {"c1": "AGREE", "c2": ["X", {"z": 1}]}, {"b": 1, "a": 2}, 0, 7, -3, 1 << 53, 1.5,
    None, True, False, [None, [[]]], {"audit_entry_id": "x", "ballot_id": "y"},
]  # fmt: skip
#: cast_at values: the server's form at calendar edges (leap days, days no month has, year 0 and 9999, times at
#: 23:59:59.999999), in other forms (offsets, Z, no microseconds), hours and seconds out of range.
CAST_AT: list[str] = [
    "2025-03-17T00:00:00.000000+00:00", "2025-03-17T23:59:59.999999+00:00", "2025-03-18T08:30:00.123456+00:00",
    "2024-02-29T12:00:00.000000+00:00", "2000-02-29T00:00:00.000000+00:00", "2023-02-29T00:00:00.000000+00:00",
    "2100-02-29T00:00:00.000000+00:00", "2025-04-31T00:00:00.000000+00:00", "2025-12-31T23:59:59.999999+00:00",
    "2026-01-01T00:00:00.000000+00:00", "0001-01-01T00:00:00.000000+00:00", "0000-01-01T00:00:00.000000+00:00",
    "9999-12-31T23:59:59.999999+00:00", "2025-13-01T00:00:00.000000+00:00", "2025-00-10T00:00:00.000000+00:00",
    "2025-01-00T00:00:00.000000+00:00", "2025-01-32T00:00:00.000000+00:00", "2025-03-17T24:00:00.000000+00:00",
    "2025-03-17T23:60:00.000000+00:00", "2025-03-17T23:59:60.000000+00:00", "2025-03-17T01:00:00.000000+01:00",
    "2025-03-16T23:00:00.000000-01:00", "2025-03-17T00:00:00Z", "2025-03-17T00:00:00+00:00",
    "2025-03-17T00:00:00.000000", "2025-03-17 00:00:00.000000+00:00", "2025-03-17T00:00:00.000000+00:00 ",
    "٢٠٢٥-03-17T00:00:00.000000+00:00",
]  # fmt: skip
CHANNELS = ["ONLINE", "ONLINE", "PAPER", "PAPER ", "paper", "KIOSK"]


def _roll(rng: random.Random, form: str) -> list[tuple[str, int]]:
    """A roll of 1 to 300 groups: 32 hex digits or UUIDs (the compact form; some sharing their first 8 bytes), or
    one the compact form does not fit (unsorted, an area beyond 64 bits: kept by id); areas up to 2^62 (their sums
    pass 64 bits)."""
    size = rng.randint(1, 300)
    if form == "uuid":
        ids = {str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(size)}
    else:
        prefixes = [f"{rng.getrandbits(32):08x}" for _ in range(max(1, size // 8))]
        ids = {rng.choice(prefixes) + f"{rng.getrandbits(96):024x}" for _ in range(size)}
    roll = [(group, rng.choice([0, 1, rng.randint(1, 10**6), rng.randint(1, 1 << 62)])) for group in sorted(ids)]
    if form == "by id":
        roll.append(("0" * 31 + "1", 1 << 64) if rng.random() < 0.5 else ("0" * 32, 5))  # beyond 64 bits, unsorted
        rng.shuffle(roll)
    return roll


def _ballot(rng: random.Random, template: dict[str, Any], roll: list[tuple[str, int]], vote_id: str) -> bytes:
    ballot = copy.deepcopy(template)
    topics = sorted(ballot["answers"])
    if rng.random() < 0.8:
        ballot["answers"] = {topic: copy.deepcopy(rng.choice(ANSWERS[:20])) for topic in topics}
    else:
        ballot["answers"] = {topic: copy.deepcopy(rng.choice(ANSWERS)) for topic in topics}
    ballot["ballot_id"] = str(uuid.UUID(int=rng.getrandbits(128)))
    ballot["audit_entry_id"] = str(uuid.UUID(int=rng.getrandbits(128)))
    ballot["nonce"] = f"{rng.getrandbits(128):032x}"
    ballot["group_id"] = rng.choice(roll)[0] if rng.random() < 0.95 else "f" * 32
    ballot["cast_at"] = rng.choice(CAST_AT[:4]) if rng.random() < 0.6 else rng.choice(CAST_AT)
    ballot["channel"] = rng.choice(CHANNELS)
    ballot["basis"] = rng.choice(["OWNER", "OWNER", "PROXY", "AGENT \\"])
    if rng.random() < 0.03:
        ballot.update(status="VOID", void_reason="SUPERSEDED")
    if rng.random() < 0.03:
        ballot["scan_sha256"] = "ab" * 32
    try:
        _rehashed(ballot, vote_id)
    except (ValueError, TypeError):  # a value the commitment refuses: as a forger would hash it, if it can
        with contextlib.suppress(ValueError, TypeError):
            _forged(ballot, vote_id)
    if rng.random() < 0.02:
        ballot["content_hash"] = ballot["content_hash"].upper()
    return _line(ballot)


@pytest.mark.parametrize("form", ["hex", "uuid", "by id"])
@pytest.mark.parametrize("seed", range(3))
async def test_generated_runs_leave_the_reference_s_state(bundle, trust, monkeypatch, seed, form):
    rng = random.Random(f"{seed}-{form}")
    template = json.loads(_counted(bundle)[0])
    taken = 0
    for _ in range(6):
        monkeypatch.setattr(checks, "_RUN_BLOCK", rng.choice([1, 2, 3, 7, 4096]))
        monkeypatch.setattr(checks, "_RUN_TALLY", rng.choice([0, 1, 5, 4096]))
        monkeypatch.setattr(checks, "_KNOWN_ANSWERS", rng.choice([0, 3, 12, 4096]))
        monkeypatch.setattr(checks, "_PULLED_LINES", rng.choice([1, 2, 5, 2048]))
        roll = _roll(rng, form)
        ways = _Ways(bundle, trust, roll)
        for _ in range(8):
            lines = [_ballot(rng, template, roll, ways.reference.vote_id) for _ in range(rng.randint(1, 60))]
            if rng.random() < 0.3:  # a line again: its group counted already
                lines.insert(rng.randint(0, len(lines)), rng.choice(lines))
            taken += sum(count for count, _ in ways.runs(lines, alone=rng.random() < 0.5))
            if rng.random() < 0.3:
                ways.clear_counts()
        ways.check_commitments()
    assert taken > 100


async def test_many_answers_past_the_tally_s_and_the_known_answers_bounds(bundle, trust, monkeypatch):
    """Thousands of distinct answers over many runs' blocks: the tally spread many times, the known answers full."""
    rng = random.Random(7)
    monkeypatch.setattr(checks, "_RUN_BLOCK", 64)
    monkeypatch.setattr(checks, "_RUN_TALLY", 100)
    monkeypatch.setattr(checks, "_KNOWN_ANSWERS", 500)
    roll = [(f"{number:032x}", rng.randint(1, 1 << 62)) for number in range(5000)]
    ways = _Ways(bundle, trust, roll)
    template = json.loads(_counted(bundle)[0])
    lines = []
    for group, _ in roll:
        ballot = copy.deepcopy(template)
        ballot["answers"] = {
            topic: rng.choice([f"A{rng.randint(0, 300)}", [rng.randint(0, 300)], {"c": rng.randint(0, 300)}])
            for topic in sorted(ballot["answers"])
        }
        ballot["group_id"], ballot["channel"] = group, rng.choice(["ONLINE", "PAPER"])
        ballot["cast_at"] = (
            f"2025-03-{rng.randint(10, 28)}T{rng.randint(0, 23):02}:00:00.{rng.randint(0, 999999):06}+00:00"
        )
        lines.append(_line(_rehashed(ballot, ways.reference.vote_id)))
    made = ways.runs(lines)
    ways.check_commitments()
    assert made == [(5000, None)]
    assert len(ways.native.answer_keys) == 500


#: Bytes put in place of each byte of a line (nothing: the byte deleted), and inserted before it.
EDIT_BYTES = [b"", b'"', b"\\", b"}", b"{", b",", b":", b" ", b"\x00", b"\n", b"\xff", b"0", b"9", b"a", b"f", b"g",
              b"A", b"P", b"+", b"-", b"T", b"."]  # fmt: skip
INSERTED_BYTES = [b'"', b"\\", b"}", b",", b"0", b"a"]


@pytest.mark.parametrize("rehash", [False, True])
async def test_every_single_byte_edit_of_the_server_s_lines(bundle, trust, rehash):
    """Each byte of two counted lines replaced (by each of ``EDIT_BYTES``, deleted, or a byte inserted before it),
    the content hash forged over the edited bytes or not: then the other line, whose run goes on."""
    ways = _Ways(bundle, trust)
    first, second = _counted(bundle)[:2]
    vote_id = ways.reference.vote_id
    taken = 0
    for line, other in ((first, second), (second, first)):
        edits = [(byte, 1) for byte in EDIT_BYTES] + [(byte, 0) for byte in INSERTED_BYTES]
        for at, (replacement, replaced) in itertools.product(range(len(line)), edits):
            edited = line[:at] + replacement + line[at + replaced :]
            if edited == line:
                continue
            if rehash:
                with contextlib.suppress(KeyError):  # a member the forger's expression no longer finds
                    edited = _forged_bytes(edited, vote_id)
            ways.clear_counts()
            taken += sum(count for count, _ in ways.runs([edited, other], state=_brief))
        assert ballots_state(ways.native) == ballots_state(ways.reference)
    ways.check_commitments()
    assert taken > 0


async def test_runs_of_the_server_s_lines_and_the_lines_left(bundle, trust, monkeypatch):
    """The exported ballots, then again (their groups counted: each line left), in blocks of every size."""
    lines = members(bundle)[d.BALLOTS].splitlines()
    for pulled in (1, 2, 3, 2048):
        monkeypatch.setattr(checks, "_PULLED_LINES", pulled)
        ways = _Ways(bundle, trust)
        made = ways.runs(lines + lines, alone=True)
        ways.check_commitments()
        assert made[0][0] == len(_counted(bundle))


@pytest.mark.parametrize("seed", range(3))
def test_the_native_claim_is_claim_key(seed):
    """The runs' group look-up in C against ``GroupAreas.claim_key``: ids sharing their first 8 bytes, narrower than
    8, of two widths (the map by id), absent, claimed twice."""
    rng = random.Random(seed)
    for _ in range(1000):
        ids, fast, reference, probes = similar_group_areas(rng, 40)
        for _ in range(40):
            probe = rng.choice(probes).encode()
            assert native_ballots.claim_key(fast, probe) == reference.claim_key(probe), (ids, probe)
            assert bytes(fast._counted) == bytes(reference._counted)


def _spread_reference(tally: dict[bytes, list[Any]], sums: Any, participating: Any, values: Any) -> None:
    _Verifier._spread(types.SimpleNamespace(sums=sums, participating=participating, answer_values=values), tally)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(3))
def test_the_native_spread_is_the_reference_s(seed):
    """Tallies of shared and fresh (key, value) objects, text and JSON keys, paper or not, counts and areas up to
    and beyond 64 bits (their sums overflow a C integer), onto sums that already hold some of their keys."""
    rng = random.Random(seed)
    known = [(f"T{at}", f"T{at}") for at in range(5)] + [(("json", b"[%d]" % at), [at]) for at in range(5)]
    big = [0, 1, 2, (1 << 62) + 1, (1 << 63) - 1, 1 << 63, 1 << 70]

    def pair() -> tuple[Any, Any]:
        chosen = rng.choice(known)
        return chosen if rng.random() < 0.7 else (copy.copy(chosen[0]), copy.copy(chosen[1]))

    for _ in range(300):
        topics = rng.randint(1, 4)
        tally = {
            b"%d" % at: [rng.choice(big), rng.choice(big), tuple(pair() for _ in range(topics)), rng.random() < 0.3]
            for at in range(rng.randint(0, 60))
        }
        start = [{(rng.choice(known)[0], rng.random() < 0.5): [1, 2] for _ in range(rng.randint(0, 3))}]
        sums = [copy.deepcopy(start[0]) for _ in range(topics)]
        ours = (copy.deepcopy(sums), [rng.choice(big), 0], {("json", b"[0]"): [0]})
        theirs = copy.deepcopy(ours)
        native_ballots.spread(list(tally.values()), *ours)
        _spread_reference(tally, *theirs)
        assert [list(summed.items()) for summed in ours[0]] == [list(summed.items()) for summed in theirs[0]]
        assert ours[1:] == theirs[1:]
        assert list(ours[2].items()) == list(theirs[2].items())


def _changed_answer(ballots: list[Any]) -> None:
    ballot = next(ballot for ballot in ballots if ballot["status"] == "COUNTED")
    topic = sorted(ballot["answers"])[0]
    ballot["answers"][topic] = "AGREE" if ballot["answers"][topic] == "OPPOSE" else "OPPOSE"  # (changed either way)


def _paper(ballots: list[Any]) -> None:
    ballots[0]["channel"] = "PAPER"


def _times_in_other_forms(ballots: list[Any]) -> None:
    for at, ballot in enumerate(ballots):
        ballot["cast_at"] = CAST_AT[20 + at % 4]


def _group_repeated(ballots: list[Any]) -> None:
    ballots[-1]["group_id"] = ballots[0]["group_id"]


def _reversed(ballots: list[Any]) -> list[Any]:
    return ballots[::-1]


@pytest.mark.parametrize("change", [None, _changed_answer, _paper, _times_in_other_forms, _group_repeated, _reversed])
async def test_the_whole_verifier_s_report_is_the_same_with_and_without_the_module(bundle, trust, monkeypatch, change):

    changed = bundle if change is None else tamper(bundle, d.BALLOTS, change)
    report = reports_with_and_without_native_ballots(changed, trust, monkeypatch, native_ballots.CountedLines)
    assert (report[-1].startswith("PASS")) == (change is None), report
