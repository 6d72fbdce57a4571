"""Builders for votes: an estate with the sample register (RULES.md section P) and a vote with its frozen roll.

These insert rows directly (as the publication service would leave them), so casting and tallying tests do
not depend on the drafting API; end-to-end tests go through the API instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.committee import service as committee_service
from app.committee.models import Committee, CommitteeMember, Constituency, ConveningTrigger, SeatKind
from app.identity.service import OPERATOR
from app.register.models import Owner, OwnerKind
from app.register.parsing import RegisterFormat
from app.register.repository import latest_version
from app.register.service import import_register
from app.rules.categories import Category, statutory_rule
from app.rules.committees import CommitteeKind, ConveningGround
from app.rules.publicity import shanghai_date
from app.rules.reminders import add_months
from app.rules.roll import Roll
from app.security.pii import FieldCipher
from app.vote.models import ConveningMandate, MandateSignature, OrganiserKind, Topic, TopicKind, Vote, VoteStatus
from app.vote.snapshot import take_snapshot
from app.vote.spec import rule_to_json
from tests.factories import Places, make_account, make_places

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "register-sample.csv"


@dataclass(frozen=True)
class VoteFixture:
    places: Places
    vote: Vote
    topics: list[Topic]
    roll: Roll


def yes_no_topic(title: str = "续聘物业服务企业", *, category: Category = Category.ORDINARY) -> dict[str, Any]:
    matters = ["HIRE_DISMISS_PROVIDER"] if category is Category.ORDINARY else ["FUND_RAISE"]
    return {"title": title, "kind": TopicKind.YES_NO, "category": category, "matters": matters}


def option_topic(title: str = "选择物业服务企业", options: tuple[str, ...] = ("A", "B", "C")) -> dict[str, Any]:
    return {
        "title": title,
        "kind": TopicKind.SINGLE_CHOICE,
        "category": Category.ORDINARY,
        "matters": ["HIRE_DISMISS_PROVIDER"],
        "options": [{"id": option, "label": f"方案{option}"} for option in options],
    }


SAMPLE_HOUSEHOLDS = 10  # the sample register's residential units: 11 units, one a parking space (R-ELEC-12)


def election_topic(candidates: tuple[str, ...] = ("c1", "c2", "c3", "c4", "c5", "c6", "c7")) -> dict[str, Any]:
    return {
        "title": "选举业主委员会委员",
        "kind": TopicKind.ELECTION,
        "category": Category.ORDINARY,
        "matters": ["ELECT_COMMITTEE"],
        "election": {  # as published (R-ELEC-10, R-ELEC-12: the sample register's 10 residential units)
            "election_type": "FULL",
            "committee": None,
            "member_seats": 5,
            "alternate_seats": 2,
            "households": SAMPLE_HOUSEHOLDS,
            "candidates": [{"id": c, "name": f"候选人{c}"} for c in candidates],
            "alternate_candidates": None,
        },
    }


POSTING_PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
"""A photograph of a posted notice as the API accepts it (PNG by its signature)."""


async def record_posting(  # type: ignore[no-untyped-def]
    client, vote_id: object, headers: dict[str, str], *, posted_at: datetime, place: str = "1号楼大堂公告栏"
):
    """Record the notice's on-site posting through the API (R-NOTICE-2/3: a vote opens only once it is posted);
    the response, asserted 201. Call it after publishing, with the app clock at or after ``posted_at``."""
    response = await client.post(
        f"/api/v1/votes/{vote_id}/postings",
        data={"posted_at": posted_at.isoformat(), "place": place},
        files={"photo": ("posting.png", POSTING_PHOTO, "image/png")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response


ROLL_PSEUDONYM_KEY = bytes(range(32))
"""The key these fixture rolls' owners are named under (no vote.published entry is logged for them anyway)."""


async def make_vote(
    session: AsyncSession,
    cipher: FieldCipher,
    *,
    now: datetime,
    topics: list[dict[str, Any]] | None = None,
    status: VoteStatus = VoteStatus.PUBLISHED,
    opens_in: timedelta = timedelta(0),
    window: timedelta = timedelta(days=7),
    places: Places | None = None,
    register: bytes | None = None,
) -> VoteFixture:
    """A published vote over the section-P estate (8 heads, 90000 area), open from ``now + opens_in``."""
    places = places or await make_places(session, cipher)
    outcome = await import_register(
        session,
        places.estate.id,
        SAMPLE.read_bytes() if register is None else register,
        register_format=RegisterFormat.CSV,
        source_name=SAMPLE.name,
        imported_by=OPERATOR,
        cipher=cipher,
    )
    vote = Vote(
        id=uuid.uuid4(),
        estate_id=places.estate.id,
        title="2025年第一次业主大会会议",
        organiser_kind="OWNERS_COMMITTEE",
        created_by="tests",
        status=status,
        starts_at=now + opens_in,
        ends_at=now + opens_in + window,
        published_at=now + opens_in - timedelta(days=16),
        posted_at=now + opens_in - timedelta(days=16),  # R-NOTICE-3: posted on site as published
        published_by="tests",
        notice_hash="0" * 64,
    )
    session.add(vote)
    rows = []
    for position, spec in enumerate(topics or [yes_no_topic()]):
        category = spec["category"]
        rows.append(
            Topic(
                vote_id=vote.id,
                position=position,
                title=spec["title"],
                text=spec.get("text", spec["title"]),
                kind=spec["kind"],
                matters=spec["matters"],
                category=category,
                rule=rule_to_json(statutory_rule(category)),
                options=spec.get("options"),
                election=spec.get("election"),
                declaration_property_management=True,
                content_hash="0" * 64,
            )
        )
    session.add_all(rows)
    await session.flush()
    roll = await take_snapshot(session, vote, outcome.version, scope_units=None, pseudonym_key=ROLL_PSEUDONYM_KEY)
    await session.flush()
    return VoteFixture(places, vote, rows, roll)


async def convene(session: AsyncSession, cipher: FieldCipher, vote_id: uuid.UUID) -> None:
    """Give a draft vote a lawful convener (R-CONV-1..3), so that publishing it passes the convening checks.

    THE one helper for every test, fixture, demo-like script and other helper's test that publishes a vote through
    the API: call it after creating the draft (the estate's register imported) and before ``POST …/publish``.
    By the draft's ``organiser_kind`` it records, directly in the database:

    * ``OWNERS_COMMITTEE``: a filed 业委会 in term around the draft's creation day (three seats, which Beijing Art. 39
      allows for the section-P estate of ≤ 100 households; reused if the estate has one), whose members are the
      first three persons of the current register, each with an account of their own; and the decision to convene,
      signed by all three through those accounts;
    * ``PROPERTY_MANAGEMENT_COMMITTEE``: likewise a 物管会 of seven formed the day before, all seven signing (the
      estate's register needs seven persons);
    * ``STREET_OFFICE``: a recorded NO_COMMITTEE ground (the estate must have no committee in term);
    * the preparatory and changeover groups need nothing.
    """
    vote = await session.get(Vote, vote_id)
    assert vote is not None
    today = shanghai_date(vote.created_at)
    if vote.organiser_kind is OrganiserKind.STREET_OFFICE:
        trigger = ConveningTrigger(
            estate_id=vote.estate_id, ground=ConveningGround.NO_COMMITTEE, occurred_on=today,
            document_ref="街道办事处代为召集决定", evidence_sha256="e" * 64, recorded_by="tests",
            recorded_at=vote.created_at,
        )  # fmt: skip
        session.add(trigger)
        await session.flush()
        session.add(ConveningMandate(vote_id=vote.id, trigger_id=trigger.id, recorded_by="tests"))
        await session.flush()
        return
    kind = {
        OrganiserKind.OWNERS_COMMITTEE: CommitteeKind.OWNERS_COMMITTEE,
        OrganiserKind.PROPERTY_MANAGEMENT_COMMITTEE: CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE,
    }.get(vote.organiser_kind)
    if kind is None or await latest_version(session, vote.estate_id) is None:
        return  # no register: publication refuses with vote.no_register anyway
    committee = await committee_service.mandated_committee(session, vote.estate_id, today)
    if committee is None or committee.kind is not kind:
        committee = await _sitting_committee(session, vote.estate_id, kind, today)
    members = committee_service.sitting_members(committee)
    mandate = ConveningMandate(vote_id=vote.id, committee_id=committee.id, decided_on=today, recorded_by="tests")
    session.add(mandate)
    await session.flush()
    for member in members:
        account = await make_account(session, cipher, owner_id=member.owner_id, display_name="委员")
        session.add(
            MandateSignature(
                mandate_id=mandate.id, member_id=member.id, account_id=account.id, signed_at=vote.created_at
            )
        )
    await session.flush()


async def off_committee(session: AsyncSession, estate_id: uuid.UUID, owner_ids: list[uuid.UUID]) -> uuid.UUID:
    """The first of ``owner_ids`` holding no seat on a committee of the estate: an owner who may witness a public
    count as an owner (R-PAPER-3); the committees seated here take arbitrary owners."""
    for candidate in owner_ids:
        if not await committee_service.sits_on_a_committee(session, estate_id, candidate):
            return candidate
    raise AssertionError("every candidate sits on a committee")


async def _sitting_committee(session: AsyncSession, estate_id: uuid.UUID, kind: CommitteeKind, today: Any) -> Committee:
    version = await latest_version(session, estate_id)
    assert version is not None, "import the register before convening"
    seats = 7 if kind is CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE else 3
    of_record = committee_service.owners_of_record_statement(version.id)
    owners = list(
        (
            await session.scalars(
                select(Owner.id)
                .where(
                    Owner.kind == OwnerKind.PERSON,
                    Owner.id.in_(of_record),
                )
                .order_by(Owner.id)
                .limit(seats)
            )
        ).all()
    )
    assert len(owners) >= seats, f"the register needs {seats} persons to seat the committee"
    starts = add_months(today, -12) if kind is CommitteeKind.OWNERS_COMMITTEE else today - timedelta(days=1)
    committee = Committee(
        estate_id=estate_id, kind=kind, seats=seats, alternate_seats=0, term_starts_on=starts,
        term_ends_on=add_months(starts, 36), recorded_by="tests", filed_on=starts, filed_by="tests",
        members=[
            CommitteeMember(
                seat_kind=SeatKind.MEMBER, seat=seat, constituency=Constituency.OWNER, owner_id=owner_id,
                started_on=starts,
            )
            for seat, owner_id in enumerate(owners[:seats], start=1)
        ],
    )  # fmt: skip
    session.add(committee)
    await session.flush()
    return committee
