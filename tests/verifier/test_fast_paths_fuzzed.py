"""Hostile-review differential fuzzing of the verifier's block and byte fast paths against their references, on
lines mutated byte by byte (structure, escapes, controls, non-ASCII, a second ``},"audit_entry_id":"`` …), each
ballot's content hash forged over the bytes the fast path hashes (as the log key's holder would): the ballots'
runs (``_ballot_lines``, in Python and in C) against ``_ballot_alone`` line by line, stopping where the reference
stops; register unit
blocks (``_exported_units``) against ``_exported_unit`` and ``_RollChecks.unit`` a line at a time; roll group blocks
(``_exported_columns``) against ``_exported_group``. Seeded: a failure is reproducible."""

from __future__ import annotations

import contextlib
import json
import random

import pytest

from app.verifier import checks
from app.verifier import documents as d
from app.verifier.checks import _exported_columns, _exported_group
from tests.verifier.helpers import members, similar_group_areas
from tests.verifier.test_ballot_fast_path import _forged_bytes, _prepared, _rehashed, _state
from tests.verifier.test_ballot_fast_path import _line as _ballot_line
from tests.verifier.test_blocks import DEVELOPER, _checks, _compare, _group, _line, _units

ALPHABET = [
    b'"', b"\\", b"{", b"}", b",", b":", b"[", b"]", b" ", b"\n", b"\r", b"\x00", b"\x1f", b"\x7f", b"\xff",
    "é".encode(), "\u2028".encode(), "\x85".encode(), "😀".encode(), b"u", b"0", b"1", b"9", b"a", b"e", b"E", b".",
    b"-", b"+", b"Z", b"T", b"null", b"true", b"false", b"PAPER", b"UNSOLD", b"+01:00", b"+00:00", b"2025-02-29",
    b"24:00:00", b'\\"', b"\\u0022", b'},"audit_entry_id":"', b'"audit_entry_id":"x",', b'"' + b"a" * 32 + b'"',
]  # fmt: skip


def _mutated(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at, insert, how = rng.randrange(len(data) + 1), rng.choice(ALPHABET), rng.random()
        if how < 0.4:
            data = data[:at] + insert + data[at:]
        elif how < 0.7:
            data = data[:at] + data[at + rng.randint(1, 3) :]
        else:
            data = data[:at] + insert + data[at + len(insert) :]
    return data


@pytest.mark.parametrize("seed", range(3))
async def test_ballot_runs_of_mutated_forged_lines_leave_the_reference_s_state(bundle, trust, seed, ballot_runs):
    rng = random.Random(seed)
    lines = members(bundle)[d.BALLOTS].splitlines()
    counted = [line for line in lines if json.loads(line)["status"] == "COUNTED"]
    for _ in range(150):
        fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
        chosen = []
        for _ in range(rng.randint(1, 3)):
            line = _mutated(rng, rng.choice(counted))
            with contextlib.suppress(KeyError):  # a member the forger's regex no longer finds: as mutated
                line = _forged_bytes(line, fast.vote_id)
            chosen.append(line)
        fast._ballot_lines(chosen)
        for line in chosen:
            reference._ballot_alone(line)
            if reference.disagreed or reference.deferred:
                break  # the run stops there too (the parent runs the reference pass)
        assert _state(fast) == _state(reference), chosen


@pytest.mark.parametrize("seed", range(3))
def test_mutated_register_blocks_read_at_once_as_a_line_at_a_time(seed):
    rng = random.Random(seed)
    for _ in range(3000):
        lines = _units(6)
        at = rng.randrange(6)
        lines[at] = _mutated(rng, lines[at])
        block = b"".join(lines)
        if block.endswith(b"\n"):
            developer = rng.choice([DEVELOPER, None])
            _compare(block, _checks(developer=developer, parking=rng.random() < 0.5), developer=developer)


@pytest.mark.parametrize("seed", range(3))
def test_mutated_roll_blocks_read_at_once_as_a_line_at_a_time(seed):
    rng = random.Random(seed)
    for _ in range(3000):
        lines = [_line(_group(number)) for number in range(1, 6)]
        at = rng.randrange(5)
        lines[at] = _mutated(rng, lines[at])
        block = b"".join(lines)
        if not block.endswith(b"\n"):
            continue
        columns = _exported_columns(checks._GROUP_LINE, block)
        one_by_one = [_exported_group(line) for line in block.split(b"\n")[:-1]]
        if columns is None:
            assert None in one_by_one, block
        else:
            assert list(zip(*columns, strict=True)) == one_by_one, block


#: cast_at values: equal instants in several forms (the server's, another offset, Z, no microseconds), neighbours.
CAST_AT = [
    "2025-03-17T00:00:00.000000+00:00", "2025-03-17T01:00:00.000000+01:00", "2025-03-17T00:00:00Z",
    "2025-03-17T00:00:00+00:00", "2025-03-16T23:59:59.999999+00:00", "2025-03-17T00:00:00.000001+00:00",
    "2025-03-16T23:00:00.000000-01:00", "2025-03-18T00:00:00.000000+08:00", "2024-02-29T12:00:00.000000+00:00",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(3))
async def test_runs_of_valid_ballots_of_mixed_times_and_channels_leave_the_reference_s_state(
    bundle, trust, seed, monkeypatch, ballot_runs
):
    """Valid counted ballots (rehashed), their cast_at equal or near in several forms, some paper, some answers
    repeated: the extremes (first of equal earliest, last of equal latest), sums and their order as the reference."""
    rng = random.Random(seed)
    monkeypatch.setattr(checks, "_RUN_BLOCK", rng.choice([1, 2, 3]))
    monkeypatch.setattr(checks, "_RUN_TALLY", rng.choice([0, 1, 2]))
    lines = members(bundle)[d.BALLOTS].splitlines()
    counted = [json.loads(line) for line in lines if json.loads(line)["status"] == "COUNTED"]
    taken = 0
    for _ in range(40):
        fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
        chosen = []
        for ballot in rng.sample(counted, min(len(counted), rng.randint(2, 8))):
            ballot = json.loads(json.dumps(ballot))
            ballot["cast_at"] = rng.choice(CAST_AT)
            if rng.random() < 0.3:
                ballot["channel"] = "PAPER"
            if rng.random() < 0.3:
                ballot["answers"] = json.loads(json.dumps(counted[0]["answers"]))
            chosen.append(_ballot_line(_rehashed(ballot, fast.vote_id)))
        taken += fast._ballot_lines(chosen)
        for line in chosen:
            reference._ballot_alone(line)
            if reference.disagreed or reference.deferred:
                break
        assert _state(fast) == _state(reference), chosen
    assert taken > 0  # the fast path took runs of them


@pytest.mark.parametrize("seed", range(3))
def test_claim_key_is_find_then_count(seed):
    """``GroupAreas.claim_key`` (the runs' group look-up) against ``find``, ``counted`` and ``count``: ids sharing
    their first 8 bytes, narrower than 8, of two widths (the map by id), absent, claimed twice."""
    rng = random.Random(seed)
    for _ in range(1000):
        ids, fast, reference, probes = similar_group_areas(rng, 12)
        for _ in range(20):
            probe = rng.choice(probes)
            position = reference.find(probe)
            if position >= 0 and reference.counted(position):
                position = -1
            if position >= 0:
                reference.count(position)
            assert fast.claim_key(probe.encode()) == position, (ids, probe)
            assert bytes(fast._counted) == bytes(reference._counted)
