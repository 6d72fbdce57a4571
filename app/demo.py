"""``evote demo``: the whole story on the embedded database, with an injected clock, in under a minute.

A generated estate (a few hundred units: multi-unit owners, co-owned units, the developer's unsold and
undelivered units, parking) is created and its register imported; owners sign in and verify against the
register; the committee publishes a notice; the clock moves past the 15 clear days; owners vote; the clock
reaches the end of the window; the service closes, decides, signs and publishes the result; the committee
exports the auditor's bundle, and the offline verifier checks it. Everything goes through the real HTTP API
in-process, except the clock, which the demo moves, and SMS, whose codes the demo reads from its own sender.
"""

from __future__ import annotations

import asyncio
import io
import random
import struct
import sys
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from rich.console import Console
from rich.table import Table

from app.common.access import Role, Scope
from app.db.migrate import upgrade
from app.db.session import create_engine, create_sessionmaker, unit_of_work
from app.identity.service import OPERATOR, issue_api_key
from app.main import attach_state, create_app
from app.register import estates
from app.register.identifiers import _ID_CHECK, _ID_WEIGHTS
from app.settings import Settings, get_settings
from app.terminal import progress_bar
from app.transitions import run_due_transitions

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEVELOPER_CODE = "91110000100012345L"
HEADER = (
    "building,entrance,room,area,area_source,parking,sale_status,delivered,evidence,certificate_number,"
    "owner_names,owner_ids\n"
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@dataclass
class DemoClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class CapturingSender:
    """The demo's SMS gateway: it keeps each code for the demo to type in, as an owner would."""

    codes: dict[str, str] = field(default_factory=dict)

    async def send(self, phone: str, code: str, *, purpose: str) -> None:
        self.codes[phone] = code


@dataclass
class Owner:
    name: str
    id_number: str
    phone: str
    certificate: str | None = None


def resident_id(sequence: int, rng: random.Random) -> str:
    birth = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))  # noqa: DTZ001 - a birth date
    body = f"110105{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + _ID_CHECK[sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def generate_register(rng: random.Random) -> tuple[str, list[list[Owner]]]:
    """About 260 units; returns the CSV and, per voter group of natural persons, its owners."""
    people = iter(range(1, 10_000))

    def person() -> Owner:
        number = next(people)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        return Owner(name, resident_id(number, rng), f"139{number:08d}")

    rows: list[str] = []
    groups: dict[tuple[str, ...], list[Owner]] = {}
    units = [
        (b, e, f"{floor}{room:02d}") for b in range(1, 7) for e in (1, 2) for floor in range(1, 11) for room in (1, 2)
    ]
    rng.shuffle(units)
    multi_owners = [person() for _ in range(20)]
    for index, (building, entrance, room) in enumerate(units):
        area = f"{rng.randint(6000, 14000) // 100}.{rng.randint(0, 99):02d}"
        certificate = f"京(2020)朝阳区不动产权第{index + 1:07d}号"
        if index < 12:  # the developer's unsold units (R-HEAD-4)
            rows.append(f"{building},{entrance},{room},{area},SURVEY,no,UNSOLD,no,DEVELOPER,,,")
            continue
        if index < 18:  # sold but not yet delivered: they still count with the developer
            buyer = person()
            rows.append(
                f"{building},{entrance},{room},{area},SURVEY,no,SOLD,no,DEVELOPER,,{buyer.name},{buyer.id_number}"
            )
            continue
        if index < 58:  # 20 owners with two units each: one head, summed area (R-HEAD-1)
            owners = [multi_owners[(index - 18) // 2]]
        elif index < 88:  # co-owned units: one head (R-HEAD-2)
            owners = [person(), person()]
        else:
            owners = [person()]
        for owner in owners:
            owner.certificate = owner.certificate or certificate
        rows.append(
            f"{building},{entrance},{room},{area},REGISTRY,no,SOLD,yes,REGISTRATION,{certificate},"
            f"{';'.join(o.name for o in owners)},{';'.join(o.id_number for o in owners)}"
        )
        groups.setdefault(tuple(o.id_number for o in owners), owners)
    for space in range(1, 21):  # parking spaces: excluded from the roll by default (R-AREA-3)
        owner = person()
        rows.append(f"P,,B1-{space:02d},12.50,REGISTRY,yes,SOLD,yes,REGISTRATION,,{owner.name},{owner.id_number}")
    return HEADER + "\n".join(rows) + "\n", list(groups.values())


def demo_photo() -> bytes:
    """A 1×1 grey PNG standing in for the photograph of the posted notice (R-NOTICE-2)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # width, height, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte, one grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


async def run_demo(settings: Settings, *, out: Path, seed: int = 2025, console: Console | None = None) -> int:
    console = console or Console()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    published = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
    starts = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # 15 clear days later (R-LIFE-3)
    ends = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
    clock = DemoClock(published)
    # Two hundred owners sign in within the demo's first minute, all through one in-process client address; in
    # production each would come from their own phone, so the per-address limits are off for the simulation.
    settings = settings.model_copy(update={"rate_limit_enabled": False})
    engine = create_engine(settings)
    app = create_app(settings)
    attach_state(app, settings, engine, create_sessionmaker(engine))
    app.state.clock = clock
    sender = CapturingSender()
    app.state.code_sender = sender
    csv_text, groups = generate_register(rng)
    suffix = uuid.uuid4().hex[:6]
    try:
        async with unit_of_work(app.state.sessionmaker) as session:
            placed = await estates.create_estate_in_places(
                session, OPERATOR, district_code="110105", district_name="朝阳区",
                street_office_name="东湖街道", community_name="望京西园社区", estate_name=f"示范小区 {suffix}",
                developer_name="北京某某房地产开发有限公司", developer_credit_code=DEVELOPER_CODE,
                cipher=app.state.cipher,
            )  # fmt: skip
            estate = placed.estate
            _, secret = await issue_api_key(
                session,
                name="demo committee",
                scope=Scope(Role.COMMITTEE, estate_id=estate.id),
                hasher=app.state.token_hasher,
            )
            _, office_secret = await issue_api_key(
                session,
                name="demo street office",
                scope=Scope(Role.STREET_OFFICE, street_office_id=placed.street_office.id),
                hasher=app.state.token_hasher,
            )
            estate_id = estate.id
        committee = {"Authorization": f"Bearer {secret}"}
        street_office = {"Authorization": f"Bearer {office_secret}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo.evote") as client:
            imported = await _ok(
                client.post(
                    f"/api/v1/estates/{estate_id}/register/imports",
                    files={"file": ("demo-register.csv", csv_text.encode(), "text/csv")},
                    headers=committee,
                )
            )
            totals = imported["totals"]
            console.print(
                f"[bold]register[/bold] {imported['version']['unit_count']} units → "
                f"{totals['heads']} heads, {totals['area_m2']} m²"
            )

            # R-COMM: the committee records its five members (owners on the register), the street office files it.
            members = [owners[0] for owners in groups if len(owners) == 1][:5]
            seated = await _ok(
                client.post(
                    f"/api/v1/estates/{estate_id}/committees",
                    json={"kind": "OWNERS_COMMITTEE", "seats": 5, "alternate_seats": 0,
                          "term_starts_on": "2024-06-01", "term_ends_on": "2029-05-31"},
                    headers=committee,
                )
            )  # fmt: skip
            for seat, member in enumerate(members, start=1):
                await _ok(
                    client.post(
                        f"/api/v1/committees/{seated['id']}/members",
                        json={"seat_kind": "MEMBER", "seat": seat, "document_type": "RESIDENT_ID",
                              "identifier": member.id_number},
                        headers=committee,
                    )
                )  # fmt: skip
            await _ok(
                client.post(
                    f"/api/v1/committees/{seated['id']}/filing",
                    json={"filed_on": "2024-06-20", "reference": "东湖街备〔2024〕1号"},
                    headers=street_office,
                )
            )
            console.print("[bold]committee[/bold] 5 members, filed with the street office on 2024-06-20")
            vote = await _ok(
                client.post(
                    f"/api/v1/estates/{estate_id}/votes",
                    json={
                        "title": "2025年第一次业主大会会议",
                        "organiser_kind": "OWNERS_COMMITTEE",
                        "starts_at": starts.isoformat(),
                        "ends_at": ends.isoformat(),
                        "notice_text": "示范公告",
                    },
                    headers=committee,
                )
            )
            topics: list[dict[str, Any]] = [
                {
                    "title": "续聘物业服务企业",
                    "text": "是否续聘现物业服务企业。",
                    "kind": "YES_NO",
                    "matters": ["HIRE_DISMISS_PROVIDER"],
                },
                {
                    "title": "筹集电梯维修资金",
                    "text": "按专有部分面积筹集。",
                    "kind": "YES_NO",
                    "matters": ["FUND_RAISE"],
                },
                {
                    "title": "选择物业服务标准",
                    "text": "二选一。",
                    "kind": "SINGLE_CHOICE",
                    "matters": ["SERVICE_TERMS"],
                    "options": [{"id": "A", "label": "一级服务"}, {"id": "B", "label": "二级服务"}],
                },
            ]
            topic_ids = []
            for topic in topics:
                created = await _ok(
                    client.post(
                        f"/api/v1/votes/{vote['id']}/topics",
                        json=topic | {"declaration_property_management": True},
                        headers=committee,
                    )
                )
                topic_ids.append(created["id"])
            # R-CONV-2: the decision to convene, signed by the members through their own accounts.
            await _ok(
                client.put(
                    f"/api/v1/votes/{vote['id']}/mandate",
                    json={"committee_id": seated["id"], "decided_on": "2025-02-27"},
                    headers=committee,
                )
            )
            verified: set[str] = set()
            for member in members:
                member_headers = await _verified(client, sender, member)
                verified.add(member.phone)
                await _ok(client.post(f"/api/v1/votes/{vote['id']}/mandate/signatures", headers=member_headers))
            notice = await _ok(client.post(f"/api/v1/votes/{vote['id']}/publish", headers=committee))
            # R-NOTICE-2/3: posted on the notice board the same day, with a photograph; voting opens only then.
            await _ok(
                client.post(
                    f"/api/v1/votes/{vote['id']}/postings",
                    data={"posted_at": published.isoformat(), "place": "小区东门公告栏"},
                    files={"photo": ("posting.png", demo_photo(), "image/png")},
                    headers=committee,
                )
            )
            console.print(
                f"[bold]notice[/bold] published and posted {published:%Y-%m-%d}, voting {starts:%Y-%m-%d} to "
                f"{ends:%Y-%m-%d} (notice hash {notice['notice_hash'][:16]}…)"
            )

            clock.now = starts + timedelta(days=2)
            cast = 0
            with progress_bar("owners sign in, verify and vote", console) as progress:
                task = progress.add_task("vote", total=len(groups))
                for owners in groups:
                    progress.advance(task)
                    if rng.random() > 0.85:
                        continue  # not everyone takes part
                    owner = owners[0]
                    if owner.phone in verified:  # a member, verified to sign the decision to convene
                        headers = await _sign_in(client, sender, owner.phone)
                    else:
                        headers = await _verified(client, sender, owner)
                    mine = await _ok(client.get("/api/v1/me/groups", headers=headers))
                    wanted = len(owners)
                    group = next(item for item in mine["items"] if item["co_owners"] == wanted)
                    answers: dict[str, Any] = {
                        topic_ids[0]: rng.choices(["AGREE", "OPPOSE", "ABSTAIN"], [75, 15, 10])[0],
                        topic_ids[1]: rng.choices(["AGREE", "OPPOSE", "ABSTAIN"], [70, 20, 10])[0],
                        topic_ids[2]: rng.choices(["A", "B", "ABSTAIN"], [60, 35, 5])[0],
                    }
                    await _ok(
                        client.post(
                            f"/api/v1/votes/{vote['id']}/ballots",
                            headers=headers,
                            json={"group_id": group["group_id"], "answers": answers},
                        )
                    )
                    cast += 1
            console.print(f"[bold]ballots[/bold] {cast} voter groups voted")

            clock.now = ends
            # what the background task does at 24:00
            await run_due_transitions(app.state.sessionmaker, ends, keys=app.state.log_keys)
            result = await _ok(client.get(f"/api/v1/votes/{vote['id']}/result", headers=committee))
            _print_result(console, result)
            signed = await _ok(client.get(f"/api/v1/votes/{vote['id']}/signed-result", headers=committee))
            console.print(f"[bold]signed result[/bold] kid {signed.get('kid', '')[:16]}…")
            bundle = await client.get(f"/api/v1/votes/{vote['id']}/export", headers=committee)
            bundle.raise_for_status()
            await asyncio.to_thread(_write, out, bundle.content)
            console.print(f"[bold]export[/bold] {out} ({len(bundle.content)} bytes)")
            # The auditor pins the key the operator publishes (and the street office publishes out of band).
            published = await _ok(client.get("/api/v1/log/keys"))
            log_key = str(published["current"]["verifier_key"])
            console.print(f"[bold]pinned log key[/bold] {log_key}")
    finally:
        await engine.dispose()

    from app.verifier import Trust, run

    report = io.StringIO()
    status = run(out, out=report, err=io.StringIO(), trust=Trust.of(log_key))
    console.print(report.getvalue().rstrip())
    return status


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


async def _ok(request: Any) -> Any:
    response = await request
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )
    return response.json()


async def _verified(client: httpx.AsyncClient, sender: CapturingSender, owner: Owner) -> dict[str, str]:
    """Sign the owner in and verify them against the register (R-CAST-1)."""
    headers = await _sign_in(client, sender, owner.phone)
    await _ok(
        client.post(
            "/api/v1/me/verification",
            headers=headers,
            json={"id_number": owner.id_number, "certificate_number": owner.certificate},
        )
    )
    return headers


async def _sign_in(client: httpx.AsyncClient, sender: CapturingSender, phone: str) -> dict[str, str]:
    await _ok(client.post("/api/v1/auth/codes", json={"phone": phone}))
    tokens = await _ok(client.post("/api/v1/auth/login", json={"phone": phone, "code": sender.codes[phone]}))
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _print_result(console: Console, result: dict[str, Any]) -> None:
    table = Table(title="Result (decided by Civil Code Art. 278; exact integers)")
    for column in ("topic", "category", "participating heads / area", "outcome"):
        table.add_column(column)
    total = result["total"]
    for topic in result["topics"]:
        part = topic["evidence"].get("participating", {})
        table.add_row(
            topic["title"],
            topic["category"],
            f"{part.get('heads', '-')}/{total['heads']}  {part.get('area', '-')}/{total['area']}",
            topic["outcome"],
        )
    console.print(table)


def main(out: Path | None = None, *, workdir: Path = Path("var/demo")) -> int:
    """Each run on its own fresh embedded database under ``workdir`` (phone numbers, accounts and the clock of an
    earlier run never collide with this one's), named in the output so it can be inspected afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / f"demo-{datetime.now(SHANGHAI):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.db"
    settings = get_settings().model_copy(update={"database_url": f"sqlite+aiosqlite:///{database}"})
    upgrade(settings.database_url)
    console = Console(file=sys.stdout)
    console.print(f"[bold]database[/bold] {database} (new for this run)")
    target = out or workdir.parent / "demo-bundle.zip"
    return asyncio.run(run_demo(settings, out=target, console=console))
