"""Signed assertions of trusted identity providers (R-PI-3): verified here, then forgotten.

A provider (a national or third-party identity service, possibly using face verification) checks the person and
returns a JWT signed with its key. Only configured issuers are trusted; the algorithm is pinned per issuer to the
asymmetric algorithms configured for it and to the type of each key, so ``alg: none`` and HMAC-with-the-public-key
tokens never verify. Time claims are checked against the injected clock. ``sub`` must be the account the
assertion is presented by, so an intercepted assertion cannot verify somebody else's account.

Of the assertion only the result, the provider's transaction id and the time are kept (on the account and in the
identity event); the assertion itself, and anything biometric, is never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, SECP384R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from app.realname.errors import AssertionInvalid
from app.settings import IdpIssuer, IdpPublicKey, Settings

REQUIRED_CLAIMS: Final = ("exp", "iat", "iss", "aud", "sub", "jti")
PASS: Final = "PASS"  # noqa: S105 - the provider's result value, not a secret
MAX_ASSERTION_LENGTH: Final = 16384
MAX_REFERENCE_LENGTH: Final = 200  # Account.verification_reference
CLOCK_SKEW: Final = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class IdentityAssertion:
    """What a valid assertion says: who (``id_number``), for which account (``subject``), under which transaction."""

    issuer: str
    subject: str
    id_number: str = field(repr=False)
    transaction_id: str
    issued_at: datetime


def _key_fits(algorithm: str, key: IdpPublicKey) -> bool:
    if algorithm == "EdDSA":
        return isinstance(key, Ed25519PublicKey)
    if algorithm.startswith(("RS", "PS")):
        return isinstance(key, RSAPublicKey)
    if algorithm == "ES256":
        return isinstance(key, EllipticCurvePublicKey) and isinstance(key.curve, SECP256R1)
    if algorithm == "ES384":
        return isinstance(key, EllipticCurvePublicKey) and isinstance(key.curve, SECP384R1)
    return False


@dataclass(frozen=True, slots=True)
class _Issuer:
    config: IdpIssuer
    keys: tuple[IdpPublicKey, ...]


def _int_claim(claims: Mapping[str, Any], name: str) -> int:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssertionInvalid(reason=f"malformed_{name}")
    return int(value)


def _text_claim(claims: Mapping[str, Any], name: str, *, max_length: int = 200) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_length or "\x00" in value:
        raise AssertionInvalid(reason=f"missing_{name}")
    return value.strip()


class IdentityProviders:
    """The configured issuers with their keys loaded once; ``verify`` turns an assertion into facts or 401."""

    def __init__(self, issuers: Iterable[IdpIssuer]) -> None:
        self._issuers = {issuer.issuer: _Issuer(issuer, issuer.public_keys()) for issuer in issuers}

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityProviders:
        return cls(settings.idp_issuers)

    def verify(self, assertion: str, *, now: datetime) -> IdentityAssertion:
        if not assertion or len(assertion) > MAX_ASSERTION_LENGTH:
            raise AssertionInvalid(reason="malformed")
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AssertionInvalid(reason="malformed") from None
        claimed_issuer = unverified.get("iss")
        issuer = self._issuers.get(claimed_issuer) if isinstance(claimed_issuer, str) else None
        if issuer is None:
            raise AssertionInvalid(reason="unknown_issuer")
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in issuer.config.algorithms:
            raise AssertionInvalid(reason="algorithm_not_allowed")
        claims = self._decode(assertion, issuer, algorithm)
        return self._facts(claims, issuer, now)

    @staticmethod
    def _decode(assertion: str, issuer: _Issuer, algorithm: str) -> dict[str, Any]:
        keys = [key for key in issuer.keys if _key_fits(algorithm, key)]
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    assertion,
                    key=key,
                    algorithms=[algorithm],
                    audience=issuer.config.audience,
                    issuer=issuer.config.issuer,
                    options={
                        "require": list(REQUIRED_CLAIMS),
                        # Checked in _facts against the injected clock (PyJWT would read the wall clock).
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                    },
                )
            except jwt.InvalidSignatureError:
                continue  # another of the issuer's keys may have signed it (key rotation)
            except jwt.InvalidAudienceError:
                raise AssertionInvalid(reason="wrong_audience") from None
            except jwt.MissingRequiredClaimError:
                raise AssertionInvalid(reason="missing_claim") from None
            except jwt.PyJWTError:
                raise AssertionInvalid(reason="malformed") from None
            return claims
        raise AssertionInvalid(reason="bad_signature")

    @staticmethod
    def _facts(claims: Mapping[str, Any], issuer: _Issuer, now: datetime) -> IdentityAssertion:
        current = now.timestamp()
        skew = CLOCK_SKEW.total_seconds()
        if _int_claim(claims, "exp") <= current:
            raise AssertionInvalid(reason="expired")
        issued_at = _int_claim(claims, "iat")
        if issued_at > current + skew:
            raise AssertionInvalid(reason="issued_in_future")
        if "nbf" in claims and _int_claim(claims, "nbf") > current + skew:
            raise AssertionInvalid(reason="not_yet_valid")
        if claims.get("result") != PASS:
            raise AssertionInvalid(reason="result_not_pass")
        jti = _text_claim(claims, "jti", max_length=MAX_REFERENCE_LENGTH)
        transaction_id = (
            _text_claim(claims, "txn", max_length=MAX_REFERENCE_LENGTH) if claims.get("txn") is not None else jti
        )
        return IdentityAssertion(
            issuer=issuer.config.issuer,
            subject=_text_claim(claims, "sub"),
            id_number=_text_claim(claims, "id_number", max_length=64),
            transaction_id=transaction_id,
            issued_at=datetime.fromtimestamp(issued_at, UTC),
        )
