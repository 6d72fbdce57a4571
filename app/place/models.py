"""Places: district → street office (街道/乡镇) → community (社区) → estate (物业管理区域).

An estate is one property-management area with one owners' assembly; its register lives in ``app.register``.
"""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin, IdMixin, NameMixin


class District(IdMixin, CreatedAtMixin, NameMixin, Base):
    __tablename__ = "district"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)


class StreetOffice(IdMixin, CreatedAtMixin, NameMixin, Base):
    """A street office or township government (街道办事处、乡镇人民政府): supervisor of its estates (R-SUP-1)."""

    __tablename__ = "street_office"
    __table_args__ = (sa.UniqueConstraint("district_id", "name"),)

    district_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"), index=True)


class Community(IdMixin, CreatedAtMixin, NameMixin, Base):
    """A community (社区) whose residents' committee observes assembly votes (R-SUP-2)."""

    __tablename__ = "community"
    __table_args__ = (sa.UniqueConstraint("street_office_id", "name"),)

    street_office_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("street_office.id", ondelete="RESTRICT"), index=True
    )


class Estate(IdMixin, CreatedAtMixin, Base):
    """A property-management area (物业管理区域) with one owners' assembly."""

    __tablename__ = "estate"
    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    community_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    include_parking: Mapped[bool] = mapped_column(default=False)
    """R-AREA-3: parking spaces count only when the adopted rules of procedure say so."""
    developer_name: Mapped[str | None] = mapped_column(sa.String(200))
    developer_owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"))
    """R-HEAD-4: the developer (建设单位, incl. a 包销人) whose unsold or undelivered units form one head."""
    # R-LIFE-12 reminder dates (Asia/Shanghai calendar dates; ``app.rules.reminders``), set by the organisers.
    committee_term_ends_on: Mapped[date | None]
    """The owners' committee's term ends (Beijing Art. 49: report 6 months before)."""
    service_contract_ends_on: Mapped[date | None]
    """The property service contract ends (Beijing Art. 75: decide 6 months before)."""
    preliminary_contract_ends_on: Mapped[date | None]
    """The preliminary (前期) service contract ends (Beijing Art. 19: decide 3 months before)."""

    @property
    def has_developer(self) -> bool:
        return self.developer_owner_id is not None
