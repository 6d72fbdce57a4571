"""Refusals of the committee records API (R-COMM) and of the street office's convening grounds (R-CONV-3)."""

from __future__ import annotations

from app.errors import DomainError


class CommitteeWriteNotAllowed(DomainError):
    """Who may write what, as the law assigns it (R-COMM-3)."""

    code = "committee.write_not_allowed"
    status = 403
    title = "Not yours to record"
    message_zh = "{what_zh}只能由{who_zh}记录（{basis}）。"
    message_en = "{what_en} is recorded by {who_en} only ({basis})."


class CommitteeAlreadyFiled(DomainError):
    code = "committee.already_filed"
    status = 409
    title = "Committee already filed"
    message_zh = "该委员会已于 {filed_on} 备案。"
    message_en = "The committee was already filed on {filed_on}."


class FilingDateInvalid(DomainError):
    code = "committee.filing_date_invalid"
    status = 422
    title = "Filing date not allowed"
    message_zh = (
        "备案日期 {filed_on} 应在任期开始日 {starts_on} 当日或之后，且不晚于今日 {today}（北京条例第四十三条）。"
    )
    message_en = (
        "The filing date {filed_on} must be on or after the term's first day {starts_on} and not after today "
        "{today} (Beijing Art. 43)."
    )


class MemberNotOnRegister(DomainError):
    code = "committee.member_not_on_register"
    status = 422
    title = "Not an owner of the estate"
    message_zh = (
        "该证件号码对应的业主不在本小区当前业主名册（第 {version} 版）中；"
        "委员和候补委员须为本小区业主（北京条例第三十九条）。"
    )
    message_en = (
        "No owner with this identifier is in the estate's current register (version {version}); members and "
        "alternates must be owners of the estate (Beijing Art. 39)."
    )


class MemberRepresentationInvalid(DomainError):
    code = "committee.member_representation_invalid"
    status = 422
    title = "Representation not allowed"
    message_zh = "{reason_zh}（北京条例第三十九条第二款、第五十四条）。"
    message_en = "{reason_en} (Beijing Arts. 39 ¶2, 54)."


class SeatInvalid(DomainError):
    code = "committee.seat_invalid"
    status = 409
    title = "Seat not available"
    message_zh = "{seat_kind_zh}席位 {seat} 不可用：席位须在 1 至 {seats} 之间且当前空缺。"
    message_en = "{seat_kind} seat {seat} is not available: it must be between 1 and {seats} and vacant."


class AlreadySitting(DomainError):
    code = "committee.already_sitting"
    status = 409
    title = "Already on the committee"
    message_zh = "该业主已是本届委员会的委员或候补委员。"
    message_en = "This owner already holds a seat or an alternate seat on this committee."


class MemberNotSitting(DomainError):
    code = "committee.member_not_sitting"
    status = 409
    title = "Member no longer sitting"
    message_zh = "该委员已于 {ended_on} 离任。"
    message_en = "The member left on {ended_on}."


class NotAnAlternate(DomainError):
    code = "committee.not_an_alternate"
    status = 409
    title = "Not an alternate"
    message_zh = "只有候补委员可以递补空缺的委员席位（北京条例第四十一条第三款）。"
    message_en = "Only an alternate fills a vacant member seat (Beijing Art. 41 ¶3)."


class CommitteeOverlaps(DomainError):
    code = "committee.term_overlaps"
    status = 409
    title = "Another committee in term"
    message_zh = "本小区已有任期为 {starts_on} 至 {ends_on} 的同类委员会，任期不得重叠。"
    message_en = (
        "The estate already has a committee of this kind with the term {starts_on} to {ends_on}; terms may not overlap."
    )


class TriggerFactsInvalid(DomainError):
    code = "convening.trigger_facts_invalid"
    status = 422
    title = "Convening ground not made out"
    message_zh = "街道办事处代为召集的依据不成立：{reason_zh}（{basis}）。"
    message_en = "The street office's ground for convening is not made out: {reason_en} ({basis})."


class RegisterRequired(DomainError):
    code = "committee.register_required"
    status = 409
    title = "No register"
    message_zh = "本小区尚未导入业主名册，无法核对委员是否为业主及小区户数（北京条例第三十九条）。"
    message_en = (
        "The estate has no register yet, so members' ownership and the household count cannot be checked "
        "(Beijing Art. 39)."
    )


class RepresentativeUnknown(DomainError):
    code = "committee.representative_unknown"
    status = 422
    title = "No account for this phone"
    message_zh = "该手机号码没有注册账户；代表须先以本人手机号码登录一次。"
    message_en = "No account has this mobile number; the representative signs in once with their own number first."
