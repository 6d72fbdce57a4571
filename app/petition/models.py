"""Petitions signed by voter groups: first-assembly applications and temporary-meeting petitions.

R-LIFE-9 (Beijing Regulation Art. 30): owners, or the developer, apply to the street office to form the
owners' assembly. R-LIFE-10 (Beijing Art. 35(2)): 20 % of owners propose a temporary meeting to the committee;
if it does not convene, they ask the street office to order it (Art. 36). A signature is one voter group's
(one head, R-HEAD), given by a caster entitled to act for that group (R-CAST).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, IdMixin, enum_column


class PetitionKind(StrEnum):
    FIRST_ASSEMBLY_APPLICATION = "FIRST_ASSEMBLY_APPLICATION"  # R-LIFE-9, Beijing Art. 30: to the street office
    TEMPORARY_MEETING = "TEMPORARY_MEETING"  # R-LIFE-10, Beijing Art. 35(2): to the owners' committee


class PetitionStatus(StrEnum):
    OPEN = "OPEN"  # collecting signatures
    THRESHOLD_MET = "THRESHOLD_MET"  # the law core's threshold was reached (still collecting)
    SUBMITTED = "SUBMITTED"  # handed to the committee (meeting) or the street office (application)
    ESCALATED = "ESCALATED"  # Beijing Art. 36: the street office is asked to order the committee to convene
    CLOSED = "CLOSED"


class Petition(IdMixin, Base):
    __tablename__ = "petition"
    __table_args__ = (sa.Index("ix_petition_estate_opened", "estate_id", "opened_at"),)

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"))
    kind: Mapped[PetitionKind] = mapped_column(enum_column(PetitionKind, length=40))
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    opened_by_account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"))
    opened_at: Mapped[datetime]
    status: Mapped[PetitionStatus] = mapped_column(enum_column(PetitionStatus), default=PetitionStatus.OPEN)
    threshold_met_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    register_version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("register_version.id", ondelete="RESTRICT"))
    """The register version last counted: the latest at each signature, frozen at submission."""


class PetitionSignature(IdMixin, Base):
    """One voter group's signature (one head, R-HEAD-1..5): a group signs a petition once."""

    __tablename__ = "petition_signature"
    __table_args__ = (sa.UniqueConstraint("petition_id", "group_id"),)

    petition_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("petition.id", ondelete="RESTRICT"))
    group_id: Mapped[str] = mapped_column(sa.String(32))
    """The public voter-group id (``app.rules.roll.public_group_id``), stable while the owner set is."""
    signed_by_account_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("account.id", ondelete="RESTRICT"), index=True
    )
    basis: Mapped[str] = mapped_column(sa.String(40))
    """``app.rules.casting.ActingBasis`` the signer acted on (R-CAST-1..6)."""
    grant_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("acting_grant.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime]
