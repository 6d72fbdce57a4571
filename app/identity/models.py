"""Staff credentials: API keys with a role scoped to a place.

Operators, street offices and committees authenticate with an opaque bearer key that is stored only as an
HMAC hash (a leaked database does not leak working keys). Owner accounts and JWT sessions build on this.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column


class Role(StrEnum):
    ADMIN = "ADMIN"  # platform operator (the housing commission): every place
    STREET_OFFICE = "STREET_OFFICE"  # supervisor of the estates in its jurisdiction (R-SUP-1)
    COMMITTEE = "COMMITTEE"  # organiser of one estate: 业委会, 物管会, preparatory group (R-LIFE-1)


class ApiKey(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "api_key"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'ADMIN' AND street_office_id IS NULL AND estate_id IS NULL)"
            " OR (role = 'STREET_OFFICE' AND street_office_id IS NOT NULL AND estate_id IS NULL)"
            " OR (role = 'COMMITTEE' AND estate_id IS NOT NULL AND street_office_id IS NULL)",
            name="scope_matches_role",
        ),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    street_office_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("street_office.id", ondelete="RESTRICT"), index=True
    )
    estate_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    """HMAC-SHA256 of the bearer key; the key itself is shown once at creation and never stored."""
    prefix: Mapped[str] = mapped_column(sa.String(16))
    revoked_at: Mapped[datetime | None]
