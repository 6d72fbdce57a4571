"""Errors of sign-in (one-time codes, refresh tokens) and of staff accounts.

The 401s subclass ``Unauthenticated`` so their problem responses carry ``WWW-Authenticate: Bearer``. Login
failures share one code (``auth.code_invalid``) whatever the cause: wrong, expired, used up or never sent,
so a caller learns nothing about other people's codes or accounts.
"""

from __future__ import annotations

from types import MappingProxyType

from app.common.errors import Unauthenticated
from app.errors import DomainError
from app.rules import labels


class PhoneInvalid(DomainError):
    code = "auth.phone_invalid"
    status = 422
    title = "Invalid mobile number"
    message_zh = "手机号码格式不正确，请输入 11 位中国大陆手机号。"
    message_en = "The mobile number is invalid; enter an 11-digit mainland China mobile number."


class RateLimited(DomainError):
    """Too many codes for one number; ``extra`` carries ``retry_after`` (seconds) and ``retry_at`` (RFC 3339,
    Beijing time)."""

    code = "auth.rate_limited"
    status = 429
    title = "Too many requests"
    message_zh = "验证码发送过于频繁，请 {retry_after} 秒后再试。"
    message_en = "Too many codes requested; retry in {retry_after} seconds."


class SmsUnavailable(DomainError):
    code = "auth.sms_unavailable"
    status = 503
    title = "SMS service unavailable"
    message_zh = "短信服务暂时不可用，请稍后重试。"
    message_en = "The SMS service is temporarily unavailable; retry later."


class CodeInvalid(Unauthenticated):
    code = "auth.code_invalid"
    status = 401
    title = "Invalid or expired code"
    message_zh = "验证码错误或已失效，请重新获取。"
    message_en = "The code is wrong or no longer valid; request a new one."


class AccountDisabled(DomainError):
    code = "auth.account_disabled"
    status = 403
    title = "Account disabled"
    message_zh = "该账号已被停用，请联系平台管理员。"
    message_en = "This account is disabled; contact the operator."


class RefreshInvalid(Unauthenticated):
    code = "auth.refresh_invalid"
    status = 401
    title = "Invalid refresh token"
    message_zh = "登录已失效，请重新登录。"
    message_en = "The refresh token is not valid; sign in again."


class RefreshReused(Unauthenticated):
    """A refresh token was presented twice: the whole family is revoked (it may have been stolen)."""

    code = "auth.refresh_reused"
    status = 401
    title = "Refresh token reused"
    message_zh = "检测到登录凭证被重复使用，为保护账号安全已全部失效，请重新登录。"
    message_en = "A refresh token was used twice; all sessions from that sign-in are revoked. Sign in again."


class AccountRequired(DomainError):
    code = "auth.account_required"
    status = 403
    title = "Account required"
    message_zh = "此操作需要以个人账号登录，不能使用接口密钥。"
    message_en = "This operation needs a signed-in account; API keys cannot use it."


class RoleExists(DomainError):
    code = "identity.role_exists"
    status = 409
    title = "Role already granted"
    message_zh = "该账号已拥有此范围内的角色 {role}。"
    message_en = "The account already holds role {role} for this place."
    words = MappingProxyType({"role": labels.ROLES})
