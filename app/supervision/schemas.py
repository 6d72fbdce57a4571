"""Request and response bodies of the supervision API and the street office's jurisdiction view.

Nothing here carries an owner's name, ID number or phone number; turnout is participation only (R-LIFE-7).
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from app.common.schemas import Command, Instant, RatesRead, ReadModel, WeightRead
from app.rules.lifecycle import DecisionStatus, VoteDecisionStatus, VoteStatus
from app.rules.publicity import CalendarSource
from app.supervision.models import SupervisionAction, SupervisionKind
from app.supervision.service import (
    Acted,
    DecisionOverview,
    EstateOverview,
    OrderState,
    Overview,
    VoteOverview,
    VoteSupervision,
)

Reason = Field(min_length=1, max_length=4000, description="Why: the facts and the rule breached")
DocumentRef = Field(
    min_length=1, max_length=200, description="The written decision document, e.g. 「朝东街发〔2025〕12号」"
)


class SupervisionCommand(Command):
    """Suspension and termination (R-SUP-1, R-SUP-6; Beijing Arts. 8, 51)."""

    reason: str = Reason
    document_ref: str = DocumentRef


class ResumptionCommand(Command):
    """R-SUP-5: the vote resumes until ``ends_at``, at least the current end plus the suspended time."""

    reason: str = Reason
    document_ref: str = DocumentRef
    ends_at: AwareDatetime = Field(
        description="The new end (exclusive instant with offset, whole seconds): at least the current end plus the "
        "time from the suspension to now; announced to all owners"
    )


TopicId = Field(description="The topic whose decision is revoked (R-SUP-7); the vote's other decisions stand")


class RevocationCommand(Command):
    """R-SUP-7: the street office revokes one topic's decision (Beijing Art. 51 「撤销其决定」)."""

    topic_id: uuid.UUID = TopicId
    reason: str = Reason
    document_ref: str = DocumentRef


class CorrectionOrderCreate(Command):
    """责令限期改正: the correction is due before ``deadline`` (exclusive)."""

    reason: str = Reason
    document_ref: str = DocumentRef
    deadline: AwareDatetime = Field(description="Instant with offset, later than now")


class CourtRevocationCreate(Command):
    """R-SUP-3, R-SUP-7: a judgment revoking one topic's decision (CC Art. 280 ¶2 「撤销该决定」; SPC Art. 12)."""

    topic_id: uuid.UUID = TopicId

    judgment_ref: str = Field(
        min_length=1, max_length=200, description="The judgment number, e.g. (2025)京0105民初123号"
    )
    reason: str = Reason


class SupervisionActionRead(ReadModel):
    id: uuid.UUID
    vote_id: uuid.UUID
    estate_id: uuid.UUID
    kind: SupervisionKind
    reason: str
    document_ref: str = Field(description="The written decision document or, for a court, the judgment number")
    deadline: Instant | None
    follows_id: uuid.UUID | None = Field(description="Follow-ups: the correction order they conclude")
    topic_id: uuid.UUID | None = Field(
        None,
        description="Revocations (R-SUP-7): the topic whose decision is revoked; none on a whole-vote "
        "revocation recorded before per-decision revocation",
    )
    ends_before: Instant | None = Field(None, description="Resumptions (R-SUP-5): the end before the resumption")
    ends_after: Instant | None = Field(None, description="Resumptions (R-SUP-5): the new end announced to owners")
    suspended_seconds: int | None = Field(None, description="Resumptions (R-SUP-5): how long the vote was suspended")
    acted_by: str
    acted_at: Instant
    content_sha256: str = Field(description="SHA-256 of the RFC 8785 canonical content (also in the audit log)")
    audit_entry_id: uuid.UUID

    @classmethod
    def of(cls, action: SupervisionAction) -> SupervisionActionRead:
        return cls.from_attributes_of(action, kind=action.kind.value)


class SupervisionResultRead(BaseModel):
    """The recorded act, the vote's status after it, and the notice sent to the owners."""

    action: SupervisionActionRead
    vote_status: VoteStatus = Field(description="Stored status after the act")
    effective_status: VoteStatus = Field(description="Status at the request instant (the clock moves OPEN → CLOSED)")
    notice_id: uuid.UUID | None = Field(description="The notice published to the owners (none for a follow-up)")
    ends_at: Instant = Field(description="The window's end in force after the act (R-SUP-5: extended on resumption)")
    decision_status: DecisionStatus | None = Field(
        None, description="Revocations (R-SUP-7): the revoked topic's decision status after the act"
    )

    @classmethod
    def of(cls, acted: Acted) -> SupervisionResultRead:
        return cls(
            action=SupervisionActionRead.of(acted.action),
            vote_status=acted.vote.status.value,
            effective_status=acted.status,
            notice_id=acted.notice_id,
            ends_at=acted.vote.ends_at,
            decision_status=acted.decision_status,
        )


class CorrectionOrderRead(BaseModel):
    order: SupervisionActionRead
    state: Literal["OPEN", "FOLLOWED_UP", "SUPERSEDED"] = Field(
        description="OPEN, FOLLOWED_UP, or SUPERSEDED (the decision was revoked)"
    )
    overdue: bool = Field(description="OPEN and at or past its deadline")
    follow_up: SupervisionActionRead | None

    @classmethod
    def of(cls, item: OrderState) -> CorrectionOrderRead:
        return cls(
            order=SupervisionActionRead.of(item.order),
            state=item.state,
            overdue=item.overdue,
            follow_up=SupervisionActionRead.of(item.follow_up) if item.follow_up else None,
        )


class VoteSupervisionRead(BaseModel):
    vote_id: uuid.UUID
    status: VoteStatus = Field(description="Effective status (SUSPENDED, TERMINATED, …)")
    actions: list[SupervisionActionRead]
    correction_orders: list[CorrectionOrderRead]

    @classmethod
    def of(cls, record: VoteSupervision) -> VoteSupervisionRead:
        return cls(
            vote_id=record.vote.id,
            status=record.status,
            actions=[SupervisionActionRead.of(action) for action in record.actions],
            correction_orders=[CorrectionOrderRead.of(item) for item in record.orders],
        )


# --- jurisdiction view ----------------------------------------------------------------------------------------


class EstateOverviewRead(BaseModel):
    estate_id: uuid.UUID
    name: str
    community_id: uuid.UUID
    community_name: str
    pending_identity_reviews: int = Field(description="Manual verification requests awaiting a decision")
    last_vote_closed_at: Instant | None
    regular_meeting_overdue: bool = Field(description="R-LIFE-11: no vote closed in the last 12 months")

    @classmethod
    def of(cls, item: EstateOverview) -> EstateOverviewRead:
        return cls(
            estate_id=item.estate.id,
            name=item.estate.name,
            community_id=item.community.id,
            community_name=item.community.name,
            pending_identity_reviews=item.pending_identity_reviews,
            last_vote_closed_at=item.last_vote_closed_at,
            regular_meeting_overdue=item.regular_meeting_overdue,
        )


class VoteOverviewRead(ReadModel):
    """R-LIFE-7: participation only, never per-option counts."""

    vote_id: uuid.UUID
    estate_id: uuid.UUID
    title: str
    status: VoteStatus
    effective_status: VoteStatus
    starts_at: Instant
    ends_at: Instant
    total: WeightRead
    participating: WeightRead
    participation_rate: RatesRead

    @classmethod
    def of(cls, item: VoteOverview) -> VoteOverviewRead:
        return cls.from_attributes_of(
            item.vote,
            vote_id=item.vote.id,
            status=item.vote.status.value,
            effective_status=item.status,
            total=WeightRead.of(item.total),
            participating=WeightRead.of(item.participating),
            participation_rate=RatesRead.of(item.participating, item.total),
        )


class DecisionOverviewRead(ReadModel):
    """R-LIFE-8 deadlines and flags; the publication instant is the evidence for SPC Art. 12's one year."""

    vote_id: uuid.UUID
    estate_id: uuid.UUID
    title: str
    effective_status: VoteStatus
    decision_status: VoteDecisionStatus = Field(
        description="Summary over the topics (R-SUP-7): PENDING (not published yet), NO_DECISION, IN_FORCE, "
        "PARTLY_REVOKED, REVOKED_BY_STREET_OFFICE, REVOKED_BY_COURT or REVOKED (every decision, by both)"
    )
    closed_at: Instant
    result_published_at: Instant | None
    app_deadline: Instant = Field(description="End of the next working day (app standard, exclusive)")
    legal_deadline: Instant = Field(description="Beijing Art. 37(2): 3 days after the decision (exclusive)")
    flags: list[str] = Field(description="LATE_APP_STANDARD, PAST_LEGAL_DEADLINE")
    calendar: CalendarSource = Field(
        description="PROVISIONAL: the deadlines count only the fixed-date holidays for a year without the State "
        "Council's holiday notice and may move once it is out"
    )

    @classmethod
    def of(cls, item: DecisionOverview) -> DecisionOverviewRead:
        return cls.from_attributes_of(
            item.vote,
            vote_id=item.vote.id,
            effective_status=item.status,
            decision_status=item.decision_status,
            closed_at=item.vote.closed_at or item.vote.ends_at,
            app_deadline=item.publication.app_deadline,
            legal_deadline=item.publication.legal_deadline,
            flags=[flag.value for flag in item.publication.flags],
            calendar=item.publication.calendar,
        )


class OverdueOrderRead(ReadModel):
    order_id: uuid.UUID
    vote_id: uuid.UUID
    estate_id: uuid.UUID
    document_ref: str
    deadline: Instant
    acted_at: Instant

    @classmethod
    def of(cls, item: OrderState) -> OverdueOrderRead:
        return cls.from_attributes_of(item.order, order_id=item.order.id)


class StreetOfficeOverviewRead(BaseModel):
    street_office_id: uuid.UUID
    as_of: Instant
    regular_meeting_cutoff: Instant = Field(
        description="R-LIFE-11: a vote closed at or after this instant counts as a meeting in the last 12 months"
    )
    estates: list[EstateOverviewRead]
    votes: list[VoteOverviewRead] = Field(description="Published votes with effective status and live turnout")
    decisions: list[DecisionOverviewRead] = Field(description="Closed votes with their R-LIFE-8 deadlines and flags")
    late_results: list[DecisionOverviewRead] = Field(
        description="R-LIFE-8: decisions whose result was (or still is not) published by a deadline"
    )
    regular_meeting_overdue: list[uuid.UUID] = Field(description="R-LIFE-11: estates without a meeting in 12 months")
    overdue_correction_orders: list[OverdueOrderRead] = Field(
        description="Correction orders at or past their deadline without a follow-up"
    )

    @classmethod
    def of(cls, overview: Overview) -> StreetOfficeOverviewRead:
        decisions = [DecisionOverviewRead.of(item) for item in overview.decisions]
        return cls(
            street_office_id=overview.street_office_id,
            as_of=overview.as_of,
            regular_meeting_cutoff=overview.regular_meeting_cutoff,
            estates=[EstateOverviewRead.of(item) for item in overview.estates],
            votes=[VoteOverviewRead.of(item) for item in overview.votes],
            decisions=decisions,
            late_results=[item for item in decisions if item.flags],
            regular_meeting_overdue=[item.estate.id for item in overview.estates if item.regular_meeting_overdue],
            overdue_correction_orders=[OverdueOrderRead.of(item) for item in overview.overdue_orders],
        )
