"""Mobile numbers: normalised, stored encrypted with a blind index, shown masked (R-PI-1)."""

from __future__ import annotations

import re

PHONE_FIELD = "account.phone"
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_phone(value: str) -> str | None:
    """A mainland mobile number as 11 digits (a leading +86 or 86 is dropped), or None if it is not one."""
    digits = re.sub(r"[\s-]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MAINLAND_MOBILE.fullmatch(digits) else None


def mask_phone(value_or_last4: str) -> str:
    """``138****5678`` from the full number; ``*******5678`` when only the last four are known."""
    if len(value_or_last4) == 11:
        return value_or_last4[:3] + "****" + value_or_last4[-4:]
    return "*" * 7 + value_or_last4[-4:]
