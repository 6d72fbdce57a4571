"""The verifier's optional native core (``app/verifier/_native_*.pyx``, built by setup.py when a C compiler,
Cython and OpenSSL's headers are there): each function here is its C version when the extension is built, else
its Python reference, which gives the same answers (tests/verifier/test_native_*.py compare them).

``EVOTE_VERIFIER_NATIVE=0`` in the environment runs the references even when the extension is built (to compare
the two, or to rule the native code out); ``BUILT`` names the native modules in use (bench/verify_export.py prints
it beside its figures).
"""

from __future__ import annotations

import importlib
import os
import re
from array import array
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from app.ledger import merkle

if TYPE_CHECKING:  # (the stub's class, re-exported for the type of ``counted_lines``)
    from app.verifier._native_ballots import CountedLines as CountedLines

MultiRoot = Callable[[int, Iterable[tuple[int, bytes]], Iterable[bytes]], bytes | None]
BUILT: list[str] = []


def _built(name: str) -> ModuleType | None:
    """The native module ``app.verifier.<name>``; None when it is not built (no compiler at install time) or
    ``EVOTE_VERIFIER_NATIVE=0``: its Python reference then runs."""
    if os.environ.get("EVOTE_VERIFIER_NATIVE", "1") == "0":
        return None
    try:
        module = importlib.import_module(f"app.verifier.{name}")
    except ImportError:
        return None
    BUILT.append(name)
    return module


def _leaves_root(data: bytes, width: int) -> bytes:
    """The RFC 9162 root over the ``width``-byte items ``data`` joins, as leaf data."""
    if width <= 0 or len(data) % width:
        raise ValueError(f"leaf data must be bytes of {width}-byte items")
    return merkle.joined_root(b"".join(merkle.leaf_hashes(data[at : at + width] for at in range(0, len(data), width))))


multi_root: MultiRoot = merkle.multi_root
leaves_root: Callable[[bytes, int], bytes] = _leaves_root

_merkle = _built("_native_merkle")
if _merkle is not None:
    multi_root, leaves_root = _merkle.multi_root, _merkle.leaves_root


# The log's ballot.cast lines (app/verifier/_native_log.pyx): ``cast_block`` takes a block's server-form lines in C,
# or is None, and the pass takes each line by ``_Verifier._entry`` (its reference: the same state, line by line).
class CastBlock(Protocol):
    def __call__(
        self, lines: list[bytes], at: int, indices: array[int], first: int, previous: int, listed_at: int,
        listed_leaves: array[int], listed_codes: bytearray, cast_code: int, vote: bytes, result_size: int,
        online: bool, grant_bases: tuple[bytes, ...], max_bytes: int, tolerance: int,
    ) -> tuple[int, list[tuple[int, bytes]], int, int, bytes, bytes, bytes, bytes, bytes]: ...  # fmt: skip


cast_block: CastBlock | None = None

_log = _built("_native_log")
if _log is not None:
    cast_block = _log.cast_block


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

_roll = _built("_native_roll")
if _roll is not None:
    roll_heads = _roll.roll_heads


# The ballots' process's counted runs (app/verifier/_native_ballots.pyx): ``counted_lines`` makes the object that
# takes a block's lines in C and spreads a run's tally, or is None, and ``_Verifier._counted_run`` (its reference:
# the same state) runs. (Its type: the module's stub, app/verifier/_native_ballots.pyi.)
counted_lines: type[CountedLines] | None = None

_ballots = _built("_native_ballots")
if _ballots is not None:
    counted_lines = _ballots.CountedLines
