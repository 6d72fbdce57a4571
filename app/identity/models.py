"""Accounts, roles scoped to places, one-time login codes, refresh tokens, API keys and identity events.

People sign in with a mobile number and a one-time code; an account becomes an owner's account once its
holder is verified against the register (``owner_id``). Staff roles are grants scoped to one place, so every
check asks "this role, for this place". Bearer secrets (codes, refresh tokens, API keys) are stored only as
HMAC hashes; phone numbers only as ciphertext plus blind index (R-PI-2).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.common.access import Role
from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column

# Which place column each role is scoped by (None: no place, every place).
ROLE_SCOPE: dict[Role, str | None] = {
    Role.ADMIN: None,
    Role.STREET_OFFICE: "street_office_id",
    Role.COMMITTEE: "estate_id",
    Role.OBSERVER: "community_id",
    Role.AUDITOR: "estate_id",
}
SCOPE_COLUMNS = ("street_office_id", "community_id", "estate_id")


def scope_check_sql() -> str:
    """CHECK: exactly the scope column of the role is set (none for ADMIN)."""
    clauses = []
    for role, column in ROLE_SCOPE.items():
        parts = [f"role = '{role.value}'"]
        parts += [f"{name} IS NOT NULL" if name == column else f"{name} IS NULL" for name in SCOPE_COLUMNS]
        clauses.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(clauses)


class PlaceScoped:
    """A role with the one place it applies to."""

    role: Mapped[Role] = mapped_column(enum_column(Role))

    @declared_attr
    def street_office_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(sa.ForeignKey("street_office.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def community_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def estate_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)


class Account(IdMixin, CreatedAtMixin, Base):
    """A person who signs in with a mobile number."""

    __tablename__ = "account"

    phone_ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)
    phone_index: Mapped[str] = mapped_column(sa.String(64), unique=True)
    """HMAC blind index of the normalised mobile number."""
    phone_last4: Mapped[str] = mapped_column(sa.String(4))
    display_name: Mapped[str | None] = mapped_column(sa.String(100))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("owner.id", ondelete="RESTRICT"), index=True)
    """The register identity (R-OWN-1) this account's holder was verified to be (R-CAST-1)."""
    verified_at: Mapped[datetime | None]
    verification_method: Mapped[str | None] = mapped_column(sa.String(32))
    verification_reference: Mapped[str | None] = mapped_column(sa.String(200))
    """Identity provider transaction id or manual review id; never a face image or template (R-PI-3)."""
    disabled_at: Mapped[datetime | None]


class RoleGrant(IdMixin, CreatedAtMixin, PlaceScoped, Base):
    __tablename__ = "role_grant"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (sa.CheckConstraint(scope_check_sql(), name="scope_matches_role"),)

    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    granted_by: Mapped[str] = mapped_column(sa.String(200))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(200))


class ApiKey(IdMixin, CreatedAtMixin, PlaceScoped, Base):
    """A service credential with one scoped role (integrations, operator scripts)."""

    __tablename__ = "api_key"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (sa.CheckConstraint(scope_check_sql(), name="scope_matches_role"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    """HMAC-SHA256 of the bearer key; the key itself is shown once at creation and never stored."""
    prefix: Mapped[str] = mapped_column(sa.String(16))
    revoked_at: Mapped[datetime | None]
    console_signed_out_at: Mapped[datetime | None]
    """The console's sign-out: every console session of this key opened before it has ended (app.console)."""


class OtpChallenge(IdMixin, CreatedAtMixin, Base):
    """A one-time login code sent to a mobile number: hashed, short-lived, single use, few attempts."""

    __tablename__ = "otp_challenge"
    __table_args__ = (sa.Index("ix_otp_challenge_phone_created", "phone_index", "created_at"),)

    phone_index: Mapped[str] = mapped_column(sa.String(64))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[datetime | None]


class RefreshToken(IdMixin, CreatedAtMixin, Base):
    """One link of a rotating refresh-token family; reuse of a used link revokes the whole family."""

    __tablename__ = "refresh_token"

    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdentityEvent(IdMixin, CreatedAtMixin, Base):
    """Every verification, binding, grant and role change, in order; the audit log will sign these.

    ``details`` never holds plain identifiers: only ids, masked values and blind-index prefixes.
    """

    __tablename__ = "identity_event"

    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    account_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"), index=True)
    estate_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("estate.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
