"""Verification binds an account to an owner of ONE estate (R-CAST-1); register changes end bindings and are visible.

The planted-row takeover: a committee of estate A imports a row with the ID number of an owner of estate B and an
invented certificate number, verifies an account with them, re-imports its genuine register to hide the row, and
tries to cast the victim's ballot in B. The cast is refused (the binding is A's only), the binding ends with the
re-import, and the street office reads the planted row in A's register difference.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.notice.models import Notice, NoticeKind
from app.realname.models import OwnerBinding
from app.vote.models import RollGroup
from tests.ballot.helpers import WANG, answers_for, group_of, owner_id
from tests.ballot.test_cast_api import NOW
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import make_vote, yes_no_topic
from tests.grant.test_grants_api import proxy_body

GENUINE_A = (
    "楼栋,房号,面积,面积来源,权属依据,不动产权证号,业主姓名,证件号码\n"
    "9,901,90.00,不动产登记,不动产登记,京(2020)海淀区不动产权第0000901号,钱九,110105198808080082\n"
)
PLANTED_ROW = "9,999,50.00,不动产登记,不动产登记,京(2099)伪造第0000001号,王一,110105198001010016\n"
PLANTED_CERTIFICATE = "京(2099)伪造第0000001号"


async def _import(client, estate_id, content: str, headers) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post(
        f"/api/v1/estates/{estate_id}/register/imports",
        files={"file": ("register.csv", content.encode(), "text/csv")},
        headers=headers,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_row_planted_in_another_estate_never_casts_the_victims_ballot(client, session, app):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    victim_estate = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    rogue = await make_places(session, app.state.cipher)
    await session.commit()
    rogue_committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=rogue.estate.id
    )
    await _import(client, rogue.estate.id, GENUINE_A + PLANTED_ROW, rogue_committee)

    attacker = await make_account(session, app.state.cipher)
    await session.commit()
    verified = await client.post(
        "/api/v1/me/verification",
        json={"id_number": WANG, "certificate_number": PLANTED_CERTIFICATE},
        headers=bearer(app, attacker),
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["estates"] == [str(rogue.estate.id)]  # bound where the row was planted, nowhere else

    victim = await owner_id(session, app, WANG)
    group = await group_of(session, victim_estate.vote.id, victim)
    ballot = {"group_id": group, "answers": answers_for(victim_estate)}
    refused = await client.post(
        f"/api/v1/votes/{victim_estate.vote.id}/ballots", json=ballot, headers=bearer(app, attacker)
    )
    assert (refused.status_code, refused.json()["reason"]) == (403, "not_linked")

    # The genuine register again: the planted row is gone, and so is the binding built on it.
    second = await _import(client, rogue.estate.id, GENUINE_A, rogue_committee)
    assert second["version"]["number"] == 2
    binding = await session.scalar(select(OwnerBinding).where(OwnerBinding.account_id == attacker.id))
    assert binding is not None
    assert binding.ended_at is not None
    assert binding.end_reason == "row_removed"
    await session.refresh(attacker)
    assert attacker.owner_id is None  # its only binding: no longer verified at all
    refused = await client.post(
        f"/api/v1/votes/{victim_estate.vote.id}/ballots", json=ballot, headers=bearer(app, attacker)
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "ballot.not_verified")
    ended = await session.scalar(select(AuditEntry).where(AuditEntry.kind == "identity.binding.ended"))
    assert ended is not None
    assert ended.estate_id == rogue.estate.id
    notice = await session.scalar(select(Notice).where(Notice.account_id == attacker.id))
    assert notice is not None
    assert notice.kind is NoticeKind.BINDING_ENDED
    mine = await client.get("/api/v1/me/notices", headers=bearer(app, attacker))
    assert [item["kind"] for item in mine.json()["items"]] == ["BINDING_ENDED"]

    # The street office reads what the committee did: the planted unit, with its owner masked.
    street_office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=rogue.street_office.id
    )
    diff = await client.get(
        f"/api/v1/estates/{rogue.estate.id}/register/diff", params={"from": 1, "to": 2}, headers=street_office
    )
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert (body["added"], body["removed"], body["changed"]) == (0, 1, 0)
    (unit,) = body["units"]
    assert (unit["unit_key"], unit["change"]) == ("9-999", "REMOVED")
    assert unit["owners_before"] == [{"name": "王*", "kind": "PERSON", "identifier": "*" * 14 + "0016"}]
    assert WANG not in diff.text
    versions = await client.get(f"/api/v1/estates/{rogue.estate.id}/register/versions", headers=street_office)
    assert {item["imported_by"] for item in versions.json()["items"]} == {"apikey:test-committee"}

    # The real owner, bound in their own estate, still votes.
    owner = await make_account(session, app.state.cipher, owner_id=victim)
    await session.commit()
    cast = await client.post(f"/api/v1/votes/{victim_estate.vote.id}/ballots", json=ballot, headers=bearer(app, owner))
    assert cast.status_code == 201, cast.text


async def test_the_same_person_verifies_in_a_second_estate_with_that_estates_certificate(client, session, app):
    app.state.clock = lambda: NOW
    first = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    second = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    account = await make_account(session, app.state.cipher)
    await session.commit()
    certificate = "京(2019)朝阳区不动产权第0000101号"
    response = await client.post(
        "/api/v1/me/verification",
        json={"id_number": WANG, "certificate_number": certificate, "estate_id": str(first.places.estate.id)},
        headers=bearer(app, account),
    )
    assert response.json()["estates"] == [str(first.places.estate.id)]
    response = await client.post(
        "/api/v1/me/verification",
        json={"id_number": WANG, "certificate_number": certificate, "estate_id": str(second.places.estate.id)},
        headers=bearer(app, account),
    )
    assert sorted(response.json()["estates"]) == sorted([str(first.places.estate.id), str(second.places.estate.id)])


async def test_a_new_version_during_a_vote_keeps_its_roll_and_is_flagged_to_the_street_office(
    client, session, app, repo_root
):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    roll_before = sorted(
        (row.group_id, tuple(row.owner_ids), row.area) for row in await session.scalars(
            select(RollGroup).where(RollGroup.vote_id == fixture.vote.id)
        )
    )  # fmt: skip
    committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=fixture.places.estate.id
    )
    content = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
    changed = content.replace("1,1,102,80.00", "1,1,102,85.00")
    assert changed != content
    await _import(client, fixture.places.estate.id, changed, committee)
    roll_after = sorted(
        (row.group_id, tuple(row.owner_ids), row.area) for row in await session.scalars(
            select(RollGroup).where(RollGroup.vote_id == fixture.vote.id).execution_options(populate_existing=True)
        )
    )  # fmt: skip
    assert roll_after == roll_before  # R-ROLL-3: the frozen roll never follows the register
    street_office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=fixture.places.street_office.id
    )
    notices = await client.get(f"/api/v1/estates/{fixture.places.estate.id}/notices", headers=street_office)
    flagged = [item for item in notices.json()["items"] if item["kind"] == "REGISTER_CHANGE"]
    assert len(flagged) == 1
    assert flagged[0]["vote_id"] == str(fixture.vote.id)
    diff = await client.get(f"/api/v1/estates/{fixture.places.estate.id}/register/diff", headers=street_office)
    assert (diff.json()["from_version"]["number"], diff.json()["to_version"]["number"]) == (1, 2)  # the latest change
    assert [(unit["unit_key"], unit["fields"]) for unit in diff.json()["units"]] == [("1-1-102", ["area"])]


async def test_a_row_planted_in_another_estate_reads_nothing_of_the_victims_estate(client, session, app):
    """The read side as the cast: an owner identity counts only in the estate whose register proved it (R-CAST-1).
    The planter's account, bound to the victim's owner identity in its own estate only, gets 404 on every read of
    the victim's estate that an owner of it may make, while the real owner, bound there, reads them all."""
    app.state.clock = lambda: NOW + timedelta(hours=1)
    victim_estate = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    vote_id, estate_id = victim_estate.vote.id, victim_estate.places.estate.id
    rogue = await make_places(session, app.state.cipher)
    await session.commit()
    rogue_committee = await make_api_key(
        session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=rogue.estate.id
    )
    await _import(client, rogue.estate.id, GENUINE_A + PLANTED_ROW, rogue_committee)
    attacker = await make_account(session, app.state.cipher)
    victim = await owner_id(session, app, WANG)
    owner = await make_account(session, app.state.cipher, owner_id=victim)
    await session.commit()
    verified = await client.post(
        "/api/v1/me/verification",
        json={"id_number": WANG, "certificate_number": PLANTED_CERTIFICATE},
        headers=bearer(app, attacker),
    )
    assert verified.json()["estates"] == [str(rogue.estate.id)]
    group = await group_of(session, vote_id, victim)
    ballot = {"group_id": group, "answers": answers_for(victim_estate)}
    cast = await client.post(f"/api/v1/votes/{vote_id}/ballots", json=ballot, headers=bearer(app, owner))
    assert cast.status_code == 201, cast.text

    routes = [
        f"/api/v1/votes/{vote_id}",
        f"/api/v1/votes/{vote_id}/turnout",
        f"/api/v1/votes/{vote_id}/supervision",
        f"/api/v1/votes/{vote_id}/my-ballot",
        f"/api/v1/estates/{estate_id}/petitions",
        f"/api/v1/estates/{estate_id}/archive",
    ]
    for route in routes:
        real = await client.get(route, headers=bearer(app, owner))
        assert real.status_code == 200, (route, real.text)
        planted = await client.get(route, headers=bearer(app, attacker))
        assert planted.status_code == 404, (route, planted.text)
    mine = await client.get(f"/api/v1/votes/{vote_id}/my-ballot", headers=bearer(app, owner))
    assert mine.json()["groups"][0]["ballots"]  # what the planter must not read during the open vote

    groups = await client.get("/api/v1/me/groups", headers=bearer(app, attacker))
    assert str(estate_id) not in groups.text
    owner_groups = (await client.get("/api/v1/me/groups", headers=bearer(app, owner))).json()["items"]
    (own_group,) = [item for item in owner_groups if item["estate_id"] == str(estate_id)]

    # A grant of the victim's group is no grant of the planter's: not listed, not signed, not revoked.
    requested = await client.post(
        f"/api/v1/estates/{estate_id}/grants",
        json=proxy_body(own_group["group_id"], grantee_phone="13911112222"),
        headers=bearer(app, owner),
    )
    assert requested.status_code == 201, requested.text
    grant_id = requested.json()["id"]
    mine = await client.get("/api/v1/me/grants", headers=bearer(app, owner))
    assert [(item["id"], item["relations"]) for item in mine.json()["items"]] == [(grant_id, ["REQUESTER", "OWNER"])]
    assert (await client.get("/api/v1/me/grants", headers=bearer(app, attacker))).json()["items"] == []
    revoked = await client.post(f"/api/v1/estates/{estate_id}/grants/{grant_id}/revoke", headers=bearer(app, attacker))
    assert revoked.status_code == 404, revoked.text
    notices = await client.get("/api/v1/me/notices", headers=bearer(app, attacker))
    assert str(estate_id) not in notices.text
