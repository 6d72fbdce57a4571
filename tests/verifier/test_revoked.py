"""A decision revoked by the street office shows as revoked in the offline verifier too (issue #7, R-SUP-1)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from app.audit.integrator import integrate_and_sign
from app.common.access import Role
from app.place.models import Community, Estate
from app.verifier.checks import verify_bundle
from tests.factories import make_api_key
from tests.verifier.helpers import ENDS, export_bundle, run_vote


async def test_a_revoked_decision_is_reported_as_revoked_and_still_verifies(client, session, app, repo_root, trust):
    run = await run_vote(client, session, app, repo_root)
    estate = await session.get(Estate, uuid.UUID(run.estate_id))
    community = await session.get(Community, estate.community_id)
    street_office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=community.street_office_id
    )
    app.state.clock = lambda: ENDS + timedelta(days=2)
    revoked = await client.post(
        f"/api/v1/votes/{run.vote_id}/revoke",
        json={"reason": "未依法公示表决结果", "document_ref": "朝东街发〔2025〕12号"},
        headers=street_office,
    )
    assert revoked.status_code == 200, revoked.text
    # The inspection download of the decision (R-REC-5) shows it as revoked too.
    download = await client.get(f"/api/v1/estates/{run.estate_id}/archive/results/{run.vote_id}", headers=street_office)
    assert download.status_code == 200, download.text
    assert "REVOKED_BY_STREET_OFFICE" in download.text
    async with app.state.sessionmaker() as integration, integration.begin():
        await integrate_and_sign(integration, app.state.clock(), keys=app.state.log_keys)
    bundle = await export_bundle(client, run)
    report = verify_bundle(bundle, trust=trust, progress=None)
    lines = "\n".join(report.lines())
    assert report.ok, lines
    assert "REVOKED_BY_STREET_OFFICE" in lines
    assert "朝东街发〔2025〕12号" in lines
