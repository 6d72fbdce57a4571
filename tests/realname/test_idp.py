"""Identity-provider assertions (issue #4 item 3, R-PI-3): pinned keys and algorithms, only result/txn/time kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from app.settings import IdpIssuer
from tests.realname.conftest import ID_UNKNOWN, ID_WANG, T0, attempts, events_of, fresh_account, login

URL = "/api/v1/me/verification/idp"
ISSUER = "https://idp.example.cn"
AUDIENCE = "evote-verification"


def _public_pem(key) -> bytes:  # type: ignore[no-untyped-def]
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def idp_key(app, tmp_path) -> Ed25519PrivateKey:  # type: ignore[no-untyped-def]
    """An Ed25519 provider key; the app's settings are swapped for a copy that trusts it (read per request)."""
    key = Ed25519PrivateKey.generate()
    rsa_key = generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "idp.pem").write_bytes(_public_pem(key))
    (tmp_path / "idp-rsa.pem").write_bytes(_public_pem(rsa_key))
    issuer = IdpIssuer(
        issuer=ISSUER, audience=AUDIENCE, public_key_files=[tmp_path / "idp-rsa.pem", tmp_path / "idp.pem"]
    )
    app.state.settings = app.state.settings.model_copy(update={"idp_issuers": [issuer]})
    return key


def _assertion(key, subject, *, drop=(), algorithm="EdDSA", **claims) -> str:  # type: ignore[no-untyped-def]
    now = int(T0.timestamp())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(subject),
        "iat": now - 5,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "id_number": ID_WANG,
        "result": "PASS",
        "txn": "TXN-20260302-0001",
        "face_image": None,
    } | claims
    for name in drop:
        payload.pop(name)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm=algorithm)


async def test_assertion_verifies_and_keeps_only_result_txn_and_time(client, session, app, world, idp_key):
    account, headers = await login(session, app)
    token = _assertion(idp_key, account.id)
    response = await client.post(URL, json={"assertion": token}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["method"] == "IDENTITY_PROVIDER"
    assert response.json()["estates"] == [str(world.places.estate.id)]
    stored = await fresh_account(session, account.id)
    assert stored.verification_method == "IDENTITY_PROVIDER"
    assert stored.verification_reference == "TXN-20260302-0001"
    assert stored.verified_at == T0
    [event] = await events_of(session, account.id, "verification.succeeded")
    assert event.details["txn"] == "TXN-20260302-0001"
    assert event.details["result"] == "PASS"
    assert event.details["issuer"] == ISSUER
    assert token not in str(event.details)
    assert token.split(".")[2] not in str(event.details)


async def test_jti_is_the_transaction_id_when_txn_is_absent(client, session, app, world, idp_key):
    account, headers = await login(session, app)
    token = _assertion(idp_key, account.id, txn=None, jti="JTI-42")
    response = await client.post(URL, json={"assertion": token}, headers=headers)
    assert response.status_code == 200, response.text
    assert (await fresh_account(session, account.id)).verification_reference == "JTI-42"


@pytest.mark.parametrize(
    "variant",
    [
        "expired",
        "other-key",
        "unknown-issuer",
        "wrong-audience",
        "missing-id-number",
        "missing-jti",
        "missing-exp",
        "result-fail",
        "another-account",
        "hmac-with-public-key",
        "garbage",
    ],
)
async def test_bad_assertions_are_401(client, session, app, world, idp_key, variant):
    account, headers = await login(session, app)
    subject = account.id
    token = {
        "expired": lambda: _assertion(idp_key, subject, exp=int((T0 - timedelta(seconds=1)).timestamp())),
        "other-key": lambda: _assertion(Ed25519PrivateKey.generate(), subject),
        "unknown-issuer": lambda: _assertion(idp_key, subject, iss="https://evil.example"),
        "wrong-audience": lambda: _assertion(idp_key, subject, aud="someone-else"),
        "missing-id-number": lambda: _assertion(idp_key, subject, drop=("id_number",)),
        "missing-jti": lambda: _assertion(idp_key, subject, drop=("jti",)),
        "missing-exp": lambda: _assertion(idp_key, subject, drop=("exp",)),
        "result-fail": lambda: _assertion(idp_key, subject, result="FAIL"),
        "another-account": lambda: _assertion(idp_key, uuid.uuid4()),
        "hmac-with-public-key": lambda: _assertion(b"x" * 32, subject, algorithm="HS256"),
        "garbage": lambda: "not.a.jwt",
    }[variant]()
    response = await client.post(URL, json={"assertion": token}, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "verification.assertion_invalid"
    assert (await fresh_account(session, account.id)).owner_id is None
    [attempt] = await attempts(session, account.id)  # counted for the account's lockout
    assert attempt.succeeded is False
    [event] = await events_of(session, account.id, "verification.failed")
    assert event.details["reason"] == "assertion_invalid"


async def test_rsa_keys_verify_rs256(client, session, app, world, tmp_path):
    rsa_key = generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "rsa.pem").write_bytes(_public_pem(rsa_key))
    issuer = IdpIssuer(issuer=ISSUER, audience=AUDIENCE, public_key_files=[tmp_path / "rsa.pem"])
    app.state.settings = app.state.settings.model_copy(update={"idp_issuers": [issuer]})
    account, headers = await login(session, app)
    response = await client.post(
        URL, json={"assertion": _assertion(rsa_key, account.id, algorithm="RS256")}, headers=headers
    )
    assert response.status_code == 200, response.text


async def test_valid_assertion_for_someone_not_in_a_register_verifies_the_person_bound_nowhere(
    client, session, app, world, idp_key
):
    """Issue #19 item 5 (R-CAST-3..5): a legal representative, guardian or proxy owns no home; the provider proved
    the person, so the account is verified as that person, and bound in no estate it reaches none."""
    account, headers = await login(session, app)
    response = await client.post(
        URL, json={"assertion": _assertion(idp_key, account.id, id_number=ID_UNKNOWN)}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["estates"] == []
    assert (await fresh_account(session, account.id)).owner_id is not None
    [attempt] = await attempts(session, account.id)
    assert attempt.succeeded is True
    [event] = await events_of(session, account.id, "verification.succeeded")
    assert event.details["person_only"] is True
    assert (await client.get("/api/v1/me/estates", headers=headers)).json()["items"] == []
    assert (await client.get(f"/api/v1/estates/{world.places.estate.id}/votes", headers=headers)).status_code == 404


async def test_no_configured_issuer_rejects_everything(client, session, app, world):
    account, headers = await login(session, app)
    token = _assertion(Ed25519PrivateKey.generate(), account.id)
    response = await client.post(URL, json={"assertion": token}, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "verification.assertion_invalid"


def test_issuer_settings_refuse_symmetric_algorithms_and_bad_key_files(tmp_path):
    (tmp_path / "not-a-key.pem").write_text("hello")
    with pytest.raises(ValueError, match="algorithms"):
        IdpIssuer(issuer=ISSUER, audience=AUDIENCE, public_key_files=[tmp_path / "not-a-key.pem"], algorithms=["HS256"])
    with pytest.raises(ValueError, match="PEM public key"):
        IdpIssuer(issuer=ISSUER, audience=AUDIENCE, public_key_files=[tmp_path / "not-a-key.pem"])


def test_issuers_parse_from_the_environment_as_json(tmp_path, monkeypatch):
    from app.settings import Settings

    (tmp_path / "idp.pem").write_bytes(_public_pem(Ed25519PrivateKey.generate()))
    monkeypatch.setenv(
        "EVOTE_IDP_ISSUERS",
        f'[{{"issuer": "{ISSUER}", "audience": "{AUDIENCE}", "public_key_files": ["{tmp_path / "idp.pem"}"]}}]',
    )
    settings = Settings(_env_file=None, dev_key_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.idp_issuers[0].issuer == ISSUER
    assert settings.idp_issuers[0].algorithms == ["EdDSA", "RS256"]
