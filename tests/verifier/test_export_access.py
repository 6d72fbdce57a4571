"""Who may export a bundle and have the signed result (issue #6 items 6-7); each export is logged."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.ledger.events import EventKind
from tests.factories import make_api_key, make_places
from tests.verifier.helpers import run_vote


async def test_export_roles_and_the_export_log(backend, client, session, app, repo_root):
    run = await run_vote(client, session, app, repo_root)
    estate = uuid.UUID(run.estate_id)
    auditor = await make_api_key(session, app.state.token_hasher, role=Role.AUDITOR, estate_id=estate)
    other = await make_places(session, app.state.cipher)
    await session.commit()
    outsider = await make_api_key(session, app.state.token_hasher, role=Role.AUDITOR, estate_id=other.estate.id)

    exported = await client.get(f"/api/v1/votes/{run.vote_id}/export", headers=auditor)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-disposition"] == f'attachment; filename="evote-{run.vote_id}.zip"'
    assert (await client.get(f"/api/v1/votes/{run.vote_id}/export", headers=outsider)).status_code == 404
    owner = await client.get(f"/api/v1/votes/{run.vote_id}/export", headers=run.owner)
    assert owner.status_code == 404  # an owner has no role on the estate
    missing = await client.get(f"/api/v1/votes/{uuid.uuid4()}/export", headers=auditor)
    assert missing.status_code == 404

    logged = (
        await session.scalars(
            select(AuditEntry).where(
                AuditEntry.vote_id == uuid.UUID(run.vote_id), AuditEntry.kind == EventKind.VOTE_EXPORTED
            )
        )
    ).all()
    assert [entry.payload["bundle_sha256"] for entry in logged] == [exported.headers["x-bundle-sha256"]]
    assert logged[0].payload["roles"] == ["AUDITOR"]

    # The signed result: whoever may read the result (an owner in the roll, the auditor), nobody else.
    assert (await client.get(f"/api/v1/votes/{run.vote_id}/signed-result", headers=auditor)).status_code == 200
    assert (await client.get(f"/api/v1/votes/{run.vote_id}/signed-result", headers=outsider)).status_code == 404


async def test_observer_may_not_export(backend, client, session, app, repo_root):
    run = await run_vote(client, session, app, repo_root)
    from app.place.models import Estate

    estate = await session.get(Estate, uuid.UUID(run.estate_id))
    observer = await make_api_key(session, app.state.token_hasher, role=Role.OBSERVER, community_id=estate.community_id)
    response = await client.get(f"/api/v1/votes/{run.vote_id}/export", headers=observer)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.forbidden"
