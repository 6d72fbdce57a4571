"""The public counting of a paper or mixed vote's paper ballots, after the close (R-PAPER-3).

指导规则 Art. 22 (唱票、计票、监票) and PROCEDURE W1: the organiser opens the session after the publicised end
naming its witnesses (at least one owner of the estate and the residents' committee or the street office, each an
account of the system), enters the answers of the paper ballots received before the close
(``app.ballot.paper.enter_counted``), and each witness confirms through their own account. The first confirmation
freezes the entries; the last one signs the session off, and only then is the vote closed, decided and its result
published (``app.result.service.close_and_decide``, which refuses a paper or mixed vote before the sign-off).

Every step is logged: ``counting.opened`` (witnesses by per-vote pseudonym and role, never a name or a phone), each
entered ballot's ``ballot.cast``, each ``counting.confirmed`` (with the counted set it confirms) and
``counting.signed_off``. Every step runs under the vote's exclusive lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.keys import LogKeys
from app.ballot import paper
from app.ballot import repository as ballot_repository
from app.ballot.errors import PaperNotAllowed
from app.ballot.models import CountingSession, CountingWitness, PaperReception
from app.ballot.schemas import CountedPaperEntry, Receipt
from app.committee import service as committee_service
from app.common.access import MANAGING_ROLES, Principal, Role, roles_on
from app.errors import NotFound
from app.identity import service as identity_service
from app.ledger import completeness, events
from app.ledger.pseudonyms import witness_pseudonym
from app.place import access
from app.realname import repository as realname_repository
from app.result import service as result_service
from app.result.counting_schemas import CountingOpen
from app.result.errors import (
    CountingNotOpen,
    CountingNotOpenable,
    NotAWitness,
    ReceptionsNotEntered,
    WitnessNotEligible,
)
from app.rules.lifecycle import RUNNING
from app.rules.paper import ReceptionStatus, WitnessRole, check_counting_time, check_witnesses
from app.vote import repository as vote_repository
from app.vote.models import Vote, VotingMethod
from app.vote.service import ensure_acts_as_organiser

WITNESS_STAFF_ROLES = {WitnessRole.RESIDENTS_COMMITTEE: Role.OBSERVER, WitnessRole.STREET_OFFICE: Role.STREET_OFFICE}


@dataclass(frozen=True, slots=True)
class CountingState:
    vote: Vote
    session: CountingSession | None
    witnesses: tuple[CountingWitness, ...]
    receptions: tuple[PaperReception, ...]


async def _organiser_vote(session: AsyncSession, principal: Principal, vote_id: uuid.UUID) -> Vote:
    vote = await vote_repository.lock_vote(session, vote_id)
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    await access.ensure_can_manage_estate(session, principal, vote.estate_id)
    ensure_acts_as_organiser(vote.organiser_kind, await access.estate_roles(session, principal, vote.estate_id))
    if vote.voting_method is VotingMethod.ONLINE:
        raise PaperNotAllowed()
    return vote


async def _session_of(session: AsyncSession, vote_id: uuid.UUID) -> CountingSession | None:
    return await session.scalar(select(CountingSession).where(CountingSession.vote_id == vote_id))


async def _witnesses(session: AsyncSession, session_id: uuid.UUID) -> tuple[CountingWitness, ...]:
    rows = await session.scalars(
        select(CountingWitness).where(CountingWitness.session_id == session_id).order_by(CountingWitness.pseudonym)
    )
    return tuple(rows)


async def _eligible(session: AsyncSession, vote: Vote, account_id: uuid.UUID, role: WitnessRole) -> bool:
    """R-PAPER-3: an owner bound to this estate's register who neither sits on its committee nor manages the vote,
    or its residents' committee or street office."""
    witness = await identity_service.principal_for_account(session, account_id)
    place = await access.estate_place(session, vote.estate_id)
    if witness is None or place is None:
        return False
    if role is WitnessRole.OWNER:
        owner_id = await realname_repository.bound_owner(session, account_id, vote.estate_id)
        if owner_id is None or roles_on(witness, place) & MANAGING_ROLES:
            return False
        return not await committee_service.sits_on_a_committee(session, vote.estate_id, owner_id, account_id)
    return WITNESS_STAFF_ROLES[role] in roles_on(witness, place)


async def open_session(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: CountingOpen, *, now: datetime,
    pseudonym_key: bytes,
) -> CountingState:  # fmt: skip
    """R-PAPER-3: open the counting after the close, before witnesses who are owners or public bodies."""
    vote = await _organiser_vote(session, principal, vote_id)
    if vote.status not in RUNNING or await _session_of(session, vote.id) is not None:
        raise CountingNotOpenable(status=vote.status.value)
    check_counting_time(vote.ends_at, now)
    for witness in body.witnesses:
        if not await _eligible(session, vote, witness.account_id, witness.role):
            raise WitnessNotEligible(account_id=str(witness.account_id), role=witness.role.value)
    check_witnesses({witness.role for witness in body.witnesses})
    counting = CountingSession(id=uuid.uuid4(), vote_id=vote.id, opened_at=now, opened_by=principal.label)
    session.add(counting)
    rows = [
        CountingWitness(
            session_id=counting.id, account_id=witness.account_id, role=witness.role,
            pseudonym=witness_pseudonym(pseudonym_key, vote.id, witness.account_id),
        )
        for witness in body.witnesses
    ]  # fmt: skip
    session.add_all(rows)
    await session.flush()
    await audit_service.append(
        session,
        events.counting_opened(
            session_id=counting.id, opened_at=now.isoformat(),
            by=await access.acting_as(session, principal, vote.estate_id),
            witnesses=[events.Witness(row.pseudonym, row.role.value) for row in sorted(rows, key=_by_pseudonym)],
        ),
        estate_id=vote.estate_id, vote_id=vote.id, at=now,
    )  # fmt: skip
    return await _state(session, vote)


def _by_pseudonym(row: CountingWitness) -> str:
    return row.pseudonym


async def enter(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, body: CountedPaperEntry, *, now: datetime
) -> Receipt:
    """R-PAPER-3: enter a received paper ballot's answers while the session is open and nobody has confirmed."""
    vote = await _organiser_vote(session, principal, vote_id)
    counting = await _session_of(session, vote.id)
    if counting is None or vote.status not in RUNNING:
        raise CountingNotOpen()
    if any(witness.confirmed_at is not None for witness in await _witnesses(session, counting.id)):
        raise CountingNotOpen()  # the count the witnesses confirm is frozen
    await session.refresh(vote, attribute_names=["topics"])  # every answer is checked against the notice's topics
    return await paper.enter_counted(session, principal, vote, body, now=now)


async def confirm(
    session: AsyncSession, principal: Principal, vote_id: uuid.UUID, *, now: datetime, keys: LogKeys
) -> CountingState:
    """R-PAPER-3: a witness confirms the count through their own account; the last confirmation signs the
    session off, and the vote is closed, decided and published at once."""
    vote = await vote_repository.lock_vote(session, vote_id)
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    counting = await _session_of(session, vote.id)
    witnesses = await _witnesses(session, counting.id) if counting is not None else ()
    mine = next((w for w in witnesses if w.account_id == principal.account_id), None)
    if counting is None or mine is None:
        raise NotAWitness()  # only a named witness, through their own account, confirms
    if mine.confirmed_at is not None or counting.signed_off_at is not None:
        return await _state(session, vote)  # a repeated confirmation changes nothing
    pending = [r for r in await paper.receptions(session, vote.id) if r.status is ReceptionStatus.RECEIVED]
    if pending:
        raise ReceptionsNotEntered(count=len(pending))  # R-PAPER-3: nothing received is left out of the count
    counted = completeness.counted_set(await ballot_repository.counted_commitments(session, vote.id)).payload()
    mine.confirmed_at = now
    await audit_service.append(
        session,
        events.counting_confirmed(
            session_id=counting.id, witness=events.Witness(mine.pseudonym, mine.role.value),
            confirmed_at=now.isoformat(), counted=counted,
        ),
        estate_id=vote.estate_id, vote_id=vote.id, at=now,
    )  # fmt: skip
    if all(witness.confirmed_at is not None for witness in witnesses):
        counting.signed_off_at = now
        receptions = await paper.receptions(session, vote.id)
        await audit_service.append(
            session,
            events.counting_signed_off(
                session_id=counting.id, signed_off_at=now.isoformat(),
                paper_counted=sum(1 for r in receptions if r.status is ReceptionStatus.COUNTED),
                duplicates=sum(1 for r in receptions if r.status is ReceptionStatus.DUPLICATE),
                counted=counted,
            ),
            estate_id=vote.estate_id, vote_id=vote.id, at=now,
        )  # fmt: skip
        await session.flush()
        await result_service.close_and_decide(session, vote.id, now=now, keys=keys)
    await session.flush()
    return await _state(session, vote)


async def state(session: AsyncSession, principal: Principal, vote_id: uuid.UUID) -> CountingState:
    """The session, its witnesses and the vote's paper receptions: for anyone with a role on the estate (the
    residents' committee and the street office included) and for the session's witnesses."""
    vote = await vote_repository.get_vote(session, vote_id)
    if vote is None or vote.published_at is None:
        raise NotFound(what="vote")
    counting = await _session_of(session, vote.id)
    witness_ids = {w.account_id for w in await _witnesses(session, counting.id)} if counting else set()
    if principal.account_id not in witness_ids:
        await access.ensure_can_read_estate(session, principal, vote.estate_id)
    return await _state(session, vote)


async def _state(session: AsyncSession, vote: Vote) -> CountingState:
    counting = await _session_of(session, vote.id)
    witnesses = await _witnesses(session, counting.id) if counting is not None else ()
    return CountingState(vote, counting, witnesses, tuple(await paper.receptions(session, vote.id)))
