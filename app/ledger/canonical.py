"""RFC 8785 (JCS) canonical JSON and its SHA-256, the hash every evote artefact is identified by.

Only strings, integers below 2^53, booleans, null, lists and objects go in: areas and ratios are integers
or strings, never floats, so every party serialises them to the same bytes.

``rfc8785`` is the reference serialiser. It is pure Python, so documents made only of those value types
(exactly ``str``, ``int``, ``bool``, ``None``, ``list``, ``tuple`` and ``dict`` with ``str`` keys, every key
below U+D800) take a fast path through ``orjson`` with sorted keys, which gives the same bytes: its string
escapes are RFC 8785's (``\\" \\\\ \\b \\f \\n \\r \\t``, other control characters as lowercase ``\\u00xx``,
everything else as UTF-8), integers print alike, no whitespace, and it sorts keys by code point, which for
keys below U+D800 is UTF-16 code unit order (RFC 8785 §3.2.3). Anything else (floats, larger integers,
subclasses such as enums, keys from U+D800 up, lone surrogates, nesting deeper than orjson goes) goes through
``rfc8785`` as before. ``tests/ledger`` checks the two paths give equal bytes on generated documents.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1
_SURROGATES = "\ud800"  # from here on, code point order and UTF-16 code unit order differ
_SHA256 = hashlib.sha256()


def _sorted_dumps() -> Callable[[Any], bytes] | None:
    """``orjson.dumps`` with sorted keys, or None without orjson: the offline verifier needs only ``cryptography`` and
    ``rfc8785`` (``app.verifier``), and every document then takes ``rfc8785``."""
    try:
        import orjson
    except ImportError:
        return None
    return functools.partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)


_dumps_sorted = _sorted_dumps()


def canonical_bytes(document: Any) -> bytes:
    fast = _fast(document)
    if fast is not None:
        return fast
    _check(document)
    return rfc8785.dumps(document)


def canonical_sha256(document: Any) -> str:
    digest = _SHA256.copy()  # a copy of a fresh one: no look-up of the algorithm by name for each hash
    digest.update(canonical_bytes(document))
    return digest.hexdigest()


def unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook`` for documents whose objects may not repeat a member name."""
    members = dict(pairs)
    if len(members) != len(pairs):
        names = [name for name, _ in pairs]
        repeated = next(name for position, name in enumerate(names) if name in names[:position])
        raise ValueError(f"duplicate member {repeated!r}")
    return members


def is_canonical_form(document: Any, serialised: bytes) -> bool:
    """Whether ``serialised``, ``orjson``'s bytes of ``document`` with sorted keys, are its RFC 8785 bytes (the
    module docstring): for a reader that parsed them with ``orjson``, whether they are canonical JSON, since a
    float, an integer beyond 2^53 - 1 or keys in code point order would also be written back unchanged."""
    return _plain(document) and _ordered(document, serialised)


def _fast(document: Any) -> bytes | None:
    """``orjson``'s bytes of a document they are RFC 8785's for, else None (module docstring)."""
    if _dumps_sorted is None or not _plain(document):
        return None
    try:
        serialised = _dumps_sorted(document)
    except TypeError:  # a lone surrogate (rfc8785 refuses it with its own error) or nesting past orjson's limit
        return None
    return serialised if _ordered(document, serialised) else None


def _ordered(document: Any, serialised: bytes) -> bool:
    """Whether keys sorted by code point are in UTF-16 code unit order: so if no key reaches U+D800, and none does
    if the bytes are ASCII."""
    return serialised.isascii() or _keys_below_surrogates(document)


def _plain(value: Any) -> bool:
    """Whether ``value`` is made only of the value types the fast path serialises exactly as RFC 8785 (the order of
    its keys aside: ``_fast`` looks at them only when the bytes are not ASCII)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) is not str and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110 (a loop: strings without a call, no generator)
            if type(item) is not str and not _plain(item):
                return False
        return True
    if kind is str or kind is bool or value is None:
        return True
    return kind is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def _keys_below_surrogates(value: Any) -> bool:
    """Whether every key of a plain document is below U+D800."""
    kind = type(value)
    if kind is dict:
        return all(max(key, default="") < _SURROGATES and _keys_below_surrogates(item) for key, item in value.items())
    if kind is list or kind is tuple:
        return all(map(_keys_below_surrogates, value))
    return True


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
