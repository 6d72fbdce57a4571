"""The auditor's export bundle of a decided vote: one ``.zip`` that ``evote verify`` checks offline.

Layout and formats: ``app.verifier.documents`` (one definition for writer and verifier). The register snapshot is
pseudonymous (R-PI-2, R-PI-5): units, buildings, rooms, areas, area sources, parking flags, sale and delivery
status and ownership evidence, with each owner replaced by ``app.ledger.pseudonyms.owner_pseudonym`` (keyed with
the server's pseudonym key, per vote); no names, ID or certificate numbers, blind indexes or phone numbers. Groups
are named by their per-vote pseudonym frozen with the roll, never by an id computable from owner ids. The bundle
does hold every ballot's answers and nonce per voter group (R-PUB-2), which is why only the organiser, the street
office, the platform operator and the estate's auditor may export it, once the result is published, each export
being logged (``vote.exported``).

Members are written in a fixed order with fixed timestamps, so the archive is a function of its content.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
import zipfile
from bisect import bisect_left
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.audit import repository as audit_repository
from app.audit import service as audit_service
from app.audit.errors import LogIncomplete
from app.audit.keys import LogKeys, PublishedKey
from app.audit.models import AuditEntry
from app.ballot.models import Ballot, BallotStatus
from app.common.access import Principal, Role
from app.common.errors import Forbidden
from app.errors import NotFound, Text
from app.ledger import completeness, events, merkle
from app.ledger.canonical import canonical_bytes, canonical_sha256
from app.ledger.entries import leaf_data
from app.ledger.pseudonyms import owner_pseudonym
from app.ledger.signing import sign
from app.place import access
from app.register.models import Building, RegisterVersion, Unit, UnitOwner
from app.result.signing import SignedResult, sign_result
from app.verifier import documents as d
from app.vote import documents as vote_documents
from app.vote import repository as topic_repository
from app.vote.models import RollGroup, Vote
from app.vote.snapshot import owner_pseudonyms

EXPORT_ROLES = frozenset({Role.ADMIN, Role.STREET_OFFICE, Role.COMMITTEE, Role.AUDITOR})
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_BATCH = 2000  # rows fetched at a time when streaming the vote's entries and ballots
_CACHE_FROM = 16  # subtrees of at least this many leaves are memoised when building many inclusion proofs


@dataclass(frozen=True, slots=True)
class Bundle:
    vote_id: uuid.UUID
    content: bytes
    sha256: str
    signed: SignedResult

    @property
    def filename(self) -> str:
        return f"evote-{self.vote_id}.zip"


async def export(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    keys: LogKeys,
    pseudonym_key: bytes,
    now: datetime,
) -> Bundle:
    """``GET …/export``: organiser, street office, operator or the estate's auditor; logged as ``vote.exported``."""
    vote = await topic_repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    roles = await access.estate_roles(session, principal, vote.estate_id)  # nobody's role: 404
    if not roles & EXPORT_ROLES:
        raise Forbidden(
            reason=Text(
                "导出只供组织者、街道办事处、平台运营方和审计人员使用",
                "exports are for the organiser, the street office, the operator and auditors",
            )
        )
    bundle = await build_bundle(session, vote, keys=keys, pseudonym_key=pseudonym_key)
    await audit_service.append(
        session,
        events.vote_exported(
            by=principal.label,
            roles=[role.value for role in roles],
            at=now.isoformat(),
            bundle_sha256=bundle.sha256,
            result_checkpoint=bundle.signed.checkpoint.size,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    return bundle


async def build_bundle(session: AsyncSession, vote: Vote, *, keys: LogKeys, pseudonym_key: bytes) -> Bundle:
    """The bundle of a vote whose result is published and signed (``ResultNotSigned`` until the checkpoint is)."""
    signed = await sign_result(session, vote, keys)
    latest = await audit_service.checkpoint(session, cosigned=True)
    at_result = await audit_service.checkpoint(session, signed.checkpoint.size, cosigned=True)
    result_size, latest_size = at_result.checkpoint.size, latest.checkpoint.size
    hashes = await audit_repository.leaf_hashes(session, latest_size)
    if len(hashes) != latest_size:  # deleted leaves: refuse by name rather than crash
        raise LogIncomplete(size=latest_size, found=len(hashes))
    tree = _ProofTree(hashes)
    entry_lines: list[bytes] = []
    listed: list[tuple[int, str]] = []  # (leaf index, kind) of every entry: the signed export index
    async for entry in _entries(session, vote.id, latest_size):
        entry_lines.append(leaf_data(audit_repository.document_of(entry)))
        listed.append((_index(entry), entry.kind))
    inclusion, inclusion_nodes = _batch_proofs(tree, [index for index, _ in listed], result_size, latest_size)
    consistency = {
        "first": result_size,
        "second": latest_size,
        "proof": [_b64(node) for node in merkle.consistency_proof(result_size, hashes)],
    }
    version = await session.get(RegisterVersion, vote.register_version_id)
    if version is None:  # pragma: no cover - sign_result already required it
        raise NotFound(what="register version")
    topics = sorted(vote.topics, key=lambda topic: topic.position)
    register = await _register(session, vote, version, pseudonym_key)
    register_lines = d.split_document(d.REGISTER, register)
    del register
    roll_lines = d.split_document(d.ROLL, await _roll(session, vote, pseudonym_key))
    documents: dict[str, Any] = {
        d.KEYS: _keys(keys),
        d.NOTICE: vote_documents.notice_document(
            vote,
            [str(topic.content_hash) for topic in topics],
            roll_hash=str(vote.roll_hash),
            register_version_id=version.id,
        ),
        d.TOPICS: [
            {
                "topic_id": str(topic.id),
                "position": topic.position,
                "content_hash": topic.content_hash,
                "document": vote_documents.topic_document(topic),
            }
            for topic in topics
        ],
        d.CHECKPOINTS: {"result": at_result.note, "latest": latest.note},
        d.CONSISTENCY: consistency,
        d.INCLUSION: inclusion,
        d.INDEX: _signed_index(vote, listed, latest_size, latest.checkpoint.root_hash, keys),
        d.COUNTED: completeness.counted_leaves(
            ballot.content_hash for ballot in await _counted_ballots(session, vote.id)
        ),
    }
    members: dict[str, bytes] = {name: _pretty(document) for name, document in documents.items()}
    members[d.REGISTER] = _lines(register_lines)
    members[d.ROLL] = _lines(roll_lines)
    members[d.ENTRIES] = _lines(entry_lines)
    members[d.INCLUSION_NODES] = inclusion_nodes
    members[d.BALLOTS] = _lines([canonical_bytes(ballot) async for ballot in _ballots(session, vote.id, latest_size)])
    members[d.LOG_KEY_PEM] = keys.current.pem.encode("ascii")
    members[d.RESULT] = signed.payload
    members[d.RESULT_SIG] = signed.signature
    members[d.RESULT_JWS] = signed.jws.encode("ascii")
    members[d.README] = readme(vote, signed, keys.origin).encode("utf-8")
    manifest: dict[str, Any] = {
        "format": d.BUNDLE_FORMAT,
        "vote_id": str(vote.id),
        "files": [
            {"name": name, "size": len(members[name]), "sha256": hashlib.sha256(members[name]).hexdigest()}
            for name in d.LISTED
        ],
        "register_unit_tags": d.unit_tags(register_lines[1:]),
    }
    # Signed with the log key: a member (README.md included) changed after export no longer matches.
    manifest["signature"] = _b64(sign(keys.private_key, d.manifest_message(manifest)))
    members[d.MANIFEST] = canonical_bytes(manifest) + b"\n"
    content = write_zip([(name, members[name]) for name in (d.README, d.MANIFEST, *d.MEMBERS)])
    return Bundle(vote.id, content, hashlib.sha256(content).hexdigest(), signed)


def _batch_proofs(
    tree: _ProofTree, indices: Sequence[int], result_size: int, latest_size: int
) -> tuple[dict[str, Any], bytes]:
    """log/inclusion.json and log/inclusion.bin (docs/evidence-formats.md §5.3): one batch proof of the vote's
    entries inside the result's checkpoint against it, one of the later entries against the latest checkpoint."""
    split = bisect_left(indices, result_size)
    proofs: list[dict[str, Any]] = []
    nodes: list[bytes] = []
    for size, part in ((result_size, indices[:split]), (latest_size, indices[split:])):
        if part:
            path = tree.multi_path(part, size)
            proofs.append({"tree_size": size, "leaf_indices": list(part), "nodes": len(path)})
            nodes.extend(path)
    return {"proofs": proofs}, b"".join(nodes)


def _signed_index(
    vote: Vote, entries: Sequence[tuple[int, str]], size: int, root_hash: bytes, keys: LogKeys
) -> dict[str, Any]:
    """Every entry of the vote up to the latest checkpoint, signed with the log key: an export missing one fails."""
    index = completeness.export_index(vote_id=str(vote.id), tree_size=size, root_hash=_b64(root_hash), entries=entries)
    return {"index": index, "signature": _b64(sign(keys.private_key, canonical_bytes(index)))}


async def _counted_ballots(session: AsyncSession, vote_id: uuid.UUID) -> list[Ballot]:
    statement = sa.select(Ballot).where(Ballot.vote_id == vote_id, Ballot.status == BallotStatus.COUNTED)
    return list((await session.scalars(statement)).all())


def _index(entry: AuditEntry) -> int:
    if entry.leaf_index is None:  # pragma: no cover - selected with leaf_index < size
        raise ValueError("entry not integrated")
    return entry.leaf_index


def write_zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A deflated zip of the members in order, with fixed timestamps and permissions (deterministic bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def _pretty(document: Any) -> bytes:
    canonical_bytes(document)  # refuses floats and oversized integers, as every hashed document does
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _lines(lines: Sequence[bytes]) -> bytes:
    """A JSON Lines member: each canonical value on its own line (``documents.JSONL_MEMBERS``)."""
    return b"".join(line + b"\n" for line in lines)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _ProofTree:
    """RFC 9162 batch inclusion proofs for many leaves of one tree, memoising subtree hashes (O(n + m log n))."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self._leaves = leaves
        self._cache: dict[tuple[int, int], bytes] = {}

    def mth(self, low: int, high: int) -> bytes:
        if high - low == 1:
            return self._leaves[low]
        key = (low, high)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        split = 1 << ((high - low - 1).bit_length() - 1)
        value = merkle.node_hash(self.mth(low, low + split), self.mth(low + split, high))
        if high - low >= _CACHE_FROM:
            self._cache[key] = value
        return value

    def multi_path(self, indices: Sequence[int], size: int) -> list[bytes]:
        """MPATH(indices, D[size]) (``merkle.multi_inclusion_proof``, without rehashing the tree)."""
        proof: list[bytes] = []
        stack = [(0, size, 0, len(indices))]  # depth first, left before right: (low, n, first, end) of indices
        while stack:
            low, n, first, end = stack.pop()
            if first == end:
                proof.append(self.mth(low, low + n))
            elif n > 1:
                k = 1 << ((n - 1).bit_length() - 1)
                middle = bisect_left(indices, low + k, first, end)
                stack.append((low + k, n - k, middle, end))
                stack.append((low, k, first, middle))
        return proof


async def _entries(session: AsyncSession, vote_id: uuid.UUID, size: int) -> AsyncIterator[AuditEntry]:
    """The vote's entries up to ``size`` in leaf order, fetched in batches of ``_BATCH`` rows."""
    statement = (
        sa.select(AuditEntry)
        .where(AuditEntry.vote_id == vote_id, AuditEntry.leaf_index.is_not(None), AuditEntry.leaf_index < size)
        .order_by(AuditEntry.leaf_index)
        .execution_options(yield_per=_BATCH)
    )
    async for entry in await session.stream_scalars(statement):
        yield entry
        session.expunge(entry)  # batches do not pile up in the identity map


def _published_key(key: PublishedKey) -> dict[str, Any]:
    raw = key.verifier.public_key
    return {
        "verifier_key": key.key_string,
        "key_id": key.verifier.key_id.hex(),
        "public_key": _b64(raw),
        "pem": key.pem,
        "jwk": d.public_jwk(raw),
    }


def _keys(keys: LogKeys) -> dict[str, Any]:
    return {
        "origin": keys.origin,
        "log": _published_key(keys.current),
        "retired": [key.key_string for key in keys.retired],
        "witnesses": [key.key_string for key in keys.witnesses],
    }


async def _register(
    session: AsyncSession, vote: Vote, version: RegisterVersion, pseudonym_key: bytes
) -> dict[str, Any]:
    """The pseudonymous register snapshot the roll was taken from (see the module docstring)."""
    rows = (
        await session.execute(
            sa.select(
                Unit.id, Unit.unit_key, Building.name, Unit.entrance, Unit.room, Unit.area, Unit.area_source,
                Unit.is_parking, Unit.sale_status, Unit.delivered, Unit.evidence,
            )
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.register_version_id == version.id)
        )
    ).all()  # fmt: skip
    # In code point order (docs/evidence-formats.md §5), which a database's collation need not give
    units = sorted(rows, key=lambda row: str(row.unit_key))
    owners: dict[uuid.UUID, list[str]] = {}
    links = await session.execute(
        sa.select(UnitOwner.unit_id, UnitOwner.owner_id)
        .join(Unit, Unit.id == UnitOwner.unit_id)
        .where(Unit.register_version_id == version.id)
    )
    for unit_id, owner_id in links.all():
        owners.setdefault(unit_id, []).append(owner_pseudonym(pseudonym_key, vote.id, owner_id))
    developer = version.developer_owner_id
    return {
        "format": d.REGISTER_FORMAT,
        "estate_id": str(vote.estate_id),
        "version_id": str(version.id),
        "number": version.number,
        "content_hash": version.content_hash,
        "include_parking": version.include_parking,
        "developer": None if developer is None else owner_pseudonym(pseudonym_key, vote.id, developer),
        "units": [_unit(row, owners.get(row.id, [])) for row in units],
    }


def _unit(row: Any, owners: list[str]) -> dict[str, Any]:
    return {
        "unit_key": row.unit_key,
        "building": row.name,
        "entrance": row.entrance,
        "room": row.room,
        "area": row.area,
        "area_source": row.area_source.value,
        "parking": row.is_parking,
        "sale_status": row.sale_status.value,
        "delivered": row.delivered,
        "evidence": row.evidence.value,
        "owners": sorted(owners),
    }


async def _roll(session: AsyncSession, vote: Vote, pseudonym_key: bytes) -> dict[str, Any]:
    """``app.vote.snapshot.roll_document`` from the frozen roll rows: the preimage of ``vote.roll_hash``.

    A roll frozen since the document binds owners (version 2) lists each group's owners by their per-vote
    pseudonym, the same names the register snapshot gives them; a roll frozen before is identified by its
    version-1 document hashing to the roll hash, and is exported in that version (the hash covers the format,
    so neither can pass for the other)."""
    groups = (await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == vote.id))).all()
    legacy = _roll_document(vote, groups, None)
    if canonical_sha256(legacy) == vote.roll_hash:
        return legacy
    owners = {group.group_key: owner_pseudonyms(pseudonym_key, vote.id, group.owner_ids) for group in groups}
    return _roll_document(vote, groups, owners)


def _roll_document(vote: Vote, groups: Sequence[RollGroup], owners: dict[str, list[str]] | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "estate_id": str(vote.estate_id),
        "groups": sorted(
            (
                {
                    "group_id": group.pseudonym,
                    "area": group.area,
                    "heads": 1,
                    "is_developer": group.is_developer,
                    "units": list(group.unit_keys),
                }
                | ({} if owners is None else {"owners": owners[group.group_key]})
                for group in groups
            ),
            key=lambda group: str(group["group_id"]),
        ),
        "total": {"heads": vote.total_heads, "area": vote.total_area},
    }
    return document if owners is None else {"format": d.ROLL_FORMAT, **document}


async def _ballots(session: AsyncSession, vote_id: uuid.UUID, size: int) -> AsyncIterator[dict[str, Any]]:
    """Every ballot, counted and void, under its group's per-vote pseudonym, in the leaf order of its ``ballot.cast``
    entry, with ``cast_at`` as the exact text that entry (and so the commitment) records and the nonce that opens
    it (R-PUB-2: per-unit answers only in this bundle). Fetched in batches of ``_BATCH`` rows."""
    cast = aliased(AuditEntry)
    statement = (
        sa.select(Ballot, RollGroup.pseudonym, cast.payload)
        .outerjoin(RollGroup, sa.and_(RollGroup.vote_id == Ballot.vote_id, RollGroup.group_id == Ballot.group_id))
        .outerjoin(
            cast,
            sa.and_(cast.id == Ballot.audit_entry_id, cast.leaf_index.is_not(None), cast.leaf_index < size),
        )
        .where(Ballot.vote_id == vote_id)
        .order_by(cast.leaf_index.is_(None), cast.leaf_index, Ballot.cast_at, Ballot.id)
        .execution_options(yield_per=_BATCH)
    )
    async for ballot, pseudonym, payload in await session.stream(statement):
        recorded = payload.get("cast_at") if isinstance(payload, dict) else None
        yield {
            "ballot_id": str(ballot.id),
            "group_id": pseudonym or ballot.group_id,
            "status": ballot.status.value,
            "channel": ballot.channel.value,
            "basis": ballot.basis,
            "answers": ballot.answers,
            "cast_at": recorded or ballot.cast_at.isoformat(),
            "content_hash": ballot.content_hash,
            "nonce": ballot.nonce,
            "scan_sha256": ballot.scan_sha256,
            "void_reason": ballot.void_reason,
            "audit_entry_id": None if ballot.audit_entry_id is None else str(ballot.audit_entry_id),
        }
        session.expunge(ballot)


def readme(vote: Vote, signed: SignedResult, origin: str) -> str:
    """The README inside the bundle: what it holds and how to check it by hand, with keys pinned out of band."""
    return README_TEMPLATE.format(
        vote_id=vote.id, title=vote.title, kid=signed.kid, size=signed.checkpoint.size, origin=origin
    )


README_TEMPLATE = """\
# evote export bundle — vote {vote_id}

{title}

This archive is the complete public evidence of one owners' vote: the pseudonymous register snapshot
(units, buildings, areas and pseudonymous owner sets; no names, ID numbers, certificate numbers or phone
numbers), the frozen roll, the notice and its topics, every ballot, the vote's audit-log entries with
their Merkle inclusion proofs and the signed checkpoints, and the signed result. `manifest.json` lists
every other member (this README included) with its SHA-256, and is signed by the log key.

It contains every group's answers (R-PUB-2): keep it to the audit it was exported for.

## Check everything, with the keys you obtained yourself

    evote verify evote-{vote_id}.zip --log-key 'LOG_KEY' \\
        --witness 'WITNESS_NAME=WITNESS_KEY' --witness-quorum 1   # PASS, or FAIL naming what is wrong

Never take the keys from this archive: whoever could forge it could also forge `keys/keys.json`. Get
`LOG_KEY` (the verifier key `{origin}+<key ID>+<key>`) from the operator's published key endpoint
`GET /api/v1/log/keys` (over HTTPS), and compare it with the street office's own publication out of band
(its notice board, its website or its paper records); the witness keys (the street office's cosigning key
and any other witness) come from the same publications, never from this archive. Several keys may be
pinned at once in a trust file: `evote verify evote-{vote_id}.zip --trust trust.json`.

Without `--log-key` the verifier still runs every check against the archive's own key but prints
`UNVERIFIED KEY` (exit status 3), never PASS. Exit statuses: 0 PASS, 1 FAIL, 2 unusable options, 3
UNVERIFIED KEY.

The verifier recomputes the voter groups, their owners (by per-vote pseudonym), heads and areas from the
register snapshot, the roll and its hash, the notice and topic hashes, every ballot's content hash against
its signed log entry, every tally with the law core, every Merkle inclusion and consistency proof, every
signature, and the publicity rule (voting opened at least 15 clear days after the notice was published, R-LIFE-3).

## Check the signed result with openssl

`result/result.json` is the RFC 8785 canonical JSON of the result; `result/result.sig` is the raw
Ed25519 signature of exactly those bytes by the log key in `keys/log-key.pem`:

    unzip evote-{vote_id}.zip -d bundle && cd bundle
    openssl pkeyutl -verify -rawin -pubin -inkey keys/log-key.pem \\
        -in result/result.json -sigfile result/result.sig        # "Signature Verified Successfully"

(`-rawin` needs OpenSSL 3.0 or later.) This proves only that the key in `keys/log-key.pem` signed it: compare
that key with the one the operator publishes at `GET /api/v1/log/keys` and the street office publishes,
or run `scripts/check_signed_result.sh evote-{vote_id}.zip 'LOG_KEY'`, which checks with the key you pin.

## Check the JWS with any JOSE library

`result/result.jws` is a compact JWS (`alg` `EdDSA`, `kid` `{kid}`, the RFC 7638 thumbprint of the
log key) whose payload is `result/result.json`. With PyJWT, for example:

    python3 - <<'EOF'
    import json, jwt
    key = jwt.PyJWK(json.load(open("keys/keys.json"))["log"]["jwk"])
    token = open("result/result.jws").read().strip()
    payload = jwt.api_jws.decode(token, key.key, algorithms=["EdDSA"])
    print("JWS OK" if payload == open("result/result.json", "rb").read() else "JWS payload differs")
    EOF

## What the result rests on

`result/result.json` names the checkpoint of size {size}: the signed Merkle tree head
(`log/checkpoints.json`, C2SP tlog-checkpoint notes) that contains the notice's publication, every ballot
and the close, decision and publication of the result. Each line of `log/entries.jsonl` (an entry's leaf
document, in leaf order) is proven in a signed checkpoint by the batch inclusion proofs of `log/inclusion.json`
(its leaf index, one proof per checkpoint) and `log/inclusion.bin` (their nodes, 32 bytes each; the
root is recomputed over the tree's split as in RFC 9162, docs/evidence-formats.md §5.3); the latest
checkpoint is proven to extend it (consistency proof, `log/consistency.json`). `ballots.jsonl` holds one
ballot per line, in the order of their `ballot.cast` entries.
Witnesses (the street office's tool among them) cosign checkpoints with timestamped c2sp.org/tlog-cosignature
lines; the verifier counts only the pinned witnesses' cosignatures on the result's checkpoint against the
quorum, and reports when each cosigned.

Hashes are SHA-256 over RFC 8785 canonical JSON of the documents (`roll.jsonl`, a header line then one
group per line, rebuilt as one document → `roll_hash`; `notice.json` → `notice_hash`, each topic document →
its `content_hash`). `manifest.json` lists every other member's size and SHA-256, README.md included, and
carries the log key's Ed25519 signature over its RFC 8785 bytes without `signature`: a member changed after
export FAILs, naming it (a changed register unit is named by its unit key).
"""
