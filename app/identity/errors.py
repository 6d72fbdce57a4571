from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class ScopeInvalid(DomainError):
    code = "identity.scope_invalid"
    status = 422
    title = "Scope does not match role"
    message_zh = (
        "角色 {role} 的授权范围不正确：管理员不限范围；街道须指定街道办事处；业委会、审计须指定小区；"
        "居委会观察员须指定社区。"
    )
    message_en = (
        "The scope does not fit role {role}: an admin has none, a street office names its street office, "
        "a committee or auditor names its estate, an observer names its community."
    )
    words = MappingProxyType({"role": labels.ROLES})
