from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from app.common.schemas import Command, ReadModel
from app.rules.categories import Category, MatterItem
from app.rules.kinds import TopicKind
from app.rules.lifecycle import VoteStatus
from app.rules.numeric import area_display
from app.rules.publicity import MIN_WINDOW_DAYS, ExtensionWhen
from app.vote.models import OrganiserKind, VotingMethod

ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
UnitKey = Annotated[str, Field(min_length=1, max_length=220)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
NoticeText = Annotated[str, Field(max_length=100_000)]
TopicText = Annotated[str, Field(min_length=1, max_length=100_000)]


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

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        nullable = {"extension_rule", "scope_units"}
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


class CandidateBody(Command):
    id: ItemId
    name: str = Field(min_length=1, max_length=100)


class ElectionBody(Command):
    """The publicised election method (R-ELEC-1, R-ELEC-7): separate lists when ``alternate_candidates`` is given."""

    member_seats: int = Field(ge=1, le=99)
    alternate_seats: int = Field(ge=0, le=99)
    households: int = Field(ge=1, le=1_000_000, description="Residential units of the area (Beijing Art. 39)")
    candidates: list[CandidateBody] = Field(max_length=500)
    alternate_candidates: list[CandidateBody] | None = Field(default=None, max_length=500)


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
    created_at: datetime


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
    created_at: datetime


class TotalsRead(BaseModel):
    heads: int = Field(description="R-HEAD-6: voter groups in scope, frozen at publication")
    area: int = Field(description="R-AREA-4: voting area in scope, 0.01 m² units")
    area_m2: str

    @classmethod
    def of(cls, heads: int, area: int) -> TotalsRead:
        return cls(heads=heads, area=area, area_m2=area_display(area))


class CancellationRead(BaseModel):
    cancelled_at: datetime
    reason: str


class VoteSummaryRead(ReadModel):
    id: uuid.UUID
    estate_id: uuid.UUID
    title: str
    organiser_kind: OrganiserKind
    voting_method: VotingMethod
    status: VoteStatus
    effective_status: str = Field(description="The stored status moved along by the clock (R-LIFE-5)")
    starts_at: datetime
    ends_at: datetime
    published_at: datetime | None
    notice_hash: str | None


class VoteRead(VoteSummaryRead):
    min_window_days: int
    extension_rule: dict[str, Any] | None
    scope_units: list[str] | None
    proxies_allowed: bool
    notice_text: str
    created_at: datetime
    earliest_voting_start: datetime | None = Field(
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
