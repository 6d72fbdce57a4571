"""Who may convene a vote (R-CONV-1..3), checked at publication.

* A 业委会 convenes only in term (Beijing Art. 41) and once filed with the street office (Art. 43), and only on
  its decision to convene signed by more than half of its members (Art. 45 ¶3).
* A 物管会 convenes only within its term of at most three years (Art. 58; seed 003 §四.1), on a decision signed by
  more than half of its members (Art. 57).
* The street office convenes in the committee's place only on a recorded statutory ground (Arts. 24, 36, 48, 77),
  made out on the day of publication (``app.committee.service.check_trigger``).

Members sign through their own accounts (an owner's account bound in the estate, or the account recorded for an
organisation's representative or a 物管会's non-owner member): the stronger of the two forms the account model
allows, since a scanned signature sheet proves only that someone uploaded a file. Members attend and sign in
person (「委员不得委托他人」, Art. 45 ¶2), so a grant to act for an owner never signs for a member.

* The preparatory group (筹备组) convenes the first assembly (R-FIRST-2): the street office formed and recorded it
  (Art. 31), and the meeting opens within 60 days of its forming (Art. 32, R-FIRST-3); the record of the group is
  its mandate. Changeover groups (Art. 49) are not checked here.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.committee import service as committee_service
from app.committee.models import Committee, CommitteeMember, ConveningTrigger
from app.common.access import Principal
from app.errors import NotFound
from app.identity import events as identity_events
from app.ledger import events
from app.place import access
from app.realname import repository as realname_repository
from app.rules.committees import CommitteeKind, in_term, signed_by_majority, term_basis, term_end
from app.rules.first_assembly import AgendaTopic, meeting_due, missing_agenda
from app.rules.lifecycle import VoteStatus
from app.rules.publicity import shanghai_date
from app.vote import repository
from app.vote.errors import (
    CommitteeNotFiled,
    CommitteeNotInTerm,
    FirstAssemblyAgendaIncomplete,
    FirstMeetingTooLate,
    MandateAlreadySigned,
    MandateDecidedLater,
    MandateMismatch,
    MandateMissing,
    MandateNotSignedByMajority,
    NotASittingMember,
    PreparatoryGroupMissing,
    VoteFrozen,
)
from app.vote.models import ConveningMandate, MandateSignature, OrganiserKind, Vote
from app.vote.schemas import MandateCreate

CONVENING_COMMITTEE = {
    OrganiserKind.OWNERS_COMMITTEE: CommitteeKind.OWNERS_COMMITTEE,
    OrganiserKind.PROPERTY_MANAGEMENT_COMMITTEE: CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE,
}
SIGNATURE_BASIS = {
    CommitteeKind.OWNERS_COMMITTEE: "Beijing Art. 45",
    CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE: "Beijing Art. 57",
}


async def mandate_of(session: AsyncSession, vote_id: uuid.UUID) -> ConveningMandate | None:
    return await session.scalar(
        select(ConveningMandate)
        .where(ConveningMandate.vote_id == vote_id)
        .options(selectinload(ConveningMandate.signatures))
    )


def needed_signatures(seats: int) -> int:
    return seats // 2 + 1


async def record_mandate(
    session: AsyncSession, vote: Vote, principal: Principal, body: MandateCreate, *, now: datetime
) -> ConveningMandate:
    """Record (or replace, with its signatures) what the draft ``vote`` is convened on; the caller has checked that
    ``principal`` organises it."""
    if vote.status is not VoteStatus.DRAFT:
        raise VoteFrozen(status=vote.status.value)
    _check_decided(body.decided_on, shanghai_date(now))
    committee_kind = CONVENING_COMMITTEE.get(vote.organiser_kind)
    if committee_kind is not None:
        if body.committee_id is None or body.trigger_id is not None:
            raise MandateMismatch(organiser_kind=vote.organiser_kind.value)
        committee = await session.get(Committee, body.committee_id)
        if committee is None or committee.estate_id != vote.estate_id:
            raise NotFound(what="committee")
        if committee.kind is not committee_kind:
            raise MandateMismatch(organiser_kind=vote.organiser_kind.value)
    elif vote.organiser_kind is OrganiserKind.STREET_OFFICE:
        if body.trigger_id is None or body.committee_id is not None:
            raise MandateMismatch(organiser_kind=vote.organiser_kind.value)
        trigger = await session.get(ConveningTrigger, body.trigger_id)
        if trigger is None or trigger.estate_id != vote.estate_id:
            raise NotFound(what="convening trigger")
    else:
        raise MandateMismatch(organiser_kind=vote.organiser_kind.value)
    existing = await mandate_of(session, vote.id)
    if existing is not None:
        await session.delete(existing)
        await session.flush()
    acted_as = await access.acting_as(session, principal, vote.estate_id)
    mandate = ConveningMandate(
        id=uuid.uuid4(),
        vote_id=vote.id,
        committee_id=body.committee_id,
        trigger_id=body.trigger_id,
        decided_on=body.decided_on,
        recorded_by=acted_as,
        signatures=[],
    )
    session.add(mandate)
    await session.flush()
    entry = await audit_service.append(
        session,
        events.convening_mandate_recorded(
            mandate_id=mandate.id,
            committee_id=mandate.committee_id,
            trigger_id=mandate.trigger_id,
            decided_on=mandate.decided_on.isoformat() if mandate.decided_on else None,
            recorded_by=acted_as,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)
    return mandate


async def _sitting_member_of(
    session: AsyncSession, committee: Committee, principal: Principal
) -> CommitteeMember | None:
    """The sitting member (not alternate) the principal's own account signs for, if any."""
    if principal.account_id is None:
        return None
    owner_id = await realname_repository.bound_owner(session, principal.account_id, committee.estate_id)
    for member in committee_service.sitting_members(committee):
        if member.account_id is not None:
            if member.account_id == principal.account_id:
                return member
        elif owner_id is not None and member.owner_id == owner_id:
            return member
    return None


async def _vote_and_mandate(
    session: AsyncSession, vote_id: uuid.UUID
) -> tuple[Vote, ConveningMandate | None, Committee | None]:
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise NotFound(what="vote")
    mandate = await mandate_of(session, vote.id)
    committee = None
    if mandate is not None and mandate.committee_id is not None:
        committee = await committee_service.get_committee(session, mandate.committee_id)
    return vote, mandate, committee


async def readable_mandate(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, readable: bool
) -> tuple[ConveningMandate, Committee | None]:
    """The mandate for readers of the vote (``readable``) and for the convening committee's sitting members."""
    _, mandate, committee = await _vote_and_mandate(session, vote_id)
    member = await _sitting_member_of(session, committee, principal) if committee is not None else None
    if not readable and member is None:
        raise NotFound(what="vote")
    if mandate is None:
        raise NotFound(what="mandate")
    return mandate, committee


async def sign(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, staff: bool, now: datetime
) -> tuple[ConveningMandate, Committee | None]:
    """A sitting member signs the decision to convene through their own account (R-CONV-2); anyone else who cannot
    see the draft is told it does not exist (``staff``: the caller can see it)."""
    vote, mandate, committee = await _vote_and_mandate(session, vote_id)
    member = await _sitting_member_of(session, committee, principal) if committee is not None else None
    if member is None:
        if staff:
            raise NotASittingMember()
        raise NotFound(what="vote")
    assert mandate is not None  # noqa: S101 - a committee was found through the mandate
    if vote.status is not VoteStatus.DRAFT:
        raise VoteFrozen(status=vote.status.value)
    for signature in mandate.signatures:
        if signature.member_id == member.id:
            raise MandateAlreadySigned(signed_at=signature.signed_at)
    assert principal.account_id is not None  # noqa: S101 - a member is found through an account
    signature = MandateSignature(
        id=uuid.uuid4(), mandate_id=mandate.id, member_id=member.id, account_id=principal.account_id, signed_at=now
    )
    mandate.signatures.append(signature)
    await session.flush()
    await audit_service.append(
        session,
        events.convening_mandate_signed(mandate_id=mandate.id, member_id=member.id, signed_at=now.isoformat()),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    return mandate, committee


async def check_preparatory_group(session: AsyncSession, vote: Vote, today: date) -> None:
    """R-FIRST-2, R-FIRST-3: the estate's preparatory group, formed on or before today, convenes; its first meeting
    opens within 60 days of the forming (Beijing Arts. 31, 32)."""
    group = await committee_service.preparatory_group_of(session, vote.estate_id, today)
    if group is None:
        raise PreparatoryGroupMissing()
    starts_on = shanghai_date(vote.starts_at)
    due_on = meeting_due(group.formed_on)
    if starts_on > due_on:
        raise FirstMeetingTooLate(
            formed_on=group.formed_on.isoformat(), due_on=due_on.isoformat(), starts_on=starts_on.isoformat()
        )


def check_first_assembly_agenda(vote: Vote) -> None:
    """R-FIRST-4 (Beijing Art. 33): a first-assembly vote adopts the covenant and the rules of procedure (a
    RULES_OF_PROCEDURE topic with its version, R-PROC-1) and elects members and alternates."""
    if vote.organiser_kind is not OrganiserKind.PREPARATORY_GROUP:
        return
    missing = missing_agenda(
        AgendaTopic(
            matters=frozenset(topic.matters),
            proposes_rules=topic.procedure_rules_id is not None,
            member_seats=int((topic.election or {}).get("member_seats") or 0),
            alternate_seats=int((topic.election or {}).get("alternate_seats") or 0),
        )
        for topic in vote.topics
    )
    if missing:
        raise FirstAssemblyAgendaIncomplete(
            missing=", ".join(item.value for item in missing),
            extra={"missing": [item.value for item in missing]},
        )


def _check_decided(decided_on: date | None, today: date) -> None:
    """R-CONV-2: a decision to convene dated after today (Asia/Shanghai) cannot be what a notice today rests on."""
    if decided_on is not None and decided_on > today:
        raise MandateDecidedLater(decided_on=decided_on.isoformat(), today=today.isoformat())


async def check_mandate(session: AsyncSession, vote: Vote, *, now: datetime) -> None:
    """R-CONV-1..3 at publication: the vote's convener may convene it today."""
    today = shanghai_date(now)
    if vote.organiser_kind is OrganiserKind.PREPARATORY_GROUP:
        await check_preparatory_group(session, vote, today)
        return
    if vote.organiser_kind not in CONVENING_COMMITTEE and vote.organiser_kind is not OrganiserKind.STREET_OFFICE:
        return  # changeover groups: formed by the street office (Art. 49)
    mandate = await mandate_of(session, vote.id)
    if mandate is None:
        raise MandateMissing(organiser_kind=vote.organiser_kind.value)
    _check_decided(mandate.decided_on, today)
    if mandate.trigger_id is not None:
        trigger = await session.get(ConveningTrigger, mandate.trigger_id)
        assert trigger is not None  # noqa: S101 - foreign key
        await committee_service.check_trigger(session, trigger, today)
        return
    assert mandate.committee_id is not None  # noqa: S101 - one basis (CHECK constraint)
    committee = await committee_service.get_committee(session, mandate.committee_id)
    if not in_term(committee.kind, committee.term_starts_on, committee.term_ends_on, today):
        raise CommitteeNotInTerm(
            starts_on=committee.term_starts_on.isoformat(),
            ends_on=term_end(committee.kind, committee.term_starts_on, committee.term_ends_on).isoformat(),
            today=today.isoformat(),
            basis=term_basis(committee.kind),
        )
    if not committee_service.is_filed(committee, today):
        raise CommitteeNotFiled()
    sitting = {member.id for member in committee_service.sitting_members(committee)}
    signed = sum(1 for signature in mandate.signatures if signature.member_id in sitting)
    if not signed_by_majority(signed, committee.seats):
        raise MandateNotSignedByMajority(
            seats=committee.seats,
            needed=needed_signatures(committee.seats),
            signed=signed,
            basis=SIGNATURE_BASIS[committee.kind],
        )
