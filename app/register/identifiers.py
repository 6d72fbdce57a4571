"""Identity documents of owners and their check characters, so a typo in a register is caught at import, not at
voting.

Being an owner depends on title or possession, not on the identity document (Civil Code Art. 271; SPC
interpretation Art. 1): a natural person may hold a resident ID card, a passport, a Mainland travel permit for
Hong Kong and Macao residents or for Taiwan residents, or a foreign permanent resident ID card; an organisation
is identified by its unified social credit code (R-HEAD-5).
"""

from __future__ import annotations

import re
from enum import StrEnum

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# ICAO 9303 allows document numbers of up to 9 characters in the machine-readable zone, longer ones overflow
# into the optional data; issuing states use letters and digits only.
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
# 港澳居民来往内地通行证: H (Hong Kong) or M (Macao), 8 digits, plus the 2-digit issue count of older cards.
_HK_MACAO_PERMIT = re.compile(r"[HM][0-9]{8}([0-9]{2})?")
# 台湾居民来往大陆通行证: 8 digits since the 2015 card; older booklets carry 10 digits.
_TAIWAN_PERMIT = re.compile(r"[0-9]{8}([0-9]{2})?")
# 外国人永久居留身份证 of 2004/2017: 3 Latin letters (nationality) and 12 digits; no published check character.
_FOREIGN_PERMANENT_RESIDENT_15 = re.compile(r"[A-Z]{3}[0-9]{12}")


class IdentityDocument(StrEnum):
    """The document an owner is identified by in the register (and verifies with)."""

    RESIDENT_ID = "RESIDENT_ID"  # 居民身份证 (GB 11643)
    PASSPORT = "PASSPORT"  # 护照
    HK_MACAO_PERMIT = "HK_MACAO_PERMIT"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "TAIWAN_PERMIT"  # 台湾居民来往大陆通行证
    FOREIGN_PERMANENT_RESIDENT_ID = "FOREIGN_PERMANENT_RESIDENT_ID"  # 外国人永久居留身份证 (15 or 18 characters)
    USCC = "USCC"  # 统一社会信用代码 (organisations, GB 32100)

    @property
    def for_organisations(self) -> bool:
        return self is IdentityDocument.USCC

    @property
    def name_zh(self) -> str:
        return _NAMES_ZH[self]

    @property
    def name_en(self) -> str:
        return _NAMES_EN[self]


_NAMES_ZH = {
    IdentityDocument.RESIDENT_ID: "居民身份证号码",
    IdentityDocument.PASSPORT: "护照号码",
    IdentityDocument.HK_MACAO_PERMIT: "港澳居民来往内地通行证号码",
    IdentityDocument.TAIWAN_PERMIT: "台湾居民来往大陆通行证号码",
    IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID: "外国人永久居留身份证号码",
    IdentityDocument.USCC: "统一社会信用代码",
}
_NAMES_EN = {
    IdentityDocument.RESIDENT_ID: "resident ID number",
    IdentityDocument.PASSPORT: "passport number",
    IdentityDocument.HK_MACAO_PERMIT: "Mainland travel permit number for Hong Kong and Macao residents",
    IdentityDocument.TAIWAN_PERMIT: "Mainland travel permit number for Taiwan residents",
    IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID: "foreign permanent resident ID number",
    IdentityDocument.USCC: "unified social credit code",
}


def _mod11_2(value: str) -> bool:
    """ISO 7064 MOD 11-2 over 17 digits and a check character (GB 11643-1999)."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def valid_resident_id(value: str) -> bool:
    """GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character."""
    return _mod11_2(value)


def valid_foreign_permanent_resident_id(value: str) -> bool:
    """The 2023 card: 18 characters, first ``9``, MOD 11-2 check like a resident ID; or the older 15 characters."""
    if len(value) == 18:
        return value[0] == "9" and _mod11_2(value)
    return _FOREIGN_PERMANENT_RESIDENT_15.fullmatch(value) is not None


def valid_credit_code(value: str) -> bool:
    """GB 32100-2015 unified social credit code: 18 characters with a MOD 31 check character."""
    if len(value) != 18 or any(ch not in _USCC_CHARS for ch in value):
        return False
    total = sum(_USCC_CHARS.index(ch) * weight for ch, weight in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == value[17]


def valid_identifier(document: IdentityDocument, value: str) -> bool:
    """Whether ``value`` (normalised: ASCII, upper case) has the document's format and check character."""
    if document is IdentityDocument.RESIDENT_ID:
        return valid_resident_id(value)
    if document is IdentityDocument.FOREIGN_PERMANENT_RESIDENT_ID:
        return valid_foreign_permanent_resident_id(value)
    if document is IdentityDocument.USCC:
        return valid_credit_code(value)
    pattern = {
        IdentityDocument.PASSPORT: _PASSPORT,
        IdentityDocument.HK_MACAO_PERMIT: _HK_MACAO_PERMIT,
        IdentityDocument.TAIWAN_PERMIT: _TAIWAN_PERMIT,
    }[document]
    return pattern.fullmatch(value) is not None
