"""Response bodies for turnout, results, per-unit ballots and a voter's own ballot.

Exact integers always travel with their display strings (R-NUM-4); areas are 0.01 m² units (R-NUM-1) with
``area_m2`` for people. Nothing here carries a name, an ID number or a phone number (R-PUB-1, R-PI-5).
"""

from __future__ import annotations

import uuid
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.ballot.models import Ballot, BallotStatus, Channel
from app.ballot.schemas import BallotBasis, CastAnswers
from app.common.schemas import Instant, RatesRead, ReadModel, UnitRef, WeightRead
from app.objection.schemas import ObjectionEvidenceRead
from app.result.repository import UnitPlace
from app.result.service import Decision, GroupBallots, PublishedResult, Turnout
from app.rules import labels
from app.rules.categories import Category
from app.rules.choices import Outcome
from app.rules.counts import Weight
from app.rules.elections import ElectionOutcome
from app.rules.kinds import TopicKind
from app.rules.lifecycle import DecisionStatus, VoteDecisionStatus, VoteStatus
from app.rules.numeric import area_display
from app.rules.publicity import CalendarSource
from app.rules.tally import reason_in_m2
from app.supervision import service as supervision_service
from app.supervision.models import SupervisionAction
from app.vote.models import Topic

TopicOutcome = Outcome | ElectionOutcome
"""A topic's outcome: a motion's (PASSED, REJECTED, NO_QUORUM, NO_DECISION) or an election's (DECIDED,
TIE_UNRESOLVED, NO_QUORUM)."""


class TurnoutRead(BaseModel):
    """R-LIFE-7: participation only; per-option counts stay sealed until close."""

    vote_id: uuid.UUID
    status: VoteStatus = Field(description="Effective status at `as_of` (the clock moves OPEN → CLOSED)")
    as_of: Instant
    starts_at: Instant
    ends_at: Instant
    total: WeightRead
    participating: WeightRead
    not_participating: WeightRead
    participation_rate: RatesRead

    @classmethod
    def of(cls, turnout: Turnout) -> TurnoutRead:
        part, total = turnout.participating, turnout.total
        rest = Weight(total.heads - part.heads, total.area - part.area)
        return cls(
            vote_id=turnout.vote.id,
            status=turnout.status,
            as_of=turnout.as_of,
            starts_at=turnout.vote.starts_at,
            ends_at=turnout.vote.ends_at,
            total=WeightRead.of(total),
            participating=WeightRead.of(part),
            not_participating=WeightRead.of(rest),
            participation_rate=RatesRead.of(part, total),
        )


class TopicOutcomeRead(BaseModel):
    topic_id: uuid.UUID
    outcome: TopicOutcome
    evidence_sha256: str


class DecisionRead(ReadModel):
    vote_id: uuid.UUID
    status: VoteStatus
    closed_at: Instant | None
    decided_at: Instant | None
    result_published_at: Instant | None
    topics: list[TopicOutcomeRead]

    @classmethod
    def of(cls, decision: Decision) -> DecisionRead:
        vote = decision.vote
        return cls.from_attributes_of(
            vote,
            vote_id=vote.id,
            status=vote.status.value,
            topics=[
                TopicOutcomeRead(topic_id=row.topic_id, outcome=row.outcome, evidence_sha256=row.evidence_sha256)
                for row in decision.results
            ],
        )


class UnitPlaceRead(UnitRef):
    """A unit by its key, building, entrance and room with its voting area (R-PUB-1): no owner data."""

    area: int
    area_m2: str

    @classmethod
    def of(cls, place: UnitPlace) -> UnitPlaceRead:
        return cls(
            unit_key=place.unit_key,
            building=place.building,
            entrance=place.entrance,
            room=place.room,
            area=place.area,
            area_m2=area_display(place.area),
        )


class TopicResultRead(BaseModel):
    topic_id: uuid.UUID
    position: int = Field(description="1-based place in the notice, as in the vote (`GET /votes/{id}`)")
    title: str
    kind: TopicKind
    category: Category
    outcome: TopicOutcome
    evidence: dict[str, Any] = Field(
        description="The law core's result: every numerator and denominator, formulas, outcome, reasons zh/en "
        "(R-TALLY-10)"
    )
    evidence_sha256: str = Field(description="SHA-256 of the RFC 8785 canonical evidence")
    reason_zh: str = Field(
        default="",
        description="Why, in Chinese, with areas in square metres (参与表决面积 544.50/900.00 平方米 ≥ 2/3); the "
        "evidence's own `reason_zh` keeps the signed 0.01 m² integers",
    )
    reason_en: str = Field(default="", description="The same in English (Participating area 544.50/900.00 m² …)")
    decided_at: Instant
    decision_status: DecisionStatus | None = Field(
        default=None,
        description="R-SUP-7: this topic's decision IN_FORCE, REVOKED_BY_STREET_OFFICE or REVOKED_BY_COURT; null "
        "when the outcome decided nothing (NO_QUORUM, REJECTED, NO_DECISION), so there is nothing to revoke. The "
        "outcome and evidence stay as decided",
    )
    outcome_zh: str = Field(default="", description="The outcome in Chinese (通过, 未通过, …), beside the code")
    decision_status_zh: str | None = Field(
        default=None, description="The decision status in Chinese, beside the code (None when it decided nothing)"
    )
    answers_zh: dict[str, str] = Field(
        default_factory=dict,
        description="Every answer code of this topic (AGREE, OPPOSE, ABSTAIN, option and candidate ids) → its "
        "Chinese word or label, to read the evidence's counts",
    )
    revocation: RevocationRead | None = Field(None, description="The act that revoked this topic's decision")


class RevocationRead(ReadModel):
    """R-SUP-1 / R-SUP-3 / R-SUP-7: who revoked which decision, on which written decision or judgment, and why."""

    kind: Literal["REVOCATION", "COURT_REVOCATION"] = Field(
        description="REVOCATION (street office / district authority) or COURT_REVOCATION"
    )
    topic_id: uuid.UUID | None = Field(
        description="The topic whose decision was revoked; null on a whole-vote revocation recorded before R-SUP-7"
    )
    decision_status: DecisionStatus
    document_ref: str = Field(description="The written decision document, or the judgment number")
    reason: str
    acted_by: str
    acted_at: Instant
    content_sha256: str
    audit_entry_id: uuid.UUID

    @classmethod
    def of(cls, action: SupervisionAction) -> RevocationRead:
        return cls.from_attributes_of(
            action, kind=action.kind.value, decision_status=supervision_service.revoked_status(action).value
        )


TopicResultRead.model_rebuild()


class PublicationRead(BaseModel):
    """R-LIFE-8: decision date, deadlines and lateness flags."""

    decision_date: date = Field(description="The Asia/Shanghai calendar date of the close")
    app_deadline: Instant = Field(description="End of the next working day (app standard, exclusive)")
    legal_deadline: Instant = Field(description="Beijing Art. 37(2): 3 days after the decision (exclusive)")
    published_at: Instant | None = None
    flags: list[str]
    calendar: CalendarSource = Field(
        CalendarSource.STATE_COUNCIL,
        description="PROVISIONAL: a day the deadlines depend on lies in a year without the State Council's holiday "
        "notice, so they count only the fixed-date holidays and may move once the notice is out",
    )


class ResultRead(ReadModel):
    vote_id: uuid.UUID
    title: str
    status: VoteStatus
    closed_at: Instant | None
    decided_at: Instant | None
    result_published_at: Instant | None
    roll_hash: str | None
    total: WeightRead
    participating: WeightRead
    participation_rate: RatesRead
    topics: list[TopicResultRead]
    participating_units_count: int = Field(
        description="R-PUB-1: how many units took part; the units themselves (building, entrance, room and area "
        "only), a page at a time: `GET /votes/{vote_id}/result/units`"
    )
    publication: PublicationRead
    decision_status: VoteDecisionStatus = Field(
        description="Summary over the topics (R-SUP-7): IN_FORCE, PARTLY_REVOKED, NO_DECISION, "
        "REVOKED_BY_STREET_OFFICE, REVOKED_BY_COURT or REVOKED (every decision, by both); each topic carries its own"
    )
    status_zh: str = Field(default="", description="The status in Chinese, beside the code")
    decision_status_zh: str = Field(default="", description="The decision status in Chinese, beside the code")
    revocations: list[RevocationRead] = Field(description="Every revocation of a decision of the vote, oldest first")
    roll_objections: ObjectionEvidenceRead = Field(
        description="R-ROLL-7: objections to the roll, by id: those never answered, answered only after voting "
        "opened, or accepted without a re-published roll (their texts stay restricted)"
    )

    @classmethod
    def of(cls, published: PublishedResult) -> ResultRead:
        vote = published.vote
        return cls.from_attributes_of(
            vote,
            vote_id=vote.id,
            status=published.status,
            total=WeightRead.of(published.total),
            participating=WeightRead.of(published.participating),
            participation_rate=RatesRead.of(published.participating, published.total),
            topics=[
                TopicResultRead(
                    topic_id=item.topic.id,
                    position=position,
                    title=item.topic.title,
                    kind=item.topic.kind.value,
                    category=item.topic.category.value,
                    outcome=item.result.outcome,
                    evidence=item.result.evidence,
                    evidence_sha256=item.result.evidence_sha256,
                    reason_zh=reason_in_m2(item.result.evidence, "zh"),
                    reason_en=reason_in_m2(item.result.evidence, "en"),
                    decided_at=item.result.decided_at,
                    decision_status=item.decision_status,
                    revocation=None if item.revocation is None else RevocationRead.of(item.revocation),
                    outcome_zh=labels.zh(labels.OUTCOMES, item.result.outcome),
                    decision_status_zh=(
                        None
                        if item.decision_status is None
                        else labels.zh(labels.DECISION_STATUSES, item.decision_status)
                    ),
                    answers_zh=answer_labels(item.topic),
                )
                for position, item in enumerate(sorted(published.topics, key=lambda t: t.topic.position), start=1)
            ],
            participating_units_count=len(published.units),
            publication=PublicationRead.model_validate(published.publication.to_dict()),
            decision_status=published.decision_status,
            status_zh=labels.zh(labels.VOTE_STATUSES, published.status),
            decision_status_zh=labels.zh(labels.DECISION_STATUSES, published.decision_status),
            revocations=[RevocationRead.of(action) for action in published.revocations],
            roll_objections=ObjectionEvidenceRead.model_validate(published.roll_objections.to_dict()),
        )


def _zh_or_none(table: MappingProxyType[str, str], code: str | None) -> str | None:
    return None if code is None else labels.zh(table, code)


def answer_labels(topic: Topic) -> dict[str, str]:
    """Every answer a topic's evidence counts → its Chinese word: the fixed answers (R-TALLY-1, R-TALLY-6) and the
    topic's options and candidates by their published labels and names (R-MULTI-1, R-ELEC)."""
    words = labels.answer_words(labels.ANSWERS)
    for option in topic.options or []:
        words[str(option["id"])] = str(option["label"])
    election = topic.election or {}
    for candidate in [*(election.get("candidates") or []), *(election.get("alternate_candidates") or [])]:
        words[str(candidate["id"])] = str(candidate["name"])
    return words


class BallotRead(ReadModel):
    """One ballot as cast, without who cast it beyond the legal basis (R-PUB-2, R-REC-1)."""

    ballot_id: uuid.UUID
    status: BallotStatus
    void_reason: str | None
    channel: Channel
    basis: BallotBasis
    cast_at: Instant
    content_hash: str
    answers: CastAnswers = Field(description="Topic id → answer, exactly as cast (`PaperTopicAnswer`)")
    audit_entry_id: uuid.UUID | None = Field(description="The ballot's log entry: `GET /receipts/{audit_entry_id}`")
    status_zh: str = Field(default="", description="The status in Chinese, beside the code")
    basis_zh: str = Field(default="", description="The basis in Chinese (业主本人, 法定代表人, 委托代理人, …)")

    @classmethod
    def of(cls, ballot: Ballot) -> BallotRead:
        return cls.from_attributes_of(
            ballot,
            ballot_id=ballot.id,
            status=ballot.status.value,
            channel=ballot.channel.value,
            status_zh=labels.zh(labels.BALLOT_STATUSES, ballot.status.value),
            basis_zh=labels.zh(labels.BASES, ballot.basis),
        )


class GroupBallotsRead(BaseModel):
    group_id: str
    area: int
    area_m2: str
    units: list[UnitPlaceRead]
    ballots: list[BallotRead]

    @classmethod
    def of(cls, item: GroupBallots) -> GroupBallotsRead:
        return cls(
            group_id=item.group.group_id,
            area=item.group.area,
            area_m2=area_display(item.group.area),
            units=[UnitPlaceRead.of(place) for place in item.units],
            ballots=[BallotRead.of(ballot) for ballot in item.ballots],
        )


class UnitPlacePage(BaseModel):
    """A page of the result's participating units (R-PUB-1), in unit-key order."""

    items: list[UnitPlaceRead]
    next_cursor: str | None = None


class UnitBallotsPage(BaseModel):
    items: list[GroupBallotsRead]
    next_cursor: str | None = None


class MyBallotRead(BaseModel):
    vote_id: uuid.UUID
    groups: list[GroupBallotsRead] = Field(
        description="The caller's voter groups in the roll (R-HEAD-3: maybe several)"
    )
