"""Places: operators and street offices create and list districts, street offices, communities, estates."""

from __future__ import annotations

from app.common.access import Role
from tests.factories import make_api_key, make_places


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
    for number in range(5):
        created = await client.post("/api/v1/districts", json={"code": f"P{number}", "name": "区"}, headers=admin)
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
    assert sorted(code for code in seen if code.startswith("P")) == ["P0", "P1", "P2", "P3", "P4"]
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
