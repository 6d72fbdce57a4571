"""Request and response bodies of real-name verification; ID numbers only ever leave masked (R-PI-2)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from app.common.schemas import Command, Instant, ReadModel
from app.realname.models import ManualVerificationRequest, ReviewStatus, VerificationMethod, VerificationPurpose
from app.register.identifiers import IdentityDocument


class DocumentType(StrEnum):
    """What the uploaded document is; kept in the decision record after the document is deleted (R-PI-4)."""

    RESIDENT_ID_CARD = "RESIDENT_ID_CARD"  # 居民身份证
    PROPERTY_CERTIFICATE = "PROPERTY_CERTIFICATE"  # 不动产权证书
    PURCHASE_CONTRACT = "PURCHASE_CONTRACT"  # 购房合同 (unregistered buyer in possession)
    INHERITANCE_PROOF = "INHERITANCE_PROOF"  # 继承公证书 etc.
    COURT_RULING = "COURT_RULING"  # 法院判决书 / 仲裁裁决书
    OTHER = "OTHER"


def mask_last4(last4: str) -> str:
    return "*" * 14 + last4


class RegisterMatchCommand(Command):
    id_number: str = Field(min_length=1, max_length=64, description="Number of the identity document below")
    document_type: IdentityDocument = Field(
        default=IdentityDocument.RESIDENT_ID, description="The identity document the register lists you by"
    )
    certificate_number: str = Field(
        min_length=1, max_length=200, description="Property-certificate number (不动产权证号) of one of your units"
    )
    estate_id: uuid.UUID | None = Field(
        default=None,
        description="Verify against this estate's register only; by default every estate whose row matches",
    )


class AssertionCommand(Command):
    assertion: str = Field(min_length=1, max_length=16384, description="Signed JWT of a configured identity provider")


class VerificationResultRead(BaseModel):
    verified: bool
    method: VerificationMethod
    owner_identifier_masked: str = Field(description="The verified ID number, last 4 characters only")
    estates: list[uuid.UUID] = Field(
        description="Estates the account is bound in: whose register proved it (the right to act there, R-CAST-1)"
    )


class ManualRequestRead(ReadModel):
    """A manual verification request as its applicant sees it."""

    id: uuid.UUID
    estate_id: uuid.UUID
    status: ReviewStatus
    purpose: VerificationPurpose = Field(
        description="OWNER (a unit in the estate's register) or PERSON (legal representative, guardian or proxy)"
    )
    document_type: str
    identifier_masked: str
    created_at: Instant
    decided_at: Instant | None
    decision_reason: str | None

    @classmethod
    def from_row(cls, row: ManualVerificationRequest) -> ManualRequestRead:
        return cls.from_attributes_of(row, identifier_masked=mask_last4(row.identifier_last4))


class ManualRequestReviewRead(ManualRequestRead):
    """A manual verification request as a reviewer sees it: claimed name, document hash and availability."""

    account_id: uuid.UUID
    claimed_name: str
    document_sha256: str
    document_available: bool = Field(description="False once the document is deleted (R-PI-4)")
    document_deleted_at: Instant | None
    reviewed_by: str | None

    @classmethod
    def for_review(cls, row: ManualVerificationRequest, *, document_available: bool) -> ManualRequestReviewRead:
        return cls.from_attributes_of(
            row, identifier_masked=mask_last4(row.identifier_last4), document_available=document_available
        )


class VerificationStatusRead(BaseModel):
    verified: bool
    method: VerificationMethod | None
    verified_at: Instant | None
    owner_identifier_masked: str | None
    locked_until: Instant | None = Field(description="Self-service verification is locked until then (429)")
    pending_requests: list[ManualRequestRead]


class ApproveCommand(Command):
    reason: str | None = Field(default=None, max_length=500)


class RejectCommand(Command):
    reason: str = Field(min_length=1, max_length=500)
