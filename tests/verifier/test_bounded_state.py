"""What the verifier keeps per roll group and per log entry for the whole run is compact (issue #16 item 8: peak
memory bounded whatever the bundle size): the roll's group → area map (``spill.GroupAreas``), the signed index's
kinds (``checks._Kinds``) and the batch proofs' leaf indices (``checks._plain_inclusion``) take a fixed number of
bytes a group or an entry, stated below, and answer as the plain structures they replace. No timings: memory is
counted with ``tracemalloc``."""

from __future__ import annotations

import io
import json
import random
import tracemalloc
import uuid
import zipfile
from array import array
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.ledger.entries import entry_payload_sha256, leaf_data, leaf_document
from app.ledger.note import Checkpoint
from app.verifier import checks, spill
from app.verifier import documents as d
from app.verifier.checks import _Kinds, _leaf_array, _NotPlain, _plain_inclusion, _Verifier
from app.verifier.report import Progress
from app.verifier.trust import Trust


def _held(build: Callable[[], Any]) -> tuple[int, int]:
    """Bytes still held by what ``build`` returns, and the peak while it ran."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        kept = build()
        current, peak = tracemalloc.get_traced_memory()
        del kept
        return current - before, peak - before
    finally:
        tracemalloc.stop()


def _hex_ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return sorted({rng.randbytes(16).hex() for _ in range(count)})


def _areas(ids: list[str]) -> spill.GroupAreas:
    groups = spill.GroupAreas()
    for number, group in enumerate(ids):
        groups.add(group, 100 + number)
    return groups


# --- the roll's group → area map -----------------------------------------------------------------------------


def _shared_prefixes() -> list[str]:  # many ids with the same first 8 bytes: bisected again by the whole id
    return sorted({"0123abcd" + random.Random(n).randbytes(12).hex() for n in range(300)} | set(_hex_ids(300, 1)))


@pytest.mark.parametrize(
    "ids",
    [
        _hex_ids(2000, 5),
        sorted(str(uuid.UUID(int=random.Random(n).getrandbits(128))) for n in range(500)),
        _shared_prefixes(),
        ["a", "b", "c", "d"],  # shorter than the 8-byte key
        [],
    ],
    ids=["hex", "uuid", "shared-prefixes", "short", "empty"],
)
def test_group_areas_answer_as_a_dict_does(ids):
    groups, expected = _areas(ids), {group: 100 + number for number, group in enumerate(ids)}
    assert len(groups) == len(expected)
    absent = ["", "0" * 32, "f" * 32, "0123abcd" + "0" * 24, "0123abcd" + "f" * 24, "é" * 32, "a" * 36, "e", "aa"]
    for group in [*ids, *(group[:-1] + "x" for group in ids[:50]), *absent]:
        position = groups.find(group)
        assert (position >= 0) == (group in expected) == (group in groups), group
        if position >= 0:
            assert groups.area(position) == expected[group]
    assert 42 not in groups
    if ids:
        position = groups.find(ids[-1])
        assert not groups.counted(position)
        groups.count(position)
        assert groups.counted(position)
        assert not groups.counted(groups.find(ids[0]))
        groups.clear_counts()
        assert not groups.counted(position)


@pytest.mark.parametrize(
    "roll",
    [
        [("b" * 32, 1), ("a" * 32, 2)],  # unsorted
        [("a" * 32, 1), ("b" * 36, 2)],  # two widths
        [("a" * 32, 1), ("b" * 32, 2), ("b" * 32, 3)],  # repeated: the last area, as a dict keeps it
        [("a" * 32, 1), ("é" * 32, 2)],  # not ASCII
        [("a" * 32, 1), ("b" * 32, 1 << 70)],  # an area beyond 64 bits
        [("a" * 32, -5), ("b" * 32, 2)],  # a negative area (only a forged roll: the register check fails it)
    ],
)
def test_a_roll_the_compact_form_does_not_fit_answers_as_a_dict_does(roll):
    groups, expected = spill.GroupAreas(), {}
    for group, area in roll:
        groups.add(group, area)
        expected[group] = area
    for group in [*expected, "c" * 32, "a" * 31]:
        position = groups.find(group)
        assert (position >= 0) == (group in expected)
        if position >= 0:
            assert groups.area(position) == expected[group]
            groups.count(position)
            assert groups.counted(position)


@pytest.mark.parametrize(
    "blocks",
    [
        [[("a" * 32, 1), ("b" * 32, 2)], [("c" * 32, 3)], []],
        [[("b" * 32, 1), ("a" * 32, 2)]],  # unsorted inside a block
        [[("b" * 32, 1)], [("a" * 32, 2), ("c" * 32, 3)]],  # a block below the one before
        [[("a" * 32, 1), ("b" * 36, 2)]],  # two widths
        [[("a" * 32, 1), ("a" * 32, 2)]],  # repeated: the last area
        [[("a" * 32, 1), ("b" * 32, 1 << 70)], [("c" * 32, 3)]],  # an area beyond 64 bits
        [[("", 1), ("a", 2)]],  # an empty id
        [[("abc", 1), ("abd", 2)], [("abe", 3)]],  # shorter than the 8-byte key
        [[(group, number) for number, group in enumerate(_hex_ids(3000, 7))]],
    ],
)
def test_group_areas_add_keys_as_add_key_does(blocks):
    one, many = spill.GroupAreas(), spill.GroupAreas()
    for block in blocks:
        for group, area in block:
            one.add_key(group.encode(), area)
        many.add_keys([group.encode() for group, _ in block], [area for _, area in block])
    assert len(one) == len(many)
    for group in {group for block in blocks for group, _ in block} | {"z" * 32, "a" * 31}:
        assert one.find(group) == many.find(group), group
        if one.find(group) >= 0:
            assert one.area(one.find(group)) == many.area(many.find(group))


def test_group_areas_take_a_fixed_number_of_bytes_a_group():
    # 32-hex ids: 32 bytes of text, an 8-byte key, an 8-byte area and a flag, and the arrays' spare room
    small, large = (_held(lambda ids=ids: _areas(ids))[0] for ids in (_hex_ids(10_000, 1), _hex_ids(60_000, 2)))
    assert large / 60_000 < 56
    assert (large - small) / 50_000 < 56  # the same for every group added: no object per group
    # the dict it replaces holds a slot, an id and an area object per group, the id decoded from its roll line
    # (measured the same way: the check sees a dict's growth)
    lines = [group.encode() for group in _hex_ids(60_000, 60_000)]
    whole = _held(lambda: {line.decode(): 1 << 40 for line in lines})[0]
    assert whole / 60_000 > 100


# --- the signed index's kinds -----------------------------------------------------------------------------------


def test_kinds_are_a_byte_an_entry_and_read_back_as_appended():
    names = ["ballot.cast", "vote.published", "ballot.voided", "vote.closed"]
    sequence = [names[n % 7 % 4] for n in range(100_000)]

    def build() -> _Kinds:
        kinds = _Kinds()
        for kind in sequence:
            kinds.append(kind)
        return kinds

    assert _held(build)[0] / len(sequence) < 1.2
    kinds = build()
    assert len(kinds) == len(sequence)
    assert [kinds[at] for at in range(len(kinds))] == sequence
    assert kinds.codes[5] == kinds.code[sequence[5]]
    many = _Kinds()  # more than 256 distinct kinds: 4 bytes a code, same answers
    for number in range(600):
        many.append(f"kind.{number % 300}")
    assert [many[at] for at in range(600)] == [f"kind.{number % 300}" for number in range(600)]


# --- the batch proofs' leaf indices ------------------------------------------------------------------------------


def _inclusion(proofs: list[tuple[int, list[int], int]], indent: int | None = 2) -> bytes:
    document = {"proofs": [{"tree_size": s, "leaf_indices": i, "nodes": n} for s, i, n in proofs]}
    return json.dumps(document, indent=indent, sort_keys=True).encode()


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("split", [3, 1 << 16])
def test_plain_inclusion_members_give_the_strict_parsers_indices(monkeypatch, indent, split):
    monkeypatch.setattr(checks, "_SPLIT_BYTES", split)
    rng = random.Random(9)
    first = sorted(rng.sample(range(10**9), 500))
    proofs = [(10**9, first, 40), (10**9 + 7, [10**9 + 3, 10**9 + 5], 2), (12, [0], 0)]
    raw = _inclusion(proofs, indent)
    parsed = json.loads(raw)["proofs"]
    plain = _plain_inclusion(raw)
    assert [{**proof, "leaf_indices": list(proof["leaf_indices"])} for proof in plain] == parsed
    assert _plain_inclusion(b'{"proofs": []}') == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"proofs": [{"leaf_indices": [], "nodes": 1, "tree_size": 2}]}',  # empty: the strict path names it
        b'{"proofs": [{"leaf_indices": [01], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1,,2], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1,2,], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1 2], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1], "nodes": 1, "tree_size": 2}]} x',
        b'{"proofs": [{"leaf_indices": [99999999999999999999], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1], "nodes": 1, "tree_size": 2}, ]}',
        b'{"proofs": [{"nodes": 1, "leaf_indices": [1], "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1], "nodes": 1, "tree_size": 2, "nodes": 3}]}',
        b'{"proofs": [{"leaf_indices": [-1], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1.0], "nodes": 1, "tree_size": 2}]}',
        b'{"proofs": [{"leaf_indices": [1_0], "nodes": 1, "tree_size": 2}]}',
    ],
)
def test_anything_but_a_plain_inclusion_member_goes_to_the_strict_parser(raw):
    with pytest.raises(_NotPlain):
        _plain_inclusion(raw)


def test_plain_inclusion_indices_take_8_bytes_each_and_no_list_is_built():
    rng = random.Random(4)
    counts = (20_000, 200_000)
    raws = [_inclusion([(10**9, sorted(rng.sample(range(10**9), count)), 9)]) for count in counts]
    held, peaks = zip(*(_held(lambda raw=raw: _plain_inclusion(raw)) for raw in raws), strict=True)
    assert held[1] / counts[1] < 9  # an array's 8 bytes an index (and its spare room)
    # while parsing: the array and one ~64 KiB slice split at a time, not a list of every index (~40 bytes each)
    assert peaks[1] / counts[1] < 9 + 4 * (1 << 16) / counts[1] + 1
    whole = _held(lambda: json.loads(raws[1]))[1]
    assert whole / counts[1] > 30  # the measurement sees the list the strict parser builds


def test_leaf_arrays_refuse_what_int_would_take_but_json_does_not():
    for text in (b"1,2,", b"", b",1", b"1,,2", b"1,02", b" 0 1"):
        with pytest.raises(_NotPlain):
            _leaf_array(text)
    assert list(_leaf_array(b" 0 ,\n 5,7 ")) == [0, 5, 7]


# --- in the verifier: what the log's pass keeps of the roll and the batch proofs ---------------------------------


def _verifier(members: dict[str, bytes]) -> _Verifier:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    verifier = _Verifier(buffer.getvalue(), trust=Trust(), progress=Progress(None))
    verifier.archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return verifier


def _roll_member(count: int) -> bytes:
    header = {"format": d.ROLL_FORMAT, "estate_id": "e", "total": {"heads": count, "area": 0}}
    lines = [header] + [
        {"area": 1000 + n, "group_id": group, "heads": 1, "is_developer": False, "owners": ["o"], "units": ["u"]}
        for n, group in enumerate(_hex_ids(count, count))
    ]
    return b"".join(json.dumps(line, sort_keys=True, separators=(",", ":")).encode() + b"\n" for line in lines)


def test_the_roll_read_for_the_logs_pass_takes_a_fixed_number_of_bytes_a_group():
    held = []
    for count in (5_000, 30_000):
        verifier = _verifier({d.ROLL: _roll_member(count)})
        held.append(_held(lambda verifier=verifier: verifier._read_roll())[0])  # kept on the verifier
        assert len(verifier.group_area) == verifier.roll_groups == count
    assert (held[1] - held[0]) / 25_000 < 56  # as GroupAreas alone: no object per group


def test_the_verifier_reads_the_exporters_inclusion_member_into_arrays():
    rng = random.Random(2)
    indices = sorted(rng.sample(range(10**6), 5000))
    verifier = _verifier({d.INCLUSION: _inclusion([(10**6, indices, 7)])})
    (proof,) = verifier._inclusion()["proofs"]
    assert type(proof["leaf_indices"]) is array
    assert list(proof["leaf_indices"]) == indices
    odd = _verifier({d.INCLUSION: b'{"proofs": [{"tree_size": 10, "leaf_indices": [3], "nodes": 1}]}'})
    assert odd._inclusion() == {"proofs": [{"tree_size": 10, "leaf_indices": [3], "nodes": 1}]}  # strict parser


# --- the lines kept out of core (spill.Lines) ---------------------------------------------------------------------


@pytest.mark.parametrize("buffer_bytes", [1, 7, 64, 1 << 20])
def test_lines_read_back_in_order_all_or_by_tag(buffer_bytes):
    rng = random.Random(buffer_bytes)
    added = [(rng.randrange(4), rng.randbytes(rng.randrange(0, 40))) for _ in range(500)]
    with spill.Lines(buffer_bytes=buffer_bytes) as lines:
        for tag, line in added:
            lines.append(tag, line)
        assert len(lines) == len(added)
        assert list(lines.read()) == [(at, line) for at, (_, line) in enumerate(added)]
        assert list(lines.read([1, 3, 9])) == [(at, line) for at, (tag, line) in enumerate(added) if tag in (1, 3)]
        assert list(lines.read([9])) == []
        assert [lines.count(t) for t in range(5)] == [sum(tag == t for tag, _ in added) for t in range(5)]
        assert [lines.line(at) for at in (0, 250, 499)] == [added[at][1] for at in (0, 250, 499)]
    assert len(lines) == 0
    assert list(lines.read()) == []


def test_lines_hold_12_bytes_a_line_past_their_buffer():
    line = b"x" * 1800  # a parsed leaf document is ~1.8 kB in memory: here its bytes go to the file

    def build(count: int) -> spill.Lines:
        lines = spill.Lines(buffer_bytes=1 << 16)
        for number in range(count):
            lines.append(number % 3, line)
        return lines

    held, kept = [], []
    for count in (2_000, 12_000):
        held.append(_held(lambda count=count: kept.append(build(count)))[0])
    for lines in kept:
        lines.close()
    assert (held[1] - held[0]) / 10_000 < 14  # a tag (4 bytes) and an end offset (8), and the arrays' spare room


# --- in the verifier: the entries the log's pass keeps beside the ballots ------------------------------------------

_VOTE, _ESTATE = uuid.UUID(int=7), uuid.UUID(int=8)
_T0 = datetime(2025, 3, 12, 1, 0, tzinfo=UTC)


def _leaf_line(kind: str, payload: dict[str, Any], leaf: int) -> bytes:
    digest = entry_payload_sha256(kind, _ESTATE, _VOTE, payload)
    document = leaf_document(
        entry_id=uuid.UUID(int=1 << 64 | leaf), kind=kind, estate_id=_ESTATE, vote_id=_VOTE, payload=payload,
        payload_sha256=digest, created_at=_T0 + timedelta(seconds=leaf),
    )  # fmt: skip
    return leaf_data(document)


def _voided(leaf: int) -> bytes:
    ballot = str(uuid.UUID(int=leaf))
    return _leaf_line("ballot.voided", {"ballot_id": ballot, "group": f"{leaf:032x}", "reason": f"voided {leaf}"}, leaf)


def _objection(leaf: int) -> bytes:
    payload = {"objection_id": str(uuid.UUID(int=leaf)), "filed_at": "2025-03-12T01:00:00+00:00", "text": "t" * 300}
    return _leaf_line("roll.objection_filed", payload, leaf)


def _streaming_verifier(lines: list[bytes]) -> _Verifier:
    """A verifier in the state the log's pass starts in (``_reset_stream``), without a bundle behind it."""
    verifier = _verifier({})
    verifier.vote_id, verifier.vote_bytes = str(_VOTE), str(_VOTE).encode()
    verifier.topic_ids, verifier.topic_set = [], frozenset()
    verifier.group_area = spill.GroupAreas()
    verifier.result_checkpoint = Checkpoint("o", 1 << 40, bytes(32))
    verifier.listed_leaves, verifier.listed_kinds = array("q"), _Kinds()
    verifier.jobs = 1
    verifier._reset_stream()
    verifier.online_kept = False
    return verifier


def _fed(make: Callable[[int], bytes], count: int) -> tuple[_Verifier, int]:
    lines = [make(leaf) for leaf in range(count)]
    verifier = _streaming_verifier(lines)

    def feed() -> None:
        for leaf, line in enumerate(lines):
            verifier._entry(line, leaf)

    held = _held(feed)[0]
    return verifier, held


@pytest.mark.parametrize("make", [_voided, _objection], ids=["ballot.voided", "roll.objection_filed"])
def test_the_log_pass_keeps_a_fixed_number_of_bytes_a_non_ballot_entry(monkeypatch, make):
    # small runs and buffers, so that both counts are past them: what is left is what grows per entry
    monkeypatch.setattr(spill, "RUN_RECORDS", 256)
    monkeypatch.setattr(spill, "LINE_BUFFER_BYTES", 1 << 14)
    (small, held_small), (large, held_large) = (_fed(make, count) for count in (1_000, 6_000))
    try:
        per_entry = (held_large - held_small) / 5_000
        # ballot.voided: leaf, voided leaf and created_at (8 bytes each); others: leaf, kind tag, end offset, leaf
        assert per_entry < 40, per_entry
        assert not large.unlisted or large.unlisted[0] == 0  # (no signed index here: the first entry is unlisted)
        if make is _voided:
            assert len(large.entries) == 0
            assert len(large.voided) == len(large.voided_leaves) == 6_000
            assert large.first_voided == ("2025-03-12T01:00:00.000000Z", 0)
        else:
            assert len(large.entries) == 6_000
            assert large.entries.count("roll.objection_filed") == 6_000
            assert [entry.leaf_index for entry in large.entries] == list(range(6_000))
            assert next(iter(large.entries)).document == json.loads(_objection(0))
            assert list(large.entries.of_kinds(["vote.closed"])) == []
        # the list of whole documents it replaces (measured the same way: the check sees its growth)
        lines = [make(leaf) for leaf in range(3_000)]
        whole = _held(lambda: [checks._Entry(leaf, checks._document(line)) for leaf, line in enumerate(lines)])[0]
        assert whole / 3_000 > 500
    finally:
        for verifier in (small, large):
            for records in verifier.spilled:
                records.close()


# --- the void ballots against the ballot.voided entries -------------------------------------------------------------


def _reference_void_check(ballots: list[tuple[str, Any]], entries: list[tuple[str, Any]]) -> tuple[Any, Any]:
    """What the ballots check did with two maps by id (ballots in line order, entries in leaf order)."""
    void_ballots, voided = {}, {}
    for line, (ballot_id, reason) in enumerate(ballots):
        void_ballots.setdefault(ballot_id, [line, None])[1] = reason
    for leaf, (ballot_id, reason) in enumerate(entries):
        voided.setdefault(ballot_id, [leaf * 10, None, None])[1:] = [reason, leaf * 10]
    for ballot_id, (line, reason) in void_ballots.items():
        if ballot_id not in voided:
            return (line, -1), None
        if reason != voided[ballot_id][1]:
            return (line, voided[ballot_id][2]), None
    for ballot_id, (leaf, _, _) in voided.items():
        if ballot_id not in void_ballots:
            return None, leaf
    return None, None


@pytest.mark.parametrize("seed", range(40))
def test_void_records_merged_out_of_core_find_what_the_maps_found(seed):
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(12)] + ["x" * 40, "short"]
    reasons = ["late", "paper first", "dup", None, 1]
    ballots = [(rng.choice(ids), rng.choice(reasons)) for _ in range(rng.randrange(0, 10))]
    entries = [(rng.choice(ids), rng.choice(reasons)) for _ in range(rng.randrange(0, 10))]
    if seed % 3 == 0:  # one to one, same reasons: nothing to find
        entries = list(ballots)
        rng.shuffle(entries)
    with spill.RecordSort(checks._VOID.size, run_records=3) as mine, spill.RecordSort(checks._VOID.size) as theirs:
        for line, (ballot_id, reason) in enumerate(ballots):
            mine += checks._void_record(ballot_id, line, reason)
        for leaf, (ballot_id, reason) in enumerate(entries):
            theirs += checks._void_record(ballot_id, leaf * 10, reason)
        ballot_failure, entry_failure = checks._void_mismatch(mine, theirs)
        # a ballot's failure is reported first, before any entry's
        found = (ballot_failure, None) if ballot_failure is not None else (None, entry_failure)
        assert found == _reference_void_check(ballots, entries)


def test_void_reasons_are_compared_with_their_type():
    same = checks._void_record("a", 1, "1")[-32:]
    assert checks._void_record("a", 2, "1")[-32:] == same
    assert checks._void_record("a", 1, 1)[-32:] != same
    assert checks._void_record("a", 1, 1.0)[-32:] != checks._void_record("a", 1, 1)[-32:]
    assert checks._void_record("a", 1, 10**30)[-32:] != checks._void_record("a", 1, 10**29)[-32:]  # beyond orjson
