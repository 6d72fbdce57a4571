"""Real-name verification (R-CAST-1, R-PI-1..4): attempts for lockouts, and manual review requests.

An account is verified by matching the ID number and a property-certificate number against the register, by a
signed assertion of a trusted identity provider, or by an organiser or street office reviewing an uploaded
document. The document is deleted 30 days after the decision (R-PI-4); the decision record is kept.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column
from app.register.identifiers import IdentityDocument


class VerificationMethod(StrEnum):
    REGISTER_MATCH = "REGISTER_MATCH"  # ID number + property-certificate number against the register
    IDENTITY_PROVIDER = "IDENTITY_PROVIDER"  # signed assertion of a configured provider
    MANUAL_REVIEW = "MANUAL_REVIEW"  # document reviewed by the organiser or the street office


class VerificationPurpose(StrEnum):
    """What a manual review proves (R-PI-4)."""

    OWNER = "OWNER"  # the applicant owns a unit in the estate's register: bound there (R-CAST-1)
    PERSON = "PERSON"  # who the applicant is, without a home: to act as legal representative, guardian or proxy
    # (R-CAST-3..5) once an organiser approves a grant; no binding, so no estate is reached by it alone


class ReviewStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class VerificationAttempt(IdMixin, CreatedAtMixin, Base):
    """One attempt, kept to limit failures per account, per (account, ID number) and per client address."""

    __tablename__ = "verification_attempt"
    __table_args__ = (
        sa.Index("ix_verification_attempt_account_created", "account_id", "created_at"),
        sa.Index("ix_verification_attempt_identifier_created", "identifier_index", "created_at"),
        sa.Index("ix_verification_attempt_client_created", "client_index", "created_at"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    identifier_index: Mapped[str] = mapped_column(sa.String(64))
    client_index: Mapped[str | None] = mapped_column(sa.String(64))
    """Keyed hash (blind index) of the client address the attempt came from, never the address: failures are
    limited per address too. None for attempts recorded before it was kept."""
    method: Mapped[VerificationMethod] = mapped_column(enum_column(VerificationMethod))
    succeeded: Mapped[bool]


class ManualVerificationRequest(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "manual_verification_request"

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    identifier_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    identifier_index: Mapped[str] = mapped_column(sa.String(64))
    identifier_last4: Mapped[str] = mapped_column(sa.String(4))
    claimed_name: Mapped[str] = mapped_column(sa.String(100))
    document_type: Mapped[str] = mapped_column(sa.String(50))
    document_sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus), default=ReviewStatus.PENDING)
    purpose: Mapped[VerificationPurpose] = mapped_column(
        enum_column(VerificationPurpose, length=16),
        default=VerificationPurpose.OWNER,
        server_default=VerificationPurpose.OWNER.value,
    )
    identity_document: Mapped[IdentityDocument] = mapped_column(
        enum_column(IdentityDocument, length=40),
        default=IdentityDocument.RESIDENT_ID,
        server_default=IdentityDocument.RESIDENT_ID.value,
    )
    """The document the ID number is the number of (a person approved without a home is recorded with it)."""
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    document_deleted_at: Mapped[datetime | None]
    """R-PI-4: the uploaded document is deleted at most 30 days after the decision."""


class VerificationDocument(Base):
    """The uploaded identity document, encrypted; a separate row so deletion leaves the decision intact."""

    __tablename__ = "verification_document"

    request_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("manual_verification_request.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(sa.String(100))
    ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)


class OwnerBinding(IdMixin, CreatedAtMixin, Base):
    """An account bound to an owner of ONE estate, made against that estate's register (R-CAST-1).

    The right to act for a voter group of an estate as its owner rests on a binding in that estate: a match in
    another estate's register proves nothing here. A register-match binding relies on one unit row (its key and
    certificate, with the owner in its owner set); a binding by identity provider or manual review relies on the
    owner being in the estate's register at all. A later register version without that row ends the binding.
    """

    __tablename__ = "owner_binding"
    __table_args__ = (
        sa.Index("ix_owner_binding_account_estate", "account_id", "estate_id"),
        sa.Index("ix_owner_binding_estate_ended", "estate_id", "ended_at"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"))
    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"), index=True)
    register_version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("register_version.id", ondelete="RESTRICT"))
    """The estate's current register version when the binding was made."""
    method: Mapped[VerificationMethod] = mapped_column(enum_column(VerificationMethod))
    unit_key: Mapped[str | None] = mapped_column(sa.String(220))
    """The unit row whose ID and certificate numbers matched; None: any unit of the owner in the estate."""
    certificate_index: Mapped[str | None] = mapped_column(sa.String(64))
    ended_at: Mapped[datetime | None]
    ended_by_version_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("register_version.id", ondelete="RESTRICT")
    )
    """The register version from which the row the binding relied on is gone or changed."""
    end_reason: Mapped[str | None] = mapped_column(sa.String(64))
