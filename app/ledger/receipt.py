"""Owner receipts: offline-verifiable proofs that an entry is in the signed audit log.

The text form is a C2SP transparency log proof (https://c2sp.org/tlog-proof, ``c2sp.org/tlog-proof@v1``)::

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry's leaf data: the RFC 8785 bytes of its leaf document>
    index <leaf index>
    <base64 inclusion proof hash, one per line, from the leaf's sibling up>
    <empty line>
    <the signed checkpoint note, verbatim, with any witness cosignatures>

The spec's optional ``extra`` line carries the "additional data necessary to reconstruct the record hash";
here it is the entry itself, so the proof is self-contained. Nothing in it is trusted: the verifier
recomputes the leaf hash from it, checks the entry's own ``payload_sha256``, walks the inclusion proof to
the checkpoint's root and checks the checkpoint's signature with a log key the verifier already has.

The JSON form carries the same evidence as members (``entry``, ``leaf_hash``, ``index``, ``proof``,
``checkpoint``); its ``log_key`` member is informational and never used to verify.

``verify_receipt`` answers yes or no; ``open_receipt`` returns what was proved or raises a ``LedgerError``
(``ValueError``) saying why not. ``open_ballot_receipt`` goes one step further for the owner: with the nonce of
their cast receipt and their answers it checks that the proved ``ballot.cast`` entry's commitment is their ballot
(``app.ledger.ballot.opens``); a wrong answer or nonce fails.

**Counted as recorded.** After the close the owner also gets a *counted proof* (``counted_proof_document``), a JSON
object::

    {"format": "evote-counted-proof@v1", "vote_id": <uuid>, "commitment": <the ballot's commitment, 64 hex>,
     "index": <its leaf index in the counted set>, "proof": [<base64 hash>, …],
     "closed": <the JSON form of the receipt of the vote's ``vote.closed`` entry>}

``open_counted_receipt`` checks the ballot receipt as ``open_ballot_receipt`` does, then that ``closed`` is a
receipt of the ``vote.closed`` entry of the same vote in a checkpoint signed by the log key, and that ``proof``
leads the receipt's commitment to the Merkle root of the counted set that entry signs (its payload's ``counted``,
``app.ledger.completeness``). Nothing but the receipt's own commitment is taken from the owner's side.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.ledger.ballot import opens
from app.ledger.completeness import verify_counted_inclusion
from app.ledger.entries import check_leaf_document, entry_leaf_hash, leaf_data, parse_leaf_data
from app.ledger.errors import LedgerError
from app.ledger.events import EventKind
from app.ledger.merkle import HASH_SIZE, leaf_hash, verify_inclusion
from app.ledger.note import Checkpoint, open_note, parse_verifier_key

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
RECEIPT_JSON_FORMAT = "evote-receipt@v1"
COUNTED_PROOF_FORMAT = "evote-counted-proof@v1"
MAX_PROOF_HASHES = 64

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class MalformedReceipt(LedgerError):
    """The receipt is not a tlog proof (or its JSON form) with an entry, an index, a proof and a checkpoint."""

    code = "ledger.receipt_malformed"
    title = "Malformed receipt"
    message_zh = "回执格式错误。"
    message_en = "The receipt is malformed."


class ReceiptInvalid(LedgerError):
    """The receipt is well formed but does not prove that its entry is in the signed log."""

    code = "ledger.receipt_invalid"
    title = "Receipt does not verify"
    message_zh = "回执无法通过验证：该记录未被证明已写入签名日志。"
    message_en = "The receipt does not verify: the entry is not proven to be in the signed log."


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    """What a valid receipt proves: this entry is leaf ``index`` of the log at ``checkpoint``."""

    entry: dict[str, Any]
    index: int
    checkpoint: Checkpoint
    witnesses: tuple[str, ...]
    """Names of the configured witnesses whose cosignatures verified."""


def format_receipt(entry: Mapping[str, Any], index: int, proof: Sequence[bytes], note: str) -> str:
    """The ``c2sp.org/tlog-proof@v1`` text of an entry's leaf document, leaf index, audit path and signed note."""
    lines = [
        PROOF_HEADER,
        "extra " + _b64(leaf_data(entry)),
        f"index {index}",
        *(_b64(node) for node in proof),
    ]
    return "\n".join(lines) + "\n\n" + note


def receipt_document(
    entry: Mapping[str, Any], index: int, proof: Sequence[bytes], note: str, log_key: str
) -> dict[str, Any]:
    """The JSON form of the same receipt."""
    return {
        "format": RECEIPT_JSON_FORMAT,
        "entry": dict(entry),
        "leaf_hash": _b64(entry_leaf_hash(entry)),
        "index": index,
        "proof": [_b64(node) for node in proof],
        "checkpoint": note,
        "log_key": log_key,
    }


def verify_receipt(
    receipt: str | bytes | Mapping[str, Any],
    verifier_key: str,
    *,
    witness_keys: Iterable[str] = (),
    witness_quorum: int = 0,
) -> bool:
    """Whether the receipt (text or JSON form) proves its entry is in the log signed by ``verifier_key``.

    With ``witness_keys`` and ``witness_quorum``, at least that many of those witnesses must have cosigned
    the checkpoint. Never raises for a receipt that does not verify.
    """
    try:
        open_receipt(receipt, verifier_key, witness_keys=witness_keys, witness_quorum=witness_quorum)
    except (ValueError, TypeError):
        return False
    return True


def open_receipt(
    receipt: str | bytes | Mapping[str, Any],
    verifier_key: str,
    *,
    witness_keys: Iterable[str] = (),
    witness_quorum: int = 0,
) -> VerifiedReceipt:
    """Verify a receipt offline: leaf, inclusion proof, checkpoint root, note signature (see the module docstring)."""
    log = parse_verifier_key(verifier_key)
    witnesses = [parse_verifier_key(key) for key in witness_keys]
    if log.is_cosigner or not all(witness.is_cosigner for witness in witnesses):
        raise ReceiptInvalid(reason="the log key is a 0x01 key and witness keys are 0x04 cosigner keys")
    entry, leaf, index, proof, note = _parse(receipt)
    opened = open_note(note, [log, *witnesses])
    if log not in opened.signers:
        raise ReceiptInvalid(reason="the checkpoint is not signed by the log key")
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log.name:
        raise ReceiptInvalid(reason=f"the checkpoint's origin is not {log.name}")
    if not verify_inclusion(index, checkpoint.size, leaf, proof, checkpoint.root_hash):
        raise ReceiptInvalid(reason="the inclusion proof does not lead to the checkpoint's root")
    cosigners = tuple(signer.name for signer in opened.signers if signer != log)
    if len(cosigners) < witness_quorum:
        raise ReceiptInvalid(reason=f"{len(cosigners)} witness cosignature(s), {witness_quorum} required")
    return VerifiedReceipt(entry, index, checkpoint, cosigners)


def open_ballot_receipt(
    receipt: str | bytes | Mapping[str, Any],
    verifier_key: str,
    *,
    answers: Any,
    nonce: str,
    witness_keys: Iterable[str] = (),
    witness_quorum: int = 0,
) -> VerifiedReceipt:
    """``open_receipt``, and the proved entry is a ``ballot.cast`` whose commitment ``answers`` and ``nonce`` open."""
    verified = open_receipt(receipt, verifier_key, witness_keys=witness_keys, witness_quorum=witness_quorum)
    entry = verified.entry
    if entry["kind"] != EventKind.BALLOT_CAST or entry["vote_id"] is None:
        raise ReceiptInvalid(reason="the receipt's entry is not a ballot")
    if not opens(entry["vote_id"], entry["payload"], answers=answers, nonce=nonce):
        raise ReceiptInvalid(reason="these answers and this nonce do not open the ballot's commitment")
    return verified


@dataclass(frozen=True, slots=True)
class VerifiedCounted:
    """What a valid ballot receipt with its counted proof proves: the ballot is logged, and it was counted."""

    ballot: VerifiedReceipt
    closed: VerifiedReceipt
    """The receipt of the ``vote.closed`` entry that signs the counted set."""
    index: int
    """The ballot's commitment's leaf index in the counted set."""
    count: int
    """How many ballots the close counted."""


def counted_proof_document(
    *, vote_id: str, commitment: str, index: int, proof: Sequence[bytes], closed: Mapping[str, Any]
) -> dict[str, Any]:
    """The counted proof: the commitment's audit path in the counted set and the ``vote.closed`` entry's receipt
    (its JSON form, ``receipt_document``)."""
    return {
        "format": COUNTED_PROOF_FORMAT,
        "vote_id": vote_id,
        "commitment": commitment,
        "index": index,
        "proof": [_b64(node) for node in proof],
        "closed": dict(closed),
    }


def open_counted_receipt(
    receipt: str | bytes | Mapping[str, Any],
    counted_proof: str | bytes | Mapping[str, Any],
    verifier_key: str,
    *,
    answers: Any,
    nonce: str,
    witness_keys: Iterable[str] = (),
    witness_quorum: int = 0,
) -> VerifiedCounted:
    """``open_ballot_receipt``, and ``counted_proof`` shows its commitment in the counted set signed at the close."""
    witnesses = tuple(witness_keys)
    ballot = open_ballot_receipt(
        receipt, verifier_key, answers=answers, nonce=nonce, witness_keys=witnesses, witness_quorum=witness_quorum
    )
    commitment = ballot.entry["payload"]["commitment"]
    document = _json_object(counted_proof, "counted proof")
    if document.get("format") != COUNTED_PROOF_FORMAT:
        raise MalformedReceipt(reason=f"a counted proof's format is {COUNTED_PROOF_FORMAT}")
    index = document.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise MalformedReceipt(reason="the counted proof's index must be a non-negative integer")
    path = document.get("proof")
    if not isinstance(path, list):
        raise MalformedReceipt(reason="the counted proof's proof must be a list of base64 hashes")
    proof = [_hash(node) for node in _bounded(path)]
    closed_receipt = document.get("closed")
    if not isinstance(closed_receipt, Mapping):
        raise MalformedReceipt(reason="the counted proof's closed member must be the vote.closed entry's receipt")
    closed = open_receipt(closed_receipt, verifier_key, witness_keys=witnesses, witness_quorum=witness_quorum)
    if closed.entry["kind"] != EventKind.VOTE_CLOSED or closed.entry["vote_id"] != ballot.entry["vote_id"]:
        raise ReceiptInvalid(reason="the counted proof's entry is not the close of your ballot's vote")
    counted = closed.entry["payload"].get("counted")
    if not isinstance(counted, Mapping):
        raise ReceiptInvalid(reason="the vote.closed entry signs no counted set")
    if document.get("commitment") != commitment:
        raise ReceiptInvalid(reason="the counted proof is for another commitment than your ballot's")
    if not verify_counted_inclusion(commitment, index, proof, counted):
        raise ReceiptInvalid(
            reason="your ballot's commitment is not proven to be in the counted set signed at the close"
        )
    return VerifiedCounted(ballot, closed, index, counted["count"])


def _json_object(value: str | bytes | Mapping[str, Any], what: str) -> Mapping[str, Any]:
    if isinstance(value, str | bytes):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as failure:
            raise MalformedReceipt(reason=f"the {what} is not JSON") from failure
    if not isinstance(value, Mapping):
        raise MalformedReceipt(reason=f"the {what} is a JSON object")
    return value


def _parse(receipt: str | bytes | Mapping[str, Any]) -> tuple[dict[str, Any], bytes, int, list[bytes], str]:
    if isinstance(receipt, bytes):
        try:
            receipt = receipt.decode("utf-8")
        except UnicodeDecodeError as failure:
            raise MalformedReceipt(reason="the receipt is not UTF-8") from failure
    if isinstance(receipt, str):
        if receipt.startswith(PROOF_HEADER + "\n"):
            return _parse_text(receipt)
        try:
            receipt = json.loads(receipt)
        except (ValueError, RecursionError) as failure:
            raise MalformedReceipt(reason="neither a tlog proof nor JSON") from failure
    if not isinstance(receipt, Mapping):
        raise MalformedReceipt(reason="a JSON receipt is an object")
    return _parse_json(receipt)


def _parse_text(text: str) -> tuple[dict[str, Any], bytes, int, list[bytes], str]:
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise MalformedReceipt(reason="no empty line before the checkpoint")
    lines = head.split("\n")[1:]
    if not lines or not lines[0].startswith("extra "):
        raise MalformedReceipt(reason="the extra line with the entry is missing")
    data = _b64decode(lines[0].removeprefix("extra "))
    try:
        entry = parse_leaf_data(data)
    except ValueError as failure:
        raise MalformedReceipt(reason=f"the entry: {failure}") from failure
    if len(lines) < 2 or not lines[1].startswith("index "):
        raise MalformedReceipt(reason="the index line is missing")
    index = _index(lines[1].removeprefix("index "))
    proof = [_hash(line) for line in _bounded(lines[2:])]
    return entry, leaf_hash(data), index, proof, note


def _parse_json(document: Mapping[str, Any]) -> tuple[dict[str, Any], bytes, int, list[bytes], str]:
    try:
        entry = check_leaf_document(document.get("entry"))
    except ValueError as failure:
        raise MalformedReceipt(reason=f"the entry: {failure}") from failure
    leaf = entry_leaf_hash(entry)
    if "leaf_hash" in document and _hash(document["leaf_hash"]) != leaf:
        raise ReceiptInvalid(reason="leaf_hash is not the hash of the entry")
    index = document.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise MalformedReceipt(reason="index must be a non-negative integer")
    proof = document.get("proof")
    if not isinstance(proof, list):
        raise MalformedReceipt(reason="proof must be a list of base64 hashes")
    note = document.get("checkpoint")
    if not isinstance(note, str):
        raise MalformedReceipt(reason="checkpoint must be the signed note text")
    return entry, leaf, index, [_hash(node) for node in _bounded(proof)], note


def _bounded(values: list[Any]) -> list[Any]:
    if len(values) > MAX_PROOF_HASHES:
        raise MalformedReceipt(reason=f"more than {MAX_PROOF_HASHES} proof hashes")
    return values


def _index(text: str) -> int:
    if _DECIMAL.fullmatch(text) is None:
        raise MalformedReceipt(reason="the index is not a decimal number without leading zeros")
    return int(text)


def _hash(text: Any) -> bytes:
    if not isinstance(text, str):
        raise MalformedReceipt(reason="a hash is a base64 string")
    value = _b64decode(text)
    if len(value) != HASH_SIZE:
        raise MalformedReceipt(reason=f"a hash is {HASH_SIZE} bytes")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict standard base64 with padding, in its canonical form only (as in ``app.ledger.note``)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as failure:
        raise MalformedReceipt(reason="invalid base64") from failure
    if not data or _b64(data) != text:
        raise MalformedReceipt(reason="empty or non-canonical base64")
    return data
