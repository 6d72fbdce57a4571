"""Identity documents uploaded for manual review (R-PI-4): sniffed by content, stored only encrypted.

Documents are sealed with the register's ``FieldCipher`` (AES-256-GCM under the current PII key, with key ids
for rotation). The associated data names the field and the request, so a document cannot be moved to another
request's row and still decrypt.
"""

from __future__ import annotations

import uuid
from typing import Final

from app.security.pii import FieldCipher

DOCUMENT_FIELD: Final = "verification.document"

# Magic numbers of the accepted formats; the declared content type and the file name are never trusted.
_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_content_type(content: bytes) -> str | None:
    """``image/jpeg``, ``image/png`` or ``application/pdf`` judged by the first bytes; None for anything else."""
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def _field(request_id: uuid.UUID) -> str:
    return f"{DOCUMENT_FIELD}\x1f{request_id}"


def seal(cipher: FieldCipher, request_id: uuid.UUID, content: bytes) -> bytes:
    return cipher.encrypt(_field(request_id), content)


def unseal(cipher: FieldCipher, request_id: uuid.UUID, ciphertext: bytes) -> bytes:
    return cipher.decrypt(_field(request_id), ciphertext)
