"""Request and response bodies of the committee disclosure API (R-DISC)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from app.committee.models import SeatKind
from app.common.schemas import Command, Instant, ReadModel
from app.disclosure.models import EvaluationGrade, FeeSource, FeeStanding, ReportDocument

SHA256_PATTERN = r"^[0-9a-f]{64}$"
Year = Field(ge=2000, le=2199, description="A calendar year")


class FeeEntryCreate(Command):
    member_id: uuid.UUID = Field(description="A member or alternate sitting at the half-year's end")
    property_fee: Literal[FeeStanding.PAID, FeeStanding.IN_ARREARS] = Field(
        description="物业服务费: PAID or IN_ARREARS at the half-year's end"
    )
    parking_fee: FeeStanding = Field(description="停车费 (seed 003 §四.4): PAID, IN_ARREARS or NOT_APPLICABLE")


class FeeDisclosureCreate(Command):
    """R-DISC-1/2: one ended half-year; the standing of each member and alternate, no amounts (CHOICE)."""

    year: int = Year
    half: int = Field(ge=1, le=2, description="1: January–June, 2: July–December")
    source: FeeSource
    source_document_sha256: str = Field(
        pattern=SHA256_PATTERN, description="SHA-256 of the statement or records the standings are taken from"
    )
    entries: list[FeeEntryCreate] = Field(max_length=200)


class FeeEntryRead(ReadModel):
    member_id: uuid.UUID
    seat_kind: SeatKind
    seat: int
    name: str | None = Field(description="As in the register; masked for owners reading (PIPL Art. 6)")
    property_fee: FeeStanding
    parking_fee: FeeStanding


class FeeDisclosureRead(ReadModel):
    id: uuid.UUID
    committee_id: uuid.UUID
    period: str = Field(description="YYYY-H1 or YYYY-H2")
    as_of: date = Field(description="The half-year's last day: the standing reported")
    source: FeeSource
    source_document_sha256: str
    content_sha256: str = Field(description="SHA-256 of the RFC 8785 publication document, as logged")
    published_at: Instant
    entries: list[FeeEntryRead]


class ReportDocumentRead(ReadModel):
    role: ReportDocument
    filename: str
    content_type: str
    size: int
    sha256: str


class CommitteeReportRead(ReadModel):
    id: uuid.UUID
    committee_id: uuid.UUID
    year: int
    published_at: Instant
    documents: list[ReportDocumentRead]


class EvaluationCreate(Command):
    """R-DISC-5: the street office's yearly 规范化履职评价 (seed 003 §四.3)."""

    year: int = Year
    grade: EvaluationGrade
    score: int | None = Field(default=None, ge=0, le=100, description="Points after deductions, if given")
    document_ref: str = Field(min_length=1, max_length=100, description="The evaluation document's number")
    document_sha256: str = Field(pattern=SHA256_PATTERN)


class EvaluationRead(ReadModel):
    id: uuid.UUID
    committee_id: uuid.UUID
    year: int
    grade: EvaluationGrade
    score: int | None
    document_ref: str
    document_sha256: str
    recorded_at: Instant
