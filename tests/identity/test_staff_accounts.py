"""Staff accounts with place-scoped role grants (issue #4 item 5; R-SUP-1, R-SUP-2, R-LIFE-1).

The operator grants any role; a street office grants committee, auditor and observer roles inside its own
jurisdiction; places outside it are 404. Staff sign in with their own mobile number and one-time code.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.common.access import Role, Scope
from app.identity.models import IdentityEvent, RoleGrant
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.identity.test_auth_api import FakeClock, auth, sign_in

STAFF = "/api/v1/staff"
STAFF_PHONE = "13600001111"


@pytest.fixture(autouse=True)
def clock(app) -> FakeClock:  # type: ignore[no-untyped-def]
    fake = FakeClock()
    app.state.clock = fake
    return fake


@pytest.fixture(autouse=True)
def sms_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level("INFO", logger="evote.sms")
    return caplog


async def _world(session, app):  # type: ignore[no-untyped-def]
    """Two street offices with one estate each, an operator key, and a street-office account for the first."""
    here = await make_places(session, app.state.cipher)
    there = await make_places(session, app.state.cipher)
    office = await make_account(
        session,
        app.state.cipher,
        display_name="东湖街道 张科长",
        scopes=(Scope(Role.STREET_OFFICE, street_office_id=here.street_office.id),),
    )
    await session.commit()
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    return here, there, admin, bearer(app, office)


def _body(role: str, phone: str = STAFF_PHONE, name: str = "王委员", **scope: uuid.UUID) -> dict[str, str]:
    return {"phone": phone, "display_name": name, "role": role, **{key: str(value) for key, value in scope.items()}}


async def test_operator_grants_a_committee_role_that_works_after_sign_in(client, session, app, sms_log):
    here, _, admin, _ = await _world(session, app)
    response = await client.post(STAFF, json=_body("COMMITTEE", estate_id=here.estate.id), headers=admin)
    assert response.status_code == 201, response.text
    grant = response.json()
    assert grant["role"] == "COMMITTEE"
    assert grant["estate_id"] == str(here.estate.id)
    assert grant["account"]["phone"] == "*******1111"
    assert grant["account"]["display_name"] == "王委员"
    assert grant["granted_by"] == "apikey:test-admin"

    pair = await sign_in(client, sms_log, STAFF_PHONE)
    assert pair["account"]["id"] == grant["account"]["id"]
    me = (await client.get("/api/v1/me", headers=auth(pair))).json()
    assert me["display_name"] == "王委员"
    assert me["roles"] == [
        {"role": "COMMITTEE", "street_office_id": None, "community_id": None, "estate_id": str(here.estate.id)}
    ]
    assert (await client.get(f"/api/v1/estates/{here.estate.id}", headers=auth(pair))).status_code == 200

    event = await session.scalar(select(IdentityEvent).where(IdentityEvent.kind == "role.granted"))
    assert event is not None
    assert str(event.account_id) == grant["account"]["id"]
    assert event.estate_id == here.estate.id
    assert event.details == {
        "grant_id": grant["id"],
        "role": "COMMITTEE",
        "street_office_id": None,
        "community_id": None,
        "estate_id": str(here.estate.id),
    }


async def test_an_existing_account_is_reused(client, session, app):
    here, _, admin, _ = await _world(session, app)
    existing = await make_account(session, app.state.cipher, phone=STAFF_PHONE, display_name="已有名字")
    await session.commit()
    response = await client.post(STAFF, json=_body("AUDITOR", estate_id=here.estate.id), headers=admin)
    assert response.status_code == 201
    # The answer shows the name submitted, as for a new number: the stored name is not disclosed to the caller.
    assert response.json()["account"] == {"id": str(existing.id), "phone": "*******1111", "display_name": "王委员"}
    assert "已有名字" not in response.text
    await session.refresh(existing)
    assert existing.display_name == "已有名字"  # kept


async def test_operator_grants_street_office_and_admin_roles(client, session, app):
    here, _, admin, _ = await _world(session, app)
    office = await client.post(
        STAFF, json=_body("STREET_OFFICE", street_office_id=here.street_office.id), headers=admin
    )
    assert office.status_code == 201
    operator = await client.post(STAFF, json=_body("ADMIN", phone="13600002222"), headers=admin)
    assert operator.status_code == 201
    assert operator.json()["street_office_id"] is None


async def test_street_office_grants_within_its_jurisdiction(client, session, app):
    here, _, _, office = await _world(session, app)
    committee = await client.post(STAFF, json=_body("COMMITTEE", estate_id=here.estate.id), headers=office)
    assert committee.status_code == 201, committee.text
    assert committee.json()["granted_by"].startswith("account:")
    observer = await client.post(
        STAFF, json=_body("OBSERVER", phone="13600003333", community_id=here.community.id), headers=office
    )
    assert observer.status_code == 201
    auditor = await client.post(STAFF, json=_body("AUDITOR", estate_id=here.estate.id), headers=office)
    assert auditor.status_code == 201  # a second role for the same person


async def test_street_office_outside_its_jurisdiction_is_404(client, session, app):
    _, there, _, office = await _world(session, app)
    for body in (
        _body("COMMITTEE", estate_id=there.estate.id),
        _body("OBSERVER", community_id=there.community.id),
        _body("COMMITTEE", estate_id=uuid.uuid4()),
    ):
        response = await client.post(STAFF, json=body, headers=office)
        assert response.status_code == 404, body
    assert await session.scalar(select(RoleGrant).where(RoleGrant.granted_by != "tests")) is None


@pytest.mark.parametrize("role", ["ADMIN", "STREET_OFFICE"])
async def test_street_office_cannot_grant_supervisor_roles(client, session, app, role):
    here, _, _, office = await _world(session, app)
    scope = {"street_office_id": here.street_office.id} if role == "STREET_OFFICE" else {}
    response = await client.post(STAFF, json=_body(role, **scope), headers=office)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.forbidden"


async def test_committee_cannot_grant_roles(client, session, app):
    here, _, _, _ = await _world(session, app)
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=here.estate.id)
    response = await client.post(STAFF, json=_body("AUDITOR", estate_id=here.estate.id), headers=committee)
    assert response.status_code == 403
    assert (await client.get(STAFF, headers=committee)).status_code == 403


async def test_observer_reads_the_estate_but_cannot_import_a_register(client, session, app, sms_log):
    here, _, _, office = await _world(session, app)
    response = await client.post(STAFF, json=_body("OBSERVER", community_id=here.community.id), headers=office)
    assert response.status_code == 201
    pair = await sign_in(client, sms_log, STAFF_PHONE)
    assert (await client.get(f"/api/v1/estates/{here.estate.id}", headers=auth(pair))).status_code == 200
    upload = await client.post(
        f"/api/v1/estates/{here.estate.id}/register/imports",
        files={"file": ("r.csv", b"building,room\n", "text/csv")},
        headers=auth(pair),
    )
    assert upload.status_code == 403
    assert upload.json()["code"] == "auth.forbidden"


async def test_duplicate_live_grant_is_409(client, session, app):
    here, _, admin, _ = await _world(session, app)
    body = _body("COMMITTEE", estate_id=here.estate.id)
    first = await client.post(STAFF, json=body, headers=admin)
    assert first.status_code == 201
    again = await client.post(STAFF, json=body, headers=admin)
    assert again.status_code == 409
    assert again.json()["code"] == "identity.role_exists"
    assert (await client.delete(f"{STAFF}/grants/{first.json()['id']}", headers=admin)).status_code == 204
    assert (await client.post(STAFF, json=body, headers=admin)).status_code == 201  # granted anew after revocation


@pytest.mark.parametrize(
    ("role", "scope_name"),
    [("COMMITTEE", "community_id"), ("OBSERVER", "estate_id"), ("ADMIN", "estate_id"), ("AUDITOR", None)],
)
async def test_scope_must_fit_the_role(client, session, app, role, scope_name):
    here, _, admin, _ = await _world(session, app)
    ids = {"community_id": here.community.id, "estate_id": here.estate.id}
    scope = {scope_name: ids[scope_name]} if scope_name else {}
    response = await client.post(STAFF, json=_body(role, **scope), headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == "identity.scope_invalid"


async def test_unknown_place_and_bad_number(client, session, app):
    _, _, admin, _ = await _world(session, app)
    response = await client.post(STAFF, json=_body("COMMITTEE", estate_id=uuid.uuid4()), headers=admin)
    assert response.status_code == 404
    response = await client.post(STAFF, json=_body("ADMIN", phone="110"), headers=admin)
    assert response.status_code == 422
    assert response.json()["code"] == "auth.phone_invalid"


async def test_revoked_grant_stops_working_at_once(client, session, app, sms_log):
    here, _, _, office = await _world(session, app)
    granted = await client.post(STAFF, json=_body("COMMITTEE", estate_id=here.estate.id), headers=office)
    pair = await sign_in(client, sms_log, STAFF_PHONE)
    estate_url = f"/api/v1/estates/{here.estate.id}"
    assert (await client.get(estate_url, headers=auth(pair))).status_code == 200

    revoked = await client.delete(f"{STAFF}/grants/{granted.json()['id']}", headers=office)
    assert revoked.status_code == 204
    response = await client.get(estate_url, headers=auth(pair))  # the same, still unexpired token
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers=auth(pair))).json()["roles"] == []

    event = await session.scalar(select(IdentityEvent).where(IdentityEvent.kind == "role.revoked"))
    assert event is not None
    assert str(event.account_id) == granted.json()["account"]["id"]
    assert event.details["grant_id"] == granted.json()["id"]
    # Revoking again changes nothing and records nothing.
    assert (await client.delete(f"{STAFF}/grants/{granted.json()['id']}", headers=office)).status_code == 204
    events = (await session.scalars(select(IdentityEvent).where(IdentityEvent.kind == "role.revoked"))).all()
    assert len(events) == 1


async def test_revoking_a_grant_one_cannot_see_is_404(client, session, app):
    _, there, admin, office = await _world(session, app)
    elsewhere = await client.post(STAFF, json=_body("COMMITTEE", estate_id=there.estate.id), headers=admin)
    assert (await client.delete(f"{STAFF}/grants/{elsewhere.json()['id']}", headers=office)).status_code == 404
    assert (await client.delete(f"{STAFF}/grants/{uuid.uuid4()}", headers=office)).status_code == 404
    operator = await client.post(STAFF, json=_body("ADMIN", phone="13600009999"), headers=admin)
    assert (await client.delete(f"{STAFF}/grants/{operator.json()['id']}", headers=office)).status_code == 404


async def test_street_office_cannot_revoke_a_street_office_grant(client, session, app):
    here, _, admin, office = await _world(session, app)
    colleague = await client.post(
        STAFF, json=_body("STREET_OFFICE", street_office_id=here.street_office.id), headers=admin
    )
    response = await client.delete(f"{STAFF}/grants/{colleague.json()['id']}", headers=office)
    assert response.status_code == 403


async def test_listing_shows_only_the_callers_jurisdiction(client, session, app):
    here, there, admin, office = await _world(session, app)
    mine = await client.post(STAFF, json=_body("COMMITTEE", estate_id=here.estate.id), headers=admin)
    observer = await client.post(
        STAFF, json=_body("OBSERVER", phone="13600004444", community_id=here.community.id), headers=admin
    )
    theirs = await client.post(STAFF, json=_body("COMMITTEE", estate_id=there.estate.id), headers=admin)
    revoked = await client.post(STAFF, json=_body("AUDITOR", estate_id=here.estate.id), headers=admin)
    await client.delete(f"{STAFF}/grants/{revoked.json()['id']}", headers=admin)

    def ids(response) -> set[str]:  # type: ignore[no-untyped-def]
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    seen = ids(await client.get(STAFF, headers=office))
    assert {mine.json()["id"], observer.json()["id"]} <= seen
    assert theirs.json()["id"] not in seen
    assert revoked.json()["id"] not in seen
    assert revoked.json()["id"] in ids(await client.get(STAFF, params={"include_revoked": "true"}, headers=office))

    by_estate = ids(await client.get(STAFF, params={"estate_id": str(here.estate.id)}, headers=office))
    assert {mine.json()["id"], observer.json()["id"]} <= by_estate
    assert (await client.get(STAFF, params={"estate_id": str(there.estate.id)}, headers=office)).status_code == 404
    office_filter = {"street_office_id": str(there.street_office.id)}
    assert (await client.get(STAFF, params=office_filter, headers=office)).status_code == 404

    everything = ids(await client.get(STAFF, headers=admin))
    assert {mine.json()["id"], observer.json()["id"], theirs.json()["id"]} <= everything
    assert ids(await client.get(STAFF, params=office_filter, headers=admin)) == {theirs.json()["id"]}

    page = await client.get(STAFF, params={"limit": 1}, headers=admin)
    assert len(page.json()["items"]) == 1
    assert page.json()["next_cursor"] is not None


async def test_role_grants_to_one_number_are_limited(client, session, app):
    """Per named number: five role grants within an hour, then 429 (the route creates accounts for new numbers,
    so it must not become a way to sweep numbers)."""
    here, there, admin, _ = await _world(session, app)
    bodies = [
        *(_body(role, estate_id=place.estate.id) for role in ("COMMITTEE", "AUDITOR") for place in (here, there)),
        _body("ADMIN"),
    ]
    for body in bodies:
        response = await client.post(STAFF, json=body, headers=admin)
        assert response.status_code == 201, response.text
    limited = await client.post(
        STAFF, json=_body("STREET_OFFICE", street_office_id=here.street_office.id), headers=admin
    )
    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "request.rate_limited"
    assert limited.headers["Retry-After"] == str(limited.json()["retry_after"])
    other = await client.post(STAFF, json=_body("ADMIN", phone="13600002222"), headers=admin)
    assert other.status_code == 201, other.text
