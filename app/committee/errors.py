"""Refusals of the committee records API (R-COMM) and of the street office's convening grounds (R-CONV-3)."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class CommitteeWriteNotAllowed(DomainError):
    """Who may write what, as the law assigns it (R-COMM-3): filings, 物管会 and changes of filed committees."""

    code = "committee.write_not_allowed"
    status = 403
    title = "The street office's to record"
    message_zh = "此事项只能由物业所在地街道办事处（乡镇人民政府）记录（{basis}）。"
    message_en = "Only the street office of the estate's jurisdiction records this ({basis})."
    words = MappingProxyType({"basis": labels.citation})


class ElectingVoteInvalid(DomainError):
    """R-COMM-6: a 业委会 linked to the evote vote that elected it."""

    code = "committee.electing_vote_invalid"
    status = 422
    title = "Not the vote that elected this committee"
    message_zh = (
        "所引用的表决不是选举本届业主委员会的表决：须为本小区已公布结果的整体选举，其委员和候补委员名额与"
        "本届记录相同，且未被其他届次引用（北京条例第三十九条、第四十二条）。"
    )
    message_en = (
        "The vote named is not the one that elected this committee: it must be a full election (FULL) of this estate "
        "whose result is published, with the same member and alternate seats, not already linked to another term "
        "(Beijing Arts. 39, 42)."
    )


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
    title = "Representative required"
    message_zh = (
        "单位业主须由其授权的自然人代表任职（给出代表的手机号码和授权委托书的 SHA-256），物管会的非业主委员须以本人"
        "账户任职（给出手机号码）；业主委员会委员只能是业主（北京条例第三十九条第二款、第五十四条）。"
    )
    message_en = (
        "An organisation serves through its authorised natural-person representative (give the representative's "
        "mobile number and the SHA-256 of the letter of authorisation), a property management "
        "committee member who is not an owner through "
        "their own account (give the mobile number); an owners' committee seats owners only (Beijing Arts. 39 ¶2, 54)."
    )


class MemberIdentityRequired(DomainError):
    code = "committee.member_identity_required"
    status = 422
    title = "Owner not named"
    message_zh = "业主委员须给出其在业主名册中的证件类型和号码（北京条例第三十九条）。"
    message_en = "An owner member is named by the identity document and number in the register (Beijing Art. 39)."


class FormationGroundRequired(DomainError):
    code = "committee.formation_ground_required"
    status = 422
    title = "Art. 53 ground required"
    message_zh = "组建物业管理委员会须说明北京条例第五十三条规定的情形。"
    message_en = "A property management committee is formed on one of the grounds of Beijing Art. 53; give it."


class EndReasonNotRecordable(DomainError):
    code = "committee.end_reason_not_recordable"
    status = 422
    title = "End reason not recordable"
    message_zh = (
        "不再是业主由新导入的业主名册自动认定，候补委员递补经递补程序记录，均不能直接记录"
        "（北京条例第四十一条、第四十六条）。"
    )
    message_en = (
        "Ceasing to be an owner is found from a newly imported register version and an alternate's promotion is "
        "recorded by filling the vacancy; neither is recorded directly (Beijing Arts. 41, 46)."
    )


class StartOutsideTerm(DomainError):
    code = "committee.start_outside_term"
    status = 422
    title = "Start outside the term"
    message_zh = "任职开始日 {started_on} 不在委员会任期 {starts_on} 至 {ends_on} 内。"
    message_en = "The start {started_on} is outside the committee's term {starts_on} to {ends_on}."


class SeatInvalid(DomainError):
    code = "committee.seat_invalid"
    status = 409
    title = "Seat not available"
    message_zh = "第 {seat} 席不可用：席位须在 1 至 {seats} 之间且当前空缺。"
    message_en = "Seat {seat} is not available: it must be between 1 and {seats} and vacant."


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
    """The street office's ground for convening is not made out (R-CONV-3); one subclass per reason."""

    abstract = True
    code = "convening.trigger_facts_invalid"
    status = 422
    title = "Convening ground not made out"
    message_zh = "街道办事处代为召集的依据不成立。"
    message_en = "The street office's ground for convening is not made out."


class OrderIncomplete(TriggerFactsInvalid):
    code = "convening.order_incomplete"
    message_zh = "须记录未履职的委员会，以及责令召集的日期和期限（北京条例第三十六条、第四十八条）。"
    message_en = "Record the committee that failed, and the order's date and time limit (Beijing Arts. 36, 48)."


class DeadlineNotPassed(TriggerFactsInvalid):
    code = "convening.deadline_not_passed"
    message_zh = "责令召集的期限 {deadline_on} 尚未届满，街道办事处尚不能代为召集（北京条例第三十六条）。"
    message_en = "The time limit {deadline_on} given to the committee has not passed yet (Beijing Art. 36)."


class CommitteeStillFunctions(TriggerFactsInvalid):
    code = "convening.committee_still_functions"
    message_zh = "委员会 {seats} 席中仍有 {sitting} 名委员在任，未少于半数（北京条例第四十八条）。"
    message_en = "{sitting} of the committee's {seats} seats are held, not fewer than half (Beijing Art. 48)."


class CommitteeInPlace(TriggerFactsInvalid):
    code = "convening.committee_in_place"
    message_zh = "本小区有在任期内并已备案的业主委员会或物业管理委员会，由其召集（北京条例第二十四条、第五十二条）。"
    message_en = (
        "The estate has a filed owners' committee or a property management committee in term,"
        " which convenes (Beijing Arts. 24, 52)."
    )


class EmergencyServiceOver(TriggerFactsInvalid):
    code = "convening.emergency_service_over"
    message_zh = "应急物业服务期间为 {starts_on} 至 {ends_on}，今日不在其内（北京条例第七十七条）。"
    message_en = "The emergency service runs from {starts_on} to {ends_on}; today is outside it (Beijing Art. 77)."


class TriggerInFuture(TriggerFactsInvalid):
    code = "convening.trigger_in_future"
    message_zh = "日期 {occurred_on} 晚于今日。"
    message_en = "The date {occurred_on} is in the future."


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


TRIGGER_ERRORS = (
    OrderIncomplete,
    DeadlineNotPassed,
    CommitteeStillFunctions,
    CommitteeInPlace,
    EmergencyServiceOver,
    TriggerInFuture,
)
"""Every way a convening ground is not made out, for the routes' problem declarations."""
