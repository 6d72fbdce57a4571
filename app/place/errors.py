from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class PlaceNameTaken(DomainError):
    code = "place.name_taken"
    status = 409
    title = "Name already used"
    message_zh = "同一上级下已存在名为“{name}”的{kind}。"
    message_en = "A {kind} named '{name}' already exists under the same parent."
    words = MappingProxyType({"kind": labels.PLACE_KINDS})


class DeveloperIdentifierRequired(DomainError):
    code = "place.developer_identifier_required"
    status = 422
    title = "Developer needs a credit code"
    message_zh = "登记建设单位时须同时提供名称和统一社会信用代码。"
    message_en = "A developer needs both a name and a unified social credit code."
