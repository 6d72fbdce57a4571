"""Errors of real-name verification (R-CAST-1, R-PI-1..4) and its abuse limits."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from app.common.schemas import beijing_rfc3339
from app.errors import DomainError
from app.rules import labels


class AccountRequired(DomainError):
    code = "verification.account_required"
    status = 403
    title = "Account required"
    message_zh = "实名认证须使用本人手机号登录的账号，服务密钥不能进行实名认证。"
    message_en = "Real-name verification needs a signed-in account; service keys cannot verify."


class VerificationMismatch(DomainError):
    """One code for every mismatch cause, so the answer never reveals whether an ID number is in the register."""

    code = "verification.mismatch"
    status = 422
    title = "Verification failed"
    message_zh = "身份信息与业主登记资料不一致，请核对证件号码和不动产权证号，或申请人工审核。"
    message_en = (
        "The details do not match the owners' register; check the ID and certificate numbers, "
        "or apply for manual review."
    )


class IdNumberInvalid(DomainError):
    code = "verification.id_invalid"
    status = 422
    title = "Invalid ID number"
    message_zh = "证件号码格式或校验位不正确。"
    message_en = "The identity document number is malformed or its check character is wrong."


class AlreadyVerified(DomainError):
    code = "verification.already_verified"
    status = 409
    title = "Already verified"
    message_zh = "本账号已完成实名认证，不能再认证为其他业主或重复申请。"
    message_en = "This account is already verified; it cannot be verified as another owner or apply again."


class VerificationLocked(DomainError):
    """Too many failed attempts for the account or for the ID number; ``retry_at`` in extra."""

    code = "verification.locked"
    status = 429
    title = "Too many failed attempts"
    message_zh = "认证失败次数过多，请于 {retry_at} 之后再试，或申请人工审核。"
    message_en = "Too many failed attempts; retry after {retry_at}, or apply for manual review."

    def __init__(self, *, retry_at: datetime, retry_after: int) -> None:
        stamp = beijing_rfc3339(retry_at, round_up=True)
        super().__init__(retry_at=retry_at, extra={"retry_at": stamp, "retry_after": retry_after})
        self.retry_after = retry_after


class AssertionInvalid(DomainError):
    """The identity provider's assertion is not acceptable; the reason is kept for the event log, not shown."""

    code = "verification.assertion_invalid"
    status = 401
    title = "Identity assertion rejected"
    message_zh = "身份核验结果无效或已过期，请重新进行身份核验。"
    message_en = "The identity provider's assertion is invalid or expired; verify again."

    def __init__(self, *, reason: str) -> None:
        super().__init__()
        self.reason = reason


class OwnerNotInRegister(DomainError):
    code = "verification.owner_not_in_register"
    status = 422
    title = "Not an owner in the register"
    message_zh = "该证件号码在本小区最新的业主登记册中没有房屋，不能通过审核；请先更正登记册。"
    message_en = "This ID number owns no unit in the estate's latest register; correct the register first."


class AlreadyDecided(DomainError):
    code = "verification.already_decided"
    status = 409
    title = "Already decided"
    message_zh = "该人工审核申请已处理（{status}）。"
    message_en = "The manual verification request has already been decided ({status})."
    words = MappingProxyType({"status": labels.REVIEW_STATUSES})


class RequestPending(DomainError):
    code = "verification.request_pending"
    status = 409
    title = "Request already pending"
    message_zh = "您在该小区已有待审核的人工认证申请，请等待处理结果。"
    message_en = "You already have a pending manual verification request for this estate."


class DocumentUnsupported(DomainError):
    code = "verification.document_unsupported"
    status = 422
    title = "Unsupported document"
    message_zh = "证件文件须为 JPEG、PNG 或 PDF 格式（按文件内容判断）。"
    message_en = "The document must be a JPEG, PNG or PDF file (judged by its content)."


class DocumentDeleted(DomainError):
    code = "verification.document_deleted"
    status = 410
    title = "Document deleted"
    message_zh = "该证件文件已按规定在审核决定后删除，审核记录仍保留。"
    message_en = "The document was deleted after the decision; the decision record is kept."
    rules = ("R-PI-4",)
