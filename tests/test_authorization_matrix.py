"""The role × endpoint matrix (issue #4): each role reaches exactly what it may; other places get 404.

World: estate A (street office SA, community CA) with the section-P register and an open vote; estate B in
another street. Principals hold one role each: operator; SA, committee, observer (residents' committee of CA),
auditor of A; the same roles for B; a verified owner in A's roll; an unverified account.

1. Every GET path under an estate or a vote of A, read from the OpenAPI document (so new endpoints are covered
   automatically), answers 404 to every principal of B and to strangers — never A's data.
2. A curated table of reads and writes states, per role, the status each must get on A.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.common.access import Role, Scope
from app.db.base import utcnow
from app.register.models import OwnerKind
from app.register.repository import get_or_create_owner
from tests.ballot.helpers import WANG, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places
from tests.factories_vote import make_vote, yes_no_topic

NOW = utcnow().replace(microsecond=0)
PERSON_ID = "110105199206061233"  # in no register
REGISTER = (
    "building,room,area,area_source,evidence,owner_names,owner_ids\n"
    "9,901,80.00,REGISTRY,REGISTRATION,王一,110105198001010016\n"
)
A_ROLES = ("admin", "so_a", "committee_a", "observer_a", "auditor_a")
OUTSIDERS = ("so_b", "committee_b", "observer_b", "auditor_b", "stranger", "person")


@pytest.fixture
async def world(client, session, app):
    app.state.clock = lambda: NOW + timedelta(hours=1)
    fixture = await make_vote(session, app.state.cipher, now=NOW, topics=[yes_no_topic()])
    a = fixture.places
    b = await make_places(session, app.state.cipher)
    owner = await make_account(session, app.state.cipher, owner_id=await owner_id(session, app, WANG))
    # Issue #19 item 5: verified as a person (owns no home, holds no grant): every read of A is not found.
    someone = await get_or_create_owner(session, kind=OwnerKind.PERSON, identifier=PERSON_ID, cipher=app.state.cipher)
    person = await make_account(session, app.state.cipher, owner_id=someone.id)

    async def staff(role: Role, **scope):
        return bearer(app, await make_account(session, app.state.cipher, scopes=(Scope(role, **scope),)))

    headers = {
        "so_a": await staff(Role.STREET_OFFICE, street_office_id=a.street_office.id),
        "committee_a": await staff(Role.COMMITTEE, estate_id=a.estate.id),
        "observer_a": await staff(Role.OBSERVER, community_id=a.community.id),
        "auditor_a": await staff(Role.AUDITOR, estate_id=a.estate.id),
        "so_b": await staff(Role.STREET_OFFICE, street_office_id=b.street_office.id),
        "committee_b": await staff(Role.COMMITTEE, estate_id=b.estate.id),
        "observer_b": await staff(Role.OBSERVER, community_id=b.community.id),
        "auditor_b": await staff(Role.AUDITOR, estate_id=b.estate.id),
        "owner_a": bearer(app, owner),
        "stranger": bearer(app, await make_account(session, app.state.cipher)),
        "person": bearer(app, person),
    }
    await session.commit()
    headers["admin"] = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    return {"estate_id": str(a.estate.id), "vote_id": str(fixture.vote.id), "headers": headers}


def _a_scoped_get_paths(app) -> list[str]:
    paths = []
    for path, operations in app.openapi()["paths"].items():
        parameters = set(re.findall(r"{(\w+)}", path))
        if "get" in operations and parameters and parameters <= {"estate_id", "vote_id"}:
            paths.append(path)
    return sorted(paths)


async def test_other_places_and_strangers_get_404_on_every_read_of_estate_a(client, app, world):
    paths = _a_scoped_get_paths(app)
    assert len(paths) >= 10  # the sweep really covers the estate and vote endpoints
    for path in paths:
        url = path.format(estate_id=world["estate_id"], vote_id=world["vote_id"])
        for principal in OUTSIDERS:
            response = await client.get(url, headers=world["headers"][principal])
            assert response.status_code == 404, (principal, path, response.status_code, response.text[:200])
            assert response.json()["code"] in ("not_found", "auth.forbidden") or response.json()["code"].endswith(
                "not_found"
            )


# (method, path template, body kind) → expected status per principal; principals not listed expect 404.
MATRIX = [
    # Issue #19 item 4: the owners' app reads the estate, its vote list and its owners' notices.
    ("GET", "/api/v1/estates/{estate_id}", None, dict.fromkeys(A_ROLES, 200) | {"owner_a": 200}),
    ("GET", "/api/v1/estates/{estate_id}/roll", None, dict.fromkeys(A_ROLES, 200)),
    ("GET", "/api/v1/estates/{estate_id}/votes", None, dict.fromkeys(A_ROLES, 200) | {"owner_a": 200}),
    ("GET", "/api/v1/estates/{estate_id}/notices", None, dict.fromkeys(A_ROLES, 200) | {"owner_a": 200}),
    ("GET", "/api/v1/votes/{vote_id}", None, dict.fromkeys(A_ROLES, 200) | {"owner_a": 200}),
    ("GET", "/api/v1/votes/{vote_id}/turnout", None, dict.fromkeys(A_ROLES, 200) | {"owner_a": 200}),
    ("GET", "/api/v1/votes/{vote_id}/result", None, dict.fromkeys(A_ROLES, 409) | {"owner_a": 409}),
    ("GET", "/api/v1/votes/{vote_id}/result/units", None, dict.fromkeys(A_ROLES, 409) | {"owner_a": 409}),
    ("GET", "/api/v1/votes/{vote_id}/my-ballot", None, {"owner_a": 200}),
    (
        "GET",
        "/api/v1/votes/{vote_id}/roll",
        None,
        # R-ROLL-7: the estate's owners, the organiser and the street office; not the residents' committee or the
        # auditor (R-SUP-2: no owners' names).
        {"admin": 200, "so_a": 200, "committee_a": 200, "observer_a": 403, "auditor_a": 403, "owner_a": 200},
    ),
    (
        "GET",
        "/api/v1/votes/{vote_id}/participation/not-voted",
        None,
        # R-PART-1: the organiser, the street office and operators; observer and auditor 403, owners 404.
        {"admin": 200, "so_a": 200, "committee_a": 200, "observer_a": 403, "auditor_a": 403, "owner_a": 404},
    ),
    (
        "GET",
        "/api/v1/estates/{estate_id}/verification-requests",
        None,
        {"admin": 200, "so_a": 200, "committee_a": 200, "observer_a": 403, "auditor_a": 403},
    ),
    (
        "POST",
        "/api/v1/estates/{estate_id}/register/imports",
        "register",
        {"admin": 201, "so_a": 201, "committee_a": 201, "observer_a": 403, "auditor_a": 403},
    ),
    (
        "POST",
        "/api/v1/estates/{estate_id}/votes",
        "vote",
        {"admin": 201, "so_a": 201, "committee_a": 201, "observer_a": 403, "auditor_a": 403},
    ),
    (
        "POST",
        "/api/v1/votes/{vote_id}/errata",
        "erratum",
        # R-LIFE-1 with R-SUP-1: the committee's vote; the street office supervises it, it does not organise it.
        {"admin": 201, "so_a": 403, "committee_a": 201, "observer_a": 403, "auditor_a": 403},
    ),
    (
        "POST",
        "/api/v1/votes/{vote_id}/close",
        None,
        # Organisers pass the check and meet R-LIFE-6 (no early close): 409; read-only roles and the street office
        # (the committee's vote, R-SUP-1) 403.
        {"admin": 409, "so_a": 403, "committee_a": 409, "observer_a": 403, "auditor_a": 403},
    ),
]


def _body(kind: str | None, principal: str) -> dict:
    if kind == "register":
        return {"files": {"file": ("r.csv", REGISTER.encode(), "text/csv")}}
    if kind == "vote":
        start = NOW + timedelta(days=20)
        # R-LIFE-1: a street office convenes only in its own name.
        organiser = "STREET_OFFICE" if principal == "so_a" else "OWNERS_COMMITTEE"
        return {
            "json": {
                "title": "临时会议",
                "organiser_kind": organiser,
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(days=7)).isoformat(),
            }
        }
    if kind == "erratum":
        return {"json": {"text": "第二条“物业服务费”应为“物业服务费用”。"}}
    return {}


@pytest.mark.parametrize(("method", "template", "body", "expected"), MATRIX, ids=lambda v: str(v)[:60])
async def test_each_role_reaches_exactly_what_it_may(client, world, method, template, body, expected):
    url = template.format(estate_id=world["estate_id"], vote_id=world["vote_id"])
    for principal, headers in world["headers"].items():
        if principal == "stranger" and template.endswith("/my-ballot"):
            continue  # an unverified account: covered by the sweep above
        wanted = expected.get(principal, 404)
        response = await client.request(method, url, headers=headers, **_body(body, principal))
        got = response.status_code
        if wanted == 201 and body == "register" and got == 200:
            got = 201  # the same register imported again is "unchanged", which is still allowed
        assert got == wanted, (principal, method, template, response.status_code, response.text[:300])


async def test_tokens_that_are_not_ours_are_refused_through_the_api(client, app, world):
    """The JWT attack set through HTTP (unit tests cover each case in depth): all 401, none reaches data."""
    good = world["headers"]["committee_a"]["Authorization"].split(" ", 1)[1]
    header, payload, signature = good.split(".")
    tampered_payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    attacks = [
        f"{header}.{tampered_payload}.{signature}",  # tampered payload
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + ".",  # alg: none
        good[:-4] + "AAAA",  # broken signature
        "not-a-token",
    ]
    for token in attacks:
        response = await client.get(
            f"/api/v1/estates/{world['estate_id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"].startswith("Bearer")
    app.state.clock = lambda: NOW + timedelta(days=2)  # the committee's token has expired by now
    expired = await client.get(f"/api/v1/estates/{world['estate_id']}", headers=world["headers"]["committee_a"])
    assert (expired.status_code, expired.json()["code"]) == (401, "auth.token_expired")
