"""The first owners' assembly as a guided procedure on the vote machinery (R-FIRST-1..6; Beijing Arts. 31–33, 43).

* **The preparatory group** (筹备组, R-FIRST-1) is formed and recorded by the street office of the estate's
  jurisdiction (Art. 31), answering a submitted first-assembly application when it was made in evote (Art. 30,
  R-LIFE-9). Recording it publicises its members to the owners (names masked, as committees', R-COMM-4).
* **It convenes the first assembly** (R-FIRST-2): a vote with organiser ``PREPARATORY_GROUP`` is checked at
  publication against the group's record and the 60-day limit (``app.vote.convening``).
* **The publicity** (R-FIRST-3, Art. 32) is the vote's notice: published 15 clear days before voting (R-LIFE-3)
  with the drafts (covenant, rules of procedure), the candidates and the election method as its topics, frozen from
  then on (R-LIFE-4), and its roll open to the owners (R-ROLL-7). Owners object to the roll through
  ``app.objection`` and to the other items here; the preparatory group answers each, logged with commitments only.
* **The compulsory agenda** (R-FIRST-4, Art. 33) is checked at publication (``app.vote.convening``).
* **The filing** (R-FIRST-5, Art. 43) of the elected committee is due 30 days after the election: the organisers
  and the street office are reminded a week before and once when it is overdue (``publish_filing_reminders``).
* **The guided view** (R-FIRST-6) shows each step with its status and statutory day.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.assembly.errors import (
    ApplicationInvalid,
    FormedOnInvalid,
    NotAFirstAssemblyVote,
    PreparatoryGroupNotAllowed,
)
from app.assembly.models import PublicityObjection
from app.assembly.schemas import PreparatoryGroupCreate, PublicityObjectionAnswer, PublicityObjectionCreate
from app.audit import service as audit_service
from app.committee import service as committee_service
from app.committee.models import Committee, PreparatoryGroup, PreparatoryGroupMember
from app.common.access import MANAGING_ROLES, Principal, Role
from app.common.errors import Forbidden
from app.errors import NotFound, Text
from app.identity import events as identity_events
from app.ledger import events
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.objection import service as objection_service
from app.objection.errors import NotEstateOwner, NoticePeriodOver
from app.objection.models import RollObjection
from app.petition.models import Petition, PetitionKind, PetitionStatus
from app.place import access
from app.realname import repository as realname_repository
from app.result.models import TopicResult
from app.rules.committees import CommitteeKind
from app.rules.elections import ElectionOutcome
from app.rules.first_assembly import (
    GroupConstituency,
    GroupSeat,
    StepStatus,
    check_group,
    filing_due,
    filing_reminder,
    meeting_due,
    members_publicity_due,
    publicity_due,
    step_status,
)
from app.rules.kinds import TopicKind
from app.rules.lifecycle import VoteStatus
from app.rules.publicity import shanghai_date
from app.security.pii import FieldCipher
from app.vote import repository as vote_repository
from app.vote.lifecycle import status_at
from app.vote.models import OrganiserKind, Vote

COMMITMENT_DOMAIN = "evote/publicity-objection@1"
APPLICATION_REVIEW_DAYS = 30  # Art. 31: the street office reviews the application within 30 days …
GROUP_CONVENING_DAYS = 30  # … and the head it appoints convenes the group within 30 days
DECIDED = frozenset({VoteStatus.DECIDED, VoteStatus.RESULT_PUBLISHED})
# R-ELEC-4/6: seats were filled (a tie re-vote may still wait for some); NO_QUORUM elects nobody.
ELECTED_OUTCOMES = frozenset({ElectionOutcome.DECIDED.value, ElectionOutcome.TIE_UNRESOLVED.value})
CONSTITUENCY_ZH = {
    GroupConstituency.OWNER: "业主代表",
    GroupConstituency.RESIDENTS_COMMITTEE: "居民委员会",
    GroupConstituency.STREET_OFFICE: "街道办事处",
    GroupConstituency.DEVELOPER: "建设单位",
}


def mask(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)


def text_commitment(*, objection_id: uuid.UUID, vote_id: uuid.UUID, part: str, text: str, salt: str) -> str:
    """As for roll objections (``app.objection.service.text_commitment``), under the publicity objection's domain."""
    return objection_service.text_commitment(
        objection_id=objection_id, vote_id=vote_id, part=part, text=text, salt=salt, domain=COMMITMENT_DOMAIN
    )


# --- the preparatory group (R-FIRST-1) ---------------------------------------------------------------------------


async def _application(session: AsyncSession, estate_id: uuid.UUID, petition_id: uuid.UUID) -> Petition:
    petition = await session.get(Petition, petition_id)
    if (
        petition is None
        or petition.estate_id != estate_id
        or petition.kind is not PetitionKind.FIRST_ASSEMBLY_APPLICATION
        or petition.submitted_at is None
    ):
        raise ApplicationInvalid()
    return petition


async def form_group(
    session: AsyncSession,
    principal: Principal,
    estate_id: uuid.UUID,
    body: PreparatoryGroupCreate,
    *,
    cipher: FieldCipher,
    now: datetime,
) -> PreparatoryGroup:
    """The street office records the 筹备组 it formed (Art. 31): composition checked (R-FIRST-1), owners'
    representatives found on the current register, members publicised to the owners at once."""
    roles = await access.estate_roles(session, principal, estate_id)
    if Role.STREET_OFFICE not in roles:
        if not roles & MANAGING_ROLES:
            await access.ensure_can_manage_estate(session, principal, estate_id)
        raise PreparatoryGroupNotAllowed()
    today = shanghai_date(now)
    submitted_on: date | None = None
    if body.application_petition_id is not None:
        petition = await _application(session, estate_id, body.application_petition_id)
        assert petition.submitted_at is not None  # noqa: S101 - checked by _application
        submitted_on = shanghai_date(petition.submitted_at)
    if body.formed_on > today or (submitted_on is not None and body.formed_on < submitted_on):
        raise FormedOnInvalid(
            formed_on=body.formed_on.isoformat(),
            today=today.isoformat(),
            submitted_on=submitted_on.isoformat() if submitted_on else "-",
        )
    check_group([GroupSeat(member.constituency, member.is_head) for member in body.members])
    members = []
    for seat, member in enumerate(body.members, start=1):
        owner_id = None
        if member.constituency is GroupConstituency.OWNER:
            owner, _ = await committee_service.owner_on_register(
                session, estate_id, member.document_type, member.identifier, cipher
            )
            owner_id = owner.id
        members.append(
            PreparatoryGroupMember(
                id=uuid.uuid4(),
                seat=seat,
                constituency=member.constituency,
                is_head=member.is_head,
                name=member.name,
                owner_id=owner_id,
            )
        )
    acted_as = await access.acting_as(session, principal, estate_id)
    group = PreparatoryGroup(
        id=uuid.uuid4(),
        estate_id=estate_id,
        application_petition_id=body.application_petition_id,
        formed_on=body.formed_on,
        document_ref=body.document_ref,
        recorded_by=acted_as,
        recorded_at=now.astimezone(UTC),
        members_publicised_on=today,
        members=members,
    )
    session.add(group)
    await session.flush()
    owners = sum(1 for member in members if member.constituency is GroupConstituency.OWNER)
    entry = await audit_service.append(
        session,
        events.preparatory_group_formed(
            group_id=group.id,
            formed_on=group.formed_on.isoformat(),
            members=len(members),
            owner_representatives=owners,
            application_petition_id=group.application_petition_id,
            document_sha256=hashlib.sha256(body.document_ref.encode()).hexdigest(),
            recorded_by=acted_as,
        ),
        estate_id=estate_id,
    )
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    lines = [
        f"{m.seat}. {CONSTITUENCY_ZH[m.constituency]} {mask(m.name)}{'（组长）' if m.is_head else ''}" for m in members
    ]
    await notice_service.publish_notice(
        session,
        estate_id=estate_id,
        kind=NoticeKind.COMMITTEE_CHANGE,
        title="首次业主大会会议筹备组成员公示",
        body=(
            f"街道办事处于{group.formed_on.isoformat()}组建首次业主大会会议筹备组（北京条例第三十一条），成员如下：\n"
            + "\n".join(lines)
            + f"\n首次业主大会会议应于{meeting_due(group.formed_on).isoformat()}前召开（北京条例第三十二条）。\n"
            f"The street office formed the preparatory group on {group.formed_on.isoformat()} (Beijing Art. 31); the "
            f"first meeting opens by {meeting_due(group.formed_on).isoformat()} (Art. 32)."
        ),
        now=now,
        audience=Audience.OWNERS.value,
    )
    return group


async def list_groups(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID
) -> tuple[Sequence[PreparatoryGroup], bool]:
    """The estate's preparatory groups, newest first, and whether names are masked (owners read them masked)."""
    roles = await committee_service.reader_roles(session, principal, estate_id)
    groups = (
        await session.scalars(
            sa.select(PreparatoryGroup)
            .where(PreparatoryGroup.estate_id == estate_id)
            .options(selectinload(PreparatoryGroup.members))
            .order_by(PreparatoryGroup.formed_on.desc(), PreparatoryGroup.created_at.desc())
        )
    ).all()
    return groups, roles is None


# --- objections to the publicity (R-FIRST-3) ---------------------------------------------------------------------


async def _roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    try:
        return await access.estate_roles(session, principal, estate_id)
    except NotFound:
        return frozenset()


async def _first_assembly_vote(session: AsyncSession, vote_id: uuid.UUID) -> Vote:
    vote = await vote_repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    return vote


async def file_objection(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: PublicityObjectionCreate, *, now: datetime
) -> PublicityObjection:
    """An owner in the vote's roll objects to a publicised item before voting opens (Art. 32)."""
    vote = await _first_assembly_vote(session, vote_id)
    owner_id = await realname_repository.bound_owner(session, principal.account_id, vote.estate_id)
    if vote.status is VoteStatus.DRAFT:
        raise NotFound(what="vote")
    if owner_id is None or not await vote_repository.owner_in_roll(session, vote.id, owner_id):
        if await _roles(session, principal, vote.estate_id):
            raise NotEstateOwner()  # staff answer objections; they do not file them
        raise NotFound(what="vote")
    if vote.organiser_kind is not OrganiserKind.PREPARATORY_GROUP:
        raise NotAFirstAssemblyVote()
    status = status_at(vote, now)
    if status is not VoteStatus.PUBLISHED:
        raise NoticePeriodOver(starts_at=vote.starts_at, status=status.value)
    assert principal.account_id is not None  # noqa: S101 - a bound owner has an account
    objection_id, salt = uuid.uuid4(), secrets.token_hex(16)
    objection = PublicityObjection(
        id=objection_id,
        vote_id=vote.id,
        estate_id=vote.estate_id,
        item=body.item,
        text=body.text,
        salt=salt,
        text_commitment=text_commitment(
            objection_id=objection_id, vote_id=vote.id, part="objection", text=body.text, salt=salt
        ),
        filed_by_account_id=principal.account_id,
        filed_by_owner_id=owner_id,
        filed_at=now.astimezone(UTC),
    )
    session.add(objection)
    await session.flush()
    await audit_service.append(
        session,
        events.publicity_objection_filed(
            objection_id=objection.id,
            item=objection.item.value,
            filed_at=notice_service.instant_text(now),
            text_commitment=objection.text_commitment,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    return objection


async def list_objections(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID
) -> Sequence[PublicityObjection]:
    """Every objection for the organiser and the street office; an owner sees their own."""
    vote = await _first_assembly_vote(session, vote_id)
    statement = (
        sa.select(PublicityObjection)
        .where(PublicityObjection.vote_id == vote.id)
        .order_by(PublicityObjection.filed_at, PublicityObjection.id)
    )
    roles = await _roles(session, principal, vote.estate_id)
    if not roles & MANAGING_ROLES:
        owner_id = await realname_repository.bound_owner(session, principal.account_id, vote.estate_id)
        if vote.status is VoteStatus.DRAFT or (owner_id is None and not roles):
            raise NotFound(what="vote")
        if owner_id is None:
            raise Forbidden(
                reason=Text(
                    "异议只能由当事人、组织者和街道办事处查看",
                    "objections are read by the parties, the organiser and the street office",
                )
            )
        statement = statement.where(PublicityObjection.filed_by_owner_id == owner_id)
    return (await session.scalars(statement)).all()


async def answer_objection(
    session: AsyncSession,
    principal: Principal,
    objection_id: uuid.UUID,
    body: PublicityObjectionAnswer,
    *,
    now: datetime,
) -> PublicityObjection:
    """The preparatory group answers, final; Art. 32 wants it before the meeting, evote accepts it until the close
    and the guided view shows a late answer."""
    return await objection_service.record_answer(
        session, principal, PublicityObjection, objection_id, body.decision, body.reasons, now=now,
        commitment=text_commitment, answered=events.publicity_objection_answered,
        answered_at=notice_service.instant_text(now),
    )  # fmt: skip


# --- the guided view (R-FIRST-6) ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    step: str
    basis: str
    status: StepStatus
    done_on: date | None
    due_on: date | None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    estate_id: uuid.UUID
    today: date
    group: PreparatoryGroup | None
    vote: Vote | None
    committee: Committee | None
    steps: tuple[Step, ...]


async def _latest_application(session: AsyncSession, estate_id: uuid.UUID) -> Petition | None:
    return await session.scalar(
        sa.select(Petition)
        .where(
            Petition.estate_id == estate_id,
            Petition.kind == PetitionKind.FIRST_ASSEMBLY_APPLICATION,
            Petition.submitted_at.is_not(None),
            Petition.status != PetitionStatus.CLOSED,
        )
        .order_by(Petition.submitted_at.desc())
        .limit(1)
    )


async def first_assembly_vote(session: AsyncSession, estate_id: uuid.UUID) -> Vote | None:
    """The estate's newest first-assembly vote that was not cancelled."""
    return await session.scalar(
        sa.select(Vote)
        .where(
            Vote.estate_id == estate_id,
            Vote.organiser_kind == OrganiserKind.PREPARATORY_GROUP,
            Vote.status != VoteStatus.CANCELLED,
        )
        .order_by(Vote.created_at.desc())
        .limit(1)
    )


async def elected_on(session: AsyncSession, vote: Vote) -> date | None:
    """The day the first assembly elected the committee (Art. 43 「选举产生之日」): the decision of its election
    topic, when it elected anyone (not NO_QUORUM, R-ELEC-4)."""
    if vote.status not in DECIDED or vote.decided_at is None:
        return None
    for topic in vote.topics:
        if topic.kind is TopicKind.ELECTION:
            result = await session.get(TopicResult, topic.id)
            if result is not None and result.outcome in ELECTED_OUTCOMES:
                return shanghai_date(result.decided_at)
    return None


async def elected_committee(session: AsyncSession, estate_id: uuid.UUID, elected: date) -> Committee | None:
    """The 业委会 term recorded from the election on (the first term starting on or after the election day)."""
    for committee in sorted(
        await committee_service.committees_of(session, estate_id), key=lambda c: (c.term_starts_on, c.created_at)
    ):
        if committee.kind is CommitteeKind.OWNERS_COMMITTEE and committee.term_starts_on >= elected:
            return committee
    return None


async def _objections(session: AsyncSession, vote: Vote) -> tuple[int, int, date | None]:
    """(filed, unanswered, last answer day) over the roll objections (R-ROLL-7) and the publicity objections."""
    filed = unanswered = 0
    last: datetime | None = None
    for model in (RollObjection, PublicityObjection):
        rows = (await session.execute(sa.select(model.answered_at).where(model.vote_id == vote.id))).scalars().all()
        filed += len(rows)
        unanswered += sum(1 for answered in rows if answered is None)
        answered = [a for a in rows if a is not None]
        if answered:
            latest = max(answered)
            last = latest if last is None or latest > last else last
    return filed, unanswered, shanghai_date(last) if last is not None else None


async def procedure(session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, now: datetime) -> Procedure:
    """R-FIRST-6: the first assembly's steps, each done (on which day, late or not), due by its statutory day,
    overdue, or waiting for an earlier step; for the street office and the preparatory group (organisers)."""
    await access.ensure_can_manage_estate(session, principal, estate_id)
    today = shanghai_date(now)
    application = await _latest_application(session, estate_id)
    group = await committee_service.preparatory_group_of(session, estate_id, today)
    vote = await first_assembly_vote(session, estate_id)
    if vote is not None:
        vote = await vote_repository.get_vote(session, vote.id)
    steps: list[Step] = []
    submitted = shanghai_date(application.submitted_at) if application and application.submitted_at else None
    steps.append(
        Step(
            "APPLICATION",
            "Beijing Art. 30 (R-LIFE-9)",
            StepStatus.DONE if submitted or group else StepStatus.DUE,
            submitted,
            None,
            None if submitted or not group else "made outside evote",
        )
    )
    formed_due = submitted + timedelta(days=APPLICATION_REVIEW_DAYS + GROUP_CONVENING_DAYS) if submitted else None
    steps.append(
        Step(
            "PREPARATORY_GROUP_FORMED",
            "Beijing Art. 31 (R-FIRST-1)",
            step_status(done_on=group.formed_on if group else None, due_on=formed_due, today=today),
            group.formed_on if group else None,
            formed_due,
        )
    )
    formed = group.formed_on if group else None
    steps.append(
        Step(
            "MEMBERS_PUBLICISED",
            "Beijing Art. 31 (R-FIRST-1)",
            step_status(
                done_on=group.members_publicised_on if group else None,
                due_on=members_publicity_due(formed) if formed else None,
                today=today,
                ready=group is not None,
            ),
            group.members_publicised_on if group else None,
            members_publicity_due(formed) if formed else None,
        )
    )
    published_on = shanghai_date(vote.published_at) if vote and vote.published_at else None
    steps.append(
        Step(
            "PUBLICITY",
            "Beijing Art. 32, R-LIFE-3 (R-FIRST-3)",
            step_status(
                done_on=published_on,
                due_on=publicity_due(formed) if formed else None,
                today=today,
                ready=group is not None,
            ),
            published_on,
            publicity_due(formed) if formed else None,
            None if vote is None else f"vote {vote.id}",
        )
    )
    starts_on = shanghai_date(vote.starts_at) if vote and published_on else None
    opened = vote is not None and published_on is not None and status_at(vote, now) is not VoteStatus.PUBLISHED
    answered_due = starts_on - timedelta(days=1) if starts_on else None
    if vote is not None and published_on is not None:
        filed, unanswered, last_answer = await _objections(session, vote)
        done = (last_answer or published_on) if unanswered == 0 and opened else None
        if unanswered == 0 and opened and last_answer is not None and answered_due and last_answer > answered_due:
            done = last_answer
        steps.append(
            Step(
                "OBJECTIONS_ANSWERED",
                "Beijing Art. 32 (R-FIRST-3, R-ROLL-7)",
                step_status(done_on=done, due_on=answered_due, today=today),
                done,
                answered_due,
                f"{filed} filed, {unanswered} unanswered",
            )
        )
    else:
        steps.append(
            Step(
                "OBJECTIONS_ANSWERED",
                "Beijing Art. 32 (R-FIRST-3, R-ROLL-7)",
                StepStatus.WAITING,
                None,
                None,
            )
        )
    meeting_limit = meeting_due(formed) if formed else None
    steps.append(
        Step(
            "FIRST_MEETING",
            "Beijing Art. 32 (R-FIRST-3)",
            step_status(
                done_on=starts_on if opened else None, due_on=meeting_limit, today=today, ready=group is not None
            ),
            starts_on if opened else None,
            meeting_limit,
        )
    )
    elected = await elected_on(session, vote) if vote is not None else None
    steps.append(
        Step(
            "COMMITTEE_ELECTED",
            "Beijing Art. 33 (R-FIRST-4)",
            step_status(done_on=elected, due_on=None, today=today, ready=opened),
            elected,
            None,
            None if vote is None or vote.status not in DECIDED or elected else "the election did not pass",
        )
    )
    committee = await elected_committee(session, estate_id, elected) if elected else None
    filed_on = committee.filed_on if committee else None
    steps.append(
        Step(
            "COMMITTEE_FILED",
            "Beijing Art. 43 (R-FIRST-5)",
            step_status(
                done_on=filed_on,
                due_on=filing_due(elected) if elected else None,
                today=today,
                ready=elected is not None,
            ),
            filed_on,
            filing_due(elected) if elected else None,
        )
    )
    return Procedure(estate_id, today, group, vote, committee, tuple(steps))


# --- the filing reminder (R-FIRST-5) -----------------------------------------------------------------------------


async def publish_filing_reminders(
    session: AsyncSession, *, today: date, now: datetime, published: set[tuple[uuid.UUID, str]]
) -> int:
    """R-FIRST-5 (Art. 43): for each first assembly that elected a committee not yet filed, remind the organisers
    and the street office a week before the 30th day and once when it has passed; each stage of each vote once."""
    count = 0
    votes = (
        await session.scalars(
            sa.select(Vote)
            .where(Vote.organiser_kind == OrganiserKind.PREPARATORY_GROUP, Vote.status.in_(DECIDED))
            .options(selectinload(Vote.topics))
        )
    ).all()
    for vote in votes:
        elected = await elected_on(session, vote)
        if elected is None:
            continue
        committee = await elected_committee(session, vote.estate_id, elected)
        if committee is not None and committee.filed_on is not None:
            continue
        stage = filing_reminder(elected, today)
        key = f"{stage.key}:{vote.id}" if stage else ""
        if stage is None or (vote.estate_id, key) in published:
            continue
        late_zh, late_en = ("已逾期", "is overdue") if stage.overdue else ("即将到期", "is due soon")
        draft = notice_service.NoticeDraft(
            estate_id=vote.estate_id,
            kind=NoticeKind.REMINDER,
            title=f"提醒：业主委员会备案{late_zh}",
            body=(
                f"首次业主大会会议于{elected.isoformat()}选举产生业主委员会，应自选举产生之日起三十日内"
                f"（{stage.due_on.isoformat()}前）向街道办事处备案（北京条例第四十三条），备案{late_zh}。\n"
                f"The first assembly elected the committee on {elected.isoformat()}; it files with the street office "
                f"within 30 days, by {stage.due_on.isoformat()} (Beijing Art. 43): the filing {late_en}."
            ),
            audience=Audience.ORGANISERS,
        )
        count += await notice_service.publish_notice_once(session, draft, now=now, dedup_key=key) is not None
    return count
