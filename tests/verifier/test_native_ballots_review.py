"""A hostile review of the counted runs in C (app/verifier/_native_ballots.pyx, ``CountedLines``) against their
Python reference (``_Verifier._counted_run``): the case it got wrong, and a seeded fuzzer of mutated, truncated and
forged lines, run after run on the same verifiers, compared state for state.

The verifiers here are made without a bundle (``_bare``): only what a run reads and changes. The module is also a
driver for a valgrind run: ``PYTHONMALLOC=malloc valgrind python -m tests.verifier.test_native_ballots_review N``."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.verifier import checks, spill
from app.verifier.checks import _Verifier
from tests.verifier.helpers import ballots_state, reports_with_and_without_native_ballots
from tests.verifier.native import native_module

native_ballots = native_module("_native_ballots")

_VOTE = "11111111-2222-3333-4444-555555555555"
_TOPICS = ["t1", "t2"]
_ROLL = [(f"{number:032x}", 1) for number in range(10)]


def _bare(roll: list[tuple[str, int]]) -> _Verifier:
    """A verifier as the ballots' process holds it for a run (two topics, the roll given), without a bundle."""
    verifier = _Verifier.__new__(_Verifier)
    verifier.vote_id, verifier.vote_bytes = _VOTE, _VOTE.encode()
    verifier.topic_ids, verifier.topic_set, verifier.ascii_topics = list(_TOPICS), frozenset(_TOPICS), True
    verifier.sums, verifier.participating, verifier.answer_values = [{} for _ in _TOPICS], [0, 0], {}
    verifier.cast_extremes, verifier.cast_dates, verifier.answer_keys = [], set(), {}
    verifier.agreement, verifier.ballots_seen = hashlib.sha256(), 0
    verifier.commitments = spill.RecordSort(32)
    verifier.group_area = spill.GroupAreas()
    for group, area in roll:
        verifier.group_area.add(group, area)
    return verifier


def _line(
    head: bytes, group: str, *, basis: str = "OWNER", channel: str = "ONLINE",
    cast_at: str = "2025-03-17T10:00:00.000000+00:00", ballot: str = "b" * 36, entry: str = "e" * 36,
    nonce: str = "0" * 32,
) -> bytes:  # fmt: skip
    """A counted line of these answers' bytes (``{"answers":`` and them) whose content hash is its commitment's."""
    fields = b',"basis":"%b","cast_at":"%b","channel":"%b"' % (basis.encode(), cast_at.encode(), channel.encode())
    preimage = (
        head + fields + checks._COMMITMENT_DOMAIN + group.encode() + checks._COMMITMENT_NONCE + nonce.encode()
        + b'","vote_id":"' + _VOTE.encode() + b'"}'
    )  # fmt: skip
    return (
        head + b',"audit_entry_id":"' + entry.encode() + b'","ballot_id":"' + ballot.encode() + b'"' + fields
        + b',"content_hash":"' + hashlib.sha256(preimage).hexdigest().encode() + b'","group_id":"' + group.encode()
        + b'","nonce":"' + nonce.encode() + b'","scan_sha256":null,"status":"COUNTED","void_reason":null}'
    )  # fmt: skip


class _Pair:
    """The same roll, two verifiers: one run by ``_counted_run``, one by ``_native_counted_run`` (one
    ``CountedLines`` for all its runs, as ``_ballot_lines`` makes)."""

    def __init__(self, roll: list[tuple[str, int]]) -> None:
        self.reference, self.native = _bare(roll), _bare(roll)
        self.counted = native_ballots.CountedLines(
            self.native, checks._instant, checks._dumps_sorted, checks._COMMITMENT_DOMAIN, self.native.topic_ids
        )

    def runs(self, lines: list[bytes]) -> int:
        """Runs over ``lines`` to their end, each line left skipped; the answers and the state compared after each
        run. The lines taken."""
        stream, pulled, taken = iter(lines), checks._Pulled(iter(lines)), 0
        while True:
            expected = self.reference._counted_run(stream)
            assert self.native._native_counted_run(pulled, self.counted) == expected, lines
            assert ballots_state(self.native) == ballots_state(self.reference), lines
            taken += expected[0]
            if expected[1] is None:
                return taken

    def clear_counts(self) -> None:
        self.reference.group_area.clear_counts()
        self.native.group_area.clear_counts()


#: The agreement's literals around a line's seven fields (``_AGREEMENT_LINE``): 33 bytes.
_AGREEMENT_LITERALS = len(checks._AGREEMENT_LINE) - 7 * len(b"%b")


def _filling(room: int, group: str, **fields: str) -> bytes:
    """A line whose side of the agreement is ``room`` bytes (its basis made as long as that takes)."""
    line = _line(b'{"answers":{"t1":"A","t2":"B"}', group, basis="", **fields)
    found = checks._COUNTED_TAIL.fullmatch(line, line.rfind(checks._COUNTED_TAIL_AT))
    assert found is not None
    entry, ballot, _, _, cast_at, _, channel, digest, group_bytes, _ = found.groups()
    size = sum(map(len, (entry, ballot, cast_at, channel, digest, group_bytes))) + _AGREEMENT_LITERALS
    return _line(b'{"answers":{"t1":"A","t2":"B"}', group, basis="B" * (room - size), **fields)


def test_an_agreement_side_that_ends_at_the_buffer_s_end() -> None:
    """Found in review: ``take`` made room for a line's side of the agreement with 32 bytes for its literals, which
    are 33 (2 + 13 + 5 * 3 + 3): a line whose side, less its last byte, ended exactly at the buffer's end wrote its
    newline one byte past the heap block (valgrind: "Invalid write of size 1 ... 0 bytes after a block of size
    65,536"), then hashed it. A forger chooses the lengths (a basis of any plain text). Sides one byte past the first
    block's end (one line of 65,537 bytes, or two), and past the grown buffer's end; the state is the reference's
    (the overflow itself shows under valgrind: ``test_the_fuzzer_under_valgrind``)."""
    assert _AGREEMENT_LITERALS == 33
    groups = iter(group for group, _ in _ROLL)
    pair = _Pair(_ROLL)
    assert pair.runs([_filling((1 << 16) + 1, next(groups))]) == 1
    assert pair.runs([_filling(1 << 15, next(groups)), _filling((1 << 15) + 1, next(groups))]) == 2
    assert pair.runs([_filling(1 << 16, next(groups), ballot="c" * 36), _filling((1 << 16) + 1, next(groups))]) == 2
    assert pair.runs([_filling((1 << 17) + 1, next(groups))]) == 1


def test_one_line_runs_after_a_run_of_many_answers() -> None:
    """Found in review (cost, not state): the run's tally table, grown by a run of thousands of distinct answers, was
    zeroed whole twice a run from then on (``start``, and the run's end), however few lines the run held: a bundle
    alternating counted lines with other lines paid for it at each line (about 16 µs a run of one line for a table of
    16,384 slots, near twice the reference's cost). The table is now made small again when it holds few keys, and
    left alone when empty; the runs after it give the reference's state."""
    roll = [(f"{number:032x}", 1) for number in range(12_000)]
    groups = iter(group for group, _ in roll)
    pair = _Pair(roll)
    many = [_line(b'{"answers":{"t1":"A%d","t2":"B"}' % at, next(groups)) for at in range(9000)]
    alternating = [line for _ in range(500) for line in (_line(b'{"answers":{"t1":"A","t2":"B"}', next(groups)), b"x")]
    assert pair.runs(many + alternating + many[:10]) == 9500


#: Answers: text (plain, escaped, not ASCII, looking like JSON), arrays, objects, numbers (a float and 2^53 the
#: reference refuses), null, booleans.
_ANSWERS: list[Any] = [
    "AGREE", "OPPOSE", "A", 'A"B', "A\\B", "同意", "\u2028", ["X"], ["X", "Y"], [], {}, {"c1": "AGREE"},
    {"b": 1, "a": 2}, 0, 7, -3, 1 << 53, 1.5, None, True, False, [None, [[]]], "[1]", [1], "7", "null",
]  # fmt: skip
_CAST_AT = [
    "2025-03-17T10:00:00.000000+00:00", "2025-03-17T23:59:59.999999+00:00", "2024-02-29T12:00:00.000000+00:00",
    "2023-02-29T00:00:00.000000+00:00", "2025-03-17T24:00:00.000000+00:00", "2025-03-17T01:00:00.000000+01:00",
    "2025-03-17T00:00:00Z", "2025-03-17T00:00:00+00:00", "2025-03-18T00:00:00.000000+00:00",
    "0000-01-01T00:00:00.000000+00:00", "2025-03-17T00:00:00.000000",
]  # fmt: skip


def _value(value: Any) -> bytes:
    try:
        return checks._dumps_sorted(value)
    except (TypeError, ValueError):
        return json.dumps(value).encode()


def _head(rng: random.Random) -> bytes:
    """Answers' bytes: canonical ones, or known answers' bytes in other layouts (topics swapped, repeated, one
    more, spaces, two values in one, nested, an escaped name) that the C look-up of known answers must refuse."""
    answers = {topic: rng.choice(_ANSWERS) for topic in _TOPICS}
    if rng.random() < 0.6:
        return b'{"answers":{' + b",".join(b'"%b":%b' % (t.encode(), _value(answers[t])) for t in _TOPICS) + b"}"
    one, two = (_value(rng.choice(_ANSWERS)) for _ in _TOPICS)
    return rng.choice([
        b'{"answers":{"t1":%b,"t2":%b}' % (one, two), b'{"answers":{"t2":%b,"t1":%b}' % (one, two),
        b'{"answers":{"t1":%b,"t1":%b}' % (one, two), b'{"answers":{"t1":%b,"t2":%b,"t3":1}' % (one, two),
        b'{"answers":{"t1": %b,"t2":%b}' % (one, two), b'{"answers":{"t1":%b,"t2":%b }' % (one, two),
        b'{"answers":{"t1":%b%b,"t2":%b}' % (one, two, two), b'{"answers":{"t1":%b,"t2":%b}}' % (one, two),
        b'{"answers":{"t1":%b,"t2":{"t1":%b}}' % (one, two), b'{"answers":{"t\\u0031":%b,"t2":%b}' % (one, two),
    ])  # fmt: skip


def _mutated_line(rng: random.Random, roll: list[tuple[str, int]]) -> bytes:
    """A line of random answers, group (in the roll or not), basis (some long), channel and cast_at, its content
    hash its own; then truncated, cut at its start, or one byte replaced or inserted, or left whole."""
    line = _line(
        _head(rng), rng.choice(roll)[0] if rng.random() < 0.9 else "f" * 32,
        basis=rng.choice(["OWNER", "PROXY", "B" * rng.randint(0, 70_000) if rng.random() < 0.1 else "X"]),
        channel=rng.choice(["ONLINE", "PAPER", "PAPER "]), cast_at=rng.choice(_CAST_AT),
        ballot=f"{rng.getrandbits(140):036x}", entry=f"{rng.getrandbits(140):036x}",
        nonce=f"{rng.getrandbits(128):032x}",
    )  # fmt: skip
    chance = rng.random()
    if chance < 0.15:
        return line[: rng.randint(0, len(line))]
    if chance < 0.3:
        at = rng.randint(0, len(line) - 1)
        return line[:at] + bytes([rng.choice(b'"\\},{:0af \x00\xff')]) + line[at + rng.randint(0, 1) :]
    if chance < 0.35:
        return line[rng.randint(0, len(line)) :]
    return line


def _fuzz(cases: int, seed: int, setattr: Callable[[Any, str, Any], None]) -> int:
    """``cases`` batches of 1 to 30 lines (some repeated) on verifiers kept for 50 batches (a roll of 32-digit ids,
    some sharing their first 8 bytes, or one kept by id with an area beyond 64 bits; the runs' bounds small or not);
    the lines taken."""
    rng, taken = random.Random(seed), 0
    pair, roll = _Pair(_ROLL), _ROLL
    for case in range(cases):
        if case % 50 == 0:
            roll = sorted({
                (f"{rng.getrandbits(128):032x}" if rng.random() < 0.9 else f"{rng.getrandbits(32):08x}" + "0" * 24,
                 rng.choice([0, 1, 1 << 62])) for _ in range(rng.randint(1, 40))
            })  # fmt: skip
            if rng.random() < 0.3:
                roll.append(("0" * 31 + "1", 1 << 64))
            pair = _Pair(roll)
            setattr(checks, "_RUN_BLOCK", rng.choice([1, 2, 3, 7, 4096]))
            setattr(checks, "_RUN_TALLY", rng.choice([0, 1, 5, 4096]))
            setattr(checks, "_KNOWN_ANSWERS", rng.choice([0, 3, 12, 4096]))
            setattr(checks, "_PULLED_LINES", rng.choice([1, 2, 5, 2048]))
        if rng.random() < 0.5:
            pair.clear_counts()
        lines = [_mutated_line(rng, roll) for _ in range(rng.randint(1, 30))]
        if rng.random() < 0.2:
            lines += lines[: rng.randint(0, len(lines))]
        taken += pair.runs(lines)
    return taken


def _truncations() -> int:
    """Every prefix, suffix and one-byte deletion of a line, each alone: every early exit and each length check."""
    line, count = _line(b'{"answers":{"t1":"A","t2":["X"]}', _ROLL[0][0]), 0
    for at in range(len(line) + 1):
        for piece in (line[:at], line[at:], line[:at] + line[at + 1 :]):
            _Pair(_ROLL).runs([piece])
            count += 1
    return count


@pytest.mark.parametrize("seed", range(2))
def test_mutated_lines_run_after_run(monkeypatch, seed):
    """3,000 batches a seed (about 8,000 lines taken, as many left) and every truncation of a line."""
    assert _fuzz(3000, seed, monkeypatch.setattr) > 1000
    assert _truncations() > 1000


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_the_fuzzer_under_valgrind():
    """The lines that end at the agreement buffer's end and a few batches of the fuzzer, under memcheck: no invalid
    read or write."""
    valgrind = shutil.which("valgrind")
    assert valgrind is not None
    done = subprocess.run(
        [valgrind, "--tool=memcheck", sys.executable, "-m", __name__, "30"], capture_output=True, text=True,
        timeout=600, check=False, env={**os.environ, "PYTHONMALLOC": "malloc"}, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "taken" in done.stdout
    assert "Invalid read" not in done.stderr, done.stderr[-3000:]
    assert "Invalid write" not in done.stderr, done.stderr[-3000:]


if __name__ == "__main__":  # PYTHONMALLOC=malloc valgrind python -m tests.verifier.test_native_ballots_review N
    test_an_agreement_side_that_ends_at_the_buffer_s_end()
    if len(sys.argv) < 2 or int(sys.argv[1]) >= 1000:
        _truncations()
    sys.stdout.write(f"taken {_fuzz(int(sys.argv[1]) if len(sys.argv) > 1 else 3000, 2, setattr)}\n")


def _rehashed(ballot: dict[str, Any], vote_id: str) -> None:
    from tests.verifier.test_ballot_fast_path import _rehashed

    _rehashed(ballot, vote_id)


def _long_basis(ballots: list[Any], vote_id: str) -> None:
    """A counted ballot's basis made as long as ends its side of the agreement one byte past the buffer's first
    block, its content hash forged to match (the run takes it; the log's entry then disagrees)."""
    ballot = next(ballot for ballot in ballots if ballot["status"] == "COUNTED")
    fields = (ballot["audit_entry_id"], ballot["ballot_id"], ballot["cast_at"], ballot["channel"], ballot["group_id"])
    ballot["basis"] = "B" * ((1 << 16) + 1 - _AGREEMENT_LITERALS - 64 - sum(len(field) for field in fields))
    _rehashed(ballot, vote_id)


def _non_ascii_answers(ballots: list[Any], vote_id: str) -> None:
    """Counted ballots' answers made text not ASCII, an escaped quote and nested objects, rehashed."""
    values: list[Any] = ["同意", 'A"B', {"c": ["X", {"z": 1}]}, "AGREE"]
    for at, ballot in enumerate(ballot for ballot in ballots if ballot["status"] == "COUNTED"):
        for topic in ballot["answers"]:
            ballot["answers"][topic] = values[at % len(values)]
        _rehashed(ballot, vote_id)


@pytest.mark.parametrize("change", [_long_basis, _non_ascii_answers])
async def test_a_forged_bundle_s_report_is_the_same_with_and_without_the_module(bundle, trust, monkeypatch, change):
    # (imported here: the valgrind driver, this module run alone, loads only what the runs need)
    from app.verifier import documents as d
    from tests.verifier.helpers import tamper
    from tests.verifier.test_ballot_fast_path import _prepared

    vote_id = _prepared(bundle, trust).vote_id
    changed = tamper(bundle, d.BALLOTS, lambda ballots: change(ballots, vote_id))
    reports_with_and_without_native_ballots(changed, trust, monkeypatch, native_ballots.CountedLines)
