"""The ballots' process's fast path (``_Verifier._counted_run``, through ``_ballot_lines``) and its reference
(``_ballot_alone``) leave the same state on every line: a line the fast path takes is one the reference would take the
same way, and a line it leaves (anything but a counted ballot as the server writes it, without a scan hash) is left
untouched for the reference. The per-topic sums are compared in order too (the fast path tallies by answers and
spreads the tally to them). Each test runs the fast path both ways (``ballot_runs``: in Python, and in C)."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from app.ledger import ballot as ballot_commitments
from app.ledger.canonical import canonical_bytes
from app.verifier import checks
from app.verifier import documents as d
from app.verifier.report import Progress
from tests.verifier.helpers import members


def _prepared(bundle: bytes, trust: Any) -> checks._Verifier:
    """A verifier as the ballots' process starts: the small members read, the per-vote state empty."""
    verifier = checks._Verifier(bundle, trust=trust, progress=Progress(None), jobs=1)
    verifier.check_bundle()
    verifier.check_keys()
    verifier.check_signatures()
    verifier._prepare_stream()
    return verifier


def _state(verifier: checks._Verifier) -> Any:
    return (
        [list(sums.items()) for sums in verifier.sums], list(verifier.answer_values.items()),
        list(verifier.void_ballots), verifier.void_outside,
        verifier.participating, verifier.cast_extremes, verifier.ballots_seen, verifier.agreement.digest(),
        verifier.disagreed, verifier.deferred, list(verifier.commitments), bytes(verifier.group_area._counted),
    )  # fmt: skip


def _rehashed(ballot: dict[str, Any], vote_id: str) -> dict[str, Any]:
    """The ballot with the content hash its (changed) fields commit to: a line whose commitment holds."""
    ballot["content_hash"] = ballot_commitments.ballot_hash(
        vote_id=vote_id, group=ballot["group_id"], answers=ballot["answers"], basis=ballot["basis"],
        channel=ballot["channel"], cast_at=ballot["cast_at"], nonce=ballot["nonce"],
        scan_sha256=ballot["scan_sha256"],
    )  # fmt: skip
    return ballot


def _forged(ballot: dict[str, Any], vote_id: str) -> dict[str, Any]:
    """``_rehashed`` for a value the reference refuses (a float, an integer beyond 2^53 - 1): the content hash over
    the commitment document as orjson writes it, as a forger would compute it."""
    document = ballot_commitments.commitment_document(
        vote_id=vote_id, group=ballot["group_id"], answers=ballot["answers"], basis=ballot["basis"],
        channel=ballot["channel"], cast_at=ballot["cast_at"], nonce=ballot["nonce"],
    )  # fmt: skip
    ballot["content_hash"] = hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return ballot


def _answer(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(ballot: dict[str, Any]) -> None:
        ballot["answers"][sorted(ballot["answers"])[0]] = value

    return change


def _field(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(ballot: dict[str, Any]) -> None:
        ballot[name] = value

    return change


CHANGES: dict[str, tuple[Callable[[dict[str, Any]], None], bool]] = {
    # name: (change, whether the content hash is made to hold again)
    "as exported": (lambda ballot: None, True),
    "a list answer": (_answer(["X", "Z"]), True),
    "an object answer": (_answer({"c1": "AGREE", "c2": "OPPOSE"}), True),
    "an answer naming the next member": (_answer({"audit_entry_id": "x", "ballot_id": "y"}), True),
    "an answer with a quote": (_answer('A"B'), True),
    "a non-ASCII answer": (_answer("同意"), True),
    "an integer answer": (_answer(7), True),
    "an answer beyond 64 bits": (_answer(1 << 70), True),
    # §5.1: never in a canonical line, though orjson writes each back as it read it
    "a float answer": (_answer(1.5), True),
    "a negative zero answer": (_answer(-0.0), True),
    "an answer beyond 53 bits": (_answer(1 << 60), True),
    "a float inside an answer": (_answer({"c1": 0.5}), True),
    "a null answer": (_answer(None), True),
    "a basis with a quote": (_field("basis", 'OWN"ER'), True),
    "a non-ASCII channel": (_field("channel", "ONLINÉ"), True),
    "a paper ballot": (_field("channel", "PAPER"), True),
    "a scanned ballot": (_field("scan_sha256", "ab" * 32), True),
    "a void ballot": (lambda ballot: ballot.update(status="VOID", void_reason="SUPERSEDED"), True),
    "a counted ballot with a void reason": (_field("void_reason", "SUPERSEDED"), True),
    "another status": (_field("status", "PENDING"), True),
    "a group not in the roll": (_field("group_id", "f" * 32), True),
    "a time that is no instant": (_field("cast_at", "2025-13-01T00:00:00+00:00"), True),
    "a time without an offset": (_field("cast_at", "2025-03-17T00:00:00"), True),
    # cast_at is kept as text only in the server's one format (UTC, microseconds); any other goes to the reference
    "a time at another offset": (_field("cast_at", "2025-03-17T01:00:00.000000+01:00"), True),
    "a time in Z": (_field("cast_at", "2025-03-17T00:00:00.000000Z"), True),
    "a time without microseconds": (_field("cast_at", "2025-03-17T00:00:00+00:00"), True),
    "a day no month has": (_field("cast_at", "2025-02-30T00:00:00.000000+00:00"), True),
    "a year zero": (_field("cast_at", "0000-03-17T00:00:00.000000+00:00"), True),
    "an hour 24": (_field("cast_at", "2025-03-17T24:00:00.000000+00:00"), True),
    "a leap second": (_field("cast_at", "2025-03-17T23:59:60.000000+00:00"), True),
    "a leap day": (_field("cast_at", "2024-02-29T12:00:00.000000+00:00"), True),
    "a nonce not hex": (_field("nonce", "g" * 32), False),
    "an uppercase nonce": (_field("nonce", "AB" * 16), True),
    "a basis with a control character": (_field("basis", "OWN\x01ER"), True),
    "a group with a backslash": (_field("group_id", "a\\b"), True),
    "a non-ASCII ballot id": (_field("ballot_id", "bällot"), True),
    "a string for the answers": (_field("answers", "A"), True),
    "an array for the answers": (_field("answers", ["A"]), True),
    "a repeated answer object": (_answer({"c1": "A", "c2": {"c1": "B"}}), True),
    "no nonce": (_field("nonce", None), True),
    "an entry id that is a number": (_field("audit_entry_id", 5), True),
    "an object for a ballot id": (_field("ballot_id", {"audit_entry_id": "x"}), True),
    "a changed answer, the hash kept": (_answer("ABSTAIN-X"), False),
    "a topic dropped": (lambda ballot: ballot["answers"].pop(sorted(ballot["answers"])[0]), True),
    "an extra member": (_field("extra", 1), False),
    "a member missing": (lambda ballot: ballot.pop("void_reason"), False),
}


#: The changes after which the line is still a counted ballot in the server's form (no scan hash): the fast path
#: takes it.
TAKEN = {
    "as exported", "a list answer", "an object answer", "an answer naming the next member", "an answer with a quote",
    "a non-ASCII answer", "an integer answer", "a null answer", "a paper ballot", "a leap day",
    "a repeated answer object", "a time at another offset", "a time in Z", "a time without microseconds",
}  # fmt: skip


def _line(ballot: dict[str, Any]) -> bytes:
    try:
        return canonical_bytes(ballot)
    except (ValueError, TypeError):  # an integer or a float canonical JSON never holds: as a forger writes it
        return json.dumps(ballot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("name", sorted(CHANGES))
async def test_the_fast_path_leaves_the_state_the_reference_leaves(bundle, trust, name, ballot_runs):
    change, rehash = CHANGES[name]
    lines = members(bundle)[d.BALLOTS].splitlines()
    fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
    counted = [line for line in lines if json.loads(line)["status"] == "COUNTED"]
    assert len(counted) >= 2
    ballot = copy.deepcopy(json.loads(counted[0]))
    change(ballot)
    if rehash:
        try:
            _rehashed(ballot, fast.vote_id)
        except (ValueError, TypeError):  # a value the commitment refuses: hashed as orjson writes it, if it can
            with contextlib.suppress(ValueError, TypeError):
                _forged(ballot, fast.vote_id)
    # the changed ballot, a ballot as exported, then the changed one again (its group counted twice, if counted)
    taken = []
    for line in (_line(ballot), counted[1], _line(ballot)):
        taken.append(fast._ballot_lines([line]) == 1)
        reference._ballot_alone(line)
        assert _state(fast) == _state(reference), (name, line)
    assert taken[1] or fast.disagreed or fast.deferred  # an exported ballot takes the fast path
    assert taken[0] == (name in TAKEN)
    if name == "as exported":
        assert taken == [True, True, False]  # the third: its group is counted already (the reference names it)
        assert fast.deferred == {"ballots": f"group {ballot['group_id']} has two counted ballots"}


async def test_every_exported_counted_ballot_takes_the_fast_path(bundle, trust, ballot_runs):
    fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
    lines = members(bundle)[d.BALLOTS].splitlines()
    taken = fast._ballot_lines(lines)
    for line in lines:
        reference._ballot_alone(line)
    assert _state(fast) == _state(reference)
    assert not fast.disagreed
    assert not fast.deferred
    assert taken == sum(json.loads(line)["status"] == "COUNTED" for line in lines) > 0


def _forged_bytes(line: bytes, vote_id: str) -> bytes:
    """A line edited byte by byte, its content hash made to hold over the preimage the fast path makes of the line's
    own bytes (as a forger holding the log key would make it, whatever the edit)."""
    end = line.rfind(b',"audit_entry_id":"')
    ballot_fields = dict(re.findall(rb'"(basis|cast_at|channel|group_id|nonce)":"([^"]*)"', line[end:]))
    preimage = b"".join((
        line[:end], b',"basis":"', ballot_fields[b"basis"], b'","cast_at":"', ballot_fields[b"cast_at"],
        b'","channel":"', ballot_fields[b"channel"], b'","domain":"', ballot_commitments.COMMITMENT_DOMAIN.encode(),
        b'","group":"', ballot_fields[b"group_id"], b'","nonce":"', ballot_fields[b"nonce"], b'","vote_id":"',
        vote_id.encode(), b'"}',
    ))  # fmt: skip
    digest = hashlib.sha256(preimage).hexdigest().encode()
    return re.sub(rb'"content_hash":"[^"]*"', b'"content_hash":"' + digest + b'"', line)


def _string_answer(replacement: bytes) -> Callable[[bytes], bytes]:
    """The line's first answer that is a word (its bytes after the topic's name) replaced."""

    def edit(line: bytes) -> bytes:
        return re.sub(rb'("[0-9a-f-]{36}":)"[A-Za-z]+"', lambda found: found[1] + replacement, line, count=1)

    return edit


def _answers(change: Callable[[bytes, dict[str, Any]], bytes]) -> Callable[[bytes], bytes]:
    """The line's answers' bytes replaced by ``change(their bytes, their value)``."""

    def edit(line: bytes) -> bytes:
        end = line.rfind(b'},"audit_entry_id":"') + 1
        return line[:11] + change(line[11:end], json.loads(line[11:end])) + line[end:]

    return edit


def _repeated_topic(text: bytes, answers: dict[str, Any]) -> bytes:
    first = sorted(answers)[0]
    return text[:-1] + b"," + json.dumps({first: answers[first]}, separators=(",", ":")).encode()[1:-1] + b"}"


def _reversed(text: bytes, answers: dict[str, Any]) -> bytes:
    return json.dumps(dict(sorted(answers.items(), reverse=True)), separators=(",", ":"), ensure_ascii=False).encode()


#: Byte edits of an exported counted line (its answers, then its other members) the fast path must leave to the
#: reference, its content hash made to hold over the edited bytes (but for the edit of the hash itself).
EDITS: dict[str, Callable[[bytes], bytes]] = {
    "a space after the answers' colon": lambda line: line.replace(b'{"answers":{', b'{"answers": {', 1),
    "a space inside the answers": _answers(lambda text, answers: text.replace(b'":', b'": ', 1)),
    "a newline after the answers": _answers(lambda text, answers: text + b"\n"),
    "a repeated topic": _answers(_repeated_topic),
    "topics out of order": _answers(_reversed),
    "no answers object": _answers(lambda text, answers: b'"' + text.hex().encode() + b'"'),
    "an escaped answer letter": _string_answer(b'"\\u0041"'),
    "an escaped slash in an answer": _string_answer(b'"A\\/B"'),
    "a float answer": _string_answer(b"1.0"),
    "an exponent answer": _string_answer(b"1e2"),
    "a negative zero answer": _string_answer(b"-0"),
    "a big integer answer": _string_answer(b"9" * 30),
    "an answer beyond 2^53": _string_answer(b"9007199254740993"),
    "a lone surrogate answer": _string_answer(b'"\\ud800"'),
    "a raw control character in an answer": _string_answer(b'"A\x01"'),
    "invalid UTF-8 in an answer": _string_answer(b'"A\xff"'),
    "a raw control character in the basis": lambda line: line.replace(b'"basis":"', b'"basis":"\x01', 1),
    "a raw newline in the channel": lambda line: line.replace(b'"channel":"', b'"channel":"\n', 1),
    "an escape in the group": lambda line: re.sub(rb'"group_id":"(.)', rb'"group_id":"\\u003\1', line),
    "non-ASCII bytes in the entry id": lambda line: line.replace(b'"audit_entry_id":"', '"audit_entry_id":"é'.encode()),
    "invalid UTF-8 in the ballot id": lambda line: line.replace(b'"ballot_id":"', b'"ballot_id":"\xff', 1),
    "an uppercase content hash": lambda line: re.sub(
        rb'"content_hash":"([0-9a-f]{64})"', lambda found: b'"content_hash":"' + found[1].upper() + b'"', line
    ),
    "a repeated member after the answers": lambda line: line.replace(
        b',"basis":', b',"audit_entry_id":"x","basis":', 1
    ),
    "a trailing space": lambda line: line + b" ",
    "a trailing newline": lambda line: line + b"\n",
    "a scan hash": lambda line: line.replace(b'"scan_sha256":null', b'"scan_sha256":"' + b"ab" * 32 + b'"'),
    "a cast_at with a space": lambda line: re.sub(rb'"cast_at":"([^"]*)T', rb'"cast_at":"\1 T', line),
    "a cast_at that is no instant": lambda line: re.sub(
        rb'"cast_at":"[^"]*"', b'"cast_at":"2025-02-30T00:00:00Z"', line
    ),
}


@pytest.mark.parametrize("name", sorted(EDITS))
@pytest.mark.parametrize("rehash", [True, False])
async def test_the_fast_path_leaves_every_edited_line_to_the_reference(bundle, trust, name, rehash, ballot_runs):
    lines = members(bundle)[d.BALLOTS].splitlines()
    fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
    counted = [line for line in lines if json.loads(line)["status"] == "COUNTED"]
    edited = EDITS[name](counted[0])
    assert edited != counted[0], name
    if rehash:
        edited = _forged_bytes(edited, fast.vote_id)
        if name == "an uppercase content hash":
            edited = EDITS[name](edited)
    assert fast._ballot_lines([edited]) == 0
    reference._ballot_alone(edited)
    assert _state(fast) == _state(reference)


async def test_the_tally_is_spread_in_the_order_of_the_reference(bundle, trust, monkeypatch, ballot_runs):
    """Tallied lines spread to the sums in blocks, and around the lines the reference takes (a paper ballot, a time at
    another offset, a void ballot): the same sums in the same order, the same earliest and latest ballots."""
    monkeypatch.setattr(checks, "_RUN_BLOCK", 2)
    monkeypatch.setattr(checks, "_RUN_TALLY", 1)
    fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
    lines = members(bundle)[d.BALLOTS].splitlines()
    ballots = [json.loads(line) for line in lines if json.loads(line)["status"] == "COUNTED"]
    assert len(ballots) >= 6
    same = "2025-03-17T00:00:00.000000+00:00"
    edited = []
    for at, ballot in enumerate(ballots[:6]):
        ballot["cast_at"] = "2025-03-17T01:00:00.000000+01:00" if at == 1 else same
        if at in (2, 3):
            ballot["channel"] = "PAPER"
        if at == 4:
            ballot["scan_sha256"] = "ab" * 32
        edited.append(_line(_rehashed(ballot, fast.vote_id)))
    chosen = edited + lines[6:]
    taken = fast._ballot_lines(chosen)
    for line in chosen:
        reference._ballot_alone(line)
    assert _state(fast) == _state(reference)
    assert 0 < taken < len(chosen)


async def test_the_forged_hash_of_an_unedited_line_is_its_own(bundle, trust):
    """``_forged_bytes`` hashes what the fast path hashes: over an exported line, the line itself."""
    lines = members(bundle)[d.BALLOTS].splitlines()
    vote_id = _prepared(bundle, trust).vote_id
    counted = [line for line in lines if json.loads(line)["status"] == "COUNTED"]
    assert _forged_bytes(counted[0], vote_id) == counted[0]
