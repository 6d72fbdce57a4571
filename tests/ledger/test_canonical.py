"""RFC 8785 canonical JSON and its hash."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys

import orjson
import pytest
import rfc8785

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


# RFC 8785 §3.2.2: the sample input, whose string exercises every escaping rule.
RFC8785_SAMPLE = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC8785_SAMPLE_OUTPUT = (
    r"""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"""
    r""""string":"€$\u000f\nA'B\"\\\\\"/"}"""
)

# RFC 8785 §3.2.3: the sorting sample.
RFC8785_SORTING = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC8785_SORTING_OUTPUT = (
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",'
    '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
)


def test_rfc8785_sample_without_its_floats():
    document = json.loads(RFC8785_SAMPLE)
    # The library reproduces the RFC's output including the numbers, which pins the dependency ...
    assert rfc8785.dumps(document) == RFC8785_SAMPLE_OUTPUT.encode()
    # ... while canonical_bytes refuses the floats and serialises the rest exactly as the RFC does.
    with pytest.raises(TypeError, match="floats"):
        canonical_bytes(document)
    del document["numbers"]
    assert canonical_bytes(document) == RFC8785_SAMPLE_OUTPUT.replace(
        '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],', ""
    ).encode("utf-8")


def test_rfc8785_sorting_sample():
    assert canonical_bytes(json.loads(RFC8785_SORTING)) == RFC8785_SORTING_OUTPUT.encode("utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, b"0"),
        (-0, b"0"),
        (-MAX_SAFE_INTEGER, b"-9007199254740991"),
        ("\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f", b'"\\u0000\\b\\t\\n\\f\\r\\u001f\x7f"'),
        ("</script>\u2028", '"</script>\u2028"'.encode()),
        ([], b"[]"),
        ({}, b"{}"),
    ],
)
def test_rfc8785_scalars(value, expected):
    # §3.2.2.2: control characters use the short escapes where JSON has them, else \u00xx in lowercase
    # hex; everything else, including DEL and U+2028, is emitted as UTF-8 unescaped.
    assert canonical_bytes(value) == expected


# --- the fast path (orjson, keys sorted) equals the rfc8785 reference -----------------------------

from enum import StrEnum  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from app.ledger import canonical as canonical_module  # noqa: E402

_KEYS = st.text(max_size=6) | st.sampled_from(["a", "b", "\uff61", "\U0001f600", "\ue000", "\ud7ff", ""])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS)
def test_fast_path_equals_rfc8785(document):
    assert canonical_bytes(document) == rfc8785.dumps(document)


@pytest.mark.parametrize(
    "document",
    [
        {"\U0001f600": 1, "\uff61": 2},  # a key from U+D800 up: UTF-16 order differs from code point order
        {"\ue000": [1], "a": {"\U00010000": None}},
        [{"k": "v"}, ("t", {"\ud7ff": True})],
        {"n": [-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, 0, True, False, None]},
        '\u0000\u001f"\\/\u2028é漢字',
    ],
)
def test_fast_path_equals_rfc8785_on_edge_documents(document):
    assert canonical_bytes(document) == rfc8785.dumps(document)


class Colour(StrEnum):
    RED = "RED"


@pytest.mark.parametrize(
    ("document", "plain"),
    [
        ({"a": [1, "x", None, True]}, True),
        (("a", 1), True),
        ({"\U0001f600": 1}, False),  # sorted by UTF-16 code units: rfc8785
        ({1: "x"}, False),  # a key that is not a string: rfc8785 refuses it
        ({"c": Colour.RED}, False),  # a subclass: rfc8785 decides
        ([Colour.RED], False),
        ({"n": MAX_SAFE_INTEGER + 1}, False),
        (MAX_SAFE_INTEGER + 1, False),
        ({"f": 1.5}, False),
        ({"d": {"e": [0.5]}}, False),
        ({"d": {"e": 2**60}}, False),
    ],
)
def test_which_documents_take_the_fast_path(document, plain):
    assert (canonical_module._fast(document) is not None) is plain


def _takes_the_fast_path(value: object) -> bool:
    """The fast path's documents as first defined: plain types only, every key below U+D800, all in one walk."""
    if type(value) is dict:
        return all(
            type(key) is str and max(key, default="") < "\ud800" and _takes_the_fast_path(item)
            for key, item in value.items()
        )
    if type(value) is list or type(value) is tuple:
        return all(map(_takes_the_fast_path, value))
    if type(value) is str or type(value) is bool or value is None:
        return True
    return type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


_ODD_SCALARS = (
    _SCALARS
    | st.floats(allow_nan=False)
    | st.integers()
    | st.sampled_from([Colour.RED, MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 0.0])
)
_ODD_DOCUMENTS = st.recursive(
    _ODD_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, children, max_size=4)
        | st.dictionaries(st.sampled_from([1, Colour.RED, "k"]), children, max_size=2)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_ODD_DOCUMENTS)
def test_the_fast_path_takes_exactly_the_documents_it_did(document):
    # keys are checked only when the bytes are not ASCII: the same documents take the fast path
    assert (canonical_module._fast(document) is not None) is _takes_the_fast_path(document)


@pytest.mark.parametrize(
    ("document", "plain"),
    [
        ({"é": "漢"}, True),  # bytes not ASCII, keys below U+D800
        ({"k": "漢", "\ue000": 1}, False),
        ({"a": [{"b": {"\U0001f600": 1}}]}, False),  # a key deep down
        (["\ue000", {"\ud7ff": True}], True),  # a value from U+D800 up is not a key
    ],
)
def test_keys_are_looked_at_when_the_bytes_are_not_ascii(document, plain):
    assert (canonical_module._fast(document) is not None) is plain
    if plain:
        assert canonical_bytes(document) == rfc8785.dumps(document)


def test_enums_and_odd_keys_still_serialise_as_rfc8785_does():
    assert canonical_bytes({"c": Colour.RED, "l": [Colour.RED]}) == b'{"c":"RED","l":["RED"]}'
    with pytest.raises(rfc8785.CanonicalizationError, match="keys must be strings"):
        canonical_bytes({1: "x"})


def test_a_lone_surrogate_is_refused_by_the_reference():
    with pytest.raises(rfc8785.CanonicalizationError, match="non-UTF-8"):
        canonical_bytes({"s": "\ud800"})


def test_nesting_deeper_than_the_fast_path_goes_is_serialised_by_the_reference():
    document: list[object] = []
    inner = document
    for _ in range(300):  # orjson stops at 255 levels; rfc8785 goes on
        inner.append([])
        inner = inner[0]
    assert canonical_module._plain(document)
    assert canonical_module._fast(document) is None
    assert canonical_bytes(document) == rfc8785.dumps(document) == b"[" * 301 + b"]" * 301


@pytest.mark.parametrize(
    ("document", "canonical"),
    [
        ({"a": [1, "x", None, True], "b": {"c": "漢字"}}, True),
        ({"\uff61": 1, "a": 2}, False),  # a key from U+D800 up in bytes not ASCII: left to the reference
        ({"f": 1.5}, False),  # orjson reads and writes a float back unchanged
        ({"z": -0.0}, False),
        ({"n": MAX_SAFE_INTEGER + 1}, False),  # and an integer up to 64 bits
        ({"\U0001f600": 1, "\uff61": 2}, False),  # and keys in code point order
    ],
)
def test_orjson_s_sorted_bytes_are_canonical_only_for_plain_documents_in_utf16_order(document, canonical):
    serialised = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    assert canonical_module.is_canonical_form(document, serialised) is canonical
    if canonical:
        assert serialised == rfc8785.dumps(document)


def test_without_orjson_every_document_takes_the_reference(monkeypatch):
    """The offline verifier runs without orjson (app/verifier/__init__.py): the module then loads and gives the same
    bytes through rfc8785 alone."""
    monkeypatch.setitem(sys.modules, "orjson", None)  # ``import orjson`` raises ImportError
    spec = importlib.util.spec_from_file_location("canonical_without_orjson", canonical_module.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    document = {"b": [1, "x", None, True], "a": {"\uff61": 2, "\U0001f600": 1}}
    assert module._dumps_sorted is None
    assert module._fast(document) is None
    assert module.canonical_bytes(document) == rfc8785.dumps(document) == canonical_bytes(document)
