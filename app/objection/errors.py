"""Errors of the roll open to owners and of objections to it (R-ROLL-7)."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class NotEstateOwner(DomainError):
    """Objections are the estate's owners' (SPC Interpretation (2020) Art. 13); staff answer them."""

    code = "objection.not_estate_owner"
    status = 403
    title = "Not an owner of the estate"
    message_zh = "只有已完成实名认证并绑定本小区的业主可以对表决名册提出异议。"
    message_en = "Only a verified owner bound to this estate may object to the vote's roll."


class RollNotOpenToRole(DomainError):
    """R-ROLL-7: the owners, the organiser and the street office read the roll with owners' names."""

    code = "objection.roll_not_open_to_role"
    status = 403
    title = "The roll is not open to this role"
    message_zh = "表决名册（含遮蔽后的业主姓名）仅向本小区业主、组织者和街道办事处公开。"
    message_en = (
        "The vote's roll (with masked owner names) is open to the estate's owners, the organiser and the street "
        "office only."
    )


class NoticePeriodOver(DomainError):
    """R-ROLL-7: objections are filed after publication and before voting opens."""

    code = "objection.notice_period_over"
    status = 409
    title = "Not in the notice period"
    message_zh = "异议只能在名册公示后、投票开始（{starts_at}）前提出；当前状态为 {status}。"
    message_en = (
        "Objections are filed after the roll is published and before voting opens ({starts_at}); the vote is {status}."
    )
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class EntryNotFound(DomainError):
    code = "objection.entry_not_found"
    status = 404
    title = "Roll entry not found"
    message_zh = "本次表决的名册中没有这个表决组，或该房屋不属于这个表决组。"
    message_en = "The vote's roll has no such voter group, or the unit is not in that group."


class ObjectionNotFound(DomainError):
    code = "objection.not_found"
    status = 404
    title = "Objection not found"
    message_zh = "未找到该异议。"
    message_en = "Objection not found."


class AlreadyAnswered(DomainError):
    code = "objection.already_answered"
    status = 409
    title = "Already answered"
    message_zh = "该异议已于 {answered_at} 答复（{decision}），答复不可更改。"
    message_en = "The objection was answered at {answered_at} ({decision}); an answer is final."
    words = MappingProxyType({"decision": labels.OBJECTION_DECISIONS})


class AnswerAfterClose(DomainError):
    """Answers are part of the result's evidence, which is fixed at the close (R-ROLL-7)."""

    code = "objection.vote_closed"
    status = 409
    title = "Vote closed"
    message_zh = "表决已结束（当前状态 {status}），不能再答复异议；未答复的异议列入结果的证据。"
    message_en = (
        "The vote has closed (status {status}); objections can no longer be answered and the unanswered ones are "
        "listed in the result's evidence."
    )
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class RollUnchanged(DomainError):
    code = "objection.roll_unchanged"
    status = 409
    title = "No newer register version"
    message_zh = "本小区没有比本次表决名册所依据的第 {number} 版更新的业主名册版本；请先导入更正后的名册。"
    message_en = (
        "The estate has no register version newer than version {number}, which the vote's roll was taken from; "
        "import the corrected register first."
    )


class ObjectionNotAccepted(DomainError):
    code = "objection.not_accepted"
    status = 409
    title = "Objection not accepted"
    message_zh = "只能依据已采纳且尚未更正的异议重新公示名册（异议 {objection_id}）。"
    message_en = "Only accepted objections not yet acted on can be cited by a corrected roll ({objection_id})."
