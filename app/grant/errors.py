"""Errors of voter-group binding and acting grants (R-CAST-1..5). Rule errors live in ``app.rules.casting``."""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class AccountRequired(DomainError):
    code = "grant.account_required"
    status = 403
    title = "Account required"
    message_zh = "此操作需要以个人账号登录，不能使用接口密钥。"
    message_en = "This operation needs a signed-in account; API keys cannot use it."


class NotVerified(DomainError):
    """R-CAST-1: only identity-verified accounts are bound to voter groups."""

    code = "grant.not_verified"
    status = 403
    title = "Identity not verified"
    message_zh = "请先完成业主实名身份认证。"
    message_en = "Complete identity verification first."


class GrantNotFound(DomainError):
    code = "grant.not_found"
    status = 404
    title = "Grant not found"
    message_zh = "未找到该授权。"
    message_en = "Grant not found."


class GroupNotFound(DomainError):
    code = "grant.group_not_found"
    status = 404
    title = "Voter group not found"
    message_zh = "该小区的当前业主名册中没有这个表决组。"
    message_en = "The estate's current register has no such voter group."


class GroupNotInRoll(DomainError):
    code = "grant.group_not_in_roll"
    status = 409
    title = "Voter group no longer in the register"
    message_zh = "该表决组已不在小区当前业主名册中（名册已更新），授权不能再处理。"
    message_en = "The voter group is no longer in the estate's current register; the grant cannot proceed."


class NotGroupOwner(DomainError):
    """R-CAST-4 / R-CAST-2: only the group's owners (or an organisation's representative) authorise for it."""

    code = "grant.not_group_owner"
    status = 403
    title = "Not an owner of the voter group"
    message_zh = "只有该表决组的业主（单位业主由其法定代表人或被授权人）才能办理此授权。"
    message_en = "Only the voter group's owners (an organisation through its representative) may request this grant."


class NotSignatory(DomainError):
    code = "grant.not_signatory"
    status = 403
    title = "Not a signatory"
    message_zh = "您不是该表决组的业主，不能签署此授权。"
    message_en = "You are not an owner of this voter group and cannot sign the grant."


class SignatureNotApplicable(DomainError):
    code = "grant.signature_not_applicable"
    status = 422
    title = "No signatures for this kind"
    message_zh = "{kind}类授权由组织者审核证明材料，无需业主签署。"
    message_en = "A {kind} grant rests on documents the organiser checks; owners do not sign it."
    words = MappingProxyType({"kind": labels.GRANT_KINDS})


class GranteeRequired(DomainError):
    code = "grant.grantee_required"
    status = 422
    title = "Grantee required"
    message_zh = "委托代理须填写受托人的手机号。"
    message_en = "A proxy grant needs the agent's mobile number."


class GranteePhoneInvalid(DomainError):
    code = "grant.grantee_phone_invalid"
    status = 422
    title = "Invalid mobile number"
    message_zh = "受托人手机号格式不正确。"
    message_en = "The grantee's mobile number is not a valid mainland mobile number."


class GranteeNotVerified(DomainError):
    """R-CAST-4: the agent is real-name verified."""

    code = "grant.grantee_not_verified"
    status = 422
    title = "Grantee not verified"
    message_zh = "受托人尚未完成实名身份认证。"
    message_en = "The grantee has not completed identity verification."


class GranteeIsRequester(DomainError):
    code = "grant.grantee_is_requester"
    status = 422
    title = "Cannot authorise oneself"
    message_zh = "不能委托自己作为代理人。"
    message_en = "You cannot name yourself as your proxy."


class GranteeMustBeRequester(DomainError):
    code = "grant.grantee_must_be_requester"
    status = 422
    title = "The requester is the grantee"
    message_zh = "{kind}类授权须由本人申请，不能为他人申请。"
    message_en = "A {kind} grant is requested by the person who holds the right, not for someone else."
    words = MappingProxyType({"kind": labels.GRANT_KINDS})


class GranteeNotCoOwner(DomainError):
    """R-CAST-2: the designated representative is one of the co-owners."""

    code = "grant.grantee_not_co_owner"
    status = 422
    title = "Grantee is not a co-owner"
    message_zh = "指定代表必须是该表决组的共有人之一。"
    message_en = "The designated representative must be one of the group's co-owners."


class NotCoOwned(DomainError):
    code = "grant.not_co_owned"
    status = 422
    title = "Group is not co-owned"
    message_zh = "只有共有的表决组才能指定代表。"
    message_en = "Only a co-owned voter group designates a representative."


class NotOrganisation(DomainError):
    code = "grant.not_organisation"
    status = 422
    title = "Group has no organisation owner"
    message_zh = "只有单位业主（含建设单位）才通过法定代表人或盖章授权投票。"
    message_en = (
        "Only an organisation owner (or the developer) acts through a legal representative or sealed authorisation."
    )


class NoPersonOwner(DomainError):
    code = "grant.no_person_owner"
    status = 422
    title = "Group has no natural-person owner"
    message_zh = "监护只适用于自然人业主。"
    message_en = "Guardianship applies only to natural-person owners."


class EvidenceRequired(DomainError):
    code = "grant.evidence_required"
    status = 422
    title = "Evidence required"
    message_zh = "{kind}类授权须上传证明材料（填写其 SHA-256 哈希）。"
    message_en = "A {kind} grant needs its evidence document (give its SHA-256)."
    words = MappingProxyType({"kind": labels.GRANT_KINDS})


class ScopeNotApplicable(DomainError):
    code = "grant.scope_not_applicable"
    status = 422
    title = "Scope applies to proxies only"
    message_zh = "只有委托代理可以限定表决和议题范围。"
    message_en = "Only a proxy grant is limited to votes and topics."


class InstructionsRequired(DomainError):
    code = "grant.instructions_required"
    status = 422
    title = "Instructions required"
    message_zh = "按指示投票的委托须写明投票指示。"
    message_en = "An instructed proxy needs its voting instructions."


class ValidityRequired(DomainError):
    """R-CAST-4: a proxy authorisation states its validity period."""

    code = "grant.validity_required"
    status = 422
    title = "Validity period required"
    message_zh = "委托代理须写明有效期的起止时间。"
    message_en = "A proxy grant needs both valid_from and valid_until."


class ValidityInverted(DomainError):
    code = "grant.validity_inverted"
    status = 422
    title = "Validity period inverted"
    message_zh = "有效期结束时间必须晚于开始时间。"
    message_en = "valid_until must be after valid_from."


class ValidityPast(DomainError):
    code = "grant.validity_past"
    status = 422
    title = "Validity period already over"
    message_zh = "有效期已经结束。"
    message_en = "The validity period is already over."


class GrantExpired(DomainError):
    code = "grant.expired"
    status = 409
    title = "Grant expired"
    message_zh = "该授权的有效期已结束，不能再批准。"
    message_en = "The grant's validity period is over; it can no longer be approved."


class DesignationExists(DomainError):
    """R-CAST-2: the co-owners have one designated representative at a time."""

    code = "grant.designation_exists"
    status = 409
    title = "A representative is already designated"
    message_zh = "该表决组已有生效的指定代表，请先撤销。"
    message_en = "The voter group already has a designated representative in force; revoke it first."


class ProxyLimitReached(DomainError):
    """R-PROC-5 / R-CAST-4: the adopted rules of procedure forbid proxies, or cap the groups one agent represents."""

    code = "grant.proxy_limit_reached"
    status = 409
    title = "Proxy not allowed by the rules of procedure"
    message_zh = "现行议事规则不允许委托投票，或该代理人代理的表决组已达上限（{limit}）。"
    message_en = (
        "The rules of procedure in force do not allow proxies, or the agent already represents the maximum "
        "number of voter groups ({limit})."
    )
