"""Refusals of the first-assembly procedure (R-FIRST)."""

from __future__ import annotations

from app.errors import DomainError


class PreparatoryGroupNotAllowed(DomainError):
    """R-FIRST-1: only the street office of the estate's jurisdiction forms and records the 筹备组 (Art. 31)."""

    code = "first_assembly.street_office_only"
    status = 403
    title = "The street office forms the preparatory group"
    message_zh = "筹备组由物业所在地街道办事处（乡镇人民政府）组建并记录（北京条例第三十一条）。"
    message_en = (
        "Only the street office of the estate's jurisdiction forms and records the preparatory group (Beijing Art. 31)."
    )


class FormedOnInvalid(DomainError):
    code = "first_assembly.formed_on_invalid"
    status = 422
    title = "Forming date not allowed"
    message_zh = (
        "筹备组成立日期 {formed_on} 不得晚于今日 {today}，也不得早于所答复的成立业主大会申请提交日 {submitted_on}。"
    )
    message_en = (
        "The preparatory group's forming date {formed_on} may not be after today {today} nor before the application "
        "it answers was submitted ({submitted_on})."
    )


class ApplicationInvalid(DomainError):
    """R-LIFE-9, Art. 30: the group answers a submitted first-assembly application of the same estate."""

    code = "first_assembly.application_invalid"
    status = 422
    title = "Not a submitted first-assembly application"
    message_zh = "所引用的申请不是本小区已提交的成立业主大会申请（北京条例第三十条）。"
    message_en = "The application named is not a submitted first-assembly application of this estate (Beijing Art. 30)."


class NotAFirstAssemblyVote(DomainError):
    code = "first_assembly.not_first_assembly_vote"
    status = 409
    title = "Not a first-assembly vote"
    message_zh = "该表决不是由筹备组召集的首次业主大会会议，公示事项异议不适用（北京条例第三十二条）。"
    message_en = (
        "The vote is not a first assembly convened by the preparatory group; objections to its publicity do not "
        "apply (Beijing Art. 32)."
    )
