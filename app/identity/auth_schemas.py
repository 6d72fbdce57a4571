"""Request and response bodies of sign-in, ``/me`` and staff accounts."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from app.common.access import Role
from app.common.schemas import Command, Instant, ReadModel

PhoneField = Field(
    min_length=1,
    max_length=32,
    description="Mainland China mobile number (11 digits; +86 allowed)",
    examples=["13800138000"],
)


class CodeRequest(Command):
    phone: str = PhoneField


class CodeRequested(BaseModel):
    """Always the same answer, whether or not the number has an account."""

    expires_in: int = Field(description="Seconds the code stays valid")
    resend_after: int = Field(description="Seconds before another code may be requested")


class LoginRequest(Command):
    phone: str = PhoneField
    code: str = Field(min_length=1, max_length=16, description="The 6-digit code received by SMS")


class RefreshRequest(Command):
    refresh_token: str = Field(min_length=1, max_length=200)


class AccountSummary(BaseModel):
    id: uuid.UUID
    phone: str = Field(description="Masked mobile number, e.g. 138****8000")
    verified: bool


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str = Field(description="Opaque, single use: each refresh returns a new one")
    refresh_expires_in: int
    account: AccountSummary


class Jwk(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    use: str
    alg: str


class Jwks(BaseModel):
    keys: list[Jwk]


class RoleScopeRead(ReadModel):
    role: Role
    street_office_id: uuid.UUID | None
    community_id: uuid.UUID | None
    estate_id: uuid.UUID | None


class MeRead(BaseModel):
    id: uuid.UUID
    phone: str = Field(description="Masked mobile number")
    display_name: str | None
    verified: bool
    verified_at: Instant | None
    verification_method: Literal["REGISTER_MATCH", "IDENTITY_PROVIDER", "MANUAL_REVIEW"] | None  # VerificationMethod
    roles: list[RoleScopeRead]


class StaffCreate(Command):
    phone: str = PhoneField
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    street_office_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    estate_id: uuid.UUID | None = None


class StaffAccountRead(BaseModel):
    id: uuid.UUID
    phone: str = Field(description="Masked mobile number")
    display_name: str | None


class StaffGrantRead(BaseModel):
    id: uuid.UUID = Field(description="The role grant id (revoke with DELETE /staff/grants/{id})")
    account: StaffAccountRead
    role: Role
    street_office_id: uuid.UUID | None
    community_id: uuid.UUID | None
    estate_id: uuid.UUID | None
    granted_by: str
    created_at: Instant
    revoked_at: Instant | None
    revoked_by: str | None
