"""Beijing's districts by their GB/T 2260 administrative-division codes (中华人民共和国行政区划代码).

A district is identified by its code; the name given with it must be the code's name, so "110106 朝阳区" (110106 is
丰台区) is refused instead of creating a second 朝阳区 (R-PLACE-1). Pure data and one check, no I/O.
"""

from __future__ import annotations

from app.errors import Text
from app.place.errors import DistrictCodeUnknown, DistrictNameMismatch

BEIJING_DISTRICTS: dict[str, str] = {
    "110101": "东城区",
    "110102": "西城区",
    "110105": "朝阳区",
    "110106": "丰台区",
    "110107": "石景山区",
    "110108": "海淀区",
    "110109": "门头沟区",
    "110111": "房山区",
    "110112": "通州区",
    "110113": "顺义区",
    "110114": "昌平区",
    "110115": "大兴区",
    "110116": "怀柔区",
    "110117": "平谷区",
    "110118": "密云区",
    "110119": "延庆区",
}
_CODES_BY_NAME = {name: code for code, name in BEIJING_DISTRICTS.items()}


def check_district(code: str, name: str) -> str:
    """The district's official name when ``code`` is a Beijing district's and ``name`` is its name (spaces aside,
    the 区 suffix optional); otherwise ``DistrictCodeUnknown`` or ``DistrictNameMismatch``, naming the right pair."""
    code = code.strip()
    official = BEIJING_DISTRICTS.get(code)
    given = "".join(name.split())
    if official is None:
        hint = _CODES_BY_NAME.get(given) or _CODES_BY_NAME.get(given + "区")
        raise DistrictCodeUnknown(
            code=code, hint=Text(f"{given}的代码是 {hint}。", f"{given} is {hint}.") if hint else Text("", "")
        )
    if given not in (official, official.removesuffix("区")):
        right = _CODES_BY_NAME.get(given) or _CODES_BY_NAME.get(given + "区")
        raise DistrictNameMismatch(
            code=code,
            official=official,
            name=given,
            hint=Text(f"{given}的代码是 {right}。", f" {given} is {right}.") if right else Text("", ""),
        )
    return official
