"""Petitions: opened by an owner, signed once per voter group by an entitled caster, counted by the law core.

* R-LIFE-9 (Beijing Art. 30): a first-assembly application to the street office. Precondition: the area of the
  groups that are not the developer's (R-HEAD-4) is at least half the total; then 5 % of heads OR 5 % of area
  OR the developer qualifies. The developer may apply alone: its representative opens and signs for its group.
* R-LIFE-10 (Beijing Art. 35(2)): a temporary-meeting petition to the committee succeeds with 20 % of heads
  (the area is shown for information). If the committee does not convene, the opener escalates to the street
  office (Art. 36); the Regulation sets no day limit, so the system records the dates only.

Heads and areas are the roll's (``app.register.service.roll_of_units``): a multi-unit owner is one head with the
summed area (R-HEAD-1), co-owners are one head (R-HEAD-2), the developer's unsold and undelivered units are one
head (R-HEAD-4). A signature is one group's, made by someone ``app.rules.casting.ensure_may_act`` lets act for
it (R-LIFE-10, R-CAST-1..6). Counting uses the estate's latest register version while signatures are collected;
submission freezes the version counted, so the submitted figures stay as they were handed over.

**CHOICE (R-CAST-4):** a proxy authorisation that names particular votes or topics covers only those, so it
does not let the agent sign a petition; an authorisation for any vote does.
**CHOICE:** a petition is submitted only while the threshold is met on the current register: below it the
committee has no duty to act (Art. 35(2)) and the application has no ground (Art. 30).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.ballot import repository as ballot_repository
from app.common.access import EstatePlace, Principal, roles_on
from app.common.pagination import paginate
from app.errors import NotFound
from app.grant import repository as grant_repository
from app.grant import service as grant_service
from app.ledger import events
from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.petition import repository
from app.petition.errors import (
    AlreadySigned,
    AlreadySubmitted,
    GroupNotFound,
    NotCollecting,
    NotEscalatable,
    NotEstateOwner,
    NotOpener,
    PetitionNotFound,
    ThresholdNotMet,
)
from app.petition.models import Petition, PetitionKind, PetitionSignature, PetitionStatus
from app.petition.schemas import PetitionCreate, SignatureCreate
from app.place import access
from app.realname import repository as realname_repository
from app.register import repository as register_repository
from app.register.errors import RegisterEmpty
from app.register.models import RegisterVersion
from app.register.service import roll_of_units
from app.rules.casting import ActingBasis, Caller, Entitlement, GrantFacts, NotEntitled, ensure_may_act
from app.rules.counts import Weight
from app.rules.numeric import area_display
from app.rules.petitions import (
    FirstAssemblyCheck,
    TemporaryMeetingCheck,
    check_first_assembly_application,
    check_temporary_meeting_petition,
)
from app.rules.roll import Roll, VoterGroup, public_group_id

COLLECTING = frozenset({PetitionStatus.OPEN, PetitionStatus.THRESHOLD_MET})
FROZEN = frozenset({PetitionStatus.SUBMITTED, PetitionStatus.ESCALATED, PetitionStatus.CLOSED})

COMMITTEE = "COMMITTEE"
STREET_OFFICE = "STREET_OFFICE"
ORGANISERS = Audience.ORGANISERS.value
"""The estate's committee and street office (the notice service's ``ORGANISERS`` audience): petitions are
addressed to them; the recipient proper (committee or street office) is named in the notice body."""

_KIND_ZH = {
    PetitionKind.FIRST_ASSEMBLY_APPLICATION: "成立业主大会申请",
    PetitionKind.TEMPORARY_MEETING: "召开业主大会临时会议提议",
}


_RECIPIENT_TEXT = {
    COMMITTEE: "提交业主委员会 / submitted to the owners' committee",
    STREET_OFFICE: "提交街道办事处 / submitted to the street office",
}


def recipient(kind: PetitionKind) -> str:
    """Art. 30: applications go to the street office; Art. 35(2): meeting petitions go to the committee."""
    return STREET_OFFICE if kind is PetitionKind.FIRST_ASSEMBLY_APPLICATION else COMMITTEE


# --- counting (the law core over the roll) ---


@dataclass(frozen=True, slots=True)
class Count:
    version: RegisterVersion
    check: FirstAssemblyCheck | TemporaryMeetingCheck
    counted_group_ids: frozenset[str]
    not_counted: int

    @property
    def met(self) -> bool:
        if isinstance(self.check, FirstAssemblyCheck):
            return self.check.eligible
        return self.check.succeeded

    @property
    def rule(self) -> str:
        return "R-LIFE-9" if isinstance(self.check, FirstAssemblyCheck) else "R-LIFE-10"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON data for the audit log: the law core's figures and reasons, no names or identifiers."""
        return {"rule": self.rule, "register_version_id": str(self.version.id), **self.check.to_dict()}


def groups_by_public_id(estate_id: uuid.UUID, roll: Roll) -> dict[str, VoterGroup]:
    return {public_group_id(str(estate_id), group.key): group for group in roll.groups}


def count(
    kind: PetitionKind, estate_id: uuid.UUID, version: RegisterVersion, roll: Roll, group_ids: Sequence[str]
) -> Count:
    """The R-LIFE-9 / R-LIFE-10 check of the signing groups over ``roll`` (one head per group, R-HEAD)."""
    groups = groups_by_public_id(estate_id, roll)
    signing = [groups[group_id] for group_id in dict.fromkeys(group_ids) if group_id in groups]
    signed = Weight.sum(group.weight for group in signing)
    check: FirstAssemblyCheck | TemporaryMeetingCheck
    if kind is PetitionKind.TEMPORARY_MEETING:
        check = check_temporary_meeting_petition(total=roll.total, petitioners=signed)
    else:
        # R-LIFE-9: "delivered" = the units whose group is not the developer's (R-HEAD-4).
        delivered = sum(group.area for group in roll.groups if not group.is_developer)
        check = check_first_assembly_application(
            total=roll.total,
            delivered_area=delivered,
            applicants=signed,
            applicant_is_developer=any(group.is_developer for group in signing),
        )
    counted = frozenset(public_group_id(str(estate_id), group.key) for group in signing)
    return Count(version, check, counted, not_counted=len(set(group_ids) - counted))


# --- who may do what ---


@dataclass(frozen=True, slots=True)
class EstateState:
    place: EstatePlace
    version: RegisterVersion | None
    roll: Roll | None


async def _estate_state(session: AsyncSession, estate_id: uuid.UUID) -> EstateState | None:
    place = await access.estate_place(session, estate_id)
    if place is None:
        return None
    version = await register_repository.latest_version(session, estate_id)
    roll = await _roll(session, version) if version is not None else None
    return EstateState(place, version, roll)


async def _roll(session: AsyncSession, version: RegisterVersion) -> Roll:
    return roll_of_units(version, await register_repository.units_with_owners(session, version.id))


async def _is_owner(session: AsyncSession, principal: Principal, state: EstateState) -> bool:
    """An owner of a group of the estate's current roll, bound in this estate (R-CAST-1); an undelivered buyer
    counts with the developer."""
    if state.roll is None:
        return False
    owner_id = await realname_repository.bound_owner(session, principal.account_id, state.place.estate_id)
    if owner_id is None:
        return False
    owner_key = str(owner_id)
    return any(owner_key in group.owner_keys for group in state.roll.groups if not group.is_developer)


async def _related(session: AsyncSession, principal: Principal, state: EstateState) -> bool:
    """Staff with a role on the estate, its owners, and holders of an approved grant there see its petitions."""
    if roles_on(principal, state.place) or await _is_owner(session, principal, state):
        return True
    if principal.account_id is None:
        return False
    return state.place.estate_id in await grant_repository.estates_with_grants_to(session, principal.account_id)


NOT_A_VOTE = "petition"
"""Passed to the law core as the vote and topic acted on: no proxy scope names it, so a proxy limited to named
votes or topics does not cover a petition (CHOICE, R-CAST-4), while one for any vote and topic does."""


@dataclass(frozen=True, slots=True)
class _Acting:
    """The facts ``app.rules.casting`` decides on for one caller and one group."""

    group: VoterGroup
    caller: Caller
    organisation_keys: frozenset[str]
    grants: tuple[GrantFacts, ...]


async def _acting(session: AsyncSession, principal: Principal, estate_id: uuid.UUID, group: VoterGroup) -> _Acting:
    grants = await ballot_repository.grant_facts(session, estate_id, group.key)
    bound_owner_id = await realname_repository.bound_owner(session, principal.account_id, estate_id)
    return _Acting(
        group,
        Caller(
            account_key=str(principal.account_id),
            owner_key=str(bound_owner_id) if bound_owner_id is not None else None,  # R-CAST-1: bound here
            verified=principal.owner_id is not None,
        ),
        await ballot_repository.organisation_keys(session, sorted(group.owner_keys)),
        grants,
    )


async def _ensure_may_act(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, group: VoterGroup, *, now: datetime
) -> tuple[Entitlement, ...]:
    """R-CAST-1..6 for a petition: the caller's bases for acting for ``group``, or ``cast.not_entitled``."""
    facts = await _acting(session, principal, estate_id, group)
    return ensure_may_act(
        facts.group,
        facts.caller,
        organisation_keys=facts.organisation_keys,
        grants=facts.grants,
        now=now,
        vote_id=NOT_A_VOTE,
        topic_id=NOT_A_VOTE,
    )


async def _may_act(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, group: VoterGroup, *, now: datetime
) -> bool:
    try:
        await _ensure_may_act(session, principal, estate_id, group, now=now)
    except NotEntitled:
        return False
    return True


def _first_basis(found: tuple[Entitlement, ...]) -> tuple[ActingBasis, uuid.UUID | None]:
    """The owner's own right first; otherwise the grant with the lowest basis name (as for ballots)."""
    for entitlement in found:
        if entitlement.basis in (ActingBasis.OWNER, ActingBasis.CO_OWNER):
            return entitlement.basis, None
    return found[0].basis, uuid.UUID(found[0].grant_id)


# --- use cases ---


async def open_petition(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, body: PetitionCreate, *, now: datetime
) -> PetitionView:
    """An owner of the estate opens a petition; for an application, so may the developer's representative."""
    account_id = grant_service.require_account(principal)
    state = await _estate_state(session, estate_id)
    if state is None:
        raise NotFound(what="estate")
    if state.version is None or state.roll is None:
        if roles_on(principal, state.place):
            raise RegisterEmpty()
        raise NotFound(what="estate")
    if not await _is_owner(session, principal, state):
        developer = next((group for group in state.roll.groups if group.is_developer), None)
        may_open = (
            body.kind is PetitionKind.FIRST_ASSEMBLY_APPLICATION
            and developer is not None
            and await _may_act(session, principal, estate_id, developer, now=now)
        )  # R-LIFE-9: the developer may apply alone, through its representative (R-CAST-3, R-CAST-6)
        if not may_open:
            if await _related(session, principal, state):
                raise NotEstateOwner()
            raise NotFound(what="estate")
    petition = Petition(
        id=uuid.uuid4(),
        estate_id=estate_id,
        kind=body.kind,
        title=body.title,
        text=body.text,
        opened_by_account_id=account_id,
        opened_at=now,
        status=PetitionStatus.OPEN,
        register_version_id=state.version.id,
    )
    session.add(petition)
    await session.flush()
    await audit_service.append(
        session,
        events.petition_opened(
            petition_id=petition.id,
            kind=petition.kind.value,
            register_version_id=state.version.id,
            opened_at=now.isoformat(),
        ),
        estate_id=estate_id,
    )
    return await _view(session, petition, state)


@dataclass(frozen=True, slots=True)
class PetitionView:
    petition: Petition
    signatures: Sequence[PetitionSignature]
    count: Count


async def _readable(
    session: AsyncSession, principal: Principal, petition_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Petition, EstateState]:
    petition = await repository.get_petition(session, petition_id, for_update=for_update)
    state = await _estate_state(session, petition.estate_id) if petition is not None else None
    if petition is None or state is None or not await _related(session, principal, state):
        raise PetitionNotFound()
    return petition, state


async def _view(session: AsyncSession, petition: Petition, state: EstateState) -> PetitionView:
    """Counted on the latest register while collecting, on the version frozen at submission afterwards."""
    signatures = await repository.signatures(session, petition.id)
    group_ids = [signature.group_id for signature in signatures]
    if petition.status in FROZEN or state.version is None or state.roll is None:
        version = await session.get(RegisterVersion, petition.register_version_id)
        if version is None:  # the foreign key guarantees it
            raise PetitionNotFound()
        roll = state.roll if state.version is not None and state.version.id == version.id else None
        roll = roll or await _roll(session, version)
    else:
        version, roll = state.version, state.roll
    return PetitionView(petition, signatures, count(petition.kind, petition.estate_id, version, roll, group_ids))


async def get_petition(session: AsyncSession, principal: Principal, petition_id: uuid.UUID) -> PetitionView:
    petition, state = await _readable(session, principal, petition_id)
    return await _view(session, petition, state)


async def sign(
    session: AsyncSession, principal: Principal, petition_id: uuid.UUID, body: SignatureCreate, *, now: datetime
) -> PetitionView:
    """One group's signature by a caster entitled to act for it (R-LIFE-10, R-CAST); one per group.

    The petition row is locked, so concurrent signatures are counted one after the other and the threshold
    is crossed, audited and notified exactly once.
    """
    account_id = grant_service.require_account(principal)
    petition, state = await _readable(session, principal, petition_id, for_update=True)
    if petition.status not in COLLECTING:
        raise NotCollecting(status=petition.status.value)
    if state.version is None or state.roll is None:
        raise RegisterEmpty()
    group = groups_by_public_id(petition.estate_id, state.roll).get(body.group_id)
    if group is None:
        raise GroupNotFound()
    basis, grant_id = _first_basis(await _ensure_may_act(session, principal, petition.estate_id, group, now=now))
    if await repository.signature_of_group(session, petition.id, body.group_id) is not None:
        raise AlreadySigned()
    signature = PetitionSignature(
        id=uuid.uuid4(),
        petition_id=petition.id,
        group_id=body.group_id,
        signed_by_account_id=account_id,
        basis=basis.value,
        grant_id=grant_id,
        signed_at=now,
    )
    session.add(signature)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent signature of the same group won (UNIQUE(petition_id, group_id))
        raise AlreadySigned() from exc
    await audit_service.append(
        session,
        events.petition_signed(
            petition_id=petition.id,
            group_id=body.group_id,
            basis=basis.value,
            grant_id=grant_id,
            signed_at=now.isoformat(),
        ),
        estate_id=petition.estate_id,
    )
    petition.register_version_id = state.version.id
    view = await _view(session, petition, state)
    if view.count.met and petition.status is PetitionStatus.OPEN:
        await _threshold_met(session, petition, view.count, now=now)
    await session.flush()
    return view


async def _threshold_met(session: AsyncSession, petition: Petition, counted: Count, *, now: datetime) -> None:
    """First time the threshold is met: record it, audit it, tell the committee and the street office."""
    petition.status = PetitionStatus.THRESHOLD_MET
    petition.threshold_met_at = now
    await session.flush()
    await audit_service.append(
        session,
        events.petition_threshold_met(
            petition_id=petition.id, kind=petition.kind.value, at=now.isoformat(), count=counted.to_dict()
        ),
        estate_id=petition.estate_id,
    )
    title = (
        "成立业主大会申请已符合条件"
        if petition.kind is PetitionKind.FIRST_ASSEMBLY_APPLICATION
        else "召开业主大会临时会议的提议已达到法定人数"
    )
    await _notify_organisers(session, petition, counted, title=f"{title}：{petition.title}", now=now)


async def _notify_organisers(
    session: AsyncSession, petition: Petition, counted: Count, *, title: str, now: datetime, lead: str = ""
) -> None:
    """A PETITION notice to the committee and the street office with the count, its reasons and formulas."""
    zh, en = counted.check.reasons
    lines = [lead] if lead else []
    lines += [f"{_KIND_ZH[petition.kind]}（{counted.rule}）：{petition.title}", zh, en, *counted.check.formulas]
    lines.append(f"petition: {petition.id}")
    await notice_service.publish_notice(
        session,
        estate_id=petition.estate_id,
        kind=NoticeKind.PETITION,
        title=title,
        body="\n".join(lines),
        now=now,
        audience=ORGANISERS,
    )


async def _opener_petition(
    session: AsyncSession, principal: Principal, petition_id: uuid.UUID
) -> tuple[Petition, EstateState]:
    petition, state = await _readable(session, principal, petition_id, for_update=True)
    if principal.account_id is None or petition.opened_by_account_id != principal.account_id:
        raise NotOpener()
    return petition, state


async def submit(session: AsyncSession, principal: Principal, petition_id: uuid.UUID, *, now: datetime) -> PetitionView:
    """The opener records the hand-over: to the committee (R-LIFE-10) or the street office (R-LIFE-9).

    The register version counted is frozen from here on.
    """
    petition, state = await _opener_petition(session, principal, petition_id)
    if petition.status not in COLLECTING:
        raise AlreadySubmitted(status=petition.status.value)
    if state.version is None:
        raise RegisterEmpty()
    petition.register_version_id = state.version.id
    view = await _view(session, petition, state)
    counted = view.count
    if not counted.met:
        raise ThresholdNotMet(result=str(counted.check.to_dict()["result"]), extra={"count": counted.to_dict()})
    if petition.status is PetitionStatus.OPEN:  # met only now (the register changed since the last signature)
        await _threshold_met(session, petition, counted, now=now)
    petition.status = PetitionStatus.SUBMITTED
    petition.submitted_at = now
    await session.flush()
    to = recipient(petition.kind)
    await audit_service.append(
        session,
        events.petition_submitted(
            petition_id=petition.id, kind=petition.kind.value, to=to, at=now.isoformat(), count=counted.to_dict()
        ),
        estate_id=petition.estate_id,
    )
    await _notify_organisers(
        session,
        petition,
        counted,
        title=f"已提交{_KIND_ZH[petition.kind]}：{petition.title}",
        lead=f"{_RECIPIENT_TEXT[to]}，提交时间 / submitted at: {now.isoformat()}",
        now=now,
    )
    return view


async def escalate(
    session: AsyncSession, principal: Principal, petition_id: uuid.UUID, *, now: datetime
) -> PetitionView:
    """Beijing Art. 36 (R-LIFE-10): the committee did not convene; the owners ask the street office to order it.

    Only a submitted temporary-meeting petition, by its opener. No day limit applies; the dates are recorded.
    """
    petition, state = await _opener_petition(session, principal, petition_id)
    if petition.kind is not PetitionKind.TEMPORARY_MEETING or petition.status is not PetitionStatus.SUBMITTED:
        raise NotEscalatable(status=petition.status.value)
    petition.status = PetitionStatus.ESCALATED
    petition.escalated_at = now
    await session.flush()
    view = await _view(session, petition, state)
    counted = view.count
    submitted_at = petition.submitted_at.isoformat() if petition.submitted_at else ""
    await audit_service.append(
        session,
        events.petition_escalated(
            petition_id=petition.id, to=STREET_OFFICE, submitted_at=submitted_at, at=now.isoformat()
        ),
        estate_id=petition.estate_id,
    )
    await _notify_organisers(
        session,
        petition,
        counted,
        title=f"请求责令业主委员会召开业主大会临时会议：{petition.title}",
        lead=(
            f"提议已于 {submitted_at} 提交业主委员会，业主委员会未组织召开；请街道办事处责令其召开"
            f"（北京市物业管理条例第三十六条）。 / Submitted to the committee at {submitted_at}; the "
            "committee has not convened the meeting; the street office is asked to order it (Beijing Art. 36)."
        ),
        now=now,
    )
    return view


def count_read(counted: Count) -> dict[str, Any]:
    """The count as the API shows it (``PetitionCountRead``)."""
    check = counted.check
    common: dict[str, Any] = {
        "rule": counted.rule,
        "register_version_id": counted.version.id,
        "register_version_number": counted.version.number,
        "total_heads": check.total.heads,
        "total_area": check.total.area,
        "total_area_m2": area_display(check.total.area),
        "formulas": list(check.formulas),
        "thresholds_reached": list(check.reached),
        "threshold_met": counted.met,
        "reason_zh": check.reasons[0],
        "reason_en": check.reasons[1],
        "signatures_not_counted": counted.not_counted,
    }
    data = check.to_dict()
    if isinstance(check, FirstAssemblyCheck):
        return common | {
            "signed_heads": check.applicants.heads,
            "signed_area": check.applicants.area,
            "signed_area_m2": area_display(check.applicants.area),
            "heads_percent": data["applicant_heads_percent"],
            "area_percent": data["applicant_area_percent"],
            "delivered_area": check.delivered_area,
            "delivered_area_m2": area_display(check.delivered_area),
            "delivered_area_percent": data["delivered_area_percent"],
            "applicant_is_developer": check.applicant_is_developer,
            "result": data["result"],
        }
    return common | {
        "signed_heads": check.petitioners.heads,
        "signed_area": check.petitioners.area,
        "signed_area_m2": area_display(check.petitioners.area),
        "heads_percent": data["heads_percent"],
        "area_percent": data["area_percent"],
        "result": data["result"],
    }


@dataclass(frozen=True, slots=True)
class PetitionPage:
    petitions: Sequence[Petition]
    signature_counts: dict[uuid.UUID, int]
    next_cursor: str | None


async def list_petitions(
    session: AsyncSession, principal: Principal, estate_id: uuid.UUID, *, cursor: str | None, limit: int
) -> PetitionPage:
    """The estate's petitions, for its staff, its owners and the holders of grants there."""
    state = await _estate_state(session, estate_id)
    if state is None or not await _related(session, principal, state):
        raise NotFound(what="estate")
    rows, next_cursor = await paginate(
        session, repository.estate_petitions_statement(estate_id), key=Petition.id, cursor=cursor, limit=limit
    )
    return PetitionPage(rows, await repository.signature_counts(session, [row.id for row in rows]), next_cursor)
