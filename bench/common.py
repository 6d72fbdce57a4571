"""Shared helpers of the close/tally, export/verify and register-import benchmarks (not of bench/cast_load.py).

* ``register_csv``: a realistic generated register (buildings with entrances and rooms, areas with two
  decimals, owners with valid resident ID numbers, co-owners, organisations with valid credit codes, second
  flats of one owner, unsold developer units, parking spaces).
* ``World``: a migrated benchmark database with a whole vote over that register, built the fast way: the
  register import, the vote, its topics and its publication go through the real services (so the roll, the
  notice and their hashes are the application's own), while the ballots, their marks and their
  ``ballot.cast`` entries are computed in Python exactly as ``app.ballot.service`` computes them and loaded
  with COPY, already integrated into the Merkle tree (leaf hashes by ``app.ledger.entries``, the frontier by
  ``app.ledger.merkle.CompactRange``, one signed checkpoint), outside every timing.
"""

from __future__ import annotations

import asyncio
import json
import platform
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.audit.integrator import integrate_and_sign
from app.audit.keys import LogKeys
from app.audit.models import LogCheckpoint, LogState
from app.common.access import Role, Scope
from app.db.migrate import upgrade
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.demo import demo_photo
from app.identity.service import OPERATOR, TokenHasher, issue_api_key
from app.ledger.ballot import commitment, group_member
from app.ledger.entries import entry_leaf_hash, entry_payload_sha256, leaf_document
from app.ledger.merkle import HASH_SIZE, CompactRange
from app.ledger.note import Checkpoint
from app.main import attach_state, create_app
from app.register import estates
from app.register.identifiers import _ID_CHECK, _ID_WEIGHTS, _USCC_CHARS, _USCC_WEIGHTS
from app.security.pii import FieldCipher
from app.settings import Settings
from app.vote.models import Topic, TopicKind, Vote
from app.vote.spec import marks_for_ballot
from bench.cast_world import recreate_database
from tests.factories_vote import convene
from tests.scenario import CANDIDATES, prepare_election  # the election candidates of the scenario topics

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / "results"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # 15 clear days after the notice (R-LIFE-3)
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
DEVELOPER_CREDIT_CODE = "91110000100012345L"
NIL = uuid.UUID(int=0)
COPY_BATCH = 50_000  # log entries built and copied at a time


# --- figures -----------------------------------------------------------------------------------------------


def machine() -> str:
    return f"{platform.machine()} python {platform.python_version()} ({platform.system()} {platform.release()})"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_results(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps({"benchmark": name, "machine": machine(), **figures}, indent=2) + "\n")
    print(f"wrote {out}")
    return out


@contextmanager
def timed(phases: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + (time.perf_counter() - started) * 1000


def say(message: str) -> None:
    print(message, flush=True)


# --- a generated register ----------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌晓东海燕"
HEADER = "楼栋,单元,房号,面积,面积来源,车位,销售状态,已交付,权属依据,不动产权证号,业主姓名,证件号码,业主类型"


def resident_id(number: int) -> str:
    """A valid GB 11643 ID number, distinct for each ``number`` below 9,000,000 (Chaoyang, born 1950–1974)."""
    born = date(1950, 1, 1) + timedelta(days=number // 1000)
    body = f"110105{born:%Y%m%d}{number % 1000:03d}"
    return body + _ID_CHECK[sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def credit_code(number: int) -> str:
    """A valid GB 32100 unified social credit code, distinct for each ``number``."""
    body = f"91110105{number:09d}"
    total = sum(_USCC_CHARS.index(ch) * weight for ch, weight in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def register_csv(units: int, *, seed: int = 20261122) -> bytes:
    """A register of ``units`` units: 30-storey buildings with 2 entrances and 4 flats a floor, then parking.

    About 20 % of flats are co-owned by two people, 2 % are held by an organisation, 3 % are the second flat
    of the previous flat's owner (one voter group, R-HEAD-1), 1 % are unsold (the developer's group,
    R-HEAD-4), and every 20th owner also has a parking space (excluded from the roll, R-AREA-3).
    """
    rng = random.Random(seed)
    people = 0
    organisations = 0
    lines = [HEADER]
    flats = units - units // 21  # about 1 parking space per 20 flats
    previous_owner: tuple[str, str, str] | None = None
    parking_owners: list[tuple[str, str, str]] = []
    per_building = 30 * 2 * 4

    def person() -> tuple[str, str]:
        nonlocal people
        people += 1
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), resident_id(people)

    for index in range(flats):
        building, rest = divmod(index, per_building)
        entrance, rest = divmod(rest, 30 * 4)
        floor, flat = divmod(rest, 4)
        room = f"{floor + 1}{flat + 1:02d}"
        area = f"{rng.randint(4500, 16000) / 100:.2f}"
        certificate = f"京({2005 + index % 20})朝阳区不动产权第{index + 1:07d}号"
        draw = rng.random()
        if draw < 0.01:
            lines.append(f"{building + 1},{entrance + 1},{room},{area},实测,否,未售,否,建设单位,,,,")
            continue
        if draw < 0.04 and previous_owner is not None:
            names, ids, kinds = previous_owner
        elif draw < 0.06:
            organisations += 1
            names, ids, kinds = f"北京某某商贸有限公司{organisations}", credit_code(organisations), "单位"
        elif draw < 0.26:
            (first, first_id), (second, second_id) = person(), person()
            names, ids, kinds = f"{first};{second}", f"{first_id};{second_id}", "个人;个人"
        else:
            name, number = person()
            names, ids, kinds = name, number, "个人"
        previous_owner = (names, ids, kinds)
        if index % 20 == 0:
            parking_owners.append(previous_owner)
        place = f"{building + 1},{entrance + 1},{room},{area},不动产登记,否,已售,是,不动产登记"
        lines.append(f"{place},{certificate},{names},{ids},{kinds}")
    for number in range(units - len(lines) + 1):
        names, ids, kinds = parking_owners[number % len(parking_owners)]
        area = f"{rng.randint(1000, 1500) / 100:.2f}"
        certificate = f"京(2021)朝阳区不动产权第{flats + number + 1:07d}号"
        lines.append(
            f"P,B1,{number + 1:05d},{area},不动产登记,是,已售,是,不动产登记,{certificate},{names},{ids},{kinds}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- the database ------------------------------------------------------------------------------------------


def database_url(name: str, dsn: str = ADMIN_DSN) -> str:
    return dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + "/" + name


def fresh_database(name: str, dsn: str = ADMIN_DSN) -> str:
    """Drop and recreate ``name``, migrate it with Alembic (as ``evote migrate`` does) and return its URL."""
    asyncio.run(recreate_database(dsn, name))
    url = database_url(name, dsn)
    upgrade(url)
    return url


def bench_settings(url: str) -> Settings:
    keys = Path(tempfile.gettempdir()) / "evote-bench-keys"
    keys.mkdir(exist_ok=True)
    # the generated register of the largest worlds (~450,000 groups) is a CSV above the 50 MiB default upload limit
    return Settings(env="test", dev_key_dir=keys, log_json=False, database_url=url, max_upload_bytes=256 << 20)


def raw_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def make_estate(session: AsyncSession, cipher: FieldCipher, *, label: str) -> uuid.UUID:
    placed = await estates.create_estate_in_places(
        session, OPERATOR, district_code="110105", district_name="朝阳区", street_office_name=f"望京街道{label}",
        community_name=f"望京西园社区{label}", estate_name=f"望京西园{label}",
        developer_name="北京某某房地产开发有限公司", developer_credit_code=DEVELOPER_CREDIT_CODE, cipher=cipher,
    )  # fmt: skip
    estate = placed.estate
    await session.flush()
    return estate.id


# --- a whole vote ------------------------------------------------------------------------------------------


def yes_no_topics(count: int) -> list[dict[str, Any]]:
    return [
        {"kind": "YES_NO", "declaration_property_management": True, "text": "全文", "title": f"议题{number + 1}",
         "matters": ["HIRE_DISMISS_PROVIDER"]}
        for number in range(count)
    ]  # fmt: skip


def answer(topic: Topic, rng: random.Random) -> Any:
    draw = rng.random()
    if topic.kind is TopicKind.YES_NO:
        return "AGREE" if draw < 0.7 else "OPPOSE" if draw < 0.9 else "ABSTAIN"
    if topic.kind is TopicKind.SINGLE_CHOICE:
        return "A" if draw < 0.5 else "B" if draw < 0.8 else "C" if draw < 0.95 else "ABSTAIN"
    if topic.kind is TopicKind.CONSULTATION:
        return "ABSTAIN" if draw < 0.1 else sorted(rng.sample(["X", "Y", "Z"], rng.randint(1, 3)))
    approved = set(rng.sample(CANDIDATES, rng.randint(1, 5)))  # R-ELEC-3: at most the 5 seats
    return {candidate: "AGREE" if candidate in approved else "OPPOSE" for candidate in CANDIDATES}


@dataclass
class World:
    """A benchmark database holding one published vote (see the module docstring)."""

    url: str
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    keys: LogKeys
    estate_id: uuid.UUID = NIL
    vote_id: uuid.UUID = NIL
    groups: int = 0
    ballots: int = 0
    voided: int = 0
    phases: dict[str, float] = field(default_factory=dict)

    @classmethod
    async def create(cls, name: str, dsn: str = ADMIN_DSN) -> World:
        url = await asyncio.to_thread(fresh_database, name, dsn)
        settings = bench_settings(url)
        engine = create_engine(settings)
        return cls(url, settings, engine, create_sessionmaker(engine), LogKeys.from_settings(settings))

    @classmethod
    def attach(cls, name: str, dsn: str = ADMIN_DSN) -> World:
        """The world an earlier run left in database ``name`` (not rebuilt)."""
        url = database_url(name, dsn)
        settings = bench_settings(url)
        engine = create_engine(settings)
        return cls(url, settings, engine, create_sessionmaker(engine), LogKeys.from_settings(settings))

    async def close(self) -> None:
        await self.engine.dispose()

    async def publish_vote(self, register: bytes, topic_specs: list[dict[str, Any]]) -> None:
        """Estate, register import, vote, topics and publication through the API (the real services)."""
        import httpx

        app = create_app(self.settings)
        attach_state(app, self.settings, self.engine, self.sessionmaker)
        app.state.clock = lambda: PUBLISHED
        async with unit_of_work(self.sessionmaker) as session:
            self.estate_id = await make_estate(session, app.state.cipher, label=uuid.uuid4().hex[:8])
            scope = Scope(Role.COMMITTEE, None, None, self.estate_id)
            hasher = TokenHasher(self.settings.key("token_hash_key"))
            _, secret = await issue_api_key(session, name="bench", scope=scope, hasher=hasher)
        headers = {"Authorization": f"Bearer {secret}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evote.bench", timeout=3600) as client:
            with timed(self.phases, "register_import_ms"):
                response = await client.post(
                    f"/api/v1/estates/{self.estate_id}/register/imports",
                    files={"file": ("register.csv", register, "text/csv")},
                    headers=headers,
                )
            assert response.status_code == 201, response.text
            response = await client.post(
                f"/api/v1/estates/{self.estate_id}/votes",
                json={"title": "2025年第一次业主大会会议", "organiser_kind": "OWNERS_COMMITTEE",
                      "starts_at": STARTS.isoformat(), "ends_at": ENDS.isoformat(), "notice_text": "会议公告"},
                headers=headers,
            )  # fmt: skip
            assert response.status_code == 201, response.text
            self.vote_id = uuid.UUID(response.json()["id"])
            async with unit_of_work(self.sessionmaker) as session:  # R-CONV: a filed committee's signed decision
                await convene(session, app.state.cipher, self.vote_id)
            for spec in topic_specs:
                response = await client.post(f"/api/v1/votes/{self.vote_id}/topics", json=spec, headers=headers)
                assert response.status_code == 201, response.text
                if spec["kind"] == "ELECTION":  # R-CAND-7/8: attested candidates, the list acknowledged
                    await prepare_election(client, headers, str(self.vote_id), response.json())
            with timed(self.phases, "publish_ms"):
                response = await client.post(f"/api/v1/votes/{self.vote_id}/publish", headers=headers)
            assert response.status_code == 200, response.text
            response = await client.post(  # R-NOTICE-3: the vote opens only once its posting on site is recorded
                f"/api/v1/votes/{self.vote_id}/postings",
                data={"posted_at": PUBLISHED.isoformat(), "place": "小区公告栏"},
                files={"photo": ("posting.png", demo_photo(), "image/png")},
                headers=headers,
            )
            assert response.status_code == 201, response.text
        async with unit_of_work(self.sessionmaker) as session:
            await integrate_and_sign(session, PUBLISHED, keys=self.keys)

    async def cast_ballots(self, turnout: float, *, seed: int = 7, fill_to: int = 0, voided: int = 0) -> None:
        """Every group casts with probability ``turnout``; entries of other estates' votes are logged in between
        until the log holds ``fill_to`` entries once the vote is closed (the rest of a city-wide log; the three
        closing entries are added by the close). Loaded with COPY and integrated.

        ``voided``: that many of the casting groups (the first ones by id) cast an earlier ballot, which a
        ``ballot.voided`` entry voids before their counted one (as logs written before R-PAPER-2 hold them, R-TALLY-6:
        ``VOID`` with its reason, no marks): two more entries a group."""
        rng = random.Random(seed)
        connection = await asyncpg.connect(raw_dsn(self.url))
        try:
            async with self.sessionmaker() as session:
                vote = await session.get(Vote, self.vote_id)
                assert vote is not None
                topic_rows = list(
                    await session.scalars(sa.select(Topic).where(Topic.vote_id == vote.id).order_by(Topic.position))
                )
                estate_id, vote_id = vote.estate_id, vote.id
                groups = (await session.execute(
                    sa.text("SELECT group_id, area, pseudonym FROM roll_group WHERE vote_id = :vote ORDER BY group_id"),
                    {"vote": vote_id},
                )).all()  # fmt: skip
            self.groups = len(groups)
            window = (ENDS - STARTS).total_seconds()
            started = STARTS.astimezone(UTC)
            ballots: list[tuple[Any, ...]] = []
            marks: list[tuple[Any, ...]] = []
            entries: list[tuple[Any, ...]] = []
            voided_count = 0
            for group_id, area, pseudonym in groups:
                if rng.random() >= turnout:
                    continue
                cast_at = started + timedelta(seconds=rng.random() * window)
                answers = {str(topic.id): answer(topic, rng) for topic in topic_rows}
                ballot_id, entry_id = uuid.uuid4(), uuid.uuid4()
                # app.ballot.service._insert: the commitment under the group's pseudonym, the marks and the entry
                nonce = f"{rng.getrandbits(128):032x}"
                content_hash = commitment(
                    vote_id=str(vote_id), group=pseudonym, answers=answers, basis="OWNER", channel="ONLINE",
                    cast_at=cast_at.isoformat(), nonce=nonce,
                )  # fmt: skip
                ballots.append((ballot_id, vote_id, group_id, "COUNTED", "ONLINE", json.dumps(answers), content_hash,
                                "OWNER", cast_at, entry_id, nonce, None))  # fmt: skip
                if voided_count < voided:
                    voided_count += 1
                    entries.extend(self._voided_ballot(ballots, estate_id, vote_id, group_id, pseudonym, topic_rows,
                                                       started, cast_at, rng))  # fmt: skip
                for topic_id, topic_marks in marks_for_ballot(topic_rows, answers).items():
                    marks.extend(
                        (ballot_id, uuid.UUID(topic_id), mark.item, vote_id, mark.answer, area) for mark in topic_marks
                    )
                payload = {
                    "ballot_id": str(ballot_id), "group": pseudonym, "commitment": content_hash,
                    "basis": "OWNER", "channel": "ONLINE", "cast_at": cast_at.isoformat(), "grant": "",
                }  # fmt: skip
                entries.append(("ballot.cast", estate_id, vote_id, payload, cast_at, entry_id))
            self.ballots, self.voided = len(ballots) - voided_count, voided_count
            size = await connection.fetchval("SELECT size FROM log_state WHERE id = 1")
            for number in range(max(0, fill_to - size - len(entries) - 3)):
                instant = started + timedelta(seconds=rng.random() * window)
                other = uuid.UUID(int=number + 1)
                payload = {
                    "ballot_id": str(uuid.uuid4()), "group": f"{number:032x}", "commitment": "0" * 64,
                    "basis": "OWNER", "channel": "ONLINE", "cast_at": instant.isoformat(), "grant": "",
                }  # fmt: skip
                entries.append(("ballot.cast", None, other, payload, instant, uuid.uuid4()))
            entries.sort(key=lambda entry: (entry[4], entry[5]))
            await connection.copy_records_to_table(
                "ballot", records=ballots,
                columns=["id", "vote_id", "group_id", "status", "channel", "answers", "content_hash", "basis",
                         "cast_at", "audit_entry_id", "nonce", "void_reason"],
            )  # fmt: skip
            await connection.copy_records_to_table(
                "ballot_mark", records=marks, columns=["ballot_id", "topic_id", "item", "vote_id", "answer", "area"]
            )
            await self._append_integrated(connection, entries)
            await connection.execute("ANALYZE")
        finally:
            await connection.close()

    @staticmethod
    def _voided_ballot(
        ballots: list[tuple[Any, ...]], estate_id: uuid.UUID, vote_id: uuid.UUID, group_id: str, pseudonym: str,
        topic_rows: list[Topic], started: datetime, cast_at: datetime, rng: random.Random,
    ) -> list[tuple[Any, ...]]:  # fmt: skip
        """A group's earlier ballot (``VOID``, added to ``ballots``) and its two entries: its ``ballot.cast`` and the
        ``ballot.voided`` between it and the group's counted ballot cast at ``cast_at``."""
        earlier = started + (cast_at - started) * rng.random()
        voided_at = earlier + (cast_at - earlier) / 2
        answers = {str(topic.id): answer(topic, rng) for topic in topic_rows}
        ballot_id, entry_id, nonce = uuid.uuid4(), uuid.uuid4(), f"{rng.getrandbits(128):032x}"
        content_hash = commitment(
            vote_id=str(vote_id), group=pseudonym, answers=answers, basis="OWNER", channel="ONLINE",
            cast_at=earlier.isoformat(), nonce=nonce,
        )  # fmt: skip
        reason = f"a later ballot of the group at {voided_at.isoformat()} (bench)"
        ballots.append((ballot_id, vote_id, group_id, "VOID", "ONLINE", json.dumps(answers), content_hash, "OWNER",
                        earlier, entry_id, nonce, reason))  # fmt: skip
        cast = {
            "ballot_id": str(ballot_id), "group": pseudonym, "commitment": content_hash, "basis": "OWNER",
            "channel": "ONLINE", "cast_at": earlier.isoformat(), "grant": "",
        }  # fmt: skip
        void = {"ballot_id": str(ballot_id), group_member(pseudonym, group_id): pseudonym, "reason": reason}
        return [
            ("ballot.cast", estate_id, vote_id, cast, earlier, entry_id),
            ("ballot.voided", estate_id, vote_id, void, voided_at, uuid.uuid4()),
        ]

    async def _append_integrated(self, connection: asyncpg.Connection, entries: list[tuple[Any, ...]]) -> None:
        """The entries, integrated as ``app.audit.integrator.integrate`` would, and one signed checkpoint."""
        row = await connection.fetchrow("SELECT size, frontier FROM log_state WHERE id = 1")
        frontier = bytes(row["frontier"])
        tree = CompactRange(
            row["size"], tuple(frontier[start : start + HASH_SIZE] for start in range(0, len(frontier), HASH_SIZE))
        )
        for start in range(0, len(entries), COPY_BATCH):  # in batches: a million rows never sit in memory at once
            audit_rows: list[tuple[Any, ...]] = []
            leaves: list[tuple[Any, ...]] = []
            hashes: list[bytes] = []
            for kind, estate_id, vote_id, payload, created_at, entry_id in entries[start : start + COPY_BATCH]:
                digest = entry_payload_sha256(kind, estate_id, vote_id, payload)
                document = leaf_document(entry_id=entry_id, kind=kind, estate_id=estate_id, vote_id=vote_id,
                                         payload=payload, payload_sha256=digest, created_at=created_at)  # fmt: skip
                leaf = entry_leaf_hash(document)
                index = tree.size + len(hashes)
                audit_rows.append((entry_id, kind, estate_id, vote_id, json.dumps(payload), digest, created_at, index))
                leaves.append((index, entry_id, leaf))
                hashes.append(leaf)
            tree = tree.extend(hashes)
            await connection.copy_records_to_table(
                "audit_entry", records=audit_rows,
                columns=["id", "kind", "estate_id", "vote_id", "payload", "payload_sha256", "created_at", "leaf_index"],
            )  # fmt: skip
            await connection.copy_records_to_table(
                "log_leaf", records=leaves, columns=["leaf_index", "entry_id", "leaf_hash"]
            )
        now = datetime.now(UTC)
        checkpoint = Checkpoint(self.keys.origin, tree.size, tree.root())
        await connection.execute(
            "UPDATE log_state SET size = $1, frontier = $2, root_hash = $3, updated_at = $4 WHERE id = 1",
            tree.size, b"".join(tree.hashes), tree.root(), now,
        )  # fmt: skip
        await connection.execute(
            "INSERT INTO log_checkpoint (size, root_hash, note_text, created_at) VALUES ($1, $2, $3, $4)",
            tree.size, tree.root(), self.keys.sign(checkpoint), now,
        )  # fmt: skip

    async def log_size(self) -> int:
        async with self.sessionmaker() as session:
            state = await session.get(LogState, 1)
            latest = await session.scalar(sa.select(sa.func.max(LogCheckpoint.size)))
            assert state is not None
            assert latest == state.size
            return state.size


def run(main: Callable[[], Any]) -> None:
    try:
        asyncio.run(main())
    except KeyboardInterrupt:  # pragma: no cover - by hand
        sys.exit(130)
