"""The log pass's fast reading of a server-form ``ballot.cast`` line (``checks._cast_fields``): it accepts exactly
the lines ``_CAST_LINE`` (the reference regular expression) matches, with the same fields. A line it declines goes
to the reference path, which names what is wrong (a forger holding the log key may write any line)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.verifier import checks

ESTATE = b"d46c2daa-f2d8-4374-821d-9b1ffdf5e5c1"
LINE = (
    b'{"created_at":"2025-03-16T16:30:38.179616Z","estate_id":"' + ESTATE + b'","id":"7e9d242a-9806-41e1-a04f-'
    b'e912eea1cd85","kind":"ballot.cast","payload":{"ballot_id":"7a4cea26-cd71-479d-a92f-0b93e53cd8e9","basis":"OWNER",'
    b'"cast_at":"2025-03-16T16:30:38.179616+00:00","channel":"ONLINE","commitment":"74788ddc8145a8219736b0f97d4018dcaa3c'
    b'07f8115da17595d5a6f45b7e28c3","grant":"","group":"fe055ef4c441a74896dd166b90c0004d"},"payload_sha256":"bf83c2b6dd'
    b'e698f7fd0226eaf1ab5045c46558c89ecf52a6061bc8f688852952","vote_id":"1caf1fa0-0053-46e1-9b8c-2d975df2b352"}'
)
NULL_ESTATE = LINE.replace(b'"' + ESTATE + b'"', b"null")
#: Bytes a mutation writes: the structure's, the classes' edges, escapes, controls, non-ASCII.
#: The reference: the server's ballot.cast line as one expression with every character class (what ``_cast_fields``
#: checks in two steps).
_CAST_LINE = re.compile(
    rb'\{"created_at":"(%(time)bZ)","estate_id":(?:null|"(%(uuid)b)"),"id":"(%(uuid)b)","kind":"ballot\.cast",'
    rb'"payload":(\{"ballot_id":"(%(uuid)b)","basis":"(%(plain)b)","cast_at":"(%(plain)b)","channel":"(%(plain)b)",'
    rb'"commitment":"([0-9a-f]{64})","grant":"(%(plain)b)","group":"(%(plain)b)"\}),"payload_sha256":"([0-9a-f]{64})",'
    rb'"vote_id":"(%(uuid)b)"\}' % {b"time": checks._TIME, b"uuid": checks._UUID, b"plain": checks._PLAIN}
)
ALPHABET = b'"\\{}[]:,.-_ 09afgAFZT+nulx\t\n\r\x00\x1f\x7f\x80\xc3\xa9\xff'


def _reference(line: bytes) -> tuple[bytes, ...] | None:
    match = _CAST_LINE.fullmatch(line)
    if match is None:
        return None
    groups = match.groups()
    return (groups[0], groups[1] or b"", groups[2], *groups[4:13])


def _same(line: bytes) -> None:
    assert checks._cast_fields(line) == _reference(line), line


def test_the_server_s_lines_are_read_with_their_fields() -> None:
    for line in (LINE, NULL_ESTATE, LINE.replace(b'"grant":""', b'"grant":"g-1 ~!#$%&()*+/;<=>?@[]^_`{|}"')):
        fields = checks._cast_fields(line)
        assert fields is not None
        assert fields == _reference(line)
    assert checks._cast_fields(NULL_ESTATE)[1] == b""  # type: ignore[index]
    payload = LINE[checks._CAST_PAYLOAD[36] : -checks._CAST_TAIL]
    assert payload.startswith(b'{"ballot_id":')
    assert payload.endswith(b'"}')
    assert NULL_ESTATE[checks._CAST_PAYLOAD[0] : -checks._CAST_TAIL] == payload


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'"estate_id":"' + ESTATE + b'"', b'"estate_id":""'),  # an empty estate id is not null
        (ESTATE, ESTATE.upper()),  # uppercase hex
        (b"74788ddc", b"74788DDC"),
        (b"bf83c2b6", b"bf83c2bg"),
        (b"1caf1fa0-0053", b"1caf1fa00-053"),  # a hyphen moved
        (b"2025-03-16T16:30:38.179616Z", b"2025-03-16T16:30:38.17961aZ"),  # a hex letter in the time
        (b"2025-03-16T16:30:38.179616Z", b"2025-03-16 16:30:38.179616Z"),
        (b"2025-03-16T16:30:38.179616Z", b"2025-03-16T16:30:38.179616+00:00"),
        (b'"basis":"OWNER"', b'"basis":"OW\\"NER"'),  # an escaped quote
        (b'"basis":"OWNER"', b'"basis":"OW\\u0041NER"'),  # an escape
        (b'"basis":"OWNER"', b'"basis":"OWN\xc3\x89R"'),  # non-ASCII
        (b'"grant":""', b'"grant":"\t"'),  # a control character
        (b'"grant":""', b'"grant":"\x7f"'),
        (b'"grant":""', b'"grant":null'),  # another type
        (b'"grant":""', b'"grant":1.5'),  # a float
        (b'"grant":""', b'"grant":"","grant":""'),  # a repeated member
        (b'"group":"fe055ef4c441a74896dd166b90c0004d"}', b'"group":"fe055ef4c441a74896dd166b90c0004d","x":1}'),
        (b'"kind":"ballot.cast"', b'"kind":"ballot_cast"'),
        (b'{"created_at"', b' {"created_at"'),
        (b'"vote_id":"1caf1fa0-0053-46e1-9b8c-2d975df2b352"}', b'"vote_id":"1caf1fa0-0053-46e1-9b8c-2d975df2b352"} '),
    ],
)
def test_what_the_reference_refuses_is_declined(old: bytes, new: bytes) -> None:
    for line in (LINE, NULL_ESTATE):
        if old in line:
            mutated = line.replace(old, new, 1)
            assert _reference(mutated) is None, mutated
            assert checks._cast_fields(mutated) is None, mutated


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from([LINE, NULL_ESTATE]),
    st.lists(
        st.tuples(
            st.integers(0, len(LINE)), st.integers(0, 3), st.binary(max_size=3).map(lambda b: bytes(b)), st.data()
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_a_mutated_line_is_read_as_the_reference_reads_it(line: bytes, edits: list[Any]) -> None:
    for at, removed, _, data in edits:
        inserted = data.draw(st.lists(st.sampled_from(list(ALPHABET)), max_size=3).map(bytes))
        at = min(at, len(line))
        line = line[:at] + inserted + line[at + removed :]
    _same(line)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([b"basis", b"cast_at", b"channel", b"grant", b"group"]), st.binary(max_size=8))
def test_any_bytes_in_a_plain_field_are_read_as_the_reference_reads_them(member: bytes, value: bytes) -> None:
    for line in (LINE, NULL_ESTATE):
        start = line.index(b'"' + member + b'":"') + len(member) + 4
        end = line.index(b'"', start)
        _same(line[:start] + value + line[end:])
