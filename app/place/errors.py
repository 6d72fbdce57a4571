from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class PlaceNameTaken(DomainError):
    """A place of that name exists under the same parent; ``existing_id`` (an extension member) is its id."""

    code = "place.name_taken"
    status = 409
    title = "Name already used"
    message_zh = "同一上级下已存在名为“{name}”的{kind}（编号 {existing_id}）。"
    message_en = "A {kind} named '{name}' already exists under the same parent (id {existing_id})."
    words = MappingProxyType({"kind": labels.PLACE_KINDS})


class DeveloperIdentifierRequired(DomainError):
    code = "place.developer_identifier_required"
    status = 422
    title = "Developer needs a credit code"
    message_zh = "登记建设单位时须同时提供名称和统一社会信用代码。"
    message_en = "A developer needs both a name and a unified social credit code."


class DistrictCodeUnknown(DomainError):
    code = "place.district_code_unknown"
    status = 422
    title = "Not a Beijing district code"
    message_zh = "“{code}”不是北京市的区级行政区划代码（国家标准《中华人民共和国行政区划代码》，110101–110119）。{hint}"
    message_en = "'{code}' is not the GB/T 2260 code of a Beijing district (110101–110119). {hint}"


class DistrictNameMismatch(DomainError):
    code = "place.district_name_mismatch"
    status = 422
    title = "District code and name disagree"
    message_zh = "行政区划代码 {code} 是{official}，不是“{name}”。{hint}"
    message_en = "District code {code} is {official}, not '{name}'.{hint}"


class PlaceMergeInvalid(DomainError):
    code = "place.merge_invalid"
    status = 422
    title = "Places cannot be merged"
    message_zh = "无法合并：{reason}"
    message_en = "Cannot merge: {reason}"


class PlaceMergeConflict(DomainError):
    code = "place.merge_conflict"
    status = 409
    title = "A child of the duplicate has a namesake"
    message_zh = (
        "合并后同名冲突：两处都有名为“{name}”的下级单位，请先合并它们（编号 {child_id} 与 {target_child_id}）。"
    )
    message_en = "Both places have a child named '{name}': merge those first ({child_id} into {target_child_id})."
