"""Errors of notices and the outbox."""

from __future__ import annotations

from app.errors import DomainError


class OutboxMessageNotDead(DomainError):
    """Only a dead letter is retried by hand; a pending message is retried by the dispatcher on its own."""

    code = "notice.outbox_not_dead"
    status = 409
    title = "Message is not a dead letter"
    message_zh = "该消息状态为 {status}，只有投递失败（DEAD）的消息可以重试。"
    message_en = "The message is {status}; only a dead letter (DEAD) can be retried."
