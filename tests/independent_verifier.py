"""An independent verifier of an evote export bundle, written from ``docs/evidence-formats.md`` alone.

It imports nothing from ``app/`` (the standard library and ``cryptography`` only), to show that the document is
enough to check a bundle without evote's code: manifest hashes, leaf documents and their hashes, inclusion in the
checkpoints signed by a *pinned* log key, the consistency proof, the signed result, the notice, roll and topic hashes,
ballot commitments and their ``ballot.cast`` entries, the completeness bindings, the signed export index, the counted
set and a recount of the yes/no topics. Witness cosignatures are not counted here (no witness is pinned).
``verify(bundle_bytes, log_key) -> (verdict, reason)``; verdict ``PASS`` or ``FAIL``.

It reads the bundle layout ``evote-bundle@4``: a manifest signed by the log key that lists README.md and every other
member; JSON Lines entries and ballots; one batch inclusion proof per checkpoint (log/inclusion.json, its nodes in
log/inclusion.bin); the register snapshot and the roll as a header line then one unit (group) per line.

Usage: ``python tests/independent_verifier.py BUNDLE.zip LOG_KEY`` (exit status 0 PASS, 1 FAIL).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import zipfile
from fractions import Fraction
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Failed(Exception):
    def __init__(self, check: str, reason: str) -> None:
        super().__init__(f"{check}: {reason}")
        self.check = check


def canonical(value: Any) -> bytes:
    """RFC 8785 for the value types evidence holds (no floats): members sorted by UTF-16 code units."""

    def write(item: Any) -> str:
        if isinstance(item, dict):
            members = sorted(item.items(), key=lambda member: member[0].encode("utf-16-be"))
            return "{" + ",".join(f"{write(key)}:{write(val)}" for key, val in members) + "}"
        if isinstance(item, list):
            return "[" + ",".join(write(val) for val in item) + "]"
        if isinstance(item, float):
            raise ValueError("float in a canonical document")
        return json.dumps(item, ensure_ascii=False)

    return write(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


HEADED = {"register.jsonl": "units", "roll.jsonl": "groups"}


def read(files: dict[str, bytes], name: str) -> Any:
    """One member: a JSON Lines member (``.jsonl``) as the list of its lines' values (the register snapshot and the
    roll as their document: the header line with the other lines as its list), any other JSON as its value."""
    text = files[name].decode("utf-8")
    if name.endswith(".jsonl"):
        values = [json.loads(line) for line in text.split("\n") if line]
        if name in HEADED:
            return {**values[0], HEADED[name]: values[1:]}
        return values
    return json.loads(text)


# --- Merkle trees (RFC 9162 §2.1) ------------------------------------------------------------------------------


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def batch_root(size: int, leaves: list[tuple[int, bytes]], proof: list[bytes]) -> bytes | None:
    """The root a batch inclusion proof gives (docs/evidence-formats.md §5.3): split the tree as MTH does; a part
    with none of the leaves takes the next proof node, a one-leaf part is that leaf, any other part hashes its two
    halves. None unless every leaf and every node is used exactly once, in order."""
    taken = {"leaf": 0, "node": 0}

    def part(low: int, n: int) -> bytes:
        upcoming = leaves[taken["leaf"]] if taken["leaf"] < len(leaves) else None  # leaves come in leaf order
        if upcoming is None or not low <= upcoming[0] < low + n:
            if taken["node"] >= len(proof):
                raise ValueError("too few nodes")
            taken["node"] += 1
            return proof[taken["node"] - 1]
        if n == 1:
            taken["leaf"] += 1
            return upcoming[1]
        k = 1
        while k * 2 < n:
            k *= 2
        return node(part(low, k), part(low + k, n - k))

    try:
        root = part(0, size)
    except ValueError:
        return None
    return root if (taken["leaf"], taken["node"]) == (len(leaves), len(proof)) else None


def included(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistent(first: int, second: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    if first > second:
        return False
    if first == second:
        return not proof and old == new
    if first == 0:
        return not proof and old == hashlib.sha256(b"").digest()
    if not proof:
        return False
    path = [old, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old and sr == new and sn == 0


def merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node(merkle_root(leaves[:split]), merkle_root(leaves[split:]))


# --- keys and signed notes (c2sp signed-note, tlog-checkpoint) --------------------------------------------------


def parse_log_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    name, key_id, encoded = text.split("+", 2)  # base64 may itself contain "+"
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 33 or raw[0] != 0x01:
        raise Failed("keys", "the pinned log key is not 0x01 || a 32-byte Ed25519 key")
    derived = hashlib.sha256(name.encode("utf-8") + b"\n\x01" + raw[1:]).digest()[:4]
    if derived.hex() != key_id:
        raise Failed("keys", "the pinned log key's key ID does not match its name and key")
    return name, derived, Ed25519PublicKey.from_public_bytes(raw[1:])


def ed25519_ok(key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def open_checkpoint(note: str, log: tuple[str, bytes, Ed25519PublicKey]) -> tuple[int, bytes]:
    """The (size, root) of a checkpoint note carrying a valid signature of the pinned log key."""
    name, key_id, key = log
    split = note.rfind("\n\n")
    text, lines = note[: split + 1], note[split + 2 :].split("\n")[:-1]
    signed = False
    for line in lines:
        signer, _, encoded = line.removeprefix("\u2014 ").partition(" ")
        raw = base64.b64decode(encoded, validate=True)
        if signer == name and raw[:4] == key_id:
            if not ed25519_ok(key, text.encode("utf-8"), raw[4:]):
                raise Failed("signatures", "a checkpoint signature of the pinned log key does not verify")
            signed = True
    if not signed:
        raise Failed("signatures", "a checkpoint is not signed by the pinned log key")
    origin, size, root = text.split("\n")[:3]
    if origin != name:
        raise Failed("signatures", f"checkpoint origin {origin!r} is not the pinned log's")
    return int(size), base64.b64decode(root, validate=True)


# --- the bundle --------------------------------------------------------------------------------------------------


def verify(bundle: bytes, log_key: str) -> tuple[str, str]:
    try:
        check(bundle, log_key)
    except Failed as failure:
        return "FAIL", str(failure)
    except (ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile) as failure:
        return "FAIL", f"bundle: unreadable ({failure!r})"
    return "PASS", "every check passed"


def check(bundle: bytes, log_key: str) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["manifest.json"])
    if manifest["format"] != "evote-bundle@4":
        raise Failed("bundle", f"layout {manifest['format']!r} is not evote-bundle@4")
    listed = [item["name"] for item in manifest["files"]]
    if set(files) != set(listed) | {"manifest.json"} or listed[0] != "README.md":
        raise Failed("bundle", "the members are not exactly those the manifest lists, README.md first")
    for item in manifest["files"]:
        content = files[item["name"]]
        if len(content) != item["size"] or sha256_hex(content) != item["sha256"]:
            raise Failed("bundle", f"{item['name']} does not match its manifest hash")
    log = parse_log_key(log_key)
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    if not ed25519_ok(log[2], canonical(unsigned), base64.b64decode(manifest["signature"], validate=True)):
        raise Failed("signatures", "manifest.json is not signed by the pinned log key")
    entries_name, ballots_name = "log/entries.jsonl", "ballots.jsonl"
    vote_id = manifest["vote_id"]

    # Checkpoints, the signed result and its JWS.
    notes = read(files, "log/checkpoints.json")
    trees = dict([open_checkpoint(notes["result"], log), open_checkpoint(notes["latest"], log)])
    result_bytes = files["result/result.json"]
    if not ed25519_ok(log[2], result_bytes, files["result/result.sig"]):
        raise Failed("signatures", "result/result.sig does not verify with the pinned key")
    check_jws(files["result/result.jws"].decode("ascii").strip(), result_bytes, log[2])
    result = json.loads(result_bytes)
    if canonical(result) != result_bytes or result["vote_id"] != vote_id:
        raise Failed("signatures", "result/result.json is not the canonical result of this vote")
    result_size = result["checkpoint"]["size"]
    if base64.b64encode(trees.get(result_size, b"")).decode() != result["checkpoint"]["root_hash"]:
        raise Failed("log", "the result checkpoint is not the one the signed result names")

    # Leaves, inclusion, consistency. @4: one leaf document per line of log/entries.jsonl; log/inclusion.json gives
    # their leaf indices, in order, split into batch proofs (one per checkpoint), whose nodes fill log/inclusion.bin.
    lines = read(files, entries_name)
    batches = read(files, "log/inclusion.json")["proofs"]
    nodes, records, position = files["log/inclusion.bin"], [], 0
    if len(nodes) != 32 * sum(batch["nodes"] for batch in batches):
        raise Failed("log", "log/inclusion.bin does not hold the nodes the inclusion proofs count")
    if sum(len(batch["leaf_indices"]) for batch in batches) != len(lines):
        raise Failed("log", "not one leaf index per entry")
    for batch in batches:
        size, indices = batch["tree_size"], batch["leaf_indices"]
        own = lines[len(records) : len(records) + len(indices)]
        path = [nodes[at : at + 32] for at in range(position, position + 32 * batch["nodes"], 32)]
        position += 32 * batch["nodes"]
        leaves = []
        for leaf_index, document in zip(indices, own, strict=True):
            check_leaf(document, vote_id)
            leaves.append((leaf_index, hashlib.sha256(b"\x00" + canonical(document)).digest()))
            records.append({"leaf_index": leaf_index, "entry": document})
        if size not in trees or batch_root(size, leaves, path) != trees[size]:
            raise Failed("log", f"the entries proven against a tree of size {size} are not all in a signed checkpoint")
    order = [record["leaf_index"] for record in records]
    if order != sorted(set(order)):
        raise Failed("log", "the entries are not in strictly increasing leaf order")
    documents = [record["entry"] for record in records]
    proof = read(files, "log/consistency.json")
    path = [base64.b64decode(item) for item in proof["proof"]]
    if (proof["first"], proof["second"]) != (result_size, max(trees)) or not consistent(
        proof["first"], proof["second"], trees[proof["first"]], trees[proof["second"]], path
    ):
        raise Failed("log", "the latest checkpoint does not extend the result's")

    index = read(files, "log/index.json")
    if not ed25519_ok(log[2], canonical(index["index"]), base64.b64decode(index["signature"])):
        raise Failed("signatures", "log/index.json is not signed by the pinned key")
    listed = [[record["leaf_index"], record["entry"]["kind"]] for record in records]
    if index["index"]["entries"] != listed or index["index"]["vote_id"] != vote_id:
        raise Failed("log", "the bundle's entries are not those the signed export index lists")
    check_documents(files, result, documents)
    ballots = read(files, ballots_name)
    check_ballots(ballots, documents, vote_id)
    check_completeness(documents, ballots, read(files, "log/counted.json"))
    check_tally(files, result, ballots)


def check_jws(token: str, payload: bytes, key: Ed25519PublicKey) -> None:
    header_part, payload_part, signature_part = token.split(".")

    def decode(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    header = json.loads(decode(header_part))
    if header.get("alg") not in ("EdDSA", "Ed25519") or decode(payload_part) != payload:
        raise Failed("signatures", "result/result.jws is not an Ed25519 JWS of result/result.json")
    if not ed25519_ok(key, f"{header_part}.{payload_part}".encode("ascii"), decode(signature_part)):
        raise Failed("signatures", "result/result.jws does not verify with the pinned key")


def check_leaf(document: dict[str, Any], vote_id: str) -> None:
    members = {"id", "kind", "estate_id", "vote_id", "payload", "payload_sha256", "created_at"}
    if set(document) != members or document["vote_id"] != vote_id:
        raise Failed("log", f"entry {document.get('id')} is not a leaf document of this vote")
    preimage = {
        "kind": document["kind"],
        "estate_id": document["estate_id"] or "",
        "vote_id": document["vote_id"] or "",
        "payload": document["payload"],
    }
    if sha256_hex(canonical(preimage)) != document["payload_sha256"]:
        raise Failed("log", f"entry {document['id']}: payload_sha256 does not match its content")


def check_documents(files: dict[str, bytes], result: dict[str, Any], documents: list[dict[str, Any]]) -> None:
    if sha256_hex(canonical(read(files, "notice.json"))) != result["notice_hash"]:
        raise Failed("notice", "notice.json does not hash to the signed notice_hash")
    if sha256_hex(canonical(read(files, "roll.jsonl"))) != result["roll_hash"]:
        raise Failed("register", "roll.jsonl does not hash to the signed roll_hash")
    published = [document for document in documents if document["kind"] == "vote.published"]
    # §6.1: the last vote.roll_republished (R-ROLL-7) names the notice in force, each naming the one before
    in_force = published[0]["payload"] if len(published) == 1 else {}
    for republished in sorted(
        (document for document in documents if document["kind"] == "vote.roll_republished"),
        key=lambda document: document["created_at"],
    ):
        if republished["payload"]["previous_notice_hash"] != in_force.get("notice_hash"):
            raise Failed("notice", "a vote.roll_republished entry does not name the notice it replaces")
        in_force = republished["payload"]
    if len(published) != 1 or in_force["notice_hash"] != result["notice_hash"]:
        raise Failed("notice", "the vote.published entry does not name the notice")
    for topic in read(files, "topics.json"):
        if sha256_hex(canonical(topic["document"])) != topic["content_hash"]:
            raise Failed("notice", f"topic {topic['topic_id']} does not hash to its content_hash")
    for topic in result["topics"]:
        if sha256_hex(canonical(topic["evidence"])) != topic["evidence_sha256"]:
            raise Failed("tally", f"topic {topic['topic_id']}: evidence does not hash to evidence_sha256")


def commitment_of(vote_id: str, ballot: dict[str, Any]) -> str:
    document = {
        "vote_id": vote_id,
        "answers": ballot["answers"],
        "basis": ballot["basis"],
        "channel": ballot["channel"],
        "cast_at": ballot["cast_at"],
    }
    if ballot["nonce"] is None:  # version 1
        return sha256_hex(canonical(document | {"group_id": ballot["group_id"]}))
    document |= {"group": ballot["group_id"], "nonce": ballot["nonce"]}
    if ballot["scan_sha256"] is None:
        return sha256_hex(canonical(document | {"domain": "evote/ballot-commitment@2"}))
    return sha256_hex(
        canonical(document | {"domain": "evote/ballot-commitment@3", "scan_sha256": ballot["scan_sha256"]})
    )


def check_ballots(ballots: list[dict[str, Any]], documents: list[dict[str, Any]], vote_id: str) -> None:
    casts = {d["payload"]["ballot_id"]: d for d in documents if d["kind"] == "ballot.cast"}
    if len(casts) != len(ballots):
        raise Failed("ballots", f"{len(ballots)} ballots but {len(casts)} ballot.cast entries")
    for ballot in ballots:
        entry = casts.get(ballot["ballot_id"])
        if entry is None:
            raise Failed("ballots", f"ballot {ballot['ballot_id']} has no ballot.cast entry")
        payload = entry["payload"]
        logged = payload.get("commitment", payload.get("content_hash"))
        recomputed = commitment_of(vote_id, ballot)
        if recomputed != ballot["content_hash"] or recomputed != logged:
            raise Failed("ballots", f"ballot {ballot['ballot_id']}: commitment does not match its logged entry")
        if payload.get("group", payload.get("group_id")) != ballot["group_id"]:
            raise Failed("ballots", f"ballot {ballot['ballot_id']}: group differs from its logged entry")


BOUND_KINDS = {"vote.published", "vote.erratum", "vote.cancelled", "ballot.cast", "ballot.voided", "vote.closed",
               "vote.decided", "vote.result_published"}  # fmt: skip
# docs/evidence-formats.md §7.1: the procedure's entries (issue #17), bound by bindings logged since
PROCEDURE_BOUND_KINDS = {"vote.notice_posted", "paper.received", "counting.opened", "counting.confirmed",
                         "counting.signed_off", "roll.objection_filed", "roll.objection_answered",
                         "vote.roll_republished", "convening.mandate_recorded", "convening.mandate_signed",
                         "election.candidate_list_acknowledged"}  # fmt: skip


def check_completeness(documents: list[dict[str, Any]], ballots: list[dict[str, Any]], counted: list[str]) -> None:
    def bound(kind: str, procedure: bool) -> bool:
        return kind in BOUND_KINDS or kind.startswith("supervision.") or (procedure and kind in PROCEDURE_BOUND_KINDS)

    def entry_set(binding: dict[str, Any], procedure: bool) -> dict[str, Any]:
        pairs = sorted(
            [d["id"], d["payload_sha256"]]
            for d in documents
            if bound(d["kind"], procedure) and d["created_at"] < binding["created_at"]
        )
        return {
            "count": len(pairs),
            "sha256": sha256_hex(canonical({"domain": "evote/vote-entries@1", "entries": pairs})),
        }

    for binding in documents:
        signed = binding["payload"].get("entries")
        if binding["kind"] not in ("vote.closed", "vote.decided", "vote.result_published") or signed is None:
            continue
        if signed not in (entry_set(binding, True), entry_set(binding, False)):  # the latter: logged before #17
            raise Failed("log", f"{binding['kind']}: the bundle's entries do not reproduce the signed entry set")
    closed = [d for d in documents if d["kind"] == "vote.closed"]
    signed_counted = closed[0]["payload"].get("counted") if closed else None
    if signed_counted is not None:
        leaves = [hashlib.sha256(b"\x00" + commitment.encode("ascii")).digest() for commitment in counted]
        recomputed = {"count": len(counted), "root": merkle_root(leaves).hex()}
        mine = sorted(b["content_hash"] for b in ballots if b["status"] == "COUNTED")
        if recomputed != signed_counted or counted != sorted(counted) or mine != counted:
            raise Failed("ballots", "the counted ballots do not reproduce the signed counted set")


def check_tally(files: dict[str, bytes], result: dict[str, Any], ballots: list[dict[str, Any]]) -> None:
    roll = read(files, "roll.jsonl")
    weights = {group["group_id"]: (group["heads"], group["area"]) for group in roll["groups"]}
    total = (roll["total"]["heads"], roll["total"]["area"])
    topics = {topic["topic_id"]: topic["document"] for topic in read(files, "topics.json")}
    counted = [ballot for ballot in ballots if ballot["status"] == "COUNTED"]
    for topic in result["topics"]:
        document = topics[topic["topic_id"]]
        if document["kind"] != "YES_NO":
            continue
        sums = {answer: [0, 0] for answer in ("AGREE", "OPPOSE", "ABSTAIN", "SPOILED")}
        for ballot in counted:
            answer = ballot["answers"].get(topic["topic_id"])
            if answer is None:
                continue
            heads, area = weights[ballot["group_id"]]
            sums[answer][0] += heads
            sums[answer][1] += area
        participating = (sum(s[0] for s in sums.values()), sum(s[1] for s in sums.values()))
        evidence = topic["evidence"]
        for answer, (heads, area) in sums.items():
            if evidence[answer.lower()] != {"heads": heads, "area": area}:
                raise Failed("tally", f"topic {topic['topic_id']}: {answer.lower()} does not recount")
        rule = document["rule"]
        agree = (sums["AGREE"][0], sums["AGREE"][1])
        if not _meets(rule["quorum"], participating, total):  # heads and area, against the roll
            outcome = "NO_QUORUM"
        else:  # heads and area, against everyone who took part
            outcome = "PASSED" if _meets(rule["approval"], agree, participating) else "REJECTED"
        if outcome != topic["outcome"]:
            raise Failed(
                "tally", f"topic {topic['topic_id']}: recount gives {outcome}, the result says {topic['outcome']}"
            )


def _meets(threshold: dict[str, Any], parts: tuple[int, int], wholes: tuple[int, int]) -> bool:
    needed = Fraction(threshold["num"], threshold["den"])
    for part, whole in zip(parts, wholes, strict=True):
        share = Fraction(part, whole) if whole else Fraction(0)
        if not (share > needed if threshold["strict"] else share >= needed):
            return False
    return True


if __name__ == "__main__":  # pragma: no cover
    with open(sys.argv[1], "rb") as handle:
        verdict, reason = verify(handle.read(), sys.argv[2])
    sys.stdout.write(f"{verdict}  {reason}\n")
    sys.exit(0 if verdict == "PASS" else 1)
