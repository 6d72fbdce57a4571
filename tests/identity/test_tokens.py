"""Access tokens (issue #3): Ed25519 JWTs with a ``kid``, pinned algorithm, required claims and a JWKS.

Pure tests (no database). Forged tokens are assembled by hand so that each attack is exactly the one named.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.common.errors import Unauthenticated
from app.errors import DomainError
from app.identity import tokens as tokens_module
from app.identity.tokens import (
    MAX_TOKEN_LENGTH,
    REQUIRED_CLAIMS,
    AccessTokenExpired,
    InvalidAccessToken,
    SigningKeys,
    TokenService,
    jwk_thumbprint,
)
from app.settings import Settings

ISSUER = "evote"
AUDIENCE = "evote-api"
TTL = timedelta(minutes=15)
NOW = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
T0 = int(NOW.timestamp())
PII_KEY = base64.b64encode(b"k" * 32).decode()

# RFC 8037 Appendix A.1 (private key d) and A.3 (public key x and its RFC 7638 thumbprint).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


# --- helpers -------------------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segment(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "account-1",
        "iat": T0,
        "nbf": T0,
        "exp": T0 + int(TTL.total_seconds()),
        "jti": "0" * 32,
        "typ": "access",
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def forge(header: dict[str, Any], payload: dict[str, Any], key: Ed25519PrivateKey | None) -> str:
    """A compact JWS over exactly these header and payload objects, Ed25519-signed (or unsigned when key is None)."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = b"" if key is None else key.sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"


def pem_private(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def pem_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def production(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        env="production",
        public_base_url="https://evote.example.gov.cn",
        dev_key_dir=tmp_path / "keys",
        pii_encryption_key=PII_KEY,
        pii_index_key=PII_KEY,
        token_hash_key=PII_KEY,
        pseudonym_key=PII_KEY,
        sms_webhook_url="https://sms.example.test/send",
        sms_webhook_secret="s" * 32,
        notice_webhook_url="https://notify.example.test/hook",
        notice_webhook_secret="n" * 32,
        log_private_key=pem_private(Ed25519PrivateKey.generate()).decode(),
        **overrides,
    )


def rejected(service: TokenService, token: str, reason: str, *, now: datetime = NOW) -> InvalidAccessToken:
    with pytest.raises(InvalidAccessToken) as caught:
        service.verify_access(token, now=now)
    assert caught.value.reason == reason
    return caught.value


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def keys(private_key: Ed25519PrivateKey) -> SigningKeys:
    return SigningKeys.from_keys(private_key)


@pytest.fixture(scope="module")
def service(keys: SigningKeys) -> TokenService:
    return TokenService(keys, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)


@pytest.fixture(scope="module")
def header(keys: SigningKeys) -> dict[str, Any]:
    return {"alg": "EdDSA", "typ": "JWT", "kid": keys.kid}


# --- issuing and verifying -----------------------------------------------------------------------------------------


def test_round_trip(service: TokenService, keys: SigningKeys):
    extra = {"roles": [{"role": "committee", "estate_id": "e-1"}], "amr": ["sms"]}
    issued = service.issue_access("account-1", now=NOW, claims=extra)

    assert jwt.get_unverified_header(issued.token) == {"alg": "EdDSA", "typ": "JWT", "kid": keys.kid}
    payload = json.loads(b64url_decode(issued.token.split(".")[1]))
    assert payload == {
        **extra,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "account-1",
        "iat": T0,
        "nbf": T0,
        "exp": T0 + 900,
        "jti": issued.jti,
        "typ": "access",
    }
    assert len(issued.jti) == 32
    assert issued.expires_at == NOW + TTL

    verified = service.verify_access(issued.token, now=NOW)
    assert verified.subject == "account-1"
    assert verified.jti == issued.jti
    assert verified.issued_at == NOW
    assert verified.expires_at == issued.expires_at
    assert verified.extra == extra


def test_each_token_gets_a_fresh_jti_and_the_token_is_not_in_the_repr(service: TokenService):
    first, second = (service.issue_access("account-1", now=NOW) for _ in range(2))
    assert first.jti != second.jti
    assert first.token not in repr(first)


def test_sub_second_now_is_truncated_to_whole_seconds(service: TokenService):
    issued = service.issue_access("account-1", now=NOW + timedelta(microseconds=999_999))
    assert issued.expires_at == NOW + TTL
    assert service.verify_access(issued.token, now=NOW).issued_at == NOW


def test_the_published_jwks_verifies_issued_tokens_with_an_independent_client(service: TokenService, keys: SigningKeys):
    token = service.issue_access("account-1", now=NOW).token
    jwk_set = jwt.PyJWKSet.from_dict(service.keys.jwks())
    signing_key = jwk_set[keys.kid]
    decoded = jwt.decode(
        token,
        signing_key,
        algorithms=["EdDSA"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert decoded["sub"] == "account-1"


@pytest.mark.parametrize(
    ("offset", "valid"),
    [
        (timedelta(0), True),
        (TTL - timedelta(seconds=1), True),
        (TTL - timedelta(microseconds=1), True),
        (TTL, False),
        (TTL + timedelta(seconds=1), False),
        (timedelta(days=365), False),
    ],
    ids=["at-iat", "1s-before-exp", "1us-before-exp", "at-exp", "1s-after-exp", "a-year-later"],
)
def test_expiry_boundary_has_no_leeway(service: TokenService, offset: timedelta, valid: bool):
    token = service.issue_access("account-1", now=NOW).token
    if valid:
        assert service.verify_access(token, now=NOW + offset).subject == "account-1"
        return
    with pytest.raises(AccessTokenExpired) as caught:
        service.verify_access(token, now=NOW + offset)
    error = caught.value
    assert isinstance(error, InvalidAccessToken)
    assert (error.code, error.status, error.reason) == ("auth.token_expired", 401, "expired")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"nbf": T0 + 30}, None),  # within the 30 s clock skew
        ({"nbf": T0 + 31}, "not_yet_valid"),
        ({"nbf": T0 + 3600}, "not_yet_valid"),
        ({"iat": T0 + 30, "nbf": T0}, None),
        ({"iat": T0 + 31, "nbf": T0}, "issued_in_future"),
    ],
    ids=["nbf-within-skew", "nbf-past-skew", "nbf-an-hour-ahead", "iat-within-skew", "iat-past-skew"],
)
def test_not_before_and_issued_at_in_the_future(
    service: TokenService, private_key: Ed25519PrivateKey, header: dict[str, Any], overrides: dict[str, int], reason
):
    token = forge(header, claims(**overrides), private_key)
    if reason is None:
        assert service.verify_access(token, now=NOW).subject == "account-1"
    else:
        rejected(service, token, reason)


def test_a_smaller_clock_skew_is_honoured(keys: SigningKeys, private_key: Ed25519PrivateKey, header: dict[str, Any]):
    strict = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL, clock_skew=timedelta(0))
    assert strict.verify_access(forge(header, claims(nbf=T0), private_key), now=NOW)
    rejected(strict, forge(header, claims(nbf=T0 + 1), private_key), "not_yet_valid")


# --- claims --------------------------------------------------------------------------------------------------------


def test_wrong_audience_is_rejected(service: TokenService, keys: SigningKeys):
    other = TokenService(keys, issuer=ISSUER, audience="evote-admin", access_ttl=TTL)
    rejected(service, other.issue_access("account-1", now=NOW).token, "wrong_audience")


@pytest.mark.parametrize(
    "audience", [[AUDIENCE], [AUDIENCE, "evote-admin"], AUDIENCE.upper(), ""], ids=["list", "list2", "case", "empty"]
)
def test_audience_must_be_exactly_our_string(
    service: TokenService, private_key: Ed25519PrivateKey, header: dict[str, Any], audience: object
):
    with pytest.raises(InvalidAccessToken) as caught:
        service.verify_access(forge(header, claims(aud=audience), private_key), now=NOW)
    assert caught.value.reason in {"wrong_audience", "missing_claim"}


def test_wrong_issuer_is_rejected(service: TokenService, keys: SigningKeys):
    other = TokenService(keys, issuer="someone-else", audience=AUDIENCE, access_ttl=TTL)
    rejected(service, other.issue_access("account-1", now=NOW).token, "wrong_issuer")


@pytest.mark.parametrize("token_type", ["refresh", "Access", "", "id", 1, ["access"]])
def test_wrong_token_type_is_rejected(
    service: TokenService, private_key: Ed25519PrivateKey, header: dict[str, Any], token_type: object
):
    rejected(service, forge(header, claims(typ=token_type), private_key), "wrong_type")


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_every_required_claim_is_required(
    service: TokenService, private_key: Ed25519PrivateKey, header: dict[str, Any], claim: str
):
    payload = claims()
    del payload[claim]
    rejected(service, forge(header, payload, private_key), "missing_claim")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": "9999999999"}, "malformed_claims"),
        ({"exp": float(T0 + 900)}, "malformed_claims"),
        ({"nbf": True}, "malformed_claims"),
        ({"iat": [T0]}, "malformed_claims"),
        ({"sub": ""}, "malformed_claims"),
        ({"sub": 42}, "malformed"),
        ({"jti": 7}, "malformed"),
        ({"jti": ""}, "malformed_claims"),
        ({"iss": ["evote"]}, "wrong_issuer"),
        ({"exp": 10**20}, "malformed_claims"),
        ({"iat": -1}, "malformed_claims"),
    ],
    ids=[
        "exp-str",
        "exp-float",
        "nbf-bool",
        "iat-list",
        "sub-empty",
        "sub-int",
        "jti-int",
        "jti-empty",
        "iss-list",
        "exp-beyond-datetime",
        "iat-negative",
    ],
)
def test_claims_of_the_wrong_shape_are_rejected(
    service: TokenService, private_key: Ed25519PrivateKey, header: dict[str, Any], overrides, reason: str
):
    rejected(service, forge(header, claims(**overrides), private_key), reason)


def test_issuing_refuses_bad_input(service: TokenService):
    with pytest.raises(ValueError, match="exp, sub"):
        service.issue_access("account-1", now=NOW, claims={"sub": "admin", "exp": T0 + 10**9})
    with pytest.raises(ValueError, match="typ"):
        service.issue_access("account-1", now=NOW, claims={"typ": "refresh"})
    with pytest.raises(ValueError, match="subject"):
        service.issue_access("", now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        service.issue_access("account-1", now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        service.verify_access(service.issue_access("account-1", now=NOW).token, now=NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    "arguments",
    [
        {"access_ttl": timedelta(0)},
        {"access_ttl": timedelta(seconds=-1)},
        {"access_ttl": timedelta(seconds=1.5)},
        {"clock_skew": timedelta(seconds=31)},
        {"clock_skew": timedelta(seconds=-1)},
        {"issuer": ""},
        {"audience": ""},
    ],
    ids=["ttl-zero", "ttl-negative", "ttl-fractional", "skew-too-large", "skew-negative", "no-issuer", "no-audience"],
)
def test_service_configuration_is_validated(keys: SigningKeys, arguments: dict[str, Any]):
    with pytest.raises(ValueError, match=r"access_ttl|clock_skew|issuer"):
        TokenService(keys, **{"issuer": ISSUER, "audience": AUDIENCE, "access_ttl": TTL, **arguments})


def test_service_from_settings_uses_the_configured_issuer_audience_and_ttl(tmp_path: Path):
    settings = Settings(
        _env_file=None,
        env="test",
        dev_key_dir=tmp_path,
        jwt_issuer="evote-staging",
        jwt_audience="evote-staging-api",
        jwt_access_ttl_seconds=300,
    )
    service = TokenService.from_settings(settings)
    issued = service.issue_access("account-1", now=NOW)
    payload = json.loads(b64url_decode(issued.token.split(".")[1]))
    assert (payload["iss"], payload["aud"], payload["exp"] - payload["iat"]) == (
        "evote-staging",
        "evote-staging-api",
        300,
    )
    assert service.keys.kid == SigningKeys.from_settings(settings).kid


@pytest.mark.parametrize("ttl", [59, 3601])
def test_access_ttl_setting_is_bounded(tmp_path: Path, ttl: int):
    with pytest.raises(ValidationError, match="EVOTE_JWT_ACCESS_TTL_SECONDS"):
        Settings(_env_file=None, dev_key_dir=tmp_path, jwt_access_ttl_seconds=ttl)


# --- header, algorithm and key attacks -----------------------------------------------------------------------------


def test_unknown_kid_is_rejected(service: TokenService):
    stranger = SigningKeys.from_keys(Ed25519PrivateKey.generate())
    token = TokenService(stranger, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL).issue_access("a", now=NOW)
    rejected(service, token.token, "unknown_kid")


def test_missing_kid_is_rejected(service: TokenService, private_key: Ed25519PrivateKey):
    rejected(service, forge({"alg": "EdDSA", "typ": "JWT"}, claims(), private_key), "missing_kid")


@pytest.mark.parametrize("kid", [7, ["x"], {"kid": "x"}, None, ""])
def test_kid_that_is_not_a_known_string_is_rejected(service: TokenService, private_key: Ed25519PrivateKey, kid):
    with pytest.raises(InvalidAccessToken) as caught:
        service.verify_access(forge({"alg": "EdDSA", "typ": "JWT", "kid": kid}, claims(), private_key), now=NOW)
    assert caught.value.reason in {"malformed", "missing_kid", "unknown_kid"}


@pytest.mark.parametrize("algorithm", ["none", "None", "NONE", "nOnE", ""])
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no-kid"])
def test_unsigned_alg_none_token_is_rejected(service: TokenService, keys: SigningKeys, algorithm: str, with_kid: bool):
    header: dict[str, Any] = {"alg": algorithm, "typ": "JWT"}
    if with_kid:
        header["kid"] = keys.kid
    token = f"{segment(header)}.{segment(claims())}."
    rejected(service, token, "algorithm_not_allowed")


def test_token_without_alg_is_rejected(service: TokenService, keys: SigningKeys, private_key: Ed25519PrivateKey):
    rejected(service, forge({"typ": "JWT", "kid": keys.kid}, claims(), private_key), "algorithm_not_allowed")


@pytest.mark.parametrize("secret_format", ["pem", "raw", "x", "der"])
@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_hmac_token_keyed_with_the_public_key_is_rejected(
    service: TokenService, keys: SigningKeys, private_key: Ed25519PrivateKey, secret_format: str, algorithm: str
):
    """Key confusion: a verifier that let the token pick HMAC would accept the public key as the shared secret."""
    public_key = private_key.public_key()
    secret = {
        "pem": pem_public(public_key),
        "raw": raw_public(public_key),
        "x": b64url(raw_public(public_key)).encode(),
        "der": public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
    }[secret_format]
    signing_input = f"{segment({'alg': algorithm, 'typ': 'JWT', 'kid': keys.kid})}.{segment(claims())}"
    digest = hashlib.sha256 if algorithm == "HS256" else hashlib.sha512
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    rejected(service, f"{signing_input}.{b64url(signature)}", "algorithm_not_allowed")


@pytest.mark.parametrize("algorithm", ["ES256", "RS256", "PS256", "Ed25519", "EdDSA ", "eddsa", "ES256K"])
def test_any_other_algorithm_is_rejected(
    service: TokenService, keys: SigningKeys, private_key: Ed25519PrivateKey, algorithm: str
):
    token = forge({"alg": algorithm, "typ": "JWT", "kid": keys.kid}, claims(), private_key)
    rejected(service, token, "algorithm_not_allowed")


@pytest.mark.parametrize(
    "extra_header",
    [
        {"jku": "https://attacker.example/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}},
        {"crit": ["exp"]},
        {"b64": False},
        {"typ": "at+jwt"},
        {"cty": "JWT"},
    ],
    ids=["jku", "x5u", "jwk", "crit", "b64", "typ", "cty"],
)
def test_unexpected_header_parameters_are_rejected(
    service: TokenService, header: dict[str, Any], private_key: Ed25519PrivateKey, extra_header: dict[str, Any]
):
    with pytest.raises(InvalidAccessToken) as caught:
        service.verify_access(forge({**header, **extra_header}, claims(), private_key), now=NOW)
    # PyJWT itself already refuses an unsupported "crit" and a non-empty payload under "b64": false while parsing.
    parsed_by_pyjwt = {"crit", "b64"}.intersection(extra_header)
    assert caught.value.reason in ({"malformed", "unexpected_header"} if parsed_by_pyjwt else {"unexpected_header"})


@pytest.mark.parametrize(
    "change",
    [
        {"sub": "account-2"},
        {"exp": T0 + 10 * 365 * 86400},
        {"typ": "access", "roles": [{"role": "admin"}]},
        {"aud": AUDIENCE, "iss": ISSUER, "jti": "f" * 32},
    ],
    ids=["subject", "expiry", "added-role", "jti"],
)
def test_tampered_payload_keeps_the_signature_and_is_rejected(service: TokenService, change: dict[str, Any]):
    token = service.issue_access("account-1", now=NOW, claims={"roles": [{"role": "committee"}]}).token
    header_segment, payload_segment, signature_segment = token.split(".")
    payload = json.loads(b64url_decode(payload_segment))
    payload.update(change)
    tampered = f"{header_segment}.{segment(payload)}.{signature_segment}"
    assert tampered != token
    rejected(service, tampered, "bad_signature")


def test_tampered_header_is_rejected(service: TokenService):
    token = service.issue_access("account-1", now=NOW).token
    header_segment, payload_segment, signature_segment = token.split(".")
    header = json.loads(b64url_decode(header_segment))
    reordered = segment(dict(reversed(header.items())))  # same members, different bytes under the signature
    assert reordered != header_segment
    rejected(service, f"{reordered}.{payload_segment}.{signature_segment}", "bad_signature")


@pytest.mark.parametrize("mutation", ["flip-bit", "truncate", "empty", "other-token"])
def test_tampered_signature_is_rejected(service: TokenService, mutation: str):
    token = service.issue_access("account-1", now=NOW).token
    signing_input, signature_segment = token.rsplit(".", 1)
    signature = bytearray(b64url_decode(signature_segment))
    if mutation == "flip-bit":
        signature[10] ^= 0x01
    elif mutation == "truncate":
        del signature[-1]
    elif mutation == "empty":
        signature.clear()
    else:
        other = service.issue_access("account-2", now=NOW).token
        signature = bytearray(b64url_decode(other.rsplit(".", 1)[1]))
    rejected(service, f"{signing_input}.{b64url(bytes(signature))}", "bad_signature")


def test_signature_by_another_key_under_our_kid_is_rejected(service: TokenService, header: dict[str, Any]):
    rejected(service, forge(header, claims(), Ed25519PrivateKey.generate()), "bad_signature")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "...",
        f"{b64url(b'not json')}.{segment(claims())}.",
        f"{segment(['alg', 'EdDSA'])}.{segment(claims())}.",
        "eyJhbGciOiJFZERTQSJ9.!!!.AAAA",
        "x" * (MAX_TOKEN_LENGTH + 1),
    ],
    ids=["empty", "one-part", "two-parts", "junk", "dots", "header-not-json", "header-array", "bad-base64", "huge"],
)
def test_malformed_tokens_are_rejected(service: TokenService, token: str):
    with pytest.raises(InvalidAccessToken) as caught:
        service.verify_access(token, now=NOW)
    assert caught.value.reason in {"malformed", "algorithm_not_allowed"}


@pytest.mark.parametrize("token", [None, b"a.b.c", 42])
def test_non_string_tokens_are_rejected(service: TokenService, token: Any):
    rejected(service, token, "malformed")


def test_payload_that_is_not_an_object_is_rejected(
    service: TokenService, header: dict[str, Any], private_key: Ed25519PrivateKey
):
    signing_input = f"{segment(header)}.{segment(['not', 'an', 'object'])}"
    token = f"{signing_input}.{b64url(private_key.sign(signing_input.encode()))}"
    rejected(service, token, "malformed")


@hypothesis_settings(max_examples=200, deadline=None)
@given(token=st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_\-]{0,60}\.[A-Za-z0-9_\-]{0,60}\.[A-Za-z0-9_\-]{0,90}"))
def test_arbitrary_input_only_ever_raises_invalid_access_token(service: TokenService, token: str):
    with pytest.raises(InvalidAccessToken):
        service.verify_access(token, now=NOW)


def test_errors_are_stable_and_never_echo_the_token(service: TokenService):
    token = service.issue_access("account-1", now=NOW).token
    with pytest.raises(AccessTokenExpired) as expired:
        service.verify_access(token, now=NOW + TTL)
    header_segment, _, signature_segment = token.split(".")
    invalid = rejected(service, f"{header_segment}.{segment(claims())}.{signature_segment}", "bad_signature")
    for error in (expired.value, invalid):
        assert isinstance(error, Unauthenticated)  # so the problem response carries WWW-Authenticate: Bearer
        assert error.status == 401
        for text in (str(error), error.message("zh"), error.message("en"), repr(error.params)):
            assert token not in text
            assert token.split(".")[1] not in text
    assert (InvalidAccessToken.code, AccessTokenExpired.code) == ("auth.token_invalid", "auth.token_expired")
    assert DomainError.registry["auth.token_invalid"] is InvalidAccessToken
    assert DomainError.registry["auth.token_expired"] is AccessTokenExpired
    assert invalid.__cause__ is None
    assert invalid.__suppress_context__


# --- keys, kid and JWKS --------------------------------------------------------------------------------------------


def test_kid_is_the_rfc7638_thumbprint_rfc8037_vector():
    public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(RFC8037_X))
    assert jwk_thumbprint(public_key) == RFC8037_THUMBPRINT

    private_key = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    keys = SigningKeys.from_keys(private_key)
    assert keys.kid == RFC8037_THUMBPRINT
    assert keys.jwks() == {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "kid": RFC8037_THUMBPRINT, "use": "sig", "alg": "EdDSA"}
        ]
    }


def test_signing_keys_reject_an_inconsistent_kid_and_are_immutable(private_key: Ed25519PrivateKey):
    public_key = private_key.public_key()
    with pytest.raises(ValueError, match="thumbprint"):
        SigningKeys(private_key=private_key, kid="made-up", public_keys={"made-up": public_key})
    kid = jwk_thumbprint(public_key)
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(ValueError, match="first"):
        SigningKeys(private_key=private_key, kid=kid, public_keys={jwk_thumbprint(other): other, kid: public_key})
    with pytest.raises(ValueError, match="thumbprint"):
        SigningKeys(private_key=private_key, kid=kid, public_keys={kid: public_key, "made-up": other})

    keys = SigningKeys.from_keys(private_key)
    with pytest.raises(TypeError):
        keys.public_keys["x"] = other  # type: ignore[index]
    assert "private_key" not in repr(keys)


def test_retired_key_still_verifies_and_is_published_after_the_current_key():
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    before = TokenService(SigningKeys.from_keys(old), issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    token = before.issue_access("account-1", now=NOW).token

    rotated_keys = SigningKeys.from_keys(new, retired=[old.public_key(), new.public_key(), old.public_key()])
    after = TokenService(rotated_keys, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    assert after.verify_access(token, now=NOW).subject == "account-1"
    assert after.issue_access("account-2", now=NOW).token.count(".") == 2
    assert jwt.get_unverified_header(after.issue_access("a", now=NOW).token)["kid"] == rotated_keys.kid

    jwks = rotated_keys.jwks()
    assert [key["kid"] for key in jwks["keys"]] == [jwk_thumbprint(new.public_key()), jwk_thumbprint(old.public_key())]
    assert all(set(key) == {"kty", "crv", "x", "kid", "use", "alg"} for key in jwks["keys"])  # never "d"
    assert jwks == SigningKeys.from_keys(new, retired=[old.public_key()]).jwks()  # deterministic

    # Once the retired key is dropped, its tokens are refused.
    dropped = TokenService(SigningKeys.from_keys(new), issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    rejected(dropped, token, "unknown_kid")


def test_retired_keys_come_from_settings_files(tmp_path: Path):
    old, older = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    paths = [tmp_path / "old.pub.pem", tmp_path / "older.pub.pem"]
    for path, key in zip(paths, (old, older), strict=True):
        path.write_bytes(pem_public(key.public_key()))
    settings = Settings(_env_file=None, env="test", dev_key_dir=tmp_path / "keys", jwt_retired_public_key_files=paths)
    keys = SigningKeys.from_settings(settings)
    assert [key["kid"] for key in keys.jwks()["keys"]] == [
        keys.kid,
        jwk_thumbprint(old.public_key()),
        jwk_thumbprint(older.public_key()),
    ]
    service = TokenService.from_settings(settings, keys)
    token = TokenService(SigningKeys.from_keys(older), issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    assert service.verify_access(token.issue_access("account-1", now=NOW).token, now=NOW).subject == "account-1"


# --- key sources and the production guard --------------------------------------------------------------------------


def test_development_key_is_generated_once_with_mode_0600_and_reused(tmp_path: Path):
    directory = tmp_path / "keys"
    first = SigningKeys.from_settings(Settings(_env_file=None, env="test", dev_key_dir=directory))
    path = directory / "jwt_ed25519.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    content = path.read_bytes()
    assert content.startswith(b"-----BEGIN PRIVATE KEY-----")

    for env in ("test", "development"):
        again = SigningKeys.from_settings(Settings(_env_file=None, env=env, dev_key_dir=directory))
        assert again.kid == first.kid
    assert path.read_bytes() == content
    assert sorted(p.name for p in directory.iterdir()) == ["jwt_ed25519.pem"]  # no temporary files left behind


def test_development_key_created_concurrently_keeps_the_first_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = Settings(_env_file=None, env="test", dev_key_dir=tmp_path)
    winner = Ed25519PrivateKey.generate()
    real_exists = Path.exists

    def exists_then_lose_the_race(path: Path) -> bool:
        if path.name == "jwt_ed25519.pem" and not real_exists(path):
            path.write_bytes(pem_private(winner))  # another worker finishes first
            return False
        return real_exists(path)

    monkeypatch.setattr(Path, "exists", exists_then_lose_the_race)
    assert SigningKeys.from_settings(settings).kid == jwk_thumbprint(winner.public_key())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jwt_ed25519.pem"]


def test_production_without_a_signing_key_is_refused(tmp_path: Path):
    with pytest.raises(ValidationError, match="EVOTE_JWT_PRIVATE_KEY_FILE"):
        production(tmp_path)
    assert not (tmp_path / "keys" / "jwt_ed25519.pem").exists()  # and no development key is created


@pytest.mark.parametrize("source", ["dev-file", "copy-of-dev-file", "pem-text", "reformatted-pem-text"])
def test_production_with_the_development_key_is_refused(tmp_path: Path, source: str):
    SigningKeys.from_settings(Settings(_env_file=None, env="development", dev_key_dir=tmp_path / "keys"))
    dev_file = tmp_path / "keys" / "jwt_ed25519.pem"
    pem = dev_file.read_text()
    copy = tmp_path / "copy.pem"
    copy.write_text(pem)
    option: dict[str, Any] = {
        "dev-file": {"jwt_private_key_file": dev_file},
        "copy-of-dev-file": {"jwt_private_key_file": copy},
        "pem-text": {"jwt_private_key": pem},
        "reformatted-pem-text": {"jwt_private_key": "\n" + pem.replace("\n", "\r\n") + "\n\n"},
    }[source]
    with pytest.raises(ValidationError, match="development key"):
        production(tmp_path, **option)


@pytest.mark.parametrize("source", ["file", "text"])
def test_production_with_an_explicit_key_is_accepted(tmp_path: Path, source: str):
    SigningKeys.from_settings(Settings(_env_file=None, env="development", dev_key_dir=tmp_path / "keys"))
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "jwt.pem"
    path.write_bytes(pem_private(key))
    option = {"jwt_private_key_file": path} if source == "file" else {"jwt_private_key": pem_private(key).decode()}
    settings = production(tmp_path, **option)
    keys = SigningKeys.from_settings(settings)
    assert keys.kid == jwk_thumbprint(key.public_key())
    service = TokenService.from_settings(settings, keys)
    assert service.verify_access(service.issue_access("account-1", now=NOW).token, now=NOW).subject == "account-1"


def test_file_and_text_together_are_refused(tmp_path: Path):
    key = pem_private(Ed25519PrivateKey.generate())
    path = tmp_path / "jwt.pem"
    path.write_bytes(key)
    with pytest.raises(ValidationError, match="only one of"):
        Settings(_env_file=None, dev_key_dir=tmp_path, jwt_private_key_file=path, jwt_private_key=key.decode())


def _bad_private_keys() -> dict[str, bytes]:
    ed = Ed25519PrivateKey.generate()
    return {
        "garbage": b"not a key",
        "truncated": pem_private(ed)[:60],
        "public-key": pem_public(ed.public_key()),
        "ec-key": pem_private(ec.generate_private_key(ec.SECP256R1())),
        "encrypted": ed.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        ),
    }


@pytest.mark.parametrize("kind", list(_bad_private_keys()))
@pytest.mark.parametrize("via", ["file", "text"])
def test_malformed_private_key_is_refused_with_a_clear_error(tmp_path: Path, kind: str, via: str):
    content = _bad_private_keys()[kind]
    path = tmp_path / "jwt.pem"
    path.write_bytes(content)
    option: dict[str, Any] = {"jwt_private_key_file": path} if via == "file" else {"jwt_private_key": content.decode()}
    expected = str(path) if via == "file" else "EVOTE_JWT_PRIVATE_KEY"
    with pytest.raises(ValidationError, match="Ed25519 private key") as caught:
        Settings(_env_file=None, dev_key_dir=tmp_path, **option)
    message = str(caught.value)
    assert expected in message
    if kind != "garbage":
        assert content.decode().splitlines()[1] not in message  # key material is never echoed


def test_missing_key_file_is_refused_with_a_clear_error(tmp_path: Path):
    with pytest.raises(ValidationError, match=r"EVOTE_JWT_PRIVATE_KEY_FILE: cannot read .*absent\.pem"):
        Settings(_env_file=None, dev_key_dir=tmp_path, jwt_private_key_file=tmp_path / "absent.pem")


@pytest.mark.parametrize("kind", ["garbage", "private-key", "ec-public-key", "missing"])
def test_malformed_retired_key_is_refused(tmp_path: Path, kind: str):
    path = tmp_path / "retired.pem"
    if kind == "garbage":
        path.write_bytes(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    elif kind == "private-key":
        path.write_bytes(pem_private(Ed25519PrivateKey.generate()))
    elif kind == "ec-public-key":
        path.write_bytes(
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    with pytest.raises(ValidationError, match=r"Ed25519 public key|EVOTE_JWT_RETIRED_PUBLIC_KEY_FILES"):
        Settings(_env_file=None, dev_key_dir=tmp_path, jwt_retired_public_key_files=[path])


def test_a_remembered_token_is_still_checked_against_the_clock(service: TokenService):
    """The per-process cache of checked tokens (issue #8) keeps signatures, never the time checks."""
    token = service.issue_access("account-1", now=NOW).token
    assert service.verify_access(token, now=NOW).subject == "account-1"
    assert service.verify_access(token, now=NOW + TTL - timedelta(seconds=1)).subject == "account-1"
    with pytest.raises(AccessTokenExpired):
        service.verify_access(token, now=NOW + TTL)
    rejected(service, token, "not_yet_valid", now=NOW - timedelta(minutes=5))


def test_the_cache_of_checked_tokens_is_bounded(service: TokenService, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tokens_module, "VERIFIED_CACHE_SIZE", 3)
    issued = [service.issue_access(f"account-{number}", now=NOW).token for number in range(5)]
    for token in issued:
        service.verify_access(token, now=NOW)
    assert list(service._verified) == issued[-3:]  # the oldest went first
    assert service.verify_access(issued[0], now=NOW).subject == "account-0"  # and is simply checked again


def test_a_kept_header_still_has_every_token_signature_checked(keys: SigningKeys, private_key: Ed25519PrivateKey):
    """The accepted header segments are kept (one check per key, not per token); the signature and claims of every
    token are still checked, and a header naming no known key is never kept."""
    service = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    token = service.issue_access("account-1", now=NOW).token
    assert service.access_subject(token, now=NOW) == "account-1"
    assert service._header_keys == {token.split(".")[0]: raw_public(private_key.public_key())}
    header, _, signature = token.split(".")
    tampered = f"{header}.{segment(claims(sub='account-2'))}.{signature}"  # the kept header, another payload
    rejected(service, tampered, "bad_signature")
    other = Ed25519PrivateKey.generate()
    rejected(service, forge({"alg": "EdDSA", "typ": "JWT", "kid": keys.kid}, claims(), other), "bad_signature")
    unknown = forge({"alg": "EdDSA", "typ": "JWT", "kid": "unknown"}, claims(), other)
    rejected(service, unknown, "unknown_kid")
    assert unknown.split(".")[0] not in service._header_keys
    assert set(service._header_keys.values()) == {raw_public(private_key.public_key())}


def test_kept_headers_are_bounded(keys: SigningKeys, private_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tokens_module, "HEADERS_KEPT", 1)
    service = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    # the same header members in another order: another segment, as valid
    headers = [{"alg": "EdDSA", "typ": "JWT", "kid": keys.kid}, {"kid": keys.kid, "typ": "JWT", "alg": "EdDSA"}]
    tokens = [forge(header, claims(jti=str(n) * 32), private_key) for n, header in enumerate(headers)]
    for token in tokens:
        assert service.access_subject(token, now=NOW) == "account-1"
    assert list(service._header_keys) == [tokens[0].split(".")[0]]
    assert service.verify_access(tokens[1], now=NOW).jti == "1" * 32  # not kept, checked each time


@pytest.mark.parametrize(
    ("payload", "now", "error"),
    [
        (claims(), NOW, None),
        (claims(), NOW + TTL, AccessTokenExpired),
        (claims(), NOW - timedelta(minutes=5), InvalidAccessToken),
        (claims(aud="elsewhere"), NOW, InvalidAccessToken),
        (claims(typ="refresh"), NOW, InvalidAccessToken),
        (claims(exp="soon"), NOW, InvalidAccessToken),
        (claims(sub=""), NOW, InvalidAccessToken),
    ],
)
def test_the_subject_alone_is_checked_as_the_claims_are(
    keys: SigningKeys, private_key: Ed25519PrivateKey, payload: dict[str, Any], now: datetime, error: type | None
):
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": keys.kid}, payload, private_key)
    service = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, access_ttl=TTL)
    if error is None:
        assert service.access_subject(token, now=now) == service.verify_access(token, now=now).subject == "account-1"
        return
    for check in (service.access_subject, service.verify_access):
        with pytest.raises(error) as caught:
            check(token, now=now)
        assert type(caught.value) is error
