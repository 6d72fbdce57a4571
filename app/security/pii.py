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
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from app.settings import Settings

NONCE_BYTES = 12
FORMAT_VERSION = b"\x01"
KEY_ID_BYTES = 8


def key_id(key: bytes) -> bytes:
    """A key's id: the first 8 bytes of its SHA-256, so ids need no configuration and never collide by accident."""
    return hashlib.sha256(b"evote.pii.key-id\x1f" + key).digest()[:KEY_ID_BYTES]


_DROPPED = re.compile(r"[\s-]+")


def strip_format_characters(value: str) -> str:
    """Drop Unicode format characters (category Cf: zero-width space and joiners, BOM, bidi marks): invisible in
    print, so a number copied with one could never be typed back as printed."""
    if value.isascii():
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def normalise_identifier(value: str) -> str:
    """Canonical form for matching: NFKC (full-width to ASCII), no format characters, spaces or hyphens, upper
    case (ID check 'x')."""
    folded = strip_format_characters(unicodedata.normalize("NFKC", value))
    if folded.isalnum():  # no space or hyphen to drop (the usual ID number)
        return folded.upper()
    return _DROPPED.sub("", folded).upper()  # \s of a str pattern is exactly str.isspace()


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
    """Encrypts and indexes identifiers; keys come from settings (32 bytes each).

    A ciphertext is ``version | key id | nonce | AES-GCM(value)``: the key id lets the current key change
    while retired keys still decrypt what they wrote (rotation), and the field name is the associated data.
    """

    def __init__(
        self, *, encryption_key: bytes, index_key: bytes, retired_encryption_keys: tuple[bytes, ...] = ()
    ) -> None:
        if any(len(key) != 32 for key in (encryption_key, index_key, *retired_encryption_keys)):
            raise ValueError("PII keys must be 32 bytes")
        self._current_id = key_id(encryption_key)
        self._keys = {key_id(key): AESGCM(key) for key in (*retired_encryption_keys, encryption_key)}
        self._index_key = index_key

    @classmethod
    def from_settings(cls, settings: Settings) -> FieldCipher:
        return cls(
            encryption_key=settings.key("pii_encryption_key"),
            index_key=settings.key("pii_index_key"),
            retired_encryption_keys=settings.retired_pii_keys(),
        )

    def blind_index(self, field: str, value: str) -> str:
        message = f"{field}\x1f{normalise_identifier(value)}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def protect(self, field: str, value: str) -> ProtectedValue:
        normalised = normalise_identifier(value)
        return ProtectedValue(
            self.encrypt(field, normalised.encode()), self.blind_index(field, normalised), normalised[-4:]
        )

    def reveal(self, field: str, ciphertext: bytes) -> str:
        return self.decrypt(field, ciphertext).decode()

    def encrypt(self, field: str, plaintext: bytes) -> bytes:
        """Any bytes (e.g. an uploaded document) under the current key, bound to ``field``."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._current_id].encrypt(nonce, plaintext, field.encode())
        return FORMAT_VERSION + self._current_id + nonce + sealed

    def decrypt(self, field: str, ciphertext: bytes) -> bytes:
        header = len(FORMAT_VERSION) + KEY_ID_BYTES
        if ciphertext[:1] != FORMAT_VERSION or len(ciphertext) < header + NONCE_BYTES:
            raise ValueError("not an evote ciphertext")
        aead = self._keys.get(ciphertext[1:header])
        if aead is None:
            raise ValueError("ciphertext written with an unknown key; configure it as a retired key")
        nonce = ciphertext[header : header + NONCE_BYTES]
        return aead.decrypt(nonce, ciphertext[header + NONCE_BYTES :], field.encode())
