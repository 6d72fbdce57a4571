"""Errors of reminder dates."""

from __future__ import annotations

from app.errors import DomainError


class ReminderDatesInvalid(DomainError):
    """A reminder date outside any plausible range (typing errors such as year 0202 or 2202)."""

    code = "notice.reminder_date_invalid"
    status = 422
    title = "Invalid reminder date"
    message_zh = "日期 {field} = {value} 超出允许范围（{earliest} 至 {latest}）。"
    message_en = "The date {field} = {value} is outside the allowed range ({earliest} to {latest})."
