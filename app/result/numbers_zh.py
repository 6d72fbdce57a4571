"""Numbers in Chinese words, for the result announcement (表决结果公告) and the minutes.

An announcement posted on site states each numerator and denominator in words and in figures, so a figure cannot
be misread or altered unnoticed (the practice of 大写 amounts on legal documents). Areas are exact integers of
0.01 m² (R-NUM-1), written in words digit by digit after the decimal point (``7550`` → 七十五点五平方米), and in
figures with two decimals (``75.50``).
"""

from __future__ import annotations

from app.rules.numeric import area_display

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_LARGE_UNITS = ("", "万", "亿", "万亿")


def _section(number: int) -> str:
    """0 < number < 10000, with inner zeros read as one 零 (``1005`` → 一千零五)."""
    words, zero = "", False
    for position in (3, 2, 1, 0):
        digit = number // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + _SMALL_UNITS[position]
    return words


def integer_zh(number: int) -> str:
    """An integer in Chinese words: ``0`` → 零, ``8`` → 八, ``62000`` → 六万二千, ``100010`` → 十万零一十."""
    if number < 0:
        return "负" + integer_zh(-number)
    if number == 0:
        return "零"
    if number >= 10**16:
        raise ValueError("number too large to write in words")
    sections: list[int] = []
    while number:
        sections.append(number % 10000)
        number //= 10000
    words, gap = "", False
    for index in reversed(range(len(sections))):
        section = sections[index]
        if section == 0:
            gap = bool(words)
            continue
        if words and (gap or section < 1000):
            words += "零"
        words += _section(section) + _LARGE_UNITS[index]
        gap = False
    return words[1:] if words.startswith("一十") else words


def area_zh(area_units: int) -> str:
    """An area of 0.01 m² units in words: ``62000`` → 六百二十平方米, ``7550`` → 七十五点五平方米."""
    if area_units < 0:
        return "负" + area_zh(-area_units)
    whole, cents = divmod(area_units, 100)
    decimals = f"{cents:02d}".rstrip("0")
    fraction = "点" + "".join(_DIGITS[int(digit)] for digit in decimals) if decimals else ""
    return f"{integer_zh(whole)}{fraction}平方米"


def heads_text(heads: int) -> str:
    """Heads in words and figures: ``六（6）人``."""
    return f"{integer_zh(heads)}（{heads}）人"


def area_text(area_units: int) -> str:
    """An area in words and figures: ``六百二十平方米（620.00 m²）``."""
    return f"{area_zh(area_units)}（{area_display(area_units)} m²）"
