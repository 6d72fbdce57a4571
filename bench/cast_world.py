"""A realistic estate for the casting benchmark (``bench/cast_load.py``), written through the real services.

The database is dropped, recreated and migrated with the real Alembic migrations. Then, in one transaction
each, through the same service functions the API calls (the operator acts, the clock is injected):

* places (district, street office, community, estate with a developer);
* the register, imported from a generated CSV by ``app.register.service.import_register``: unsold and
  undelivered units held by the developer (R-HEAD-4), parking left out of the roll (R-AREA-3), co-owned units
  (R-HEAD-2), owners of two units (one head, summed area, R-HEAD-1) and co-owners who also own a unit alone
  (two groups, R-HEAD-3), so voter groups are not units;
* ``votes`` votes with five topics each (ordinary and special yes/no, a single choice, an election of 5 + 2
  out of 7, a consultation), created and drafted by ``app.vote.service``; the first is published by
  ``app.vote.service.publish`` 20 days ago (so the roll is frozen by the real snapshot and the voting window
  is open now: started 2 days ago, ends in 6 days), the others get a copy of that roll (``_publish_copy``);
* one verified account per caster (``Account.owner_id``), inserted in bulk exactly as verification leaves it.

Inserted directly: the accounts (verification needs an identity provider per account) and the copied rolls.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import Uuid, insert, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.base import utcnow
from app.db.migrate import upgrade_async
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.demo import demo_photo
from app.identity.models import Account
from app.identity.phone import PHONE_FIELD
from app.identity.service import OPERATOR
from app.realname.models import OwnerBinding, VerificationMethod
from app.register import estates
from app.register.identifiers import _ID_CHECK, _ID_WEIGHTS
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from app.rules.publicity import check_window
from app.security.pii import FieldCipher
from app.settings import Settings
from app.vote import documents
from app.vote import service as topic_service
from app.vote.models import RollGroup, Topic, Vote, VoteStatus
from app.vote.schemas import AcknowledgmentCreate, AttestationCreate, TopicCreate, VoteCreate
from tests.factories_vote import convene
from tests.scenario import ELIGIBILITY, register_candidates

DATABASE = "evote_bench_cast"
DEVELOPER_CODE = "91110000100012345L"
HEADER = (
    "building,entrance,room,area,area_source,parking,sale_status,delivered,evidence,certificate_number,"
    "owner_names,owner_ids\n"
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
CANDIDATES = [f"c{number}" for number in range(1, 8)]


def topic_bodies(candidates: list[dict[str, Any]]) -> list[TopicCreate]:
    """The five topics of every bench vote (the same kinds as tests/scenario.py); ``candidates`` are owners of
    the generated register (R-CAND-1, ``tests.scenario.register_candidates``)."""
    common: dict[str, Any] = {"text": "全文", "declaration_property_management": True}
    bodies: list[dict[str, Any]] = [
        {"title": "续聘物业服务企业", "kind": "YES_NO", "matters": ["HIRE_DISMISS_PROVIDER"]},
        {"title": "筹集专项维修资金", "kind": "YES_NO", "matters": ["FUND_RAISE"]},
        {
            "title": "选择物业服务方案", "kind": "SINGLE_CHOICE", "matters": ["SERVICE_TERMS"],
            "options": [{"id": option, "label": f"方案{option}"} for option in "ABC"],
        },
        {
            "title": "选举业主委员会委员", "kind": "ELECTION", "matters": ["ELECT_COMMITTEE"],
            "election": {"election_type": "FULL", "member_seats": 5, "alternate_seats": 2,
                         "candidates": candidates},
        },
        {
            "title": "小区活动意见征询", "kind": "CONSULTATION", "matters": ["OTHER_MAJOR_MATTER"],
            "options": [{"id": option, "label": f"活动{option}"} for option in "XYZ"],
        },
    ]  # fmt: skip
    return [TopicCreate.model_validate(common | body) for body in bodies]


@dataclass(frozen=True, slots=True)
class TopicInfo:
    id: str
    kind: str
    options: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    topic: Topic | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BenchVote:
    id: uuid.UUID
    topics: tuple[TopicInfo, ...]


@dataclass(frozen=True, slots=True)
class Voter:
    """A castable voter group and the verified account that casts for it (an owner of the group)."""

    group_id: str
    account_id: uuid.UUID
    area: int


@dataclass
class World:
    database_url: str
    estate_id: uuid.UUID
    votes: list[BenchVote]
    voters: list[Voter]
    stats: dict[str, Any]


@dataclass
class _Person:
    name: str
    id_number: str


def resident_id(number: int) -> str:
    """A valid, unique resident ID number for person ``number`` (GB 11643 check character)."""
    birth = date(1950, 1, 1) + timedelta(days=number // 900)
    body = f"110105{birth:%Y%m%d}{100 + number % 900:03d}"
    return body + _ID_CHECK[sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def generate_register(units: int, rng: random.Random) -> tuple[str, dict[str, int]]:
    """A register CSV of ``units`` rows and counts of its kinds of rows.

    1 % unsold and 0.5 % sold-undelivered units (developer), 2 % parking, 8 % co-owned by two people, 2 % co-owned
    by someone who also owns a unit alone, 10 % owned in pairs by one person, the rest by one person each.
    """
    counter = iter(range(1, 10 * units + 10))

    def person() -> _Person:
        number = next(counter)
        return _Person(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), resident_id(number))

    kinds = dict.fromkeys(("developer", "parking", "co_owned", "co_owned_mixed", "multi_unit", "single"), 0)
    rows: list[str] = []
    sole_owners: list[_Person] = []
    pending_multi: _Person | None = None
    for index in range(units):
        building, rest = divmod(index, 288)  # 4 entrances x 18 floors x 4 rooms per building
        entrance, rest = divmod(rest, 72)
        floor, room = divmod(rest, 4)
        area = f"{rng.randint(4000, 20000) // 100}.{rng.randint(0, 99):02d}"
        certificate = f"京(2020)朝阳区不动产权第{index + 1:07d}号"
        place = f"{building + 1},{entrance + 1},{floor + 1}{room + 1:02d}"
        draw = rng.random()
        owners: list[_Person]
        if draw < 0.01:
            rows.append(f"{place},{area},SURVEY,no,UNSOLD,no,DEVELOPER,,,")
            kinds["developer"] += 1
            continue
        if draw < 0.015:
            buyer = person()
            rows.append(f"{place},{area},SURVEY,no,SOLD,no,DEVELOPER,,{buyer.name},{buyer.id_number}")
            kinds["developer"] += 1
            continue
        if draw < 0.035:
            owner = person()
            rows.append(f"P,,B1-{index:05d},12.50,REGISTRY,yes,SOLD,yes,REGISTRATION,,{owner.name},{owner.id_number}")
            kinds["parking"] += 1
            continue
        if draw < 0.115:
            owners = [person(), person()]
            kinds["co_owned"] += 1
        elif draw < 0.135 and sole_owners:
            owners = [sole_owners.pop(rng.randrange(len(sole_owners))), person()]  # R-HEAD-3: two groups
            kinds["co_owned_mixed"] += 1
        elif draw < 0.235:
            if pending_multi is None:
                pending_multi = person()
                owners = [pending_multi]
            else:
                owners, pending_multi = [pending_multi], None
            kinds["multi_unit"] += 1
        else:
            owners = [person()]
            sole_owners.append(owners[0])
            kinds["single"] += 1
        rows.append(
            f"{place},{area},REGISTRY,no,SOLD,yes,REGISTRATION,{certificate},"
            f"{';'.join(o.name for o in owners)},{';'.join(o.id_number for o in owners)}"
        )
    return HEADER + "\n".join(rows) + "\n", kinds


async def recreate_database(admin_dsn: str, name: str = DATABASE) -> None:
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def database_url(admin_dsn: str, name: str = DATABASE) -> str:
    url = make_url(admin_dsn).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


async def _prepare_candidates(session: AsyncSession, vote_id: uuid.UUID, topic: Topic, now: datetime) -> None:
    """R-CAND-7/8 before the notice: every condition attested as met, the list acknowledged."""
    day = (now - timedelta(days=10)).date()
    for entry in (topic.election or {})["candidates"]:
        for criterion, source in ELIGIBILITY:
            body = AttestationCreate(
                candidate_id=entry["id"], criterion=criterion, finding="MET", source=source,
                document_sha256="d0" * 32, attested_on=day,
            )  # fmt: skip
            await topic_service.attest_candidate(session, OPERATOR, vote_id, topic.id, body, now=now)
    acknowledgment = AcknowledgmentCreate(submitted_on=day, acknowledged_on=day, receipt_sha256="ac" * 32)
    await topic_service.acknowledge_candidate_list(session, OPERATOR, vote_id, topic.id, acknowledgment, now=now)


def _topic_info(topic: Topic) -> TopicInfo:
    options = tuple(str(option["id"]) for option in topic.options or [])
    candidates = tuple(str(c["id"]) for c in (topic.election or {}).get("candidates", []))
    return TopicInfo(str(topic.id), topic.kind.value, options, candidates, topic)


async def build_world(
    settings: Settings, *, units: int, votes: int, seed: int, log: Any = print
) -> World:  # fmt: skip
    """Generate the estate into ``settings.database_url`` (already created and empty) and return its handles."""
    rng = random.Random(seed)
    started = time.perf_counter()
    await upgrade_async(settings.database_url)
    log(f"  migrated in {time.perf_counter() - started:.1f} s")
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    cipher = FieldCipher.from_settings(settings)
    real_now = utcnow()
    published = (real_now - timedelta(days=20)).replace(microsecond=0)  # a posting time is whole seconds
    starts = real_now - timedelta(days=2)
    ends = real_now + timedelta(days=6)
    csv_text, kinds = generate_register(units, rng)
    candidates = register_candidates(csv_text.encode())
    try:
        mark = time.perf_counter()
        async with unit_of_work(sessionmaker) as session:
            suffix = uuid.uuid4().hex[:6]
            estate = (
                await estates.create_estate_in_places(
                    session, OPERATOR, district_code="110105", district_name="朝阳区",
                    street_office_name="东湖街道", community_name="望京西园社区", estate_name=f"压测小区 {suffix}",
                    developer_name="北京某某房地产开发有限公司", developer_credit_code=DEVELOPER_CODE, cipher=cipher,
                )
            ).estate  # fmt: skip
            estate_id = estate.id
            outcome = await import_register(
                session,
                estate_id,
                csv_text.encode(),
                register_format=RegisterFormat.CSV,
                source_name="bench-register.csv",
                imported_by=OPERATOR,
                cipher=cipher,
            )
        log(
            f"  register: {units} units → {outcome.roll.total.heads} voter groups "
            f"(imported in {time.perf_counter() - mark:.1f} s)"
        )

        mark = time.perf_counter()
        bench_votes: list[BenchVote] = []
        first: Vote | None = None
        for number in range(votes):
            async with unit_of_work(sessionmaker) as session:
                vote = await topic_service.create_vote(
                    session,
                    OPERATOR,
                    estate_id,
                    VoteCreate(
                        title=f"压测表决 {number + 1}",
                        organiser_kind="OWNERS_COMMITTEE",
                        starts_at=starts,
                        ends_at=ends,
                        notice_text="压测公告",
                    ),
                    now=published,
                )
                await convene(session, cipher, vote.id)  # R-CONV: the committee's signed decision to convene
                for body in topic_bodies(candidates):
                    topic, _ = await topic_service.add_topic(session, OPERATOR, vote.id, body, now=published)
                    if topic.election is not None:
                        await _prepare_candidates(session, vote.id, topic, published)
                if first is None:  # the real publication: checks, frozen roll (R-ROLL-1), hashes, log, notice
                    await topic_service.publish(
                        session, OPERATOR, vote.id, now=published, pseudonym_key=settings.key("pseudonym_key")
                    )
                    await topic_service.record_posting(  # R-NOTICE-3: the vote opens once posted on site
                        session, OPERATOR, vote.id, posted_at=published, place="小区公告栏", photo=demo_photo(),
                        now=published,
                    )  # fmt: skip
                    first = vote
                else:
                    await _publish_copy(session, vote, first, published)
                topics = sorted(vote.topics, key=lambda topic: topic.position)
                bench_votes.append(BenchVote(vote.id, tuple(_topic_info(topic) for topic in topics)))
            if number == 0:
                log(f"  vote 1 published by the real service in {time.perf_counter() - mark:.1f} s")
        log(f"  {votes} votes published with their frozen rolls in {time.perf_counter() - mark:.1f} s")

        mark = time.perf_counter()
        async with unit_of_work(sessionmaker) as session:
            groups = (
                await session.execute(
                    select(RollGroup.group_id, RollGroup.owner_ids, RollGroup.area, RollGroup.is_developer)
                    .where(RollGroup.vote_id == bench_votes[0].id)
                    .order_by(RollGroup.group_id)
                )
            ).all()
            casters: dict[str, uuid.UUID] = {}
            voters: list[Voter] = []
            co_owned = 0
            for group_id, owner_ids, area, is_developer in groups:
                if is_developer:  # the developer acts through its legal representative, not a bench account
                    continue
                co_owned += len(owner_ids) > 1
                owner = rng.choice(sorted(owner_ids))  # any co-owner may cast (R-CAST-2)
                account_id = casters.setdefault(owner, uuid.uuid4())
                voters.append(Voter(group_id, account_id, area))
            rows = []
            created = utcnow()
            for number, (owner, account_id) in enumerate(casters.items()):
                protected = cipher.protect(PHONE_FIELD, f"139{number:08d}")
                rows.append(
                    {
                        "id": account_id, "phone_ciphertext": protected.ciphertext,
                        "phone_index": protected.blind_index, "phone_last4": protected.last4,
                        "display_name": None, "owner_id": uuid.UUID(owner), "verified_at": created,
                        "verification_method": "REGISTER_MATCH", "verification_reference": "bench",
                        "disabled_at": None, "created_at": created,
                    }
                )  # fmt: skip
            for start in range(0, len(rows), 5000):
                await session.execute(insert(Account), rows[start : start + 5000])
            # R-CAST-1: each account is bound to its owner in this estate, against the register the roll was taken from
            version_id = await session.scalar(select(Vote.register_version_id).where(Vote.id == bench_votes[0].id))
            bindings = [
                {"id": uuid.uuid4(), "account_id": account_id, "estate_id": estate_id, "owner_id": uuid.UUID(owner),
                 "register_version_id": version_id, "method": VerificationMethod.REGISTER_MATCH, "created_at": created}
                for owner, account_id in casters.items()
            ]  # fmt: skip
            for start in range(0, len(bindings), 5000):
                await session.execute(insert(OwnerBinding), bindings[start : start + 5000])
        log(f"  {len(casters)} verified accounts in {time.perf_counter() - mark:.1f} s")
    finally:
        await engine.dispose()
    rng.shuffle(voters)
    stats = {
        "units": units,
        "unit_kinds": kinds,
        "voter_groups": len(groups),
        "castable_groups": len(voters),
        "co_owned_groups": co_owned,
        "accounts": len(casters),
        "accounts_casting_for_two_groups": len(voters) - len(casters),
        "votes": votes,
        "topics_per_vote": len(bench_votes[0].topics),
        "generation_s": round(time.perf_counter() - started, 1),
    }
    return World(settings.database_url, estate_id, bench_votes, voters, stats)


async def _publish_copy(session: AsyncSession, vote: Vote, first: Vote, published: datetime) -> None:
    """Publish ``vote`` as ``topic_service.publish`` would, copying the roll ``first`` froze from the same register.

    ``publish`` takes ~10 s on 20,000 units (it loads every unit through the ORM); the roll of a second vote of the
    same estate and register version is the same rows with another vote id, so they are copied in SQL. The vote
    and topic columns are set exactly as ``publish`` sets them (same checks, same hash functions).
    """
    check_window(published, vote.starts_at, vote.ends_at, min_days=vote.min_window_days)  # R-LIFE-3, R-LIFE-5
    assert first.roll_hash is not None
    assert first.register_version_id is not None
    columns = ("group_id", "pseudonym", "group_key", "area", "is_developer", "unit_keys", "owner_ids")
    await session.execute(
        insert(RollGroup).from_select(
            ["vote_id", *columns],
            select(literal(vote.id, Uuid), *(getattr(RollGroup, name) for name in columns)).where(
                RollGroup.vote_id == first.id
            ),
        )
    )
    vote.register_version_id = first.register_version_id
    vote.total_heads = first.total_heads
    vote.total_area = first.total_area
    vote.roll_hash = first.roll_hash
    topic_hashes = []
    for topic in vote.topics:
        topic.content_hash = documents.topic_hash(topic)
        topic_hashes.append(topic.content_hash)
    vote.notice_hash = documents.notice_hash(
        vote, topic_hashes, roll_hash=first.roll_hash, register_version_id=first.register_version_id
    )
    vote.status = VoteStatus.PUBLISHED
    vote.posted_at = first.posted_at  # R-NOTICE-3: posted with the first (bench copies, not evidence)
    vote.published_at = published.astimezone(UTC)
    vote.published_by = OPERATOR.label
    await session.flush()


def random_answers(vote: BenchVote, rng: random.Random) -> dict[str, Any]:
    """A complete valid ballot (R-TALLY-1) with answers drawn like a real turnout."""
    answers: dict[str, Any] = {}
    for topic in vote.topics:
        if topic.kind == "YES_NO":
            answers[topic.id] = rng.choices(["AGREE", "OPPOSE", "ABSTAIN"], [70, 20, 10])[0]
        elif topic.kind == "SINGLE_CHOICE":
            answers[topic.id] = rng.choices([*topic.options, "ABSTAIN"], [50, 30, 15, 5])[0]
        elif topic.kind == "ELECTION":
            approved = set(rng.sample(topic.candidates, rng.randint(1, 5)))  # at most the seats (R-ELEC-2)
            answers[topic.id] = {
                c: "AGREE" if c in approved else rng.choice(["OPPOSE", "ABSTAIN"]) for c in topic.candidates
            }
        elif topic.kind == "CONSULTATION":
            answers[topic.id] = (
                sorted(rng.sample(topic.options, rng.randint(1, 3))) if rng.random() < 0.9 else "ABSTAIN"
            )
        else:
            raise ValueError(f"no bench answers for {topic.kind}")
    return answers
