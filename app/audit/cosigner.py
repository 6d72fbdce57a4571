"""The witness tool over HTTP (``evote log cosign``): fetch, check against the last cosigned checkpoint, cosign, post.

The cosignature is timestamped (c2sp.org/tlog-cosignature/v1) with the witness machine's clock. The witness
trusts only what it holds: the log's verifier key (given to it out of band, e.g. printed in
the street office's records) and the note it cosigned last, kept in a state file. The server supplies the
latest checkpoint and a consistency proof; ``app.ledger.witness.cosign`` refuses to sign unless the
proof shows the new tree extends the old one. The state file is replaced only after the server accepted
the cosignature.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.ledger.note import NoteVerifier
from app.ledger.witness import CheckpointInconsistent, cosign, open_checkpoint

API = "/api/v1"


class CosignRefused(Exception):
    """The server refused the cosignature; ``code`` is its problem code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class CosignResult:
    size: int
    previous_size: int | None
    note: str
    """The checkpoint with every cosignature the server holds, as returned by it."""


async def cosign_latest(
    client: httpx.AsyncClient,
    *,
    log: NoteVerifier,
    witness_name: str,
    witness_key: Ed25519PrivateKey,
    state_file: Path,
) -> CosignResult:
    """Cosign the log's latest checkpoint if it extends the one in ``state_file``; raise otherwise."""
    previous = _read_state(state_file)
    latest_response = await client.get(f"{API}/log/checkpoint")
    _raise_for_problem(latest_response)
    latest = latest_response.text
    new = open_checkpoint(latest, log)
    proof: list[bytes] = []
    before = open_checkpoint(previous, log) if previous is not None else None
    if before is not None and before.size <= new.size:
        response = await client.get(f"{API}/log/consistency", params={"first": before.size, "second": new.size})
        _raise_for_problem(response)
        proof = [base64.b64decode(node, validate=True) for node in response.json()["proof"]]
    cosigned = cosign(
        latest,
        log,
        witness_name,
        witness_key,
        timestamp=int(time.time()),
        previous=previous,
        consistency_proof=proof,
    )
    response = await client.post(f"{API}/log/witness/cosign", json={"note": cosigned})
    _raise_for_problem(response)
    _replace(state_file, latest)
    return CosignResult(new.size, None if before is None else before.size, response.json()["note"])


def _raise_for_problem(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    raise CosignRefused(response.status_code, str(body.get("code", "http.error")), str(body.get("detail", "")))


def _read_state(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def _replace(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


__all__ = ["CheckpointInconsistent", "CosignRefused", "CosignResult", "cosign_latest"]
