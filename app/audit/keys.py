"""The audit log's signing key, its retired keys and the configured witnesses' keys.

Checkpoints are signed notes whose key name is the log's origin (``EVOTE_LOG_ORIGIN``), so a verifier key
string ``<origin>+<key ID>+<public key>`` names both the log and its key. A retired key keeps the same
name and a different key ID: the checkpoints it signed still verify against the published retired keys.
Witness keys are timestamped cosigner keys (c2sp.org/tlog-cosignature, signature type 0x04): their key ID and
verifier key string differ from a log key's for the same Ed25519 key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.ledger.note import ALG_COSIGNATURE_V1, ALG_ED25519, Checkpoint, NoteVerifier, sign_note
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """A public key as verifiers need it: the note verifier and the PEM (SubjectPublicKeyInfo)."""

    verifier: NoteVerifier
    pem: str

    @classmethod
    def of(cls, name: str, public_key: Ed25519PublicKey, alg: int = ALG_ED25519) -> PublishedKey:
        pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(NoteVerifier.from_key(name, public_key, alg), pem.decode("ascii"))

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def key_string(self) -> str:
        return self.verifier.key_string()


@dataclass(frozen=True, slots=True)
class LogKeys:
    origin: str
    private_key: Ed25519PrivateKey
    current: PublishedKey
    retired: tuple[PublishedKey, ...] = ()
    witnesses: tuple[PublishedKey, ...] = ()

    @classmethod
    def create(
        cls,
        origin: str,
        private_key: Ed25519PrivateKey,
        *,
        retired: tuple[Ed25519PublicKey, ...] = (),
        witnesses: tuple[tuple[str, Ed25519PublicKey], ...] = (),
    ) -> LogKeys:
        return cls(
            origin,
            private_key,
            PublishedKey.of(origin, private_key.public_key()),
            tuple(PublishedKey.of(origin, key) for key in retired),
            tuple(PublishedKey.of(name, key, ALG_COSIGNATURE_V1) for name, key in witnesses),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LogKeys:
        return cls.create(
            settings.log_origin,
            settings.log_signing_key(),
            retired=settings.log_retired_public_keys(),
            witnesses=settings.witness_public_keys(),
        )

    @property
    def verifier(self) -> NoteVerifier:
        return self.current.verifier

    @property
    def log_verifiers(self) -> tuple[NoteVerifier, ...]:
        """The current and retired log keys: every checkpoint this log ever signed verifies with one of them."""
        return (self.current.verifier, *(key.verifier for key in self.retired))

    def witness(self, name: str) -> PublishedKey | None:
        return next((key for key in self.witnesses if key.name == name), None)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signed note of a checkpoint of this log."""
        if checkpoint.origin != self.origin:
            raise ValueError(f"checkpoint of {checkpoint.origin!r}, not of this log ({self.origin!r})")
        return sign_note(checkpoint.body(), self.origin, self.private_key)
