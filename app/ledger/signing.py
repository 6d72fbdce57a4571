"""Ed25519 signatures (RFC 8032 §5.1) over canonical bytes, key (de)serialisation, and compact JWS (RFC 7515).

* ``sign`` / ``verify`` are pure Ed25519 over the exact message bytes; ``sign_document`` /
  ``verify_document`` sign the RFC 8785 canonical bytes of a JSON document (``canonical.canonical_bytes``).
  ``verify`` returns ``False`` for any signature that does not verify and never raises for one; OpenSSL
  rejects a non-canonical ``S`` (RFC 8032 §5.1.7), so signatures are not malleable.
* Keys: public keys travel as the raw 32 bytes of RFC 8032 §5.1.5; private keys are stored as PEM PKCS#8
  (RFC 5958 / RFC 8410), optionally encrypted. Key generation needs randomness and so lives outside this
  package (``Ed25519PrivateKey.generate()``).
* JWS: the compact serialisation of RFC 7515 §7.1. ``jws_sign`` writes the protected header
  ``{"alg":"EdDSA","kid":…}`` (RFC 8037 §3.1, the name every JOSE library knows) as RFC 8785 canonical JSON.
  ``jws_verify`` returns the payload or ``None``; it accepts ``alg`` ``EdDSA`` or its fully specified RFC 9864
  name ``Ed25519`` (the same Ed25519 signature) and a ``kid`` found in the caller's key map, and refuses
  every other header parameter except ``typ`` (so ``none``, ``HS256``, embedded keys such as ``jwk`` /
  ``jku`` / ``x5u``, ``crit`` and ``b64`` (RFC 7797) are all refused), duplicate header members,
  and any base64url that is padded or not in its one canonical form (RFC 7515 §2, §5.2).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.ledger.canonical import canonical_bytes, unique_members

PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SIGNATURE_SIZE = 64
JWS_ALG = "EdDSA"
#: What ``jws_verify`` accepts: RFC 8037's ``EdDSA`` (emitted) and RFC 9864's ``Ed25519`` (both Ed25519 here).
JWS_ACCEPTED_ALGS = frozenset({JWS_ALG, "Ed25519"})
JWS_HEADER_PARAMETERS = frozenset({"alg", "kid", "typ"})

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def sign(private_key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` (RFC 8032 §5.1.6); deterministic."""
    return private_key.sign(message)


def verify(public_key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` (RFC 8032 §5.1.7)."""
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def sign_document(private_key: Ed25519PrivateKey, document: Any) -> bytes:
    """Sign the RFC 8785 canonical bytes of a JSON document."""
    return sign(private_key, canonical_bytes(document))


def verify_document(public_key: Ed25519PublicKey, document: Any, signature: bytes) -> bool:
    return verify(public_key, canonical_bytes(document), signature)


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte encoding of an Ed25519 public key (RFC 8032 §5.1.2)."""
    return public_key.public_bytes_raw()


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    if not isinstance(raw, bytes) or len(raw) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} raw bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """The private key whose RFC 8032 §5.1.5 secret (seed) is these 32 bytes."""
    if not isinstance(seed, bytes) or len(seed) != SEED_SIZE:
        raise ValueError(f"an Ed25519 private key seed is {SEED_SIZE} bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_to_pem(private_key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    """PEM PKCS#8 (``BEGIN PRIVATE KEY``, or ``BEGIN ENCRYPTED PRIVATE KEY`` with a password)."""
    from cryptography.hazmat.primitives import serialization  # only here: the verifier never loads its SSH support

    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def private_key_from_pem(pem: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load a PEM PKCS#8 Ed25519 private key; ``ValueError`` for anything else or a wrong password."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError("not a PEM PKCS#8 private key, or the password is wrong") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"expected an Ed25519 private key, got {type(key).__name__}")
    return key


def jws_sign(private_key: Ed25519PrivateKey, kid: str, payload: bytes) -> str:
    """Compact JWS (RFC 7515 §7.1) of ``payload`` with protected header ``{"alg":"EdDSA","kid":kid}``."""
    if not isinstance(kid, str) or not kid:
        raise ValueError("kid must be a non-empty string")
    if not isinstance(payload, bytes):
        raise ValueError("payload must be bytes")
    signing_input = f"{_b64url(canonical_bytes({'alg': JWS_ALG, 'kid': kid}))}.{_b64url(payload)}"
    return f"{signing_input}.{_b64url(sign(private_key, signing_input.encode('ascii')))}"


def jws_verify(public_keys: Mapping[str, Ed25519PublicKey], token: str) -> bytes | None:
    """The payload of a compact JWS signed (``alg`` ``EdDSA`` or ``Ed25519``) by the key its ``kid`` names, or None."""
    if not isinstance(token, str):
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header_part, payload_part, signature_part = parts
    header = _decode_header(header_part)
    payload = _b64url_decode(payload_part)
    signature = _b64url_decode(signature_part)
    if header is None or payload is None or signature is None:
        return None
    if not header.keys() <= JWS_HEADER_PARAMETERS or header.get("alg") not in JWS_ACCEPTED_ALGS:
        return None
    if not isinstance(header.get("typ", ""), str):
        return None
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in public_keys:
        return None
    if not verify(public_keys[kid], f"{header_part}.{payload_part}".encode("ascii"), signature):
        return None
    return payload


def _b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2, RFC 4648 §5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes | None:
    """Strict inverse of ``_b64url``: only the URL-safe alphabet, no padding, and the canonical encoding."""
    if _BASE64URL.fullmatch(text) is None or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if _b64url(data) == text else None


def _decode_header(part: str) -> dict[str, Any] | None:
    raw = _b64url_decode(part)
    if raw is None:
        return None
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=unique_members, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    return header if isinstance(header, dict) else None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
