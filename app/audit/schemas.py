"""Response and request bodies of the audit log's endpoints. Hashes are standard base64 unless named ``_hex``."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.common.schemas import Instant


class CheckpointOut(BaseModel):
    origin: str
    size: int
    root_hash_hex: str
    root_hash: str = Field(description="Standard base64, as in the note")
    note: str = Field(description="The signed note (c2sp.org/tlog-checkpoint), with cosignatures when asked for")
    cosigned_by: list[str] = Field(description="Witnesses whose cosignatures are appended to the note")
    created_at: Instant


class InclusionOut(BaseModel):
    entry_id: uuid.UUID
    leaf_index: int
    tree_size: int
    leaf_hash: str
    proof: list[str] = Field(description="RFC 9162 audit path, from the leaf's sibling up")
    checkpoint: str = Field(description="The signed checkpoint note at tree_size")


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str] = Field(description="RFC 9162 consistency proof from tree size first to second")


class LogEntryOut(BaseModel):
    leaf_index: int
    leaf_hash: str
    disclosure: Literal["PUBLIC", "RESTRICTED"] = Field(
        description="PUBLIC: a public-law act, served in full; RESTRICTED: served in full only to entitled readers"
    )
    entry: dict[str, Any] | None = Field(
        description="The leaf document (leaf_hash = SHA-256(0x00 || RFC 8785 bytes)); null where not disclosed"
    )


class LogEntriesOut(BaseModel):
    start: int
    end: int
    tree_size: int
    entries: list[LogEntryOut]


class PublicKeyOut(BaseModel):
    name: str
    key_id: str = Field(description="The signed-note key ID, 8 hex digits")
    verifier_key: str = Field(
        description="name+keyid+base64(alg || Ed25519 key): alg 0x01 for log keys (Go sumdb/note format), 0x04 for "
        "witnesses' timestamped cosignature keys (c2sp.org/tlog-cosignature)"
    )
    public_key_pem: str


class LogKeysOut(BaseModel):
    origin: str
    current: PublicKeyOut
    retired: list[PublicKeyOut]
    witnesses: list[PublicKeyOut]


class CosignIn(BaseModel):
    note: str = Field(min_length=1, max_length=65536, description="The checkpoint note with the witness's signature")


class CosignOut(BaseModel):
    size: int
    accepted: list[str] = Field(description="Witnesses whose cosignatures were stored by this request")
    note: str = Field(description="The checkpoint with every stored cosignature")


class ReceiptOut(BaseModel):
    format: str
    entry: dict[str, Any]
    leaf_hash: str
    index: int
    tree_size: int
    proof: list[str]
    checkpoint: str
    log_key: str = Field(description="The log's verifier key when the receipt was made; verify with a key you trust")
    proof_text: str = Field(description="The same receipt as a c2sp.org/tlog-proof@v1 document")
