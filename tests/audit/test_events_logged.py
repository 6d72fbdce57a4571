"""Issue #6 item 2: register versions and identity events (verifications, grants, roles) are audit-log entries."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from tests.factories import make_api_key, make_places


async def test_a_register_import_and_a_role_grant_are_logged_without_identifiers(client, session, app, repo_root):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=admin,
    )
    assert imported.status_code == 201
    granted = await client.post(
        "/api/v1/staff",
        json={
            "phone": "13811112222",
            "display_name": "业委会主任",
            "role": "COMMITTEE",
            "estate_id": str(places.estate.id),
        },
        headers=admin,
    )
    assert granted.status_code == 201, granted.text
    entries = (await session.scalars(select(AuditEntry).where(AuditEntry.estate_id == places.estate.id))).all()
    kinds = {entry.kind for entry in entries}
    assert "register.version" in kinds
    assert "identity.role.granted" in kinds
    version = next(entry for entry in entries if entry.kind == "register.version")
    assert version.payload["content_hash"] == imported.json()["version"]["content_hash"]
    assert (version.payload["heads"], version.payload["area"]) == (8, 90000)
    text = str([entry.payload for entry in entries])
    for secret in ("110105198001010016", "13811112222", "王一", "业委会主任"):
        assert secret not in text
