from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from app.common.schemas import Command, Instant, ReadModel
from app.rules.candidates import Criterion, Finding, Nomination, Source
from app.rules.categories import Category, MatterItem
from app.rules.elections import ElectionType
from app.rules.kinds import TopicKind
from app.rules.lifecycle import VoteStatus
from app.rules.numeric import area_display
from app.rules.publicity import MIN_WINDOW_DAYS, ExtensionWhen
from app.vote.models import OrganiserKind, VotingMethod

ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
UnitKey = Annotated[str, Field(min_length=1, max_length=220)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
NoticeText = Annotated[str, Field(max_length=100_000)]
TopicText = Annotated[str, Field(min_length=1, max_length=100_000)]
PlaceText = Annotated[str, Field(min_length=1, max_length=2000)]


# --- Commands ---


class ExtensionRuleBody(Command):
    """R-LIFE-6: the only extensions ever allowed are those the original notice states."""

    max_times: int = Field(ge=1, le=10)
    max_days_each: int = Field(ge=1, le=90)
    when: ExtensionWhen


class VoteCreate(Command):
    title: Title
    organiser_kind: OrganiserKind = Field(description="R-LIFE-1; STREET_OFFICE only for the street office")
    voting_method: VotingMethod = Field(default=VotingMethod.ONLINE, description="R-TALLY-9: PAPER/MIXED recorded")
    starts_at: AwareDatetime = Field(description="Aware ISO-8601 instant; stored to the second (R-LIFE-3)")
    ends_at: AwareDatetime = Field(description="Exclusive end, e.g. 24:00 of the last day (R-LIFE-5)")
    min_window_days: int = Field(default=MIN_WINDOW_DAYS, ge=1, le=366, description="R-LIFE-5: at least 7")
    extension_rule: ExtensionRuleBody | None = None
    scope_units: list[UnitKey] | None = Field(
        default=None, min_length=1, max_length=100_000, description="R-ROLL-4: unit keys; omit for the whole estate"
    )
    proxies_allowed: bool = True
    notice_text: NoticeText = ""
    paper_ballot_place: PlaceText | None = Field(
        default=None, description="R-NOTICE-1: where and when paper ballots are received; required for PAPER/MIXED"
    )
    roll_inspection_place: PlaceText | None = Field(
        default=None, description="R-NOTICE-1: where owners may also read the roll on site"
    )


class VoteUpdate(Command):
    """Fields to change on a draft; ``null`` clears ``extension_rule`` and ``scope_units``."""

    title: Title | None = None
    organiser_kind: OrganiserKind | None = None
    voting_method: VotingMethod | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    min_window_days: int | None = Field(default=None, ge=1, le=366)
    extension_rule: ExtensionRuleBody | None = None
    scope_units: list[UnitKey] | None = Field(default=None, min_length=1, max_length=100_000)
    proxies_allowed: bool | None = None
    notice_text: NoticeText | None = None
    paper_ballot_place: PlaceText | None = None
    roll_inspection_place: PlaceText | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        nullable = {"extension_rule", "scope_units", "paper_ballot_place", "roll_inspection_place"}
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ThresholdBody(Command):
    num: int = Field(ge=0, le=1_000_000)
    den: int = Field(ge=1, le=1_000_000)
    strict: bool = Field(description="true: more than (过半数); false: at least (以上)")

    @model_validator(mode="after")
    def _proper_fraction(self) -> Self:
        if self.num > self.den:
            raise ValueError("num must not exceed den")
        return self


class RuleBody(Command):
    """R-CAT-4: thresholds from the rules of procedure, never looser than Civil Code Art. 278; omitted = statutory."""

    quorum: ThresholdBody | None = None
    approval: ThresholdBody | None = None


class OptionBody(Command):
    id: ItemId
    label: str = Field(min_length=1, max_length=500)


class RepresentativeBody(Command):
    """An organisation owner's authorised natural person (Beijing Art. 39 ¶2, R-CAND-1)."""

    name: str = Field(min_length=1, max_length=100, description="Kept restricted; published masked")
    authorisation_sha256: Sha256 = Field(description="SHA-256 of the letter of authorisation (授权委托书)")


class CandidateBody(Command):
    """A candidate nominated from the register (R-CAND-1): an owner of a unit of the estate's current register
    version, never free text; the published list shows the masked name only."""

    id: ItemId = Field(description="The ballot item id of the candidate")
    unit_key: UnitKey = Field(description="A unit of the current register version (GET /register/units)")
    owner: int = Field(default=1, ge=1, le=100, description="1-based position of the owner in the unit's owners")
    nominated_by: Nomination = Field(description="Beijing Art. 40 ¶1 (R-CAND-2)")
    representative: RepresentativeBody | None = Field(
        default=None, description="Required for an organisation owner, refused for a person (Art. 39 ¶2)"
    )


class CommitteeBody(Command):
    """Deprecated: the sitting committee's figures (R-ELEC-10/11) are taken from the estate's committee record
    (R-ELEC-13); typed figures are ignored."""

    size: int = Field(ge=1, le=99, description="The committee's member seats (Beijing Art. 39)")
    members: int = Field(ge=0, le=99, description="Members in office")
    alternates: int = Field(ge=0, le=99, description="Alternates in office (they fill vacancies first, Art. 41 ¶3)")


class ElectionBody(Command):
    """The publicised election method (R-ELEC-1, R-ELEC-7, R-ELEC-10): separate lists when ``alternate_candidates``
    is given."""

    election_type: ElectionType = Field(default=ElectionType.FULL, description="R-ELEC-10")
    committee: CommitteeBody | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Deprecated and ignored: BY_ELECTION and ALTERNATES are measured against the estate's 业委会 "
        "record in term (its seats, members and alternates in office), read when the topic is drafted and again "
        "at publication (R-ELEC-13)",
    )
    member_seats: int = Field(ge=0, le=99)
    alternate_seats: int = Field(ge=0, le=99)
    households: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        json_schema_extra={"deprecated": True},
        description="Deprecated and ignored: the residential units of the frozen roll are counted at publication "
        "(R-ELEC-12)",
    )
    candidates: list[CandidateBody] = Field(max_length=500)
    alternate_candidates: list[CandidateBody] | None = Field(default=None, max_length=500)


class AttestationCreate(Command):
    """One condition of a candidate attested by its source (R-CAND-3..6), recorded with the document's hash."""

    candidate_id: ItemId
    criterion: Criterion
    finding: Finding
    source: Source
    document_sha256: Sha256
    attested_on: date


class AcknowledgmentCreate(Command):
    """The candidate list submitted to the community Party organisation and acknowledged (Art. 40 ¶2, R-CAND-8)."""

    submitted_on: date
    acknowledged_on: date
    receipt_sha256: Sha256 = Field(description="SHA-256 of the acknowledgment receipt")


class TopicCreate(Command):
    title: Title
    text: TopicText
    kind: TopicKind
    matters: list[MatterItem] = Field(max_length=20, description="R-CAT-2 matter items; the category follows")
    rule: RuleBody | None = None
    options: list[OptionBody] | None = Field(default=None, max_length=100)
    election: ElectionBody | None = None
    declaration_property_management: bool = Field(description="R-BAN-2: must be true")
    procedure_rules_id: uuid.UUID | None = Field(
        default=None, description="R-PROC-1: the rules-of-procedure version a RULES_OF_PROCEDURE yes/no topic adopts"
    )
    delegates: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None,
        max_length=20,
        description="R-PROC-8: powers handed to the committee; an Art. 34 matter is refused (Beijing Art. 44)",
    )


class TopicUpdate(Command):
    """Fields to change on a draft topic; ``null`` clears ``rule``, ``options`` and ``election``."""

    title: Title | None = None
    text: TopicText | None = None
    kind: TopicKind | None = None
    matters: list[MatterItem] | None = Field(default=None, max_length=20)
    rule: RuleBody | None = None
    options: list[OptionBody] | None = Field(default=None, max_length=100)
    election: ElectionBody | None = None
    declaration_property_management: bool | None = None
    procedure_rules_id: uuid.UUID | None = None
    delegates: list[Annotated[str, Field(max_length=64)]] | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        nullable = {"rule", "options", "election", "procedure_rules_id", "delegates"}
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ErratumCreate(Command):
    text: str = Field(min_length=1, max_length=10_000, description="A typo fix that changes no meaning (R-LIFE-4)")


class CancelCommand(Command):
    reason: str = Field(min_length=1, max_length=2_000)


# --- Read models ---


class AttachmentRead(ReadModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: Instant


class TopicRead(ReadModel):
    id: uuid.UUID
    position: int = Field(description="1-based place in the notice")
    title: str
    text: str
    kind: TopicKind
    matters: list[str]
    category: Category
    rule: dict[str, Any]
    options: list[dict[str, Any]] | None
    election: dict[str, Any] | None
    declaration_property_management: bool
    procedure_rules_id: uuid.UUID | None = Field(description="R-PROC-1: the rules-of-procedure version proposed")
    procedure_rules_sha256: str | None
    delegates: list[str] | None = Field(description="R-PROC-8: powers handed to the committee")
    content_hash: str | None = Field(description="SHA-256 of the canonical topic document; set at publication")
    attachments: list[AttachmentRead]


class ErratumRead(ReadModel):
    id: uuid.UUID
    text: str
    sha256: str
    created_at: Instant


class TotalsRead(BaseModel):
    heads: int = Field(description="R-HEAD-6: voter groups in scope, frozen at publication")
    area: int = Field(description="R-AREA-4: voting area in scope, 0.01 m² units")
    area_m2: str

    @classmethod
    def of(cls, heads: int, area: int) -> TotalsRead:
        return cls(heads=heads, area=area, area_m2=area_display(area))


class CancellationRead(BaseModel):
    cancelled_at: Instant
    reason: str


class VoteSummaryRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    title: str
    organiser_kind: OrganiserKind
    voting_method: VotingMethod
    status: VoteStatus
    effective_status: VoteStatus = Field(description="The stored status moved along by the clock (R-LIFE-5)")
    starts_at: Instant
    ends_at: Instant = Field(description="The end in force: the notice's, or a resumption's extension (R-SUP-5)")
    notice_ends_at: Instant | None = Field(
        description="R-SUP-5: the end the notice published, once a resumption extended the window (else null)"
    )
    published_at: Instant | None
    notice_hash: str | None


class VoteRead(VoteSummaryRead):
    min_window_days: int
    extension_rule: dict[str, Any] | None
    scope_units: list[str] | None
    proxies_allowed: bool
    notice_text: str
    created_at: Instant
    earliest_voting_start: Instant | None = Field(
        description="Drafts: the earliest start if the notice were published now (R-LIFE-3)"
    )
    register_version_id: uuid.UUID | None
    roll_hash: str | None
    procedure_rules_id: uuid.UUID | None = Field(description="R-PROC-3: adopted rules version frozen at publication")
    procedure_rules_sha256: str | None = Field(description="R-PROC-3: hash of the rules document counted under")
    totals: TotalsRead | None
    topics: list[TopicRead]
    errata: list[ErratumRead]
    cancellation: CancellationRead | None
    paper_ballot_place: str | None
    roll_inspection_place: str | None
    notice_statement: str | None = Field(
        description="Published votes: the notice in words, as posted and pushed; covered by notice_hash (R-NOTICE-1)"
    )
    posted_at: Instant | None = Field(
        description="R-NOTICE-3: the earliest recorded on-site posting; none: the vote does not open"
    )


class PostingRead(ReadModel):
    """R-NOTICE-2: one recorded on-site posting of the notice."""

    id: uuid.UUID
    vote_id: uuid.UUID
    posted_at: Instant = Field(description="The posting time the organiser stated")
    recorded_at: Instant = Field(description="Server time of the recording")
    posted_by: str = Field(description="The acting role and place")
    place: str
    photo_content_type: str
    photo_size: int
    photo_sha256: str
    earliest_voting_start: Instant = Field(
        description="R-LIFE-3, R-NOTICE-3: from the later of publication and the earliest posting"
    )


class CandidateRead(BaseModel):
    """A nominated candidate as the organiser sees it: the unit and the masked name, never the identifier."""

    candidate_id: str
    name: str = Field(description="Masked")
    unit_key: str
    nominated_by: Nomination
    represented: bool


class AttestationRead(ReadModel):
    id: uuid.UUID
    candidate_id: str
    criterion: Criterion
    finding: Finding
    source: Source
    document_sha256: str
    attested_on: date
    created_at: Instant


class AcknowledgmentRead(ReadModel):
    id: uuid.UUID
    list_hash: str = Field(description="SHA-256 of the candidate list acknowledged (R-CAND-8)")
    submitted_on: date
    acknowledged_on: date
    receipt_sha256: str
    created_at: Instant


class CandidatesRead(BaseModel):
    """An election topic's candidates, their attested conditions and the Party acknowledgment (R-CAND)."""

    list_hash: str = Field(description="The current list's hash; an acknowledgment must carry it (R-CAND-8)")
    candidates: list[CandidateRead]
    attestations: list[AttestationRead]
    acknowledgment: AcknowledgmentRead | None


class MandateCreate(Command):
    """R-CONV-1: a committee's or 物管会's decision to convene (``committee_id``; its members then sign it through
    their own accounts), or the street office's recorded statutory ground (``trigger_id``)."""

    committee_id: uuid.UUID | None = None
    trigger_id: uuid.UUID | None = None
    decided_on: date | None = Field(
        default=None, ge=date(2000, 1, 1), le=date(2199, 12, 31), description="The day of the committee meeting"
    )


class MandateSignatureRead(ReadModel):
    member_id: uuid.UUID
    signed_at: Instant


class MandateRead(ReadModel):
    id: uuid.UUID
    vote_id: uuid.UUID
    committee_id: uuid.UUID | None
    trigger_id: uuid.UUID | None
    decided_on: date | None
    seats: int | None = Field(description="The committee's member seats")
    signatures_needed: int | None = Field(description="More than half of the seats (Beijing Arts. 45, 57; R-CONV-2)")
    signatures: list[MandateSignatureRead]
