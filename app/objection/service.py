"""The vote's roll open to the estate's owners, objections, answers and the corrected roll (R-ROLL-7).

* **Who reads the roll** (SPC Interpretation (2020) Art. 13; Beijing Art. 32(1)): a verified owner bound to the
  estate (R-CAST-1), the organiser (committee, ADMIN) and the street office. Names are masked (张**), never an ID
  number or a phone; areas are integers in 0.01 m² beside their m² text (R-NUM-1). The residents' committee and
  the auditor see the estate but not owners' names (403, R-SUP-2); anyone else is not told the vote exists (404).
* **Objections** are filed by such an owner against one entry (a voter group, one of its units, or a unit missing
  from the roll) after publication and before voting opens. The organiser answers each, ACCEPTED or REJECTED
  with reasons, until the close. Filing and answer are logged with hiding commitments of their texts only; the
  texts are read by the objector, the owners of the entry objected to, the organiser and the street office.
* **A correction before voting** is a new register version (the ordinary import) re-published as the vote's roll:
  the snapshot is taken again from it, the notice hash changes, and the notice period runs again in full from
  the re-publication (CHOICE, owner-protective; docs/rules.md R-ROLL-7): voting opens no earlier than
  ``earliest_voting_start(republished_at)``.
* **Evidence**: the objections never answered before the close, and those answered only after voting opened,
  are listed by id in the result (``evidence``).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.common.access import MANAGING_ROLES, Principal, roles_on
from app.common.pagination import paginate
from app.errors import NotFound
from app.identity import events as identity_events
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.notice import service as notice_service
from app.notice.models import NoticeKind
from app.objection.errors import (
    AlreadyAnswered,
    AnswerAfterClose,
    EntryNotFound,
    NotEstateOwner,
    NoticePeriodOver,
    ObjectionNotAccepted,
    ObjectionNotFound,
    RollNotOpenToRole,
    RollUnchanged,
)
from app.objection.models import ObjectionDecision, RollObjection
from app.objection.schemas import ObjectionAnswer, ObjectionCreate, RollRepublish
from app.place import access
from app.realname import repository as realname_repository
from app.register import repository as register_repository
from app.register.models import RegisterVersion, Unit
from app.rules.lifecycle import IN_PROGRESS, VoteStatus
from app.rules.publicity import check_window, earliest_voting_start
from app.vote import documents
from app.vote import notices as vote_notices
from app.vote import service as vote_service
from app.vote.errors import VoteNotPublished
from app.vote.lifecycle import status_at
from app.vote.models import RollGroup, Vote
from app.vote.snapshot import take_snapshot

COMMITMENT_DOMAIN = "evote/roll-objection@1"


def text_commitment(
    *, objection_id: uuid.UUID, vote_id: uuid.UUID, part: str, text: str, salt: str, domain: str = COMMITMENT_DOMAIN
) -> str:
    """SHA-256 of the RFC 8785 document ``{"domain", "objection_id", "vote_id", "part", "text", "salt"}``: the
    log's commitment to an objection's text (``part`` = "objection") or its answer's reasons ("answer"), under the
    kind of objection's own ``domain``. The 128-bit salt is never logged, so a short text cannot be guessed from the
    log; the parties hold it."""
    return canonical_sha256(
        {
            "domain": domain,
            "objection_id": str(objection_id),
            "vote_id": str(vote_id),
            "part": part,
            "text": text,
            "salt": salt,
        }
    )


def _utc(instant: datetime) -> str:
    return documents.utc_text(instant)


# --- who may read and act -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reader:
    """The caller as the roll sees them: staff of the estate (organiser or street office) or a bound owner."""

    vote: Vote
    staff: bool
    owner_id: uuid.UUID | None


async def _published_vote(session: AsyncSession, vote_id: uuid.UUID) -> Vote:
    vote = await session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    return vote


async def _reader(session: AsyncSession, principal: Principal, vote: Vote) -> Reader:
    """R-ROLL-7: the organiser, the street office and ADMIN; a verified owner bound to the estate (R-CAST-1).
    Observers and auditors: 403; anyone else: 404, and drafts are the organisers' alone."""
    place = await access.estate_place(session, vote.estate_id)
    roles = roles_on(principal, place) if place is not None else frozenset()
    if roles & MANAGING_ROLES:
        if vote.status is VoteStatus.DRAFT:
            raise VoteNotPublished()
        return Reader(vote, staff=True, owner_id=None)
    owner_id = await realname_repository.bound_owner(session, principal.account_id, vote.estate_id)
    if vote.status is VoteStatus.DRAFT or (owner_id is None and not roles):
        raise NotFound(what="vote")
    if owner_id is None:
        raise RollNotOpenToRole()  # R-SUP-2: the residents' committee and the auditor see no owners' names
    return Reader(vote, staff=False, owner_id=owner_id)


# --- the roll ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RollUnit:
    unit: Unit
    building: str
    owners: tuple[str, ...]  # names as recorded; the router masks them


@dataclass(frozen=True, slots=True)
class RollEntry:
    group: RollGroup
    units: tuple[RollUnit, ...]


@dataclass(frozen=True, slots=True)
class RollPage:
    vote: Vote
    version: RegisterVersion
    entries: tuple[RollEntry, ...]
    next_cursor: str | None


async def read_roll(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> RollPage:
    """One page of the vote's frozen roll by group id, each group with its units as the register version
    recorded them (SPC Interpretation (2020) Art. 13; Beijing Art. 32(1)). Each read is a restricted
    ``inspection.accessed`` entry naming the reader by account (R-REC-5), as owners' names are read."""
    vote = await _published_vote(session, vote_id)
    reader = await _reader(session, principal, vote)
    await audit_service.append(
        session,
        events.inspection_accessed(
            accessor=principal.label,
            capacity="STAFF" if reader.staff else "OWNER",
            document=f"roll:{vote.id}:{cursor or ''}",
            at=notice_service.instant_text(now),
            sha256=vote.roll_hash,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    version = await session.get(RegisterVersion, vote.register_version_id)
    if version is None:  # pragma: no cover - a published vote always has its register version
        raise VoteNotPublished()
    groups, next_cursor = await paginate(
        session, sa.select(RollGroup).where(RollGroup.vote_id == vote.id), key=RollGroup.group_id, cursor=cursor,
        limit=limit,
    )  # fmt: skip
    keys = sorted({key for group in groups for key in group.unit_keys})
    units: dict[str, Unit] = {}
    for start in range(0, len(keys), 500):
        rows = await session.scalars(
            sa.select(Unit)
            .where(Unit.register_version_id == version.id, Unit.unit_key.in_(keys[start : start + 500]))
            .options(selectinload(Unit.owners))
        )
        units.update({unit.unit_key: unit for unit in rows})
    buildings = await register_repository.building_names(session, vote.estate_id)
    entries = tuple(
        RollEntry(
            group,
            tuple(
                RollUnit(units[key], buildings[units[key].building_id], tuple(link.name for link in units[key].owners))
                for key in group.unit_keys
                if key in units
            ),
        )
        for group in groups
    )
    return RollPage(vote, version, entries, next_cursor)


# --- objections -------------------------------------------------------------------------------------------------


async def file_objection(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: ObjectionCreate, *, now: datetime
) -> RollObjection:
    """An owner's objection to an entry of the roll, in the notice period only (R-ROLL-7)."""
    vote = await _published_vote(session, vote_id)
    reader = await _reader(session, principal, vote)
    if reader.owner_id is None or principal.account_id is None:
        raise NotEstateOwner()  # staff answer objections; they do not file them
    status = status_at(vote, now)
    if status is not VoteStatus.PUBLISHED:
        raise NoticePeriodOver(starts_at=vote.starts_at.isoformat(), status=status.value)
    group_id = await _entry(session, vote, body.group_id, body.unit_key)
    objection_id = uuid.uuid4()
    salt = secrets.token_hex(16)
    assert vote.roll_hash is not None  # noqa: S101 - every published vote has one
    objection = RollObjection(
        id=objection_id,
        vote_id=vote.id,
        estate_id=vote.estate_id,
        group_id=group_id,
        unit_key=body.unit_key,
        text=body.text,
        salt=salt,
        text_commitment=text_commitment(
            objection_id=objection_id, vote_id=vote.id, part="objection", text=body.text, salt=salt
        ),
        roll_hash=vote.roll_hash,
        filed_by_account_id=principal.account_id,
        filed_by_owner_id=reader.owner_id,
        filed_at=now.astimezone(UTC),
    )
    session.add(objection)
    await session.flush()
    await audit_service.append(
        session,
        events.roll_objection_filed(
            objection_id=objection.id,
            roll_hash=objection.roll_hash,
            filed_at=_utc(now),
            text_commitment=objection.text_commitment,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    return objection


async def _entry(session: AsyncSession, vote: Vote, group_id: str | None, unit_key: str | None) -> str | None:
    """The group objected to: the one named (its unit, if named, must be in it), or the group holding the named
    unit; None for a unit the roll does not hold (an objection that it is missing)."""
    if group_id is not None:
        group = await session.get(RollGroup, (vote.id, group_id))
        if group is None or (unit_key is not None and unit_key not in group.unit_keys):
            raise EntryNotFound()
        return group_id
    groups = await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == vote.id))
    return next((group.group_id for group in groups if unit_key in group.unit_keys), None)


async def _is_party(session: AsyncSession, reader: Reader, objection: RollObjection) -> bool:
    """The objector, and the owners of the entry objected to, are the parties (besides the organiser)."""
    if reader.staff:
        return True
    if reader.owner_id == objection.filed_by_owner_id:
        return True
    if objection.group_id is None:
        return False
    group = await session.get(RollGroup, (objection.vote_id, objection.group_id))
    return group is not None and str(reader.owner_id) in group.owner_ids


async def list_objections(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[Sequence[RollObjection], str | None]:
    """Every objection for the organiser and the street office; an owner sees those they are a party to."""
    vote = await _published_vote(session, vote_id)
    reader = await _reader(session, principal, vote)
    statement = sa.select(RollObjection).where(RollObjection.vote_id == vote.id)
    if not reader.staff:
        parties = [RollObjection.filed_by_owner_id == reader.owner_id]
        groups = await session.scalars(sa.select(RollGroup).where(RollGroup.vote_id == vote.id))
        mine = [group.group_id for group in groups if str(reader.owner_id) in group.owner_ids]
        if mine:
            parties.append(RollObjection.group_id.in_(mine))
        statement = statement.where(sa.or_(*parties))
    return await paginate(session, statement, key=RollObjection.id, cursor=cursor, limit=limit)


async def get_objection(session: AsyncSession, principal: Principal, objection_id: uuid.UUID) -> RollObjection:
    objection = await session.get(RollObjection, objection_id)
    if objection is None:
        raise ObjectionNotFound()
    vote = await _published_vote(session, objection.vote_id)
    try:
        reader = await _reader(session, principal, vote)
    except (NotFound, RollNotOpenToRole):
        raise ObjectionNotFound() from None
    if not await _is_party(session, reader, objection):
        raise ObjectionNotFound()
    return objection


class Answerable(Protocol):
    """A row an organiser answers once: a roll objection (R-ROLL-7) or a publicity objection (R-FIRST)."""

    id: uuid.UUID
    vote_id: uuid.UUID
    salt: str
    decision: ObjectionDecision | None
    reasons: str | None
    reasons_commitment: str | None
    answered_by: str | None
    answered_at: datetime | None


AnswerableT = TypeVar("AnswerableT", bound=Answerable)


async def record_answer(
    session: AsyncSession,
    principal: Principal,
    model: type[AnswerableT],
    objection_id: uuid.UUID,
    decision: ObjectionDecision,
    reasons: str,
    *,
    now: datetime,
    commitment: Callable[..., str],
    answered: Callable[..., events.Event],
    answered_at: str,
) -> AnswerableT:
    """Record the organiser's final answer while the vote is in progress, commit to its reasons and log it; the
    vote's row lock serialises concurrent answers."""
    objection = await session.get(model, objection_id)
    if objection is None:
        raise ObjectionNotFound()
    try:
        vote = await vote_service.managed_vote(session, principal, objection.vote_id)
    except NotFound:
        raise ObjectionNotFound() from None
    await session.refresh(objection)
    if objection.decision is not None and objection.answered_at is not None:
        raise AlreadyAnswered(answered_at=objection.answered_at, decision=objection.decision.value)
    status = status_at(vote, now)
    if status not in IN_PROGRESS:
        raise AnswerAfterClose(status=status.value)
    acted_as = await access.acting_as(session, principal, vote.estate_id)
    objection.decision = decision
    objection.reasons = reasons
    objection.reasons_commitment = commitment(
        objection_id=objection.id, vote_id=vote.id, part="answer", text=reasons, salt=objection.salt
    )
    objection.answered_by = principal.label
    objection.answered_at = now.astimezone(UTC)
    await session.flush()
    entry = await audit_service.append(
        session,
        answered(
            objection_id=objection.id,
            decision=decision.value,
            answered_at=answered_at,
            answered_by=acted_as,
            reasons_commitment=objection.reasons_commitment,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    return objection


async def answer_objection(
    session: AsyncSession, principal: Principal, objection_id: uuid.UUID, body: ObjectionAnswer, *, now: datetime
) -> RollObjection:
    """The organiser's answer, final, until the vote closes (R-ROLL-7)."""
    return await record_answer(
        session, principal, RollObjection, objection_id, body.decision, body.reasons, now=now,
        commitment=text_commitment, answered=events.roll_objection_answered, answered_at=_utc(now),
    )  # fmt: skip


# --- a corrected roll ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Republished:
    vote: Vote
    version: RegisterVersion
    previous_roll_hash: str
    republished_at: datetime
    earliest_start: datetime
    objection_ids: tuple[uuid.UUID, ...]


async def republish_roll(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    body: RollRepublish,
    *,
    now: datetime,
    pseudonym_key: bytes,
) -> Republished:
    """Re-publish the vote's roll from the estate's latest register version, before voting opens (R-ROLL-7).

    The snapshot is taken again (R-ROLL-1) and the notice hash recomputed over it; the notice period runs again
    from now (CHOICE, R-LIFE-3): the window (kept, or the one given) must start no earlier than
    ``earliest_voting_start(now)``. The accepted objections named are marked as acted on by this version."""
    vote = await vote_service.managed_vote(session, principal, vote_id)
    if vote.status is VoteStatus.DRAFT:
        raise VoteNotPublished()
    status = status_at(vote, now)
    if status is not VoteStatus.PUBLISHED:
        raise NoticePeriodOver(starts_at=vote.starts_at.isoformat(), status=status.value)
    previous = await session.get(RegisterVersion, vote.register_version_id)
    latest = await register_repository.latest_version(session, vote.estate_id)
    assert previous is not None  # noqa: S101 - a published vote's register version exists
    assert latest is not None  # noqa: S101 - and so the estate's latest
    if latest.number <= previous.number:
        raise RollUnchanged(number=previous.number)
    objections = await _accepted(session, vote, body.objection_ids)
    starts_at = _whole_seconds(body.starts_at) if body.starts_at is not None else vote.starts_at
    ends_at = _whole_seconds(body.ends_at) if body.ends_at is not None else vote.ends_at
    check_window(now, starts_at, ends_at, min_days=vote.min_window_days)  # R-LIFE-3 from the re-publication
    assert vote.roll_hash is not None  # noqa: S101 - published
    assert vote.notice_hash is not None  # noqa: S101 - published
    previous_roll_hash, previous_notice_hash = vote.roll_hash, vote.notice_hash
    await session.execute(sa.delete(RollGroup).where(RollGroup.vote_id == vote.id))
    vote.starts_at, vote.ends_at = starts_at, ends_at
    await take_snapshot(session, vote, latest, scope_units=vote.scope_units, pseudonym_key=pseudonym_key)
    assert vote.roll_hash is not None  # noqa: S101 - set by take_snapshot
    topic_hashes = [topic.content_hash or "" for topic in vote.topics]
    vote.notice_hash = documents.notice_hash(
        vote, topic_hashes, roll_hash=vote.roll_hash, register_version_id=latest.id
    )
    for objection in objections:
        objection.corrected_in_version_id = latest.id
    await session.flush()
    earliest = earliest_voting_start(now)
    acted_as = await access.acting_as(session, principal, vote.estate_id)
    entry = await audit_service.append(
        session,
        events.vote_roll_republished(
            events.RollRepublication(
                notice_hash=vote.notice_hash,
                previous_notice_hash=previous_notice_hash,
                roll_hash=vote.roll_hash,
                previous_roll_hash=previous_roll_hash,
                register_version_id=latest.id,
                previous_register_version_id=previous.id,
                total_heads=vote.total_heads or 0,
                total_area=vote.total_area or 0,
                republished_at=_utc(now),
                starts_at=_utc(starts_at),
                ends_at=_utc(ends_at),
                earliest_start=_utc(earliest),
                objections=tuple(objection.id for objection in objections),
            ),
            by=acted_as,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    # Beijing Art. 35(4): the owners are told of the corrected roll and the (new) time of the meeting.
    await notice_service.publish_notice(
        session,
        estate_id=vote.estate_id,
        vote_id=vote.id,
        kind=NoticeKind.VOTE_NOTICE,
        title=f"名册更正重新公示：{vote.title}",
        body=(
            f"本次表决的业主名册已依据业主名册第 {latest.number} 版更正并重新公示（原第 {previous.number} 版），"
            f"公示期自本次重新公示起重新计算，投票不早于 {notice_service.beijing_minute(earliest)} 开始。"
            f"原名册哈希：{previous_roll_hash}，新名册哈希：{vote.roll_hash}。\n\n"
            + vote_notices.vote_notice_body(vote)
        ),
        now=now,
    )
    return Republished(vote, latest, previous_roll_hash, now, earliest, tuple(o.id for o in objections))


def _whole_seconds(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(microsecond=0)


async def _accepted(session: AsyncSession, vote: Vote, ids: Sequence[uuid.UUID]) -> list[RollObjection]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    rows = {
        row.id: row
        for row in await session.scalars(
            sa.select(RollObjection).where(RollObjection.vote_id == vote.id, RollObjection.id.in_(wanted))
        )
    }
    for objection_id in wanted:
        row = rows.get(objection_id)
        if row is None or row.decision is not ObjectionDecision.ACCEPTED or row.corrected_in_version_id is not None:
            raise ObjectionNotAccepted(objection_id=str(objection_id))
    return [rows[objection_id] for objection_id in wanted]


# --- the result's evidence -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectionEvidence:
    filed: int
    accepted: int
    rejected: int
    unanswered_ids: tuple[uuid.UUID, ...]
    answered_after_voting_opened_ids: tuple[uuid.UUID, ...]
    accepted_not_corrected_ids: tuple[uuid.UUID, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "filed": self.filed,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "unanswered": len(self.unanswered_ids),
            "unanswered_ids": [str(i) for i in self.unanswered_ids],
            "answered_after_voting_opened_ids": [str(i) for i in self.answered_after_voting_opened_ids],
            "accepted_not_corrected_ids": [str(i) for i in self.accepted_not_corrected_ids],
        }


async def evidence(session: AsyncSession, vote: Vote) -> ObjectionEvidence:
    """R-ROLL-7: the objections to the vote's roll by id: unanswered (answers stop at the close, so this is final
    once the vote has closed), answered only after voting opened, accepted without a re-published roll."""
    rows = (
        await session.scalars(
            sa.select(RollObjection).where(RollObjection.vote_id == vote.id).order_by(RollObjection.filed_at)
        )
    ).all()
    return ObjectionEvidence(
        filed=len(rows),
        accepted=sum(row.decision is ObjectionDecision.ACCEPTED for row in rows),
        rejected=sum(row.decision is ObjectionDecision.REJECTED for row in rows),
        unanswered_ids=tuple(row.id for row in rows if row.answered_at is None),
        answered_after_voting_opened_ids=tuple(
            row.id for row in rows if row.answered_at is not None and row.answered_at >= vote.starts_at
        ),
        accepted_not_corrected_ids=tuple(
            row.id for row in rows if row.decision is ObjectionDecision.ACCEPTED and row.corrected_in_version_id is None
        ),
    )
