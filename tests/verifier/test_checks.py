"""Every check of the verifier, one inconsistency at a time (on the end-to-end bundle, mutated as bytes).

Mutations a forger without the log key can make end at the signatures; to reach the checks behind them, the
``resign`` helper re-signs the result with the log key (a faulty or dishonest server), so each check is shown
to catch its inconsistency on its own.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest

from app.audit.keys import LogKeys
from app.ledger.canonical import canonical_bytes
from app.ledger.events import EventKind
from app.ledger.signing import jws_sign, sign
from app.verifier import Trust, run, verify_bundle
from app.verifier import documents as d
from app.verifier.__main__ import main as module_main
from app.verifier.checks import first_difference
from app.verifier.report import Progress
from tests.verifier.helpers import (
    ballot_hash,
    keep_entries,
    load,
    members,
    rebuild,
    replace_member,
    tamper,
)


@pytest.fixture(scope="session")
def keys(test_settings) -> LogKeys:  # type: ignore[no-untyped-def]
    return LogKeys.from_settings(test_settings)


def resign(bundle: bytes, keys: LogKeys, change) -> bytes:  # type: ignore[no-untyped-def]
    """Change the signed result and sign it again with the log key, as only the server could."""
    files = members(bundle)
    result = json.loads(files[d.RESULT])
    change(result)
    payload = canonical_bytes(result)
    files[d.RESULT] = payload
    files[d.RESULT_SIG] = sign(keys.private_key, payload)
    files[d.RESULT_JWS] = jws_sign(
        keys.private_key, d.jwk_thumbprint(keys.current.verifier.public_key), payload
    ).encode()
    return rebuild(files)


def failure_of(data: bytes, trust: Trust, **options: Any) -> tuple[str, str]:
    report = verify_bundle(data, trust=trust, **options)
    assert report.failed is not None, "expected a failure"
    return report.failed


def _set(name: str, path: list[Any], value: Any):  # type: ignore[no-untyped-def]
    def change(document):  # type: ignore[no-untyped-def]
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return lambda bundle: tamper(bundle, name, change)


def _note_lines(bundle: bytes, label: str, edit):  # type: ignore[no-untyped-def]
    def change(checkpoints):  # type: ignore[no-untyped-def]
        checkpoints[label] = edit(checkpoints[label])

    return tamper(bundle, d.CHECKPOINTS, change)


MUTATIONS = {
    "not a zip": (lambda b: b"not a zip", "bundle", "not a zip archive"),
    "extra member": (
        lambda b: rebuild({**members(b), "extra.txt": b"x"}) + b"",
        "bundle",
        "unexpected members",
    ),
    "manifest not updated": (
        lambda b: rebuild({**members(b), d.ROLL: b"{}"}, fix_manifest=False),
        "bundle",
        "does not match its size and SHA-256",
    ),
    "manifest format": (_set(d.MANIFEST, ["format"], "other"), "bundle", "manifest format"),
    "manifest order": (
        lambda b: tamper(b, d.MANIFEST, lambda m: m["files"].reverse()),
        "bundle",
        "in order",
    ),
    "member not JSON": (lambda b: replace_member(b, d.TOPICS, b"{"), "bundle", "topics.json is not valid JSON"),
    "duplicate JSON member": (
        lambda b: replace_member(b, d.NOTICE, b'{"a": 1, "a": 2}'),
        "bundle",
        "duplicate member",
    ),
    "float in JSON": (lambda b: replace_member(b, d.NOTICE, b'{"a": 1.5}'), "bundle", "floats"),
    "key origin": (_set(d.KEYS, ["origin"], "other.log"), "keys", "disagree"),
    "key pem": (lambda b: replace_member(b, d.LOG_KEY_PEM, _other_pem()), "keys", "PEM public key"),
    "key jwk": (_set(d.KEYS, ["log", "jwk", "kid"], "x"), "keys", "JWK"),
    "retired key of another log": (
        lambda b: tamper(b, d.KEYS, lambda k: k["retired"].append(_other_key_string())),
        "keys",
        "is not a key of this log",
    ),
    "keys malformed": (_set(d.KEYS, ["log"], {}), "keys", "malformed"),
    "checkpoint signed by nobody known": (
        lambda b: _note_lines(b, "latest", lambda note: note.split("\n\n")[0] + "\n\n— other+abc AAAA\n"),
        "signatures",
        "checkpoint 'latest'",
    ),
    "checkpoint not a note": (
        lambda b: _note_lines(b, "result", lambda note: "garbage"),
        "signatures",
        "checkpoint 'result'",
    ),
    "result not canonical": (
        lambda b: replace_member(b, d.RESULT, members(b)[d.RESULT] + b" "),
        "signatures",
        "canonical",
    ),
    "result not JSON": (lambda b: replace_member(b, d.RESULT, b"\xff"), "signatures", "not JSON"),
    "jws swapped": (
        lambda b: replace_member(b, d.RESULT_JWS, members(b)[d.RESULT_JWS][:-6] + b"AAAAAA"),
        "signatures",
        "result.jws does not verify",
    ),
}


def _other_key():  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _other_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization

    return (
        _other_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _other_key_string() -> str:
    from app.ledger.note import verifier_key_string

    return verifier_key_string("another.log", _other_key().public_key())


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_unsigned_mutations(bundle, trust, name):
    mutate, check, words = MUTATIONS[name]
    failed = failure_of(mutate(bundle), trust)
    assert failed[0] == check, failed
    assert words in failed[1], failed


def _topic_ids(bundle: bytes) -> list[str]:
    return [topic["topic_id"] for topic in load(bundle, d.TOPICS)]


# Mutations of the evidence behind the signatures; ``resigned`` ones also change the signed result.
DEEP = {
    "jws of other bytes": ("jws-other", "signatures", "signs other bytes"),
    "result of another vote": ("result:vote_id", "signatures", "not of this bundle's vote"),
    "result names another checkpoint": ("result:checkpoint.size", "log", "names another checkpoint"),
    "entries and proofs differ in number": ("proofs-drop", "log", "inclusion proofs"),
    "proofs and entries differ in number": ("entries-extra-index", "log", "inclusion proofs"),
    "entry altered": ("entry-payload", "log", "entry altered"),
    "entry of another vote": ("entry-vote", "log", "is not of this vote"),
    "proof for another checkpoint": ("proof-size", "log", "not a signed checkpoint's"),
    "proof with a node too many": ("proof-extra-node", "log", "more nodes than the inclusion proofs use"),
    "inclusion proof fails": ("proof-node", "log", "inclusion proof fails"),
    "consistency fails": ("consistency", "log", "does not extend"),
    "entry missing": ("entry-drop-closed", "log", "exactly one vote.closed"),
    "notice changed": ("notice", "notice", "notice hash"),
    "topic document changed": ("topic-doc", "notice", "does not hash to its content hash"),
    "topics reordered": ("topics-reorder", "notice", "not the topics of the published notice"),
    "topic id changed": ("topic-id", "notice", "topic ids"),
    "result topics": ("result:topics", "notice", "signed result's topics"),
    "roll changed": ("roll", "notice", "roll hash"),
    "result total": ("result:total", "notice", "totals"),
    "register version": ("register-version", "notice", "register version"),
    "estate": ("result:estate", "notice", "different estates"),
    "register of another estate": ("register-estate", "notice", "different estates"),
    "register format": ("register-format", "register", "format"),
    "register without developer": ("register-developer", "register", "no valid roll"),
    "register unit moved": ("register-owner", "register", "groups units"),
    "register unit unknown to the roll": ("register-unit", "register", "not in the roll"),
    "ballot listed twice": ("ballot-twice", "ballots", "listed twice"),
    "ballot hash field": ("ballot-hash-field", "ballots", "content hash or time field"),
    "ballot void without entry": ("ballot-void", "ballots", "no ballot.voided entry"),
    "ballot status": ("ballot-status", "ballots", "has status"),
    "ballot answers other topics": ("ballot-topics", "ballots", "content does not hash"),
    "tally numerator": ("result:evidence", "tally", "recomputed ≠ signed"),
    "tally outcome": ("result:outcome", "tally", "signed outcome or evidence hash"),
}


def deep(bundle: bytes, keys: LogKeys, kind: str) -> bytes:
    if kind.startswith("result:"):
        member = kind.removeprefix("result:")

        def change(result):  # type: ignore[no-untyped-def]
            if member == "vote_id":
                result["vote_id"] = "00000000-0000-0000-0000-000000000000"
            elif member == "checkpoint.size":
                result["checkpoint"]["size"] += 1
            elif member == "topics":
                result["topics"].reverse()
            elif member == "total":
                result["total"]["heads"] += 1
            elif member == "estate":
                result["estate_id"] = "00000000-0000-0000-0000-000000000000"
            elif member == "evidence":
                result["topics"][0]["evidence"]["participating"]["heads"] += 1
            elif member == "outcome":
                result["topics"][0]["outcome"] = "NO_QUORUM"

        return resign(bundle, keys, change)
    if kind == "jws-other":
        token = jws_sign(keys.private_key, d.jwk_thumbprint(keys.current.verifier.public_key), b"{}")
        return replace_member(bundle, d.RESULT_JWS, token.encode())
    if kind == "proofs-drop":  # an entry without a leaf index (and so without a proof)
        return tamper(bundle, d.ENTRIES, lambda entries: entries.append(entries[-1]) and None)
    if kind == "entries-extra-index":  # a leaf index (and its place in the proof) without an entry
        return tamper(bundle, d.ENTRIES, lambda entries: entries.pop() and None)
    if kind == "proof-extra-node":
        return tamper(bundle, d.INCLUSION_NODES, lambda nodes: nodes.append(b"\x02" * 32) and None)
    if kind == "entry-payload":
        return tamper(bundle, d.ENTRIES, lambda entries: entries[0]["payload"].update(x=1))
    if kind == "entry-vote":
        return tamper(bundle, d.ENTRIES, lambda e: e[0].update(vote_id="00000000-0000-0000-0000-000000000000"))
    if kind == "proof-size":
        return tamper(bundle, d.INCLUSION, lambda inclusion: inclusion["proofs"][0].update(tree_size=1))
    if kind == "proof-node":
        return tamper(bundle, d.INCLUSION_NODES, lambda nodes: nodes.__setitem__(0, b"\x02" * 32))
    if kind == "consistency":
        return tamper(bundle, d.CONSISTENCY, lambda consistency: consistency.update(first=0))
    if kind == "entry-drop-closed":

        def drop(files: dict[str, bytes]) -> None:
            keep_entries(files, lambda _, entry: entry["kind"] != EventKind.VOTE_CLOSED)

        files = members(bundle)
        drop(files)
        return rebuild(files)
    if kind == "notice":
        return tamper(bundle, d.NOTICE, lambda notice: notice.update(title="x"))
    if kind == "topic-doc":
        return tamper(bundle, d.TOPICS, lambda topics: topics[0]["document"].update(text="x"))
    if kind == "topics-reorder":
        return tamper(bundle, d.TOPICS, lambda topics: topics.reverse())
    if kind == "topic-id":
        return tamper(bundle, d.TOPICS, lambda topics: topics[0].update(topic_id="x"))
    if kind == "roll":
        return tamper(bundle, d.ROLL, lambda roll: roll["groups"][0].update(area=1))
    if kind == "register-version":
        return tamper(bundle, d.REGISTER, lambda register: register.update(content_hash="0" * 64))
    if kind == "register-estate":
        return tamper(bundle, d.REGISTER, lambda register: register.update(estate_id=str(uuid.uuid4())))
    if kind == "register-format":
        return tamper(bundle, d.REGISTER, lambda register: register.update(format="x"))
    if kind == "register-developer":
        return tamper(bundle, d.REGISTER, lambda register: register.update(developer=None))
    if kind == "register-owner":

        def move(register):  # type: ignore[no-untyped-def]
            units = register["units"]
            units[0]["owners"] = units[-1]["owners"]
            units[0]["sale_status"], units[0]["delivered"] = units[-1]["sale_status"], units[-1]["delivered"]

        return tamper(bundle, d.REGISTER, move)
    if kind == "register-unit":
        return tamper(bundle, d.REGISTER, lambda r: r["units"].insert(0, dict(r["units"][0], unit_key="0-0-000")))
    if kind == "ballot-twice":
        return tamper(bundle, d.BALLOTS, lambda ballots: ballots.append(ballots[0]))
    if kind == "ballot-hash-field":
        return tamper(bundle, d.BALLOTS, lambda ballots: ballots[0].update(content_hash="0" * 64))
    if kind == "ballot-void":
        return tamper(bundle, d.BALLOTS, lambda ballots: ballots[0].update(status="VOID"))
    if kind == "ballot-status":
        return tamper(bundle, d.BALLOTS, lambda ballots: ballots[0].update(status="LOST"))
    if kind == "ballot-topics":
        return tamper(bundle, d.BALLOTS, lambda ballots: ballots[0]["answers"].update(extra="AGREE"))
    raise AssertionError(kind)


@pytest.mark.parametrize("name", list(DEEP))
async def test_deep_mutations(bundle, keys, trust, name):
    kind, check, words = DEEP[name]
    failed = failure_of(deep(bundle, keys, kind), trust)
    assert failed[0] == check, failed
    assert words in failed[1], failed


async def test_pinned_log_key(bundle, keys):
    assert verify_bundle(bundle, trust=Trust.of(keys.current.key_string)).ok
    failed = failure_of(bundle, Trust.of(_other_key_string()))
    assert failed[0] == "keys"
    assert "another instance" in failed[1]


async def test_run_and_module_entry_point(bundle, log_key, trust, tmp_path, capsys):
    path = tmp_path / "b.zip"
    path.write_bytes(bundle)
    assert module_main([str(path), "--log-key", log_key]) == 0
    assert "PASS" in capsys.readouterr().out
    assert module_main([str(path)]) == 3
    unpinned = capsys.readouterr().out.splitlines()
    assert unpinned[-1].startswith("UNVERIFIED KEY  ")
    assert not any(line.startswith("PASS") for line in unpinned)
    assert module_main([str(path), "--log-key", "not a key"]) == 2
    assert "not a verifier key" in capsys.readouterr().err
    assert run(tmp_path / "missing.zip", out=io.StringIO()) == 1
    err = io.StringIO()
    out = io.StringIO()
    assert run(path, out=out, err=err, trust=trust, progress_threshold=1) == 0
    assert "log entries" in err.getvalue()
    assert "(100%)" in err.getvalue()  # ballots are checked in the same pass, beside their entries


def test_first_difference():
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "a[1].b: 2 ≠ 3"
    assert first_difference({"a": 1}, {"b": 1}) == "a: present on one side only"
    assert first_difference([1], [1, 2]) == "value: 1 items ≠ 2 items"
    assert first_difference(1, True) == "value: 1 ≠ True"
    assert first_difference({"a": [1]}, {"a": [1]}) is None


def test_progress_is_silent_for_short_loops():
    stream = io.StringIO()
    assert list(Progress(stream).iterate("x", range(3), 3)) == [0, 1, 2]
    assert stream.getvalue() == ""
    assert list(Progress(None, threshold=0).iterate("x", range(2), 2)) == [0, 1]
    assert list(Progress(stream, threshold=1).iterate("items", range(250), 250))[-1] == 249
    assert stream.getvalue().endswith("items 250/250 (100%)\n")


async def test_tally_refuses_invalid_counted_answers(bundle, keys, trust):
    """A counted ballot whose answer no topic admits (a paper-only SPOILED online) fails the tally, not a crash."""
    vote_id = load(bundle, d.MANIFEST)["vote_id"]
    topic = _topic_ids(bundle)[0]

    def spoil(ballots):  # type: ignore[no-untyped-def]
        ballots[0]["answers"][topic] = "SPOILED"
        ballots[0]["content_hash"] = ballot_hash(vote_id, ballots[0])

    failed = failure_of(tamper(bundle, d.BALLOTS, spoil), trust)
    assert failed[0] == "ballots"  # its signed ballot.cast entry says otherwise
