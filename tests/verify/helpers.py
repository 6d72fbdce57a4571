"""A whole vote through the API (as in tests/e2e), then its export bundle; and tools to tamper with a bundle.

Bundles are cached per backend and scenario: they are plain bytes, and the tamper tests only read them.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.identity.models import Role
from app.ledger.canonical import canonical_sha256
from app.result.export import write_zip
from app.result.lifecycle import run_due_transitions
from app.verify import documents as d
from tests.ballot.helpers import LI, WANG, ZHANG, ZHAO, owner_id
from tests.factories import bearer, make_account, make_api_key, make_places

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # T8: 15 clear days after 2025-03-01
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
QIAN = "110105198405050057"
ZHOU = "11010519850606006X"
CANDIDATES = [f"c{number}" for number in range(1, 8)]
OWNER_NAMES = ("王一", "李二", "张三", "赵四", "钱五", "周八")


def topics() -> list[dict[str, Any]]:
    yes_no = {"kind": "YES_NO", "declaration_property_management": True, "text": "全文"}
    return [
        yes_no | {"title": "续聘物业服务企业", "matters": ["HIRE_DISMISS_PROVIDER"]},
        yes_no | {"title": "筹集专项维修资金", "matters": ["FUND_RAISE"]},
        {
            "title": "选择物业服务方案", "text": "全文", "kind": "SINGLE_CHOICE", "matters": ["SERVICE_TERMS"],
            "options": [{"id": option, "label": f"方案{option}"} for option in "ABC"],
            "declaration_property_management": True,
        },
        {
            "title": "选举业主委员会委员", "text": "全文", "kind": "ELECTION", "matters": ["ELECT_COMMITTEE"],
            "election": {"member_seats": 5, "alternate_seats": 2, "households": 300,
                         "candidates": [{"id": c, "name": f"候选人{c}"} for c in CANDIDATES]},
            "declaration_property_management": True,
        },
        {
            "title": "小区活动意见征询", "text": "全文", "kind": "CONSULTATION", "matters": ["OTHER_MAJOR_MATTER"],
            "options": [{"id": option, "label": f"活动{option}"} for option in "XYZ"],
            "declaration_property_management": True,
        },
    ]  # fmt: skip


# (owner ID numbers, group area, ordinary, special, option, approved candidates, consultation)
GROUPS = {
    "A": ((WANG,), 18000, "AGREE", "AGREE", "A", CANDIDATES[:5], ["X", "Y"]),
    "BC": ((LI, ZHANG), 12000, "AGREE", "OPPOSE", "A", CANDIDATES[:7], "ABSTAIN"),
    "D": ((ZHAO,), 9000, "OPPOSE", "AGREE", "B", CANDIDATES[1:6], ["Z"]),
    "E": ((QIAN,), 9000, "ABSTAIN", "AGREE", "ABSTAIN", CANDIDATES[:3], ["X"]),
    "H": ((ZHOU,), 7550, "AGREE", "AGREE", "A", CANDIDATES[2:7], ["X", "Y", "Z"]),
    "B": ((LI,), 6450, "AGREE", "ABSTAIN", "C", CANDIDATES[:4], "ABSTAIN"),
}


@dataclass(frozen=True)
class VoteRun:
    vote_id: str
    estate_id: str
    topic_ids: list[str]
    committee: dict[str, str]
    owner: dict[str, str]


async def run_vote(client, session, app, repo_root, *, published: datetime = PUBLISHED) -> VoteRun:  # type: ignore[no-untyped-def]
    """Import the section-P register, publish a notice at ``published``, let six groups vote, close and decide."""
    app.state.clock = lambda: published
    places = await make_places(session, app.state.cipher)
    await session.commit()
    committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
    imported = await client.post(
        f"/api/v1/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", (repo_root / "samples/register-sample.csv").read_bytes(), "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201, imported.text
    vote = await client.post(
        f"/api/v1/estates/{places.estate.id}/votes",
        json={
            "title": "2025年第一次业主大会会议",
            "organiser_kind": "OWNERS_COMMITTEE",
            "starts_at": STARTS.isoformat(),
            "ends_at": ENDS.isoformat(),
            "notice_text": "会议公告",
        },
        headers=committee,
    )
    assert vote.status_code == 201, vote.text
    vote_id = vote.json()["id"]
    topic_ids = []
    for topic in topics():
        created = await client.post(f"/api/v1/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        topic_ids.append(created.json()["id"])
    response = await client.post(f"/api/v1/votes/{vote_id}/publish", headers=committee)
    assert response.status_code == 200, response.text

    accounts = {}
    for numbers, *_ in GROUPS.values():
        for number in numbers:
            if number not in accounts:
                accounts[number] = await make_account(
                    session, app.state.cipher, owner_id=await owner_id(session, app, number)
                )
    await session.commit()
    app.state.clock = lambda: STARTS + timedelta(days=1)
    for numbers, area, ordinary, special, option, approved, consultation in GROUPS.values():
        caster = accounts[numbers[0]]
        mine = (await client.get("/api/v1/me/groups", headers=bearer(app, caster))).json()["items"]
        group = next(item for item in mine if item["area"] == area)
        answers = {
            topic_ids[0]: ordinary,
            topic_ids[1]: special,
            topic_ids[2]: option,
            topic_ids[3]: {c: ("AGREE" if c in approved else "OPPOSE") for c in CANDIDATES},
            topic_ids[4]: consultation,
        }
        cast = await client.post(
            f"/api/v1/votes/{vote_id}/ballots",
            json={"group_id": group["group_key"], "answers": answers},
            headers=bearer(app, caster),
        )
        assert cast.status_code == 201, cast.text
    app.state.clock = lambda: ENDS
    assert await run_due_transitions(app.state.sessionmaker, ENDS) == 1
    return VoteRun(vote_id, str(places.estate.id), topic_ids, committee, bearer(app, accounts[WANG]))


async def export_bundle(client, run: VoteRun) -> bytes:  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/votes/{run.vote_id}/export", headers=run.committee)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return response.content


# --- tampering ------------------------------------------------------------------------------------------------


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def load(bundle: bytes, name: str) -> Any:
    return json.loads(members(bundle)[name])


def rebuild(files: dict[str, bytes], *, fix_manifest: bool = True) -> bytes:
    """Re-zip the members in bundle order, updating the manifest's checksums as a forger would."""
    if fix_manifest:
        manifest = json.loads(files[d.MANIFEST])
        for member in manifest["files"]:
            content = files[member["name"]]
            member["size"] = len(content)
            member["sha256"] = hashlib.sha256(content).hexdigest()
        files[d.MANIFEST] = json.dumps(manifest, indent=2).encode()
    order = [d.README, d.MANIFEST, *d.MEMBERS]
    order += [name for name in files if name not in order]
    return write_zip([(name, files[name]) for name in order if name in files])


def tamper(bundle: bytes, name: str, change: Callable[[Any], Any]) -> bytes:
    """Change one JSON member (``change`` mutates it in place, or returns a replacement)."""
    files = members(bundle)
    document = json.loads(files[name])
    replaced = change(document)
    files[name] = json.dumps(document if replaced is None else replaced, ensure_ascii=False).encode()
    return rebuild(files)


def replace_member(bundle: bytes, name: str, content: bytes) -> bytes:
    files = members(bundle)
    files[name] = content
    return rebuild(files)


def ballot_hash(vote_id: str, ballot: dict[str, Any]) -> str:
    return canonical_sha256(
        d.ballot_document(
            vote_id=vote_id, group_id=ballot["group_id"], answers=ballot["answers"], basis=ballot["basis"],
            channel=ballot["channel"], cast_at=ballot["cast_at"],
        )
    )  # fmt: skip
