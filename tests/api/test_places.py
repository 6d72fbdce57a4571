"""Places: operators and street offices create and list districts, street offices, communities, estates."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.access import Role, Scope
from app.identity.models import RoleGrant
from app.ledger.events import EventKind
from app.place.districts import BEIJING_DISTRICTS
from app.place.models import StreetOffice
from tests.factories import bearer, make_account, make_api_key, make_places


async def test_operator_creates_the_place_hierarchy(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    district = await client.post("/api/v1/districts", json={"code": "110105", "name": "朝阳区"}, headers=admin)
    assert district.status_code == 201, district.text
    office = await client.post(
        "/api/v1/street-offices", json={"district_id": district.json()["id"], "name": "东湖街道"}, headers=admin
    )
    assert office.status_code == 201
    community = await client.post(
        "/api/v1/communities", json={"street_office_id": office.json()["id"], "name": "望京西园社区"}, headers=admin
    )
    assert community.status_code == 201
    estate = await client.post(
        "/api/v1/estates",
        json={
            "community_id": community.json()["id"],
            "name": "上京家园",
            "developer_name": "北京某某房地产开发有限公司",
            "developer_credit_code": "91110000100012345L",
        },
        headers=admin,
    )
    assert estate.status_code == 201, estate.text
    assert estate.json()["has_developer"] is True
    assert "developer_credit_code" not in estate.json()
    listed = await client.get("/api/v1/estates", headers=admin)
    assert estate.json()["id"] in [item["id"] for item in listed.json()["items"]]


async def test_street_offices_and_communities_list_all_or_those_under_one_parent(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    districts = [
        (await client.post("/api/v1/districts", json={"code": code, "name": name}, headers=admin)).json()["id"]
        for code, name in (("110101", "东城区"), ("110102", "西城区"))
    ]
    offices = [
        (
            await client.post("/api/v1/street-offices", json={"district_id": district, "name": "街道"}, headers=admin)
        ).json()["id"]
        for district in districts
    ]
    communities = [
        (
            await client.post("/api/v1/communities", json={"street_office_id": office, "name": "社区"}, headers=admin)
        ).json()["id"]
        for office in offices
    ]

    async def listed(path: str, **params: str) -> set[str]:
        response = await client.get(path, params=params, headers=admin)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert set(offices) <= await listed("/api/v1/street-offices")
    assert await listed("/api/v1/street-offices", district_id=districts[1]) == {offices[1]}
    assert set(communities) <= await listed("/api/v1/communities")
    assert await listed("/api/v1/communities", street_office_id=offices[0]) == {communities[0]}


async def test_duplicate_name_is_409_and_nothing_else_changes(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    first = await client.post("/api/v1/districts", json={"code": "110106", "name": "丰台区"}, headers=admin)
    assert first.status_code == 201
    again = await client.post("/api/v1/districts", json={"code": "110106", "name": "丰台区"}, headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "place.name_taken"
    assert again.json()["existing_id"] == first.json()["id"]  # the API answers 409 with the place's id
    assert first.json()["id"] in again.json()["detail"]


async def test_developer_needs_name_and_credit_code_together(client, session, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher)
    response = await client.post(
        "/api/v1/estates",
        json={"community_id": str(places.community.id), "name": "X", "developer_name": "开发商"},
        headers=admin,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "place.developer_identifier_required"


async def test_developer_credit_code_check_character_is_verified(client, session, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher)
    body = {"community_id": str(places.community.id), "name": "X", "developer_name": "开发商"}
    response = await client.post(
        "/api/v1/estates", json=body | {"developer_credit_code": "91110000100012345M"}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/developer_credit_code"
    assert "91110000100012345M" not in response.text


async def test_validation_errors_carry_json_pointers(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    response = await client.post("/api/v1/districts", json={"code": "bad code!", "extra": 1}, headers=admin)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    pointers = {error["pointer"] for error in body["errors"]}
    assert {"/code", "/name", "/extra"} <= pointers


async def test_nul_characters_are_refused_not_500(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    response = await client.post("/api/v1/districts", json={"code": "x1", "name": "a\u0000b"}, headers=admin)
    assert response.status_code == 422


async def test_street_office_sees_only_its_jurisdiction(client, session, app):
    mine = await make_places(session, app.state.cipher)
    other = await make_places(session, app.state.cipher)
    await session.commit()
    office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=mine.street_office.id
    )
    listed = await client.get("/api/v1/estates", headers=office)
    ids = [item["id"] for item in listed.json()["items"]]
    assert ids == [str(mine.estate.id)]
    # Another street's estate is not disclosed at all (issue #4: 404, not 403).
    assert (await client.get(f"/api/v1/estates/{other.estate.id}", headers=office)).status_code == 404
    assert (await client.get(f"/api/v1/estates/{mine.estate.id}", headers=office)).status_code == 200
    denied = await client.post(
        "/api/v1/communities", json={"street_office_id": str(other.street_office.id), "name": "X"}, headers=office
    )
    assert denied.status_code == 404
    allowed = await client.post(
        "/api/v1/communities", json={"street_office_id": str(mine.street_office.id), "name": "新社区"}, headers=office
    )
    assert allowed.status_code == 201
    assert (await client.post("/api/v1/districts", json={"code": "x", "name": "y"}, headers=office)).status_code == 403


async def test_committee_sees_only_its_estate(client, session, app):
    mine = await make_places(session, app.state.cipher)
    other = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=mine.estate.id)
    listed = await client.get("/api/v1/estates", headers=committee)
    assert [item["id"] for item in listed.json()["items"]] == [str(mine.estate.id)]
    assert (await client.get(f"/api/v1/estates/{other.estate.id}", headers=committee)).status_code == 404


async def test_cursor_pagination_walks_every_item_once(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    codes = ["110107", "110108", "110109", "110111", "110112"]
    for code in codes:
        created = await client.post(
            "/api/v1/districts", json={"code": code, "name": BEIJING_DISTRICTS[code]}, headers=admin
        )
        assert created.status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/districts", params=params, headers=admin)).json()
        seen += [item["code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(code for code in seen if code in codes) == codes
    assert len(seen) == len(set(seen))
    bad = await client.get("/api/v1/districts", params={"cursor": "!!!"}, headers=admin)
    assert bad.status_code == 400
    assert bad.json()["code"] == "pagination.invalid_cursor"


async def test_api_keys_street_office_issues_committee_keys_for_its_estates_only(client, session, app):
    mine = await make_places(session, app.state.cipher)
    other = await make_places(session, app.state.cipher)
    await session.commit()
    office = await make_api_key(
        session, app.state.token_hasher, role=Role.STREET_OFFICE, street_office_id=mine.street_office.id
    )
    issued = await client.post(
        "/api/v1/api-keys",
        json={"name": "业委会", "role": "COMMITTEE", "estate_id": str(mine.estate.id)},
        headers=office,
    )
    assert issued.status_code == 201, issued.text
    secret = issued.json()["secret"]
    works = await client.get(f"/api/v1/estates/{mine.estate.id}", headers={"Authorization": f"Bearer {secret}"})
    assert works.status_code == 200
    refused = await client.post(
        "/api/v1/api-keys", json={"name": "x", "role": "COMMITTEE", "estate_id": str(other.estate.id)}, headers=office
    )
    assert refused.status_code == 404
    admin_key = await client.post("/api/v1/api-keys", json={"name": "x", "role": "ADMIN"}, headers=office)
    assert admin_key.status_code == 403


async def test_api_key_scope_must_match_role(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    response = await client.post("/api/v1/api-keys", json={"name": "x", "role": "COMMITTEE"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == "identity.scope_invalid"


# --- issue #20 item 2: places right and fixable (R-PLACE) --------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "problem", "says"),
    [
        (
            "110106",
            "朝阳区",
            "place.district_name_mismatch",
            "行政区划代码 110106 是丰台区，不是“朝阳区”。朝阳区的代码是 110105。",
        ),
        ("110103", "崇文区", "place.district_code_unknown", "不是北京市的区级行政区划代码"),
        ("D1234", "朝阳区", "place.district_code_unknown", "朝阳区的代码是 110105"),
    ],
)
async def test_a_district_code_must_be_beijings_and_agree_with_its_name(
    client, session, app, code, name, problem, says
):
    admin = await make_api_key(session, app.state.token_hasher)
    response = await client.post("/api/v1/districts", json={"code": code, "name": name}, headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == problem
    assert says in response.json()["detail"]


async def test_the_district_name_may_omit_qu_and_is_stored_as_the_official_name(client, session, app):
    admin = await make_api_key(session, app.state.token_hasher)
    response = await client.post("/api/v1/districts", json={"code": "110108", "name": "海淀"}, headers=admin)
    assert response.status_code == 201
    assert response.json()["name"] == "海淀区"


async def test_an_existing_estate_street_office_or_community_is_409_with_its_id(client, session, app):
    places = await make_places(session, app.state.cipher)
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher)
    estate = await client.post(
        "/api/v1/estates", json={"community_id": str(places.community.id), "name": places.estate.name}, headers=admin
    )
    office = await client.post(
        "/api/v1/street-offices", json={"district_id": str(places.district.id), "name": places.street_office.name},
        headers=admin,
    )  # fmt: skip
    community = await client.post(
        "/api/v1/communities", json={"street_office_id": str(places.street_office.id), "name": places.community.name},
        headers=admin,
    )  # fmt: skip
    for response, existing in ((estate, places.estate), (office, places.street_office), (community, places.community)):
        assert response.status_code == 409, response.text
        assert response.json()["existing_id"] == str(existing.id)
    assert "小区" in estate.json()["detail"]


async def _audit_kinds(session) -> list[str]:
    return list((await session.scalars(select(AuditEntry.kind).order_by(AuditEntry.created_at))).all())


async def test_the_street_office_sets_the_developer_after_creation_and_it_is_logged(client, session, app):
    places = await make_places(session, app.state.cipher, with_developer=False)
    office = bearer(app, await make_account(
        session, app.state.cipher, scopes=(Scope(Role.STREET_OFFICE, street_office_id=places.street_office.id),)
    ))  # fmt: skip
    await session.commit()
    before = await session.scalar(select(func.count()).select_from(AuditEntry))
    response = await client.patch(
        f"/api/v1/estates/{places.estate.id}",
        json={"developer_name": "北京某某房地产开发有限公司", "developer_credit_code": "91110000100012345L",
              "address": "望京西园三区"},
        headers=office,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["has_developer"] is True
    assert response.json()["developer_name"] == "北京某某房地产开发有限公司"
    entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.created_at))).scalars().all()
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.kind == EventKind.PLACE_UPDATED
    assert entry.estate_id == places.estate.id
    assert set(entry.payload["changes"]) == {"address", "developer_name", "developer_owner_id"}
    assert entry.payload["by"] == f"STREET_OFFICE@{places.street_office.id}"
    assert "91110000100012345L" not in str(entry.payload)
    # The unsold unit that needed a developer now imports (R-HEAD-4).
    content = b"building,room,area,area_source,sale_status,delivered\n1,101,90,SURVEY,UNSOLD,no\n"
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports", files={"file": ("r.csv", content, "text/csv")},
        headers=office,
    )  # fmt: skip
    assert imported.status_code == 201, imported.text
    again = await client.patch(f"/api/v1/estates/{places.estate.id}", json={"address": "望京西园三区"}, headers=office)
    assert again.status_code == 200
    assert (await _audit_kinds(session)).count(EventKind.PLACE_UPDATED) == 1  # an edit that changes nothing: none


async def test_another_street_office_cannot_edit_and_a_half_developer_is_refused(client, session, app):
    places = await make_places(session, app.state.cipher, with_developer=False)
    other = await make_places(session, app.state.cipher)
    other_office = bearer(app, await make_account(
        session, app.state.cipher, scopes=(Scope(Role.STREET_OFFICE, street_office_id=other.street_office.id),)
    ))  # fmt: skip
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher)
    for path, body in (
        (f"/api/v1/estates/{places.estate.id}", {"name": "改名"}),
        (f"/api/v1/communities/{places.community.id}", {"name": "改名"}),
        (f"/api/v1/street-offices/{places.street_office.id}", {"name": "改名"}),
    ):
        response = await client.patch(path, json=body, headers=other_office)
        assert response.status_code == 404, (path, response.text)
    # Moving A's estate into the other office's community needs A's jurisdiction too.
    moved = await client.patch(
        f"/api/v1/estates/{other.estate.id}", json={"community_id": str(places.community.id)}, headers=other_office
    )
    assert moved.status_code == 404
    half = await client.patch(f"/api/v1/estates/{places.estate.id}", json={"developer_name": "某公司"}, headers=admin)
    assert half.status_code == 422
    assert half.json()["code"] == "place.developer_identifier_required"
    taken = await client.patch(f"/api/v1/estates/{places.estate.id}", json={"community_id": str(other.community.id),
                               "name": other.estate.name}, headers=admin)  # fmt: skip
    assert taken.status_code == 409
    assert taken.json()["existing_id"] == str(other.estate.id)


async def test_the_operator_merges_a_duplicate_street_office_moving_its_communities_and_staff(client, session, app):
    places = await make_places(session, app.state.cipher)
    admin = await make_api_key(session, app.state.token_hasher)
    duplicate = (
        await client.post(
            "/api/v1/street-offices", json={"district_id": str(places.district.id), "name": "东湖街道（重复）"},
            headers=admin,
        )
    ).json()  # fmt: skip
    community = (
        await client.post("/api/v1/communities", json={"street_office_id": duplicate["id"], "name": "花家地社区"},
                          headers=admin)
    ).json()  # fmt: skip
    clerk = await make_account(
        session, app.state.cipher, scopes=(Scope(Role.STREET_OFFICE, street_office_id=uuid.UUID(duplicate["id"])),)
    )
    await session.commit()
    office = bearer(app, clerk)
    refused = await client.post(
        f"/api/v1/street-offices/{duplicate['id']}/merge", json={"into_id": str(places.street_office.id)},
        headers=office,
    )  # fmt: skip
    assert refused.status_code == 403
    merged = await client.post(
        f"/api/v1/street-offices/{duplicate['id']}/merge", json={"into_id": str(places.street_office.id)},
        headers=admin,
    )  # fmt: skip
    assert merged.status_code == 200, merged.text
    assert merged.json()["moved"] == {"community.street_office_id": 1, "role_grant.street_office_id": 1}
    assert await session.get(StreetOffice, uuid.UUID(duplicate["id"])) is None
    grant = await session.scalar(select(RoleGrant).where(RoleGrant.account_id == clerk.id))
    assert grant.street_office_id == places.street_office.id
    listed = await client.get("/api/v1/communities", params={"street_office_id": str(places.street_office.id)},
                              headers=admin)  # fmt: skip
    assert community["id"] in [item["id"] for item in listed.json()["items"]]
    assert (await _audit_kinds(session))[-1] == EventKind.PLACE_MERGED
    itself = await client.post(
        f"/api/v1/street-offices/{places.street_office.id}/merge", json={"into_id": str(places.street_office.id)},
        headers=admin,
    )  # fmt: skip
    assert itself.status_code == 422


async def test_a_merge_whose_children_share_a_name_is_409_naming_them(client, session, app):
    places = await make_places(session, app.state.cipher)
    admin = await make_api_key(session, app.state.token_hasher)
    await session.commit()
    duplicate = (
        await client.post(
            "/api/v1/street-offices", json={"district_id": str(places.district.id), "name": "东湖街道（重复）"},
            headers=admin,
        )
    ).json()  # fmt: skip
    namesake = await client.post(
        "/api/v1/communities", json={"street_office_id": duplicate["id"], "name": places.community.name}, headers=admin
    )
    response = await client.post(
        f"/api/v1/street-offices/{duplicate['id']}/merge", json={"into_id": str(places.street_office.id)},
        headers=admin,
    )  # fmt: skip
    assert response.status_code == 409
    assert response.json()["code"] == "place.merge_conflict"
    assert namesake.json()["id"] in response.json()["detail"]
