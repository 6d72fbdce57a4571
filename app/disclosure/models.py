"""A committee's disclosure records (R-DISC): half-yearly fee publications, yearly reports, the street office's
yearly evaluations.

* ``FeeDisclosure`` / ``FeeDisclosureEntry``: the half-yearly publication of whether each member and alternate has
  paid the property service fee and the parking fee (Beijing Art. 44(8); seed 003 §四.4), by the committee, from its
  own records or the property service company's statement, with the source document's SHA-256 (R-DISC-1, R-DISC-2);
* ``CommitteeReport`` / ``CommitteeReportDocument``: the committee's yearly work report and finances summary, stored
  with their SHA-256 and readable by the estate's owners (Beijing Art. 44(1); seed 003 §三.3; R-DISC-4);
* ``CommitteeEvaluation``: the street office's yearly 规范化履职评价 of the committee (seed 003 §四.3; R-DISC-5).

None of these rows is ever changed or deleted once published: a correction is a matter for a later record.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, CreatedAtMixin, IdMixin, enum_column


class FeeStanding(StrEnum):
    """R-DISC-2 (CHOICE): the least that satisfies Art. 44(8) — paid up or not at the half-year's end, no amount."""

    PAID = "PAID"  # 已交清
    IN_ARREARS = "IN_ARREARS"  # 欠缴
    NOT_APPLICABLE = "NOT_APPLICABLE"  # parking fee only: the member rents or holds no parking space


class FeeSource(StrEnum):
    COMMITTEE_RECORDS = "COMMITTEE_RECORDS"  # the committee's own records (receipts shown by the members)
    PROPERTY_SERVICE_COMPANY = "PROPERTY_SERVICE_COMPANY"  # the property service company's statement


class ReportDocument(StrEnum):
    WORK_REPORT = "WORK_REPORT"  # 工作报告 (Art. 44(1): reporting to the assembly)
    FINANCES = "FINANCES"  # 财务收支情况 (the committee's accounts, Art. 44(7))


class EvaluationGrade(StrEnum):
    """The 朝阳区规范化履职评价规程's result (seed 003 §四.3, attachment 1)."""

    EXCELLENT = "EXCELLENT"  # 优秀
    GOOD = "GOOD"  # 良好
    SATISFACTORY = "SATISFACTORY"  # 合格
    FAIL = "FAIL"  # 不合格: the street office may start a re-election (seed 003 §四.3)


def _standing_column(name: str) -> sa.Enum:
    """``enum_column`` with its own CHECK constraint name: two columns of one enum in one table would clash."""
    column = enum_column(FeeStanding)
    column.name = name
    return column


class FeeDisclosure(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "fee_disclosure"
    __table_args__ = (
        sa.UniqueConstraint("committee_id", "year", "half"),
        sa.CheckConstraint("half IN (1, 2)", name="half_valid"),
    )

    committee_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee.id", ondelete="RESTRICT"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int]
    half: Mapped[int]
    source: Mapped[FeeSource] = mapped_column(enum_column(FeeSource, length=40))
    source_document_sha256: Mapped[str] = mapped_column(sa.String(64))
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the RFC 8785 publication document (``app.disclosure.service.fee_document``)."""
    published_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(200))

    entries: Mapped[list[FeeDisclosureEntry]] = relationship(
        back_populates="disclosure", order_by="FeeDisclosureEntry.position", cascade="all, delete-orphan"
    )


class FeeDisclosureEntry(IdMixin, Base):
    __tablename__ = "fee_disclosure_entry"
    __table_args__ = (sa.UniqueConstraint("disclosure_id", "member_id"),)

    disclosure_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("fee_disclosure.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    member_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee_member.id", ondelete="RESTRICT"))
    property_fee: Mapped[FeeStanding] = mapped_column(_standing_column("property_fee_standing"))
    parking_fee: Mapped[FeeStanding] = mapped_column(_standing_column("parking_fee_standing"))

    disclosure: Mapped[FeeDisclosure] = relationship(back_populates="entries")


class CommitteeReport(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "committee_report"
    __table_args__ = (sa.UniqueConstraint("committee_id", "year"),)

    committee_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee.id", ondelete="RESTRICT"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int]
    published_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(200))

    documents: Mapped[list[CommitteeReportDocument]] = relationship(
        back_populates="report", order_by="CommitteeReportDocument.role", cascade="all, delete-orphan"
    )


class CommitteeReportDocument(IdMixin, Base):
    __tablename__ = "committee_report_document"
    __table_args__ = (sa.UniqueConstraint("report_id", "role"),)

    report_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee_report.id", ondelete="CASCADE"), index=True)
    role: Mapped[ReportDocument] = mapped_column(enum_column(ReportDocument))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    report: Mapped[CommitteeReport] = relationship(back_populates="documents")


class CommitteeEvaluation(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "committee_evaluation"
    __table_args__ = (
        sa.UniqueConstraint("committee_id", "year"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    committee_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("committee.id", ondelete="RESTRICT"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int]
    grade: Mapped[EvaluationGrade] = mapped_column(enum_column(EvaluationGrade))
    score: Mapped[int | None]
    """Points after the 规程's deductions, when the evaluation gives them."""
    document_ref: Mapped[str] = mapped_column(sa.String(100))
    document_sha256: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(200))
