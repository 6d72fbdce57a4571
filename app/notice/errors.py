"""Errors of notices, the outbox, inspection downloads and reminder dates."""

from __future__ import annotations

from app.errors import DomainError


class OutboxMessageNotDead(DomainError):
    """Only a dead letter is retried by hand; a pending message is retried by the dispatcher on its own."""

    code = "notice.outbox_not_dead"
    status = 409
    title = "Message is not a dead letter"
    message_zh = "该消息状态为 {status}，只有投递失败（DEAD）的消息可以重试。"
    message_en = "The message is {status}; only a dead letter (DEAD) can be retried."


class ReminderDatesInvalid(DomainError):
    """A reminder date outside any plausible range (typing errors such as year 0202 or 2202)."""

    code = "notice.reminder_date_invalid"
    status = 422
    title = "Invalid reminder date"
    message_zh = "日期 {field} = {value} 超出允许范围（{earliest} 至 {latest}）。"
    message_en = "The date {field} = {value} is outside the allowed range ({earliest} to {latest})."
