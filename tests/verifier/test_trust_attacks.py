"""The verifier trusts only the keys the auditor pins (never the bundle's own key list), and counts witnesses'
timestamped cosignatures against a quorum.

Each attack below was accepted by ``evote verify`` when it took its keys from the bundle; now each FAILs with a
line naming what is wrong, and a run without a pinned key is never PASS. The genuine bundle comes from a vote run
through the API on a server with one configured witness (the street office), whose cosignature on the checkpoint
the signed result names is posted through ``POST /api/v1/log/witness/cosign`` before the export, as its tool does.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit import repository as audit_repository
from app.audit.keys import LogKeys
from app.cli import main as cli_main
from app.ledger import merkle
from app.ledger.canonical import canonical_bytes
from app.ledger.entries import entry_leaf_hash, entry_payload_sha256, leaf_document
from app.ledger.events import EventKind
from app.ledger.note import ALG_COSIGNATURE_V1, Checkpoint, add_cosignature, open_note, sign_note, verifier_key_string
from app.ledger.signing import jws_sign, sign
from app.result.export import _keys as bundle_keys
from app.verifier import Trust, TrustError, verify_bundle
from app.verifier import documents as d
from tests.verifier.helpers import (
    ENDS,
    decode,
    encode,
    export_bundle,
    leaf_indices,
    load,
    members,
    rebuild,
    run_vote,
)

WITNESS = "street-office.test"
WITNESS_KEY = Ed25519PrivateKey.generate()
WITNESS_VKEY = verifier_key_string(WITNESS, WITNESS_KEY.public_key(), ALG_COSIGNATURE_V1)


@dataclass(frozen=True, slots=True)
class Cosigned:
    bundle: bytes
    leaves: list[bytes]
    """Every leaf hash of the log at the bundle's latest checkpoint (public: ``GET /api/v1/log/entries``)."""


_CACHE: dict[str, Cosigned] = {}


@pytest.fixture
async def cosigned(backend, client, session, app, repo_root, test_settings) -> Cosigned:  # type: ignore[no-untyped-def]
    if backend.backend not in _CACHE:
        log = LogKeys.from_settings(test_settings)
        app.state.log_keys = LogKeys.create(
            log.origin, log.private_key, witnesses=((WITNESS, WITNESS_KEY.public_key()),)
        )
        run = await run_vote(client, session, app, repo_root)
        app.state.clock = lambda: ENDS + timedelta(hours=2)
        signed = (await client.get(f"/api/v1/votes/{run.vote_id}/signed-result", headers=run.committee)).json()
        size = signed["result"]["checkpoint"]["size"]
        note = (await client.get(f"/api/v1/log/checkpoints/{size}")).text
        stamp = int(app.state.clock().timestamp())
        posted = await client.post(
            "/api/v1/log/witness/cosign", json={"note": add_cosignature(note, WITNESS, WITNESS_KEY, timestamp=stamp)}
        )
        assert posted.status_code == 200, posted.text
        bundle = await export_bundle(client, run)
        latest = Checkpoint.parse(open_note(load(bundle, d.CHECKPOINTS)["latest"], [log.verifier]).text)
        leaves = list(await audit_repository.leaf_hashes(session, latest.size))
        _CACHE[backend.backend] = Cosigned(bundle, leaves)
    return _CACHE[backend.backend]


@pytest.fixture
def pinned(log_key) -> Trust:  # type: ignore[no-untyped-def]
    """The auditor's trust: the log key and the street office's witness key, both obtained out of band."""
    return Trust.of(log_key, witnesses=[f"{WITNESS}={WITNESS_VKEY}"], quorum=1)


def failure(bundle: bytes, trust: Trust) -> tuple[str, str]:
    report = verify_bundle(bundle, trust=trust)
    assert report.failed is not None, "\n".join(report.lines())
    assert report.verdict == "FAIL"
    return report.failed


def _edit(bundle: bytes, name: str, change: Any) -> dict[str, bytes]:
    files = members(bundle)
    document = decode(name, files[name])
    change(document)
    files[name] = encode(name, document)
    return files


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the genuine bundle -------------------------------------------------------------------------------------------


async def test_the_cosigned_bundle_passes_only_when_pinned(cosigned, pinned, log_key, tmp_path, capsys):
    report = verify_bundle(cosigned.bundle, trust=pinned)
    lines = "\n".join(report.lines())
    assert report.ok, lines
    assert f"cosigned by 1 of 1 pinned witnesses ({WITNESS} at " in lines
    assert "quorum reached" in lines
    # Unpinned: every check runs against the bundle's own key, and the verdict is never PASS.
    unpinned = verify_bundle(cosigned.bundle)
    assert unpinned.verdict == "UNVERIFIED KEY"
    assert not unpinned.ok
    assert not any(line.startswith("PASS") for line in unpinned.lines())
    path = tmp_path / "bundle.zip"
    path.write_bytes(cosigned.bundle)
    assert cli_main(["verify", str(path)]) == 3
    out = capsys.readouterr().out
    assert "UNVERIFIED KEY" in out
    assert "PASS" not in out.splitlines()[-1]
    witness_args = ["--witness", f"{WITNESS}={WITNESS_VKEY}", "--witness-quorum", "1"]
    assert cli_main(["verify", str(path), "--log-key", log_key, *witness_args]) == 0
    assert capsys.readouterr().out.rstrip().endswith("PASS  every check passed")
    # The same trust from a trust file; the witness's raw key in base64 is accepted too.
    raw = _b64(WITNESS_KEY.public_key().public_bytes_raw())
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(json.dumps({"log_key": log_key, "witnesses": {WITNESS: raw}, "witness_quorum": 1}))
    assert cli_main(["verify", str(path), "--trust", str(trust_file)]) == 0
    capsys.readouterr()


# --- the accepted attacks -----------------------------------------------------------------------------------------


async def test_a_later_checkpoint_signed_by_a_key_the_bundle_lists_as_retired_fails(cosigned, pinned, log_key):
    """An attacker adds its own key to the bundle's "retired" list and signs a later checkpoint whose tree adds a
    fake court revocation; every proof in the bundle is made consistent with that tree."""
    bundle, leaves = cosigned.bundle, cosigned.leaves
    manifest = load(bundle, d.MANIFEST)
    entries = [{"entry": entry} for entry in load(bundle, d.ENTRIES)]
    origin = load(bundle, d.KEYS)["origin"]
    attacker = Ed25519PrivateKey.generate()
    attacker_vkey = verifier_key_string(origin, attacker.public_key())
    fake = leaf_document(
        entry_id=uuid.uuid4(),
        kind=EventKind.SUPERVISION_COURT_REVOCATION,
        estate_id=uuid.UUID(entries[0]["entry"]["estate_id"]),
        vote_id=uuid.UUID(manifest["vote_id"]),
        payload=(payload := {"acted_at": "2026-03-01", "document_ref": "(2026)京0105民初1号", "reason": "forged"}),
        payload_sha256=entry_payload_sha256(
            EventKind.SUPERVISION_COURT_REVOCATION, entries[0]["entry"]["estate_id"], manifest["vote_id"], payload
        ),
        created_at=ENDS + timedelta(days=30),
    )
    forged_leaves = [*leaves, entry_leaf_hash(fake)]
    size = len(forged_leaves)
    latest = sign_note(Checkpoint(origin, size, merkle.root(forged_leaves)).body(), origin, attacker)
    result_size = load(bundle, d.CONSISTENCY)["first"]

    def forge_proofs(files: dict[str, bytes]) -> None:
        indices = leaf_indices(files)
        inside = [index for index in indices if index < result_size]
        later = [index for index in indices if index >= result_size] + [size - 1]
        proofs, nodes = [], b""
        for tree_size, part, tree in ((result_size, inside, leaves[:result_size]), (size, later, forged_leaves)):
            path = merkle.multi_inclusion_proof(part, tree)
            proofs.append({"tree_size": tree_size, "leaf_indices": part, "nodes": len(path)})
            nodes += b"".join(path)
        files[d.INCLUSION] = json.dumps({"proofs": proofs}).encode()
        files[d.INCLUSION_NODES] = nodes

    def forge_consistency(consistency: dict[str, Any]) -> None:
        consistency.update(second=size, proof=[_b64(h) for h in merkle.consistency_proof(result_size, forged_leaves)])

    files = members(bundle)
    for name, change in (
        (d.KEYS, lambda keys: keys["retired"].append(attacker_vkey)),
        (d.CHECKPOINTS, lambda checkpoints: checkpoints.update(latest=latest)),
        (d.ENTRIES, lambda listed: listed.append(fake)),
        (d.CONSISTENCY, forge_consistency),
    ):
        files[name] = _edit(rebuild(files), name, change)[name]
    forge_proofs(files)
    forged = rebuild(files)
    # The forged tree is sound: with the attacker's key pinned as retired, its signatures and every proof hold
    # (the signed entry index of the completeness check, which no retired key signs, still stops it) ...
    fooled = verify_bundle(forged, trust=Trust.of(log_key, retired=[attacker_vkey]))
    assert [check for check, _ in fooled.passed][:4] == ["bundle", "keys", "signatures", "log"], fooled.lines()
    # ... but the bundle's own "retired" list is never trusted.
    check, message = failure(forged, pinned)
    assert check == "signatures"
    assert f"checkpoint 'latest' is signed by {origin}+{attacker_vkey.split('+')[1]}" in message
    assert "no pinned log key signed it" in message
    assert verify_bundle(forged).verdict == "FAIL"


async def test_cosignatures_replaced_by_a_fake_witness_of_the_same_name_fail(cosigned, pinned):
    impostor = Ed25519PrivateKey.generate()
    impostor_vkey = verifier_key_string(WITNESS, impostor.public_key(), ALG_COSIGNATURE_V1)

    def replace(checkpoints: dict[str, str]) -> None:
        for label, note in checkpoints.items():
            stripped = "\n".join(line for line in note.splitlines() if not line.startswith(f"— {WITNESS} ")) + "\n"
            checkpoints[label] = add_cosignature(stripped, WITNESS, impostor, timestamp=int(ENDS.timestamp()) + 7200)

    files = _edit(cosigned.bundle, d.CHECKPOINTS, replace)
    files[d.KEYS] = _edit(rebuild(files), d.KEYS, lambda keys: keys.update(witnesses=[impostor_vkey]))[d.KEYS]
    check, message = failure(rebuild(files), pinned)
    assert check == "witnesses"
    assert "cosigned by 0 of the 1 pinned witnesses (none), 1 required" in message
    assert f"{WITNESS}+{impostor_vkey.split('+')[1]}" in message  # the impostor is named


async def test_stripped_cosignatures_fall_below_the_quorum(cosigned, pinned, trust):
    def strip(checkpoints: dict[str, str]) -> None:
        for label, note in checkpoints.items():
            checkpoints[label] = "\n".join(l for l in note.splitlines() if not l.startswith(f"— {WITNESS} ")) + "\n"  # noqa: E741

    check, message = failure(rebuild(_edit(cosigned.bundle, d.CHECKPOINTS, strip)), pinned)
    assert check == "witnesses"
    assert "cosigned by 0 of the 1 pinned witnesses" in message
    # With no witness pinned (quorum 0) the same bundle passes: the quorum is the auditor's policy.
    assert verify_bundle(rebuild(_edit(cosigned.bundle, d.CHECKPOINTS, strip)), trust=trust).ok


def _resigned(bundle: bytes, key: Ed25519PrivateKey, origin: str | None = None) -> bytes:
    """The whole bundle signed again with ``key`` (and moved to log ``origin``): keys, checkpoints and result."""
    files = members(bundle)
    keys = json.loads(files[d.KEYS])
    origin = origin or keys["origin"]
    forger = LogKeys.create(origin, key)
    files[d.KEYS] = json.dumps(bundle_keys(forger)).encode()
    files[d.LOG_KEY_PEM] = forger.current.pem.encode()
    checkpoints = json.loads(files[d.CHECKPOINTS])
    for label, note in checkpoints.items():
        body = note[: note.rfind("\n\n") + 1]
        old = Checkpoint.parse(body)
        checkpoints[label] = forger.sign(Checkpoint(origin, old.size, old.root_hash))
    files[d.CHECKPOINTS] = json.dumps(checkpoints).encode()
    index = json.loads(files[d.INDEX])
    index["signature"] = _b64(sign(key, canonical_bytes(index["index"])))
    files[d.INDEX] = json.dumps(index).encode()
    result = json.loads(files[d.RESULT])
    result["checkpoint"]["origin"] = origin
    payload = canonical_bytes(result)
    files[d.RESULT] = payload
    files[d.RESULT_SIG] = sign(key, payload)
    files[d.RESULT_JWS] = jws_sign(key, d.jwk_thumbprint(forger.current.verifier.public_key), payload).encode()
    return rebuild(files, signer=key)  # the forger signs the manifest too


async def test_a_bundle_forged_end_to_end_with_another_key_is_never_pass(cosigned, trust):
    forged = _resigned(cosigned.bundle, Ed25519PrivateKey.generate())
    unpinned = verify_bundle(forged)
    assert unpinned.failed is None, "\n".join(unpinned.lines())  # consistent in itself ...
    assert unpinned.verdict == "UNVERIFIED KEY"  # ... yet never PASS without a pinned key
    check, message = failure(forged, trust)
    assert check == "keys"
    assert "is not the pinned key" in message
    assert "signed with another key" in message


async def test_a_bundle_of_another_instance_fails_when_pinned(cosigned, trust):
    other = _resigned(cosigned.bundle, Ed25519PrivateKey.generate(), origin="evote.other.example/log")
    assert verify_bundle(other).verdict == "UNVERIFIED KEY"
    check, message = failure(other, trust)
    assert check == "keys"
    assert "'evote.other.example/log'" in message
    assert "another instance" in message


# --- unreadable bundles and unusable trust --------------------------------------------------------------------


async def test_a_corrupted_member_is_a_fail_line_never_a_traceback(cosigned, log_key, tmp_path, capsys):
    data = bytearray(cosigned.bundle)
    start = data.index(b"log/entries.jsonl") + len(b"log/entries.jsonl") + 40
    data[start : start + 64] = bytes(64)  # inside the member's deflated data: its CRC no longer holds
    path = tmp_path / "corrupt.zip"
    path.write_bytes(bytes(data))
    assert cli_main(["verify", str(path), "--log-key", log_key]) == 1
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.startswith("FAIL  bundle: member log/entries.jsonl is unreadable"), last
    path.write_bytes(bytes(data[: len(data) // 2]))
    assert cli_main(["verify", str(path), "--log-key", log_key]) == 1
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("FAIL  bundle: not a zip archive")


def test_unusable_trust_is_a_usage_error(tmp_path, log_key, capsys):
    path = tmp_path / "b.zip"
    path.write_bytes(b"")
    for args in (
        ["--log-key", "nonsense"],
        ["--witness", f"{WITNESS}={WITNESS_VKEY}"],  # witnesses without the log key
        ["--log-key", log_key, "--witness", "no-equals-sign"],
        ["--log-key", log_key, "--witness", f"other.name={WITNESS_VKEY}"],
        ["--log-key", log_key, "--witness", f"{WITNESS}=AAAA"],
        ["--log-key", log_key, "--witness", f"{WITNESS}={WITNESS_VKEY}", "--witness-quorum", "2"],
        ["--log-key", log_key, "--retired-log-key", WITNESS_VKEY],
        ["--log-key", log_key, "--trust", str(tmp_path / "t.json")],
        ["--trust", str(tmp_path / "missing.json")],
    ):
        assert cli_main(["verify", str(path), *args]) == 2, args
        assert "evote verify: " in capsys.readouterr().err
    (tmp_path / "t.json").write_text(json.dumps({"log_key": log_key, "witness_quorum": True}))
    with pytest.raises(TrustError, match="malformed"):
        Trust.from_file(tmp_path / "t.json")
    (tmp_path / "t.json").write_text(json.dumps({"log_key": log_key, "extra": 1}))
    with pytest.raises(TrustError, match="only"):
        Trust.from_file(tmp_path / "t.json")
    with pytest.raises(TrustError, match="share a name"):
        Trust.of(
            log_key, witnesses={"a": WITNESS_VKEY, "b": WITNESS_VKEY}.values() and [f"{WITNESS}={WITNESS_VKEY}"] * 2
        )
    assert "nothing pinned" in Trust().describe()
    assert WITNESS in Trust.of(log_key, witnesses=[f"{WITNESS}={WITNESS_VKEY}"]).describe()


async def test_the_bundle_readme_pins_the_keys_first(cosigned):
    readme = members(cosigned.bundle)[d.README].decode()
    commands = [line.strip() for line in readme.splitlines() if line.strip().startswith("evote verify")]
    assert commands[0].startswith("evote verify evote-")
    assert "--log-key 'LOG_KEY'" in commands[0]
    assert "GET /api/v1/log/keys" in readme
    assert "street office's own publication out of band" in readme.replace("\n", " ")
    assert "UNVERIFIED KEY" in readme
