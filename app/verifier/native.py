"""The verifier's optional native core (``app/verifier/_native_*.pyx``, built by setup.py when a C compiler,
Cython and OpenSSL's headers are there): each function here is its C version when the extension is built, else
its Python reference, which gives the same answers (tests/verifier/test_native_*.py compare them).

``EVOTE_VERIFIER_NATIVE=0`` in the environment runs the references even when the extension is built (to compare
the two, or to rule the native code out); ``BUILT`` says which one runs (the report prints it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

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
