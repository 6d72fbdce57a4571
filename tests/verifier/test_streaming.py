"""The evote-bundle@4 layout and the streaming verifier: JSON Lines members read line by line, never whole; the
shortcuts of the hot path give exactly the reference definitions' answers; older bundles are refused by name."""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import uuid
import zipfile
from typing import Any

import pytest

from app.ledger import ballot as commitments
from app.ledger import completeness
from app.ledger.canonical import canonical_bytes
from app.ledger.entries import entry_payload_sha256
from app.verifier import checks, verify_bundle
from app.verifier import documents as d
from app.verifier.checks import (
    _check_leaf,
    _entry_set,
    _entry_sets,
    _fast_commitment,
    _micros,
)
from tests.verifier.helpers import leaf_indices, load, members, rebuild, tamper


def test_the_log_members_are_canonical_json_lines_in_leaf_order(bundle):
    files = members(bundle)
    assert load(bundle, d.MANIFEST)["format"] == d.BUNDLE_FORMAT == "evote-bundle@4"
    for name in (*d.JSONL_MEMBERS, *d.HEADED_MEMBERS):
        lines = files[name].split(b"\n")
        assert lines.pop() == b""  # every line ends in a newline
        assert all(canonical_bytes(json.loads(line)) == line for line in lines)
    leaves = leaf_indices(files)
    assert len(leaves) == len(load(bundle, d.ENTRIES))
    assert leaves == sorted(set(leaves))
    # One batch proof per checkpoint: the entries inside the result's checkpoint against it, the later ones against
    # the latest; its nodes, in order, fill log/inclusion.bin exactly.
    proofs = load(bundle, d.INCLUSION)["proofs"]
    result_size, latest_size = load(bundle, d.CONSISTENCY)["first"], load(bundle, d.CONSISTENCY)["second"]
    assert [proof["tree_size"] for proof in proofs] in ([result_size], [result_size, latest_size])
    assert all(index < result_size for index in proofs[0]["leaf_indices"])
    assert all(index >= result_size for proof in proofs[1:] for index in proof["leaf_indices"])
    assert len(files[d.INCLUSION_NODES]) == 32 * sum(proof["nodes"] for proof in proofs)
    cast = {
        entry["payload"]["ballot_id"]: leaf
        for entry, leaf in zip(load(bundle, d.ENTRIES), leaves, strict=True)
        if entry["kind"] == "ballot.cast"
    }
    ballots = [ballot["ballot_id"] for ballot in load(bundle, d.BALLOTS)]
    assert ballots == sorted(ballots, key=cast.__getitem__)  # in the leaf order of their ballot.cast entries
    assert set(load(bundle, d.CONSISTENCY)) == {"first", "second", "proof"}
    # The register snapshot and the roll: a header line, then one unit (group) per line in key order.
    units = [unit["unit_key"] for unit in load(bundle, d.REGISTER)["units"]]
    groups = [group["group_id"] for group in load(bundle, d.ROLL)["groups"]]
    assert units == sorted(units)
    assert groups == sorted(groups)
    assert "units" not in json.loads(files[d.REGISTER].split(b"\n")[0])


async def test_the_json_lines_members_are_never_read_whole(bundle, trust, monkeypatch):
    read = zipfile.ZipFile.read

    def refuse_whole(archive: zipfile.ZipFile, name: Any, pwd: Any = None) -> bytes:
        assert getattr(name, "filename", name) not in (*d.JSONL_MEMBERS, *d.HEADED_MEMBERS, *d.BINARY_MEMBERS), name
        return read(archive, name, pwd)

    monkeypatch.setattr(zipfile.ZipFile, "read", refuse_whole)
    assert verify_bundle(bundle, trust=trust).ok


@pytest.mark.parametrize("former", ["evote-bundle@1", "evote-bundle@2", "evote-bundle@3"])
async def test_an_older_layout_is_refused_naming_its_format(bundle, trust, former):
    def downgrade(manifest: dict[str, Any]) -> None:
        manifest["format"] = former

    files = members(tamper(bundle, d.MANIFEST, downgrade))
    files["log/entries.json"] = b"[]"  # an @1 member: the format is named before any member
    report = verify_bundle(rebuild(files, fix_manifest=False), trust=trust)
    assert report.failed is not None
    check, message = report.failed
    assert check == "bundle"
    assert f"'{former}' is not evote-bundle@4" in message


async def test_a_json_lines_member_without_its_last_newline_fails_by_name(bundle, trust):
    files = members(bundle)
    files[d.ENTRIES] = files[d.ENTRIES].rstrip(b"\n")
    report = verify_bundle(rebuild(files), trust=trust)
    assert report.failed is not None
    assert report.failed[0] == "bundle"
    assert "log/entries.jsonl line" in report.failed[1]
    assert "does not end in a newline" in report.failed[1]


async def test_ballots_out_of_log_order_fail_by_name(bundle, trust):
    def swap(ballots: list[Any]) -> None:
        ballots[0], ballots[1] = ballots[1], ballots[0]

    report = verify_bundle(tamper(bundle, d.BALLOTS, swap), trust=trust)
    assert report.failed is not None
    assert report.failed[0] == "ballots"
    assert "not in the leaf order of the ballot.cast entries" in report.failed[1]


def test_the_streamed_entry_set_hash_is_the_reference_one():
    rng = random.Random(5)
    entries = [
        (str(uuid.UUID(int=rng.getrandbits(128))), rng.randbytes(32).hex(), rng.randrange(10**15, 2 * 10**15))
        for _ in range(50)
    ]
    records = sorted(
        entry_id.encode() + bytes.fromhex(digest) + created.to_bytes(8) for entry_id, digest, created in entries
    )
    for before in (0, 15 * 10**14, 2 * 10**15):
        expected = completeness.entry_set(
            (entry_id, digest) for entry_id, digest, created in entries if created < before
        )
        assert _entry_set(records, before) == expected


def test_the_entry_sets_of_several_bindings_in_one_pass_are_the_reference_ones(monkeypatch):
    monkeypatch.setattr(checks, "_ENTRY_SET_BLOCK", 7)  # blocks end inside the list, and a bound inside a block
    rng = random.Random(6)
    entries = [
        (str(uuid.UUID(int=rng.getrandbits(128))), rng.randbytes(32).hex(), rng.randrange(10**15, 2 * 10**15))
        for _ in range(60)
    ]
    records = sorted(
        entry_id.encode() + bytes.fromhex(digest) + created.to_bytes(8) for entry_id, digest, created in entries
    )
    befores = [2 * 10**15, 0, 13 * 10**14, 17 * 10**14, 2 * 10**15]
    expected = [
        completeness.entry_set((entry_id, digest) for entry_id, digest, created in entries if created < before)
        for before in befores
    ]
    assert _entry_sets(records, befores) == expected
    assert _entry_sets([], [1]) == [completeness.entry_set([])]


async def test_the_collector_is_paused_only_while_verifying(bundle, trust):
    assert gc.isenabled()
    assert verify_bundle(bundle, trust=trust).ok
    assert gc.isenabled()  # enabled again after a PASS
    assert not verify_bundle(b"not a zip", trust=trust).ok
    assert gc.isenabled()  # and after a FAIL
    gc.disable()
    try:
        verify_bundle(bundle, trust=trust)
        assert not gc.isenabled()  # a caller's own setting is left as it was
        gc.collect()
        verify_bundle(bundle, trust=trust)
        assert gc.collect() < 1000  # what the checks build is freed by reference counting: few cycles per run
    finally:
        gc.enable()


@pytest.mark.parametrize("scan", [None, "5" * 64])
def test_the_commitment_shortcut_is_the_reference_commitment(scan):
    answers = {"b-topic": ["候选人甲", 'x"y\\z\n'], "a-topic": "AGREE", "c": {"option": "同意"}}
    fields = {
        "vote_id": str(uuid.uuid4()), "group": "f" * 32, "basis": "OWNER", "channel": "PAPER",
        "cast_at": "2026-03-20T10:00:00+08:00", "nonce": "a" * 32,
    }  # fmt: skip
    expected = commitments.commitment(answers=answers, scan_sha256=scan, **fields)
    fast = _fast_commitment(
        fields["vote_id"], answers, fields["group"], fields["basis"], fields["channel"], fields["cast_at"],
        fields["nonce"], scan,
    )  # fmt: skip
    assert fast == expected  # the parsed answers serialised by orjson
    assert _fast_commitment(fields["vote_id"], {"x": 2**70}, "g", "OWNER", "PAPER", "t", "a" * 32, None) is None
    assert _fast_commitment(fields["vote_id"], answers, 1, "OWNER", "PAPER", "t", "a" * 32, None) is None
    assert _fast_commitment(fields["vote_id"], answers, "g", "OWNER", "PAPER", "t", "short", None) is None
    assert _fast_commitment(fields["vote_id"], answers, "g", "OWNER", "PAPER", "t", "a" * 32, "bad") is None


def test_the_leaf_shortcut_accepts_what_the_reference_accepts_and_names_what_it_refuses():
    payload = {"ballot_id": "b", "nested": {"payload_sha256": "not the leaf's"}, "text": '"payload":{'}
    vote_id, estate_id = str(uuid.uuid4()), str(uuid.uuid4())
    document = {
        "id": str(uuid.uuid4()), "kind": "ballot.cast", "estate_id": estate_id, "vote_id": vote_id,
        "payload": payload, "payload_sha256": entry_payload_sha256("ballot.cast", estate_id, vote_id, payload),
        "created_at": "2026-03-20T02:00:00.000000Z",
    }  # fmt: skip
    line = canonical_bytes(document)
    _check_leaf(line, json.loads(line))
    with pytest.raises(ValueError, match="not in RFC 8785 canonical form"):  # §1.1: another layout is refused
        _check_leaf(json.dumps(document, indent=1).encode(), document)
    forged = dict(document, payload={**payload, "ballot_id": "c"})
    with pytest.raises(ValueError, match="payload_sha256 does not match"):
        _check_leaf(canonical_bytes(forged), forged)
    # a repeated member: parsed, the last value is kept, and the bytes hash as signed; the reference names it
    repeated = line.replace(b'"kind":"ballot.cast"', b'"kind":"ballot.voided","kind":"ballot.cast"')
    with pytest.raises(ValueError, match="duplicate member 'kind'"):
        _check_leaf(repeated, json.loads(repeated))
    unscoped = dict(document, estate_id=None)
    unscoped["payload_sha256"] = entry_payload_sha256("ballot.cast", None, vote_id, payload)
    _check_leaf(canonical_bytes(unscoped), unscoped)  # no estate: "" in the payload hash's preimage
    # The tail is read at fixed offsets: a line that does not end exactly so goes to the reference check
    with pytest.raises(ValueError, match="exactly the members"):
        _check_leaf(line[:-1] + b',"x":1}', dict(document, x=1))
    upper = dict(document, vote_id=vote_id.upper())
    upper["payload_sha256"] = entry_payload_sha256("ballot.cast", estate_id, vote_id.upper(), payload)
    with pytest.raises(ValueError, match="vote_id"):
        _check_leaf(canonical_bytes(upper), upper)  # the reference check refuses what is not a lowercase UUID


def test_micros():
    assert _micros("1970-01-01T00:00:01.000002Z") == 1_000_002


async def test_the_verifier_gives_the_same_report_without_orjson(bundle, trust, monkeypatch):
    from app.verifier import checks

    def swap(ballots: list[Any]) -> None:
        ballots[0], ballots[1] = ballots[1], ballots[0]

    bundles = (bundle, tamper(bundle, d.BALLOTS, swap))
    with_orjson = [verify_bundle(item, trust=trust).lines() for item in bundles]
    monkeypatch.setattr(checks, "_loads", checks._stdlib_json()[0])
    monkeypatch.setattr(checks, "_dumps_sorted", checks._stdlib_json()[1])
    assert [verify_bundle(item, trust=trust).lines() for item in bundles] == with_orjson
    assert with_orjson[0][-1].startswith("PASS")
    assert with_orjson[1][-1].startswith("FAIL  ballots:")


_ONLY_ITS_DEPENDENCIES = """
import runpy, sys
sys.modules["orjson"] = sys.modules["isal"] = None  # not installed: ``import orjson`` raises ImportError
sys.argv = ["python -m app.verifier", *sys.argv[1:]]
try:
    runpy.run_module("app.verifier", run_name="__main__", alter_sys=True)
except SystemExit as done:
    status = done.code
public = {name.split(".")[0] for name in sys.modules if not name.startswith("_")} - set(sys.stdlib_module_names)
sys.stderr.write(f"\\nimported: {sorted(public)}\\n")
sys.exit(status)
"""


def _run_alone(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", _ONLY_ITS_DEPENDENCIES, *args]
    # the Python references of the native core (app.verifier.native): the verifier as a pip install without a compiler
    environment = {**os.environ, "EVOTE_VERIFIER_NATIVE": "0"}
    return subprocess.run(command, capture_output=True, text=True, check=False, env=environment)


async def test_the_verifier_runs_with_only_cryptography_and_rfc8785(bundle, log_key, tmp_path):
    """``python -m app.verifier`` imports nothing outside the standard library, ``cryptography`` and ``rfc8785`` (no
    web framework, database layer or settings) and gives its verdict without orjson and isal (zlib inflates)."""
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    done = _run_alone(str(path), "--log-key", log_key, "--jobs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("PASS")
    imported = done.stderr.rstrip().splitlines()[-1]
    assert imported == "imported: ['app', 'cryptography', 'isal', 'orjson', 'rfc8785']"  # isal, orjson: blocked entries


def test_the_exporters_pem_is_recognised_without_a_parser_and_any_other_is_parsed():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key, other = (Ed25519PrivateKey.generate().public_key() for _ in range(2))
    raw = key.public_bytes_raw()
    pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert checks._spki_pem(raw) == pem  # what the exporter writes: no parser needed
    assert checks._pem_holds(pem.replace(b"\n", b"\r\n"), raw)  # another layout of the same key: parsed
    assert not checks._pem_holds(other.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo), raw)
