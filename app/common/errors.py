"""Errors any service may raise: authentication, authorisation, pagination and write conflicts."""

from typing import Any

from app.errors import DomainError, Text


class Unauthenticated(DomainError):
    code = "auth.unauthenticated"
    status = 401
    title = "Authentication required"
    message_zh = "需要有效的身份凭证。"
    message_en = "A valid credential is required."


class Forbidden(DomainError):
    code = "auth.forbidden"
    status = 403
    title = "Forbidden"
    message_zh = "无权执行此操作：{reason}。"
    message_en = "Not allowed: {reason}."

    def __init__(self, *, reason: Text, extra: dict[str, Any] | None = None) -> None:
        super().__init__(extra=extra, reason=reason)


class InvalidCursor(DomainError):
    code = "pagination.invalid_cursor"
    status = 400
    title = "Invalid cursor"
    message_zh = "分页游标无效。"
    message_en = "The pagination cursor is invalid."


class Conflict(DomainError):
    code = "db.conflict"
    status = 409
    title = "Conflict"
    message_zh = "数据冲突，请刷新后重试。"
    message_en = "The change conflicts with existing data; reload and retry."


class TooManyRequests(DomainError):
    """Too many sign-in or verification requests from one client address (rate limits and per-target limits)."""

    code = "request.rate_limited"
    status = 429
    title = "Too many requests"
    message_zh = "请求过于频繁，请 {retry_after} 秒后再试。"
    message_en = "Too many requests; retry in {retry_after} seconds."
