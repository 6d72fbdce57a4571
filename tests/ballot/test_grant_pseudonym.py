"""A ballot cast under a grant names it in the public ``ballot.cast`` entry only by a per-vote keyed pseudonym.

A permanent grant id in the public log would link a proxy's ballots across votes; the entry carries
``grant = grant_pseudonym(key, vote, grant)`` instead, the ballot row keeps the grant id, and ``evote audit check``
(which holds the key) recomputes the value; the offline verifier checks that it is there exactly for a grant basis.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.ballot.models import Ballot, Channel
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.integrity.check import ballot_hash, ballot_problems
from app.ledger.disclosure import Disclosure, disclosure
from app.ledger.events import EventKind
from app.ledger.pseudonyms import grant_pseudonym
from app.verifier.checks import _grant_fits
from app.vote.models import RollGroup
from tests.ballot.helpers import LI, WANG, ZHANG, answers_for, group_of, owner_id
from tests.ballot.test_cast_api import NOW
from tests.factories import bearer, make_account
from tests.factories_vote import make_vote, yes_no_topic


async def test_a_proxy_ballot_logs_the_grant_under_a_per_vote_pseudonym(client, session, app):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic("甲"), yes_no_topic("乙")])
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    zhang_id = await owner_id(session, app, ZHANG)
    agent = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    key = next(g.key for g in fixture.roll.groups if g.owner_keys == {str(li.owner_id), str(zhang_id)})
    grant = ActingGrant(
        estate_id=fixture.places.estate.id, group_key=key, kind=ActingKind.PROXY, grantee_account_id=agent.id,
        requested_by_account_id=li.id, status=GrantStatus.APPROVED, evidence_type="WRITTEN",
        signed_by_owner_ids=[str(li.owner_id), str(zhang_id)],
        scope={"topic_ids": [str(topic.id) for topic in fixture.topics]}, decided_by="tests", decided_at=NOW,
    )  # fmt: skip
    session.add(grant)
    await session.commit()
    grant_id = grant.id
    group = await group_of(session, fixture.vote.id, li.owner_id, zhang_id)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, agent),
    )
    assert response.status_code == 201, response.text
    session.expire_all()
    ballot = await session.get(Ballot, uuid.UUID(response.json()["ballot_id"]))
    assert (ballot.basis, ballot.grant_id) == ("PROXY", grant_id)  # the database keeps the grant itself
    entry = await session.get(AuditEntry, ballot.audit_entry_id)
    key_bytes = app.state.settings.key("pseudonym_key")
    assert "grant_id" not in entry.payload
    assert entry.payload["grant"] == grant_pseudonym(key_bytes, ballot.vote_id, grant_id)
    assert str(grant_id) not in str(entry.payload)
    assert entry.payload["grant"] != grant_pseudonym(key_bytes, uuid.uuid4(), grant_id)  # another vote: unlinked
    assert _grant_fits(entry.payload["grant"], ballot.basis)

    pseudonym = entry.payload["group"]
    assert ballot_problems(ballot, entry, pseudonym, pseudonym_key=key_bytes) == []
    ballot.grant_id = uuid.uuid4()  # another grant behind the log's back
    problems = ballot_problems(ballot, entry, pseudonym, pseudonym_key=key_bytes)
    assert problems, problems
    assert "grant" in problems[0], problems
    ballot.grant_id = grant_id
    assert ballot_problems(ballot, entry, pseudonym, pseudonym_key=b"k" * 32), "another key gives another value"


async def test_an_entry_logged_before_grant_pseudonyms_is_still_checked_by_its_grant_id(session, app):
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    grant_id = uuid.uuid4()
    ballot = Ballot(
        id=uuid.uuid4(), vote_id=fixture.vote.id, group_id="g" * 32, answers={}, basis="PROXY", grant_id=grant_id,
        content_hash="", nonce=None, cast_at=NOW, channel=Channel.ONLINE,
    )  # fmt: skip
    digest = ballot_hash(ballot, NOW.isoformat(), "g" * 32)
    ballot.content_hash = digest
    payload = {
        "ballot_id": str(ballot.id), "group_id": "g" * 32, "content_hash": digest, "basis": "PROXY",
        "channel": "ONLINE", "cast_at": NOW.isoformat(), "grant_id": str(grant_id),
    }  # fmt: skip
    entry = AuditEntry(id=uuid.uuid4(), kind=EventKind.BALLOT_CAST, payload=payload)
    assert ballot_problems(ballot, entry, None, pseudonym_key=b"k" * 32) == []
    ballot.grant_id = uuid.uuid4()
    assert ballot_problems(ballot, entry, None, pseudonym_key=b"k" * 32)


@pytest.mark.parametrize(
    ("grant", "basis", "fits"),
    [
        ("", "OWNER", True),
        ("", "CO_OWNER", True),
        ("", "PAPER_ENTRY", True),
        ("", "TRANSFEREE", True),
        ("a" * 32, "PROXY", True),
        ("a" * 32, "LEGAL_REPRESENTATIVE", True),
        ("", "PROXY", False),
        ("a" * 32, "OWNER", False),
        (str(uuid.UUID(int=7)), "PROXY", False),  # a raw grant id is not a pseudonym
        (None, "OWNER", False),
    ],
)
def test_the_verifier_checks_a_grant_pseudonym_fits_the_basis(grant, basis, fits):
    assert _grant_fits(grant, basis) is fits


async def test_in_a_vote_frozen_before_pseudonyms_the_ballot_entry_is_not_public(client, session, app):
    """A roll frozen before pseudonyms kept its unkeyed group ids as pseudonyms: a ballot cast in it afterwards names
    the group as ``group_id`` and the public log serves the entry as its leaf hash only."""
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic("甲")])
    await session.execute(
        sa.update(RollGroup).where(RollGroup.vote_id == fixture.vote.id).values(pseudonym=RollGroup.group_id)
    )
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert response.status_code == 201, response.text
    session.expire_all()
    ballot = await session.get(Ballot, uuid.UUID(response.json()["ballot_id"]))
    entry = await session.get(AuditEntry, ballot.audit_entry_id)
    assert "group" not in entry.payload
    assert entry.payload["group_id"] == group
    assert disclosure(entry.kind, entry.payload) is Disclosure.RESTRICTED
