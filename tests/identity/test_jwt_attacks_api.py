"""The JWT attack set through HTTP (issue #9 item 5): forged, stale and misdirected tokens against ``GET /me``.

tests/identity/test_tokens.py takes each case apart at the unit level; here every forgery is built the way an
attacker would (from the published JWKS, a captured token or another key), sent to a real endpoint, and must get
401 problem+json with ``WWW-Authenticate: Bearer`` and nothing of the account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from app.identity.models import Account, RefreshToken
from app.identity.tokens import InvalidAccessToken, jwk_thumbprint
from tests.factories import bearer, make_account
from tests.identity.test_tokens import b64url, b64url_decode, segment

ME = "/api/v1/me"
NOW = datetime.now(UTC).replace(microsecond=0)


def signed(header: dict[str, Any], payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()))}"


def hmac_signed(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{segment(header)}.{segment(payload)}"
    return f"{signing_input}.{b64url(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


@pytest.fixture
async def victim(client, session, app):  # type: ignore[no-untyped-def]
    """An account, its genuine token (which works), the published key and the claims a genuine token carries."""
    app.state.clock = lambda: NOW
    account = await make_account(session, app.state.cipher)
    await session.commit()
    token = bearer(app, account)["Authorization"].split(" ", 1)[1]
    genuine = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert genuine.status_code == 200
    assert genuine.json()["id"] == str(account.id)
    jwk = (await client.get("/api/v1/auth/jwks")).json()["keys"][0]
    header = json.loads(b64url_decode(token.split(".")[0]))
    claims = json.loads(b64url_decode(token.split(".")[1]))
    return {"account": account, "token": token, "jwk": jwk, "header": header, "claims": claims}


def _attacks(app, victim) -> dict[str, tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    """name -> (token, expected problem code, the verifier's internal reason: the attack is what it says)."""
    key: Ed25519PrivateKey = app.state.tokens.keys.private_key
    header, claims, jwk = victim["header"], victim["claims"], victim["jwk"]
    now = int(NOW.timestamp())
    raw_public = b64url_decode(jwk["x"])
    pem_public = Ed25519PublicKey.from_public_bytes(raw_public).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs256 = {"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}
    other_key = Ed25519PrivateKey.generate()
    genuine_head, genuine_body, genuine_signature = victim["token"].split(".")
    someone_else = {**claims, "sub": str(uuid.uuid4())}
    invalid = "auth.token_invalid"
    return {
        "alg-none": (f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims)}.", invalid, "algorithm_not_allowed"),
        "alg-none-with-kid": (
            f"{segment({**header, 'alg': 'none'})}.{segment(claims)}.",
            invalid,
            "algorithm_not_allowed",
        ),
        "alg-None-capitalised": (
            f"{segment({**header, 'alg': 'None'})}.{segment(claims)}.",
            invalid,
            "algorithm_not_allowed",
        ),
        "hs256-with-public-pem": (hmac_signed(hs256, claims, pem_public), invalid, "algorithm_not_allowed"),
        "hs256-with-raw-public-key": (hmac_signed(hs256, claims, raw_public), invalid, "algorithm_not_allowed"),
        "hs256-with-jwks-x": (hmac_signed(hs256, claims, jwk["x"].encode()), invalid, "algorithm_not_allowed"),
        "expired": (
            signed(header, {**claims, "iat": now - 3600, "nbf": now - 3600, "exp": now - 1}, key),
            "auth.token_expired",
            "expired",
        ),
        "not-yet-valid": (
            signed(header, {**claims, "nbf": now + 3600, "exp": now + 7200}, key),
            invalid,
            "not_yet_valid",
        ),
        "issued-in-the-future": (signed(header, {**claims, "iat": now + 3600}, key), invalid, "issued_in_future"),
        "wrong-aud": (signed(header, {**claims, "aud": "another-api"}, key), invalid, "wrong_audience"),
        "aud-list": (signed(header, {**claims, "aud": [claims["aud"], "another-api"]}, key), invalid, "wrong_audience"),
        "wrong-iss": (signed(header, {**claims, "iss": "https://idp.example.com"}, key), invalid, "wrong_issuer"),
        "unknown-kid-own-key": (
            signed({**header, "kid": jwk_thumbprint(other_key.public_key())}, claims, other_key),
            invalid,
            "unknown_kid",
        ),
        "unknown-kid-our-key": (signed({**header, "kid": "not-a-key-we-have"}, claims, key), invalid, "unknown_kid"),
        "missing-kid": (signed({"alg": "EdDSA", "typ": "JWT"}, claims, key), invalid, "missing_kid"),
        "another-key-under-our-kid": (signed(header, claims, other_key), invalid, "bad_signature"),
        "tampered-payload": (f"{genuine_head}.{segment(someone_else)}.{genuine_signature}", invalid, "bad_signature"),
        "tampered-header": (
            f"{segment({**header, 'typ': 'JWT', 'x': 1})}.{genuine_body}.{genuine_signature}",
            invalid,
            "unexpected_header",
        ),
        "signature-stripped": (f"{genuine_head}.{genuine_body}.", invalid, "bad_signature"),
        "wrong-token-type": (signed(header, {**claims, "typ": "refresh"}, key), invalid, "wrong_type"),
        "jku-header": (
            signed({**header, "jku": "https://evil.example.com/jwks"}, claims, key),
            invalid,
            "unexpected_header",
        ),
        "unknown-subject": (signed(header, someone_else, key), "auth.unauthenticated", None),
        "not-a-jwt": ("definitely-not-a-token", invalid, "malformed"),
    }


ATTACKS = [
    "alg-none",
    "alg-none-with-kid",
    "alg-None-capitalised",
    "hs256-with-public-pem",
    "hs256-with-raw-public-key",
    "hs256-with-jwks-x",
    "expired",
    "not-yet-valid",
    "issued-in-the-future",
    "wrong-aud",
    "aud-list",
    "wrong-iss",
    "unknown-kid-own-key",
    "unknown-kid-our-key",
    "missing-kid",
    "another-key-under-our-kid",
    "tampered-payload",
    "tampered-header",
    "signature-stripped",
    "wrong-token-type",
    "jku-header",
    "unknown-subject",
    "not-a-jwt",
]


def _assert_refused(response, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.text[:300]
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["code"] == code
    assert set(body) >= {"type", "title", "status", "detail", "messages"}
    assert "id" not in body
    assert "phone" not in body


@pytest.mark.parametrize("attack", ATTACKS)
async def test_forged_and_misdirected_tokens_are_401(client, app, victim, attack):
    token, code, reason = _attacks(app, victim)[attack]
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    _assert_refused(response, code)
    assert victim["token"] not in response.text
    if reason is None:  # a valid signature for an account that does not exist
        assert app.state.tokens.verify_access(token, now=NOW).subject != str(victim["account"].id)
    else:
        with pytest.raises(InvalidAccessToken) as refused:
            app.state.tokens.verify_access(token, now=NOW)
        assert refused.value.reason == reason


async def test_the_attack_table_and_the_list_agree(app, victim):
    assert sorted(_attacks(app, victim)) == sorted(ATTACKS)


async def test_a_genuine_token_of_a_disabled_account_is_401(client, session, app, victim):
    account = await session.get(Account, victim["account"].id)
    assert account is not None
    account.disabled_at = NOW
    await session.commit()
    response = await client.get(ME, headers={"Authorization": f"Bearer {victim['token']}"})
    _assert_refused(response, "auth.unauthenticated")


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " + "a" * 9000],
)
async def test_missing_or_malformed_credentials_are_401(client, authorization):
    response = await client.get(ME, headers={"Authorization": authorization} if authorization else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


# --- a stolen refresh token ------------------------------------------------------------------------------------


async def _sign_in(client, caplog, phone: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert (await client.post("/api/v1/auth/codes", json={"phone": phone})).status_code == 202
    code = next(record for record in reversed(caplog.records) if record.name == "evote.sms").sms_code
    response = await client.post("/api/v1/auth/login", json={"phone": phone, "code": code})
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


async def test_a_stolen_refresh_token_used_first_by_the_thief_revokes_the_family(client, session, app, caplog):
    """The thief refreshes before the owner does; the owner's later use of the same token is the reuse that
    revokes the whole sign-in, so the thief's freshly rotated refresh token dies with it."""
    caplog.set_level(logging.INFO, logger="evote.sms")
    clock = {"now": NOW}
    app.state.clock = lambda: clock["now"]
    owner = await _sign_in(client, caplog, "13700137000")
    stolen = owner["refresh_token"]

    clock["now"] += timedelta(minutes=1)
    thief = await client.post("/api/v1/auth/refresh", json={"refresh_token": stolen})
    assert thief.status_code == 200
    thief_pair = thief.json()

    clock["now"] += timedelta(minutes=1)
    reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": stolen})  # the owner's app
    assert reused.status_code == 401
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["code"] == "auth.refresh_reused"

    after = await client.post("/api/v1/auth/refresh", json={"refresh_token": thief_pair["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["code"] == "auth.refresh_invalid"
    account_id = uuid.UUID(owner["account"]["id"])
    tokens = (await session.scalars(select(RefreshToken).where(RefreshToken.account_id == account_id))).all()
    assert len(tokens) == 2
    assert all(token.revoked_at is not None for token in tokens)
    # A new sign-in is unaffected: the owner can come back.
    clock["now"] += timedelta(minutes=2)
    again = await _sign_in(client, caplog, "13700137000")
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": again["refresh_token"]})
    ).status_code == 200


@pytest.mark.parametrize("nesting", [b"[" * 3000, b'{"a":' * 1100])
async def test_a_deeply_nested_unsigned_header_is_401_not_500(client, app, victim, nesting):  # type: ignore[no-untyped-def]
    """The header is parsed before any signature is checked: nesting deeper than the JSON decoder's recursion limit
    is a malformed token like any other, on the routes that read the account (``GET /me``) and on the cast, which
    checks the token alone before its transaction (``app.http.deps.get_caller``)."""
    token = f"{b64url(nesting)}.{victim['token'].split('.', 1)[1]}"
    assert len(token) < 8192  # within the length every token is allowed, so it is parsed
    headers = {"Authorization": f"Bearer {token}"}
    for response in (
        await client.get(ME, headers=headers),
        await client.post(
            f"/api/v1/votes/{uuid.uuid4()}/ballots", json={"group_id": "0" * 32, "answers": {}}, headers=headers
        ),
    ):
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "auth.token_invalid"


@pytest.mark.parametrize("lean", [True, False], ids=["lean", "ordinary"])
async def test_every_attack_is_refused_alike_by_the_cast(client, session, app, victim, lean):  # type: ignore[no-untyped-def]
    """The cast checks the token before its transaction (``get_caller``) and reads the account itself on PostgreSQL
    (``app.ballot.lean``): every forged, stale or misdirected token, and a disabled account's genuine one, is refused
    there with the code ``GET /me`` gives, and before anything about the vote is looked at."""
    app.state.lean_cast = lean and app.state.lean_cast
    url = f"/api/v1/votes/{uuid.uuid4()}/ballots"
    body = {"group_id": "0" * 32, "answers": {}}
    for token, code, _ in _attacks(app, victim).values():
        _assert_refused(await client.post(url, json=body, headers={"Authorization": f"Bearer {token}"}), code)
    account = await session.get(Account, victim["account"].id)
    assert account is not None
    account.disabled_at = NOW
    await session.commit()
    refused = await client.post(url, json=body, headers={"Authorization": f"Bearer {victim['token']}"})
    _assert_refused(refused, "auth.unauthenticated")
