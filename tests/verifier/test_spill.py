"""The verifier's out-of-core state (``app.verifier.spill``) and the regrouping built on it: the same answers and
failure lines as the whole-register computation, and peak memory bounded by the partition size / run length, not
by the number of units or records. No timings: memory is counted with ``tracemalloc``."""

from __future__ import annotations

import io
import json
import os
import random
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from app.rules.roll import build_roll
from app.verifier import checks, spill
from app.verifier import documents as d
from app.verifier.checks import _entry_sets, _FirstIds, _Verifier
from app.verifier.report import Progress
from app.verifier.trust import Trust

DEVELOPER = "d" * 32
ESTATE = "00000000-0000-4000-8000-000000000000"


def _line(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _owner(number: int) -> str:
    return f"{number:032x}"


def _register(count: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` units, sorted by key: mostly one owner, every fifth owner also holds the next unit, a co-owned unit
    in every eleventh, five units the developer still holds (the developer's group stays the same size)."""
    rng = random.Random(seed)
    units = []
    for number in range(count):
        owner = number - 1 if number % 5 == 1 else number
        owners = [_owner(owner)] + ([_owner(10**9 + number)] if number % 11 == 3 else [])
        units.append({
            "unit_key": f"{number // 600 + 1}-{number % 2 + 1}-{number:06d}", "area": rng.randint(3000, 20000),
            "area_source": "REGISTRY", "owners": owners, "sale_status": "UNSOLD" if number < 5 else "SOLD",
            "delivered": True, "parking": False, "building": "1", "entrance": "1", "room": str(number),
            "evidence": "DEVELOPER" if number < 5 else "REGISTRATION",
        })  # fmt: skip
    return sorted(units, key=lambda unit: unit["unit_key"])


def _roll(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The roll ``build_roll`` gives, as roll.jsonl's groups (group ids drawn at random, sorted by id)."""
    records = [checks._unit_record(unit) for unit in units]
    rng = random.Random(11)
    groups = [
        {
            "area": group.area,
            "group_id": f"{rng.getrandbits(128):032x}",
            "heads": 1,
            "is_developer": group.is_developer,
            "owners": sorted(group.owner_keys),
            "units": list(group.unit_ids),
        }
        for group in build_roll(records, developer_key=DEVELOPER).groups
    ]
    return sorted(groups, key=lambda group: group["group_id"])


def _bundle(units: list[dict[str, Any]], groups: list[dict[str, Any]], *, scope: Any = None) -> bytes:
    """A zip of the members the regrouping reads: register.jsonl, roll.jsonl and notice.json."""
    register = {
        "format": d.REGISTER_FORMAT, "developer": DEVELOPER, "include_parking": False, "estate_id": ESTATE,
        "version_id": ESTATE, "number": 1, "content_hash": "c" * 64,
    }  # fmt: skip
    roll = {"format": d.ROLL_FORMAT, "estate_id": ESTATE, "total": {"heads": len(groups), "area": 0}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(d.REGISTER, _line(register) + b"".join(_line(unit) for unit in units))
        archive.writestr(d.ROLL, _line(roll) + b"".join(_line(group) for group in groups))
        archive.writestr(d.NOTICE, json.dumps({"scope_units": scope}))
    return buffer.getvalue()


def _verdict(data: bytes) -> tuple[str | None, str, list[int]]:
    verifier = _Verifier(data, trust=Trust(), progress=Progress(None))
    verifier.archive = zipfile.ZipFile(io.BytesIO(data))
    return verifier._register_verdict()


@pytest.fixture
def small_partitions(monkeypatch):
    """Partitions of 4 KiB of unit lines (~16 units) and tiny write buffers: a few hundred units spill."""
    monkeypatch.setattr(checks, "REGROUP_PARTITION_BYTES", 4096)
    monkeypatch.setattr(spill, "BUFFER_VALUES", 8)


def _whole(data: bytes, monkeypatch) -> tuple[str | None, str, list[int]]:
    """The verdict with one partition holding the whole register: the regrouping as it was, in memory."""
    with monkeypatch.context() as patch:
        patch.setattr(checks, "REGROUP_PARTITION_BYTES", 1 << 40)
        return _verdict(data)


# --- RecordSort ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 2, 7, 64, 1000])
@pytest.mark.parametrize("run_records", [1, 3, 1 << 16])
def test_record_sort_yields_every_record_sorted_duplicates_kept(monkeypatch, count, run_records):
    monkeypatch.setattr(spill, "FAN_IN", 3)  # several levels of runs for the larger counts
    rng = random.Random(count)
    records = [rng.randrange(40).to_bytes(2) + rng.randbytes(2) for _ in range(count)]
    records += records[: count // 3]  # duplicates
    with spill.RecordSort(4, run_records=run_records) as sorter:
        for record in records:
            sorter += record
        assert len(sorter) == len(records)
        assert list(sorter) == sorted(records)
        assert list(sorter) == sorted(records)  # read again, as the completeness check does
        merged = iter(sorter)  # two reads at once: runs are read by offset, not through a shared file position
        assert [*zip(merged, sorter, strict=True)] == [(record, record) for record in sorted(records)]


def test_record_sort_refuses_a_record_of_another_size():
    with spill.RecordSort(4) as sorter, pytest.raises(ValueError, match="3 bytes, not 4"):
        sorter.add(b"abc")
    with pytest.raises(ValueError, match="at least one"):
        spill.RecordSort(0)


def test_record_sort_keeps_its_runs_in_unnamed_temporary_files_closed_at_the_end(monkeypatch):
    monkeypatch.setattr(spill, "FAN_IN", 4)
    sorter = spill.RecordSort(8, run_records=2)
    for number in range(40, 0, -1):
        sorter.add(number.to_bytes(8))
    runs = [run for level in sorter._levels for run in level]
    assert 0 < len(runs) < 40 // 2  # runs of a full level were merged into the next
    assert all(not os.path.exists(str(run.name)) for run in runs)  # unnamed: removed however the process ends
    sorter.close()
    assert all(run.closed for run in runs)
    assert list(sorter) == []


@pytest.mark.parametrize("count", [0, 1, 5, 300])
def test_sorted_blocks_added_to_another_sort_are_one_run_not_sorted_again(monkeypatch, count):
    monkeypatch.setattr(spill, "FAN_IN", 3)
    rng = random.Random(count)
    records = [rng.randbytes(4) for _ in range(count)]
    with spill.RecordSort(4, run_records=7) as source, spill.RecordSort(4, run_records=7) as target:
        for record in records:
            source += record
        blocks = list(source.sorted_blocks(12))  # three records a block
        assert all(0 < len(block) <= 12 for block in blocks)
        assert b"".join(blocks) == b"".join(sorted(records))
        target += b"\x00\x00\x00\x00"  # beside a record of its own, in memory
        target.add_sorted(iter(blocks))
        assert len(target) == count + 1
        assert sum(len(level) for level in target._levels) == (1 if count else 0)
        assert list(target) == sorted([*records, b"\x00\x00\x00\x00"])


def test_add_sorted_refuses_records_out_of_order_or_cut():
    with spill.RecordSort(2) as sorter:
        with pytest.raises(ValueError, match="out of order"):
            sorter.add_sorted([b"aabb", b"ab"])  # out of order across blocks
        with pytest.raises(ValueError, match="out of order"):
            sorter.add_sorted([b"bbaa"])
        with pytest.raises(ValueError, match="whole records"):
            sorter.add_sorted([b"aab"])
        assert len(sorter) == 0
        assert list(sorter) == []


# --- Partitions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("buffer_values", [1, 2, 1 << 14])
def test_partitions_give_back_each_partitions_values_in_order(buffer_values):
    values = [(number, f"unit {number}", frozenset({str(number % 3)}), None, [True, 1.5]) for number in range(500)]
    with spill.Partitions(7, buffer_values=buffer_values) as partitions:
        for value in values:
            partitions.add(hash(value[1]), value)
        partitions.add_at(6, ("last",))
        expected: list[list[Any]] = [[] for _ in range(7)]
        for value in values:
            expected[hash(value[1]) % 7].append(value)
        expected[6].append(("last",))
        for index in range(7):
            assert list(partitions.partition(index)) == expected[index]
            assert partitions.size(index) == len(expected[index])
            assert list(partitions.partition(index)) == expected[index]  # read again


def test_partitions_empty_one_value_and_refusals():
    with spill.Partitions(3, buffer_values=1) as partitions:
        assert [list(partitions.partition(index)) for index in range(3)] == [[], [], []]
        partitions.add(4, "one")
        assert [list(partitions.partition(index)) for index in range(3)] == [[], ["one"], []]
    with pytest.raises(ValueError, match="at least one partition"):
        spill.Partitions(0)
    with spill.Partitions(1, buffer_values=1) as partitions, pytest.raises(ValueError, match="unmarshallable"):
        partitions.add_at(0, object())


# --- the regrouping: same answers, same failure lines ---------------------------------------------------------


def test_first_ids_keep_what_build_rolls_message_shows():
    first = _FirstIds()
    for unit_id in ["k", "b", "b", *[f"a{number:02d}" for number in range(20, 0, -1)], "c"]:
        first.add(unit_id)
    assert first.ids == [f"a{number:02d}" for number in range(1, 12)]


def test_a_register_regroups_into_its_roll_across_partitions(small_partitions, monkeypatch):
    units = _register(600)
    groups = _roll(units)
    data = _bundle(units, groups)
    verdict = _verdict(data)
    assert verdict[0] is None
    assert verdict == _whole(data, monkeypatch)
    assert verdict[1] == f"600 units regroup into the roll's {len(groups)} groups"
    assert checks._partition_count(len(zipfile.ZipFile(io.BytesIO(data)).read(d.REGISTER))) > 20


def _last_group(groups: list[dict[str, Any]], units: list[dict[str, Any]]) -> dict[str, Any]:
    """The listed group whose recomputed group comes last in key order (the last failure a run would meet)."""
    records = [checks._unit_record(unit) for unit in units]
    last = build_roll(records, developer_key=DEVELOPER).groups[-1]
    return next(group for group in groups if group["units"] == list(last.unit_ids))


def _area_changed(units, groups):
    _last_group(groups, units)["area"] += 1


def _owner_changed(units, groups):
    _last_group(groups, units)["owners"] = [_owner(123456789)]


def _two_groups_differ(units, groups):  # a failure in several partitions: the first in key order is named
    for group in (groups[3], groups[-2], _last_group(groups, units)):
        group["area"] += 1


def _unit_dropped_from_roll(units, groups):
    listed = _last_group(groups, units)
    groups.remove(listed)


def _units_regrouped(units, groups):
    merged, other = groups[5], groups[6]
    merged["units"] = sorted(merged["units"] + other["units"])
    groups.remove(other)


def _group_listed_twice(units, groups):
    groups.append(dict(groups[0]))


def _group_id_twice(units, groups):
    groups[-1]["group_id"] = groups[0]["group_id"]


def _roll_unsorted(units, groups):
    groups.reverse()


def _extra_group(units, groups):
    groups.append({**groups[0], "group_id": "f" * 32, "units": ["9-9-999999"]})


def _v1_roll_owners_dropped(units, groups):
    for group in groups:
        group.pop("owners")


def _unit_repeated_unsorted(units, groups):
    units.append(dict(units[0]))
    units.append(dict(units[-3]))


def _unit_without_owner(units, groups):
    units[-1]["owners"] = []
    units[40]["owners"] = []


def _bad_area_source(units, groups):
    units[-1]["area_source"] = "GUESS"
    units[300]["area_source"] = "RUMOUR"


def _all_parking(units, groups):
    for unit in units:
        unit["parking"] = True


def _heads_true(units, groups):  # equal to 1 in Python, not the integer the roll documents
    groups[7]["heads"] = True


def _group_member_added(units, groups):
    groups[9]["note"] = "x"


TAMPERS: list[Callable[[list[dict[str, Any]], list[dict[str, Any]]], None]] = [
    _area_changed, _owner_changed, _two_groups_differ, _unit_dropped_from_roll, _units_regrouped,
    _group_listed_twice, _group_id_twice, _roll_unsorted, _extra_group, _v1_roll_owners_dropped,
    _unit_repeated_unsorted, _unit_without_owner, _bad_area_source, _all_parking, _heads_true, _group_member_added,
]  # fmt: skip


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda tamper: tamper.__name__.strip("_"))
def test_partitioned_regrouping_reports_what_the_whole_register_would(small_partitions, monkeypatch, tamper):
    units = _register(400)
    groups = _roll(units)
    tamper(units, groups)
    data = _bundle(units, groups)
    verdict = _verdict(data)
    assert verdict == _whole(data, monkeypatch)
    assert verdict[0] == "register", verdict


def _reference(data: bytes, monkeypatch) -> tuple[str | None, str, list[int]]:
    """The verdict of the reference regrouping alone (``build_roll`` over the law core's unit records)."""
    with monkeypatch.context() as patch:
        patch.setattr(_Verifier, "_regroup_exported", lambda self: None)
        return _verdict(data)


def _owners_reversed_in_roll(units, groups):
    next(group for group in groups if len(group["owners"]) > 1)["owners"].reverse()


def _units_reversed_in_roll(units, groups):
    next(group for group in groups if len(group["units"]) > 1)["units"].reverse()


def _developer_flag_flipped(units, groups):
    groups[4]["is_developer"] = not groups[4]["is_developer"]


def _group_split_in_two(units, groups):  # two listed groups of one owner set
    listed = next(group for group in groups if len(group["units"]) > 1)
    groups.append({**listed, "group_id": "f" * 32, "units": listed["units"][1:], "area": 1})
    listed["units"] = listed["units"][:1]


def _area_written_as_a_float(units, groups):  # equal to the integer in Python: what the reference makes of it
    groups[2]["area"] = float(groups[2]["area"])


def _owners_unsorted_in_register(units, groups):
    unit = next(unit for unit in units if len(unit["owners"]) > 1)
    unit["owners"].reverse()


def _held_unit_sold(units, groups):  # leaves the developer's group: a group the roll does not list
    units[0]["sale_status"] = "SOLD"


@pytest.mark.parametrize(
    "tamper",
    [
        *TAMPERS,
        _owners_reversed_in_roll,
        _units_reversed_in_roll,
        _developer_flag_flipped,
        _group_split_in_two,
        _area_written_as_a_float,
        _owners_unsorted_in_register,
        _held_unit_sold,
    ],
    ids=lambda tamper: tamper.__name__.strip("_"),
)
def test_the_regrouping_on_the_lines_text_reports_what_the_reference_would(small_partitions, monkeypatch, tamper):
    units = _register(400)
    groups = _roll(units)
    tamper(units, groups)
    data = _bundle(units, groups)
    assert _verdict(data) == _reference(data, monkeypatch)


def _as_exported(units):
    pass


def _text_of_every_kind(units):  # read on the lines' text, but the escaped line, read by ``_register_line``
    units[3]["unit_key"] += "栋"
    units[4]["room"] = 'a"b\\c\x01'
    units[5]["building"] = "\x7f\u2028é"
    units[6]["entrance"] = None
    units[7]["owners"] = [_owner(1), _owner(2), _owner(3)]
    units[9]["delivered"] = False  # held: the developer's
    units[10]["parking"] = True  # not counted


def _escaped_unit_key(units):  # a unit id the roll lists escaped: the reference decides
    units[4]["unit_key"] += '"q'


@pytest.mark.parametrize(
    ("prepare", "decided"), [(_as_exported, True), (_text_of_every_kind, True), (_escaped_unit_key, False)]
)
def test_a_register_regroups_on_its_lines_text_where_it_can(small_partitions, monkeypatch, prepare, decided):
    units = _register(400)
    prepare(units)
    data = _bundle(units, _roll(units))
    decisions = []
    exported = _Verifier._regroup_exported

    def spy(self):
        found = exported(self)
        decisions.append(found is not None)
        return found

    monkeypatch.setattr(_Verifier, "_regroup_exported", spy)
    verdict = _verdict(data)
    assert verdict[0] is None, verdict
    assert decisions == [decided]
    assert verdict == _reference(data, monkeypatch)


_UNIT = {
    "unit_key": "1-1-101", "area": 7500, "area_source": "REGISTRY", "owners": [_owner(1)], "sale_status": "SOLD",
    "delivered": True, "parking": False, "building": "1", "entrance": "1", "room": "101", "evidence": "REGISTRATION",
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "exported"),
    [
        ({}, True),
        ({"unit_key": "3栋-1-101", "building": "3栋", "room": "\x7f\u2028 /<>"}, True),
        ({"entrance": None, "owners": [], "sale_status": "UNSOLD", "delivered": False, "parking": True}, True),
        ({"owners": [_owner(1), _owner(2), _owner(3)], "area": 0}, True),
        ({"area": -(10**15 - 1), "area_source": "CONTRACT", "evidence": "PUBLIC_HOUSING"}, True),
        ({"area": 10**15}, False),  # valid: read by ``_register_line``
        ({"room": 'a"b'}, False),  # valid: escaped
        ({"owners": [_owner(2), _owner(1)]}, False),  # the reference names what is wrong with the rest
        ({"owners": [_owner(1), _owner(1)]}, False),
        ({"owners": ["A" * 32]}, False),
        ({"area": 1.5}, False),
        ({"area": True}, False),
        ({"room": "\x1f"}, False),
        ({"unit_key": ""}, False),
        ({"parking": 1}, False),
        ({"entrance": 1}, False),
        ({"sale_status": "sold"}, False),
        ({"extra": 1}, False),
    ],
)
def test_a_unit_line_read_on_its_text_is_read_as_the_reference_reads_it(change, exported):
    line = _line({**_UNIT, **change})[:-1]
    fields = checks._exported_unit(line)
    assert (fields is not None) is exported
    try:
        unit = checks._register_line(line, 2)
    except checks.Failure:
        assert fields is None
        return
    unit_id, area, _, owners, status, delivered, parking = checks._UNIT_FIELDS(unit)
    if fields is not None:
        held = status == "UNSOLD" or not delivered
        assert fields == (unit_id, f'"{unit_id}"', area, checks._owners_text(owners), held, parking)


@pytest.mark.parametrize(
    "line",
    [
        _line(_UNIT)[:-1].replace(b":", b": "),  # another layout
        _line(_UNIT)[:-1].replace(b'{"area":7500,', b'{"area":7500,"area":7500,'),  # a repeated member
        _line(_UNIT)[:-1].replace(b'"101"', rb'"\u0031\u0030\u0031"'),  # the same text escaped
        _line({**_UNIT, "room": "é"})[:-1].replace("é".encode(), b"\xe9"),  # not UTF-8
        _line(_UNIT)[:-1].replace(b"7500", b"07500"),
        _line(_UNIT)[:-1].replace(b"7500", b"-0"),
        _line(_UNIT)[:-1] + b" ",
    ],
)
def test_a_unit_line_written_otherwise_is_left_to_the_reference(line):
    assert checks._exported_unit(line) is None


@pytest.mark.parametrize(
    ("group", "exported"),
    [
        ({}, True),
        ({"units": ["3栋-1-101", "3栋-1-102"], "owners": [_owner(1), _owner(2)], "is_developer": True}, True),
        ({"area": 0, "group_id": "00000000-0000-4000-8000-000000000000"}, True),
        ({"area": 10**15}, False),
        ({"area": 7500.0}, False),
        ({"heads": True}, False),
        ({"heads": 2}, False),
        ({"units": []}, False),
        ({"units": ['1-1-"101']}, False),
        ({"owners": None}, False),
        ({"is_developer": 0}, False),
        ({"extra": 1}, False),
    ],
)
def test_a_roll_line_read_on_its_text_is_read_as_the_reference_reads_it(group, exported):
    listed = {
        "area": 7500, "group_id": "a" * 32, "heads": 1, "is_developer": False, "owners": [_owner(1)],
        "units": ["1-1-101"], **group,
    }  # fmt: skip
    fields = checks._exported_group(_line(listed)[:-1])
    assert (fields is not None) is exported
    if fields is not None:
        area, group_id, is_developer, owners, units = fields
        assert (int(area), group_id) == (listed["area"], listed["group_id"])
        assert (is_developer == "true") is listed["is_developer"]
        assert json.loads(f"[{owners}]") == listed["owners"]
        assert json.loads(f"[{units}]") == listed["units"]


@pytest.mark.parametrize("by", ["owners", "first unit"])
def test_the_failure_in_the_last_partition_is_named(small_partitions, by):
    units = _register(400)
    groups = _roll(units)
    count = checks._partition_count(len(zipfile.ZipFile(io.BytesIO(_bundle(units, groups))).read(d.REGISTER)))
    # a group regrouped in the last partition (by its owner set), or compared in the last one (by its first unit)
    listed = next(
        group
        for group in reversed(groups)
        if hash(frozenset(group["owners"]) if by == "owners" else group["units"][0]) % count == count - 1
    )
    listed["area"] += 1
    assert _verdict(_bundle(units, groups)) == (
        "register",
        f"group {listed['group_id']} (units {', '.join(listed['units'])}): the register snapshot's unit areas add up "
        f"to {listed['area'] - 1}, the roll says {listed['area']} (a unit's area was changed)",
        [],
    )


def test_scope_checks_across_partitions(small_partitions, monkeypatch):
    units = _register(300)
    scope = [unit["unit_key"] for unit in units[::2]] + ["0-0-unknown"]
    data = _bundle(units, _roll(units), scope=scope)
    verdict = _verdict(data)
    assert verdict == _whole(data, monkeypatch)
    assert "0-0-unknown" in verdict[1]


# --- memory: bounded by the partition size / run length -------------------------------------------------------


def _peak(run: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_regroupings_peak_memory_does_not_grow_with_the_register(monkeypatch):
    monkeypatch.setattr(checks, "REGROUP_PARTITION_BYTES", 32 << 10)  # ~120 units
    monkeypatch.setattr(spill, "BUFFER_VALUES", 256)
    # members read 16 KiB at a time (both registers are many chunks long: what reading holds is the same for both)
    monkeypatch.setattr(checks, "CHUNK_BYTES", 16 << 10)
    small, large = (_bundle(units, _roll(units)) for units in (_register(3000), _register(18000)))
    _verdict(small)  # what is built once per process (caches, compiled patterns) is not the register's growth
    peaks = [_peak(lambda data=data: _verdict(data)) for data in (small, large)]
    # The budget: a few times one partition's bytes (its units parsed, its groups and listed groups), the write
    # buffers and what reading a member holds whatever its size (a chunk inflated and split into lines).
    budget = 24 * checks.REGROUP_PARTITION_BYTES + 8 * checks.CHUNK_BYTES
    assert peaks[1] < budget
    # six times the units, about the same peak (partitions follow the hash seed: 0.87-0.97 of the small one's seen;
    # regrouped whole, the large one's is more than 4 times, below)
    assert peaks[1] < 1.3 * peaks[0]
    # The same measurement sees the register's growth when it is regrouped in one partition (as before).
    monkeypatch.setattr(checks, "REGROUP_PARTITION_BYTES", 1 << 40)
    whole = [_peak(lambda data=data: _verdict(data)) for data in (small, large)]
    assert whole[1] > 4 * whole[0]
    assert whole[1] > 3 * budget


def test_the_entry_set_records_peak_memory_does_not_grow_with_the_log(monkeypatch):
    monkeypatch.setattr(spill, "READ_BYTES", 4096)
    monkeypatch.setattr(checks, "_ENTRY_SET_BLOCK", 256)
    record_size, run = checks._BOUND_RECORD, 512

    def bindings(count: int) -> Callable[[], Any]:
        rng = random.Random(count)

        def run_it() -> None:
            with spill.RecordSort(record_size, run_records=run) as records:
                for number in range(count):
                    records += rng.randbytes(36).hex()[:36].encode() + rng.randbytes(32) + number.to_bytes(8)
                _entry_sets(records, [count // 2, count + 1])

        return run_it

    peaks = [_peak(bindings(count)) for count in (5000, 40000)]
    # The budget: a run sorted in memory (a bytes object and a list slot per record), a read chunk per run merged
    # (at most FAN_IN - 1 per level, a level per FAN_IN times more runs), a block of bindings' pairs.
    budget = run * (record_size + 64) * 2 + 3 * spill.FAN_IN * 4096 + checks._ENTRY_SET_BLOCK * 400
    assert peaks[1] < budget
    assert peaks[1] < 1.25 * peaks[0]  # eight times the records, about the same peak
    # Kept in memory (one run holding them all), the same records' peak grows with them.
    run = 1 << 20
    whole = [_peak(bindings(count)) for count in (5000, 40000)]
    assert whole[1] > 4 * whole[0]


def test_entry_sets_from_a_record_sort_equal_those_of_a_sorted_list(monkeypatch):
    monkeypatch.setattr(spill, "FAN_IN", 2)
    rng = random.Random(3)
    records = [rng.randbytes(18).hex().encode() + rng.randbytes(32) + rng.randrange(50).to_bytes(8) for _ in range(300)]
    with spill.RecordSort(checks._BOUND_RECORD, run_records=7) as sorter:
        for record in records:
            sorter += record
        befores = [0, 10, 25, 51]
        assert _entry_sets(sorter, befores) == _entry_sets(sorted(records), befores)
        assert [checks._entry_set(sorter, before) for before in befores] == _entry_sets(sorted(records), befores)


# --- log/counted.json read as a stream -------------------------------------------------------------------------


def _commitments(count: int) -> list[str]:
    rng = random.Random(count)
    return sorted(rng.randbytes(32).hex() for _ in range(count))


@pytest.mark.parametrize("count", [0, 1, 2, 50, 5000])
@pytest.mark.parametrize("indent", [None, 2, "compact"])
def test_plain_counted_members_stream_in_any_chunks(count, indent):
    listed = _commitments(count) + _commitments(count)[:1]  # a repeat is read as it is (the checks refuse it)
    if indent == "compact":  # the exporter's form: runs of items (``_COUNTED_RUN``)
        text = json.dumps(listed, separators=(",", ":")).encode() + b"\n"
    else:
        text = json.dumps(listed, indent=indent).encode() + b"\n"
    for size in (1, 7, 66, 67, 4096, 1 << 18):
        chunks = [text[at : at + size] for at in range(0, len(text), size)]
        assert list(checks._plain_commitments(chunks)) == listed


@pytest.mark.parametrize(
    "text",
    [
        b"", b"  ", b"{}", b"[", b'["' + b"a" * 64 + b'"', b'["' + b"A" * 64 + b'"]', b'["' + b"a" * 63 + b'"]',
        b'["\\u0061' + b"a" * 63 + b'"]', b'["' + b"a" * 64 + b'"] x', b'[1]', b'[["' + b"a" * 64 + b'"]]',
        b'["' + b"a" * 64 + b'",]', b"\xef\xbb\xbf[]",
    ],
)  # fmt: skip
def test_anything_but_a_plain_counted_member_is_read_whole(text):
    with pytest.raises(checks._NotPlain):
        list(checks._plain_commitments([text]))


# --- log/index.json read as a stream ---------------------------------------------------------------------------


def _index_member(count: int, indent: int | str | None, kinds: int = 2) -> tuple[dict[str, Any], bytes]:
    def kind(number: int) -> str:  # ``kinds`` kinds, each first met further on (a new one in a later chunk's run)
        if number % 3:
            return "ballot.cast"
        letters = "".join(chr(ord("a") + int(digit, 26)) for digit in f"{number % kinds:x}")  # (kind names: no digits)
        return f"kind.{letters}" if kinds > 2 else "vote.published"

    index = {
        "entries": [[number * 7, kind(number)] for number in range(count)],
        "format": "evote-vote-index@1", "root_hash": "q" * 43 + "=", "tree_size": 7 * count + 1,
        "vote_id": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
    }  # fmt: skip
    if indent == "compact":  # the exporter's form (RFC 8785): the items in runs (``_INDEX_RUN``)
        return index, json.dumps({"index": index, "signature": "c2lnbg=="}, separators=(",", ":")).encode() + b"\n"
    return index, json.dumps({"index": index, "signature": "c2lnbg=="}, indent=indent).encode() + b"\n"


@pytest.mark.parametrize(("count", "kinds"), [(0, 2), (1, 2), (40, 2), (3000, 2), (3000, 700)])
@pytest.mark.parametrize("indent", [None, 2, "compact"])
def test_plain_index_members_stream_into_their_canonical_bytes(count, kinds, indent):
    from array import array

    from app.ledger.canonical import canonical_bytes

    index, text = _index_member(count, indent, kinds)
    for size in (1, 5, 33, 4096, 1 << 18):
        leaves, kinds = array("q"), checks._Kinds()
        chunks = [text[at : at + size] for at in range(0, len(text), size)]
        head, signature, message = checks._plain_index(chunks, leaves, kinds)
        assert message == canonical_bytes(index)
        assert head == {key: value for key, value in index.items() if key != "entries"}
        assert signature == "c2lnbg=="
        listed = [kinds[at] for at in range(len(kinds))]
        assert [[leaf, kind] for leaf, kind in zip(leaves, listed, strict=True)] == index["entries"]


def test_an_index_of_compact_runs_and_spaced_items_streams_into_its_canonical_bytes():
    from array import array

    from app.ledger.canonical import canonical_bytes

    index, text = _index_member(500, "compact", 9)
    spaced = text.replace(b'[35,"', b'[ 35 ,"').replace(b',[707,"', b', [707, "')
    spaced = spaced.replace(b'"]],"format"', b'"] ],"format"')
    assert spaced != text
    for size in (7, 100, 4096):
        leaves, kinds = array("q"), checks._Kinds()
        chunks = [spaced[at : at + size] for at in range(0, len(spaced), size)]
        assert checks._plain_index(chunks, leaves, kinds)[2] == canonical_bytes(index)
        assert [[leaf, kinds[at]] for at, leaf in enumerate(leaves)] == index["entries"]


@pytest.mark.parametrize(
    "change",
    [
        lambda text: text.replace(b'"format"', b'"formats"'),
        lambda text: text.replace(b"ballot.cast", b"ballot\\u002ecast"),
        lambda text: text.replace(b"[\n        7,", b"[\n        07,"), lambda text: text + b"x",
        lambda text: text.replace(b'"signature"', b'"extra": 1, "signature"'), lambda text: b"\xef\xbb\xbf" + text,
        lambda text: text.replace(b'"vote_id"', b'"vote_id": "x", "vote_id"'), lambda text: text[:-30],
    ],
)  # fmt: skip
def test_anything_but_a_plain_index_is_read_whole(change):
    from array import array

    _, text = _index_member(5, 2)
    with pytest.raises(checks._NotPlain):
        checks._plain_index([change(text)], array("q"), checks._Kinds())


def test_a_counted_member_of_compact_runs_and_spaced_items_streams_in_order():
    listed = _commitments(300)
    text = json.dumps(listed, separators=(",", ":")).encode()
    spaced = text.replace(b'","' + listed[100].encode(), b'", "' + listed[100].encode()).replace(b'"]', b'" ]')
    assert spaced.count(b" ") == 2
    for size in (5, 67, 200, 4096):
        chunks = [spaced[at : at + size] for at in range(0, len(spaced), size)]
        assert list(checks._plain_commitments(chunks)) == listed
