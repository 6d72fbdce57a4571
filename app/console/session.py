"""The console's session cookie and CSRF tokens.

A clerk signs in with the same staff API key (``evk_…``) the API takes as a bearer credential. The key is kept in an
HttpOnly, SameSite=Strict cookie (Secure under HTTPS), sealed with AES-256-GCM under a key derived from the server's
token hash key: the browser cannot read or alter it, and every request authenticates it again with the API's own
authenticator, so a revoked key ends its console sessions at once. Sessions last ``SESSION_SECONDS``.

POST forms carry a CSRF token, an HMAC of the session cookie (or, for the sign-in form, of a random pre-session cookie)
under a second derived key, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "evote_console"
PRESESSION_COOKIE = "evote_console_pre"
LANG_COOKIE = "evote_console_lang"
SESSION_SECONDS = 8 * 3600
_NONCE = 12


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """The sealing and CSRF keys, derived once from the server's token hash key (``app.main.attach_state``)."""

    seal: bytes
    csrf: bytes

    @classmethod
    def derive(cls, secret: bytes) -> SessionKeys:
        return cls(_derive(secret, b"evote/console-session@1"), _derive(secret, b"evote/console-csrf@1"))

    def seal_credential(self, credential: str, *, issued_at: int) -> str:
        nonce = os.urandom(_NONCE)
        plain = json.dumps({"k": credential, "iat": issued_at}, separators=(",", ":")).encode()
        return _b64e(nonce + AESGCM(self.seal).encrypt(nonce, plain, SESSION_COOKIE.encode()))

    def open_credential(self, cookie: str, *, now: int) -> str | None:
        """The sealed credential, or None for a cookie that is forged, damaged or older than ``SESSION_SECONDS``."""
        opened = self.open_session(cookie, now=now)
        return opened[0] if opened is not None else None

    def open_session(self, cookie: str, *, now: int) -> tuple[str, int] | None:
        """The sealed credential and when the session was opened (Unix seconds), or None as ``open_credential``."""
        try:
            raw = _b64d(cookie)
            plain = AESGCM(self.seal).decrypt(raw[:_NONCE], raw[_NONCE:], SESSION_COOKIE.encode())
            data = json.loads(plain)
            credential, issued_at = data["k"], data["iat"]
        except (ValueError, InvalidTag, KeyError, TypeError):
            return None
        if not isinstance(credential, str) or not isinstance(issued_at, int):
            return None
        if not 0 <= now - issued_at < SESSION_SECONDS:
            return None
        return credential, issued_at

    def csrf_token(self, bound_to: str) -> str:
        return _b64e(hmac.new(self.csrf, bound_to.encode(), hashlib.sha256).digest())

    def csrf_valid(self, bound_to: str | None, token: str | None) -> bool:
        if not bound_to or not token:
            return False
        return hmac.compare_digest(self.csrf_token(bound_to), token)


def new_presession() -> str:
    return _b64e(os.urandom(18))
