"""A decision revoked by the street office shows as revoked in the offline verifier too (issue #7, R-SUP-1)."""

from __future__ import annotations

from app.audit.integrator import integrate_and_sign
from app.verifier.checks import verify_bundle
from tests.verifier.helpers import export_bundle, revoke_as_street_office, run_vote


async def test_a_revoked_decision_is_reported_as_revoked_and_still_verifies(client, session, app, repo_root, trust):
    run = await run_vote(client, session, app, repo_root)
    street_office = await revoke_as_street_office(client, session, app, run)
    # The inspection download of the decision (R-REC-5) shows the election revoked and the other decisions standing.
    download = await client.get(f"/api/v1/estates/{run.estate_id}/archive/results/{run.vote_id}", headers=street_office)
    assert download.status_code == 200, download.text
    statuses = {topic["topic_id"]: topic["decision_status"] for topic in download.json()["result"]["topics"]}
    assert statuses[run.topic_ids[3]] == "REVOKED_BY_STREET_OFFICE"
    assert statuses[run.topic_ids[0]] == "IN_FORCE"
    assert download.json()["result"]["decision_status"] == "PARTLY_REVOKED"
    async with app.state.sessionmaker() as integration, integration.begin():
        await integrate_and_sign(integration, app.state.clock(), keys=app.state.log_keys)
    bundle = await export_bundle(client, run)
    report = verify_bundle(bundle, trust=trust, progress=None)
    lines = "\n".join(report.lines())
    assert report.ok, lines
    assert "REVOKED_BY_STREET_OFFICE" in lines
    assert "朝东街发〔2025〕12号" in lines
