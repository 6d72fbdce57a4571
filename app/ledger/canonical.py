"""RFC 8785 (JCS) canonical JSON and its SHA-256, the hash every evote artefact is identified by.

Only strings, integers below 2^53, booleans, null, lists and objects go in: areas and ratios are integers
or strings, never floats, so every party serialises them to the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1


def canonical_bytes(document: Any) -> bytes:
    _check(document)
    return rfc8785.dumps(document)


def canonical_sha256(document: Any) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def _check(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical documents; use integers or strings")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        raise ValueError("integer beyond 2^53 - 1; encode it as a string")
    if isinstance(value, dict):
        for item in value.values():
            _check(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check(item)
