"""Shared arrangements for the verification tests: the sample register imported through the API, a fixed clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.common.access import Role
from app.identity.models import Account, IdentityEvent
from app.realname.models import VerificationAttempt
from tests.factories import Places, bearer, make_account, make_api_key, make_places

ID_WANG = "110105198001010016"  # 王一: owns 1-1-101 and 1-1-102
CERT_WANG_101 = "京(2019)朝阳区不动产权第0000101号"
CERT_WANG_102 = "京(2019)朝阳区不动产权第0000102号"
ID_LI = "110105198102020029"  # 李二: co-owner of 1-2-201 with 张三; owns 3-1-102
ID_ZHANG = "110105198203030031"  # 张三: co-owner of 1-2-201
CERT_201 = "京(2019)朝阳区不动产权第0000201号"
ID_ZHOU = "11010519850606006X"  # 周八: unregistered buyer of 3-1-101, no certificate (manual path)
CREDIT_CODE = "91110105MA01ABCD13"  # an organisation: owns 2-1-102
CERT_ORG = "京(2020)朝阳区不动产权第0000302号"
WRONG_CERT = "京(2019)朝阳区不动产权第9999999号"

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    """A resident ID number with a correct check character (GB 11643)."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


ID_UNKNOWN = resident_id("11010519900101123")  # valid, but in no register
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class World:
    places: Places
    committee: dict[str, str]  # Authorization header of the estate's committee (an API key)


@pytest.fixture
def clock(app) -> FixedClock:  # type: ignore[no-untyped-def]
    fixed = FixedClock(T0)
    app.state.clock = fixed
    return fixed


async def import_sample(client, session, app, repo_root) -> World:  # type: ignore[no-untyped-def]
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    content = (repo_root / "samples/register-sample.csv").read_bytes()
    response = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("register-sample.csv", content, "text/csv")},
        headers=committee,
    )
    assert response.status_code == 201, response.text
    return World(places, committee)


@pytest.fixture
async def world(client, session, app, repo_root, clock) -> World:  # type: ignore[no-untyped-def]
    return await import_sample(client, session, app, repo_root)


async def new_account(session, app, **kwargs) -> Account:  # type: ignore[no-untyped-def]
    account = await make_account(session, app.state.cipher, **kwargs)
    await session.commit()
    return account


async def login(session, app, **kwargs) -> tuple[Account, dict[str, str]]:  # type: ignore[no-untyped-def]
    account = await new_account(session, app, **kwargs)
    return account, bearer(app, account)


async def fresh_account(session, account_id) -> Account:  # type: ignore[no-untyped-def]
    account = await session.get(Account, account_id, populate_existing=True)
    assert account is not None
    return account


async def attempts(session, account_id) -> list[VerificationAttempt]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(VerificationAttempt)
        .execution_options(populate_existing=True)
        .where(VerificationAttempt.account_id == account_id)
        .order_by(VerificationAttempt.created_at)
    )
    return list(rows.all())


async def events_of(session, account_id, kind: str | None = None) -> list[IdentityEvent]:  # type: ignore[no-untyped-def]
    statement = (
        select(IdentityEvent).execution_options(populate_existing=True).where(IdentityEvent.account_id == account_id)
    )
    if kind is not None:
        statement = statement.where(IdentityEvent.kind == kind)
    return list((await session.scalars(statement.order_by(IdentityEvent.created_at))).all())
