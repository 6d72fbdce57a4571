"""Committees and 物管会 as records (R-COMM-1..5), and the street office's convening grounds (R-CONV-3).

Who writes what (R-COMM-3), as the law assigns it:

* a 业委会's record (seats, term, members) is entered by the committee or the operator, or by the street office;
  only the street office of the estate's jurisdiction records its filing (备案, Beijing Art. 43), and once filed
  every change of members is a change filing (Art. 50) that the street office records;
* a 物管会 is formed by the street office (Art. 52): only the street office records it and its members, and its
  forming is its filing;
* the end of a membership because the member is no longer an owner (Art. 46 ¶1(1)) is recorded by evote itself
  when a new register version no longer lists the member (``end_memberships_of_former_owners``).

Every write is logged without personal data (member ids and seats, never names or owners); who exactly acted is a
restricted ``identity.act.recorded`` entry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import service as audit_service
from app.committee.errors import (
    AlreadySitting,
    CommitteeAlreadyFiled,
    CommitteeInPlace,
    CommitteeOverlaps,
    CommitteeStillFunctions,
    CommitteeWriteNotAllowed,
    DeadlineNotPassed,
    ElectingVoteInvalid,
    EmergencyServiceOver,
    EndReasonNotRecordable,
    FilingDateInvalid,
    FormationGroundRequired,
    MemberIdentityRequired,
    MemberNotOnRegister,
    MemberNotSitting,
    MemberRepresentationInvalid,
    NotAnAlternate,
    OrderIncomplete,
    RegisterRequired,
    RepresentativeUnknown,
    SeatInvalid,
    StartOutsideTerm,
    TriggerInFuture,
)
from app.committee.models import (
    Committee,
    CommitteeMember,
    Constituency,
    ConveningTrigger,
    MembershipEnd,
    PreparatoryGroup,
    SeatKind,
)
from app.committee.schemas import CommitteeCreate, CommitteeFile, MemberCreate, MemberEnd, TriggerCreate, VacancyFill
from app.common.access import MANAGING_ROLES, Principal, Role, roles_on
from app.common.errors import Forbidden
from app.errors import NotFound, Text
from app.identity import events as identity_events
from app.identity.accounts import find_account, phone_or_raise
from app.ledger import events
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.place import access
from app.realname.models import OwnerBinding
from app.register import repository as register_repository
from app.register import service as register_service
from app.register.identifiers import IdentityDocument
from app.register.models import Owner, OwnerKind, OwnershipEvidence, RegisterVersion, Unit, UnitOwner
from app.register.repository import owner_identifier_index
from app.rules.committees import (
    EMERGENCY_SERVICE_MONTHS,
    GROUND_BASIS,
    CommitteeKind,
    ConveningGround,
    cannot_function,
    check_size,
    check_term,
    in_term,
    term_end,
)
from app.rules.elections import ElectionType, SittingCommittee
from app.rules.kinds import TopicKind
from app.rules.lifecycle import VoteStatus
from app.rules.publicity import shanghai_date
from app.rules.reminders import add_months
from app.security.pii import FieldCipher

PMC = CommitteeKind.PROPERTY_MANAGEMENT_COMMITTEE
SYSTEM = "system:register"
"""Who ends a membership found from a register version (Beijing Art. 46 ¶1(1)): evote itself, on the import."""
OWNERS_COMMITTEE = CommitteeKind.OWNERS_COMMITTEE
# R-COMM-6 reads the electing vote through its tables, not ``app.vote``, which depends on this package.
_VOTE = sa.table("vote", sa.column("id", sa.Uuid()), sa.column("estate_id", sa.Uuid()), sa.column("status"))
_TOPIC = sa.table("topic", sa.column("vote_id", sa.Uuid()), sa.column("kind"), sa.column("election", sa.JSON()))


# --- Reading ---


async def committees_of(session: AsyncSession, estate_id: uuid.UUID) -> Sequence[Committee]:
    return (
        await session.scalars(
            select(Committee)
            .where(Committee.estate_id == estate_id)
            .options(selectinload(Committee.members))
            .order_by(Committee.term_starts_on.desc(), Committee.created_at.desc())
        )
    ).all()


async def get_committee(session: AsyncSession, committee_id: uuid.UUID, *, for_update: bool = False) -> Committee:
    statement = select(Committee).where(Committee.id == committee_id).options(selectinload(Committee.members))
    if for_update:
        statement = statement.with_for_update()
    committee = await session.scalar(statement)
    if committee is None:
        raise NotFound(what="committee")
    return committee


async def preparatory_group_of(session: AsyncSession, estate_id: uuid.UUID, today: date) -> PreparatoryGroup | None:
    """The estate's preparatory group in place today: the latest formed on or before today (R-FIRST-2)."""
    return await session.scalar(
        select(PreparatoryGroup)
        .where(PreparatoryGroup.estate_id == estate_id, PreparatoryGroup.formed_on <= today)
        .options(selectinload(PreparatoryGroup.members))
        .order_by(PreparatoryGroup.formed_on.desc(), PreparatoryGroup.created_at.desc())
        .limit(1)
    )


async def sits_on_a_committee(
    session: AsyncSession, estate_id: uuid.UUID, owner_id: uuid.UUID, account_id: uuid.UUID | None = None
) -> bool:
    """Whether the owner, or the account signing for a member, holds a seat (member or alternate) on a committee of
    the estate: such a person counts as a committee member, not as an owner, among the 监票人 (R-PAPER-3)."""
    return any(
        member.sitting and (member.owner_id == owner_id or (account_id is not None and member.account_id == account_id))
        for committee in await committees_of(session, estate_id)
        for member in committee.members
    )


def is_filed(committee: Committee, today: date) -> bool:
    return committee.filed_on is not None and committee.filed_on <= today


def sitting_members(committee: Committee, *, seat_kind: SeatKind = SeatKind.MEMBER) -> list[CommitteeMember]:
    return [member for member in committee.members if member.sitting and member.seat_kind is seat_kind]


async def mandated_committee(session: AsyncSession, estate_id: uuid.UUID, today: date) -> Committee | None:
    """A committee that may convene today: a filed 业委会 in term, else a 物管会 in term (R-CONV-1)."""
    for committee in await committees_of(session, estate_id):
        if in_term(committee.kind, committee.term_starts_on, committee.term_ends_on, today) and is_filed(
            committee, today
        ):
            return committee
    return None


def sitting_figures(committee: Committee) -> SittingCommittee:
    """R-ELEC-13: the figures a by-election or alternates-only election is measured against, from the record: the
    member seats, the members and the alternates in office (Beijing Arts. 39, 41 ¶3, 48)."""
    return SittingCommittee(
        size=committee.seats,
        members=len(sitting_members(committee)),
        alternates=len(sitting_members(committee, seat_kind=SeatKind.ALTERNATE)),
    )


async def elected_committee_in_term(session: AsyncSession, estate_id: uuid.UUID, today: date) -> Committee | None:
    """R-ELEC-13: the estate's 业委会 whose term (capped by Art. 41) contains ``today``, the latest begun first; a
    物管会 is formed by the street office, never elected (Art. 52), so it has no by-election."""
    for committee in await committees_of(session, estate_id):
        if committee.kind is OWNERS_COMMITTEE and in_term(
            committee.kind, committee.term_starts_on, committee.term_ends_on, today
        ):
            return committee
    return None


async def _reader_roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role] | None:
    """Roles on the estate, or None for an owner bound in it (R-COMM-4: owners read their committees)."""
    place = await access.estate_place(session, estate_id)
    if place is None:
        raise NotFound(what="estate")
    roles = roles_on(principal, place)
    if roles:
        return roles
    if principal.account_id is not None:
        bound = await session.scalar(
            select(OwnerBinding.id).where(
                OwnerBinding.account_id == principal.account_id,
                OwnerBinding.estate_id == estate_id,
                OwnerBinding.ended_at.is_(None),
            )
        )
        if bound is not None:
            return None
    raise NotFound(what="estate")


async def reader_roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role] | None:
    """Who reads an estate's committee records (R-COMM-4, R-DISC-6): its roles, None for an owner bound in it;
    anyone else is told the estate does not exist."""
    return await _reader_roles(session, principal, estate_id)


def _mask(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1)


async def member_names(
    session: AsyncSession, committees: Sequence[Committee], *, masked: bool
) -> tuple[dict[uuid.UUID, str | None], set[uuid.UUID]]:
    """Each member's name as in the newest register row naming the owner, and the organisations' owner ids."""
    owner_ids = {m.owner_id for c in committees for m in c.members if m.owner_id is not None}
    names: dict[uuid.UUID, str] = {}
    organisations: set[uuid.UUID] = set()
    if owner_ids:
        rows = await session.execute(
            select(UnitOwner.owner_id, UnitOwner.name, Owner.kind)
            .join(Owner, Owner.id == UnitOwner.owner_id)
            .join(Unit, Unit.id == UnitOwner.unit_id)
            .join(RegisterVersion, RegisterVersion.id == Unit.register_version_id)
            .where(UnitOwner.owner_id.in_(owner_ids))
            .order_by(RegisterVersion.number)
        )
        for owner_id, name, kind in rows.all():
            names[owner_id] = name
            if kind is OwnerKind.ORGANISATION:
                organisations.add(owner_id)
    result: dict[uuid.UUID, str | None] = {}
    for committee in committees:
        for member in committee.members:
            found = names.get(member.owner_id) if member.owner_id is not None else None
            result[member.id] = _mask(found) if (masked and found) else found
    return result, organisations


async def list_committees(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID
) -> tuple[Sequence[Committee], dict[uuid.UUID, str | None], set[uuid.UUID]]:
    roles = await _reader_roles(session, principal, estate_id)
    committees = await committees_of(session, estate_id)
    names, organisations = await member_names(session, committees, masked=roles is None)
    return committees, names, organisations


async def read_committee(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID
) -> tuple[Committee, dict[uuid.UUID, str | None], set[uuid.UUID]]:
    committee = await get_committee(session, committee_id)
    try:
        roles = await _reader_roles(session, principal, committee.estate_id)
    except NotFound:
        raise NotFound(what="committee") from None
    names, organisations = await member_names(session, [committee], masked=roles is None)
    return committee, names, organisations


# --- Who may write (R-COMM-3) ---


async def _roles(session: AsyncSession, principal: Principal, estate_id: uuid.UUID) -> frozenset[Role]:
    return await access.estate_roles(session, principal, estate_id)


def _require_street_office(roles: frozenset[Role], *, basis: str) -> None:
    if Role.STREET_OFFICE not in roles:
        raise CommitteeWriteNotAllowed(basis=basis)


def _require_member_writer(committee: Committee, roles: frozenset[Role]) -> None:
    """Before filing the 业委会's organisers enter its members; after filing (and for a 物管会 always) the street
    office records every change (Beijing Arts. 43, 50, 52)."""
    if committee.kind is OWNERS_COMMITTEE and committee.filed_on is None:
        if not roles & MANAGING_ROLES:
            raise Forbidden(reason=Text("您在本小区的角色只能查看，不能修改", "read-only role on this estate"))
        return
    basis = "Beijing Arts. 52, 54" if committee.kind is PMC else "Beijing Art. 50"
    _require_street_office(roles, basis=basis)


async def _act(session: AsyncSession, principal: Principal, estate_id: uuid.UUID, event: events.Event) -> None:
    acted_as = await access.acting_as(session, principal, estate_id)
    entry = await audit_service.append(session, event, estate_id=estate_id)
    await identity_events.record_act(session, principal, entry, acted_as=acted_as)


# --- Committees ---


async def residential_households(session: AsyncSession, version: RegisterVersion) -> int:
    """Beijing Art. 39 「户数」: the residential (non-parking) units of the register version, never typed in."""
    count = await session.scalar(
        select(func.count()).select_from(Unit).where(Unit.register_version_id == version.id, Unit.is_parking.is_(False))
    )
    return int(count or 0)


async def _check_electing_vote(session: AsyncSession, estate_id: uuid.UUID, body: CommitteeCreate) -> None:
    """R-COMM-6: the vote that elected this 业委会 term: a FULL election of the estate, its result published, for
    the same seats (Beijing Arts. 39, 42), and no other term linked to it. A 物管会 is formed, never elected."""
    vote = (
        await session.execute(select(_VOTE.c.estate_id, _VOTE.c.status).where(_VOTE.c.id == body.elected_by_vote_id))
    ).one_or_none()
    if body.kind is PMC or vote is None or vote.estate_id != estate_id or vote.status != VoteStatus.RESULT_PUBLISHED:
        raise ElectingVoteInvalid()
    elections = (
        await session.scalars(
            select(_TOPIC.c.election).where(
                _TOPIC.c.vote_id == body.elected_by_vote_id, _TOPIC.c.kind == TopicKind.ELECTION.value
            )
        )
    ).all()
    if not any(
        election is not None
        and election.get("election_type", ElectionType.FULL.value) == ElectionType.FULL.value
        and int(election["member_seats"]) == body.seats
        and int(election["alternate_seats"]) == body.alternate_seats
        for election in elections
    ):
        raise ElectingVoteInvalid()
    linked = select(Committee.id).where(Committee.elected_by_vote_id == body.elected_by_vote_id)
    if await session.scalar(linked) is not None:
        raise ElectingVoteInvalid()


async def create_committee(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, body: CommitteeCreate, *, now: datetime
) -> Committee:
    roles = await _roles(session, principal, estate_id)
    if body.kind is PMC:
        _require_street_office(roles, basis="Beijing Art. 52")
        if body.formation_ground is None:
            raise FormationGroundRequired()
    elif not roles & MANAGING_ROLES:
        await access.ensure_can_manage_estate(session, principal, estate_id)
    version = await register_repository.latest_version(session, estate_id)
    if version is None:
        raise RegisterRequired()
    check_size(body.kind, body.seats, body.alternate_seats, households=await residential_households(session, version))
    check_term(body.kind, body.term_starts_on, body.term_ends_on)
    if body.elected_by_vote_id is not None:
        await _check_electing_vote(session, estate_id, body)
    for other in await committees_of(session, estate_id):
        if other.kind is body.kind and (
            other.term_starts_on <= body.term_ends_on and body.term_starts_on <= other.term_ends_on
        ):
            raise CommitteeOverlaps(starts_on=other.term_starts_on.isoformat(), ends_on=other.term_ends_on.isoformat())
    acted_as = await access.acting_as(session, principal, estate_id)
    committee = Committee(
        id=uuid.uuid4(),
        estate_id=estate_id,
        kind=body.kind,
        seats=body.seats,
        alternate_seats=body.alternate_seats,
        term_starts_on=body.term_starts_on,
        term_ends_on=body.term_ends_on,
        formation_ground=body.formation_ground if body.kind is PMC else None,
        elected_by_vote_id=body.elected_by_vote_id,
        recorded_by=acted_as,
        members=[],
    )
    if body.kind is PMC:  # formed by the street office: its forming is its filing (Art. 52)
        committee.filed_on, committee.filed_by = body.term_starts_on, acted_as
    session.add(committee)
    await session.flush()
    await _act(
        session,
        principal,
        estate_id,
        events.committee_recorded(
            committee_id=committee.id,
            kind=committee.kind.value,
            seats=committee.seats,
            alternate_seats=committee.alternate_seats,
            term_starts_on=committee.term_starts_on.isoformat(),
            term_ends_on=committee.term_ends_on.isoformat(),
            formation_ground=committee.formation_ground.value if committee.formation_ground else None,
            recorded_by=acted_as,
        ),
    )
    return committee


async def file_committee(
    session: AsyncSession, principal: Principal, committee_id: uuid.UUID, body: CommitteeFile, *, now: datetime
) -> Committee:
    """备案 (Beijing Art. 43): the street office of the estate's jurisdiction registers the 业委会."""
    committee = await get_committee(session, committee_id, for_update=True)
    try:
        roles = await _roles(session, principal, committee.estate_id)
    except NotFound:
        raise NotFound(what="committee") from None
    _require_street_office(roles, basis="Beijing Art. 43")
    if committee.filed_on is not None:
        raise CommitteeAlreadyFiled(filed_on=committee.filed_on.isoformat())
    today = shanghai_date(now)
    if not committee.term_starts_on <= body.filed_on <= today:
        raise FilingDateInvalid(
            filed_on=body.filed_on.isoformat(), starts_on=committee.term_starts_on.isoformat(), today=today.isoformat()
        )
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    committee.filed_on, committee.filed_by, committee.filing_reference = body.filed_on, acted_as, body.reference
    await session.flush()
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_filed(
            committee_id=committee.id,
            filed_on=body.filed_on.isoformat(),
            filed_by=acted_as,
            reference_sha256=hashlib.sha256(body.reference.encode()).hexdigest(),
        ),
    )
    return committee


# --- Members ---


async def _owner_on_register(
    session: AsyncSession, estate_id: uuid.UUID, body: MemberCreate, cipher: FieldCipher
) -> tuple[Owner, RegisterVersion]:
    return await owner_on_register(session, estate_id, body.document_type, body.identifier, cipher)


async def owner_on_register(
    session: AsyncSession,
    estate_id: uuid.UUID,
    document_type: IdentityDocument | None,
    identifier: str | None,
    cipher: FieldCipher,
) -> tuple[Owner, RegisterVersion]:
    """The owner of record (R-COMM-4) with this identity document on the estate's current register."""
    version = await register_repository.latest_version(session, estate_id)
    if version is None:
        raise RegisterRequired()
    if document_type is None or not identifier:
        raise MemberIdentityRequired()
    identifier = identifier.strip().upper()
    kind = OwnerKind.ORGANISATION if document_type is IdentityDocument.USCC else OwnerKind.PERSON
    index = owner_identifier_index(cipher, document_type, identifier)
    owner = await session.scalar(select(Owner).where(Owner.kind == kind, Owner.identifier_index == index))
    if owner is None or not await owner_in_version(session, owner.id, version.id):
        raise MemberNotOnRegister(version=version.number)
    return owner, version


def owners_of_record_statement(version_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Owners of record in the version: listed on a unit that is not held by the developer (R-HEAD-4)."""
    return (
        select(UnitOwner.owner_id)
        .join(Unit, Unit.id == UnitOwner.unit_id)
        .where(Unit.register_version_id == version_id, Unit.evidence != OwnershipEvidence.DEVELOPER)
    )


async def owner_in_version(session: AsyncSession, owner_id: uuid.UUID, version_id: uuid.UUID) -> bool:
    found = await session.scalar(owners_of_record_statement(version_id).where(UnitOwner.owner_id == owner_id).limit(1))
    return found is not None


async def _representative(session: AsyncSession, phone: str | None, cipher: FieldCipher) -> uuid.UUID:
    if not phone:
        raise MemberRepresentationInvalid()
    account = await find_account(session, phone_or_raise(phone), cipher=cipher)
    if account is None:
        raise RepresentativeUnknown()
    return account.id


def _check_seat(committee: Committee, seat_kind: SeatKind, seat: int) -> None:
    seats = committee.seats if seat_kind is SeatKind.MEMBER else committee.alternate_seats
    held = {m.seat for m in committee.members if m.sitting and m.seat_kind is seat_kind}
    if not 1 <= seat <= seats or seat in held:
        raise SeatInvalid(
            seat_kind=seat_kind.value, seat_kind_zh="委员" if seat_kind is SeatKind.MEMBER else "候补委员",
            seat=seat, seats=seats,
        )  # fmt: skip


async def add_member(
    session: AsyncSession,
    principal: Principal,
    committee_id: uuid.UUID,
    body: MemberCreate,
    *,
    cipher: FieldCipher,
    now: datetime,
) -> CommitteeMember:
    committee = await get_committee(session, committee_id, for_update=True)
    try:
        roles = await _roles(session, principal, committee.estate_id)
    except NotFound:
        raise NotFound(what="committee") from None
    today = shanghai_date(now)
    _require_member_writer(committee, roles)
    _check_seat(committee, body.seat_kind, body.seat)
    owner_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    authorisation = None
    if body.constituency is Constituency.OWNER:
        owner, _ = await _owner_on_register(session, committee.estate_id, body, cipher)
        owner_id = owner.id
        if owner.kind is OwnerKind.ORGANISATION:  # Art. 39 ¶2: through its authorised natural-person representative
            if body.authorisation_sha256 is None:
                raise MemberRepresentationInvalid()
            account_id = await _representative(session, body.representative_phone, cipher)
            authorisation = body.authorisation_sha256
    else:
        if committee.kind is not PMC:
            raise MemberRepresentationInvalid()
        account_id = await _representative(session, body.representative_phone, cipher)
    for member in committee.members:
        if member.sitting and (
            (owner_id is not None and member.owner_id == owner_id and member.account_id == account_id)
            or (owner_id is None and member.account_id == account_id)
        ):
            raise AlreadySitting()
    within = committee.term_starts_on <= today <= committee.term_ends_on
    started_on = body.started_on or (today if within else committee.term_starts_on)
    if not committee.term_starts_on <= started_on <= committee.term_ends_on:
        raise StartOutsideTerm(
            started_on=started_on.isoformat(),
            starts_on=committee.term_starts_on.isoformat(),
            ends_on=committee.term_ends_on.isoformat(),
        )
    member = CommitteeMember(
        id=uuid.uuid4(),
        committee_id=committee.id,
        seat_kind=body.seat_kind,
        seat=body.seat,
        constituency=body.constituency,
        owner_id=owner_id,
        account_id=account_id,
        authorisation_sha256=authorisation,
        started_on=started_on,
    )
    committee.members.append(member)
    await session.flush()
    await _log_seated(session, principal, committee, member)
    return member


async def _log_seated(
    session: AsyncSession,
    principal: Principal,
    committee: Committee,
    member: CommitteeMember,
    *,
    filled_from: uuid.UUID | None = None,
) -> None:
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_member_seated(
            committee_id=committee.id,
            member_id=member.id,
            seat_kind=member.seat_kind.value,
            seat=member.seat,
            constituency=member.constituency.value,
            started_on=member.started_on.isoformat(),
            recorded_by=acted_as,
            filled_from=filled_from,
        ),
    )


async def _member_for_change(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, now: datetime
) -> tuple[Committee, CommitteeMember]:
    committee_id = await session.scalar(select(CommitteeMember.committee_id).where(CommitteeMember.id == member_id))
    if committee_id is None:
        raise NotFound(what="committee member")
    committee = await get_committee(session, committee_id, for_update=True)
    try:
        roles = await _roles(session, principal, committee.estate_id)
    except NotFound:
        raise NotFound(what="committee member") from None
    _require_member_writer(committee, roles)
    member = next(m for m in committee.members if m.id == member_id)
    if not member.sitting:
        assert member.ended_on is not None  # noqa: S101 - not sitting means ended
        raise MemberNotSitting(ended_on=member.ended_on.isoformat())
    return committee, member


async def end_member(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, body: MemberEnd, *, now: datetime
) -> CommitteeMember:
    """Beijing Art. 46: resignation, incapacity or recall, recorded; ownership ends by the register alone."""
    if body.reason in (MembershipEnd.NO_LONGER_OWNER, MembershipEnd.PROMOTED):
        raise EndReasonNotRecordable()
    committee, member = await _member_for_change(session, principal, member_id, now)
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    member.ended_on, member.end_reason = body.ended_on or shanghai_date(now), body.reason
    await session.flush()
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_member_ended(
            committee_id=committee.id,
            member_id=member.id,
            ended_on=member.ended_on.isoformat(),
            reason=body.reason.value,
            recorded_by=acted_as,
        ),
    )
    return member


async def fill_vacancy(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, body: VacancyFill, *, now: datetime
) -> CommitteeMember:
    """Beijing Art. 41 ¶3: the alternate takes the vacant member seat for the rest of the term."""
    committee, alternate = await _member_for_change(session, principal, member_id, now)
    if alternate.seat_kind is not SeatKind.ALTERNATE:
        raise NotAnAlternate()
    _check_seat(committee, SeatKind.MEMBER, body.seat)
    today = shanghai_date(now)
    acted_as = await access.acting_as(session, principal, committee.estate_id)
    alternate.ended_on, alternate.end_reason = today, MembershipEnd.PROMOTED
    member = CommitteeMember(
        id=uuid.uuid4(),
        committee_id=committee.id,
        seat_kind=SeatKind.MEMBER,
        seat=body.seat,
        constituency=alternate.constituency,
        owner_id=alternate.owner_id,
        account_id=alternate.account_id,
        authorisation_sha256=alternate.authorisation_sha256,
        started_on=today,
    )
    committee.members.append(member)
    await session.flush()
    await _act(
        session,
        principal,
        committee.estate_id,
        events.committee_member_ended(
            committee_id=committee.id,
            member_id=alternate.id,
            ended_on=today.isoformat(),
            reason=MembershipEnd.PROMOTED.value,
            recorded_by=acted_as,
        ),
    )
    await _log_seated(session, principal, committee, member, filled_from=alternate.id)
    return member


# --- Membership ends with ownership (Beijing Art. 46 ¶1(1)) ---


async def end_memberships_of_former_owners(
    session: AsyncSession, version: RegisterVersion, now: datetime
) -> list[CommitteeMember]:
    """A new register version no longer lists a sitting member as an owner: the membership ends that day, logged,
    the member told through their accounts (ACCOUNT notice) and the organisers told of the vacancy."""
    today = shanghai_date(now)
    owners = set((await session.scalars(owners_of_record_statement(version.id))).all())
    ended: list[CommitteeMember] = []
    for committee in await committees_of(session, version.estate_id):
        if today > term_end(committee.kind, committee.term_starts_on, committee.term_ends_on):
            continue
        for member in committee.members:
            if not member.sitting or member.owner_id is None or member.owner_id in owners:
                continue
            member.ended_on, member.end_reason = today, MembershipEnd.NO_LONGER_OWNER
            member.ended_by_register_version_id = version.id
            await session.flush()
            await audit_service.append(
                session,
                events.committee_member_ended(
                    committee_id=committee.id,
                    member_id=member.id,
                    ended_on=today.isoformat(),
                    reason=MembershipEnd.NO_LONGER_OWNER.value,
                    recorded_by=SYSTEM,
                    register_version_id=version.id,
                ),
                estate_id=committee.estate_id,
            )
            await _notify_member_ended(session, committee, member, version, now)
            ended.append(member)
    return ended


_KIND_ZH = {OWNERS_COMMITTEE: "业主委员会", PMC: "物业管理委员会"}
_SEAT_ZH = {SeatKind.MEMBER: "委员", SeatKind.ALTERNATE: "候补委员"}


async def _notify_member_ended(
    session: AsyncSession, committee: Committee, member: CommitteeMember, version: RegisterVersion, now: datetime
) -> None:
    body_zh = (
        f"业主名册第 {version.number} 版未再将您列为本小区业主，您在{_KIND_ZH[committee.kind]}的"
        f"{_SEAT_ZH[member.seat_kind]}资格（第 {member.seat} 席）自 {shanghai_date(now).isoformat()} 起终止"
        "（北京市物业管理条例第四十六条第一款第一项）。如名册有误，请向街道办事处提出。"
    )
    body_en = (
        f"Register version {version.number} no longer lists you as an owner of the estate, so your "
        f"{member.seat_kind.value.lower()} seat {member.seat} ends today (Beijing Art. 46 ¶1(1)). If the register "
        "is wrong, tell the street office."
    )
    accounts = set(
        (
            await session.scalars(
                select(OwnerBinding.account_id).where(
                    OwnerBinding.estate_id == committee.estate_id, OwnerBinding.owner_id == member.owner_id
                )
            )
        ).all()
    )
    if member.account_id is not None:
        accounts.add(member.account_id)
    for account_id in sorted(accounts):
        await notice_service.publish_notice(
            session,
            estate_id=committee.estate_id,
            kind=NoticeKind.COMMITTEE_CHANGE,
            title=f"{_KIND_ZH[committee.kind]}{_SEAT_ZH[member.seat_kind]}资格终止",
            body=f"{body_zh}\n{body_en}",
            now=now,
            audience=Audience.ACCOUNT.value,
            account_id=account_id,
        )
    await notice_service.publish_notice(
        session,
        estate_id=committee.estate_id,
        kind=NoticeKind.COMMITTEE_CHANGE,
        title=f"{_KIND_ZH[committee.kind]}出现空缺",
        body=(
            f"业主名册第 {version.number} 版导入后，{_KIND_ZH[committee.kind]}第 {member.seat} 席"
            f"{_SEAT_ZH[member.seat_kind]}因不再是业主而终止（北京条例第四十六条第一款第一项）。"
            "委员空缺由候补委员递补（第四十一条第三款）；递补后委员不足半数的，应重新选举（第四十八条）。"
        ),
        now=now,
        audience=Audience.ORGANISERS.value,
    )


register_service.listen_for_new_versions(end_memberships_of_former_owners)


# --- The street office's convening grounds (R-CONV-3) ---


async def _estate_committee(session: AsyncSession, estate_id: uuid.UUID, committee_id: uuid.UUID | None) -> Committee:
    if committee_id is None:
        raise OrderIncomplete()
    committee = await get_committee(session, committee_id)
    if committee.estate_id != estate_id:
        raise NotFound(what="committee")
    return committee


async def check_trigger(session: AsyncSession, trigger: ConveningTrigger, today: date) -> None:
    """Whether the ground is made out on ``today`` (at recording and again at publication)."""
    if trigger.ground is ConveningGround.COMMITTEE_FAILED_TO_CONVENE:
        if trigger.deadline_on is None or trigger.deadline_on <= trigger.occurred_on:
            raise OrderIncomplete()
        if today <= trigger.deadline_on:
            raise DeadlineNotPassed(deadline_on=trigger.deadline_on.isoformat())
        await _estate_committee(session, trigger.estate_id, trigger.committee_id)
    elif trigger.ground is ConveningGround.COMMITTEE_CANNOT_FUNCTION:
        committee = await _estate_committee(session, trigger.estate_id, trigger.committee_id)
        sitting = len(sitting_members(committee))
        if not cannot_function(sitting, committee.seats):
            raise CommitteeStillFunctions(sitting=sitting, seats=committee.seats)
    elif trigger.ground is ConveningGround.NO_COMMITTEE:
        if await mandated_committee(session, trigger.estate_id, today) is not None:
            raise CommitteeInPlace()
    else:  # EMERGENCY_SERVICE
        lapses = add_months(trigger.occurred_on, EMERGENCY_SERVICE_MONTHS)
        if not trigger.occurred_on <= today <= lapses:
            raise EmergencyServiceOver(starts_on=trigger.occurred_on.isoformat(), ends_on=lapses.isoformat())


async def record_trigger(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, body: TriggerCreate, *, now: datetime
) -> ConveningTrigger:
    roles = await _roles(session, principal, estate_id)
    _require_street_office(roles, basis="Beijing Arts. 36, 48")
    acted_as = await access.acting_as(session, principal, estate_id)
    trigger = ConveningTrigger(
        id=uuid.uuid4(),
        estate_id=estate_id,
        ground=body.ground,
        occurred_on=body.occurred_on,
        deadline_on=body.deadline_on,
        committee_id=body.committee_id,
        document_ref=body.document_ref,
        evidence_sha256=body.evidence_sha256,
        recorded_by=acted_as,
        recorded_at=now,
    )
    today = shanghai_date(now)
    if body.committee_id is not None:
        await _estate_committee(session, estate_id, body.committee_id)
    if body.occurred_on > today:
        raise TriggerInFuture(occurred_on=body.occurred_on.isoformat())
    if body.ground is ConveningGround.COMMITTEE_FAILED_TO_CONVENE:
        # the limit may still be running when the order is recorded; publication checks that it has passed
        if body.deadline_on is None or body.deadline_on <= body.occurred_on:
            raise OrderIncomplete()
        await _estate_committee(session, estate_id, body.committee_id)
    else:
        await check_trigger(session, trigger, today)
    session.add(trigger)
    await session.flush()
    await _act(
        session,
        principal,
        estate_id,
        events.convening_trigger_recorded(
            trigger_id=trigger.id,
            ground=trigger.ground.value,
            basis=GROUND_BASIS[trigger.ground],
            occurred_on=trigger.occurred_on.isoformat(),
            deadline_on=trigger.deadline_on.isoformat() if trigger.deadline_on else None,
            committee_id=trigger.committee_id,
            evidence_sha256=trigger.evidence_sha256,
            recorded_by=acted_as,
        ),
    )
    return trigger


async def list_triggers(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID
) -> Sequence[ConveningTrigger]:
    await access.ensure_can_read_estate(session, principal, estate_id)
    return (
        await session.scalars(
            select(ConveningTrigger)
            .where(ConveningTrigger.estate_id == estate_id)
            .order_by(ConveningTrigger.recorded_at.desc())
        )
    ).all()
