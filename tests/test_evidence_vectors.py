"""The test vectors of ``docs/evidence-formats.md`` (``docs/vectors/*.json``) checked against the code.

Every vector is rebuilt here from its inputs with the code that writes and checks the real artefacts, and must equal
the file byte for byte; every signed artefact in the files is also opened with the code's own verifiers. So a change
of any format (a member, a domain string, a hash preimage, a signature message) fails here until the document and its
vectors are updated with it. Regenerate after a deliberate change with ``python -m tests.test_evidence_vectors``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.ledger import ballot, completeness, merkle, note, pseudonyms, receipt, signing
from app.ledger.canonical import canonical_bytes, canonical_sha256
from app.ledger.entries import entry_leaf_hash, entry_payload_sha256, leaf_data, leaf_document, parse_leaf_data
from app.verifier import documents
from app.verifier.documents import jwk_thumbprint

VECTORS = Path(__file__).resolve().parent.parent / "docs" / "vectors"

VOTE_ID = "5b0c8a52-1f7e-4c1a-9d43-6a2f0e7b9c11"
ESTATE_ID = "0d6f3a8e-2b4c-4e8f-a1d7-3c9b5e2f7a40"
LOG_ORIGIN = "evote.example/log"
WITNESS_NAME = "street-office.example"


def _seed(label: str) -> bytes:
    """A published test seed: SHA-256 of a label (never a real key)."""
    return hashlib.sha256(label.encode("utf-8")).digest()


def _key(label: str) -> Ed25519PrivateKey:
    return signing.private_key_from_seed(_seed(label))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _text(data: bytes) -> str:
    return data.decode("utf-8")


def _canonical() -> dict[str, Any]:
    cases = [
        {"b": 2, "a": [True, None, "x"], "A": 1},
        {"title": "维修资金使用 — “电梯”", "tab\tnew\nline": '\u0001\u001f"\\', "n": -9007199254740991},
        {"\u00e9": 1, "\U0001f600": 2, "z": 3},  # member order by UTF-16 code units
    ]
    return {
        "description": "RFC 8785 canonical JSON: input (any layout) -> canonical UTF-8 text and its SHA-256",
        "cases": [
            {"input": case, "canonical": _text(canonical_bytes(case)), "sha256": canonical_sha256(case)}
            for case in cases
        ],
    }


def _entries() -> list[dict[str, Any]]:
    """Four leaf documents of one vote (a published notice, a ballot, its void, the close)."""
    specs: list[tuple[str, str | None, str | None, dict[str, Any], datetime]] = [
        ("register.version", ESTATE_ID, None, {"version_id": "9e1d2c3b-4a5f-4607-8899-aabbccddeeff", "number": 1},
         datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("ballot.cast", ESTATE_ID, VOTE_ID, _cast_payload(), datetime(2026, 3, 20, 1, 2, 3, 456789, tzinfo=UTC)),
        ("ballot.voided", ESTATE_ID, VOTE_ID,
         {"ballot_id": "7a6b5c4d-3e2f-4101-8a9b-0c1d2e3f4a5b", "group": "3f9a0c1d2e4b5a697887766554433221",
          "reason": "纸质表决票已录入"}, datetime(2026, 3, 21, 9, 30, tzinfo=UTC)),
        ("identity.auth.login", None, None, {"event_id": "11111111-2222-4333-8444-555555555555", "actor": "system",
         "account_id": "", "details": {}}, datetime(2026, 3, 22, 0, 0, tzinfo=UTC)),
    ]  # fmt: skip
    documents = []
    for number, (kind, estate, vote, payload, created_at) in enumerate(specs):
        documents.append(
            leaf_document(
                entry_id=uuid.UUID(int=0x6A0E0000_0000_4000_8000_000000000000 + number),
                kind=kind,
                estate_id=None if estate is None else uuid.UUID(estate),
                vote_id=None if vote is None else uuid.UUID(vote),
                payload=payload,
                payload_sha256=entry_payload_sha256(kind, estate, vote, payload),
                created_at=created_at,
            )
        )
    return documents


def _cast_payload() -> dict[str, Any]:
    commitment = ballot.commitment(**_ballot_v2())
    return {
        "ballot_id": "7a6b5c4d-3e2f-4101-8a9b-0c1d2e3f4a5b", "group": _ballot_v2()["group"], "commitment": commitment,
        "basis": "OWNER", "channel": "ONLINE", "cast_at": _ballot_v2()["cast_at"], "grant": "",
    }  # fmt: skip


def _leaves() -> dict[str, Any]:
    cases = []
    for document in _entries():
        preimage = {
            "kind": document["kind"],
            "estate_id": document["estate_id"] or "",
            "vote_id": document["vote_id"] or "",
            "payload": document["payload"],
        }
        assert parse_leaf_data(leaf_data(document)) == document
        cases.append(
            {
                "leaf_document": document,
                "payload_sha256_preimage": _text(canonical_bytes(preimage)),
                "payload_sha256": document["payload_sha256"],
                "leaf_data": _text(leaf_data(document)),
                "leaf_hash": entry_leaf_hash(document).hex(),
            }
        )
    return {"description": "leaf documents: payload-hash preimage, leaf data (RFC 8785) and RFC 9162 leaf hash",
            "cases": cases}  # fmt: skip


def _tree() -> dict[str, Any]:
    hashes = [entry_leaf_hash(document) for document in _entries()] + [merkle.leaf_hash(b"%d" % i) for i in range(3)]
    return {
        "description": "RFC 9162 Merkle tree over leaf hashes: roots at every size, inclusion and consistency proofs",
        "leaf_hashes": [h.hex() for h in hashes],
        "roots": [merkle.root(hashes[:size]).hex() for size in range(len(hashes) + 1)],
        "inclusion": [
            {
                "index": index,
                "tree_size": size,
                "proof": [h.hex() for h in merkle.inclusion_proof(index, hashes[:size])],
            }
            for index, size in [(0, 1), (1, 4), (2, 7), (6, 7), (4, 5)]
        ],
        "consistency": [
            {
                "first": first,
                "second": second,
                "proof": [h.hex() for h in merkle.consistency_proof(first, hashes[:second])],
            }
            for first, second in [(1, 7), (3, 7), (4, 7), (6, 7)]
        ],
        # evidence-formats §5.3: batch inclusion proofs (MPATH), the nodes left to right
        "batch_inclusion": [
            {
                "tree_size": size,
                "leaf_indices": indices,
                "nodes": [h.hex() for h in merkle.multi_inclusion_proof(indices, hashes[:size])],
            }
            for size, indices in [(7, [1, 4, 5]), (len(hashes), [0, 2, len(hashes) - 1]), (5, [0, 1, 2, 3, 4])]
        ],
    }


def _ballot_v2() -> dict[str, Any]:
    return {
        "vote_id": VOTE_ID,
        "group": "3f9a0c1d2e4b5a697887766554433221",
        "answers": {"c4a1e2f3-0b9d-4c8e-8f7a-6b5c4d3e2f10": "AGREE", "d5b2f3a4-1cae-4d9f-9a8b-7c6d5e4f3a21": "OPPOSE"},
        "basis": "OWNER",
        "channel": "ONLINE",
        "cast_at": "2026-03-20T09:02:03.456789+08:00",
        "nonce": "00112233445566778899aabbccddeeff",
    }


def _ballots() -> dict[str, Any]:
    v2 = _ballot_v2()
    v3 = v2 | {"channel": "PAPER", "basis": "PAPER_ENTRY", "scan_sha256": hashlib.sha256(b"scan").hexdigest()}
    v1 = {key: value for key, value in v2.items() if key not in ("group", "nonce")} | {"group_id": v2["group"]}
    return {
        "description": "ballot commitments: version 2 (online), version 3 (paper with scan hash), version 1 (legacy)",
        "cases": [
            {"version": 2, "inputs": v2, "document": _text(canonical_bytes(ballot.commitment_document(**v2))),
             "commitment": ballot.commitment(**v2)},
            {"version": 3, "inputs": v3, "document": _text(canonical_bytes(ballot.commitment_document(**v3))),
             "commitment": ballot.commitment(**v3)},
            {"version": 1, "inputs": v1, "document": _text(canonical_bytes(v1)),
             "content_hash": ballot.legacy_content_hash(**v1)},
        ],
    }  # fmt: skip


def _notes() -> dict[str, Any]:
    log, witness = _key("evote test vector: log key"), _key("evote test vector: witness key")
    log_verifier = note.NoteVerifier.from_key(LOG_ORIGIN, log.public_key())
    witness_verifier = note.NoteVerifier.from_key(WITNESS_NAME, witness.public_key(), note.ALG_COSIGNATURE_V1)
    hashes = [entry_leaf_hash(document) for document in _entries()]
    checkpoint = note.Checkpoint(LOG_ORIGIN, len(hashes), merkle.root(hashes))
    signed = note.sign_note(checkpoint.body(), LOG_ORIGIN, log)
    timestamp = 1774000000
    cosigned = note.add_cosignature(signed, WITNESS_NAME, witness, timestamp=timestamp)
    return {
        "description": "a signed checkpoint (c2sp signed-note, tlog-checkpoint) and its timestamped cosignature "
        "(c2sp tlog-cosignature/v1); seeds are the RFC 8032 secret keys",
        "log": {
            "name": LOG_ORIGIN,
            "seed": _seed("evote test vector: log key").hex(),
            "public_key": _b64(signing.public_key_bytes(log.public_key())),
            "key_id": log_verifier.key_id.hex(),
            "verifier_key": log_verifier.key_string(),
        },
        "witness": {
            "name": WITNESS_NAME,
            "seed": _seed("evote test vector: witness key").hex(),
            "public_key": _b64(signing.public_key_bytes(witness.public_key())),
            "key_id": witness_verifier.key_id.hex(),
            "verifier_key": witness_verifier.key_string(),
        },
        "checkpoint_text": checkpoint.body(),
        "signed_note": signed,
        "cosignature_timestamp": timestamp,
        "cosignature_message": _text(note.cosignature_message(checkpoint.body(), timestamp)),
        "cosigned_note": cosigned,
    }


def _receipts() -> dict[str, Any]:
    notes = _notes()
    documents = _entries()
    hashes = [entry_leaf_hash(document) for document in documents]
    index = 1
    proof = merkle.inclusion_proof(index, hashes)
    return {
        "description": "an owner's receipt for the ballot.cast entry (leaf 1) in the cosigned checkpoint of notes.json",
        "log_key": notes["log"]["verifier_key"],
        "witness_key": notes["witness"]["verifier_key"],
        "answers": _ballot_v2()["answers"],
        "nonce": _ballot_v2()["nonce"],
        "text": receipt.format_receipt(documents[index], index, proof, notes["cosigned_note"]),
        "json": receipt.receipt_document(
            documents[index], index, proof, notes["cosigned_note"], notes["log"]["verifier_key"]
        ),
    }


def _jws() -> dict[str, Any]:
    log = _key("evote test vector: log key")
    raw = signing.public_key_bytes(log.public_key())
    kid = jwk_thumbprint(raw)
    payload = canonical_bytes({"format": "evote-result@1", "vote_id": VOTE_ID})
    accepted = _forged_jws(log, {"alg": "Ed25519", "kid": kid}, payload)
    return {
        "description": "the signed result's raw signature and compact JWS; the emitted alg is EdDSA, and a token "
        "with the RFC 9864 name Ed25519 is accepted too",
        "seed": _seed("evote test vector: log key").hex(),
        "jwk_thumbprint_input": _text(canonical_bytes({"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)})),
        "kid": kid,
        "payload": _text(payload),
        "raw_signature": _b64(signing.sign(log, payload)),
        "jws": signing.jws_sign(log, kid, payload),
        "jws_ed25519": accepted,
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _forged_jws(key: Ed25519PrivateKey, header: dict[str, str], payload: bytes) -> str:
    signing_input = f"{_b64url(canonical_bytes(header))}.{_b64url(payload)}"
    return f"{signing_input}.{_b64url(signing.sign(key, signing_input.encode('ascii')))}"


def _pseudonyms() -> dict[str, Any]:
    key = _seed("evote test vector: pseudonym key")
    owner, grant = "2c7e9f10-8a3b-4d5c-9e6f-0a1b2c3d4e5f", "3d8fa021-9b4c-4e6d-8f70-1b2c3d4e5f60"
    return {
        "description": "keyed pseudonyms: first 32 hex digits of HMAC-SHA256(key, domain 0x1f vote 0x1f subject)",
        "key": key.hex(),
        "vote_id": VOTE_ID,
        "owner_id": owner,
        "owner_message": f"{pseudonyms.OWNER_PSEUDONYM_DOMAIN}\x1f{VOTE_ID}\x1f{owner}",
        "owner_pseudonym": pseudonyms.owner_pseudonym(key, VOTE_ID, owner),
        "grant_id": grant,
        "grant_message": f"{pseudonyms.GRANT_PSEUDONYM_DOMAIN}\x1f{VOTE_ID}\x1f{grant}",
        "grant_pseudonym": pseudonyms.grant_pseudonym(key, VOTE_ID, grant),
        "no_grant_pseudonym": pseudonyms.grant_pseudonym(key, VOTE_ID, None),
    }


def _completeness() -> dict[str, Any]:
    documents = _entries()
    bound = [document for document in documents if document["kind"] in completeness.BOUND_KINDS]
    pairs = [(document["id"], document["payload_sha256"]) for document in bound]
    commitments = [ballot.commitment(**_ballot_v2()), ballot.commitment(**(_ballot_v2() | {"nonce": "f" * 32}))]
    index = completeness.export_index(
        vote_id=VOTE_ID, tree_size=len(documents), root_hash=_b64(merkle.root([entry_leaf_hash(d) for d in documents])),
        entries=[(position, document["kind"]) for position, document in enumerate(documents) if document["vote_id"]],
    )  # fmt: skip
    return {
        "description": "completeness bindings: the vote's entry set, the counted set and the signed export index",
        "entry_set": {
            "pairs": [list(pair) for pair in pairs],
            "preimage": _text(
                canonical_bytes(
                    {"domain": completeness.ENTRY_SET_DOMAIN, "entries": sorted(list(pair) for pair in pairs)}
                )
            ),
            "binding": completeness.entry_set(pairs).payload(),
        },
        "counted_set": {
            "commitments": commitments,
            "leaves": completeness.counted_leaves(commitments),
            "binding": completeness.counted_set(commitments).payload(),
        },
        "export_index": {
            "index": index,
            "signature": _b64(signing.sign(_key("evote test vector: log key"), canonical_bytes(index))),
        },
    }


def _manifest() -> dict[str, Any]:
    """The signed manifest of ``evote-bundle@4`` (§5.2) and a headed JSON Lines roll with its hash (§5.1)."""
    roll = {
        "format": "evote-roll@2",
        "estate_id": ESTATE_ID,
        "groups": [
            {"group_id": "0" * 31 + "a", "area": 9000, "heads": 1, "is_developer": False, "units": ["1-1-101"],
             "owners": ["1" * 32]},
            {"group_id": "0" * 31 + "b", "area": 12050, "heads": 1, "is_developer": False,
             "units": ["1-1-102", "1-1-P01"], "owners": ["2" * 32, "3" * 32]},
        ],
        "total": {"heads": 2, "area": 21050},
    }  # fmt: skip
    register_units = [
        {"unit_key": "1-1-101", "building": "1号楼", "entrance": "1", "room": "101", "area": 9000,
         "area_source": "CERTIFICATE", "parking": False, "sale_status": "SOLD", "delivered": True,
         "evidence": "CERTIFICATE", "owners": ["1" * 32]},
    ]  # fmt: skip
    register_lines = [canonical_bytes(unit) for unit in register_units]
    roll_lines = documents.split_document(documents.ROLL, roll)
    member = b"".join(line + b"\n" for line in roll_lines)
    manifest: dict[str, Any] = {
        "format": documents.BUNDLE_FORMAT,
        "vote_id": VOTE_ID,
        "files": [
            {"name": "README.md", "size": 6, "sha256": hashlib.sha256(b"# hi\n\n").hexdigest()},
            {"name": documents.ROLL, "size": len(member), "sha256": hashlib.sha256(member).hexdigest()},
        ],
        "register_unit_tags": documents.unit_tags(register_lines),
    }
    message = documents.manifest_message(manifest)
    signature = signing.sign(_key("evote test vector: log key"), message)
    return {
        "description": "evote-bundle@4: a signed manifest (its message is the canonical manifest without "
        "'signature'), register unit tags (first 16 hex digits of SHA-256 of each unit line), and a headed JSON Lines "
        "roll (header line, one group per line) whose hash is the canonical roll document's",
        "log_public_key": _b64(_key("evote test vector: log key").public_key().public_bytes_raw()),
        "manifest": {**manifest, "signature": _b64(signature)},
        "signing_message": _text(message),
        "register_unit_lines": [_text(line) for line in register_lines],
        "roll_document": roll,
        "roll_member_lines": [_text(line) for line in roll_lines],
        "roll_hash": canonical_sha256(roll),
    }


BUILDERS = {
    "canonical.json": _canonical,
    "leaves.json": _leaves,
    "merkle.json": _tree,
    "ballots.json": _ballots,
    "notes.json": _notes,
    "receipts.json": _receipts,
    "jws.json": _jws,
    "pseudonyms.json": _pseudonyms,
    "completeness.json": _completeness,
    "manifest.json": _manifest,
}


def rendered(name: str) -> str:
    return json.dumps(BUILDERS[name](), ensure_ascii=False, indent=2) + "\n"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_vector_file_is_what_the_code_computes(name: str) -> None:
    assert (VECTORS / name).read_text(encoding="utf-8") == rendered(name)


def test_no_vector_file_is_left_unchecked() -> None:
    assert sorted(path.name for path in VECTORS.iterdir()) == sorted(BUILDERS)


def test_canonical_vectors_hash_their_text() -> None:
    for case in load("canonical.json")["cases"]:
        assert canonical_bytes(case["input"]).decode("utf-8") == case["canonical"]
        assert hashlib.sha256(case["canonical"].encode("utf-8")).hexdigest() == case["sha256"]


def test_leaf_vectors_parse_back_and_hash_with_the_prefix_byte() -> None:
    for case in load("leaves.json")["cases"]:
        data = case["leaf_data"].encode("utf-8")
        assert parse_leaf_data(data) == case["leaf_document"]
        assert hashlib.sha256(case["payload_sha256_preimage"].encode("utf-8")).hexdigest() == case["payload_sha256"]
        assert hashlib.sha256(b"\x00" + data).hexdigest() == case["leaf_hash"]


def test_merkle_vectors_verify() -> None:
    vectors = load("merkle.json")
    hashes = [bytes.fromhex(h) for h in vectors["leaf_hashes"]]
    roots = [bytes.fromhex(h) for h in vectors["roots"]]
    for case in vectors["inclusion"]:
        proof = [bytes.fromhex(h) for h in case["proof"]]
        size = case["tree_size"]
        assert merkle.verify_inclusion(case["index"], size, hashes[case["index"]], proof, roots[size])
    for case in vectors["consistency"]:
        proof = [bytes.fromhex(h) for h in case["proof"]]
        first, second = case["first"], case["second"]
        assert merkle.verify_consistency(first, second, roots[first], roots[second], proof)


def test_batch_inclusion_vectors_verify_and_fail_when_changed() -> None:
    vectors = load("merkle.json")
    hashes = [bytes.fromhex(h) for h in vectors["leaf_hashes"]]
    roots = [bytes.fromhex(h) for h in vectors["roots"]]
    for case in vectors["batch_inclusion"]:
        size, indices = case["tree_size"], case["leaf_indices"]
        nodes = [bytes.fromhex(h) for h in case["nodes"]]
        leaves = [(index, hashes[index]) for index in indices]
        assert merkle.verify_multi_inclusion(size, leaves, nodes, roots[size])
        assert not merkle.verify_multi_inclusion(size, leaves[1:], nodes, roots[size])
        if nodes:
            assert not merkle.verify_multi_inclusion(
                size, leaves, [bytes(32), *nodes[1:]], roots[size]
            )  # a node changed


def test_ballot_vectors_hash_their_documents_and_open_their_entries() -> None:
    for case in load("ballots.json")["cases"]:
        digest = hashlib.sha256(case["document"].encode("utf-8")).hexdigest()
        assert digest == case.get("commitment", case.get("content_hash"))
    v2 = load("ballots.json")["cases"][0]
    payload = {key: v2["inputs"][key] for key in ("group", "basis", "channel", "cast_at")}
    payload["commitment"] = v2["commitment"]
    assert ballot.opens(VOTE_ID, payload, answers=v2["inputs"]["answers"], nonce=v2["inputs"]["nonce"])
    assert not ballot.opens(VOTE_ID, payload, answers=v2["inputs"]["answers"], nonce="0" * 32)


def test_note_vectors_open_with_their_keys_and_the_cosignature_carries_its_time() -> None:
    vectors = load("notes.json")
    log = note.parse_verifier_key(vectors["log"]["verifier_key"])
    witness = note.parse_verifier_key(vectors["witness"]["verifier_key"])
    opened = note.open_note(vectors["cosigned_note"], [log, witness])
    assert opened.text == vectors["checkpoint_text"]
    assert opened.signers == (log, witness)
    assert opened.cosigned_at == ((witness, vectors["cosignature_timestamp"]),)
    assert note.open_note(vectors["signed_note"], [log]).signers == (log,)


def test_receipt_vectors_open_for_the_owner() -> None:
    vectors = load("receipts.json")
    for form in (vectors["text"], vectors["json"]):
        opened = receipt.open_ballot_receipt(
            form, vectors["log_key"], answers=vectors["answers"], nonce=vectors["nonce"],
            witness_keys=[vectors["witness_key"]], witness_quorum=1,
        )  # fmt: skip
        assert opened.index == 1


def test_jws_vectors_verify_under_both_algorithm_names() -> None:
    vectors = load("jws.json")
    public = _key("evote test vector: log key").public_key()
    assert signing.jws_verify({vectors["kid"]: public}, vectors["jws"]) == vectors["payload"].encode("utf-8")
    assert signing.jws_verify({vectors["kid"]: public}, vectors["jws_ed25519"]) == vectors["payload"].encode("utf-8")
    assert signing.verify(public, vectors["payload"].encode("utf-8"), base64.b64decode(vectors["raw_signature"]))


def test_pseudonym_vectors_are_truncated_hmacs() -> None:
    import hmac

    vectors = load("pseudonyms.json")
    key = bytes.fromhex(vectors["key"])
    for subject in ("owner", "grant"):
        mac = hmac.new(key, vectors[f"{subject}_message"].encode("utf-8"), hashlib.sha256).hexdigest()[:32]
        assert mac == vectors[f"{subject}_pseudonym"]
    assert vectors["no_grant_pseudonym"] == ""


def test_completeness_vectors_verify() -> None:
    vectors = load("completeness.json")
    entry_set = vectors["entry_set"]
    assert hashlib.sha256(entry_set["preimage"].encode("utf-8")).hexdigest() == entry_set["binding"]["sha256"]
    counted = vectors["counted_set"]
    leaves = [merkle.leaf_hash(leaf.encode("ascii")) for leaf in counted["leaves"]]
    assert merkle.root(leaves).hex() == counted["binding"]["root"]
    assert completeness.counted_contains(counted["commitments"], counted["binding"], counted["commitments"][0])
    public = _key("evote test vector: log key").public_key()
    signed = vectors["export_index"]
    assert signing.verify_document(public, signed["index"], base64.b64decode(signed["signature"]))


def test_manifest_vectors_verify_and_the_roll_rehashes_from_its_lines() -> None:
    vectors = load("manifest.json")
    manifest = vectors["manifest"]
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    assert canonical_bytes(unsigned).decode("utf-8") == vectors["signing_message"]
    public = signing.public_key_from_bytes(base64.b64decode(vectors["log_public_key"]))
    assert signing.verify(public, vectors["signing_message"].encode(), base64.b64decode(manifest["signature"]))
    tags = "".join(hashlib.sha256(line.encode()).hexdigest()[:16] for line in vectors["register_unit_lines"])
    assert manifest["register_unit_tags"] == tags
    # The roll from its lines: the header with "groups" the other lines, hashed as the canonical document.
    lines = [json.loads(line) for line in vectors["roll_member_lines"]]
    assert documents.join_document(documents.ROLL, lines) == vectors["roll_document"]
    header = canonical_bytes({**lines[0], "groups": []})
    prefix, suffix = header.split(b'"groups":[]')
    groups = b",".join(line.encode() for line in vectors["roll_member_lines"][1:])
    streamed = hashlib.sha256(prefix + b'"groups":[' + groups + b"]" + suffix).hexdigest()
    assert streamed == vectors["roll_hash"] == canonical_sha256(vectors["roll_document"])


def main() -> None:  # pragma: no cover - run by hand after a deliberate format change
    VECTORS.mkdir(parents=True, exist_ok=True)
    for name in BUILDERS:
        (VECTORS / name).write_text(rendered(name), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
