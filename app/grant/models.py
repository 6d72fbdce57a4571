"""Rights to act for a voter group other than being its owner of record (R-CAST-2..5).

A co-owners' designated representative, an organisation's legal representative or holder of a sealed
authorisation, a guardian, or a proxy with a written authorisation. Each grant records its evidence and who
approved it; the organiser approves before the grantee may act, and a grant can be revoked until it is used.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column


class ActingKind(StrEnum):
    DESIGNATED_REPRESENTATIVE = "DESIGNATED_REPRESENTATIVE"  # R-CAST-2: only this co-owner votes for the group
    LEGAL_REPRESENTATIVE = "LEGAL_REPRESENTATIVE"  # R-CAST-3: organisation's legal representative
    SEALED_AUTHORISATION = "SEALED_AUTHORISATION"  # R-CAST-3: person holding the organisation's sealed authorisation
    GUARDIAN = "GUARDIAN"  # R-CAST-5: guardian of a minor or incapacitated owner
    PROXY = "PROXY"  # R-CAST-4: agent under a written authorisation (CC Art. 165)


class GrantStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"


class ActingGrant(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "acting_grant"
    __table_args__ = (sa.Index("ix_acting_grant_estate_group", "estate_id", "group_key"),)

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"))
    group_key: Mapped[str] = mapped_column(sa.String(2000))
    """The voter group's owner-set key (``app.rules.roll.voter_group_key``): stable across register versions."""
    kind: Mapped[ActingKind] = mapped_column(enum_column(ActingKind))
    grantee_account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"), index=True)
    requested_by_account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="RESTRICT"))
    status: Mapped[GrantStatus] = mapped_column(enum_column(GrantStatus), default=GrantStatus.PENDING)
    evidence_type: Mapped[str] = mapped_column(sa.String(50))
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    evidence_note: Mapped[str | None] = mapped_column(sa.String(500))
    signed_by_owner_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """R-CAST-4: the owners of record who signed the authorisation (all co-owners, or the designated one)."""
    scope: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    """Proxy scope (CC Art. 165): votes and topics covered, and the authority (free or instructed)."""
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(200))
    used_at: Mapped[datetime | None]
    """Set when the grantee first casts under this grant; a used grant can no longer be revoked."""
