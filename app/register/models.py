"""The property register: owners, buildings, and versioned snapshots of units with their owner sets.

A register version is immutable once written: every import that changes anything creates a new version, so
a vote's roll can always be traced to the exact register it was taken from (R-ROLL-1). Identifiers are
stored only as ciphertext plus blind index (R-PI-2).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedAtMixin, IdMixin, NameMixin, enum_column, utcnow
from app.register.identifiers import IdentityDocument
from app.rules.roll import AreaSource, SaleStatus
from app.rules.roll import OwnershipEvidence as OwnershipEvidence  # its home is the law core (R-OWN-1)


class OwnerKind(StrEnum):
    PERSON = "PERSON"  # natural person, identified by a personal identity document (``IdentityDocument``)
    ORGANISATION = "ORGANISATION"  # company, 公房产权单位, body: unified social credit code (R-HEAD-5)


class Owner(IdMixin, CreatedAtMixin, Base):
    """A person or organisation that owns units, identified across estates by the blind index of its identifier."""

    __tablename__ = "owner"
    __table_args__ = (sa.UniqueConstraint("kind", "identifier_index"),)

    kind: Mapped[OwnerKind] = mapped_column(enum_column(OwnerKind))
    document_type: Mapped[IdentityDocument] = mapped_column(
        enum_column(IdentityDocument, length=40), server_default=IdentityDocument.RESIDENT_ID.value
    )
    """The identity document the identifier is the number of (a passport holder is an owner like any other)."""
    identifier_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """AES-GCM ciphertext of the document number or unified social credit code (R-PI-2)."""
    identifier_index: Mapped[str] = mapped_column(sa.String(64))
    """HMAC-SHA256 blind index of the normalised identifier, qualified by the document type for documents other
    than the resident ID card and the credit code (``app.register.repository.owner_identifier_index``)."""
    identifier_last4: Mapped[str] = mapped_column(sa.String(4))


class Building(IdMixin, CreatedAtMixin, NameMixin, Base):
    __tablename__ = "building"
    __table_args__ = (sa.UniqueConstraint("estate_id", "name"),)

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)


class RegisterVersion(IdMixin, Base):
    __tablename__ = "register_version"
    __table_args__ = (
        sa.UniqueConstraint("estate_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the canonical register content (identifiers by blind index only), hex."""
    unit_count: Mapped[int]
    include_parking: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """R-AREA-3 as it stood at import: the version's roll never changes with later estate settings."""
    developer_owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"))
    """R-HEAD-4: the developer at import time."""
    source_name: Mapped[str] = mapped_column(sa.String(300))
    imported_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="version", order_by="Unit.unit_key")


class Unit(IdMixin, Base):
    """An exclusive part (专有部分) as recorded in one register version."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("register_version_id", "unit_key"),
        sa.CheckConstraint("area > 0", name="area_positive"),
    )

    register_version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("register_version.id", ondelete="CASCADE"), index=True
    )
    building_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("building.id", ondelete="RESTRICT"), index=True)
    entrance: Mapped[str | None] = mapped_column(sa.String(50))
    room: Mapped[str] = mapped_column(sa.String(50))
    unit_key: Mapped[str] = mapped_column(sa.String(220))
    """Building, entrance and room joined: the unit's stable key within the estate."""
    area: Mapped[int] = mapped_column(sa.BigInteger)
    """Voting area in 0.01 m² units (R-NUM-1), chosen by the precedence of R-AREA-1."""
    area_source: Mapped[AreaSource] = mapped_column(enum_column(AreaSource))
    is_parking: Mapped[bool] = mapped_column(default=False)
    sale_status: Mapped[SaleStatus] = mapped_column(enum_column(SaleStatus))
    delivered: Mapped[bool]
    evidence: Mapped[OwnershipEvidence] = mapped_column(enum_column(OwnershipEvidence))
    certificate_ciphertext: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """Property-certificate number (不动产权证号), AES-GCM ciphertext (R-PI-2)."""
    certificate_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)

    version: Mapped[RegisterVersion] = relationship(back_populates="units")
    owners: Mapped[list[UnitOwner]] = relationship(
        back_populates="unit", order_by="UnitOwner.position", cascade="all, delete-orphan"
    )


class UnitOwner(Base):
    """One member of a unit's owner set (co-owners are several rows; R-HEAD-2)."""

    __tablename__ = "unit_owner"

    unit_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("owner.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    """The name as recorded in this register version (names change; versions must stay as imported)."""

    unit: Mapped[Unit] = relationship(back_populates="owners")
    owner: Mapped[Owner] = relationship()
