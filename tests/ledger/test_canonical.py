"""RFC 8785 canonical JSON and its hash."""

from __future__ import annotations

import hashlib

import pytest

from app.ledger.canonical import MAX_SAFE_INTEGER, canonical_bytes, canonical_sha256


def test_keys_sorted_by_utf16_code_units_and_no_whitespace():
    # RFC 8785 §3.2.3: keys sort by UTF-16 code units, so "😀" (surrogates D83D DE00) precedes "｡" (FF61),
    # the reverse of their code point and UTF-8 order.
    document = {"b": [1, "x"], "a": {"\uff61": 2, "\U0001f600": 1, "1": True}, "c": None}
    assert canonical_bytes(document) == '{"a":{"1":true,"😀":1,"｡":2},"b":[1,"x"],"c":null}'.encode()


def test_hash_is_sha256_of_canonical_bytes():
    document = {"area": 90000, "heads": 8}
    assert canonical_sha256(document) == hashlib.sha256(b'{"area":90000,"heads":8}').hexdigest()


@pytest.mark.parametrize("document", [1.5, {"x": [0.1]}, ({"a": 1.0},)])
def test_floats_are_refused(document):
    with pytest.raises(TypeError, match="floats"):
        canonical_bytes(document)


def test_integers_beyond_2_pow_53_are_refused():
    assert canonical_bytes(MAX_SAFE_INTEGER) == str(MAX_SAFE_INTEGER).encode()
    with pytest.raises(ValueError, match="2\\^53"):
        canonical_bytes({"n": MAX_SAFE_INTEGER + 1})
