"""Errors raised when evidence handed to ``app.ledger`` is malformed or does not verify.

The rule for the whole package:

* An argument of the wrong shape passed by our own code (a negative tree size, a hash that is not 32 bytes,
  a leaf index outside the tree when *building* a proof) is a programming error: plain ``ValueError``.
* Evidence that came from outside (a signed note, a checkpoint, a verifier key string) and is malformed or
  fails verification raises a ``LedgerError``. ``LedgerError`` is both a ``DomainError`` (stable code,
  status, zh/en messages, rendered as problem+json) and a ``ValueError``, so ``except ValueError`` still
  catches everything the package raises.
* Boolean verifiers (``merkle.verify_inclusion``, ``merkle.verify_consistency``, ``signing.verify``,
  ``signing.jws_verify``) never raise for a proof or signature that does not verify; they return
  ``False`` / ``None``.

The technical ``reason`` (English, for logs and tests) is kept on the exception and appended to ``str()``;
it is not part of the localised messages shown to users.
"""

from __future__ import annotations

from typing import Any

from app.errors import DomainError


class LedgerError(DomainError, ValueError):
    """Base for malformed or unverifiable evidence; never raised itself."""

    abstract = True
    code = "ledger.invalid"
    status = 422
    title = "Invalid evidence"
    message_zh = "证据格式错误或无法验证。"
    message_en = "The evidence is malformed or cannot be verified."

    def __init__(self, *, reason: str = "", **params: Any) -> None:
        super().__init__(**params)
        self.reason = reason

    def __str__(self) -> str:
        text = self.message("en")
        return f"{text} ({self.reason})" if self.reason else text


class MalformedNote(LedgerError):
    """The text is not a C2SP signed note (c2sp.org/signed-note, "Format")."""

    code = "ledger.note_malformed"
    title = "Malformed signed note"
    message_zh = "签名文本的格式不符合签名文本规范。"
    message_en = "The signed note is not in C2SP signed-note format."


class NoteSignatureInvalid(LedgerError):
    """A signature line names a known key (name and key ID) but its signature does not verify."""

    code = "ledger.note_signature_invalid"
    title = "Invalid note signature"
    message_zh = "签名文本中密钥 {signer} 的签名无效。"
    message_en = "The note's signature by key {signer} is invalid."


class NoteUnverified(LedgerError):
    """No signature line of the note comes from a trusted key."""

    code = "ledger.note_unverified"
    title = "Note not signed by a trusted key"
    message_zh = "签名文本没有任何受信任密钥的有效签名。"
    message_en = "The note has no valid signature from a trusted key."


class MalformedCheckpoint(LedgerError):
    """The note text is not a tlog checkpoint (c2sp.org/tlog-checkpoint, "Note text")."""

    code = "ledger.checkpoint_malformed"
    title = "Malformed checkpoint"
    message_zh = "检查点（树头）的格式不符合透明日志检查点规范。"
    message_en = "The checkpoint is not in C2SP tlog-checkpoint format."


class MalformedVerifierKey(LedgerError):
    """A verifier key string is not ``<name>+<hex key ID>+<base64(0x01 || Ed25519 public key)>``."""

    code = "ledger.verifier_key_malformed"
    title = "Malformed verifier key"
    message_zh = "验证公钥字符串格式错误。"
    message_en = "The verifier key string is malformed."
