"""R-PI-2 end to end: identifiers written through the API appear in no table and no log line (issue #4).

The test imports the sample register (ID numbers, credit codes, certificate numbers), signs in by SMS code,
verifies an owner against the register, files a manual verification request and names a proxy by phone,
all through HTTP; then it reads every row of every table and every captured log record at DEBUG level.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.common.access import Role
from app.db.models import Base
from tests.factories import make_api_key

PHONE = "13912345678"
AGENT_PHONE = "13712345678"
IDS = ["110105198001010016", "110105198102020029", "110105198203030031", "91110105MA01ABCD13", "91110000100012345L"]
CERTIFICATE = "京(2019)朝阳区不动产权第0000101号"
SECRETS = [*IDS, PHONE, AGENT_PHONE, "第0000101号"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _sign_in(client, caplog, phone: str) -> dict[str, str]:
    assert (await client.post("/api/v1/auth/codes", json={"phone": phone})).status_code == 202
    code = next(r for r in reversed(caplog.records) if r.name == "evote.sms").sms_code
    response = await client.post("/api/v1/auth/login", json={"phone": phone, "code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_identifiers_appear_in_no_table_and_no_log(client, session, app, repo_root, caplog):
    caplog.set_level(logging.DEBUG)
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    district = (await client.post("/api/v1/districts", json={"code": "110101", "name": "东城区"}, headers=admin)).json()
    office = (
        await client.post("/api/v1/street-offices", json={"district_id": district["id"], "name": "东湖"}, headers=admin)
    ).json()
    community = (
        await client.post("/api/v1/communities", json={"street_office_id": office["id"], "name": "望京"}, headers=admin)
    ).json()
    estate = await client.post(
        "/api/v1/estates",
        json={
            "community_id": community["id"],
            "name": "上京",
            "developer_name": "某某开发",
            "developer_credit_code": "91110000100012345L",
        },
        headers=admin,
    )
    estate_id = estate.json()["id"]
    imported = await client.post(
        f"/api/v1/estates/{estate_id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=admin,
    )
    assert imported.status_code == 201, imported.text

    owner = await _sign_in(client, caplog, PHONE)
    verified = await client.post(
        "/api/v1/me/verification", json={"id_number": IDS[0], "certificate_number": CERTIFICATE}, headers=owner
    )
    assert verified.status_code == 200, verified.text
    mismatch = await client.post(
        "/api/v1/me/verification", json={"id_number": IDS[1], "certificate_number": CERTIFICATE}, headers=owner
    )
    assert mismatch.status_code in (409, 422)

    other = await _sign_in(client, caplog, "13612345678")
    manual = await client.post(
        "/api/v1/me/verification/manual",
        data={"estate_id": estate_id, "id_number": IDS[2], "name": "张三", "document_type": "RESIDENT_ID_CARD"},
        files={"file": ("id.png", PNG, "image/png")},
        headers=other,
    )
    assert manual.status_code == 201, manual.text

    agent = await _sign_in(client, caplog, AGENT_PHONE)
    assert agent
    groups = (await client.get("/api/v1/me/groups", headers=owner)).json()
    group_key = groups["items"][0]["group_id"]
    proxy = await client.post(
        f"/api/v1/estates/{estate_id}/grants",
        json={
            "group_id": group_key,
            "kind": "PROXY",
            "grantee_phone": AGENT_PHONE,
            "evidence_type": "WRITTEN",
            "valid_from": "2030-01-01T00:00:00+08:00",
            "valid_until": "2030-02-01T00:00:00+08:00",
        },
        headers=owner,
    )
    # One answer whether or not the agent has an account or has verified (checked on approval); the phone number
    # went through the API either way.
    assert proxy.status_code == 201, proxy.text

    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).all():
            text = " ".join(
                value.hex() if isinstance(value, bytes) else str(value) for value in row if value is not None
            )
            for secret in SECRETS:
                assert secret not in text, f"{secret} stored in plain text in {table.name}"
                assert secret.encode().hex() not in text, f"{secret} stored as raw bytes in {table.name}"
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert logged  # the capture really saw the requests
    for secret in SECRETS:
        assert secret not in logged, f"{secret} appears in the logs"
