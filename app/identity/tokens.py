"""Access tokens: short-lived JWTs signed with Ed25519 (PyJWT ``EdDSA``), and the JWKS that publishes the keys.

A token's header is ``{"alg": "EdDSA", "typ": "JWT", "kid": <RFC 7638 thumbprint>}``; its claims are ``iss``,
``aud``, ``sub``, ``iat``, ``nbf``, ``exp``, ``jti`` and ``typ: "access"`` plus any extra claims the caller adds.
Verification decides the key from the ``kid`` of the *unverified* header only after pinning ``alg`` to ``EdDSA``,
so ``alg: none`` and HMAC-with-the-public-key tokens never reach a verifier; PyJWT then checks the signature with
``algorithms=["EdDSA"]`` again. A token exactly as this service issues it is read once and its Ed25519 signature
checked by libsodium (PyNaCl), in half the CPU of cryptography's OpenSSL; any other token goes to PyJWT. The
algorithm stays Ed25519: third parties verify access tokens with the keys the JWKS publishes. Time claims are
checked here against an injected ``now`` (PyJWT would read the real clock). Every failure is one of two stable
errors, and neither message echoes the token.

The module imports nothing from FastAPI or SQLAlchemy: the HTTP dependency, the CLI and tests all use it as is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import jwt
import nacl.bindings
import nacl.exceptions
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.common.errors import Unauthenticated

if TYPE_CHECKING:
    from app.settings import Settings

ALGORITHM: Final = "EdDSA"
ACCESS_TOKEN_TYPE: Final = "access"  # noqa: S105 - a claim value, not a secret
#: Clock skew tolerated for ``nbf`` and ``iat`` (never for ``exp``); the upper bound for ``clock_skew``.
MAX_CLOCK_SKEW: Final = timedelta(seconds=30)
#: Longer strings are refused before any parsing (a 15-minute access token is a few hundred characters).
MAX_TOKEN_LENGTH: Final = 8192
VERIFIED_CACHE_SIZE: Final = 10_000
"""Tokens whose signature and claims were checked, remembered per process (``TokenService._checked_payload``)."""
HEADERS_KEPT: Final = 64
"""Accepted header segments remembered per service (``_header_key``): one a key as this service writes them; an
unsigned variant (other whitespace or member order) cannot fill memory, the rest are checked each time."""
REQUIRED_CLAIMS: Final = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti", "typ")
RESERVED_CLAIMS: Final = frozenset(REQUIRED_CLAIMS)
_ALLOWED_HEADER: Final = frozenset({"alg", "typ", "kid"})
ED25519_SIGNATURE_BYTES: Final = 64


class InvalidAccessToken(Unauthenticated):
    """The bearer token is not a valid access token; ``reason`` (not rendered to clients) says why, for logs.

    A subclass of ``Unauthenticated`` so the problem response carries ``WWW-Authenticate: Bearer``.
    """

    code = "auth.token_invalid"
    status = 401
    title = "Invalid access token"
    message_zh = "访问令牌无效，请重新登录。"
    message_en = "The access token is invalid; sign in again."

    def __init__(self, *, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


class AccessTokenExpired(InvalidAccessToken):
    """The token was valid but its ``exp`` has passed: the client should refresh it."""

    code = "auth.token_expired"
    status = 401
    title = "Access token expired"
    message_zh = "访问令牌已过期，请刷新后重试。"
    message_en = "The access token has expired; refresh it and retry."

    def __init__(self) -> None:
        super().__init__(reason="expired")


_COMPACT_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
"""Three unpadded base64url segments (RFC 7515 §7.1), the only form ``_strict_payload`` reads."""


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 OKP JWK members of an Ed25519 public key (``crv``, ``kty``, ``x``)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}


def jwk_thumbprint(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint: base64url SHA-256 of the required members, sorted, without whitespace."""
    canonical = json.dumps(public_jwk(public_key), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """The current signing key and every key a token may still be verified with (current first, then retired)."""

    private_key: Ed25519PrivateKey = field(repr=False)
    kid: str
    public_keys: Mapping[str, Ed25519PublicKey]

    def __post_init__(self) -> None:
        if self.kid != jwk_thumbprint(self.private_key.public_key()):
            raise ValueError("kid must be the RFC 7638 thumbprint of the signing key")
        if next(iter(self.public_keys), None) != self.kid:
            raise ValueError("the current key must come first in public_keys")
        for kid, public_key in self.public_keys.items():
            if kid != jwk_thumbprint(public_key):
                raise ValueError("every public key must be listed under its RFC 7638 thumbprint")
        object.__setattr__(self, "public_keys", MappingProxyType(dict(self.public_keys)))

    @classmethod
    def from_keys(cls, private_key: Ed25519PrivateKey, retired: Iterable[Ed25519PublicKey] = ()) -> SigningKeys:
        """Current key plus retired verification keys, in the given order; duplicates are dropped."""
        current = private_key.public_key()
        kid = jwk_thumbprint(current)
        public_keys: dict[str, Ed25519PublicKey] = {kid: current}
        for public_key in retired:
            public_keys.setdefault(jwk_thumbprint(public_key), public_key)
        return cls(private_key=private_key, kid=kid, public_keys=public_keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> SigningKeys:
        """Keys from ``EVOTE_JWT_*`` settings; development and test generate ``jwt_ed25519.pem`` if none is set."""
        return cls.from_keys(settings.jwt_signing_key(), settings.jwt_retired_public_keys())

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return self.public_keys.get(kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set to publish: current key first, then retired keys in configured order."""
        return {
            "keys": [
                {**public_jwk(public_key), "kid": kid, "use": "sig", "alg": ALGORITHM}
                for kid, public_key in self.public_keys.items()
            ]
        }


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str = field(repr=False)
    expires_at: datetime
    jti: str


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    jti: str
    expires_at: datetime
    issued_at: datetime
    extra: dict[str, Any]


def _timestamp(now: datetime) -> float:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.timestamp()


#: The last second a ``datetime`` can hold (9999-12-31T23:59:59Z): a time claim beyond it is malformed, not a 500.
_LAST_TIMESTAMP = 253_402_300_799


def _int_claim(payload: Mapping[str, Any], name: str) -> int:
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _LAST_TIMESTAMP:
        raise InvalidAccessToken(reason="malformed_claims")
    return value


class TokenService:
    """Issues and verifies access tokens with one set of keys, issuer, audience and lifetime."""

    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        audience: str,
        access_ttl: timedelta,
        clock_skew: timedelta = MAX_CLOCK_SKEW,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience must be non-empty")
        if access_ttl < timedelta(seconds=1) or access_ttl % timedelta(seconds=1):
            raise ValueError("access_ttl must be a positive whole number of seconds")
        if not timedelta(0) <= clock_skew <= MAX_CLOCK_SKEW:
            raise ValueError(f"clock_skew must be between 0 and {MAX_CLOCK_SKEW.total_seconds():.0f} seconds")
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl
        self.clock_skew = clock_skew
        self._verified: dict[str, dict[str, Any]] = {}
        # The same public keys as raw bytes, for libsodium (``_strict_payload``), built once.
        self._raw_keys: dict[str, bytes] = {
            kid: public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            for kid, public_key in keys.public_keys.items()
        }
        # Header segments ``_header_key`` accepted, and the key each names.
        self._header_keys: dict[str, bytes] = {}

    @classmethod
    def from_settings(cls, settings: Settings, keys: SigningKeys | None = None) -> TokenService:
        return cls(
            keys if keys is not None else SigningKeys.from_settings(settings),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_ttl=timedelta(seconds=settings.jwt_access_ttl_seconds),
        )

    def issue_access(self, subject: str, *, now: datetime, claims: Mapping[str, object] | None = None) -> IssuedToken:
        """A signed access token for ``subject``, valid from ``now`` (whole seconds) for ``access_ttl``."""
        if not isinstance(subject, str) or not subject:
            raise ValueError("subject must be a non-empty string")
        extra = dict(claims or {})
        clashing = sorted(RESERVED_CLAIMS.intersection(extra))
        if clashing:
            raise ValueError(f"extra claims may not set registered claims: {', '.join(clashing)}")
        issued_at = int(_timestamp(now))
        expires_at = issued_at + int(self.access_ttl.total_seconds())
        jti = uuid.uuid4().hex
        payload: dict[str, Any] = {
            **extra,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
            "jti": jti,
            "typ": ACCESS_TOKEN_TYPE,
        }
        token = jwt.encode(
            payload, self.keys.private_key, algorithm=ALGORITHM, headers={"typ": "JWT", "kid": self.keys.kid}
        )
        return IssuedToken(token=token, expires_at=datetime.fromtimestamp(expires_at, UTC), jti=jti)

    def verify_access(self, token: str, *, now: datetime) -> AccessClaims:
        """The claims of a valid access token; otherwise ``InvalidAccessToken`` (``AccessTokenExpired`` on expiry)."""
        payload = self._valid_payload(token, now)
        return AccessClaims(
            subject=payload["sub"],
            jti=payload["jti"],
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            extra={name: value for name, value in payload.items() if name not in RESERVED_CLAIMS},
        )

    def access_subject(self, token: str, *, now: datetime) -> str:
        """``verify_access(token, now=now).subject``, every check the same, without building the claims (the cast
        path needs only the account)."""
        subject: str = self._valid_payload(token, now)["sub"]
        return subject

    def _valid_payload(self, token: str, now: datetime) -> dict[str, Any]:
        """The payload of a valid access token at ``now``: ``_checked_payload``, then the time claims."""
        current = _timestamp(now)
        payload = self._checked_payload(token)
        issued_at, not_before, expires_at = (_int_claim(payload, name) for name in ("iat", "nbf", "exp"))
        if current >= expires_at:
            raise AccessTokenExpired()
        skew = self.clock_skew.total_seconds()
        if not_before > current + skew:
            raise InvalidAccessToken(reason="not_yet_valid")
        if issued_at > current + skew:
            raise InvalidAccessToken(reason="issued_in_future")
        return payload

    def _checked_payload(self, token: str) -> dict[str, Any]:
        """Everything about a token that does not depend on the time: header, signature, issuer, audience, claims.

        The outcome for a given token string never changes while the keys don't (they are fixed for the life of
        the service), so it is remembered for the most recent tokens: a mobile client sends the same token with
        every request, and the Ed25519 check need not run each time. The time checks run on every call.
        """
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        payload = self._strict_payload(token)
        if payload is None:
            payload = self._pyjwt_payload(token)
        self._verified[token] = payload
        while len(self._verified) > VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest first (dicts keep insertion order)
        return payload

    def _strict_payload(self, token: str) -> dict[str, Any] | None:
        """The payload of a token exactly as this service issues it, its signature verified; None for anything else,
        which ``_pyjwt_payload`` then judges (and refuses with its reason, or accepts).

        Only a subset of what PyJWT accepts passes here: unpadded base64url, the header ``{alg: EdDSA, typ: JWT,
        kid}`` with a known kid, a valid Ed25519 signature over the exact signing input, and every claim present
        with its exact type and value. It spares the second parse of the token and PyJWT's per-character checks.
        """
        if type(token) is not str or len(token) > MAX_TOKEN_LENGTH or not _COMPACT_JWS.fullmatch(token):
            return None
        header_segment, payload_segment, signature_segment = token.split(".")
        raw_key = self._header_keys.get(header_segment)
        try:
            if raw_key is None:
                raw_key = self._header_key(header_segment)
                if raw_key is None:
                    return None
            signature = _b64url_decode(signature_segment)
            if len(signature) != ED25519_SIGNATURE_BYTES:
                return None
            # libsodium's Ed25519 (RFC 8032) verifies in about half the time of the OpenSSL build that cryptography
            # ships; it accepts no signature that OpenSSL would refuse (it refuses more: non-canonical and small-order
            # points), and whatever it refuses goes to PyJWT below, which checks it with cryptography and says why.
            nacl.bindings.crypto_sign_open(signature + f"{header_segment}.{payload_segment}".encode(), raw_key)
            if header_segment not in self._header_keys and len(self._header_keys) < HEADERS_KEPT:
                self._header_keys[header_segment] = raw_key  # kept once signed: unsigned headers never take its place
            # Parsed once signed: only this service's own payloads reach the parser here.
            payload = orjson.loads(_b64url_decode(payload_segment))
        except (ValueError, nacl.exceptions.BadSignatureError, RecursionError):  # binascii.Error and JSONDecodeError
            return None  # are ValueErrors; RecursionError: an unsigned header nested deeper than the decoder goes
        if type(payload) is not dict or not RESERVED_CLAIMS.issubset(payload):
            return None
        if payload["iss"] != self.issuer or payload["aud"] != self.audience or payload["typ"] != ACCESS_TOKEN_TYPE:
            return None
        if any(type(payload[name]) is not str or not payload[name] for name in ("iss", "aud", "sub", "jti")):
            return None
        if any(type(payload[name]) is not int for name in ("iat", "nbf", "exp")):
            return None
        return payload

    def _header_key(self, header_segment: str) -> bytes | None:
        """The raw public key a header segment names, if it is exactly ``{alg: EdDSA, typ: JWT, kid}`` with a known
        kid (``_strict_payload`` keeps it for that segment once a signature under it verifies: every token of a key has
        the same header, so its check need not run each time)."""
        header = json.loads(_b64url_decode(header_segment))
        if type(header) is not dict or len(header) != 3 or header.get("alg") != ALGORITHM:
            return None
        if header.get("typ") != "JWT" or type(header.get("kid")) is not str:
            return None
        return self._raw_keys.get(header["kid"])

    def _pyjwt_payload(self, token: str) -> dict[str, Any]:
        """Every check, by PyJWT, with the reason of the first that fails (``InvalidAccessToken``)."""
        public_key = self._key_for(token)
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key=public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "strict_aud": True,
                    # Checked in verify_access against the injected clock.
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise InvalidAccessToken(reason="bad_signature") from None
        except jwt.InvalidAudienceError:
            raise InvalidAccessToken(reason="wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidAccessToken(reason="wrong_issuer") from None
        except jwt.MissingRequiredClaimError:
            raise InvalidAccessToken(reason="missing_claim") from None
        except jwt.PyJWTError:
            raise InvalidAccessToken(reason="malformed") from None
        if payload["typ"] != ACCESS_TOKEN_TYPE:
            raise InvalidAccessToken(reason="wrong_type")
        subject, jti = payload["sub"], payload["jti"]
        if not isinstance(subject, str) or not subject or not isinstance(jti, str) or not jti:
            raise InvalidAccessToken(reason="malformed_claims")
        for name in ("iat", "nbf", "exp"):
            _int_claim(payload, name)
        return payload

    def _key_for(self, token: str) -> Ed25519PublicKey:
        """Pin the algorithm and pick the key from the unverified header, before any signature check."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidAccessToken(reason="malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidAccessToken(reason="malformed") from None
        if header.get("alg") != ALGORITHM:
            raise InvalidAccessToken(reason="algorithm_not_allowed")
        if not _ALLOWED_HEADER.issuperset(header) or header.get("typ", "JWT") != "JWT":
            raise InvalidAccessToken(reason="unexpected_header")
        kid = header.get("kid")
        if kid is None:
            raise InvalidAccessToken(reason="missing_kid")
        if not isinstance(kid, str):  # PyJWT already refuses these; kept so the lookup below is always safe
            raise InvalidAccessToken(reason="malformed")
        public_key = self.keys.public_key(kid)
        if public_key is None:
            raise InvalidAccessToken(reason="unknown_kid")
        return public_key
