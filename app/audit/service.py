"""The audit log's service: appending (one insert in the caller's transaction, nothing shared is updated),
reading checkpoints, proofs and receipts, and storing witness cosignatures."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.errors import (
    CheckpointNotFound,
    CheckpointUnknown,
    ConsistencyRangeInvalid,
    CosignatureMalformed,
    EntryNotFound,
    EntryNotInCheckpoint,
    EntryNotIntegrated,
    EntryRangeInvalid,
    NoCheckpoint,
    WitnessInconsistent,
    WitnessSignatureInvalid,
    WitnessUnknown,
)
from app.audit.keys import LogKeys
from app.audit.models import AuditEntry, LogCheckpoint, LogCosignature
from app.db.base import utcnow
from app.ledger import merkle
from app.ledger.entries import entry_payload_sha256
from app.ledger.errors import NoteSignatureInvalid, NoteUnverified
from app.ledger.events import Event, EventKind
from app.ledger.note import KEY_ID_SIZE, SIGNATURE_PREFIX, Checkpoint, NoteVerifier, open_note

logger = logging.getLogger("evote.audit")


async def append(
    session: AsyncSession,
    event: Event,
    *,
    estate_id: uuid.UUID | None = None,
    vote_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Insert one entry; its hash covers the kind, place, vote and canonical payload.

    ``at`` is the request's clock (its ``created_at``, which the verifier compares with the times the payload
    claims); the wall clock when not given. The entry reaches the Merkle tree when the integrator next runs after
    this transaction commits (``app.audit.integrator``); until then it has no leaf index and no inclusion proof.
    """
    values = entry_values(uuid.uuid4(), event.kind, event.payload, estate_id=estate_id, vote_id=vote_id, at=at)
    entry = AuditEntry(**values)
    session.add(entry)
    await session.flush()
    return entry


def entry_values(
    entry_id: uuid.UUID,
    kind: EventKind,
    payload: dict[str, Any],
    *,
    estate_id: uuid.UUID | None,
    vote_id: uuid.UUID | None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """An entry's column values, its hash included: for ``append``, and for the casting path, which inserts the
    ballot's entry in the same statement as the ballot (``app.ballot.repository.insert_ballot``)."""
    kind_text = str(kind)  # plain text: the column's value, and canonical JSON's fast path
    return {
        "id": entry_id, "kind": kind_text, "estate_id": estate_id, "vote_id": vote_id, "payload": payload,
        "payload_sha256": entry_payload_sha256(kind_text, estate_id, vote_id, payload), "created_at": at or utcnow(),
    }  # fmt: skip


# --- reading the log: checkpoints, proofs, receipts ------------------------------------


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    checkpoint: LogCheckpoint
    note: str
    cosigned_by: tuple[str, ...]


async def checkpoint(session: AsyncSession, size: int | None = None, *, cosigned: bool = False) -> SignedCheckpoint:
    """The latest checkpoint (or the one at ``size``), optionally with every witness cosignature appended."""
    if size is None:
        found = await repository.latest_checkpoint(session)
        if found is None:
            raise NoCheckpoint()
    else:
        found = await repository.checkpoint_at(session, size)
        if found is None:
            raise CheckpointNotFound(size=size)
    if not cosigned:
        return SignedCheckpoint(found, found.note_text, ())
    lines = await repository.cosignatures(session, found.size)
    note = found.note_text + "".join(f"{line.signature_line}\n" for line in lines)
    return SignedCheckpoint(found, note, tuple(line.witness_name for line in lines))


@dataclass(frozen=True, slots=True)
class Inclusion:
    entry: AuditEntry
    document: dict[str, Any]
    leaf_index: int
    leaf_hash: bytes
    proof: list[bytes]
    signed: SignedCheckpoint


async def inclusion(
    session: AsyncSession, entry_id: uuid.UUID, size: int | None = None, *, cosigned: bool = False
) -> Inclusion:
    """The entry's leaf and audit path in the latest checkpoint (or the one at ``size``)."""
    entry = await repository.entry(session, entry_id)
    if entry is None:
        raise EntryNotFound()
    if entry.leaf_index is None:
        raise EntryNotIntegrated()
    signed = await checkpoint(session, size, cosigned=cosigned)
    tree_size = signed.checkpoint.size
    if entry.leaf_index >= tree_size:
        raise EntryNotInCheckpoint(index=entry.leaf_index, size=tree_size)
    hashes = await repository.leaf_hashes(session, tree_size)
    return Inclusion(
        entry,
        repository.document_of(entry),
        entry.leaf_index,
        hashes[entry.leaf_index],
        merkle.inclusion_proof(entry.leaf_index, hashes),
        signed,
    )


async def consistency(session: AsyncSession, first: int, second: int) -> list[bytes]:
    """The RFC 9162 consistency proof between two sizes of the tree as of its latest checkpoint."""
    latest = await repository.latest_checkpoint(session)
    size = 0 if latest is None else latest.size
    if not 0 <= first <= second <= size:
        raise ConsistencyRangeInvalid(size=size)
    return merkle.consistency_proof(first, await repository.leaf_hashes(session, second))


MAX_ENTRIES_PAGE = 1000


@dataclass(frozen=True, slots=True)
class EntryPage:
    tree_size: int
    leaves: list[tuple[int, bytes, dict[str, Any]]]


async def entries(session: AsyncSession, start: int, end: int) -> EntryPage:
    """Leaves ``start`` to ``end - 1`` (at most ``MAX_ENTRIES_PAGE``) of the latest checkpoint, with entries."""
    latest = await repository.latest_checkpoint(session)
    size = 0 if latest is None else latest.size
    if not 0 <= start < end <= size or end - start > MAX_ENTRIES_PAGE:
        raise EntryRangeInvalid(size=size, limit=MAX_ENTRIES_PAGE)
    rows = await repository.leaves(session, start, end)
    return EntryPage(size, [(leaf.leaf_index, leaf.leaf_hash, repository.document_of(row)) for leaf, row in rows])


DUMP_PAGE = 5000


async def dump_lines(session: AsyncSession) -> AsyncIterator[str]:
    """The public log as JSON Lines (``evote audit dump``, read by ``evote verify --log-dump``): the latest signed
    checkpoint ``{"checkpoint": note}``, then every leaf up to it, ``{"leaf_index": i, "entry": leaf document}``."""
    signed = await checkpoint(session, cosigned=True)
    yield json.dumps({"checkpoint": signed.note}, ensure_ascii=False)
    for start in range(0, signed.checkpoint.size, DUMP_PAGE):
        for leaf, row in await repository.leaves(session, start, min(start + DUMP_PAGE, signed.checkpoint.size)):
            document = repository.document_of(row)
            yield json.dumps({"leaf_index": leaf.leaf_index, "entry": document}, ensure_ascii=False, sort_keys=True)


# --- witness cosigning -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cosigned:
    size: int
    accepted: tuple[str, ...]
    note: str


#: Seconds a witness's clock may differ from the server's when it dates a cosignature.
COSIGNATURE_CLOCK_SKEW = 300


async def cosign(session: AsyncSession, keys: LogKeys, note: str, *, now: datetime) -> Cosigned:
    """Store a configured witness's timestamped cosignature (c2sp.org/tlog-cosignature) of one of this log's
    checkpoints.

    The note must carry a valid cosignature of a configured witness and a signature of this log (current or
    retired key), be a checkpoint stored at its size with the same root, and extend the last checkpoint that
    witness cosigned: a witness never cosigns two histories, nor goes back. The cosignature's time must lie
    between the checkpoint's signing and now (give or take ``COSIGNATURE_CLOCK_SKEW``).
    """
    witnesses = [key.verifier for key in keys.witnesses]
    try:
        by_witness = open_note(note, witnesses) if witnesses else None
    except NoteUnverified:
        by_witness = None
    except NoteSignatureInvalid as failure:
        raise WitnessSignatureInvalid() from failure
    except ValueError as failure:
        raise CosignatureMalformed(reason=_reason(failure)) from failure
    if by_witness is None:
        raise WitnessUnknown()
    try:
        body = Checkpoint.parse(open_note(note, keys.log_verifiers).text)
    except (NoteUnverified, NoteSignatureInvalid) as failure:
        raise CheckpointUnknown() from failure
    except ValueError as failure:
        raise CosignatureMalformed(reason=_reason(failure)) from failure
    stored = await repository.checkpoint_at(session, body.size)
    if body.origin != keys.origin or stored is None:
        raise CheckpointUnknown()
    if stored.root_hash != body.root_hash:  # signed with this log's key, yet not the tree it stored: a fork
        logger.error("a witness holds a checkpoint this log never stored", extra={"size": body.size})
        raise WitnessInconsistent(witness=", ".join(w.name for w in by_witness.signers), size=body.size)
    stamped = dict(by_witness.cosigned_at)
    earliest = stored.created_at.timestamp() - COSIGNATURE_CLOCK_SKEW
    for witness, timestamp in stamped.items():
        if not earliest <= timestamp <= now.timestamp() + COSIGNATURE_CLOCK_SKEW:
            raise CosignatureMalformed(
                reason=f"the cosignature of {witness.name} is dated {timestamp}, outside the checkpoint's signing "
                f"({int(stored.created_at.timestamp())}) to now ({int(now.timestamp())})"
            )
    accepted: list[str] = []
    for witness in by_witness.signers:
        await _check_extends(session, witness.name, stored)
        line = _signature_line(note, witness)
        existing = await session.get(LogCosignature, (stored.size, witness.name))
        if existing is None:
            session.add(
                LogCosignature(size=stored.size, witness_name=witness.name, signature_line=line, created_at=now)
            )
        else:
            existing.signature_line = line
        accepted.append(witness.name)
    await session.flush()
    signed = await checkpoint(session, stored.size, cosigned=True)
    return Cosigned(stored.size, tuple(accepted), signed.note)


async def _check_extends(session: AsyncSession, witness_name: str, new: LogCheckpoint) -> None:
    last = await repository.last_cosigned(session, witness_name)
    if last is None or last.size == new.size:
        return
    if last.size > new.size:
        raise WitnessInconsistent(witness=witness_name, size=last.size)
    proof = merkle.consistency_proof(last.size, await repository.leaf_hashes(session, new.size))
    if not merkle.verify_consistency(last.size, new.size, last.root_hash, new.root_hash, proof):
        logger.error("stored checkpoints are inconsistent", extra={"first": last.size, "second": new.size})
        raise WitnessInconsistent(witness=witness_name, size=last.size)


def _signature_line(note: str, witness: NoteVerifier) -> str:
    """The note's signature line by ``witness`` (name and key ID), as written."""
    prefix = f"{SIGNATURE_PREFIX}{witness.name} "
    for line in note[note.rfind("\n\n") + 2 :].splitlines():
        if line.startswith(prefix) and base64.b64decode(line.removeprefix(prefix))[:KEY_ID_SIZE] == witness.key_id:
            return line
    raise RuntimeError("open_note verified a signature line that is not in the note")  # unreachable


def _reason(failure: ValueError) -> str:
    return getattr(failure, "reason", "") or str(failure)
