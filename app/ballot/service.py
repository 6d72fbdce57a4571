"""Casting: one final ballot per voter group and vote, covering every topic (R-TALLY-1, R-TALLY-7, R-CAST).

A paper ballot's reception (``app.ballot.paper``) takes the vote's exclusive lock, so a cast either sees it and
is refused (R-PAPER-2: the earlier server time counts) or lands first and makes the reception a duplicate.

The cast transaction takes a shared lock on the vote (closing takes an exclusive one), checks the window, the
caster's right to act for the group and every answer, then inserts the ballot with ON CONFLICT DO NOTHING on
the unique (vote, group) key: concurrent attempts by co-owners, a proxy and retries yield exactly one ballot,
and the others learn that the group has voted. It appends one audit entry and updates nothing shared.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app import metrics
from app.audit import service as audit_service
from app.audit.errors import ReceiptNotFound
from app.ballot import repository
from app.ballot.errors import (
    AlreadyCast,
    BallotVoided,
    CountedSetNotLogged,
    GroupNotInRoll,
    IdempotencyKeyReused,
    NotVerified,
    OnlineNotAllowed,
    VoteNotVotable,
    VoteNotYetClosed,
)
from app.ballot.models import BallotStatus, Channel, IdempotencyRecord
from app.ballot.repository import CastingVote, GroupRow
from app.ballot.schemas import BallotBasis, BallotCast, Receipt
from app.common.access import Principal
from app.common.schemas import beijing_rfc3339
from app.errors import NotFound
from app.grant.models import ActingGrant
from app.ledger import ballot as ballot_document
from app.ledger import completeness
from app.ledger.canonical import canonical_sha256
from app.ledger.events import EventKind
from app.ledger.pseudonyms import grant_pseudonym
from app.rules.casting import (
    ActingBasis,
    Caller,
    GrantFacts,
    GrantKind,
    NotEntitled,
    NotEntitledReason,
    ensure_may_act,
)
from app.rules.errors import VotingEnded
from app.rules.lifecycle import ENDED, RUNNING, VoteStatus
from app.rules.publicity import check_notice_posted, check_voting_open
from app.rules.roll import VoterGroup
from app.vote.models import VotingMethod
from app.vote.spec import Mark

TRANSFEREE = "TRANSFEREE"  # R-ROLL-5: every unit of the frozen group passed to the caster's owner set


@dataclass(frozen=True, slots=True)
class CastOutcome:
    status_code: int
    body: dict[str, Any]


def request_hash(vote_id: uuid.UUID, body: BallotCast) -> str:
    return canonical_sha256({"vote_id": str(vote_id), "group_id": body.group_id, "answers": body.answers})


async def cast(
    session: AsyncSession,
    principal: Principal,
    vote_id: uuid.UUID,
    body: BallotCast,
    *,
    now: datetime,
    idempotency_key: str | None,
    pseudonym_key: bytes,
) -> CastOutcome:
    if principal.account_id is None or principal.owner_id is None:
        raise NotVerified()  # R-CAST-1
    fingerprint = request_hash(vote_id, body)
    if idempotency_key is not None:
        replay = await _replay(session, principal.account_id, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    group_row: GroupRow | None = await repository.lock_vote_and_read_group(session, vote_id, body.group_id)
    vote, grants = await repository.vote_and_grants(
        session, vote_id, group_row.group_key if group_row else None, principal.account_id
    )
    vote, group_row, basis, grant_id = await decide(
        session, vote, group_row, grants, account_id=principal.account_id, now=now
    )
    while grant_id is not None and not await repository.lock_approved_grant(session, grant_id):
        # R-CAST-4: revoked since it was read (a revocation takes no vote lock): decided on the grants as they are now
        grants = await repository.grant_facts(session, vote.estate_id, group_row.group_key)
        vote, group_row, basis, grant_id = await decide(
            session, vote, group_row, grants, account_id=principal.account_id, now=now
        )
    marks = vote.form.marks(body.answers)
    record: dict[str, Any] | None = (
        {"account_id": principal.account_id, "key": idempotency_key, "request_sha256": fingerprint, "created_at": now}
        if idempotency_key is not None
        else None
    )
    rows = ballot_rows(
        vote.id, vote.estate_id, group_row, body.answers, marks, now=now, basis=basis, grant_id=grant_id,
        grant=grant_pseudonym(pseudonym_key, vote.id, grant_id), channel=Channel.ONLINE,
        account_id=principal.account_id, idempotency_record=record,
    )  # fmt: skip
    receipt = await insert_ballot(session, rows, idempotency_record=record)
    if receipt is None:
        if idempotency_key is not None:  # a concurrent retry with the same key may have won the race
            replay = await _replay(session, principal.account_id, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        raise AlreadyCast()
    metrics.ballot_cast(session)  # counted once the transaction commits
    # The receipt is serialised once: the idempotency record's body is the response.
    response: dict[str, Any] = record["body"] if record is not None else rows.receipt_body
    return CastOutcome(201, response)


async def decide(
    session: AsyncSession | None,
    vote: CastingVote | None,
    group_row: GroupRow | None,
    grants: tuple[GrantFacts, ...],
    *,
    account_id: uuid.UUID,
    now: datetime,
    reception: bool | None = None,
) -> tuple[CastingVote, GroupRow, str, uuid.UUID | None]:
    """Every check of a cast between reading and writing, in order (both paths, ``app.ballot.lean`` too): the vote
    and the group exist, the caster's basis (R-CAST), the window (R-LIFE-5, R-NOTICE-3), the method (R-PAPER-2).

    ``reception``: whether the group's paper ballot was received, if the caller read it already; else asked here.
    Without a session (``app.ballot.lean``), a check that needs another read raises ``repository.ReadsNeeded``.
    """
    if vote is None:
        raise NotFound(what="vote")
    if group_row is None:
        raise GroupNotInRoll()
    basis, grant_id = await _entitlement(session, vote, group_row, grants, account_id=account_id, now=now)
    _ensure_open(vote.status, vote.starts_at, vote.ends_at, now, posted_at=vote.posted_at)
    if vote.voting_method is VotingMethod.PAPER:
        raise OnlineNotAllowed()
    if vote.voting_method is VotingMethod.MIXED:
        if reception is None:
            reception = await repository.group_has_reception(session, vote.id, group_row.group_id)
        if reception:
            raise AlreadyCast()  # R-PAPER-2: the group's paper ballot reached the organiser first; it counts
    return vote, group_row, basis, grant_id


async def _replay(session: AsyncSession, account_id: uuid.UUID, key: str, fingerprint: str) -> CastOutcome | None:
    record = await session.get(IdempotencyRecord, (account_id, key))
    if record is None:
        return None
    if record.request_sha256 != fingerprint:
        raise IdempotencyKeyReused()
    return CastOutcome(record.status_code, record.body)


def _ensure_open(
    stored: VoteStatus, starts_at: datetime, ends_at: datetime, now: datetime, *, posted_at: datetime | None
) -> None:
    """A published vote takes ballots inside its window (R-LIFE-5, the pure check) once its notice is posted on site
    (R-NOTICE-3); any other state takes none."""
    if stored in RUNNING:
        check_notice_posted(posted_at)
        check_voting_open(starts_at, ends_at, now)
    elif stored in ENDED:
        raise VotingEnded(ends_at=ends_at.isoformat())
    else:
        raise VoteNotVotable(status=stored.value)


async def _entitlement(
    session: AsyncSession | None,
    vote: CastingVote,
    group_row: GroupRow,
    grants: tuple[GrantFacts, ...],
    *,
    account_id: uuid.UUID,
    now: datetime,
) -> tuple[str, uuid.UUID | None]:
    """The basis the caster acts on (R-CAST-1..6), or R-ROLL-5's new owner set; NotEntitled otherwise.

    The caster is identity-verified (checked before); as an owner they count only through a binding made
    against THIS estate's register (``vote.caller_owner_id``), so a row planted in another estate's register
    gives no right here.
    """
    owner_id = vote.caller_owner_id
    group = VoterGroup(
        key=group_row.group_key,
        owner_keys=frozenset(group_row.owner_ids),
        unit_ids=tuple(group_row.unit_keys),
        area=group_row.area,
        is_developer=group_row.is_developer,
    )
    if not vote.proxies_allowed:  # R-CAST-4: proxies can be switched off per vote
        grants = tuple(grant for grant in grants if grant.kind is not GrantKind.PROXY)
    caller = Caller(account_key=str(account_id), owner_key=str(owner_id) if owner_id else None, verified=True)
    transfer = await _transfer(session, vote, group_row)
    if transfer is not None:
        # R-ROLL-5 (CC Art. 273: the co-management right goes with the title): when every unit of the frozen
        # group passed to one new owner set, that set casts the group's ballot, and the sellers no longer do.
        if owner_id is not None and str(owner_id) in transfer:
            return TRANSFEREE, None
        raise NotEntitled(reason=NotEntitledReason.TITLE_TRANSFERRED)
    organisations = (
        await repository.organisation_keys_in_version(session, vote.register_version_id, group_row.owner_ids)
        if vote.register_version_id is not None
        else await repository.organisation_keys(session, group_row.owner_ids)
    )
    # A ballot answers every topic (R-TALLY-1), so a grant counts only if it covers every topic (R-CAST-4). Only a
    # proxy's scope names topics (GrantScope.covers): without a proxy grant every topic is judged alike, so once.
    topics = vote.topics if any(grant.kind is GrantKind.PROXY for grant in grants) else vote.topics[:1]
    per_topic = [
        set(
            ensure_may_act(
                group, caller, organisation_keys=organisations, grants=grants, now=now, vote_id=str(vote.id),
                topic_id=str(topic.id),
            )
        )
        for topic in topics
    ]  # fmt: skip
    found = sorted(set.intersection(*per_topic)) if per_topic else []
    if not found:
        raise NotEntitled(reason=NotEntitledReason.SCOPE_EXCLUDES_VOTE)
    # An owner's own right comes first; otherwise the grant with the lowest basis name, deterministically.
    for entitlement in found:
        if entitlement.basis in (ActingBasis.OWNER, ActingBasis.CO_OWNER):
            return entitlement.basis.value, None
    first = found[0]
    return first.basis.value, uuid.UUID(first.grant_id)


async def _transfer(session: AsyncSession | None, vote: CastingVote, group_row: GroupRow) -> frozenset[str] | None:
    """R-ROLL-5: the new owner set when every unit of the frozen group passed to one other owner set, else None.

    If only some units changed hands, the group stays as frozen and its original owners keep the right. Titles
    change only with a new register version: while the roll's version is the latest, nothing can have passed.
    """
    if vote.latest_register_version_id == vote.register_version_id:
        return None
    current = await repository.current_owner_sets(session, vote.estate_id, group_row.unit_keys)
    if current is None or set(current) != set(group_row.unit_keys):
        return None
    owner_sets = set(current.values())
    if len(owner_sets) != 1:
        return None
    new_owners = next(iter(owner_sets))
    return new_owners if new_owners and new_owners != frozenset(group_row.owner_ids) else None


@dataclass(frozen=True, slots=True)
class BallotRows:
    """A ballot's rows as both casting paths write them, and the receipt the caster gets."""

    ballot: dict[str, Any]
    answer_marks: dict[str, tuple[Mark, ...]]
    """The ballot's marks by topic id; ``marks`` are their rows (``app.ballot.lean`` sends them as they are)."""
    area: int
    entry: dict[str, Any]
    receipt_body: dict[str, Any]
    """The receipt as the response carries it: ``Receipt.model_dump(mode="json")``, built as such."""

    @property
    def receipt(self) -> Receipt:
        return Receipt.model_validate(self.receipt_body)

    @property
    def marks(self) -> list[dict[str, Any]]:
        """One ``ballot_mark`` row per mark of each topic, in order, the group's area on each."""
        vote_id = self.ballot["vote_id"]
        return [
            {"topic_id": uuid.UUID(topic_id), "item": mark.item, "vote_id": vote_id, "answer": mark.answer,
             "area": self.area}
            for topic_id, topic_marks in self.answer_marks.items()
            for mark in topic_marks
        ]  # fmt: skip


RECEIPT_BASES = frozenset(
    {basis.value for basis in ActingBasis}.union(*(get_args(kind) for kind in get_args(BallotBasis)))
)
"""The bases a receipt names (``app.ballot.schemas.BallotBasis``: an acting basis, TRANSFEREE or PAPER_ENTRY)."""


def ballot_rows(
    vote_id: uuid.UUID,
    estate_id: uuid.UUID,
    group_row: GroupRow,
    answers: dict[str, Any],
    marks: dict[str, tuple[Mark, ...]],
    *,
    now: datetime,
    basis: str,
    grant_id: uuid.UUID | None,
    grant: str,
    channel: Channel,
    account_id: uuid.UUID | None,
    entered_by: str | None = None,
    scan_sha256: str | None = None,
    cast_at: datetime | None = None,
    idempotency_record: dict[str, Any] | None = None,
) -> BallotRows:
    """The ballot, its marks, its audit entry and the receipt; the idempotency record is completed in place, with
    the receipt as the response a retry gets.

    ``grant`` is the grant's per-vote pseudonym (``app.ledger.pseudonyms.grant_pseudonym``, ``""`` for none): the
    public entry never carries the permanent ``grant_id``, which the ballot row keeps."""
    cast_at = cast_at or now
    ballot_id, entry_id = uuid.uuid4(), uuid.uuid4()
    # each as text once: the commitment, the entry and the receipt carry the same strings
    vote_key, ballot_key, cast_at_text = str(vote_id), str(ballot_id), cast_at.isoformat()
    # R-PUB-2, R-LIFE-7: the log shows a hiding commitment under the group's per-vote pseudonym, never the answers.
    nonce = ballot_document.new_nonce()
    commitment = ballot_document.commitment(
        vote_id=vote_key, group=group_row.pseudonym, answers=answers, basis=basis, channel=channel.value,
        cast_at=cast_at_text, nonce=nonce, scan_sha256=scan_sha256,
    )  # fmt: skip
    ballot = {
        "id": ballot_id, "vote_id": vote_id, "group_id": group_row.group_id, "status": BallotStatus.COUNTED,
        "channel": channel, "answers": answers, "content_hash": commitment, "nonce": nonce,
        "cast_by_account_id": account_id, "basis": basis, "grant_id": grant_id, "entered_by": entered_by,
        "scan_sha256": scan_sha256, "cast_at": cast_at, "audit_entry_id": entry_id,
    }  # fmt: skip
    entry = audit_service.entry_values(
        entry_id,
        EventKind.BALLOT_CAST,
        {
            "ballot_id": ballot_key,
            ballot_document.group_member(group_row.pseudonym, group_row.group_id): group_row.pseudonym,
            "commitment": commitment,
            "basis": basis, "channel": channel.value, "cast_at": cast_at_text,
            "grant": grant,
            # R-TALLY-9: a paper ballot's scan hash is in its commitment and its entry (ballot document version 3)
            **({"scan_sha256": scan_sha256} if scan_sha256 is not None else {}),
        },
        estate_id=estate_id,
        vote_id=vote_id,
        at=now,
    )  # fmt: skip
    if basis not in RECEIPT_BASES:
        raise ValueError(f"no receipt names the basis {basis!r}")
    # ``Receipt(...).model_dump(mode="json")``, member for member and in its order, without the model (tests/ballot
    # checks the two agree): the response, and the idempotency record's body a retry gets.
    receipt = {
        "ballot_id": ballot_key, "vote_id": vote_key, "group_id": group_row.group_id,
        "group_pseudonym": group_row.pseudonym, "content_hash": commitment, "nonce": nonce,
        "audit_entry_id": str(entry_id), "cast_at": beijing_rfc3339(cast_at), "basis": basis,
        "status": BallotStatus.COUNTED.value,
    }  # fmt: skip
    if idempotency_record is not None:  # completed in place: the caster's response is this same body
        idempotency_record.update(status_code=201, body=receipt)
    return BallotRows(ballot, marks, group_row.area, entry, receipt)


async def insert_ballot(
    session: AsyncSession, rows: BallotRows, *, idempotency_record: dict[str, Any] | None = None
) -> Receipt | None:
    """Insert a ballot's rows (``ballot_rows``) and the idempotency record; None, and nothing written, if the group
    already has a counted ballot."""
    inserted = await repository.insert_ballot(session, rows.ballot, rows.marks, rows.entry, idempotency_record)
    if inserted is repository.Inserted.GROUP_HAS_BALLOT:
        return None
    if inserted is repository.Inserted.KEY_TAKEN:  # raising rolls the request's transaction back, ballot included
        raise IdempotencyKeyReused()
    grant_id = rows.ballot["grant_id"]
    if grant_id is not None:  # R-CAST-4: a used grant can no longer be revoked
        await session.execute(
            update(ActingGrant)
            .where(ActingGrant.id == grant_id, ActingGrant.used_at.is_(None))
            .values(used_at=rows.ballot["cast_at"])
        )
    return rows.receipt


async def receipt(session: AsyncSession, entry_id: uuid.UUID, account_id: uuid.UUID | None) -> audit_service.Inclusion:
    """The caster's proof that their ballot's entry is in the log; anyone else's request is answered 404."""
    if account_id is None or not await repository.cast_by(session, entry_id, account_id):
        raise ReceiptNotFound()
    return await audit_service.inclusion(session, entry_id, cosigned=True)


@dataclass(frozen=True, slots=True)
class CountedProof:
    """The caster's commitment, its audit path in the counted set signed at the close, and that entry's receipt."""

    vote_id: uuid.UUID
    commitment: str
    index: int
    proof: list[bytes]
    closed: audit_service.Inclusion


async def counted_proof(session: AsyncSession, entry_id: uuid.UUID, account_id: uuid.UUID | None) -> CountedProof:
    """The caster's proof that their ballot is in the counted set the close signed (R-REC-1); anyone else's
    request is answered 404, like the receipt."""
    ballot = None if account_id is None else await repository.ballot_cast_by(session, entry_id, account_id)
    if ballot is None:
        raise ReceiptNotFound()
    if ballot.status is not BallotStatus.COUNTED:
        raise BallotVoided()  # voided while the vote ran (R-TALLY-9): never in the counted set
    closed_id = await repository.closed_entry_id(session, ballot.vote_id)
    if closed_id is None:
        raise VoteNotYetClosed()
    closed = await audit_service.inclusion(session, closed_id, cosigned=True)
    if "counted" not in closed.document["payload"]:
        raise CountedSetNotLogged()
    # The same query the close hashed; the ballots are sealed since (the owner's check does not trust this).
    commitments = await repository.counted_commitments(session, ballot.vote_id)
    index, proof = completeness.counted_inclusion(commitments, ballot.content_hash)
    return CountedProof(ballot.vote_id, ballot.content_hash, index, proof, closed)
