"""Field-level protection of identifiers in the register (R-PI-2).

ID numbers, unified social credit codes and property-certificate numbers are stored only as AES-256-GCM
ciphertext (random 96-bit nonce, the field name as associated data so a ciphertext cannot be moved to
another column) plus an HMAC-SHA256 blind index for exact matching. The plain value never reaches the
database, the logs or an export; people are shown a masked form with the last four characters.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def normalise_identifier(value: str) -> str:
    """Canonical form for matching: NFKC (full-width to ASCII), no spaces or hyphens, upper case (ID check 'x')."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-").upper()


def mask_identifier(value: str) -> str:
    """Show only the last four characters (R-PI-2)."""
    normalised = normalise_identifier(value)
    return "*" * max(len(normalised) - 4, 0) + normalised[-4:]


def mask_name(name: str) -> str:
    """Keep the first character of a name, e.g. 张三丰 → 张**; organisations keep their first two characters."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    keep = 2 if len(name) > 6 else 1
    return name[:keep] + "*" * (len(name) - keep)


@dataclass(frozen=True, slots=True)
class ProtectedValue:
    ciphertext: bytes
    blind_index: str
    last4: str


class FieldCipher:
    """Encrypts and indexes one kind of identifier; keys come from settings (32 bytes each)."""

    def __init__(self, *, encryption_key: bytes, index_key: bytes) -> None:
        if len(encryption_key) != 32 or len(index_key) != 32:
            raise ValueError("PII keys must be 32 bytes")
        self._aead = AESGCM(encryption_key)
        self._index_key = index_key

    def blind_index(self, field: str, value: str) -> str:
        message = f"{field}\x1f{normalise_identifier(value)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def protect(self, field: str, value: str) -> ProtectedValue:
        normalised = normalise_identifier(value)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = nonce + self._aead.encrypt(nonce, normalised.encode(), field.encode())
        return ProtectedValue(ciphertext, self.blind_index(field, normalised), normalised[-4:])

    def reveal(self, field: str, ciphertext: bytes) -> str:
        nonce, body = ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:]
        return self._aead.decrypt(nonce, body, field.encode()).decode()
