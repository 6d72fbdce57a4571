"""What the drills share: throwaway databases, a real ``evote serve`` on loopback, a generated estate, figures.

Every drill builds its own world in a database of its own, talks to the service over HTTP on 127.0.0.1 only,
bounds its time and counts, prints a figures table and writes the same figures as JSON to
``var/drills/<name>.json``; its exit status is 0 only if every check held.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.common.access import Role, Scope
from app.db.base import utcnow
from app.db.session import unit_of_work
from app.identity.models import Account
from app.identity.phone import PHONE_FIELD
from app.identity.service import OPERATOR, TokenHasher, issue_api_key
from app.identity.tokens import TokenService
from app.realname.models import OwnerBinding, VerificationMethod
from app.register.models import Owner
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.rules.categories import Category, statutory_rule
from app.security.pii import FieldCipher
from app.settings import Settings
from app.vote.models import RollGroup, Topic, TopicKind, Vote, VoteStatus
from app.vote.snapshot import take_snapshot
from app.vote.spec import rule_to_json
from tests.factories import make_places

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "var" / "drills"
PG_ADMIN_DSN = os.environ.get("EVOTE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
HEADER = "楼栋,单元,房号,面积,面积来源,车位,销售状态,已交付,权属依据,不动产权证号,业主姓名,证件号码,业主类型"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# --- a generated register -------------------------------------------------------------------------------------


def resident_id(number: int) -> str:
    """A valid, unique 18-digit resident ID number (GB 11643 check digit) for owner ``number``."""
    born = date(1950, 1, 1) + timedelta(days=number // 900)
    body = f"110105{born:%Y%m%d}{number % 900 + 100:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def register_csv(units: int, *, co_owned: int = 0, first: int = 0) -> bytes:
    """``units`` units of 100 m², one owner each, except the first ``co_owned``, which have a second owner.

    Unit ``n`` belongs to owner ``first + n``; the second owners of the co-owned units are ``first + units + i``.
    Worlds sharing a database need disjoint owner numbers (owners are identified across estates).
    """
    rows = []
    for n in range(units):
        names, ids = f"业主{first + n}", resident_id(first + n)
        if n < co_owned:
            names, ids = f"{names};业主{first + units + n}", f"{ids};{resident_id(first + units + n)}"
        kinds = ";".join(["个人"] * (ids.count(";") + 1))
        rows.append(
            f"{n // 1000 + 1},{n // 100 % 10 + 1},{100 + n % 100},100.00,不动产登记,否,已售,是,不动产登记,"
            f"京(2019)朝阳区不动产权第{first + n:07d}号,{names},{ids},{kinds}"
        )
    return ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Voter:
    number: int
    account_id: uuid.UUID
    owner_id: uuid.UUID
    group_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True, slots=True)
class World:
    estate_id: uuid.UUID
    vote_id: uuid.UUID
    topic_id: str
    voters: list[Voter]
    """One verified account per owner, in owner order (co-owners' second owners at the end)."""
    ends_at: datetime
    admin_key: str

    @property
    def ballots_url(self) -> str:
        return f"/api/v1/votes/{self.vote_id}/ballots"

    def ballot(self, voter: Voter, answer: str = "AGREE") -> dict[str, Any]:
        return {"group_id": voter.group_id, "answers": {self.topic_id: answer}}


async def build_world(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    units: int,
    co_owned: int = 0,
    first: int = 0,
    starts_at: datetime,
    ends_at: datetime,
) -> World:
    """An estate of ``units`` units, its register, a published YES/NO vote over it, and a token per owner."""
    cipher = FieldCipher.from_settings(settings)
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        places = await make_places(session, cipher)
        outcome = await import_register(
            session, places.estate.id, register_csv(units, co_owned=co_owned, first=first),
            register_format=RegisterFormat.CSV, source_name="drill.csv", imported_by=OPERATOR, cipher=cipher,
        )  # fmt: skip
        vote = Vote(
            id=uuid.uuid4(), estate_id=places.estate.id, title="演练表决", organiser_kind="OWNERS_COMMITTEE",
            created_by="drill", status=VoteStatus.PUBLISHED, starts_at=starts_at, ends_at=ends_at,
            published_at=starts_at - timedelta(days=16), published_by="drill", notice_hash="0" * 64,
            posted_at=starts_at - timedelta(days=16),  # R-NOTICE-3: posted on site as published, so it opens
        )  # fmt: skip
        session.add(vote)
        topic = Topic(
            vote_id=vote.id, position=0, title="续聘物业服务企业", text="续聘物业服务企业", kind=TopicKind.YES_NO,
            matters=["HIRE_DISMISS_PROVIDER"], category=Category.ORDINARY,
            rule=rule_to_json(statutory_rule(Category.ORDINARY)), options=None, election=None,
            declaration_property_management=True, content_hash="0" * 64,
        )  # fmt: skip
        session.add(topic)
        await session.flush()
        await take_snapshot(
            session, vote, outcome.version, scope_units=None, pseudonym_key=settings.key("pseudonym_key")
        )
        await session.flush()
        numbers = {cipher.blind_index("owner.identifier", resident_id(first + n)): n for n in range(units + co_owned)}
        owners = {
            numbers[index]: owner_id
            for owner_id, index in (
                await session.execute(
                    select(Owner.id, Owner.identifier_index).where(Owner.identifier_index.in_(numbers))
                )
            ).all()
        }
        group_of: dict[str, str] = {}
        for row in await session.scalars(select(RollGroup).where(RollGroup.vote_id == vote.id)):
            for owner in row.owner_ids:
                group_of[owner] = row.group_id
        accounts = []
        for n in range(units + co_owned):
            protected = cipher.protect(PHONE_FIELD, f"139{first + n:08d}")
            accounts.append(
                Account(
                    id=uuid.uuid4(), phone_ciphertext=protected.ciphertext, phone_index=protected.blind_index,
                    phone_last4=protected.last4, owner_id=owners[n], verified_at=now,
                    verification_method="REGISTER_MATCH",
                )
            )  # fmt: skip
        session.add_all(accounts)
        await session.flush()
        session.add_all(  # R-CAST-1: each account verified against this estate's register (one binding each)
            OwnerBinding(
                account_id=account.id, estate_id=places.estate.id, owner_id=owners[n],
                register_version_id=outcome.version.id, method=VerificationMethod.REGISTER_MATCH,
            )
            for n, account in enumerate(accounts)
        )  # fmt: skip
        await session.flush()
        _, admin_key = await issue_api_key(
            session, name="drill-admin", scope=Scope(Role.ADMIN, None, None, None),
            hasher=TokenHasher(settings.key("token_hash_key")),
        )  # fmt: skip
        estate_id, vote_id, topic_id = places.estate.id, vote.id, str(topic.id)
    tokens = TokenService.from_settings(settings)
    voters = [
        Voter(n, account.id, owners[n], group_of[str(owners[n])], tokens.issue_access(str(account.id), now=now).token)
        for n, account in enumerate(accounts)
    ]
    return World(estate_id, vote_id, topic_id, voters, ends_at, admin_key)


# --- databases ------------------------------------------------------------------------------------------------


def database_url(name: str, admin_dsn: str = PG_ADMIN_DSN) -> str:
    return admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name


async def create_database(name: str, admin_dsn: str = PG_ADMIN_DSN) -> str:
    connection = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return database_url(name, admin_dsn)


async def drop_database(name: str, admin_dsn: str = PG_ADMIN_DSN) -> None:
    connection = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def drill_settings(url: str, key_dir: Path, **extra: Any) -> Settings:
    return Settings(env="development", database_url=url, dev_key_dir=key_dir, log_json=False, **extra)


# --- a real server ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(url: str, key_dir: Path, **settings: str) -> dict[str, str]:
    """The process environment of a development server on ``url``; no inherited ``EVOTE_*`` leaks in."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVOTE_")}
    env.update(
        EVOTE_ENV="development", EVOTE_DATABASE_URL=url, EVOTE_DEV_KEY_DIR=str(key_dir), EVOTE_AUTO_MIGRATE="false",
        EVOTE_LOG_LEVEL="WARNING", EVOTE_LOG_JSON="true", EVOTE_JWT_ACCESS_TTL_SECONDS="3600",
        EVOTE_NOTICE_DISPATCH_INTERVAL_SECONDS="0",
    )  # fmt: skip
    env.update({f"EVOTE_{name.upper()}": value for name, value in settings.items()})
    return env


class Server:
    """``evote serve`` as a child process on a loopback port, its output in ``log_path``."""

    def __init__(self, env: Mapping[str, str], log_path: Path, port: int | None = None) -> None:
        self.env = dict(env)
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        evote = Path(sys.executable).with_name("evote")
        command = [str(evote)] if evote.exists() else [sys.executable, "-m", "app"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    async def wait_ready(self, within: float = 60) -> float:
        """Seconds until ``/readyz`` answers 200; fails if the process exits or the time runs out."""
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as client:
            while time.monotonic() - started < within:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"evote serve exited with {self.process.returncode}; see {self.log_path}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"evote serve not ready after {within} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


# --- figures -----------------------------------------------------------------------------------------------------


def report(name: str, figures: Mapping[str, Any], checks: Mapping[str, bool]) -> int:
    """Print the figures and checks, write them to ``var/drills/<name>.json``; 0 if every check held."""
    passed = all(checks.values())
    width = max(len(key) for key in [*figures, *checks])
    say(f"\n== drill: {name} ==")
    for key, value in figures.items():
        say(f"  {key:<{width}}  {value}")
    say("  checks:")
    for key, held in checks.items():
        say(f"  {key:<{width}}  {'PASS' if held else 'FAIL'}")
    say(f"  result: {'PASS' if passed else 'FAIL'}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "drill": name,
        "finished_at": utcnow().isoformat(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "figures": dict(figures),
        "checks": dict(checks),
        "passed": passed,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    say(f"  written: {path.relative_to(ROOT)}")
    return 0 if passed else 1
