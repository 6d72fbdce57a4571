"""Regressions for what the API fuzzing found (issue #9 item 4); each was a 500 before its fix."""

from __future__ import annotations

import pytest

from app.db.base import utcnow
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.factories import bearer, make_account
from tests.factories_vote import make_vote

NOW = utcnow().replace(microsecond=0)


@pytest.mark.parametrize("answer", [0.5, 1e300, 2**53, -(2**60), {"c1": 1.5}, ["AGREE", 2.0]])
async def test_an_answer_that_cannot_be_hashed_canonically_is_a_422_not_a_500(client, session, app, answer):
    """schemathesis cast ``{"answers": {"<topic>": 0.5}}``: the canonical hash refused the float with a 500."""
    app.state.clock = lambda: NOW
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    wang = await owner_id(session, app, WANG)
    owner = await make_account(session, app.state.cipher, owner_id=wang)
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang)
    answers = answers_for(fixture) | {str(fixture.topics[0].id): answer}
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers},
        headers=bearer(app, owner),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.invalid"
    assert response.json()["errors"][0]["pointer"] == "/answers"
    valid = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, owner),
    )
    assert valid.status_code == 201, valid.text  # the refusal wrote nothing that blocks the real ballot
