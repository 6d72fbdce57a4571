"""The verifier's optional native core (``app/verifier/_native_*.pyx``, built by setup.py when a C compiler,
Cython and OpenSSL's headers are there): each function here is its C version when the extension is built, else
its Python reference, which gives the same answers (tests/verifier/test_native_*.py compare them).

``EVOTE_VERIFIER_NATIVE=0`` in the environment runs the references even when the extension is built (to compare
the two, or to rule the native code out); ``BUILT`` says which one runs (the report prints it).
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from app.ledger import merkle

MultiRoot = Callable[[int, Iterable[tuple[int, bytes]], Iterable[bytes]], bytes | None]


def _leaves_root(data: bytes, width: int) -> bytes:
    """The RFC 9162 root over the ``width``-byte items ``data`` joins, as leaf data."""
    if width <= 0 or len(data) % width:
        raise ValueError(f"leaf data must be bytes of {width}-byte items")
    return merkle.joined_root(b"".join(merkle.leaf_hashes(data[at : at + width] for at in range(0, len(data), width))))


multi_root: MultiRoot = merkle.multi_root
leaves_root: Callable[[bytes, int], bytes] = _leaves_root
BUILT = False

if os.environ.get("EVOTE_VERIFIER_NATIVE", "1") != "0":
    try:
        from app.verifier import _native_merkle
    except ImportError:  # not built (no compiler at install time): the references run
        pass
    else:
        multi_root, leaves_root = _native_merkle.multi_root, _native_merkle.leaves_root
        BUILT = True


# The log's ballot.cast lines (app/verifier/_native_log.pyx): ``cast_block`` takes a block's server-form lines in C,
# or is None, and the pass takes each line by ``_Verifier._entry`` (its reference: the same state, line by line).
class CastBlock(Protocol):
    def __call__(
        self, lines: list[bytes], at: int, indices: array[int], first: int, previous: int, listed_at: int,
        listed_leaves: array[int], listed_codes: bytearray, cast_code: int, vote: bytes, result_size: int,
        online: bool, grant_bases: tuple[bytes, ...], max_bytes: int, tolerance: int,
    ) -> tuple[int, list[tuple[int, bytes]], int, int, bytes, bytes, bytes, bytes, bytes]: ...  # fmt: skip


cast_block: CastBlock | None = None

if os.environ.get("EVOTE_VERIFIER_NATIVE", "1") != "0":
    try:
        from app.verifier import _native_log
    except ImportError:  # not built: the pass takes every line the Python way
        pass
    else:
        cast_block = _native_log.cast_block


# roll.jsonl's group lines (app/verifier/_native_roll.pyx): each line's head (area, group id) for a block at once.
#: A canonical roll group line starts with its area and its group id (``_Verifier._read_roll``).
ROLL_LINE_HEAD = re.compile(rb'\{"area":(0|[1-9][0-9]{0,15}),"group_id":"([0-9a-f]{32}|[0-9a-f-]{36})",')


def _roll_heads(lines: list[bytes]) -> tuple[list[bytes], list[int]] | None:
    """The group ids and areas of a block of roll lines, or None when a line does not start with ``ROLL_LINE_HEAD``."""
    keys: list[bytes] = []
    areas: list[int] = []
    for line in lines:
        head = ROLL_LINE_HEAD.match(line)
        if head is None:
            return None
        keys.append(head.group(2))
        areas.append(int(head.group(1)))
    return keys, areas


roll_heads: Callable[[list[bytes]], tuple[list[bytes], list[int]] | None] = _roll_heads

if os.environ.get("EVOTE_VERIFIER_NATIVE", "1") != "0":
    try:
        from app.verifier import _native_roll
    except ImportError:  # not built: the reference reads the heads
        pass
    else:
        roll_heads = _native_roll.roll_heads


# The ballots' process's counted runs (app/verifier/_native_ballots.pyx): ``counted_lines`` makes the object that
# takes a block's lines in C and spreads a run's tally, or is None, and ``_Verifier._counted_run`` (its reference:
# the same state) runs.
class CountedLines(Protocol):
    def start(self) -> None: ...
    def take(self, lines: list[bytes], at: int, limit: int, digests: bytearray) -> tuple[int, int, bool]: ...
    def spread(
        self, sums: list[dict[Any, list[int]]], participating: list[int], values: dict[Any, Any], above: int
    ) -> None: ...
    def extremes(self) -> tuple[bytes, bytes, bytes, bytes]: ...


counted_lines: Callable[[Any, Callable[[Any], Any], Callable[[Any], bytes], bytes, list[str]], CountedLines] | None
counted_lines = None

if os.environ.get("EVOTE_VERIFIER_NATIVE", "1") != "0":
    try:
        from app.verifier import _native_ballots
    except ImportError:  # not built: the runs take every line the Python way
        pass
    else:
        counted_lines = _native_ballots.CountedLines
