from datetime import timedelta
from sqlalchemy import select
from app.ballot.models import Ballot, BallotStatus
from tests.ballot.helpers import answers_for
from tests.ballot.test_cast_api import NOW
from tests.ballot.test_paper_ballots import _setup, SCAN
from tests.factories import bearer


async def test_paper_after_end_after_viewing(client, session, app):
    fixture, wang, committee, group = await _setup(session, app)
    online = await client.post(f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)}, headers=bearer(app, wang))
    assert online.status_code == 201
    end = fixture.vote.ends_at
    app.state.clock = lambda: end + timedelta(hours=1)
    seen = await client.get(f"/api/v1/votes/{fixture.vote.id}/ballots", headers=committee)
    print("VIEW", seen.status_code, seen.text[:300])
    paper = await client.post(f"/api/v1/votes/{fixture.vote.id}/paper-ballots",
        json={"group_id": group, "answers": {str(fixture.topics[0].id): "OPPOSE"},
              "received_at": (NOW + timedelta(days=1)).isoformat(), "scan_sha256": SCAN}, headers=committee)
    print("PAPER", paper.status_code, paper.text[:300])
    close = await client.post(f"/api/v1/votes/{fixture.vote.id}/close", headers=committee)
    print("CLOSE", close.status_code, close.text[:600])
    assert paper.status_code == 201
