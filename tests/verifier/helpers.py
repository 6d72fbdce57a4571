"""A whole vote through the API (as in tests/e2e), then its export bundle; and tools to tamper with a bundle.

Bundles are cached per backend and scenario: they are plain bytes, and the tamper tests only read them.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import uuid
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.common.access import Role
from app.ledger import ballot as commitments
from app.ledger import merkle
from app.ledger.canonical import canonical_bytes
from app.ledger.signing import sign
from app.place.models import Community, Estate
from app.result.export import write_zip
from app.verifier import documents as d
from tests.factories import make_api_key
from tests.scenario import (  # noqa: F401 - re-exported for the verifier tests
    CANDIDATES,
    ENDS,
    GROUPS,
    OWNER_NAMES,
    PUBLISHED,
    STARTS,
    VoteRun,
    run_vote,
    topics,
)


async def export_bundle(client, run: VoteRun) -> bytes:  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/votes/{run.vote_id}/export", headers=run.committee)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return response.content


# --- tampering ------------------------------------------------------------------------------------------------


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def decode(name: str, content: bytes) -> Any:
    """A member's JSON value; a JSON Lines member (``documents.JSONL_MEMBERS``) as the list of its lines' values, a
    headed one (the register snapshot, the roll: ``documents.HEADED_MEMBERS``) as its whole document."""
    if name in d.JSONL_MEMBERS:
        return [json.loads(line) for line in content.splitlines()]
    if name in d.HEADED_MEMBERS:
        return d.join_document(name, [json.loads(line) for line in content.splitlines()])
    if name in d.BINARY_MEMBERS:  # log/inclusion.bin: its 32-byte nodes
        return [content[start : start + 32] for start in range(0, len(content), 32)]
    return json.loads(content)


def encode(name: str, document: Any) -> bytes:
    """A member's bytes as a forger writes them: JSON Lines members as canonical lines, others as plain JSON."""
    if name in d.JSONL_MEMBERS:
        return b"".join(canonical_bytes(item) + b"\n" for item in document)
    if name in d.HEADED_MEMBERS:
        return b"".join(line + b"\n" for line in d.split_document(name, document))
    if name in d.BINARY_MEMBERS:
        return b"".join(document)
    return json.dumps(document, ensure_ascii=False).encode()


#: Private log keys by their raw public key: ``rebuild`` signs the manifest again with the bundle's own log key when
#: it is known here (the test server's key, registered by tests/verifier/conftest.py, and forgers' keys), as the
#: holder of that key would; a bundle changed by anyone else keeps its manifest signature, which then fails.
SIGNERS: dict[bytes, Ed25519PrivateKey] = {}


def sign_manifest(files: dict[str, bytes], signer: Ed25519PrivateKey | None = None, *, resign: bool = True) -> None:
    """Recompute the manifest's sizes, hashes and unit tags, and sign it with ``signer`` or the known key of the
    bundle's own log key (``SIGNERS``); with neither (or ``resign`` off: a forger without the key) the old signature
    stays, and no longer verifies."""
    manifest = json.loads(files[d.MANIFEST])
    for member in manifest["files"]:
        content = files[member["name"]]
        member["size"] = len(content)
        member["sha256"] = hashlib.sha256(content).hexdigest()
    manifest["register_unit_tags"] = d.unit_tags(files[d.REGISTER].splitlines()[1:])
    if signer is None and resign:
        try:
            signer = SIGNERS.get(base64.b64decode(json.loads(files[d.KEYS])["log"]["public_key"]))
        except (KeyError, TypeError, ValueError):  # keys.json itself is what a test broke: the manifest stays unsigned
            signer = None
    if signer is not None and resign:
        manifest["signature"] = base64.b64encode(sign(signer, d.manifest_message(manifest))).decode()
    files[d.MANIFEST] = json.dumps(manifest, indent=2).encode()


def load(bundle: bytes, name: str) -> Any:
    return decode(name, members(bundle)[name])


def rebuild(
    files: dict[str, bytes],
    *,
    fix_manifest: bool = True,
    signer: Ed25519PrivateKey | None = None,
    resign: bool = True,
) -> bytes:
    """Re-zip the members in bundle order, updating the manifest's checksums and signature as a forger holding the
    log key would (``sign_manifest``; ``resign=False``: the checksums only, as a forger without the key would)."""
    if fix_manifest:
        sign_manifest(files, signer, resign=resign)
    order = [d.README, d.MANIFEST, *d.MEMBERS]
    order += [name for name in files if name not in order]
    return write_zip([(name, files[name]) for name in order if name in files])


def tamper(bundle: bytes, name: str, change: Callable[[Any], Any]) -> bytes:
    """Change one JSON member (``change`` mutates it in place, or returns a replacement)."""
    files = members(bundle)
    document = decode(name, files[name])
    replaced = change(document)
    files[name] = encode(name, document if replaced is None else replaced)
    return rebuild(files)


def leaf_indices(files: dict[str, bytes]) -> list[int]:
    """The leaf index of each line of log/entries.jsonl, as the batch proofs of log/inclusion.json list them."""
    return [index for proof in json.loads(files[d.INCLUSION])["proofs"] for index in proof["leaf_indices"]]


def log_items(bundle: bytes) -> list[dict[str, Any]]:
    """The bundle's log entries with their leaf indexes: ``{"leaf_index", "entry"}`` per line of the log members."""
    files = members(bundle)
    entries = decode(d.ENTRIES, files[d.ENTRIES])
    return [{"leaf_index": leaf, "entry": entry} for entry, leaf in zip(entries, leaf_indices(files), strict=True)]


def _subtrees(
    size: int, leaves: list[tuple[int, bytes]], nodes: list[bytes], known: dict[tuple[int, int], bytes]
) -> None:
    """Every subtree hash a batch proof's recomputation of the root passes through, by (first leaf, leaves)."""
    position, pending = 0, iter(nodes)

    def walk(low: int, n: int) -> bytes:
        nonlocal position
        if position == len(leaves) or leaves[position][0] >= low + n:
            value = next(pending)
        elif n == 1:
            value = leaves[position][1]
            position += 1
        else:
            k = 1 << ((n - 1).bit_length() - 1)
            value = merkle.node_hash(walk(low, k), walk(low + k, n - k))
        known[(low, n)] = value
        return value

    walk(0, size)


def _batch_path(size: int, indices: list[int], known: dict[tuple[int, int], bytes]) -> list[bytes]:
    proof: list[bytes] = []

    def walk(low: int, n: int, wanted: list[int]) -> None:
        if not wanted:
            proof.append(known[(low, n)])
        elif n > 1:
            k = 1 << ((n - 1).bit_length() - 1)
            walk(low, k, [i for i in wanted if i < low + k])
            walk(low + k, n - k, [i for i in wanted if i >= low + k])

    walk(0, size, indices)
    return proof


def keep_entries(files: dict[str, bytes], keep: Callable[[int, dict[str, Any]], bool]) -> None:
    """Keep only the log entries for which ``keep(leaf index, entry)`` holds, with batch proofs of the rest rebuilt
    from the subtree hashes the bundle's own proofs give (as anyone can: no key needed)."""
    lines = files[d.ENTRIES].splitlines()
    inclusion = json.loads(files[d.INCLUSION])
    nodes = iter(decode(d.INCLUSION_NODES, files[d.INCLUSION_NODES]))
    kept_lines: list[bytes] = []
    proofs: list[dict[str, Any]] = []
    new_nodes: list[bytes] = []
    position = 0
    for proof in inclusion["proofs"]:
        size, indices = proof["tree_size"], proof["leaf_indices"]
        own = lines[position : position + len(indices)]
        position += len(indices)
        leaves = [(i, hashlib.sha256(b"\x00" + line).digest()) for i, line in zip(indices, own, strict=True)]
        known: dict[tuple[int, int], bytes] = {}
        _subtrees(size, leaves, [next(nodes) for _ in range(proof["nodes"])], known)
        chosen = [(i, line) for i, line in zip(indices, own, strict=True) if keep(i, json.loads(line))]
        if chosen:
            path = _batch_path(size, [i for i, _ in chosen], known)
            proofs.append({"tree_size": size, "leaf_indices": [i for i, _ in chosen], "nodes": len(path)})
            new_nodes.extend(path)
            kept_lines.extend(line for _, line in chosen)
    files[d.ENTRIES] = b"".join(line + b"\n" for line in kept_lines)
    files[d.INCLUSION] = encode(d.INCLUSION, {"proofs": proofs})
    files[d.INCLUSION_NODES] = b"".join(new_nodes)


def replace_member(bundle: bytes, name: str, content: bytes) -> bytes:
    files = members(bundle)
    files[name] = content
    return rebuild(files)


def ballot_hash(vote_id: str, ballot: dict[str, Any]) -> str:
    """A bundle ballot's commitment (``app.ledger.ballot``), recomputed as a forger with the nonce would."""
    return commitments.ballot_hash(
        vote_id=vote_id, group=ballot["group_id"], answers=ballot["answers"], basis=ballot["basis"],
        channel=ballot["channel"], cast_at=ballot["cast_at"], nonce=ballot.get("nonce"),
    )  # fmt: skip


async def revoke_as_street_office(client, session, app, run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """R-SUP-1, R-SUP-7: the estate's street office revokes the election's decision of ``run`` (its other decisions
    stand), two days after its end; returns the street office's headers."""
    estate = await session.get(Estate, uuid.UUID(run.estate_id))
    community = await session.get(Community, estate.community_id)
    street_office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=community.street_office_id
    )
    app.state.clock = lambda: ENDS + timedelta(days=2)
    revoked = await client.post(
        f"/api/v1/votes/{run.vote_id}/revoke",
        json={"reason": "未依法公示表决结果", "document_ref": "朝东街发〔2025〕12号", "topic_id": run.topic_ids[3]},
        headers=street_office,
    )
    assert revoked.status_code == 200, revoked.text
    return street_office


def similar_group_areas(rng: random.Random, most: int) -> tuple[list[str], Any, Any, list[str]]:
    """Roll group ids to stress ``GroupAreas``' look-ups, added to two maps alike (areas 1, 2, …): ids sharing their
    first 8 bytes, narrower than 8, sometimes one of another width (the map by id), and probes for them (absent ones
    too). (ids, map, map, probes)."""
    from app.verifier import spill

    width = rng.choice([1, 3, 8, 9, 12, 32])
    alphabet = "ab0" if rng.random() < 0.5 else "abcdef0123456789"
    prefix = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, width)))
    made = {(prefix + "".join(rng.choice(alphabet) for _ in range(width)))[:width] for _ in range(rng.randint(0, most))}
    ids = sorted(made)
    if ids and rng.random() < 0.2:
        ids.append(ids[-1] + "x")
    first, second = spill.GroupAreas(), spill.GroupAreas()
    for area, group in enumerate(ids, 1):
        first.add(group, area)
        second.add(group, area)
    probes = [*ids, "", prefix, *((prefix + rng.choice(alphabet) * width)[:width] for _ in range(4))]
    return ids, first, second, probes


def ballots_state(verifier: Any) -> Any:
    """Everything a run of ballot lines changes in a verifier, in order where it has one (the sums' keys, the known
    answers, the answers' values, the commitments sorted): what the native and the reference runs must leave alike."""
    return (
        [list(sums.items()) for sums in verifier.sums], list(verifier.answer_values.items()),
        list(verifier.participating), list(verifier.cast_extremes), verifier.ballots_seen,
        verifier.agreement.digest(), list(verifier.commitments), bytes(verifier.group_area._counted),
        sorted(verifier.cast_dates), list(verifier.answer_keys.items()),
        # (a bare verifier made for the runs alone has none of these)
        *(getattr(verifier, name, None) for name in ("disagreed", "deferred", "void_outside")),
        len(getattr(verifier, "void_ballots", ())),
    )  # fmt: skip


def reports_with_and_without_native_ballots(
    bundle: bytes, trust: Any, monkeypatch: Any, counted_lines: Any
) -> list[str]:
    """The verifier's report on ``bundle`` with one process and with two, each with the ballots' runs in Python and
    in C (``counted_lines``): all four alike; the report's lines."""
    from app.verifier import native, verify_bundle

    reports = []
    for lines in (None, counted_lines):
        monkeypatch.setattr(native, "counted_lines", lines)
        reports.append([verify_bundle(bundle, trust=trust, jobs=jobs).lines() for jobs in (1, 2)])
    assert reports[0] == reports[1]
    assert reports[0][0] == reports[0][1]
    return reports[0][0]
