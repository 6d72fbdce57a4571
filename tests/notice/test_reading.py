"""Reading notices: staff with a role on the estate (observers included, R-SUP-2) and owners (their estates only)."""

from __future__ import annotations

from datetime import timedelta

from app.common.access import Role, Scope
from app.identity.service import OPERATOR
from app.notice.models import NoticeKind
from app.realname.models import OwnerBinding, VerificationMethod
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from tests.ballot.helpers import WANG, owner_id
from tests.factories import bearer, make_account, make_api_key
from tests.factories_vote import make_vote
from tests.notice.helpers import HEADER, NOW, estate_with_single_owner, notice_for, resident_id
from tests.vote.helpers import problem_code

OTHER = resident_id("11010519900101001")  # owns a unit in another estate only
LATER = resident_id("11010519910202002")


async def _register(session, app, estate_id, id_number: str) -> None:  # type: ignore[no-untyped-def]
    row = f"9,1,901,90.00,不动产登记,否,已售,是,不动产登记,京(2022)朝阳区不动产权第0009901号,郑十,{id_number},个人\n"
    await import_register(
        session, estate_id, (HEADER + row).encode(), register_format=RegisterFormat.CSV,
        source_name="v.csv", imported_by=OPERATOR, cipher=app.state.cipher,
    )  # fmt: skip


async def test_staff_read_every_notice_of_their_estate_newest_first(client, session, app):
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    places = fixture.places
    first = await notice_for(session, places, now=NOW)
    second = await notice_for(session, places, now=NOW + timedelta(hours=1), kind=NoticeKind.ERRATUM)
    reminder = await notice_for(
        session, places, now=NOW + timedelta(hours=2), kind=NoticeKind.REMINDER, audience="ORGANISERS"
    )
    other = await estate_with_single_owner(session, app.state.cipher, OTHER)
    await notice_for(session, other, now=NOW)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    observer = await make_api_key(session, app.state.token_hasher, role=Role.OBSERVER, community_id=places.community.id)
    elsewhere = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=other.estate.id)

    url = f"/api/v1/estates/{places.estate.id}/notices"
    page = await client.get(url, headers=committee)
    assert page.status_code == 200, page.text
    assert [item["id"] for item in page.json()["items"]] == [str(reminder.id), str(second.id), str(first.id)]
    assert page.json()["items"][0]["audience"] == "ORGANISERS"
    assert page.json()["items"][2]["reported_to"] == ["RESIDENTS_COMMITTEE", "STREET_OFFICE"]

    observed = await client.get(url, headers=observer)  # the residents' committee reads them (R-SUP-2)
    assert observed.status_code == 200
    assert len(observed.json()["items"]) == 3

    hidden = await client.get(url, headers=elsewhere)
    assert hidden.status_code == 404
    assert problem_code(hidden) == "not_found"

    one = await client.get(url, params={"limit": 2}, headers=committee)
    assert [item["id"] for item in one.json()["items"]] == [str(reminder.id), str(second.id)]
    rest = await client.get(url, params={"limit": 2, "cursor": one.json()["next_cursor"]}, headers=committee)
    assert [item["id"] for item in rest.json()["items"]] == [str(first.id)]
    assert rest.json()["next_cursor"] is None
    bad = await client.get(url, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=committee)
    assert bad.status_code == 400
    assert problem_code(bad) == "pagination.invalid_cursor"


async def test_an_owner_sees_the_owners_notices_of_their_estates_and_no_others(client, session, app):
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    ours = await notice_for(session, fixture.places, now=NOW)
    await notice_for(session, fixture.places, now=NOW, kind=NoticeKind.REMINDER, audience="ORGANISERS")
    other = await estate_with_single_owner(session, app.state.cipher, OTHER)
    theirs = await notice_for(session, other, now=NOW)
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    stranger = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, OTHER))
    unverified = await make_account(session, app.state.cipher)
    staff = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.COMMITTEE, estate_id=fixture.places.estate.id),)
    )
    await session.commit()

    mine = await client.get("/api/v1/me/notices", headers=bearer(app, wang))
    assert mine.status_code == 200, mine.text
    assert [item["id"] for item in mine.json()["items"]] == [str(ours.id)]  # no organisers' reminder

    assert [
        i["id"] for i in (await client.get("/api/v1/me/notices", headers=bearer(app, stranger))).json()["items"]
    ] == [str(theirs.id)]
    assert (await client.get("/api/v1/me/notices", headers=bearer(app, unverified))).json()["items"] == []
    assert (await client.get("/api/v1/me/notices", headers=bearer(app, staff))).json()["items"] == []
    assert (await client.get("/api/v1/me/notices")).status_code == 401


async def test_owners_follow_the_latest_register_or_a_vote_roll(client, session, app):
    # Estate A: WANG is in the vote's roll; a newer register version no longer lists him.
    fixture = await make_vote(session, app.state.cipher, now=NOW)
    await _register(session, app, fixture.places.estate.id, LATER)
    ours = await notice_for(session, fixture.places, now=NOW)
    # Estate B: OTHER owned a unit only in an older register version, with no vote taken from it.
    other = await estate_with_single_owner(session, app.state.cipher, OTHER)
    await _register(session, app, other.estate.id, LATER)
    theirs = await notice_for(session, other, now=NOW + timedelta(minutes=1))
    wang = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    former = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, OTHER))
    newcomer = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, LATER))
    await session.commit()

    def ids(response):  # type: ignore[no-untyped-def]
        return [item["id"] for item in response.json()["items"]]

    # In A's roll, but not bound in A: the register version that dropped him ended any binding there (R-CAST-1).
    assert ids(await client.get("/api/v1/me/notices", headers=bearer(app, wang))) == []
    # Bound in A (a binding that still stands), the vote roll alone gives him A's notices.
    session.add(
        OwnerBinding(
            account_id=wang.id, estate_id=fixture.places.estate.id, owner_id=wang.owner_id,
            register_version_id=fixture.vote.register_version_id, method=VerificationMethod.MANUAL_REVIEW,
            created_at=NOW,
        )
    )  # fmt: skip
    await session.commit()
    assert ids(await client.get("/api/v1/me/notices", headers=bearer(app, wang))) == [str(ours.id)]  # by the roll
    assert ids(await client.get("/api/v1/me/notices", headers=bearer(app, former))) == []
    assert ids(await client.get("/api/v1/me/notices", headers=bearer(app, newcomer))) == [str(theirs.id), str(ours.id)]
