"""Binding verified people to their voter groups and the grants to act for a group, through HTTP (R-CAST-1..6).

The sample register (samples/register-sample.csv): 王一 owns 1-1-101 and 1-1-102 (one group, 18000); 李二 and
张三 co-own 1-2-201 (12000); 李二 alone owns 3-1-102 (another group, 6450; R-HEAD-3); 北京某某商贸有限公司 owns
2-1-102; the developer's group is 2-2-201 + 2-2-202.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.common.access import Role
from app.grant.models import ActingGrant
from app.identity.models import Account, IdentityEvent
from app.procedure import service as procedure_service
from app.register import repository as register_repository
from app.register.models import Owner, OwnerKind
from tests.factories import bearer, make_account, make_api_key
from tests.realname.conftest import import_sample

ID_WANG = "110105198001010016"
ID_LI = "110105198102020029"
ID_ZHANG = "110105198203030031"
ID_AGENT = "110105199109090012"  # verified, but owns nothing in the estate (e.g. a tenant; R-OWN-2)
PHONE_AGENT = "13900000001"
PHONE_WANG = "13900000010"
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    estate_id: uuid.UUID
    community_id: uuid.UUID
    committee: dict[str, str]
    wang: Account
    li: Account
    zhang: Account
    agent: Account
    roll_keys: dict[str, str]  # first unit of a group -> opaque group key

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/estates/{self.estate_id}/grants{suffix}"


async def _owner(session, app, identifier: str) -> Owner:
    index = app.state.cipher.blind_index("owner.identifier", identifier)
    owner = await session.scalar(select(Owner).where(Owner.identifier_index == index))
    assert owner is not None
    return owner


async def _estate_with_register(client, session, app, repo_root):
    world = await import_sample(client, session, app, repo_root)
    return world.places, world.committee


async def _roll_keys(client, estate_id, headers) -> dict[str, str]:
    roll = (await client.get(f"/api/v1/estates/{estate_id}/roll", headers=headers)).json()
    return {group["units"][0]["unit_key"]: group["group_id"] for group in roll["groups"]}


@pytest.fixture
async def world(client, session, app, repo_root) -> World:
    app.state.clock = lambda: NOW
    places, committee = await _estate_with_register(client, session, app, repo_root)
    cipher = app.state.cipher
    agent_owner = await register_repository.get_or_create_owner(
        session, kind=OwnerKind.PERSON, identifier=ID_AGENT, cipher=cipher
    )
    world = World(
        estate_id=places.estate.id,
        community_id=places.community.id,
        committee=committee,
        wang=await make_account(
            session, cipher, phone=PHONE_WANG, owner_id=(await _owner(session, app, ID_WANG)).id, display_name="王一"
        ),
        li=await make_account(session, cipher, owner_id=(await _owner(session, app, ID_LI)).id, display_name="李二"),
        zhang=await make_account(session, cipher, owner_id=(await _owner(session, app, ID_ZHANG)).id),
        agent=await make_account(session, cipher, phone=PHONE_AGENT, owner_id=agent_owner.id, display_name="赵代理"),
        roll_keys=await _roll_keys(client, places.estate.id, committee),
    )
    await session.commit()
    return world


def proxy_body(group_key: str, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "group_id": group_key,
        "kind": "PROXY",
        "grantee_phone": PHONE_AGENT,
        "evidence_type": "E_SIGNATURE",
        "scope": {"authority": "FREE"},
        "valid_from": (NOW - timedelta(days=1)).isoformat(),
        "valid_until": (NOW + timedelta(days=30)).isoformat(),
    }
    body.update(overrides)
    return body


async def my_groups(client, app, account) -> list[dict]:  # type: ignore[type-arg]
    response = await client.get("/api/v1/me/groups", headers=bearer(app, account))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _request(client, app, world, account, body):  # type: ignore[no-untyped-def]
    return await client.post(world.url(), json=body, headers=bearer(app, account))


async def _approve(client, world, grant_id, headers=None):  # type: ignore[no-untyped-def]
    return await client.post(world.url(f"/{grant_id}/approve"), headers=headers or world.committee)


# --- Binding ---


async def test_multi_unit_owner_is_bound_to_one_group(client, app, world):
    groups = await my_groups(client, app, world.wang)
    assert len(groups) == 1
    group = groups[0]
    assert [u["unit_key"] for u in group["units"]] == ["1-1-101", "1-1-102"]
    assert (group["area"], group["area_m2"], group["heads"], group["co_owners"]) == (18000, "180.00", 1, 1)
    assert group["bases"] == ["OWNER"]
    assert group["grant_ids"] == []
    assert group["estate_id"] == str(world.estate_id)
    assert group["group_id"] == world.roll_keys["1-1-101"]  # the same opaque key as the roll view


async def test_partial_overlap_gives_two_groups_with_their_bases(client, app, world):
    groups = {tuple(u["unit_key"] for u in group["units"]): group for group in await my_groups(client, app, world.li)}
    assert set(groups) == {("1-2-201",), ("3-1-102",)}  # R-HEAD-3
    co_owned, sole = groups[("1-2-201",)], groups[("3-1-102",)]
    assert (co_owned["bases"], co_owned["area"], co_owned["co_owners"]) == (["CO_OWNER"], 12000, 2)
    assert (sole["bases"], sole["area"], sole["co_owners"]) == (["OWNER"], 6450, 1)
    assert [group["bases"] for group in await my_groups(client, app, world.zhang)] == [["CO_OWNER"]]


async def test_unverified_account_and_api_keys_are_refused(client, session, app, world):
    unverified = await make_account(session, app.state.cipher)
    await session.commit()
    response = await client.get("/api/v1/me/groups", headers=bearer(app, unverified))
    assert response.status_code == 403
    assert response.json()["code"] == "grant.not_verified"
    response = await client.get("/api/v1/me/groups", headers=world.committee)
    assert response.status_code == 403
    assert response.json()["code"] == "grant.account_required"
    response = await _request(client, app, world, unverified, proxy_body(world.roll_keys["1-1-101"]))
    assert response.json()["code"] == "grant.not_verified"


async def test_verified_person_without_units_has_no_groups(client, app, world):
    assert await my_groups(client, app, world.agent) == []


# --- Proxy (R-CAST-4) ---


async def test_proxy_request_approve_revoke(client, session, app, world):
    key = world.roll_keys["1-1-101"]
    response = await _request(client, app, world, world.wang, proxy_body(key))
    assert response.status_code == 201, response.text
    grant = response.json()
    assert grant["status"] == "PENDING"
    assert (grant["signatures_signed"], grant["signatures_required"]) == (1, 1)  # the sole owner signed
    assert grant["grantee"]["phone"] == "*******0001"
    assert "name" not in grant["grantee"]  # never the holder's display name: one answer for every number
    assert grant["group_id"] == key
    assert grant["in_force"] is False
    assert await my_groups(client, app, world.agent) == []  # pending never counts

    approved = await _approve(client, world, grant["id"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "APPROVED"
    assert approved.json()["in_force"] is True
    assert approved.json()["decided_by"].startswith("apikey:")
    agent_groups = await my_groups(client, app, world.agent)
    assert [([u["unit_key"] for u in g["units"]], g["bases"], g["grant_ids"]) for g in agent_groups] == [
        (["1-1-101", "1-1-102"], ["PROXY"], [grant["id"]])
    ]
    assert [g["bases"] for g in await my_groups(client, app, world.wang)] == [["OWNER"]]  # the owner keeps acting

    revoked = await client.post(world.url(f"/{grant['id']}/revoke"), headers=bearer(app, world.wang))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "REVOKED"
    assert await my_groups(client, app, world.agent) == []

    again = await client.post(world.url(f"/{grant['id']}/revoke"), headers=bearer(app, world.wang))
    assert (again.status_code, again.json()["code"]) == (409, "grant.not_revocable")

    events = (
        await session.scalars(
            select(IdentityEvent).where(IdentityEvent.estate_id == world.estate_id).order_by(IdentityEvent.created_at)
        )
    ).all()
    grant_events = [event for event in events if event.kind.startswith("grant.")]
    assert [event.kind for event in grant_events] == ["grant.requested", "grant.approved", "grant.revoked"]
    assert all(event.details["grant_id"] == grant["id"] for event in grant_events)
    assert PHONE_AGENT not in str([event.details for event in grant_events])


async def test_proxy_expires_at_valid_until(client, app, world):
    body = proxy_body(world.roll_keys["1-1-101"], valid_until=(NOW + timedelta(hours=1)).isoformat())
    grant = (await _request(client, app, world, world.wang, body)).json()
    assert (await _approve(client, world, grant["id"])).status_code == 200
    assert len(await my_groups(client, app, world.agent)) == 1
    app.state.clock = lambda: NOW + timedelta(hours=1)  # valid_until is exclusive
    assert await my_groups(client, app, world.agent) == []


async def test_expired_grant_cannot_be_approved(client, app, world):
    body = proxy_body(world.roll_keys["1-1-101"], valid_until=(NOW + timedelta(hours=1)).isoformat())
    grant = (await _request(client, app, world, world.wang, body)).json()
    app.state.clock = lambda: NOW + timedelta(hours=2)
    response = await _approve(client, world, grant["id"])
    assert (response.status_code, response.json()["code"]) == (409, "grant.expired")


async def test_proxy_for_co_owned_group_needs_every_co_owner(client, session, app, world):
    key = world.roll_keys["1-2-201"]
    grant = (await _request(client, app, world, world.li, proxy_body(key))).json()
    assert (grant["signatures_signed"], grant["signatures_required"]) == (1, 2)
    early = await _approve(client, world, grant["id"])
    assert (early.status_code, early.json()["code"]) == (422, "grant.signatures_incomplete")

    # the agent is no owner and cannot sign; 张三 finds the grant in /me/grants and signs
    refused = await client.post(world.url(f"/{grant['id']}/sign"), headers=bearer(app, world.agent))
    assert (refused.status_code, refused.json()["code"]) == (403, "grant.not_signatory")
    mine = (await client.get("/api/v1/me/grants", headers=bearer(app, world.zhang))).json()["items"]
    assert [(item["id"], item["relations"]) for item in mine] == [(grant["id"], ["OWNER"])]
    signed = await client.post(world.url(f"/{grant['id']}/sign"), headers=bearer(app, world.zhang))
    assert signed.status_code == 200, signed.text
    assert signed.json()["signatures_signed"] == 2
    twice = await client.post(world.url(f"/{grant['id']}/sign"), headers=bearer(app, world.zhang))
    assert twice.json()["signatures_signed"] == 2  # idempotent

    assert (await _approve(client, world, grant["id"])).status_code == 200
    agent_groups = await my_groups(client, app, world.agent)
    assert [([u["unit_key"] for u in g["units"]], g["bases"]) for g in agent_groups] == [(["1-2-201"], ["PROXY"])]
    kinds = await session.scalars(select(IdentityEvent.kind).where(IdentityEvent.estate_id == world.estate_id))
    assert sorted(kind for kind in kinds if kind.startswith("grant.")) == [
        "grant.approved",
        "grant.requested",
        "grant.signed",
    ]


async def test_signing_a_decided_grant_is_refused(client, app, world):
    grant = (await _request(client, app, world, world.li, proxy_body(world.roll_keys["1-2-201"]))).json()
    rejected = await client.post(
        world.url(f"/{grant['id']}/reject"), json={"reason": "缺少签字页"}, headers=world.committee
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == ("REJECTED", "缺少签字页")
    response = await client.post(world.url(f"/{grant['id']}/sign"), headers=bearer(app, world.zhang))
    assert (response.status_code, response.json()["code"]) == (409, "grant.already_decided")


async def test_revoke_after_use_is_refused(client, session, app, world):
    grant = (await _request(client, app, world, world.wang, proxy_body(world.roll_keys["1-1-101"]))).json()
    assert (await _approve(client, world, grant["id"])).status_code == 200
    row = await session.get(ActingGrant, uuid.UUID(grant["id"]))
    row.used_at = NOW
    await session.commit()
    for headers in (bearer(app, world.wang), world.committee):
        response = await client.post(world.url(f"/{grant['id']}/revoke"), headers=headers)
        assert (response.status_code, response.json()["code"]) == (409, "grant.already_used")


async def test_who_may_revoke(client, session, app, world):
    grant = (await _request(client, app, world, world.li, proxy_body(world.roll_keys["1-2-201"]))).json()
    stranger = await make_account(session, app.state.cipher, owner_id=(await _owner(session, app, ID_WANG)).id)
    observer = await make_api_key(session, app.state.token_hasher, role=Role.OBSERVER, community_id=world.community_id)
    await session.commit()
    response = await client.post(world.url(f"/{grant['id']}/revoke"), headers=bearer(app, stranger))
    assert (response.status_code, response.json()["code"]) == (404, "grant.not_found")
    response = await client.post(world.url(f"/{grant['id']}/revoke"), headers=observer)
    assert (response.status_code, response.json()["code"]) == (403, "auth.forbidden")
    # a co-owner withdraws the group's authorisation
    response = await client.post(world.url(f"/{grant['id']}/revoke"), headers=bearer(app, world.zhang))
    assert (response.status_code, response.json()["status"]) == (200, "REVOKED")


# --- Designated representative (R-CAST-2) ---


async def test_designated_representative_takes_the_co_owners_basis(client, app, world):
    key = world.roll_keys["1-2-201"]
    body = {"group_id": key, "kind": "DESIGNATED_REPRESENTATIVE", "evidence_type": "E_SIGNATURE"}
    grant = (await _request(client, app, world, world.li, body)).json()
    assert grant["grantee"]["account_id"] == str(world.li.id)  # by default the requester
    early = await _approve(client, world, grant["id"])
    assert early.json()["code"] == "grant.signatures_incomplete"  # every co-owner designates
    assert (await client.post(world.url(f"/{grant['id']}/sign"), headers=bearer(app, world.zhang))).status_code == 200
    assert (await _approve(client, world, grant["id"])).status_code == 200

    li_groups = {tuple(u["unit_key"] for u in g["units"]): g["bases"] for g in await my_groups(client, app, world.li)}
    assert li_groups == {("1-2-201",): ["DESIGNATED_REPRESENTATIVE"], ("3-1-102",): ["OWNER"]}
    assert await my_groups(client, app, world.zhang) == []  # 张三 lost CO_OWNER for that group

    second = (await _request(client, app, world, world.zhang, body | {"grantee_phone": None})).json()
    await client.post(world.url(f"/{second['id']}/sign"), headers=bearer(app, world.li))
    response = await _approve(client, world, second["id"])
    assert (response.status_code, response.json()["code"]) == (409, "grant.designation_exists")


async def test_designation_must_name_a_co_owner(client, app, world):
    key = world.roll_keys["1-2-201"]
    body = {"group_id": key, "kind": "DESIGNATED_REPRESENTATIVE", "evidence_type": "E", "grantee_phone": PHONE_AGENT}
    response = await _request(client, app, world, world.li, body)
    assert response.status_code == 201, response.text  # named by number: the answer does not reveal who it is
    refused = await _approve(client, world, response.json()["id"])
    assert (refused.status_code, refused.json()["code"]) == (422, "grant.grantee_not_co_owner")
    sole = {"group_id": world.roll_keys["1-1-101"], "kind": "DESIGNATED_REPRESENTATIVE", "evidence_type": "E"}
    response = await _request(client, app, world, world.wang, sole)
    assert (response.status_code, response.json()["code"]) == (422, "grant.not_co_owned")


# --- Organisations, the developer, guardians (R-CAST-3, R-CAST-5, R-CAST-6) ---


async def test_legal_representative_of_an_organisation_and_its_proxy(client, session, app, world):
    org_key = world.roll_keys["2-1-102"]
    claim = {
        "group_id": org_key,
        "kind": "LEGAL_REPRESENTATIVE",
        "evidence_type": "LICENCE",
        "evidence_sha256": "a" * 64,
    }
    grant = (await _request(client, app, world, world.agent, claim)).json()
    assert grant["grantee"]["account_id"] == str(world.agent.id)
    assert (await _approve(client, world, grant["id"])).status_code == 200
    assert [([u["unit_key"] for u in g["units"]], g["bases"]) for g in await my_groups(client, app, world.agent)] == [
        (["2-1-102"], ["LEGAL_REPRESENTATIVE"])
    ]
    # the legal representative signs a proxy for the organisation
    other = await make_account(
        session, app.state.cipher, phone="13900000002", owner_id=(await _owner(session, app, ID_WANG)).id
    )
    await session.commit()
    proxy = (await _request(client, app, world, world.agent, proxy_body(org_key, grantee_phone="13900000002"))).json()
    assert (proxy["signatures_signed"], proxy["signatures_required"]) == (1, 1)
    assert (await _approve(client, world, proxy["id"])).status_code == 200
    bases = {tuple(u["unit_key"] for u in g["units"]): g["bases"] for g in await my_groups(client, app, other)}
    assert bases[("2-1-102",)] == ["PROXY"]


async def test_developer_group_acts_through_its_representative(client, app, world):
    dev_key = world.roll_keys["2-2-201"]
    claim = {
        "group_id": dev_key,
        "kind": "SEALED_AUTHORISATION",
        "evidence_type": "SEALED",
        "evidence_sha256": "b" * 64,
    }
    grant = (await _request(client, app, world, world.agent, claim)).json()
    assert (await _approve(client, world, grant["id"])).status_code == 200
    groups = await my_groups(client, app, world.agent)
    assert [([u["unit_key"] for u in g["units"]], g["bases"], g["is_developer"], g["area"]) for g in groups] == [
        (["2-2-201", "2-2-202"], ["SEALED_AUTHORISATION"], True, 22000)
    ]


async def test_guardian(client, app, world):
    claim = {
        "group_id": world.roll_keys["3-1-102"],
        "kind": "GUARDIAN",
        "evidence_type": "COURT",
        "evidence_sha256": "c" * 64,
    }
    grant = (await _request(client, app, world, world.agent, claim)).json()
    assert (await _approve(client, world, grant["id"])).status_code == 200
    assert [g["bases"] for g in await my_groups(client, app, world.agent)] == [["GUARDIAN"]]


# --- Validation ---


@pytest.mark.parametrize(
    ("account", "changes", "status", "code"),
    [
        ("wang", {"valid_until": (NOW - timedelta(days=2)).isoformat()}, 422, "grant.validity_inverted"),
        (
            "wang",
            {"valid_from": (NOW - timedelta(days=9)).isoformat(), "valid_until": NOW.isoformat()},
            422,
            "grant.validity_past",
        ),
        ("wang", {"valid_until": None}, 422, "grant.validity_required"),
        ("wang", {"valid_from": "2027-03-01T12:00:00"}, 422, "request.invalid"),  # naive
        ("wang", {"grantee_phone": None}, 422, "grant.grantee_required"),
        ("wang", {"grantee_phone": "12345"}, 422, "grant.grantee_phone_invalid"),
        ("wang", {"grantee_phone": PHONE_WANG}, 422, "grant.grantee_is_requester"),
        ("wang", {"scope": {"authority": "INSTRUCTED"}}, 422, "grant.instructions_required"),
        ("wang", {"scope": {"vote_ids": []}}, 422, "request.invalid"),
        ("wang", {"group_id": "0" * 32}, 404, "grant.group_not_found"),
        ("agent", {}, 403, "grant.not_group_owner"),
        (
            "wang",
            {"kind": "LEGAL_REPRESENTATIVE", "evidence_sha256": "d" * 64, "scope": None},
            422,
            "grant.not_organisation",
        ),
        ("wang", {"kind": "GUARDIAN", "scope": None}, 422, "grant.evidence_required"),
        ("wang", {"kind": "GUARDIAN", "evidence_sha256": "d" * 64}, 422, "grant.scope_not_applicable"),
        (
            "wang",
            {"kind": "GUARDIAN", "evidence_sha256": "d" * 64, "scope": None},
            422,
            "grant.grantee_must_be_requester",
        ),
    ],
)
async def test_request_validation(client, app, world, account, changes, status, code):
    caller = getattr(world, account)
    body = proxy_body(world.roll_keys["1-1-101"]) | changes
    response = await _request(client, app, world, caller, body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text


def _shape(answer: dict) -> dict:  # type: ignore[type-arg]
    """The answer without what differs between any two grants (ids, the number's last digits, the agent's id)."""
    masked = dict(answer, id=None, grantee=dict(answer["grantee"], account_id=None, phone=None))
    return masked


async def test_a_grant_request_answers_alike_whoever_holds_the_number(client, session, app, world):
    """No account, an unverified account, a verified owner's: the same 201 and body shape (no enumeration oracle);
    the organiser's approval is where an unverified agent is refused (R-CAST-4)."""
    await make_account(session, app.state.cipher, phone="13900000003", display_name="孙小美")  # signed up, unverified
    verified = await make_account(session, app.state.cipher, phone="13900000004", owner_id=world.agent.owner_id)
    verified.display_name = "钱夫人"  # a name the holder chose: never shown to whoever names the number
    await session.commit()
    answers = []
    for phone in ("13911112222", "13900000003", "13900000004"):
        response = await _request(
            client, app, world, world.wang, proxy_body(world.roll_keys["1-1-101"], grantee_phone=phone)
        )
        assert response.status_code == 201, response.text
        if answers:
            assert set(response.headers) == set(answers[0][0].headers)
        answers.append((response, response.json()))
    shapes = [_shape(body) for _, body in answers]
    assert shapes[0] == shapes[1] == shapes[2]
    assert all("孙" not in response.text and "钱" not in response.text for response, _ in answers)
    for _, body in answers[:2]:
        refused = await _approve(client, world, body["id"])
        assert (refused.status_code, refused.json()["code"]) == (422, "grant.grantee_not_verified")
    assert (await _approve(client, world, answers[2][1]["id"])).status_code == 200


async def test_requests_naming_one_number_are_limited(client, app, world):
    body = proxy_body(world.roll_keys["1-1-101"], grantee_phone="13911113333")
    for _ in range(5):
        assert (await _request(client, app, world, world.wang, body)).status_code == 201
    limited = await _request(client, app, world, world.wang, body)
    assert limited.status_code == 429, limited.text
    assert limited.json()["code"] == "request.rate_limited"
    assert int(limited.headers["Retry-After"]) == limited.json()["retry_after"] == 3600
    # Another number is not affected.
    other = proxy_body(world.roll_keys["1-1-101"], grantee_phone="13911114444")
    assert (await _request(client, app, world, world.wang, other)).status_code == 201


# --- Places and roles ---


async def test_other_estates_and_read_only_roles(client, session, app, world, repo_root):
    grant = (await _request(client, app, world, world.wang, proxy_body(world.roll_keys["1-1-101"]))).json()
    other, other_committee = await _estate_with_register(client, session, app, repo_root)
    # another estate's committee: the grant is not in its estate, and it has no role on this one
    response = await client.post(
        f"/api/v1/estates/{other.estate.id}/grants/{grant['id']}/approve", headers=other_committee
    )
    assert (response.status_code, response.json()["code"]) == (404, "grant.not_found")
    response = await _approve(client, world, grant["id"], headers=other_committee)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    # the same opaque key means nothing in another estate
    response = await client.post(
        f"/api/v1/estates/{other.estate.id}/grants",
        json=proxy_body(world.roll_keys["1-1-101"]),
        headers=bearer(app, world.wang),
    )
    assert (response.status_code, response.json()["code"]) == (404, "grant.group_not_found")
    observer = await make_api_key(session, app.state.token_hasher, role=Role.OBSERVER, community_id=world.community_id)
    response = await _approve(client, world, grant["id"], headers=observer)
    assert (response.status_code, response.json()["code"]) == (403, "auth.forbidden")
    response = await client.get(world.url(), headers=observer)
    assert response.status_code == 403
    # an owner is no organiser
    response = await _approve(client, world, grant["id"], headers=bearer(app, world.wang))
    assert response.status_code == 404


async def test_deciding_twice_is_a_conflict(client, app, world):
    grant = (await _request(client, app, world, world.wang, proxy_body(world.roll_keys["1-1-101"]))).json()
    assert (await _approve(client, world, grant["id"])).status_code == 200
    response = await _approve(client, world, grant["id"])
    assert (response.status_code, response.json()["code"]) == (409, "grant.already_decided")
    response = await client.post(world.url(f"/{grant['id']}/reject"), json={"reason": "x"}, headers=world.committee)
    assert (response.status_code, response.json()["code"]) == (409, "grant.already_decided")
    response = await client.post(world.url(f"/{grant['id']}/reject"), json={"reason": ""}, headers=world.committee)
    assert response.status_code == 422


async def test_organiser_list_is_masked_and_filtered(client, app, world):
    pending = (await _request(client, app, world, world.wang, proxy_body(world.roll_keys["1-1-101"]))).json()
    approved = (await _request(client, app, world, world.li, proxy_body(world.roll_keys["3-1-102"]))).json()
    await _approve(client, world, approved["id"])
    response = await client.get(world.url(), params={"status": "PENDING"}, headers=world.committee)
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [pending["id"]]
    everything = await client.get(world.url(), headers=world.committee)
    assert {item["id"] for item in everything.json()["items"]} == {pending["id"], approved["id"]}
    assert PHONE_AGENT not in everything.text
    assert "王一" not in everything.text
    assert "王*" not in everything.text  # parties by masked phone only: display names are never shown
    assert ID_WANG not in everything.text
    assert str(world.wang.owner_id) not in everything.text  # owner ids stay internal

    mine = (await client.get("/api/v1/me/grants", headers=bearer(app, world.agent))).json()["items"]
    assert {(item["id"], tuple(item["relations"])) for item in mine} == {
        (pending["id"], ("GRANTEE",)),
        (approved["id"], ("GRANTEE",)),
    }
    wang_mine = (await client.get("/api/v1/me/grants", headers=bearer(app, world.wang))).json()["items"]
    assert [(item["relations"], item["estate_name"] != "") for item in wang_mine] == [(["REQUESTER", "OWNER"], True)]
    response = await client.get("/api/v1/me/grants", headers=world.committee)
    assert response.json()["code"] == "grant.account_required"


async def test_adopted_rules_cap_the_groups_one_agent_represents(client, session, app, world):
    """R-PROC-5 / R-CAST-4 (PROCEDURE D5): the rules of procedure in force cap proxies per agent at approval."""
    proposed = await client.post(
        f"/api/v1/estates/{world.estate_id}/procedure-rules",
        json={"document": {"proxies": {"max_per_agent": 1}}},
        headers=world.committee,
    )
    assert proposed.status_code == 201, proposed.text
    # Adopted as a passed topic adopts it (the full path through a vote is tests/procedure).
    await procedure_service.adopt(
        session, uuid.UUID(proposed.json()["id"]), vote_id=uuid.uuid4(), topic_id=uuid.uuid4(), at=NOW
    )
    await session.commit()
    first = (await _request(client, app, world, world.wang, proxy_body(world.roll_keys["1-1-101"]))).json()
    assert (await _approve(client, world, first["id"])).status_code == 200
    second = (await _request(client, app, world, world.li, proxy_body(world.roll_keys["3-1-102"]))).json()
    refused = await _approve(client, world, second["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "grant.proxy_limit_reached")
    await client.post(world.url(f"/{first['id']}/revoke"), headers=bearer(app, world.wang))
    assert (await _approve(client, world, second["id"])).status_code == 200  # one group again
