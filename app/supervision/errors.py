"""Refusals of the supervision API (R-SUP-1..3): one stable code each, with zh/en messages."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class NotSuspendable(DomainError):
    code = "supervision.not_suspendable"
    status = 409
    title = "Vote cannot be suspended"
    message_zh = "该表决当前状态为 {status}，只有已公告或正在投票的表决可以暂停。"
    message_en = "The vote is {status}; only a published or open vote can be suspended."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class NotSuspended(DomainError):
    code = "supervision.not_suspended"
    status = 409
    title = "Vote is not suspended"
    message_zh = "该表决当前状态为 {status}，未被暂停，无需恢复。"
    message_en = "The vote is {status}, not suspended; there is nothing to resume."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class NotDecided(DomainError):
    code = "supervision.not_decided"
    status = 409
    title = "No decision to revoke"
    message_zh = "该表决当前状态为 {status}，尚未形成决定，不能撤销；可责令限期改正或暂停表决。"
    message_en = (
        "The vote is {status} and has no decision yet, so nothing can be revoked; order a correction or suspend "
        "the vote instead."
    )
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class AlreadyRevoked(DomainError):
    code = "supervision.already_revoked"
    status = 409
    title = "Decision already revoked"
    message_zh = "该决定已被撤销（{status}），不能再作监督处理。"
    message_en = "The decision is already revoked ({status}); no further supervision action applies."
    words = MappingProxyType({"status": {**labels.VOTE_STATUSES, **labels.DECISION_STATUSES}})


class NotSupervisable(DomainError):
    code = "supervision.not_published"
    status = 409
    title = "Vote not published"
    message_zh = "该表决当前状态为 {status}（未发布公告或已取消），不能责令改正。"
    message_en = "The vote is {status} (notice not published, or cancelled); no correction can be ordered."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class DeadlineNotInFuture(DomainError):
    code = "supervision.deadline_not_in_future"
    status = 422
    title = "Deadline not in the future"
    message_zh = "改正期限 {deadline} 必须晚于当前时间 {now}。"
    message_en = "The correction deadline {deadline} must be later than now ({now})."


class AlreadyFollowedUp(DomainError):
    code = "supervision.already_followed_up"
    status = 409
    title = "Correction order already concluded"
    message_zh = "该责令改正决定已于 {acted_at} 作出处理结论。"
    message_en = "This correction order was already concluded at {acted_at}."


class DecisionAlreadyRevoked(DomainError):
    code = "supervision.decision_already_revoked"
    status = 409
    title = "Decision already revoked"
    message_zh = "该议题的决定已于 {acted_at} 被撤销（{status}），不能再次撤销。"
    message_en = "This topic's decision was already revoked at {acted_at} ({status}); it cannot be revoked again."
    words = MappingProxyType({"status": {**labels.VOTE_STATUSES, **labels.DECISION_STATUSES}})


class NoDecisionOnTopic(DomainError):
    """R-SUP-7: only a decision can be revoked; a topic without quorum, rejected or consulted decided nothing."""

    code = "supervision.no_decision_on_topic"
    status = 409
    title = "Topic decided nothing"
    message_zh = "该议题的表决结果为 {outcome}，未形成决定，没有可撤销的决定。"
    message_en = "The topic's outcome is {outcome}: it decided nothing, so there is no decision to revoke."
    words = MappingProxyType({"outcome": labels.OUTCOMES})
