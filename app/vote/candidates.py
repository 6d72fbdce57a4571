"""Committee candidates: nominated from the register, their conditions attested, the list acknowledged (R-CAND).

A draft election topic names each candidate by a unit of the estate's current register version and the owner's
position in it (R-CAND-1), never by free text: ``resolve`` turns the drafted lists into the published form (the
ballot item id and the masked name, R-CAND-9) and the restricted ``election_candidate`` rows that link the item to
the owner. The organiser records each condition as attested by its source with the document's SHA-256
(R-CAND-3..6) and the community Party organisation's acknowledgment of the list by its hash (Beijing Art. 40 ¶2,
R-CAND-8). ``check_before_publication`` refuses the notice when a candidate is no longer an owner on the roll
being frozen, an attested condition fails or is missing (R-CAND-7), or the list as it stands was not acknowledged.
Every step is logged with ballot item ids, record ids and hashes only (``app.ledger.events``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.committee import service as committee_service
from app.errors import NotFound
from app.ledger import events
from app.ledger.canonical import canonical_sha256
from app.register import repository as register_repository
from app.register.models import OwnershipEvidence, RegisterVersion
from app.rules.candidates import Attestation, Nomination, OwnerType, check_eligible, check_representative, check_source
from app.rules.elections import ElectionType
from app.rules.kinds import KINDS
from app.rules.publicity import SHANGHAI
from app.security.pii import mask_name
from app.vote import repository
from app.vote.errors import (
    AcknowledgmentDatesInvalid,
    AttestationDateInvalid,
    CandidateListNotAcknowledged,
    CandidateNotOnRoll,
    CandidateOwnerDuplicate,
    CandidateUnknown,
    NoRegister,
    NotAnElectionTopic,
)
from app.vote.models import CandidateAttestation, CandidateListAcknowledgment, ElectionCandidate, Topic, Vote
from app.vote.schemas import AcknowledgmentCreate, AttestationCreate

LIST_SCHEMA = "evote/candidate-list/1"
_LISTS = ("candidates", "alternate_candidates")


@dataclass(frozen=True, slots=True)
class Nominated:
    """A resolved candidate before its row is written."""

    candidate_id: str
    owner_id: uuid.UUID
    unit_key: str
    nominated_by: Nomination
    representative_name: str | None
    representative_authorisation_sha256: str | None


@dataclass(frozen=True, slots=True)
class CandidatesView:
    list_hash: str
    candidates: Sequence[tuple[ElectionCandidate, str]]  # the row and its masked published name
    attestations: Sequence[CandidateAttestation]
    acknowledgment: CandidateListAcknowledgment | None


def is_election(topic: Topic) -> bool:
    return KINDS[topic.kind].takes_election


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


async def resolve(
    session: AsyncSession, estate_id: uuid.UUID, election: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Nominated]]:
    """R-CAND-1/2: the drafted lists as published (ids and masked names) and the candidates behind them.

    A unit missing from the current register version, or an owner position beyond the unit's owners, is
    ``election.candidate_not_on_roll``; an organisation stands through its authorised person only (Art. 39 ¶2).
    """
    version = await register_repository.latest_version(session, estate_id)
    if version is None:
        raise NoRegister()
    drafted = [candidate for name in _LISTS for candidate in election.get(name) or []]
    units = await repository.units_by_key(session, version.id, (c["unit_key"] for c in drafted))
    nominated: list[Nominated] = []
    seen: set[tuple[uuid.UUID, str | None]] = set()
    published: dict[str, Any] = {}
    for name in _LISTS:
        entries = election.get(name)
        if entries is None:
            published[name] = None
            continue
        published[name] = []
        for candidate in entries:
            unit = units.get(candidate["unit_key"])
            position = int(candidate.get("owner", 1))
            # R-CAND-1 with R-COMM-4: an owner of record; a buyer of a unit the developer still holds (R-HEAD-4)
            # could never take the seat, so cannot stand for it
            if unit is None or unit.evidence is OwnershipEvidence.DEVELOPER or not 1 <= position <= len(unit.owners):
                raise CandidateNotOnRoll(candidate=candidate["id"])
            link = unit.owners[position - 1]
            representative = candidate.get("representative")
            check_representative(OwnerType(link.owner.kind.value), representative is not None)
            person = link.name if representative is None else str(representative["name"])
            key = (link.owner_id, None if representative is None else person)
            if key in seen:
                raise CandidateOwnerDuplicate(candidate=candidate["id"])
            seen.add(key)
            published[name].append({"id": candidate["id"], "name": mask_name(person)})
            nominated.append(
                Nominated(
                    candidate_id=str(candidate["id"]),
                    owner_id=link.owner_id,
                    unit_key=unit.unit_key,
                    nominated_by=Nomination(candidate["nominated_by"]),
                    representative_name=None if representative is None else person,
                    representative_authorisation_sha256=(
                        None if representative is None else str(representative["authorisation_sha256"])
                    ),
                )
            )
    rest = {key: value for key, value in election.items() if key not in (*_LISTS, "households")}
    return rest | published, nominated


async def with_sitting_committee(
    session: AsyncSession, estate_id: uuid.UUID, election: Mapping[str, Any], today: date
) -> dict[str, Any]:
    """R-ELEC-13: the sitting committee's figures come from the estate's 业委会 record in term ``today``, never
    from the request (a typed ``committee`` is ignored, as the households are, R-ELEC-12). A full election is
    measured against nothing (Art. 39 sizes the new committee); a by-election or an alternates-only election with
    no 业委会 in term has no figures and is refused (``rules.election_committee_required``)."""
    published = dict(election)
    published["committee"] = None
    if ElectionType(election.get("election_type", ElectionType.FULL)) is not ElectionType.FULL:
        committee = await committee_service.elected_committee_in_term(session, estate_id, today)
        if committee is not None:
            published["committee"] = committee_service.sitting_figures(committee).to_dict()
    return published


def list_hash(topic: Topic, rows: Sequence[ElectionCandidate]) -> str:
    """R-CAND-8: the list as acknowledged: each candidate's list, item id, masked name and nomination record (a new
    nomination is a new record, so any change of a candidate changes the hash)."""
    by_id = {row.candidate_id: row for row in rows}
    election = topic.election or {}
    document = {
        "schema": LIST_SCHEMA,
        "topic_id": str(topic.id),
        "election_type": election.get("election_type"),
        "lists": {
            name: [
                {
                    "id": entry["id"],
                    "name": entry["name"],
                    "nomination_id": str(by_id[entry["id"]].id) if entry["id"] in by_id else None,
                }
                for entry in election.get(name) or []
            ]
            for name in _LISTS
        },
    }
    return canonical_sha256(document)


async def replace_nominations(
    session: AsyncSession, vote: Vote, topic: Topic, nominated: Sequence[Nominated], version_id: uuid.UUID
) -> None:
    """Write the topic's candidates anew and log them (R-CAND-1/2); attestations of an owner stay valid for the
    same candidate and owner."""
    await repository.delete_candidates(session, topic.id)
    rows = [
        ElectionCandidate(
            id=uuid.uuid4(),
            topic_id=topic.id,
            candidate_id=n.candidate_id,
            owner_id=n.owner_id,
            register_version_id=version_id,
            unit_key=n.unit_key,
            nominated_by=n.nominated_by,
            representative_name=n.representative_name,
            representative_authorisation_sha256=n.representative_authorisation_sha256,
        )
        for n in nominated
    ]
    session.add_all(rows)
    await session.flush()
    await audit_service.append(
        session,
        events.election_candidates_nominated(
            topic_id=topic.id,
            list_hash=list_hash(topic, rows),
            nominees=[
                events.Nominee(row.candidate_id, row.id, row.nominated_by.value, row.representative_name is not None)
                for row in rows
            ],
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )


async def nominate(session: AsyncSession, vote: Vote, topic: Topic, nominated: Sequence[Nominated]) -> None:
    version = await register_repository.latest_version(session, vote.estate_id)
    assert version is not None  # noqa: S101 - resolve() found it in this transaction
    await replace_nominations(session, vote, topic, nominated, version.id)


async def drop_nominations(session: AsyncSession, topic: Topic) -> None:
    """A topic that is no longer an election keeps no candidates."""
    await repository.delete_candidates(session, topic.id)


def _election_topic(vote: Vote, topic_id: uuid.UUID) -> Topic:
    for topic in vote.topics:
        if topic.id == topic_id:
            if not is_election(topic):
                raise NotAnElectionTopic()
            return topic
    raise NotFound(what="topic")


async def view(session: AsyncSession, vote: Vote, topic_id: uuid.UUID) -> CandidatesView:
    topic = _election_topic(vote, topic_id)
    rows = await repository.candidates_of(session, topic.id)
    names = {entry["id"]: entry["name"] for name in _LISTS for entry in (topic.election or {}).get(name) or []}
    current = list_hash(topic, rows)
    acknowledged = [a for a in await repository.acknowledgments_of(session, topic.id) if a.list_hash == current]
    return CandidatesView(
        list_hash=current,
        candidates=[(row, names.get(row.candidate_id, "*")) for row in rows],
        attestations=await repository.attestations_of(session, topic.id),
        acknowledgment=acknowledged[-1] if acknowledged else None,
    )


async def attest(
    session: AsyncSession, vote: Vote, topic_id: uuid.UUID, candidate_id: str, body: AttestationCreate, *,
    recorded_by: str, now: datetime,
) -> CandidateAttestation:  # fmt: skip
    """R-CAND-3..6: one condition of a candidate, by the source able to know it, with the document's hash."""
    topic = _election_topic(vote, topic_id)
    rows = {row.candidate_id: row for row in await repository.candidates_of(session, topic.id)}
    if candidate_id not in rows:
        raise CandidateUnknown(candidate=candidate_id)
    check_source(body.criterion, body.source)
    if body.attested_on > _today(now):
        raise AttestationDateInvalid(attested_on=body.attested_on.isoformat())
    attestation = CandidateAttestation(
        id=uuid.uuid4(),
        topic_id=topic.id,
        sequence=await repository.next_attestation_sequence(session, topic.id),
        candidate_id=candidate_id,
        owner_id=rows[candidate_id].owner_id,
        criterion=body.criterion,
        finding=body.finding,
        source=body.source,
        document_sha256=body.document_sha256,
        attested_on=body.attested_on,
        recorded_by=recorded_by,
        created_at=now.astimezone(UTC),
    )
    session.add(attestation)
    await session.flush()
    await audit_service.append(
        session,
        events.election_candidate_attested(
            topic_id=topic.id,
            attestation_id=attestation.id,
            candidate_id=candidate_id,
            criterion=body.criterion.value,
            finding=body.finding.value,
            source=body.source.value,
            document_sha256=body.document_sha256,
            attested_on=body.attested_on.isoformat(),
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    return attestation


async def acknowledge(
    session: AsyncSession, vote: Vote, topic_id: uuid.UUID, body: AcknowledgmentCreate, *, recorded_by: str,
    now: datetime,
) -> CandidateListAcknowledgment:  # fmt: skip
    """R-CAND-8 / Art. 40 ¶2: the list as it stands now, submitted to and acknowledged by the community Party
    organisation (the receipt by its hash)."""
    topic = _election_topic(vote, topic_id)
    if not body.submitted_on <= body.acknowledged_on <= _today(now):
        raise AcknowledgmentDatesInvalid(
            submitted_on=body.submitted_on.isoformat(), acknowledged_on=body.acknowledged_on.isoformat()
        )
    current = list_hash(topic, await repository.candidates_of(session, topic.id))
    acknowledgment = CandidateListAcknowledgment(
        id=uuid.uuid4(),
        topic_id=topic.id,
        list_hash=current,
        submitted_on=body.submitted_on,
        acknowledged_on=body.acknowledged_on,
        receipt_sha256=body.receipt_sha256,
        recorded_by=recorded_by,
        created_at=now.astimezone(UTC),
    )
    session.add(acknowledgment)
    await session.flush()
    await audit_service.append(
        session,
        events.election_candidate_list_acknowledged(
            topic_id=topic.id,
            list_hash=current,
            submitted_on=body.submitted_on.isoformat(),
            acknowledged_on=body.acknowledged_on.isoformat(),
            receipt_sha256=body.receipt_sha256,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
    )
    return acknowledgment


async def check_before_publication(session: AsyncSession, vote: Vote, version: RegisterVersion, today: date) -> None:
    """R-CAND-1, R-CAND-7, R-CAND-8 at publication, R-ELEC-12: the households of the roll being frozen, and
    R-ELEC-13: the sitting committee's figures re-read from its record on the day of publication.

    Each listed candidate must have a nomination whose owner still owns a unit of ``version``, every condition
    attested and met for that owner, and the list as it stands acknowledged by the Party organisation. The
    election method is then completed with the roll's residential units and checked against Art. 39.
    """
    households: int | None = None
    for topic in vote.topics:
        if not is_election(topic):
            continue
        rows = {row.candidate_id: row for row in await repository.candidates_of(session, topic.id)}
        election = topic.election or {}
        listed = [entry["id"] for name in _LISTS for entry in election.get(name) or []]
        owners = await repository.owners_in_version(session, version.id, (row.owner_id for row in rows.values()))
        attestations = await repository.attestations_of(session, topic.id)
        for candidate_id in listed:
            row = rows.get(candidate_id)
            if row is None or row.owner_id not in owners:
                raise CandidateNotOnRoll(candidate=candidate_id)
            check_eligible(
                candidate_id,
                [
                    Attestation(a.criterion, a.finding, a.sequence)
                    for a in attestations
                    if a.candidate_id == candidate_id and a.owner_id == row.owner_id
                ],
            )
        current = list_hash(topic, list(rows.values()))
        if not any(a.list_hash == current for a in await repository.acknowledgments_of(session, topic.id)):
            raise CandidateListNotAcknowledged(topic=topic.title)
        if households is None:
            households = await repository.residential_unit_count(session, version.id)
        election = await with_sitting_committee(session, vote.estate_id, election, today)  # R-ELEC-13
        topic.election = KINDS[topic.kind].with_households(election, households)  # R-ELEC-12, Art. 39
