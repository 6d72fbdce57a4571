"""Register match (issue #4 item 3, R-CAST-1, R-PI-3's non-biometric path) and its lockout (item 7)."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.access import Role
from app.notice.models import Audience, Notice, NoticeKind
from app.realname.models import VerificationAttempt
from tests.factories import bearer, make_api_key
from tests.realname.conftest import (
    CERT_201,
    CERT_ORG,
    CERT_WANG_101,
    CERT_WANG_102,
    CREDIT_CODE,
    ID_LI,
    ID_UNKNOWN,
    ID_WANG,
    ID_ZHANG,
    ID_ZHOU,
    T0,
    WRONG_CERT,
    attempts,
    events_of,
    fresh_account,
    import_sample,
    login,
)

URL = "/api/v1/me/verification"


async def _verify(client, headers, id_number, certificate_number):  # type: ignore[no-untyped-def]
    return await client.post(
        URL, json={"id_number": id_number, "certificate_number": certificate_number}, headers=headers
    )


async def test_register_match_verifies_the_account(client, session, app, world, clock):
    account, headers = await login(session, app)
    response = await _verify(client, headers, ID_WANG, CERT_WANG_101)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "verified": True,
        "method": "REGISTER_MATCH",
        "owner_identifier_masked": "**************0016",
        "estates": [str(world.places.estate.id)],
    }
    stored = await fresh_account(session, account.id)
    assert stored.owner_id is not None
    assert stored.verified_at == T0  # the injected clock
    assert stored.verification_method == "REGISTER_MATCH"
    [attempt] = await attempts(session, account.id)
    assert attempt.succeeded
    assert attempt.method.value == "REGISTER_MATCH"
    [event] = await events_of(session, account.id, "verification.succeeded")
    assert event.details["other_accounts"] == 0
    assert event.details["estates"] == [str(world.places.estate.id)]

    status = (await client.get(URL, headers=bearer(app, account))).json()
    assert status["verified"] is True
    assert status["method"] == "REGISTER_MATCH"
    assert status["owner_identifier_masked"] == "**************0016"
    assert status["pending_requests"] == []
    assert status["locked_until"] is None


async def test_co_owner_verifies_with_full_width_and_spaced_input(client, session, app, world):
    _, headers = await login(session, app)
    spaced = " ".join([ID_ZHANG[:6], ID_ZHANG[6:14], ID_ZHANG[14:]])
    response = await _verify(client, headers, spaced, "京（2019）朝阳区不动产权第0000201号")
    assert response.status_code == 200, response.text
    assert response.json()["owner_identifier_masked"].endswith("0031")


@pytest.mark.parametrize(
    ("id_number", "certificate"),
    [
        pytest.param(ID_WANG, WRONG_CERT, id="unknown-certificate"),
        pytest.param(ID_WANG, CERT_201, id="certificate-of-another-owners-unit"),
        pytest.param(ID_UNKNOWN, CERT_WANG_101, id="id-not-in-register"),
    ],
)
async def test_every_mismatch_gives_the_same_answer(client, session, app, world, id_number, certificate):
    account, headers = await login(session, app)
    reference = await _verify(client, headers, ID_LI, WRONG_CERT)  # a known mismatch, for comparison
    response = await _verify(client, headers, id_number, certificate)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "verification.mismatch"
    strip = ("instance", "request_id")
    assert {k: v for k, v in body.items() if k not in strip} == {
        k: v for k, v in reference.json().items() if k not in strip
    }
    assert (await fresh_account(session, account.id)).owner_id is None
    rows = await attempts(session, account.id)
    assert [row.succeeded for row in rows] == [False, False]  # persisted although the answer was an error
    failed = await events_of(session, account.id, "verification.failed")
    assert [event.details["reason"] for event in failed] == ["mismatch", "mismatch"]


async def test_organisations_do_not_verify_as_persons(client, session, app, world):
    _, headers = await login(session, app)
    response = await _verify(client, headers, CREDIT_CODE, CERT_ORG)
    assert response.status_code == 422
    assert response.json()["code"] == "verification.id_invalid"


async def test_invalid_id_number_is_refused_and_counted(client, session, app, world):
    account, headers = await login(session, app)
    bad = ID_WANG[:-1] + ("7" if ID_WANG[-1] != "7" else "8")  # wrong check character
    for id_number in (bad, "12345"):
        response = await _verify(client, headers, id_number, CERT_WANG_101)
        assert response.status_code == 422
        assert response.json()["code"] == "verification.id_invalid"
    assert [row.succeeded for row in await attempts(session, account.id)] == [False, False]


async def test_only_the_latest_register_version_counts(client, session, app, world, repo_root):
    sample = (repo_root / "samples/register-sample.csv").read_text(encoding="utf-8-sig")
    without_wang = "\n".join(line for line in sample.splitlines() if "王一" not in line) + "\n"
    response = await client.post(
        f"/api/v1/estates/{world.places.estate.id}/register/imports",
        files={"file": ("v2.csv", without_wang.encode(), "text/csv")},
        headers=world.committee,
    )
    assert response.status_code == 201, response.text
    _, headers = await login(session, app)
    response = await _verify(client, headers, ID_WANG, CERT_WANG_101)
    assert response.status_code == 422
    assert response.json()["code"] == "verification.mismatch"


async def test_estates_lists_every_estate_where_the_person_owns_units(client, session, app, world, repo_root):
    second = await import_sample(client, session, app, repo_root)
    _, headers = await login(session, app)
    response = await _verify(client, headers, ID_WANG, CERT_WANG_102)
    assert response.status_code == 200, response.text
    assert sorted(response.json()["estates"]) == sorted([str(world.places.estate.id), str(second.places.estate.id)])


async def test_already_verified_as_another_owner_is_a_conflict(client, session, app, world):
    account, headers = await login(session, app)
    assert (await _verify(client, headers, ID_WANG, CERT_WANG_101)).status_code == 200
    other = await _verify(client, headers, ID_LI, "京(2021)朝阳区不动产权第0000402号")
    assert other.status_code == 409
    assert other.json()["code"] == "verification.already_verified"
    again = await _verify(client, headers, ID_WANG, CERT_WANG_102)  # the same owner: idempotent
    assert again.status_code == 200
    assert again.json()["method"] == "REGISTER_MATCH"
    stored = await fresh_account(session, account.id)
    assert stored.verified_at == T0
    refused = await events_of(session, account.id, "verification.refused")
    assert [event.details["reason"] for event in refused] == ["already_verified"]
    assert [row.succeeded for row in await attempts(session, account.id)] == [True, True]


async def test_a_second_account_of_the_same_person_is_allowed_and_noted(client, session, app, world):
    first, first_headers = await login(session, app)
    second, second_headers = await login(session, app)
    assert (await _verify(client, first_headers, ID_WANG, CERT_WANG_101)).status_code == 200
    assert (await _verify(client, second_headers, ID_WANG, CERT_WANG_101)).status_code == 200
    assert (await fresh_account(session, second.id)).owner_id == (await fresh_account(session, first.id)).owner_id
    [event] = await events_of(session, second.id, "verification.succeeded")
    assert event.details["other_accounts"] == 1


async def test_api_keys_cannot_verify(client, session, app, world):
    for method, body in (("post", {"id_number": ID_WANG, "certificate_number": CERT_WANG_101}), ("get", None)):
        response = await client.request(method, URL, json=body, headers=world.committee)
        assert response.status_code == 403
        assert response.json()["code"] == "verification.account_required"


async def test_unauthenticated_is_401(client, world):
    response = await client.post(URL, json={"id_number": ID_WANG, "certificate_number": CERT_WANG_101})
    assert response.status_code == 401


async def test_lockout_after_five_failures_per_account(client, session, app, world, clock):
    account, headers = await login(session, app)
    # Five different ID numbers, so only the per-account count reaches its limit.
    for id_number in (ID_WANG, ID_LI, ID_ZHANG, ID_UNKNOWN, ID_ZHOU):
        response = await _verify(client, headers, id_number, WRONG_CERT)
        assert response.status_code == 422
        clock.advance(minutes=1)
    # 6th attempt, with correct data: locked until the oldest failure (T0) leaves the 24 h window.
    locked = await _verify(client, headers, ID_WANG, CERT_WANG_101)
    assert locked.status_code == 429, locked.text
    assert locked.json()["code"] == "verification.locked"
    assert locked.headers["retry-after"] == str(24 * 3600 - 5 * 60)
    assert locked.json()["retry_at"] == "2026-03-03T09:00:00+08:00"
    status = (await client.get(URL, headers=headers)).json()
    assert status["locked_until"] == "2026-03-03T09:00:00+08:00"
    assert len(await attempts(session, account.id)) == 5  # a refused attempt is not evaluated nor counted
    assert len(await events_of(session, account.id, "verification.locked")) == 1

    clock.advance(hours=24, minutes=-5, seconds=-1)  # one second before the oldest failure leaves
    headers = bearer(app, account)  # the old access token expired meanwhile
    still = await _verify(client, headers, ID_WANG, CERT_WANG_101)
    assert still.status_code == 429
    assert still.headers["retry-after"] == "1"

    clock.advance(seconds=1)
    response = await _verify(client, headers, ID_WANG, CERT_WANG_101)
    assert response.status_code == 200, response.text


async def test_three_failures_lock_the_account_for_that_id_number_only(client, session, app, world, clock):
    _, headers = await login(session, app)
    for _ in range(3):
        assert (await _verify(client, headers, ID_WANG, WRONG_CERT)).status_code == 422
    locked = await _verify(client, headers, ID_WANG, CERT_WANG_101)
    assert locked.status_code == 429
    assert locked.json()["code"] == "verification.locked"
    # The same account may still try another ID number (its own limit is five).
    other = await _verify(client, headers, ID_LI, "京(2021)朝阳区不动产权第0000402号")
    assert other.status_code == 200, other.text


def _client_from(app, address: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://evote.test")


async def test_failures_against_a_victims_id_number_never_lock_the_victim_out(client, session, app, world, clock):
    """Many attacker accounts and addresses fail against 王一's ID number; 王一 still verifies, and the estate's
    organisers and street office are alerted once (a notice and an audit entry, without the ID number)."""
    for attacker in range(4):
        _, headers = await login(session, app)
        async with _client_from(app, f"198.51.100.{attacker}") as attacker_client:
            for _ in range(3):
                assert (await _verify(attacker_client, headers, ID_WANG, WRONG_CERT)).status_code == 422
    victim_account, victim = await login(session, app)
    async with _client_from(app, "203.0.113.50") as own_phone:
        response = await _verify(own_phone, victim, ID_WANG, CERT_WANG_101)
    assert response.status_code == 200, response.text
    assert (await fresh_account(session, victim_account.id)).owner_id is not None

    alerts = (
        await session.scalars(
            select(Notice).where(
                Notice.estate_id == world.places.estate.id, Notice.kind == NoticeKind.VERIFICATION_ALERT
            )
        )
    ).all()
    assert len(alerts) == 1  # at the fifth failure, not again at the sixth to twelfth
    assert alerts[0].audience == Audience.ORGANISERS  # the committee and the street office read it
    entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.kind == "verification.identifier_targeted"))
    ).all()
    assert [entry.estate_id for entry in entries] == [world.places.estate.id]
    assert entries[0].payload["failures"] == 5
    for text in (alerts[0].title, alerts[0].body, json.dumps(entries[0].payload, ensure_ascii=False)):
        assert ID_WANG not in text
        assert ID_WANG[-4:] not in text


async def test_an_address_with_many_failures_is_locked_whatever_the_account(client, session, app, world, clock):
    limits = app.state.settings.verification_max_failures_per_address
    async with _client_from(app, "198.51.100.77") as attacker:
        for n in range(limits):
            _, headers = await login(session, app)
            id_number = (ID_WANG, ID_LI, ID_ZHANG, ID_UNKNOWN)[n % 4]
            assert (await _verify(attacker, headers, id_number, WRONG_CERT)).status_code == 422
        _, fresh = await login(session, app)
        locked = await _verify(attacker, fresh, ID_LI, WRONG_CERT)
    assert locked.status_code == 429
    assert locked.json()["code"] == "verification.locked"
    # The attempts keep only a keyed hash of the address.
    stored = (await session.scalars(select(VerificationAttempt.client_index))).all()
    assert stored
    assert all(index is not None and "198.51.100" not in index for index in stored)


async def test_reviewers_of_another_role_cannot_use_me_endpoints_with_keys(client, session, app, world):
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    response = await client.get(URL, headers=admin)
    assert response.status_code == 403
