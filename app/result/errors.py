"""Errors of closing a vote and of reading its turnout, result and ballots."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class VoteNotEnded(DomainError):
    """R-LIFE-6: the publicised window never closes early."""

    code = "vote.not_ended"
    status = 409
    title = "Voting has not ended"
    message_zh = "投票截止时间 {ends_at} 尚未到达，不得提前结束投票。"
    message_en = "Voting ends at {ends_at}; it may not be closed early."
    rules = ("R-LIFE-6",)


class VoteNotClosable(DomainError):
    """Only a published, not cancelled vote (its roll frozen, R-ROLL-1) has anything to decide."""

    code = "result.vote_not_closable"
    status = 409
    title = "Vote cannot be closed"
    message_zh = "该表决处于 {status} 状态（公告未发布或已撤销），不能结束或计票。"
    message_en = "The vote is {status} (not published, or cancelled); it cannot be closed or tallied."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class ResultNotPublished(DomainError):
    """R-LIFE-7: per-option counts are sealed until close; R-LIFE-8: they are shown once published. While the
    result is coming (before the end, closing, counting on paper) ``Retry-After`` and ``retry_after`` say how many
    seconds to wait (``app.result.service.result_wait``)."""

    code = "vote.result_not_published"
    status = 409
    title = "Result not published"
    message_zh = "表决结果尚未公布（当前状态 {status}），各选项票数在投票结束前保密。"
    message_en = "The result is not published yet (status {status}); per-option counts are sealed until close."
    rules = ("R-LIFE-7",)
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class BallotsSealed(DomainError):
    """R-LIFE-7 / R-PUB-2: per-unit ballots are only shown in the audit view after the close."""

    code = "result.ballots_sealed"
    status = 409
    title = "Ballots sealed until close"
    message_zh = "投票结束前不得查看分户表决情况（当前状态 {status}）。"
    message_en = "Per-unit ballots cannot be viewed before voting closes (status {status})."
    rules = ("R-LIFE-7", "R-PUB-2")
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class VoteTerminated(DomainError):
    """R-SUP-6: the street office terminated the vote while it was suspended; no decision was formed."""

    code = "result.vote_terminated"
    status = 409
    title = "Vote terminated without a decision"
    message_zh = (
        "该表决已于 {terminated_at} 被街道办事处终止（{document_ref}），未计票，未形成任何决定；"
        "如需再行表决，须重新发布公告。"
    )
    message_en = (
        "The street office terminated this vote at {terminated_at} ({document_ref}): nothing was counted and no "
        "decision was formed; a new vote needs a new notice."
    )


class CountingNotSignedOff(DomainError):
    """R-PAPER-3: a paper or mixed vote is closed and decided only once its counting session is signed off."""

    code = "counting.not_signed_off"
    status = 409
    title = "Paper ballots not yet counted"
    message_zh = "本次表决有书面投票：须在计票会议上录入纸质选票并经全部监票人确认后，才能结束计票并公布结果。"
    message_en = (
        "This vote takes paper ballots: it is decided and its result published only after the counting session "
        "has entered them and every witness has confirmed."
    )
    rules = ("R-PAPER-3",)


class CountingNotOpenable(DomainError):
    code = "counting.not_openable"
    status = 409
    title = "Counting session cannot be opened"
    message_zh = "该表决处于 {status} 状态，或计票会议已经召开，不能再召开计票会议。"
    message_en = "The vote is {status}, or its counting session was already opened; none can be opened."
    rules = ("R-PAPER-3",)
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class ReceptionsNotEntered(DomainError):
    """R-PAPER-3: every paper ballot received before the close is entered before the witnesses confirm the count; an
    unreadable or blank one is entered as spoiled, never left out."""

    code = "counting.receptions_not_entered"
    status = 409
    title = "Received paper ballots not yet entered"
    message_zh = "尚有 {count} 张已送达的书面表决票未录入计票，监票人不能确认；无法辨认或空白的应按废票录入。"
    message_en = (
        "{count} received paper ballot(s) are not entered yet, so the witnesses cannot confirm the count;"
        " an unreadable or blank one is entered as spoiled."
    )
    rules = ("R-PAPER-3",)


class CountingNotOpen(DomainError):
    code = "counting.not_open"
    status = 409
    title = "No counting session open"
    message_zh = "没有进行中的计票会议：计票会议尚未召开，或已有监票人确认、不再录入选票。"
    message_en = (
        "No counting session is open for entries: none was opened, or a witness has confirmed and the count is frozen."
    )
    rules = ("R-PAPER-3",)


class WitnessNotEligible(DomainError):
    """R-PAPER-3: a witness is confirmed against the estate: an owner bound to its register, its residents'
    committee (OBSERVER of its community) or its street office."""

    code = "counting.witness_not_eligible"
    status = 422
    title = "Witness not eligible"
    message_zh = "账户 {account_id} 不是本物业管理区域的{role}，不能担任该身份的监票人。"
    message_en = "Account {account_id} is not this estate's {role}; it cannot witness the counting as such."
    rules = ("R-PAPER-3",)
    words = MappingProxyType({"role": labels.WITNESS_ROLES})


class NotAWitness(DomainError):
    code = "counting.not_a_witness"
    status = 403
    title = "Not a witness of this counting"
    message_zh = "您不是本次计票会议的监票人，不能确认计票结果。"
    message_en = "You are not a witness of this counting session and cannot confirm it."
    rules = ("R-PAPER-3",)
