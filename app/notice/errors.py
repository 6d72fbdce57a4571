"""Errors of notices and the outbox."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class OutboxMessageNotDead(DomainError):
    """Only a dead letter is retried by hand; a pending message is retried by the dispatcher on its own."""

    code = "notice.outbox_not_dead"
    status = 409
    title = "Message is not a dead letter"
    message_zh = "该消息状态为{status}，只有投递失败的消息可以重试。"
    message_en = "The message is {status}; only a dead letter (DEAD) can be retried."
    words = MappingProxyType({"status": labels.OUTBOX_STATUSES})


class DeviceLimitReached(DomainError):
    """R-PART-4: an account registers at most ``MAX_DEVICES`` push devices; delete one first."""

    code = "notice.device_limit"
    status = 409
    title = "Too many devices"
    message_zh = "每个账户最多登记 {limit} 台接收推送的设备，请先删除不再使用的设备。"
    message_en = "An account registers at most {limit} push devices; delete one you no longer use first."
