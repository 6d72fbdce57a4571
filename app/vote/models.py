"""Votes (one owners' decision event: 业主大会会议 / 业主共同决定) and their topics.

A vote is drafted, then its notice is published, which freezes it (R-LIFE-2, R-LIFE-4): topics,
attachments, categories, options, candidates, scope and window never change afterwards, and their
canonical hashes are recorded. The roll snapshot (R-ROLL-1) is taken at publication from the current register
version and stored group by group, so denominators never change during the vote (R-ROLL-3).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column
from app.rules.candidates import Criterion, Finding, Nomination, Source
from app.rules.categories import Category
from app.rules.kinds import TopicKind
from app.rules.lifecycle import VoteStatus


class OrganiserKind(StrEnum):
    """Who convenes (R-LIFE-1)."""

    OWNERS_COMMITTEE = "OWNERS_COMMITTEE"  # 业主委员会
    PROPERTY_MANAGEMENT_COMMITTEE = "PROPERTY_MANAGEMENT_COMMITTEE"  # 物管会 (Beijing Art. 56)
    PREPARATORY_GROUP = "PREPARATORY_GROUP"  # 筹备组, first assembly
    CHANGEOVER_GROUP = "CHANGEOVER_GROUP"  # 换届小组
    STREET_OFFICE = "STREET_OFFICE"  # convening in the committee's place (Beijing Arts. 36, 48)


class VotingMethod(StrEnum):
    ONLINE = "ONLINE"
    PAPER = "PAPER"
    MIXED = "MIXED"  # R-TALLY-9: only if the notice says so


class Vote(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "vote"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="window_ordered"),)

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    organiser_kind: Mapped[OrganiserKind] = mapped_column(enum_column(OrganiserKind))
    created_by: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[VoteStatus] = mapped_column(enum_column(VoteStatus), default=VoteStatus.DRAFT)
    voting_method: Mapped[VotingMethod] = mapped_column(enum_column(VotingMethod), default=VotingMethod.ONLINE)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    """The end in force: the notice's, or the later one a resumption set and announced (R-SUP-5)."""
    notice_ends_at: Mapped[datetime | None]
    """R-SUP-5: the end the notice published, kept once a resumption extends ``ends_at`` (None: never extended).
    The notice document and its hash always carry this end (``app.vote.documents``)."""
    min_window_days: Mapped[int] = mapped_column(default=7)
    extension_rule: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """R-LIFE-6: stated in the notice, or no extension is ever allowed."""
    scope_units: Mapped[list[str] | None] = mapped_column(sa.JSON)
    """R-ROLL-4: unit keys of a narrower scope; None is the whole estate."""
    proxies_allowed: Mapped[bool] = mapped_column(default=True)
    notice_text: Mapped[str] = mapped_column(sa.Text, default="")
    paper_ballot_place: Mapped[str | None] = mapped_column(sa.Text)
    """R-NOTICE-1 (Beijing Art. 35(4) 「地点」): where and when paper ballots are received (PAPER and MIXED votes)."""
    roll_inspection_place: Mapped[str | None] = mapped_column(sa.Text)
    """R-NOTICE-1: where owners may also read the roll on site (besides the vote's page in evote)."""
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(sa.String(200))
    notice_hash: Mapped[str | None] = mapped_column(sa.String(64))
    """SHA-256 of the RFC 8785 notice: vote parameters and every topic and attachment hash."""
    register_version_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("register_version.id", ondelete="RESTRICT")
    )
    roll_hash: Mapped[str | None] = mapped_column(sa.String(64))
    total_heads: Mapped[int | None]
    total_area: Mapped[int | None] = mapped_column(sa.BigInteger)
    posted_at: Mapped[datetime | None]
    """R-NOTICE-3: the stated time of the earliest recorded on-site posting; None: not posted, the vote never opens."""
    procedure_rules_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("procedure_rules_version.id", ondelete="RESTRICT")
    )
    """R-PROC-3: the adopted rules-of-procedure version in force at publication; None for the statutory defaults."""
    procedure_rules_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    """R-PROC-3: SHA-256 of the rules document the vote is counted under (statutory defaults included)."""
    closed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    result_published_at: Mapped[datetime | None]

    topics: Mapped[list[Topic]] = relationship(
        back_populates="vote", order_by="Topic.position", cascade="all, delete-orphan"
    )


class Topic(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "topic"
    __table_args__ = (sa.UniqueConstraint("vote_id", "position"),)

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[TopicKind] = mapped_column(enum_column(TopicKind))
    """Which module of ``app.rules.kinds`` drafts, validates, tallies and verifies the topic."""
    matters: Mapped[list[str]] = mapped_column(sa.JSON)
    """R-CAT-2 matter items (``app.rules.categories.MatterItem``); the category follows from them (R-CAT-3)."""
    category: Mapped[Category] = mapped_column(enum_column(Category))
    rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """The counting rule (quorum and approval thresholds; stricter community rules allowed, R-CAT-4)."""
    options: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    """Single choice and consultation: ``[{"id": "A", "label": "…"}, …]`` (R-MULTI-1)."""
    election: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """Seats, alternates, households and candidate lists (R-ELEC-1, R-ELEC-7)."""
    declaration_property_management: Mapped[bool]
    """R-BAN-2: the organiser declares the matter concerns property management."""
    procedure_rules_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("procedure_rules_version.id", ondelete="RESTRICT")
    )
    """R-PROC-1: the rules-of-procedure version this topic proposes; adopted when the topic PASSES."""
    procedure_rules_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    delegates: Mapped[list[str] | None] = mapped_column(sa.JSON)
    """R-PROC-8: powers the topic hands to the committee (``app.rules.procedure.CommitteePower``)."""
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))

    vote: Mapped[Vote] = relationship(back_populates="topics")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="topic", order_by="Attachment.created_at", cascade="all, delete-orphan"
    )


class Attachment(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "attachment"

    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    topic: Mapped[Topic] = relationship(back_populates="attachments")


def ordered_attachments(attachments: Iterable[Attachment]) -> list[Attachment]:
    """Upload order; the id breaks ties between uploads recorded at the same instant."""
    return sorted(attachments, key=lambda attachment: (attachment.created_at, str(attachment.id)))


class Erratum(IdMixin, CreatedAtMixin, Base):
    """R-LIFE-4: a typo fix that changes no meaning, appended as a notice; the topics stay as published."""

    __tablename__ = "erratum"

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))


class NoticePosting(IdMixin, Base):
    """R-NOTICE-2 (Beijing Art. 35(4) 「在物业管理区域内显著位置公示」): one on-site posting of a vote's notice,
    recorded by an organiser with a photograph; ``photo_sha256`` is bound into the ``vote.notice_posted`` log entry."""

    __tablename__ = "notice_posting"

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    posted_at: Mapped[datetime]
    """The posting time the organiser states: never after ``recorded_at``, never before publication."""
    recorded_at: Mapped[datetime]
    """Server time of the recording."""
    posted_by: Mapped[str] = mapped_column(sa.String(200))
    """The acting role and place (``COMMITTEE@<estate id>``), never a person's name."""
    place: Mapped[str] = mapped_column(sa.String(500))
    photo_content_type: Mapped[str] = mapped_column(sa.String(100))
    photo_size: Mapped[int]
    photo_sha256: Mapped[str] = mapped_column(sa.String(64))
    photo: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class RollGroup(Base):
    """One voter group of a vote's frozen roll (R-ROLL-1): the denominators never change during the vote."""

    __tablename__ = "roll_group"
    __table_args__ = (sa.UniqueConstraint("vote_id", "pseudonym", name="uq_roll_group_vote_pseudonym"),)

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    """``app.rules.roll.public_group_id``: the estate's id of the group, under which its owners cast (authenticated)."""
    pseudonym: Mapped[str] = mapped_column(sa.String(32))
    """The group's per-vote public name (``app.ledger.pseudonyms``) in the log, the roll document and exports."""
    group_key: Mapped[str] = mapped_column(sa.Text)
    """The owner-set key (owner ids) the group was formed from (R-HEAD-1)."""
    area: Mapped[int] = mapped_column(sa.BigInteger)
    is_developer: Mapped[bool]
    unit_keys: Mapped[list[str]] = mapped_column(sa.JSON)
    owner_ids: Mapped[list[str]] = mapped_column(sa.JSON)


class ElectionCandidate(IdMixin, CreatedAtMixin, Base):
    """A candidate of an election topic, nominated from the register (R-CAND-1, R-CAND-2). Restricted: the link
    of a ballot item to an owner; the topic's published list shows only the masked name (R-CAND-9)."""

    __tablename__ = "election_candidate"
    __table_args__ = (sa.UniqueConstraint("topic_id", "candidate_id"),)

    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[str] = mapped_column(sa.String(64))
    """The ballot item id of the candidate in the topic's lists (R-ELEC-2)."""
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"), index=True)
    register_version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("register_version.id", ondelete="RESTRICT"))
    """The register version the owner was found in at nomination; publication checks the frozen one again."""
    unit_key: Mapped[str] = mapped_column(sa.String(220))
    nominated_by: Mapped[Nomination] = mapped_column(enum_column(Nomination))
    representative_name: Mapped[str | None] = mapped_column(sa.String(100))
    """An organisation owner's authorised natural person (Beijing Art. 39 ¶2); None for a person."""
    representative_authorisation_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class CandidateAttestation(IdMixin, CreatedAtMixin, Base):
    """One attested condition of a candidate (R-CAND-3..6), recorded by the organiser with the document's hash and
    the attesting source; the latest one of a criterion counts (R-CAND-7)."""

    __tablename__ = "candidate_attestation"
    __table_args__ = (sa.UniqueConstraint("topic_id", "sequence"),)

    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int]
    candidate_id: Mapped[str] = mapped_column(sa.String(64))
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"), index=True)
    """The owner attested: a candidate re-nominated as another owner needs new attestations."""
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion))
    finding: Mapped[Finding] = mapped_column(enum_column(Finding))
    source: Mapped[Source] = mapped_column(enum_column(Source))
    document_sha256: Mapped[str] = mapped_column(sa.String(64))
    attested_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(sa.String(200))


class CandidateListAcknowledgment(IdMixin, CreatedAtMixin, Base):
    """The candidate list submitted to the community Party organisation and its acknowledgment (Beijing Art. 40
    ¶2; R-CAND-8), bound to the list by its hash."""

    __tablename__ = "candidate_list_acknowledgment"

    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    list_hash: Mapped[str] = mapped_column(sa.String(64))
    submitted_on: Mapped[date]
    acknowledged_on: Mapped[date]
    receipt_sha256: Mapped[str] = mapped_column(sa.String(64))
    recorded_by: Mapped[str] = mapped_column(sa.String(200))


class ConveningMandate(IdMixin, CreatedAtMixin, Base):
    """What a vote is convened on (R-CONV-1): a committee's or 物管会's decision to convene, signed by its members
    (Beijing Arts. 45, 57), or the street office's recorded statutory ground (R-CONV-3). One per vote."""

    __tablename__ = "convening_mandate"
    __table_args__ = (sa.CheckConstraint("(committee_id IS NULL) <> (trigger_id IS NULL)", name="one_basis"),)

    vote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("vote.id", ondelete="CASCADE"), unique=True)
    committee_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("committee.id", ondelete="RESTRICT"))
    trigger_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("convening_trigger.id", ondelete="RESTRICT"))
    decided_on: Mapped[date | None]
    """The day of the committee meeting that decided to convene."""
    recorded_by: Mapped[str] = mapped_column(sa.String(200))

    signatures: Mapped[list[MandateSignature]] = relationship(
        back_populates="mandate", order_by="MandateSignature.signed_at", cascade="all, delete-orphan"
    )


class MandateSignature(IdMixin, Base):
    """A member's signature of the decision to convene, given through the member's own account (R-CONV-2)."""

    __tablename__ = "mandate_signature"
    __table_args__ = (sa.UniqueConstraint("mandate_id", "member_id"),)

    mandate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("convening_mandate.id", ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee_member.id", ondelete="RESTRICT"))
    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime]

    mandate: Mapped[ConveningMandate] = relationship(back_populates="signatures")
