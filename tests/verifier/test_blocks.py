"""The regrouping's block-wise reading of register.jsonl and roll.jsonl (``_exported_units``, ``_exported_columns``,
``_Verifier.blocks``, ``Partitions.add_many``): a block of lines is taken at once only where reading its lines one
at a time would take each of them on its text and note nothing, with the same state after it; any other block is
declined untouched (then read a line at a time, as before)."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from typing import Any

import pytest

from app.verifier import checks, spill
from app.verifier.checks import _exported_columns, _exported_group, _exported_unit, _exported_units, _RollChecks
from app.verifier.report import Progress
from app.verifier.trust import Trust

DEVELOPER = "d" * 32


def _line(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _owner(number: int) -> str:
    return f"{number:032x}"


def _unit(number: int, **change: Any) -> dict[str, Any]:
    return {
        "unit_key": f"1-1-{number:04d}", "area": 5000 + number, "area_source": "REGISTRY",
        "owners": [_owner(number // 2)], "sale_status": "SOLD", "delivered": True, "parking": False,
        "building": "1", "entrance": "1", "room": str(number), "evidence": "REGISTRATION", **change,
    }  # fmt: skip


def _units(count: int = 12) -> list[bytes]:
    return [_line(_unit(number)) for number in range(1, count + 1)]


def _state(rolls: _RollChecks, partitions: spill.Partitions) -> dict[str, Any]:
    state = {name: value for name, value in vars(rolls).items() if not isinstance(value, checks._FirstIds)}
    state.update({name: value.ids for name, value in vars(rolls).items() if isinstance(value, checks._FirstIds)})
    state["partitions"] = [partitions.values(index) for index in range(partitions.count)]
    return state


def _checks(*, developer: str | None = DEVELOPER, parking: bool = False, scope: Any = None) -> _RollChecks:
    rolls = _RollChecks(developer, parking)
    rolls.scope(scope)
    return rolls


def _by_line(block: bytes, rolls: _RollChecks, developer: str | None, partitions: spill.Partitions) -> bool:
    """The block a line at a time as ``_regroup_exported`` reads an exported line; False at a line it does not
    read on its text (the reference would)."""
    for line in block.split(b"\n")[:-1]:
        fields = _exported_unit(line)
        if fields is None:
            return False
        unit_id, quoted, area, owners, held, parking = fields
        if rolls.unit(unit_id, area, bool(owners), held, parking):
            key = developer if held else owners
            partitions.add_at(hash(key) % partitions.count, (key, quoted, area))
    return True


def _noted(rolls: _RollChecks) -> bool:
    """Whether ``_RollChecks.unit`` noted anything a failure is made of."""
    noted = rolls.not_positive.ids or rolls.without_owner.ids or rolls.developer_held.ids
    return bool(noted) or not rolls.ordered or (rolls.wanted is not None and not rolls.found <= rolls.wanted)


def _compare(block: bytes, rolls: _RollChecks, *, developer: str | None = DEVELOPER) -> bool:
    """``_exported_units`` on ``block`` against ``_by_line``; whether the block was taken at once."""
    before = copy.deepcopy(rolls)
    with spill.Partitions(3, buffer_values=4) as fast, spill.Partitions(3, buffer_values=4) as slow:
        taken = _exported_units(block, rolls, developer, fast)
        if taken is not None:
            assert taken == block.count(b"\n")
            assert _by_line(block, before, developer, slow)
            assert not _noted(before)
            assert _state(rolls, fast) == _state(before, slow)
        else:
            fresh = copy.deepcopy(before)
            with spill.Partitions(3) as untouched:
                assert _state(rolls, fast) == _state(fresh, untouched)
    return taken is not None


def test_a_block_of_exported_units_is_read_at_once_as_a_line_at_a_time():
    rolls = _checks()
    assert _compare(b"".join(_units()), rolls)
    assert rolls.units == rolls.counted == 12
    assert _compare(b"".join(_line(_unit(number)) for number in range(13, 20)), rolls)  # after the first block
    assert _compare(b"", rolls)


@pytest.mark.parametrize(
    "change",
    [
        {"sale_status": "UNSOLD", "owners": []},  # held by the developer: in its group
        {"delivered": False},
        {"parking": True},  # not counted without parking
        {"owners": [_owner(1), _owner(2), _owner(3)]},
        {"entrance": None, "room": "\x7f\u2028é", "building": "3栋"},
        {"area": 10**15 - 1},
    ],
)
def test_units_of_every_kind_read_at_once_as_a_line_at_a_time(change):
    lines = _units()
    lines[5] = _line(_unit(6, **change))
    assert _compare(b"".join(lines), _checks())


def _replaced(text: bytes) -> bytes:
    lines = _units()
    lines[4] = text
    return b"".join(lines)


@pytest.mark.parametrize(
    "block",
    [
        _replaced(b"x" + _line(_unit(5))),  # text before a unit
        _replaced(_line(_unit(5))[:-1] + b" \n"),  # after it
        _replaced(_line(_unit(5))[:-1] + b"\r\n"),
        _replaced(_line(_unit(5))[:-1] + _line(_unit(6))),  # two units on one line
        _replaced(_line(_unit(5)) + b"\n"),  # an empty line
        _replaced(_line(_unit(5)).replace(b":", b": ")),
        _replaced(_line(_unit(5)).replace(b'{"area":5005,', b'{"area":5005,"area":5005,')),
        _replaced(_line(_unit(5)).replace(b'"room":"5"', rb'"room":"\u0035"')),
        _replaced(_line(_unit(5, room="é")).replace("é".encode(), b"\xe9")),  # not UTF-8
        _replaced(_line(_unit(5, room="é")).replace("é".encode(), b"\xc3")),  # cut
        _replaced(_line(_unit(5)).replace(b"5005", b"05005")),
        _replaced(_line(_unit(5)).replace(b"5005", b"-0")),
        _replaced(_line(_unit(5)).replace(b"5005", b"5005.0")),
        _replaced(_line(_unit(5)).replace(b"5005", b"1" * 16)),  # a big integer
        _replaced(_line(_unit(5)).replace(b'"parking":false', b'"parking":0')),
        _replaced(_line(_unit(5, room='a"b'))),  # escaped
        _replaced(_line(_unit(5, owners=[_owner(2), _owner(1)]))),  # owners unsorted
        _replaced(_line(_unit(5, owners=[_owner(2), _owner(2)]))),  # repeated
        _replaced(_line(_unit(5, owners=["A" * 32]))),
        _replaced(_line({**_unit(5), "extra": 1})),
        _replaced(b"[" + _line(_unit(5))[:-1] + b"]\n"),
        _replaced(_line(_unit(5, area=0))),  # checked: a unit's area not positive
        _replaced(_line(_unit(5, area=-7))),
        _replaced(_line(_unit(5, owners=[]))),  # sold without an owner
        _replaced(_line(_unit(3))),  # an id repeated
        _replaced(_line(_unit(2))),  # out of order
    ],
)
def test_a_block_with_a_line_not_read_on_its_text_or_noted_is_declined_untouched(block):
    assert not _compare(block, _checks())


def test_checks_across_blocks_decline_what_a_line_at_a_time_notes():
    rolls = _checks()
    assert _compare(b"".join(_units()), rolls)
    assert not _compare(_line(_unit(12)), rolls)  # not after the previous block's last unit
    assert not _compare(_line(_unit(13, sale_status="UNSOLD")), _checks(developer=None), developer=None)
    assert _compare(_line(_unit(13, sale_status="UNSOLD", parking=True)), _checks(developer=None), developer=None)
    in_scope = [unit["unit_key"] for unit in map(json.loads, _units())]
    assert _compare(b"".join(_units()), _checks(scope=in_scope))
    assert not _compare(b"".join(_units()), _checks(scope=in_scope[1:]))  # a unit outside the scope: read alone


def _group(number: int, **change: Any) -> dict[str, Any]:
    return {
        "area": 5000 + number, "group_id": f"{number:032x}", "heads": 1, "is_developer": False,
        "owners": [_owner(number)], "units": [f"1-1-{number:04d}"], **change,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "exported"),
    [
        ({}, True),
        ({"units": ["3栋-1-101", "3栋-1-102"], "owners": [_owner(1), _owner(2)], "is_developer": True}, True),
        ({"area": 10**15}, False),
        ({"area": 7500.0}, False),
        ({"heads": True}, False),
        ({"units": []}, False),
        ({"units": ['1-1-"101']}, False),
        ({"owners": None}, False),
        ({"extra": 1}, False),
    ],
)
def test_a_block_of_roll_lines_is_read_at_once_as_a_line_at_a_time(change, exported):
    lines = [_line(_group(number)) for number in range(1, 9)]
    lines[3] = _line(_group(4, **change))
    block = b"".join(lines)
    columns = _exported_columns(checks._GROUP_LINE, block)
    assert (columns is not None) is exported
    if columns is not None:
        assert list(zip(*columns, strict=True)) == [_exported_group(line[:-1]) for line in lines]
    for changed in (b"x" + lines[3], lines[3][:-1] + b" \n", lines[3][:-1] + lines[4], b"\n" + lines[3], b"\xff\n"):
        block = b"".join([*lines[:3], changed, *lines[4:]])
        assert _exported_columns(checks._GROUP_LINE, block) is None
    assert _exported_columns(checks._GROUP_LINE, b"") == [[]] * 5


def test_partitions_add_many_as_add_at_one_at_a_time():
    values = [(number, f"unit {number}") for number in range(100)]
    for count in (1, 3):
        with spill.Partitions(count, buffer_values=5) as many, spill.Partitions(count, buffer_values=5) as one:
            many.add_many([hash(value[1]) % count for value in values[:40]], values[:40])
            many.add_many([hash(value[1]) % count for value in values[40:]], iter(values[40:]))
            for value in values:
                one.add(hash(value[1]), value)
            for index in range(count):
                assert many.values(index) == list(one.partition(index)) == list(many.partition(index))
                assert many.size(index) == one.size(index)


def _verifier(member: bytes) -> checks._Verifier:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("m.jsonl", member)
    verifier = checks._Verifier(buffer.getvalue(), trust=Trust(), progress=Progress(None))
    verifier.archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    return verifier


def _read(verifier: checks._Verifier, how: str) -> tuple[list[bytes], str | None]:
    read: list[bytes] = []
    try:
        if how == "lines":
            read.extend(line + b"\n" for line in verifier.lines("m.jsonl"))
        else:
            for block in verifier.blocks("m.jsonl"):
                assert block.endswith(b"\n")
                read.extend(line + b"\n" for line in block.split(b"\n")[:-1])
    except checks.Failure as failure:
        return read, failure.message
    return read, None


@pytest.mark.parametrize(
    "member",
    [
        b"",
        b"a\n",
        b"a\nb\n\n" * 100_000,
        b"a\nb",  # no newline at the end
        b"a\n" * 200_000 + b"b" * (checks.MAX_LINE_BYTES + 1) + b"\n",  # a line too long
        b"a\n" * 200_000 + b"b" * checks.MAX_LINE_BYTES + b"\n",
        b"a\n" * 200_000 + b"b" * checks.MAX_LINE_BYTES,  # the last line without its newline, after many
    ],
)
def test_blocks_give_the_lines_and_failures_that_lines_give(member):
    assert _read(_verifier(member), "blocks") == _read(_verifier(member), "lines")
