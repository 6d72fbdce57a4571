"""The witness's side of cosigning, as a pure function.

A witness (a street office's tooling, say) keeps the last checkpoint it cosigned. Before cosigning a new
one it checks, with keys and state it already holds, that the new checkpoint is signed by the log, has the
log's origin, does not go backwards, and extends the old tree (an RFC 9162 consistency proof). A log that
showed the witness two different histories would fail one of these checks, so two cosigned checkpoints
from the same witness are always one history.

The cosignature is a timestamped c2sp.org/tlog-cosignature/v1 (signature type 0x04) by the witness's own
key (``note.add_cosignature``): it states that, at that time, this was the largest consistent tree the
witness had seen of the log.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.ledger.errors import LedgerError
from app.ledger.merkle import verify_consistency
from app.ledger.note import Checkpoint, NoteVerifier, add_cosignature, open_note


class CheckpointInconsistent(LedgerError):
    """The new checkpoint does not extend the one the witness cosigned before (a fork or a rollback)."""

    code = "ledger.checkpoint_inconsistent"
    status = 409
    title = "Checkpoint inconsistent with the previous one"
    message_zh = "新的检查点与之前签署的检查点不一致（日志分叉或回退）。"
    message_en = "The checkpoint is not consistent with the one cosigned before (a fork or a rollback)."


def open_checkpoint(note: str, log: NoteVerifier) -> Checkpoint:
    """The checkpoint in a note signed by ``log`` whose origin is the log key's name."""
    checkpoint = Checkpoint.parse(open_note(note, [log]).text)
    if checkpoint.origin != log.name:
        raise CheckpointInconsistent(reason=f"the origin {checkpoint.origin!r} is not the log's ({log.name!r})")
    return checkpoint


def check_consistent(previous: Checkpoint | None, latest: Checkpoint, proof: Sequence[bytes]) -> None:
    """Raise ``CheckpointInconsistent`` unless ``latest`` extends ``previous`` (any checkpoint extends none)."""
    if previous is None:
        return
    if previous.origin != latest.origin:
        raise CheckpointInconsistent(reason="the checkpoints are of different logs")
    if previous.size > latest.size:
        raise CheckpointInconsistent(reason=f"the log went back from size {previous.size} to {latest.size}")
    if not verify_consistency(previous.size, latest.size, previous.root_hash, latest.root_hash, proof):
        raise CheckpointInconsistent(reason=f"size {latest.size} does not extend size {previous.size}")


def cosign(
    note: str,
    log: NoteVerifier,
    witness_name: str,
    witness_key: Ed25519PrivateKey,
    *,
    timestamp: int,
    previous: str | None = None,
    consistency_proof: Sequence[bytes] = (),
) -> str:
    """The note with the witness's cosignature at ``timestamp`` (POSIX seconds) added, after checking it
    against the last cosigned note.

    ``previous`` is the signed note the witness cosigned last (None the first time) and
    ``consistency_proof`` proves the latest tree extends it; both checkpoints must be signed by ``log``.
    """
    latest = open_checkpoint(note, log)
    before = open_checkpoint(previous, log) if previous is not None else None
    check_consistent(before, latest, consistency_proof)
    return add_cosignature(note, witness_name, witness_key, timestamp=timestamp)
