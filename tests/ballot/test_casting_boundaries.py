"""Fixes from review: no late paper ballots, no peeking before the close, proxies only for the topics they cover,
and sellers no longer vote once every unit of their group changed hands (R-LIFE-7/8, R-TALLY-9, R-CAST-4, R-ROLL-5)."""

from __future__ import annotations

from datetime import timedelta

from app.common.access import Role
from app.grant.models import ActingGrant, ActingKind, GrantStatus
from app.identity.service import OPERATOR
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.vote.models import VotingMethod
from tests.ballot.helpers import LI, WANG, ZHANG, answers_for, group_of, owner_id
from tests.ballot.test_cast_api import NOW
from tests.factories import bearer, bind_in_listed_estates, make_account, make_api_key, make_places
from tests.factories_vote import make_vote, yes_no_topic


async def test_after_the_end_no_paper_ballot_and_no_per_unit_view_until_the_close_has_run(client, session, app):
    app.state.clock = lambda: NOW + timedelta(days=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    fixture.vote.voting_method = VotingMethod.MIXED
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    await session.commit()
    committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    group = await group_of(session, fixture.vote.id, wang.owner_id)
    cast = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert cast.status_code == 201
    app.state.clock = lambda: fixture.vote.ends_at + timedelta(minutes=1)  # ended; the close has not run yet
    peek = await client.get(f"/api/v1/votes/{fixture.vote.id}/ballots", headers=committee)
    assert (peek.status_code, peek.json()["code"]) == (409, "result.ballots_sealed")
    late = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/paper-receptions",
        json={"group_id": group, "form": "SHEET", "scan_sha256": "ab" * 32},
        headers=committee,
    )
    assert (late.status_code, late.json()["code"]) == (409, "ballot.paper_reception_outside_window")


async def test_a_proxy_scoped_to_one_topic_cannot_cast_a_ballot_on_every_topic(client, session, app):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic("甲"), yes_no_topic("乙")])
    li = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LI))
    zhang_id = await owner_id(session, app, ZHANG)
    agent = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    key = next(g.key for g in fixture.roll.groups if g.owner_keys == {str(li.owner_id), str(zhang_id)})
    session.add(
        ActingGrant(
            estate_id=fixture.places.estate.id, group_key=key, kind=ActingKind.PROXY, grantee_account_id=agent.id,
            requested_by_account_id=li.id, status=GrantStatus.APPROVED, evidence_type="WRITTEN",
            signed_by_owner_ids=[str(li.owner_id), str(zhang_id)],
            scope={"topic_ids": [str(fixture.topics[0].id)]}, decided_by="tests", decided_at=NOW,
        )
    )  # fmt: skip
    await session.commit()
    group = await group_of(session, fixture.vote.id, li.owner_id, zhang_id)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, agent),
    )
    assert (response.status_code, response.json()["code"]) == (403, "cast.not_entitled")
    assert response.json()["reason"] == "scope_excludes_vote"


async def test_after_a_full_transfer_the_seller_no_longer_votes_for_the_group(client, session, app, repo_root):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    seller = await owner_id(session, app, WANG)
    wang = await make_account(session, app.state.cipher, owner_id=seller)
    other_estate = await make_places(session, app.state.cipher)
    await import_register(
        session, other_estate.estate.id, (repo_root / "samples/register-sample.csv").read_bytes(),
        register_format=RegisterFormat.CSV, source_name="v1.csv", imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    await bind_in_listed_estates(session, wang, seller)  # still an owner in another estate: still verified
    content = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
    sold = content.replace("王一,110105198001010016", "赵五,110105199001010010").encode()
    await import_register(
        session, fixture.places.estate.id, sold,
        register_format=RegisterFormat.CSV, source_name="v2.csv", imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    await session.commit()
    group = await group_of(session, fixture.vote.id, seller)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": group, "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert (response.status_code, response.json()["reason"]) == (403, "title_transferred")


async def test_a_seller_with_no_other_unit_is_no_longer_verified(client, session, app, repo_root):
    """The new version no longer lists the row the seller's binding relied on: the binding ends, and with it the
    account's verification (it was its only estate); the group is not theirs to vote for either way."""
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    seller = await owner_id(session, app, WANG)
    wang = await make_account(session, app.state.cipher, owner_id=seller)
    content = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
    sold = content.replace("王一,110105198001010016", "赵五,110105199001010010").encode()
    await import_register(
        session, fixture.places.estate.id, sold,
        register_format=RegisterFormat.CSV, source_name="v2.csv", imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    await session.commit()
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": await group_of(session, fixture.vote.id, seller), "answers": answers_for(fixture)},
        headers=bearer(app, wang),
    )
    assert (response.status_code, response.json()["code"]) == (403, "ballot.not_verified")


async def test_the_buyer_of_undelivered_units_does_not_take_over_the_developer_group(client, session, app, repo_root):
    """R-HEAD-4 with R-ROLL-5: a new register version in which every developer-held unit is sold to one buyer but
    none is delivered transfers nothing; the buyer is still not a voter for the developer's group."""
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    content = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
    sold = content.replace(
        "2,2,201,110.00,实测,否,未售,否,建设单位,,,,",
        "2,2,201,110.00,实测,否,已售,否,建设单位,,孙七,110105198607070072,个人",
    )
    assert sold != content
    await import_register(
        session, fixture.places.estate.id, sold.encode(),
        register_format=RegisterFormat.CSV, source_name="v2.csv", imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip
    buyer = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, "110105198607070072"))
    await session.commit()
    developer_group = await group_of(session, fixture.vote.id, fixture.places.estate.developer_owner_id)
    response = await client.post(
        f"/api/v1/votes/{fixture.vote.id}/ballots",
        json={"group_id": developer_group, "answers": answers_for(fixture)},
        headers=bearer(app, buyer),
    )
    assert response.status_code == 403, response.text
