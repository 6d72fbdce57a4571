"""Errors of petitions (R-LIFE-9, R-LIFE-10). Entitlement to act for a group is ``cast.not_entitled``."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class PetitionNotFound(DomainError):
    code = "petition.not_found"
    status = 404
    title = "Petition not found"
    message_zh = "未找到该申请或提议。"
    message_en = "Petition not found."


class NotEstateOwner(DomainError):
    """Only the estate's owners open a petition; the developer's representative also opens an application."""

    code = "petition.not_owner"
    status = 403
    title = "Not an owner of the estate"
    message_zh = "只有本小区的业主（成立业主大会申请还包括建设单位的代表）才能发起。"
    message_en = (
        "Only an owner of the estate (for a first-assembly application, also the developer's representative) "
        "may open it."
    )


class GroupNotFound(DomainError):
    code = "petition.group_not_found"
    status = 404
    title = "Voter group not found"
    message_zh = "该小区的当前业主名册中没有这个表决组。"
    message_en = "The estate's current register has no such voter group."


class AlreadySigned(DomainError):
    """One signature per voter group (one head, R-HEAD): a second co-owner cannot sign again."""

    code = "petition.already_signed"
    status = 409
    title = "Already signed"
    message_zh = "该表决组已经签署过（每个表决组只计一人，共有人只能由其中一人签署）。"
    message_en = "This voter group has already signed (one head per group; co-owners sign once between them)."


class NotCollecting(DomainError):
    code = "petition.not_collecting"
    status = 409
    title = "Not collecting signatures"
    message_zh = "该申请或提议已提交或已结束，不再征集签名（当前状态：{status}）。"
    message_en = "The petition was submitted or closed and takes no more signatures (status: {status})."
    words = MappingProxyType({"status": labels.PETITION_STATUSES})


class NotOpener(DomainError):
    code = "petition.not_opener"
    status = 403
    title = "Not the opener"
    message_zh = "只有发起人可以提交或申请街道办事处责令召开。"
    message_en = "Only the person who opened the petition may submit or escalate it."


class ThresholdNotMet(DomainError):
    code = "petition.threshold_not_met"
    status = 409
    title = "Threshold not met"
    message_zh = "按当前业主名册计算尚未达到法定条件（{result}），不能提交。"
    message_en = "On the current register the legal threshold is not met ({result}), so it cannot be submitted."


class AlreadySubmitted(DomainError):
    code = "petition.already_submitted"
    status = 409
    title = "Already submitted"
    message_zh = "该申请或提议已经提交（当前状态：{status}）。"
    message_en = "The petition was already submitted (status: {status})."
    words = MappingProxyType({"status": labels.PETITION_STATUSES})


class NotEscalatable(DomainError):
    """Beijing Art. 36 concerns a committee that does not convene a meeting; an application goes to the street
    office directly."""

    code = "petition.not_escalatable"
    status = 409
    title = "Cannot be escalated"
    message_zh = "只有已提交给业主委员会的临时会议提议，才能请求街道办事处责令召开（当前状态：{status}）。"
    message_en = (
        "Only a temporary-meeting petition submitted to the committee can be escalated to the street office "
        "(status: {status})."
    )
    words = MappingProxyType({"status": labels.PETITION_STATUSES})
