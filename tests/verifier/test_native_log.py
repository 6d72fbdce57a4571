"""The log pass's native block path (``_proven_blocks``: app/verifier/_native_log.pyx's ``cast_block``, then
``_entry`` for each line it declines) against ``_proven`` (``_entry`` a line at a time), on the test bundle's real
lines: every byte edit of a ``ballot.cast`` line, with and without its payload digest made to hold again (as a forger
holding the log key would make it), lines rewritten in the server's form with other times (calendar edges), a null
estate, paper, grants, long groups; in contexts where the line is late, unlisted, out of order or the vote has
receptions; in blocks of 1 to 4 lines and cut short. Both leave the same state (leaves, the index's merge, entry-set
records, the ballot.cast arrays, the agreement's digest, late evidence, deferred failures, online records …), yield
the same leaves (so the same root), and raise the same failure at the same line. The whole verifier gives the same
report with the module and without it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
from array import array
from bisect import bisect_left
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ledger import merkle
from app.ledger.canonical import canonical_bytes, canonical_sha256
from app.verifier import checks, native, verify_bundle
from app.verifier import documents as d
from app.verifier.checks import GRANT_BASES
from tests.verifier.helpers import leaf_indices, members
from tests.verifier.native import native_module
from tests.verifier.test_ballot_fast_path import _prepared
from tests.verifier.test_loose_fields import _relogged

native_log = native_module("_native_log")

#: Bytes an edit writes: the structure's, the classes' edges (hex, UUID, time digits, plain strings), escapes,
#: controls, non-ASCII.
ALPHABET = b'"\\{}:,.-+ 0129afgAFTZnx~\x00\x1f\x7f\x80\xff'
#: created_at values at the calendar's edges and around the epoch (valid and not: ``datetime.fromisoformat`` decides).
DATES = [
    "0001-01-01T00:00:00.000000Z", "0000-12-31T23:59:59.999999Z", "1600-02-29T00:00:00.000000Z",
    "1969-12-31T23:59:59.999999Z", "1970-01-01T00:00:00.000000Z", "1970-01-01T00:00:00.000001Z",
    "1900-02-29T12:00:00.000000Z", "2000-02-29T12:00:00.000000Z", "2100-02-29T12:00:00.000000Z",
    "2400-02-29T12:00:00.000000Z", "2023-02-29T00:00:00.000000Z", "2024-02-29T23:59:59.999999Z",
    "2024-02-30T00:00:00.000000Z", "2025-02-28T23:59:59.999999Z", "2025-04-30T00:00:00.000000Z",
    "2025-04-31T00:00:00.000000Z", "2025-06-31T00:00:00.000000Z", "2025-09-31T00:00:00.000000Z",
    "2025-11-31T00:00:00.000000Z", "2025-12-31T23:59:59.999999Z", "2025-13-01T00:00:00.000000Z",
    "2025-00-10T00:00:00.000000Z", "2025-01-00T00:00:00.000000Z", "2025-01-32T00:00:00.000000Z",
    "2025-01-01T24:00:00.000000Z", "2025-01-01T23:60:00.000000Z", "2025-01-01T23:59:60.000000Z",
    "2038-01-19T03:14:08.000000Z", "9999-12-31T23:59:59.999999Z", "2025-03-16T16:30:38.179616Z",
]  # fmt: skip


def _forged(line: bytes) -> bytes:
    """The line's payload_sha256 made to hold over the preimage ``_agreed_cast`` makes of its bytes (estate, payload,
    vote id), whatever the edit; the line as it is when those parts are not found."""
    head = re.match(rb'\{"created_at":"[^"]*","estate_id":(?:null|"([^"]*)"),', line)
    start, tail = line.find(b'"payload":'), line.rfind(b',"payload_sha256":"')
    if head is None or start < 0 or tail < start or not line.endswith(b'"}'):
        return line
    vote = line[tail + 19 + 64 + len(b'","vote_id":"') : -2]
    preimage = b"".join((
        b'{"estate_id":"', head.group(1) or b"", b'","kind":"ballot.cast","payload":', line[start + 10 : tail],
        b',"vote_id":"', vote, b'"}',
    ))  # fmt: skip
    return line[: tail + 19] + hashlib.sha256(preimage).hexdigest().encode() + line[tail + 19 + 64 :]


def _rewritten(line: bytes, *, created_at: str | None = None, **payload: Any) -> bytes:
    """The line as the server writes a ``ballot.cast`` entry with these members changed (``estate_id=None``: a null
    estate), its payload digest recomputed: canonical, of the server's form when its values are."""
    document = json.loads(line)
    if created_at is not None:
        document["created_at"] = created_at
        document["payload"]["cast_at"] = created_at[:-1] + "+00:00"
    if "estate_id" in payload:
        document["estate_id"] = payload.pop("estate_id")
    document["payload"].update(payload)
    document["payload_sha256"] = canonical_sha256({
        "kind": document["kind"], "estate_id": document["estate_id"] or "", "vote_id": document["vote_id"],
        "payload": document["payload"],
    })  # fmt: skip
    return canonical_bytes(document)


class Log:
    """The test bundle's log lines and leaf indices, and one verifier a path, reset for each case."""

    def __init__(self, bundle: bytes, trust: Any) -> None:
        files = members(bundle)
        self.lines = files[d.ENTRIES].splitlines()
        self.indices = leaf_indices(files)
        self.casts = [at for at, line in enumerate(self.lines) if b'"kind":"ballot.cast"' in line]
        self.fast, self.reference = _prepared(bundle, trust), _prepared(bundle, trust)
        self.result = self.fast.result_checkpoint
        self.taken = 0  # lines taken in C

    def _counted(self, *arguments: Any) -> Any:
        taken = native_log.cast_block(*arguments)
        self.taken += taken[0]
        return taken

    def run(
        self, lines: list[bytes], indices: list[int], *, previous: int, listed_at: int, online: bool,
        result_size: int | None = None, codes: bytearray | None = None, fast: bool,
    ) -> tuple[Any, ...]:  # fmt: skip
        """(the leaves yielded, their root, the failure, the state) of one path over ``lines`` at ``indices``."""
        verifier = self.fast if fast else self.reference
        verifier._reset_stream()
        verifier.on_cast, verifier.agreeing = verifier._agree, True
        verifier.agreement, verifier.disagreed, verifier.deferred = hashlib.sha256(), False, {}
        verifier.previous, verifier.listed_at, verifier.online_kept = previous, listed_at, online
        verifier.result_checkpoint = replace(self.result, size=self.result.size if result_size is None else result_size)
        stream, proof = iter(lines), array("q", indices)
        items: list[tuple[int, bytes]] = []
        failure = None
        cast_block, native.cast_block = native.cast_block, self._counted
        kinds = verifier.listed_kinds
        listed_codes, kinds.codes = kinds.codes, kinds.codes if codes is None else codes
        try:
            items.extend(verifier._leaves_of(stream, proof) if fast else verifier._proven(stream, proof))
        except Exception as error:  # the same failure (or error) at the same line, the state as it left it
            failure = (type(error), str(error))
        finally:
            native.cast_block, kinds.codes = cast_block, listed_codes
        size = max(indices, default=0) + 1
        hashes = [hashlib.sha256(b"%d" % at).digest() for at in range(size)]
        proven = sorted({index for index in indices if index >= 0})
        root = merkle.multi_root(size, items, merkle.multi_inclusion_proof(proven, hashes)) if proven else None
        if failure is None:
            assert next(stream, None) is None  # every line taken, none beyond
        return items, root, failure, _state(verifier)

    def compare(self, lines: list[bytes], indices: list[int], **context: Any) -> tuple[Any, ...]:
        fast = self.run(lines, indices, fast=True, **context)
        assert fast == self.run(lines, indices, fast=False, **context), (lines, indices, context)
        return fast

    def context(self, at: int) -> dict[str, int]:
        """The state before line ``at`` of the log when every line before it was taken."""
        listed = self.fast.listed_leaves
        return {"previous": self.indices[at - 1] if at else -1, "listed_at": bisect_left(listed, self.indices[at])}


def _state(verifier: checks._Verifier) -> tuple[Any, ...]:
    return (
        verifier.previous, list(verifier.leaves), verifier.listed_at, list(verifier.missing), verifier.unlisted,
        verifier.late_evidence, list(verifier.bound), list(verifier.bound_procedure), list(verifier.cast_leaves),
        list(verifier.cast_created), verifier.agreement.digest(), verifier.disagreed, dict(verifier.deferred),
        list(verifier.online_records), list(verifier.paper_records), list(verifier.paper_leaves),
        list(verifier.receptions), list(verifier.voided), list(verifier.voided_leaves), list(verifier.voided_created),
        verifier.first_voided, list(verifier.entries.leaves), list(verifier.entries.lines.read()),
    )  # fmt: skip


@pytest.fixture
def log(bundle: bytes, trust: Any) -> Log:
    return Log(bundle, trust)


def test_the_server_s_lines_are_taken_in_c(log: Log) -> None:
    """The control: every ballot.cast line of the bundle is taken by ``cast_block``, with the reference's state."""
    for online in (False, True):
        _, root, failure, _ = log.compare(log.lines, log.indices, previous=-1, listed_at=0, online=online)
        assert failure is None
        assert root is not None
    assert log.taken == 2 * len(log.casts) > 0


@pytest.mark.parametrize("forge", [False, True])
def test_every_byte_edit_of_a_cast_line(log: Log, forge: bool) -> None:
    """Each byte of a ballot.cast line replaced by each of ``ALPHABET``, removed, or preceded by one: the line
    between its real neighbours, its payload digest as the edit leaves it or made to hold again."""
    at = log.casts[len(log.casts) // 2]
    lines, indices = log.lines[at - 1 : at + 2], log.indices[at - 1 : at + 2]
    line, context = lines[1], log.context(at - 1)
    taken = 0
    for position in range(len(line)):
        edits = [line[:position] + bytes([byte]) + line[position + 1 :] for byte in ALPHABET if byte != line[position]]
        edits += [line[:position] + line[position + 1 :], line[:position] + b"0" + line[position:]]
        for edited in edits:
            edited = _forged(edited) if forge else edited
            _, _, failure, _ = log.compare([lines[0], edited, lines[2]], indices, online=position % 2 == 0, **context)
            taken += failure is None
    assert taken > 0  # some edits hold (a time's digit, or any plain string's with the digest forged)
    assert log.taken > 0  # and some are taken in C


@pytest.mark.parametrize("seed", range(3))
def test_random_byte_edits_anywhere(log: Log, seed: int) -> None:
    """Any byte (all 256) at random places of a random cast line, 1 to 3 edits, forged or not."""
    rng = random.Random(seed)
    for _ in range(1500):
        at = rng.choice(log.casts)
        line = log.lines[at]
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(line) + 1)
            what = rng.random()
            if what < 0.6:
                line = line[:position] + bytes([rng.randrange(256)]) + line[position + 1 :]
            elif what < 0.8:
                line = line[:position] + line[position + 1 :]
            else:
                line = line[:position] + bytes([rng.randrange(256)]) + line[position:]
        if rng.random() < 0.5:
            line = _forged(line)
        log.compare([line], [log.indices[at]], online=rng.random() < 0.5, **log.context(at))


@pytest.mark.parametrize("date", DATES)
def test_times_at_the_calendar_s_edges(log: Log, date: str) -> None:
    at = log.casts[0]
    line = log.lines[at]
    for cast_at in (None, date[:-1] + "+00:00", date, date[:-1] + "+01:00", "2025-03-16T16:30:38.179616+00:00"):
        edited = _rewritten(line, created_at=date)
        if cast_at is not None:
            edited = _rewritten(edited, cast_at=cast_at)
        for online in (False, True):
            log.compare([edited, log.lines[at + 1]], log.indices[at : at + 2], online=online, **log.context(at))


def test_cast_at_in_other_forms_near_the_tolerance(log: Log) -> None:
    """cast_at as another instant than created_at, in the forms C reads (Z, ±HH:MM, with or without microseconds)
    and others, at and around created_at + TIME_TOLERANCE (later: a deferred failure, Python's)."""
    at = log.casts[0]
    created = datetime(2025, 3, 16, 16, 30, 38, 179616, tzinfo=UTC)
    line = _rewritten(log.lines[at], created_at="2025-03-16T16:30:38.179616Z")
    forms = ["%Y-%m-%dT%H:%M:%S.%f+00:00", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+00:00"]
    taken = log.taken
    for delta in (-10**9, -1, 0, 1, checks.TIME_TOLERANCE_MICROS - 1, checks.TIME_TOLERANCE_MICROS,
                  checks.TIME_TOLERANCE_MICROS + 1, 10**12):  # fmt: skip
        instant = created + timedelta(microseconds=delta)
        texts = [instant.strftime(form) for form in forms]
        for hours, minutes in ((8, 0), (-5, -30), (23, 59), (-23, -59), (0, 0)):
            local = instant.astimezone(timezone(timedelta(hours=hours, minutes=minutes)))
            texts += [local.isoformat(), local.isoformat(timespec="seconds"), local.isoformat(timespec="milliseconds")]
        texts += [texts[0].replace("+00:00", "-00:00"), texts[0].replace("+00:00", "+24:00"), texts[0][:-6] + "+0800"]
        texts += [texts[0][:-6] + "+08:00:00", texts[0][:-6] + "+08:60", texts[0].replace("T", " "), texts[0][:-6]]
        texts += ["0000-12-31T23:59:59.999999+00:00", "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+01:00"]
        for text in texts:
            for online in (False, True):
                log.compare([_rewritten(line, cast_at=text)], [log.indices[at]], online=online, **log.context(at))
    assert log.taken > taken


def test_a_time_is_the_same_number_of_microseconds(log: Log) -> None:
    """created_at in C as ``_micros``: random valid instants over the whole calendar, each taken in C."""
    rng = random.Random(5)
    at = log.casts[0]
    for _ in range(300):
        day = rng.randrange(719163, 3652059)  # 1970-01-01 … 9999-12-31, as proleptic ordinals
        instant = datetime.fromordinal(day).replace(
            hour=rng.randrange(24), minute=rng.randrange(60), second=rng.randrange(60),
            microsecond=rng.randrange(1_000_000), tzinfo=UTC,
        )  # fmt: skip
        line = _rewritten(log.lines[at], created_at=instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        _, _, failure, state = log.compare([line], [log.indices[at]], online=True, **log.context(at))
        assert failure is None
        assert state[9] == [checks._micros(instant)]


@pytest.mark.parametrize(
    "members",
    [
        {"estate_id": None},
        {"channel": "PAPER"},
        {"channel": "PAPER", "estate_id": None},
        {"channel": ""},
        *({"basis": basis, "grant": grant} for basis in sorted(GRANT_BASES)[:2] for grant in ("0" * 32, "a1" * 16)),
        *({"basis": "PROXY", "grant": grant} for grant in ("", "A" * 32, "0" * 31, "0" * 33, "g" * 32, " " * 32)),
        {"basis": "OWNER", "grant": "0" * 32},
        {"basis": "OWNER", "grant": " "},
        {"basis": "PROXY "},
        {"basis": ""},
        {"group": ""},
        {"group": "g" * 36},
        {"group": "g" * 37},
        {"group": "a group with spaces ~!#$%&()*+,-./:;<=>?@[]^_`{|}"},
        {"group": "é"},
        {"group": "a\\b"},
        {"cast_at": "2025-03-16T16:30:38.179616Z"},
        {"commitment": "A" * 64},
        {"ballot_id": "not-a-uuid"},
    ],
)
def test_cast_lines_the_server_could_write(log: Log, members: dict[str, Any]) -> None:
    at = log.casts[1]
    line = _rewritten(log.lines[at], **members)
    for online in (False, True):
        log.compare([log.lines[at - 1], line, log.lines[at + 1]], log.indices[at - 1 : at + 2], online=online,
                    **log.context(at - 1))  # fmt: skip


def test_lines_late_unlisted_or_out_of_order(log: Log) -> None:
    at = log.casts[2]
    lines, indices, context = log.lines[at : at + 3], log.indices[at : at + 3], log.context(at)
    for result_size in (indices[0], indices[1], indices[2], indices[2] + 1, (1 << 64) - 1):
        log.compare(lines, indices, online=False, result_size=result_size, **context)
    for listed_at in (0, context["listed_at"] - 1, context["listed_at"] + 1, len(log.fast.listed_leaves)):
        log.compare(lines, indices, online=False, previous=context["previous"], listed_at=listed_at)
    for previous in (indices[0], indices[1], indices[0] - 1):
        log.compare(lines, indices, online=True, previous=previous, listed_at=context["listed_at"])
    for position in range(3):  # the index lists the leaf, of another kind
        codes = bytearray(log.fast.listed_kinds.codes)
        codes[context["listed_at"] + position] = log.fast.listed_kinds.codes[0]
        log.compare(lines, indices, online=False, codes=codes, **context)
    log.compare(lines, [indices[0], indices[0], indices[2]], online=False, **context)  # a leaf named twice
    log.compare(lines, [indices[1], indices[0], indices[2]], online=False, **context)
    log.compare([lines[0] + b" " * checks.MAX_LEAF_BYTES, *lines[1:]], indices, online=False, **context)
    taken = log.taken
    for extra in (-1, 0, 1):  # a line of the server's form as long as a leaf may be, and one byte longer
        group = "g" * (checks.MAX_LEAF_BYTES - len(_rewritten(lines[0], group="")) + extra)
        log.compare([_rewritten(lines[0], group=group), *lines[1:]], indices, online=True, **context)
    assert log.taken == taken + 2 * 3  # (the one byte longer line fails: no line after it is taken)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_runs_of_mixed_lines_in_blocks_of_any_size(log: Log, data: st.DataObject) -> None:
    """Lines of the log from anywhere (each with its own leaf index: order kept or broken), some edited or rewritten,
    read in blocks of 1 to 4 lines, the stream cut short or not."""
    count = data.draw(st.integers(1, 12))
    start = data.draw(st.integers(0, len(log.lines) - count))
    lines, indices = list(log.lines[start : start + count]), list(log.indices[start : start + count])
    for position in data.draw(st.lists(st.integers(0, count - 1), max_size=3)):
        how = data.draw(st.sampled_from(["byte", "forged", "date", "paper", "grant", "estate", "index"]))
        line = lines[position]
        if how in ("byte", "forged"):
            at = data.draw(st.integers(0, len(line) - 1))
            line = line[:at] + bytes([data.draw(st.sampled_from(ALPHABET))]) + line[at + 1 :]
            lines[position] = _forged(line) if how == "forged" else line
        elif b'"kind":"ballot.cast"' in line and how != "index":
            members = {
                "date": {"created_at": data.draw(st.sampled_from(DATES))}, "paper": {"channel": "PAPER"},
                "grant": {"basis": "PROXY", "grant": data.draw(st.sampled_from(["", "0" * 32, "x"]))},
                "estate": {"estate_id": None},
            }[how]  # fmt: skip
            with contextlib.suppress(ValueError, KeyError, TypeError):  # a line edited before: as it is
                lines[position] = _rewritten(line, **members)
        elif how == "index":
            indices[position] += data.draw(st.sampled_from([-2, -1, 1, 2]))
    if data.draw(st.booleans()):
        lines = lines[: data.draw(st.integers(0, count - 1))]  # fewer lines than leaf indices
    block = data.draw(st.integers(1, 4))
    original = checks._CAST_BLOCK
    try:
        checks._CAST_BLOCK = block
        log.compare(lines, indices, online=data.draw(st.booleans()), **log.context(start))
    finally:
        checks._CAST_BLOCK = original


def test_cast_block_refuses_what_does_not_fit(log: Log) -> None:
    at = log.casts[0]
    context = log.context(at)
    arguments = (
        [log.lines[at]], 0, array("q", [log.indices[at]]), 0, context["previous"], context["listed_at"],
        log.fast.listed_leaves,
        log.fast.listed_kinds.codes, log.fast.cast_code, log.fast.vote_bytes, 1 << 40, False,
        checks._GRANT_BASES_TUPLE, checks.MAX_LEAF_BYTES, checks.TIME_TOLERANCE_MICROS,
    )  # fmt: skip
    assert native_log.cast_block(*arguments)[0] == 1
    with pytest.raises(ValueError, match="do not fit"):
        native_log.cast_block(arguments[0] * 2, *arguments[1:])  # more lines than leaf indices
    with pytest.raises(ValueError, match="do not fit"):
        native_log.cast_block(*arguments[:9], b"short", *arguments[10:])
    with pytest.raises(TypeError, match="grant bases"):
        native_log.cast_block(*arguments[:12], ("PROXY",), *arguments[13:])
    not_bytes = [bytearray(log.lines[at])]
    assert native_log.cast_block(not_bytes, *arguments[1:])[0] == 0


def _reports(bundle: bytes, trust: Any) -> tuple[list[str], list[str], list[str]]:
    """The report with the native block path, without it, and with one process."""
    with_native = verify_bundle(bundle, trust=trust, jobs=2).lines()
    original, native.cast_block = native.cast_block, None
    try:
        without = verify_bundle(bundle, trust=trust, jobs=2).lines()
    finally:
        native.cast_block = original
    return with_native, without, verify_bundle(bundle, trust=trust, jobs=1).lines()


def _edit(old: bytes, new: bytes) -> Any:
    return lambda line: _forged(line.replace(old, new, 1))


@pytest.mark.parametrize(
    "edit",
    [
        None,
        _edit(b'"basis":"OWNER"', b'"basis":"PROXY"'),
        _edit(b'"grant":""', b'"grant":"' + b"0" * 32 + b'"'),
        _edit(b'"channel":"ONLINE"', b'"channel":"PAPER"'),
        lambda line: _forged(re.sub(rb'"estate_id":"[^"]*"', b'"estate_id":null', line, count=1)),
        lambda line: _forged(re.sub(rb'"created_at":"[0-9-]*T', b'"created_at":"2025-02-30T', line, count=1)),
        lambda line: _forged(re.sub(rb'"created_at":"[0-9-]*T', b'"created_at":"1969-12-31T', line, count=1)),
        lambda line: _forged(re.sub(rb'"cast_at":"[0-9-]*T', b'"cast_at":"2099-01-01T', line, count=1)),
        lambda line: _forged(re.sub(rb'"group":"', b'"group":"x', line, count=1)),
        _edit(b'"kind":"ballot.cast"', b'"kind":"ballot.cast" '),
    ],
)
async def test_the_whole_verifier_gives_the_same_report(bundle: bytes, trust: Any, edit: Any) -> None:
    changed = bundle if edit is None else _relogged(bundle, edit)
    with_native, without, alone = _reports(changed, trust)
    assert with_native == without == alone
