"""R-PI-2: after every verification flow, no row of the verification tables holds a plain ID number."""

from __future__ import annotations

import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.identity.models import Account, IdentityEvent
from app.realname.models import ManualVerificationRequest, VerificationAttempt, VerificationDocument
from app.settings import IdpIssuer
from tests.realname.conftest import (
    CERT_201,
    CERT_WANG_101,
    ID_LI,
    ID_UNKNOWN,
    ID_WANG,
    ID_ZHANG,
    ID_ZHOU,
    PNG,
    T0,
    WRONG_CERT,
    login,
)

PLAIN = (ID_WANG, ID_LI, ID_ZHANG, ID_ZHOU, ID_UNKNOWN)


def _forms(identifier: str) -> list[bytes]:
    raw = identifier.encode()
    return [raw, raw.hex().encode(), raw.hex().upper().encode(), identifier.lower().encode()]


async def test_no_table_holds_a_plain_id_number(client, session, app, world, tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "idp.pem").write_bytes(pem)
    issuer = IdpIssuer(issuer="https://idp.example.cn", audience="evote", public_key_files=[tmp_path / "idp.pem"])
    app.state.settings = app.state.settings.model_copy(update={"idp_issuers": [issuer]})

    url = "/api/v1/me/verification"
    _, wang = await login(session, app)
    assert (await client.post(url, json={"id_number": ID_WANG, "certificate_number": WRONG_CERT},
                              headers=wang)).status_code == 422  # fmt: skip
    assert (await client.post(url, json={"id_number": ID_UNKNOWN, "certificate_number": CERT_WANG_101},
                              headers=wang)).status_code == 422  # fmt: skip
    assert (await client.post(url, json={"id_number": ID_WANG[:-1] + "9", "certificate_number": CERT_WANG_101},
                              headers=wang)).status_code == 422  # fmt: skip
    assert (await client.post(url, json={"id_number": ID_WANG, "certificate_number": CERT_WANG_101},
                              headers=wang)).status_code == 200  # fmt: skip
    assert (await client.post(url, json={"id_number": ID_ZHANG, "certificate_number": CERT_201},
                              headers=wang)).status_code == 409  # fmt: skip

    li, li_headers = await login(session, app)
    now = int(T0.timestamp())
    claims = {"iss": "https://idp.example.cn", "aud": "evote", "sub": str(li.id), "iat": now, "exp": now + 60,
              "jti": uuid.uuid4().hex, "id_number": ID_LI, "result": "PASS"}  # fmt: skip
    assertion = jwt.encode(claims, key, algorithm="EdDSA")
    assert (await client.post(f"{url}/idp", json={"assertion": assertion}, headers=li_headers)).status_code == 200
    unknown = jwt.encode(claims | {"id_number": ID_UNKNOWN, "sub": str(li.id)}, key, algorithm="EdDSA")
    assert (await client.post(f"{url}/idp", json={"assertion": unknown}, headers=li_headers)).status_code == 409

    _, zhou = await login(session, app)
    form = {"estate_id": str(world.places.estate.id), "id_number": ID_ZHOU, "name": "周八",
            "document_type": "RESIDENT_ID_CARD"}  # fmt: skip
    document = PNG + f"ID {ID_ZHOU}".encode()  # the document itself shows the number: it must be encrypted
    created = await client.post(f"{url}/manual", data=form, files={"file": ("id.png", document, "image/png")},
                                headers=zhou)  # fmt: skip
    assert created.status_code == 201
    request_url = f"/api/v1/estates/{world.places.estate.id}/verification-requests/{created.json()['id']}"
    assert (await client.get(f"{request_url}/document", headers=world.committee)).status_code == 200
    assert (await client.post(f"{request_url}/approve", json={}, headers=world.committee)).status_code == 200

    scanned = 0
    for model in (VerificationAttempt, ManualVerificationRequest, VerificationDocument, IdentityEvent, Account):
        rows = (await session.scalars(select(model).execution_options(populate_existing=True))).all()
        assert rows, model.__tablename__
        for row in rows:
            for column in model.__table__.columns:
                value = getattr(row, column.key)
                blob = value if isinstance(value, bytes) else str(value).encode()
                for identifier in PLAIN:
                    for form_ in _forms(identifier):
                        assert form_ not in blob, (model.__tablename__, column.key)
                scanned += 1
    assert scanned > 100
