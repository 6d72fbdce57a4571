"""Refusals of the committee disclosure API (R-DISC)."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class CommitteeOnly(DomainError):
    """R-DISC-6: the committee publishes its own fee payments and yearly report (Beijing Art. 44(1), (8))."""

    code = "disclosure.committee_only"
    status = 403
    title = "The committee's to publish"
    message_zh = "此项公示只能由业主委员会作出（{basis}）。"
    message_en = "Only the committee publishes this ({basis})."
    words = MappingProxyType({"basis": labels.citation})


class StreetOfficeOnly(DomainError):
    """R-DISC-6: only the street office of the jurisdiction evaluates a committee; it never grades itself."""

    code = "disclosure.street_office_only"
    status = 403
    title = "The street office's to record"
    message_zh = "委员会履职评价只能由物业所在地街道办事处（乡镇人民政府）记录（{basis}）。"
    message_en = "Only the street office of the estate's jurisdiction records a committee's evaluation ({basis})."
    words = MappingProxyType({"basis": labels.citation})


class AlreadyPublished(DomainError):
    code = "disclosure.already_published"
    status = 409
    title = "Already published"
    message_zh = "该委员会 {period} 的此项公示或记录已于 {published_at} 作出，不能重复。"
    message_en = "This committee's record for {period} was already made on {published_at}."


class PeriodOutsideTerm(DomainError):
    code = "disclosure.period_outside_term"
    status = 422
    title = "Outside the committee's term"
    message_zh = "{period} 不在该委员会任期（{starts_on} 至 {ends_on}）内。"
    message_en = "{period} is outside the committee's term ({starts_on} to {ends_on})."


class FeeEntriesMismatch(DomainError):
    """R-DISC-2: one entry for each owner member and alternate sitting at the half-year's end, no other."""

    code = "disclosure.fee_entries_mismatch"
    status = 422
    title = "Entries do not match the committee"
    message_zh = (
        "公示须逐一列明 {as_of} 在任的全部委员和候补委员（共 {expected} 人），每人一项，不得遗漏或多列"
        "（北京条例第四十四条第八项）。"
    )
    message_en = (
        "The publication lists every member and alternate sitting on {as_of} ({expected} in all), each once and "
        "nobody else (Beijing Art. 44(8))."
    )


class ReportDocumentInvalid(DomainError):
    code = "disclosure.report_document_invalid"
    status = 422
    title = "Document not accepted"
    message_zh = "{document} 须为 PDF、PNG 或 JPEG 文件且不为空。"
    message_en = "{document} must be a non-empty PDF, PNG or JPEG file."
