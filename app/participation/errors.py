"""Errors of the participation view and the non-voters' reminder (R-PART)."""

from __future__ import annotations

from types import MappingProxyType

from app.common.errors import TooManyRequests
from app.errors import DomainError
from app.rules import labels


class ParticipationNotOpen(DomainError):
    """R-PART-1: the list of groups that have not voted exists only while the vote takes ballots."""

    code = "participation.not_open"
    status = 409
    title = "Vote is not taking ballots"
    message_zh = "投票当前状态为 {status}，仅在投票期间可以查看未投票的投票单位或发送提醒。"
    message_en = "The vote is {status}; the groups that have not voted are listed, and reminded, only while it is open."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class ParticipationNotOpenToRole(DomainError):
    """R-PART-1: the residents' committee and the auditor see turnout totals, not which groups voted."""

    code = "participation.role_not_allowed"
    status = 403
    title = "Not open to this role"
    message_zh = "只有组织者和街道办事处可以查看哪些投票单位尚未投票。"
    message_en = "Only the organiser and the street office see which voter groups have not voted."


class ReminderTooSoon(TooManyRequests):
    """R-PART-3: at most one non-voters' reminder per vote in ``REMINDER_INTERVAL``."""

    code = "participation.reminder_too_soon"
    status = 429
    title = "Reminder sent recently"
    message_zh = "该投票在 {interval_hours} 小时内已发送过提醒，请 {retry_after} 秒后再试。"
    message_en = "A reminder was sent for this vote within {interval_hours} hours; retry in {retry_after} seconds."


class NoOneToRemind(DomainError):
    """R-PART-3: every group has voted, or no account is bound to or granted for a group that has not."""

    code = "participation.no_recipients"
    status = 409
    title = "No one to remind"
    message_zh = "没有可以提醒的账户：所有投票单位均已投票，或未投票的投票单位没有绑定或授权的账户。"
    message_en = (
        "No one to remind: every group has voted, or no account is bound to or granted for a group that has not."
    )
