"""Sign-in with a mobile number and a one-time code, rotating refresh tokens, JWKS and /me (issue #4 items 1-2).

Every test goes through HTTP with real codes (read from the console sender's log) and real tokens. The clock
is the app's injected clock, moved forward by the tests.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from app.common.access import Role
from app.identity.models import Account, IdentityEvent, OtpChallenge, RefreshToken, RoleGrant
from tests.factories import make_account, make_api_key

PHONE = "13800138000"
MASKED = "138****8000"
CODES = "/api/v1/auth/codes"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app) -> FakeClock:  # type: ignore[no-untyped-def]
    fake = FakeClock()
    app.state.clock = fake
    return fake


@pytest.fixture(autouse=True)
def sms_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="evote.sms")
    return caplog


def sms_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "evote.sms"]


def last_code(caplog: pytest.LogCaptureFixture) -> str:
    records = sms_records(caplog)
    assert records, "no code was sent"
    code: str = records[-1].sms_code  # type: ignore[attr-defined]
    return code


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def send_code(client, phone: str = PHONE):  # type: ignore[no-untyped-def]
    return await client.post(CODES, json={"phone": phone})


async def sign_in(client, caplog, phone: str = PHONE) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Request a code, read it from the console sender's log and sign in; the token pair."""
    response = await send_code(client, phone)
    assert response.status_code == 202, response.text
    response = await client.post(LOGIN, json={"phone": phone, "code": last_code(caplog)})
    assert response.status_code == 200, response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


def auth(pair: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {"Authorization": f"Bearer {pair['access_token']}"}


# --- one-time codes ----------------------------------------------------------------------------------------------


async def test_login_happy_path(client, app, clock, sms_log):
    response = await send_code(client, "+86 138-0013-8000")
    assert response.status_code == 202
    assert response.json() == {"expires_in": 300, "resend_after": 60}
    records = sms_records(sms_log)
    assert len(records) == 1
    for record in records:
        assert PHONE not in f"{record.getMessage()} {vars(record)}"
        assert MASKED in record.getMessage()

    response = await client.post(LOGIN, json={"phone": PHONE, "code": last_code(sms_log)})
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900
    assert pair["refresh_token"].startswith("evr_")
    assert pair["refresh_expires_in"] == 30 * 24 * 3600
    assert pair["account"]["phone"] == "*******8000"
    assert pair["account"]["verified"] is False
    claims = app.state.tokens.verify_access(pair["access_token"], now=clock())
    assert claims.subject == pair["account"]["id"]

    me = await client.get("/api/v1/me", headers=auth(pair))
    assert me.status_code == 200
    assert me.json()["id"] == pair["account"]["id"]

    clock.advance(seconds=61)  # the same number signs in again into the same account
    again = await sign_in(client, sms_log)
    assert again["account"]["id"] == pair["account"]["id"]
    for record in sms_records(sms_log):
        assert PHONE not in f"{record.getMessage()} {vars(record)}"


async def test_code_request_does_not_reveal_whether_an_account_exists(client, session, app, clock):
    await make_account(session, app.state.cipher, phone="13911112222")
    await session.commit()
    known = await send_code(client, "13911112222")
    unknown = await send_code(client, "13933334444")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert set(known.headers) == set(unknown.headers)


@pytest.mark.parametrize("phone", ["12345", "23800138000", "1380013800x", "+1 415 555 0100", ""])
async def test_invalid_numbers_are_422(client, clock, phone):
    response = await send_code(client, phone)
    assert response.status_code == 422
    if phone:
        assert response.json()["code"] == "auth.phone_invalid"
        login = await client.post(LOGIN, json={"phone": phone, "code": "123456"})
        assert login.json()["code"] == "auth.phone_invalid"


async def test_wrong_code_is_401(client, clock, sms_log):
    await send_code(client)
    response = await client.post(LOGIN, json={"phone": PHONE, "code": other_code(last_code(sms_log))})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.code_invalid"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_no_code_requested_is_the_same_401(client, clock):
    response = await client.post(LOGIN, json={"phone": PHONE, "code": "123456"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.code_invalid"


async def test_five_wrong_attempts_kill_the_code(client, session, clock, sms_log):
    await send_code(client)
    code = last_code(sms_log)
    for _ in range(5):
        response = await client.post(LOGIN, json={"phone": PHONE, "code": other_code(code)})
        assert response.json()["code"] == "auth.code_invalid"
    response = await client.post(LOGIN, json={"phone": PHONE, "code": code})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.code_invalid"
    # The attempts were committed although every answer was an error.
    challenge = await session.scalar(select(OtpChallenge))
    assert challenge is not None
    assert challenge.attempts == 5
    assert challenge.consumed_at is None
    assert await session.scalar(select(IdentityEvent).where(IdentityEvent.kind == "auth.code_locked")) is not None


async def test_expired_code_is_refused(client, clock, sms_log):
    await send_code(client)
    code = last_code(sms_log)
    clock.advance(minutes=5)
    response = await client.post(LOGIN, json={"phone": PHONE, "code": code})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.code_invalid"


async def test_code_works_until_just_before_expiry(client, clock, sms_log):
    await send_code(client)
    clock.advance(minutes=4, seconds=59)
    response = await client.post(LOGIN, json={"phone": PHONE, "code": last_code(sms_log)})
    assert response.status_code == 200


async def test_code_is_single_use(client, clock, sms_log):
    await send_code(client)
    code = last_code(sms_log)
    assert (await client.post(LOGIN, json={"phone": PHONE, "code": code})).status_code == 200
    again = await client.post(LOGIN, json={"phone": PHONE, "code": code})
    assert again.status_code == 401
    assert again.json()["code"] == "auth.code_invalid"


async def test_a_newer_code_supersedes_the_older_one(client, clock, sms_log):
    await send_code(client)
    first = last_code(sms_log)
    clock.advance(seconds=60)
    await send_code(client)
    second = last_code(sms_log)
    if first != second:
        assert (await client.post(LOGIN, json={"phone": PHONE, "code": first})).status_code == 401
    assert (await client.post(LOGIN, json={"phone": PHONE, "code": second})).status_code == 200
    assert (await client.post(LOGIN, json={"phone": PHONE, "code": first})).status_code == 401


async def test_one_code_per_minute(client, clock, sms_log):
    assert (await send_code(client)).status_code == 202
    response = await send_code(client, "+8613800138000")  # the same number, written differently
    assert response.status_code == 429
    assert response.headers["retry-after"] == "60"
    body = response.json()
    assert body["code"] == "auth.rate_limited"
    assert body["retry_after"] == 60
    assert datetime.fromisoformat(body["retry_at"]) == clock() + timedelta(seconds=60)
    assert len(sms_records(sms_log)) == 1  # nothing sent for the refused request

    clock.advance(seconds=45)
    response = await send_code(client)
    assert response.headers["retry-after"] == "15"
    assert (await send_code(client, "13900001111")).status_code == 202  # other numbers are not affected
    clock.advance(seconds=15)
    assert (await send_code(client)).status_code == 202


async def test_five_codes_per_hour(client, clock):
    for _ in range(5):
        assert (await send_code(client)).status_code == 202
        clock.advance(seconds=61)
    response = await send_code(client)
    assert response.status_code == 429
    wait = 3600 - 5 * 61
    assert response.headers["retry-after"] == str(wait)
    assert response.json()["retry_after"] == wait
    clock.advance(seconds=wait - 1)
    assert (await send_code(client)).status_code == 429
    clock.advance(seconds=1)
    assert (await send_code(client)).status_code == 202


async def test_disabled_account_cannot_sign_in_or_refresh(client, session, app, clock, sms_log):
    pair = await sign_in(client, sms_log)
    account = await session.get(Account, uuid.UUID(pair["account"]["id"]))
    assert account is not None
    account.disabled_at = clock()
    await session.commit()

    clock.advance(seconds=61)
    await send_code(client)
    response = await client.post(LOGIN, json={"phone": PHONE, "code": last_code(sms_log)})
    assert response.status_code == 403
    assert response.json()["code"] == "auth.account_disabled"
    refreshed = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 403
    assert refreshed.json()["code"] == "auth.account_disabled"
    assert (await client.get("/api/v1/me", headers=auth(pair))).status_code == 401


# --- refresh tokens ----------------------------------------------------------------------------------------------


async def test_refresh_rotates_and_reuse_revokes_the_family(client, session, app, clock, sms_log):
    first = await sign_in(client, sms_log)
    clock.advance(minutes=1)
    response = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["account"]["id"] == first["account"]["id"]
    assert (await client.get("/api/v1/me", headers=auth(second))).status_code == 200

    clock.advance(seconds=31)  # past the grace for parallel refreshes
    reused = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "auth.refresh_reused"
    newest = await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
    assert newest.status_code == 401
    assert newest.json()["code"] == "auth.refresh_invalid"

    # The revocation was committed although the response was an error.
    tokens = (await session.scalars(select(RefreshToken))).all()
    assert len(tokens) == 2
    assert len({token.family_id for token in tokens}) == 1
    assert all(token.revoked_at is not None for token in tokens)
    assert await session.scalar(select(IdentityEvent).where(IdentityEvent.kind == "auth.refresh_reused")) is not None


async def test_parallel_refreshes_within_the_grace_get_the_same_next_token(client, session, clock, sms_log):
    first = await sign_in(client, sms_log)
    winner = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    clock.advance(seconds=30)
    retry = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert winner.status_code == retry.status_code == 200, retry.text
    assert retry.json()["refresh_token"] == winner.json()["refresh_token"]
    for pair in (winner.json(), retry.json()):
        assert (await client.get("/api/v1/me", headers=auth(pair))).status_code == 200
    assert len((await session.scalars(select(RefreshToken))).all()) == 2  # no second link was created

    # The family goes on from the shared next token; the old one is now plain reuse, even within the grace.
    third = await client.post(REFRESH, json={"refresh_token": retry.json()["refresh_token"]})
    assert third.status_code == 200
    late = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert late.json()["code"] == "auth.refresh_reused"
    assert (await client.post(REFRESH, json={"refresh_token": third.json()["refresh_token"]})).status_code == 401


async def test_a_used_token_after_the_grace_is_reuse(client, clock, sms_log):
    first = await sign_in(client, sms_log)
    winner = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    clock.advance(seconds=31)
    late = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert late.status_code == 401
    assert late.json()["code"] == "auth.refresh_reused"
    refused = await client.post(REFRESH, json={"refresh_token": winner.json()["refresh_token"]})
    assert refused.json()["code"] == "auth.refresh_invalid"


async def test_each_sign_in_is_its_own_family(client, clock, sms_log):
    first = await sign_in(client, sms_log)
    clock.advance(seconds=61)
    second = await sign_in(client, sms_log)
    await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    clock.advance(seconds=31)
    await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})  # reuse: revokes family 1 only
    assert (await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})).status_code == 200


@pytest.mark.parametrize("token", ["evr_unknown", "not-a-token", "x" * 200])
async def test_unknown_refresh_token_is_401(client, clock, token):
    response = await client.post(REFRESH, json={"refresh_token": token})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.refresh_invalid"


async def test_expired_refresh_token_is_401(client, clock, sms_log):
    pair = await sign_in(client, sms_log)
    clock.advance(days=30)
    response = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert response.json()["code"] == "auth.refresh_invalid"


async def test_logout_revokes_the_family(client, session, clock, sms_log):
    pair = await sign_in(client, sms_log)
    rotated = (await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})).json()
    response = await client.post(LOGOUT, json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204
    assert response.content == b""
    refused = await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert refused.status_code == 401
    assert refused.json()["code"] == "auth.refresh_invalid"
    assert (await client.post(LOGOUT, json={"refresh_token": rotated["refresh_token"]})).status_code == 204
    assert (await client.post(LOGOUT, json={"refresh_token": "evr_unknown"})).status_code == 204
    logouts = (await session.scalars(select(IdentityEvent).where(IdentityEvent.kind == "auth.logout"))).all()
    assert len(logouts) == 1


async def test_body_with_unknown_fields_is_422(client, clock):
    response = await client.post(REFRESH, json={"refresh_token": "evr_x", "extra": 1})
    assert response.status_code == 422


# --- access tokens, JWKS, /me ------------------------------------------------------------------------------------


async def test_jwks_verifies_a_login_token_on_its_own(client, app, clock, sms_log):
    response = await client.get("/api/v1/auth/jwks")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert keys[0]["kid"] == app.state.tokens.keys.kid
    assert all("d" not in key for key in keys)

    pair = await sign_in(client, sms_log)
    kid = jwt.get_unverified_header(pair["access_token"])["kid"]
    [jwk] = [key for key in keys if key["kid"] == kid]
    claims = jwt.decode(
        pair["access_token"],
        key=jwt.PyJWK(jwk),
        algorithms=["EdDSA"],
        audience=app.state.settings.jwt_audience,
        issuer=app.state.settings.jwt_issuer,
    )
    assert claims["sub"] == pair["account"]["id"]


async def test_expired_access_token_is_401_token_expired(client, clock, sms_log):
    pair = await sign_in(client, sms_log)
    clock.advance(minutes=16)
    response = await client.get("/api/v1/me", headers=auth(pair))
    assert response.status_code == 401
    assert response.json()["code"] == "auth.token_expired"
    refreshed = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert (await client.get("/api/v1/me", headers=auth(refreshed.json()))).status_code == 200


async def test_me_shows_the_account_and_its_roles(client, session, app, clock, sms_log):
    from tests.factories import make_places

    places = await make_places(session, app.state.cipher)
    account = await make_account(session, app.state.cipher, phone=PHONE, display_name="王主任")
    session.add(RoleGrant(account_id=account.id, role=Role.COMMITTEE, estate_id=places.estate.id, granted_by="tests"))
    await session.commit()
    pair = await sign_in(client, sms_log)
    assert pair["account"]["id"] == str(account.id)
    response = await client.get("/api/v1/me", headers=auth(pair))
    assert response.status_code == 200
    assert response.json() == {
        "id": str(account.id),
        "phone": "*******8000",
        "display_name": "王主任",
        "verified": False,
        "verified_at": None,
        "verification_method": None,
        "roles": [
            {"role": "COMMITTEE", "street_office_id": None, "community_id": None, "estate_id": str(places.estate.id)}
        ],
    }


async def test_me_needs_an_account(client, session, app, clock):
    assert (await client.get("/api/v1/me")).status_code == 401
    headers = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    response = await client.get("/api/v1/me", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.account_required"


# --- personal information ----------------------------------------------------------------------------------------


async def test_plain_phone_numbers_are_never_stored(client, session, app, clock, sms_log):
    """R-PI-1/R-PI-2: numbers only as ciphertext, blind index and last four digits; secrets only as hashes."""
    from tests.factories import make_places

    places = await make_places(session, app.state.cipher)
    admin = await make_api_key(session, app.state.token_hasher, role=Role.ADMIN)
    staff_phone = "13722223333"
    granted = await client.post(
        "/api/v1/staff",
        json={"phone": staff_phone, "display_name": "李审计", "role": "AUDITOR", "estate_id": str(places.estate.id)},
        headers=admin,
    )
    assert granted.status_code == 201, granted.text
    pair = await sign_in(client, sms_log)
    rotated = (await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})).json()
    await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})  # reuse event
    await client.post(LOGOUT, json={"refresh_token": rotated["refresh_token"]})
    await send_code(client, "13700000000")
    await client.post(LOGIN, json={"phone": "13700000000", "code": other_code(last_code(sms_log))})

    secrets = [PHONE, "8613800138000", staff_phone, "13700000000", pair["refresh_token"], rotated["refresh_token"]]
    scanned = 0
    for model in (Account, OtpChallenge, RefreshToken, IdentityEvent, RoleGrant):
        for row in (await session.execute(select(model.__table__))).all():
            scanned += 1
            flattened = " ".join(
                value.hex() if isinstance(value, bytes) else str(value) for value in row if value is not None
            )
            for secret in secrets:
                assert secret not in flattened, model.__tablename__
                assert secret.encode().hex() not in flattened, model.__tablename__
    assert scanned > 10
