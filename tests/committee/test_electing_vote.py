"""R-COMM-6 through the API: a 业委会 term linked to the evote vote that elected it (``elected_by_vote_id``)."""

from __future__ import annotations

from datetime import timedelta

from app.common.access import Role
from app.rules.lifecycle import VoteStatus
from tests.factories import make_api_key
from tests.factories_vote import election_topic, make_vote, yes_no_topic
from tests.vote.helpers import PUBLISHED_AT


def _term(**overrides: object) -> dict[str, object]:
    return {
        "kind": "OWNERS_COMMITTEE", "seats": 5, "alternate_seats": 2,
        "term_starts_on": "2025-04-01", "term_ends_on": "2030-03-31",
    } | overrides  # fmt: skip


async def test_a_committee_names_the_full_election_that_elected_it(client, session, app):
    app.state.clock = lambda: PUBLISHED_AT + timedelta(days=40)
    fixture = await make_vote(
        session, app.state.cipher, now=PUBLISHED_AT, topics=[election_topic()], status=VoteStatus.RESULT_PUBLISHED
    )
    open_vote = await make_vote(
        session, app.state.cipher, now=PUBLISHED_AT, topics=[election_topic()], places=fixture.places
    )
    other = await make_vote(session, app.state.cipher, now=PUBLISHED_AT, topics=[yes_no_topic()])
    organiser = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    await session.commit()
    url = f"/api/v1/estates/{fixture.places.estate.id}/committees"

    for vote_id, overrides in (
        (fixture.vote.id, {"seats": 3, "alternate_seats": 0}),  # not the seats the election filled
        (open_vote.vote.id, {}),  # no published result yet
        (other.vote.id, {}),  # another estate's vote
    ):
        refused = await client.post(url, json=_term(elected_by_vote_id=str(vote_id), **overrides), headers=organiser)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "committee.electing_vote_invalid"

    linked = await client.post(url, json=_term(elected_by_vote_id=str(fixture.vote.id)), headers=organiser)
    assert linked.status_code == 201, linked.text
    assert linked.json()["elected_by_vote_id"] == str(fixture.vote.id)
    again = await client.post(
        url,
        json=_term(elected_by_vote_id=str(fixture.vote.id), term_starts_on="2031-01-01", term_ends_on="2035-12-31"),
        headers=organiser,
    )
    assert again.json()["code"] == "committee.electing_vote_invalid"  # one term per electing vote
