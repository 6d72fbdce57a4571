"""A passport owner is an owner like any other (Civil Code Art. 271): one head with the right area, and verifies
by document type; a zero-width space in a certificate number never keeps an owner from verifying."""

from __future__ import annotations

from app.common.access import Role
from tests.factories import bearer, make_account, make_api_key, make_places

HEADER = "楼栋,房号,面积,面积来源,权属依据,不动产权证号,业主姓名,证件号码,证件类型"
REGISTER = (
    f"{HEADER}\n"
    "5,501,100.00,不动产登记,不动产登记,京(2021)朝阳区不动产权第0000501号,John Smith,E12345678,护照\n"
    "5,502,80.50,不动产登记,不动产登记,京(2021)朝阳区不动产权第0000502号,John Smith,E12345678,护照\n"
    "5,503,90.00,不动产登记,不动产登记,京(2021)朝阳区不动产权第\u200b0000503号,王一,110105198001010016,居民身份证\n"
)


async def _world(client, session, app):  # type: ignore[no-untyped-def]
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    response = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("register.csv", REGISTER.encode(), "text/csv")},
        headers=committee,
    )
    assert response.status_code == 201, response.text
    return places, committee, response.json()


async def test_a_passport_owner_is_one_head_with_the_area_of_both_units(client, session, app, clock):
    places, committee, imported = await _world(client, session, app)
    assert imported["totals"] == {"heads": 2, "area": 27050, "area_m2": "270.50"}
    roll = (await client.get(f"/api/v1/estates/{places.estate.id}/roll", headers=committee)).json()
    (passport_group,) = [
        group for group in roll["groups"] if [u["unit_key"] for u in group["units"]] == ["5-501", "5-502"]
    ]
    assert (passport_group["heads"], passport_group["area"]) == (1, 18050)  # R-HEAD-1, R-AREA-4
    assert passport_group["owners"][0]["identifier"].endswith("5678")


async def test_a_passport_owner_verifies_with_the_document_type(client, session, app, clock):
    places, _, _ = await _world(client, session, app)
    account = await make_account(session, app.state.cipher)
    await session.commit()
    body = {"id_number": "E12345678", "certificate_number": "京(2021)朝阳区不动产权第0000501号"}
    as_resident_id = await client.post("/api/v1/me/verification", json=body, headers=bearer(app, account))
    assert as_resident_id.json()["code"] == "verification.id_invalid"
    verified = await client.post(
        "/api/v1/me/verification", json=body | {"document_type": "PASSPORT"}, headers=bearer(app, account)
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["estates"] == [str(places.estate.id)]


async def test_a_certificate_imported_with_a_zero_width_space_verifies_as_printed(client, session, app, clock):
    await _world(client, session, app)
    account = await make_account(session, app.state.cipher)
    await session.commit()
    verified = await client.post(
        "/api/v1/me/verification",
        json={"id_number": "110105198001010016", "certificate_number": "京(2021)朝阳区不动产权第0000503号"},
        headers=bearer(app, account),
    )
    assert verified.status_code == 200, verified.text
