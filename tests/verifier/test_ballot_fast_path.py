"""The ballots' process's fast path (``_Verifier._counted_ballot``) and its reference (``_ballot_alone``) leave the same
state on every line: a line the fast path takes is one the reference would take the same way, and a line it leaves
(anything but a counted ballot as the server writes it, without a scan hash) is left untouched for the reference."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
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
        verifier.sums, verifier.answer_values, list(verifier.void_ballots), verifier.void_outside,
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
    "a nonce not hex": (_field("nonce", "g" * 32), False),
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
    "a non-ASCII answer", "an integer answer", "a null answer", "a paper ballot",
}  # fmt: skip


def _line(ballot: dict[str, Any]) -> bytes:
    try:
        return canonical_bytes(ballot)
    except (ValueError, TypeError):  # an integer or a float canonical JSON never holds: as a forger writes it
        return json.dumps(ballot, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("name", sorted(CHANGES))
async def test_the_fast_path_leaves_the_state_the_reference_leaves(bundle, trust, name):
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
        taken.append(fast._counted_ballot(line))
        if not taken[-1]:
            fast._ballot_alone(line)
        reference._ballot_alone(line)
        assert _state(fast) == _state(reference), (name, line)
    assert taken[1] or fast.disagreed or fast.deferred  # an exported ballot takes the fast path
    assert taken[0] == (name in TAKEN)
    if name == "as exported":
        assert taken == [True, True, False]  # the third: its group is counted already (the reference names it)
        assert fast.deferred == {"ballots": f"group {ballot['group_id']} has two counted ballots"}


async def test_every_exported_counted_ballot_takes_the_fast_path(bundle, trust):
    fast, reference = _prepared(bundle, trust), _prepared(bundle, trust)
    lines = members(bundle)[d.BALLOTS].splitlines()
    taken = 0
    for line in lines:
        if fast._counted_ballot(line):
            taken += 1
        else:
            fast._ballot_alone(line)
        reference._ballot_alone(line)
    assert _state(fast) == _state(reference)
    assert not fast.disagreed
    assert not fast.deferred
    assert taken == sum(json.loads(line)["status"] == "COUNTED" for line in lines) > 0
