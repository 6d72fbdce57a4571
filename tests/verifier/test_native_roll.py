"""The roll lines' heads in C (app/verifier/_native_roll.pyx) against ``native.ROLL_LINE_HEAD``, the expression the
Python reference reads them with: the same ids and areas, or None, on generated heads and every byte edit of real
ones."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.verifier.native import native_module

native = native_module("_native_roll")
reference = importlib.import_module("app.verifier.native")

_LINES = [
    b'{"area":13771,"group_id":"0000284e17e091ee45f3bb96416c3d05","heads":1,"is_developer":false,"units":["1-1"]}',
    b'{"area":0,"group_id":"1f179be3-019a-12ef-0844-6e2bf2ece037","heads":1}',
    b'{"area":9999999999999999,"group_id":"ffffffffffffffffffffffffffffffff",',
]


def _same(lines: list[bytes]) -> None:
    assert native.roll_heads(lines) == reference._roll_heads(lines)


def test_real_heads_are_read_as_the_expression_reads_them() -> None:
    assert native.roll_heads(_LINES) == (
        [b"0000284e17e091ee45f3bb96416c3d05", b"1f179be3-019a-12ef-0844-6e2bf2ece037", b"f" * 32],
        [13771, 0, 9999999999999999],
    )
    assert native.roll_heads([]) == ([], [])
    _same(_LINES)


@pytest.mark.parametrize("line", _LINES)
def test_every_byte_edit_of_a_head_is_read_as_the_expression_reads_it(line: bytes) -> None:
    for at in range(min(len(line), 80)):
        for byte in b'0 19af-"g,{}:\x00\xff':
            _same([_LINES[0], line[:at] + bytes([byte]) + line[at + 1 :]])
        _same([line[:at] + line[at + 1 :]])  # deleted
        _same([line[:at] + b"0" + line[at:]])  # inserted
        _same([line[:at]])  # cut short


_ALPHABET = b'0123456789abcdef-",:{}agroup_id'


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from([b"", b"0", b"00", b"7", b"10", b"1" * 16, b"1" * 17, b"-1", b"01"]),
    st.binary(min_size=0, max_size=40).map(lambda raw: bytes(_ALPHABET[byte % len(_ALPHABET)] for byte in raw)),
    st.sampled_from([b'",', b'"', b",", b'",x', b""]),
)
def test_generated_heads_are_read_as_the_expression_reads_them(area: bytes, group: bytes, tail: bytes) -> None:
    _same([b'{"area":' + area + b',"group_id":"' + group + tail])
    _same([b'{"area":' + area + b',"group_id":"' + group[:32] + tail])


def test_anything_but_a_list_of_bytes_lines_is_none_or_refused() -> None:
    assert native.roll_heads([bytearray(_LINES[0])]) is None
    with pytest.raises(TypeError):
        native.roll_heads(tuple(_LINES))  # type: ignore[arg-type]
