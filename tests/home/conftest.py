"""The owners' app world (issue #19 items 4 and 5), all fixtures in one place.

Estate A holds the RULES.md section P register (samples/register-sample.csv): 王一 owns 1-1-101 and 1-1-102, the
company 北京某某商贸有限公司 owns 2-1-102, 赵四 owns 1-2-202. Its committee publishes a vote through the API on
2025-03-01 (a yes/no topic with a PDF attachment and a single-choice topic) that opens on 2025-03-17 and ends on
2025-03-24. Estate B, in another street office, has its own register and vote.

Vote publication is being changed in parallel (posting on site, convener checks, paper ballots): everything that
drafts and publishes lives in ``publish_vote`` below, so adapting it adapts every test here.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.audit.integrator import integrate_once
from app.common.access import Role
from app.settings import IdpIssuer
from app.transitions import run_due_transitions
from tests.factories import Places, make_api_key, make_places
from tests.factories_vote import convene, record_posting
from tests.notice.helpers import HEADER, resident_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
STARTS = datetime(2025, 3, 17, 0, 0, tzinfo=SHANGHAI)  # 15 clear days after the notice (R-LIFE-3)
ENDS = datetime(2025, 3, 24, 0, 0, tzinfo=SHANGHAI)
VOTING = STARTS + timedelta(days=1)

ID_WANG = "110105198001010016"  # 王一, samples/register-sample.csv
CERTIFICATE_WANG = "京(2019)朝阳区不动产权第0000101号"
ID_ZHAO = "110105198304040044"  # 赵四, 1-2-202
CERTIFICATE_ZHAO = "京(2019)朝阳区不动产权第0000202号"
ID_REPRESENTATIVE = resident_id("11010519750909123")  # the company's legal representative: in no register
ID_TENANT = resident_id("11010519880808456")  # a tenant of 赵四: in no register
ID_OUTSIDER = resident_id("11010519770707789")  # verified, owns nothing, holds no grant
ID_B = resident_id("11010519900202456")  # the one owner of estate B
CERTIFICATE_B = "京(2020)朝阳区不动产权第0009101号"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ISSUER = "https://idp.example.cn"
AUDIENCE = "evote-verification"
API = "/api/v1"


def topics() -> list[dict[str, object]]:
    yes_no = {"kind": "YES_NO", "declaration_property_management": True, "text": "续聘北京某物业公司，期限三年。"}
    return [
        yes_no | {"title": "续聘物业服务企业", "matters": ["HIRE_DISMISS_PROVIDER"]},
        {
            "title": "选择物业服务方案", "text": "三个方案全文见附件。", "kind": "SINGLE_CHOICE",
            "matters": ["SERVICE_TERMS"], "declaration_property_management": True,
            "options": [{"id": option, "label": f"方案{option}"} for option in "ABC"],
        },
    ]  # fmt: skip


@dataclass
class Estate:
    places: Places
    committee: dict[str, str]
    vote_id: str  # for the organiser's side only: the owners' tests find it through /me/votes

    @property
    def id(self) -> str:
        return str(self.places.estate.id)


async def publish_vote(client, session, app, places: Places, committee: dict[str, str], register: bytes) -> str:  # type: ignore[no-untyped-def]
    """The committee imports the register, drafts the vote with its topics and an attachment, records its mandate
    to convene (R-CONV), publishes the notice and records its posting on site the same day (R-NOTICE-3)."""
    app.state.clock = lambda: PUBLISHED
    imported = await client.post(
        f"{API}/estates/{places.estate.id}/register/imports",
        files={"file": ("r.csv", register, "text/csv")},
        headers=committee,
    )
    assert imported.status_code == 201, imported.text
    body = {
        "title": "2025年第一次业主大会会议",
        "organiser_kind": "OWNERS_COMMITTEE",
        "starts_at": STARTS.isoformat(),
        "ends_at": ENDS.isoformat(),
        "notice_text": "会议公告全文",
    }
    vote = await client.post(f"{API}/estates/{places.estate.id}/votes", json=body, headers=committee)
    assert vote.status_code == 201, vote.text
    vote_id: str = vote.json()["id"]
    await convene(session, app.state.cipher, uuid.UUID(vote_id))  # R-CONV: a filed committee's signed decision
    await session.commit()
    for position, topic in enumerate(topics()):
        created = await client.post(f"{API}/votes/{vote_id}/topics", json=topic, headers=committee)
        assert created.status_code == 201, created.text
        if position == 0:
            attached = await client.post(
                f"{API}/votes/{vote_id}/topics/{created.json()['id']}/attachments",
                files={"file": ("合同草案.pdf", PDF, "application/pdf")},
                headers=committee,
            )
            assert attached.status_code == 201, attached.text
    published = await client.post(f"{API}/votes/{vote_id}/publish", headers=committee)
    assert published.status_code == 200, published.text
    await record_posting(client, vote_id, committee, posted_at=PUBLISHED)
    return vote_id


@pytest.fixture
async def estates(client, session, app, repo_root: Path) -> dict[str, Estate]:  # type: ignore[no-untyped-def]
    """Estates A and B, each with a published vote; the clock stands inside the voting window."""
    found = {}
    register_b = (
        HEADER
        + f"1,1,101,100.00,不动产登记,否,已售,是,不动产登记,{CERTIFICATE_B},吴九,{ID_B},个人\n"
        + "".join(
            f"1,1,10{n},90.00,不动产登记,否,已售,是,不动产登记,京(2020)第91{n}号,郑{n},{resident_id(f'1101051960010{n}123')},个人\n"
            for n in (2, 3)  # R-CONV: a committee of three to convene B's vote
        )
    )
    for name, register in (("A", (repo_root / "samples/register-sample.csv").read_bytes()), ("B", register_b.encode())):
        places = await make_places(session, app.state.cipher)
        await session.commit()
        committee = await make_api_key(session, app.state.token_hasher, role=Role.COMMITTEE, estate_id=places.estate.id)
        found[name] = Estate(places, committee, await publish_vote(client, session, app, places, committee, register))
    app.state.clock = lambda: VOTING
    return found


@pytest.fixture(autouse=True)
def sms_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="evote.sms")
    return caplog


async def sign_in(client, caplog: pytest.LogCaptureFixture, phone: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Sign in with a one-time code read from the console sender's log: the bearer header of the new session."""
    sent = await client.post(f"{API}/auth/codes", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    code = [record for record in caplog.records if record.name == "evote.sms"][-1].sms_code  # type: ignore[attr-defined]
    login = await client.post(f"{API}/auth/login", json={"phone": phone, "code": code})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def verify_as_owner(client, headers: dict[str, str], id_number: str, certificate: str) -> None:  # type: ignore[no-untyped-def]
    """R-PI-3's register match: the owner's own ID and certificate numbers (no id of evote is needed)."""
    verified = await client.post(
        f"{API}/me/verification", json={"id_number": id_number, "certificate_number": certificate}, headers=headers
    )
    assert verified.status_code == 200, verified.text


@pytest.fixture
def idp(app, tmp_path):  # type: ignore[no-untyped-def]
    """An identity provider the app trusts; ``idp(account_id, id_number)`` is its signed PASS for that person."""
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "idp.pem").write_bytes(pem)
    issuer = IdpIssuer(issuer=ISSUER, audience=AUDIENCE, public_key_files=[tmp_path / "idp.pem"])
    app.state.settings = app.state.settings.model_copy(update={"idp_issuers": [issuer]})

    def assertion(subject: str, id_number: str) -> str:
        now = int(app.state.clock().timestamp())
        claims = {
            "iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now - 5, "exp": now + 300,
            "jti": f"txn-{subject[:8]}", "id_number": id_number, "result": "PASS", "txn": f"TXN-{subject[:8]}",
        }  # fmt: skip
        return jwt.encode(claims, key, algorithm="EdDSA")

    return assertion


async def verify_as_person(client, headers: dict[str, str], idp, id_number: str) -> None:  # type: ignore[no-untyped-def]
    """Real name through the identity provider for a person who owns no home (issue #19 item 5)."""
    me = await client.get(f"{API}/me", headers=headers)
    assert me.status_code == 200, me.text
    verified = await client.post(
        f"{API}/me/verification/idp", json={"assertion": idp(me.json()["id"], id_number)}, headers=headers
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["estates"] == []


async def roll_key(client, estate: Estate, first_unit: str) -> str:  # type: ignore[no-untyped-def]
    """The organiser's roll of the estate: the group key the organiser gives a representative or an owner."""
    roll = await client.get(f"{API}/estates/{estate.id}/roll", headers=estate.committee)
    assert roll.status_code == 200, roll.text
    return next(group["group_id"] for group in roll.json()["groups"] if group["units"][0]["unit_key"] == first_unit)


async def approve_pending_grant(client, estate: Estate) -> str:  # type: ignore[no-untyped-def]
    """The organiser approves the estate's one pending grant (found in its list); its id."""
    listed = await client.get(f"{API}/estates/{estate.id}/grants", headers=estate.committee)
    assert listed.status_code == 200, listed.text
    [pending] = [grant for grant in listed.json()["items"] if grant["status"] == "PENDING"]
    approved = await client.post(f"{API}/estates/{estate.id}/grants/{pending['id']}/approve", headers=estate.committee)
    assert approved.status_code == 200, approved.text
    grant_id: str = pending["id"]
    return grant_id


async def integrate_log(app) -> None:  # type: ignore[no-untyped-def]
    """The background integrator folds the new entries into the signed log (receipts need it)."""
    await integrate_once(app.state.sessionmaker, app.state.clock(), keys=app.state.log_keys)


async def close_votes(app) -> None:  # type: ignore[no-untyped-def]
    """The end instant passes: the service closes, decides and publishes without a request (R-LIFE-8)."""
    app.state.clock = lambda: ENDS
    assert await run_due_transitions(app.state.sessionmaker, ENDS, keys=app.state.log_keys) >= 1


def answers_from(vote: dict[str, object]) -> dict[str, str]:
    """A ballot built from the vote as read: agree on yes/no topics, the first option elsewhere."""
    answers = {}
    for topic in vote["topics"]:  # type: ignore[attr-defined]
        answers[topic["id"]] = topic["options"][0]["id"] if topic["options"] else "AGREE"
    return answers
