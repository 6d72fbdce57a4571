"""Numbers in Chinese words for the announcement (issue #17 item 8; R-REC-7)."""

from __future__ import annotations

import pytest

from app.result.numbers_zh import area_text, area_zh, heads_text, integer_zh


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "零"),
        (8, "八"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (105, "一百零五"),
        (1005, "一千零五"),
        (1010, "一千零一十"),
        (9000, "九千"),
        (62000, "六万二千"),
        (90000, "九万"),
        (100010, "十万零一十"),
        (1000000, "一百万"),
        (10000001, "一千万零一"),
        (100000000, "一亿"),
        (120000300, "一亿二千万零三百"),
        (-3, "负三"),
    ],
)
def test_integers_in_words(number, words):
    assert integer_zh(number) == words


def test_too_large_is_refused():
    with pytest.raises(ValueError, match="too large"):
        integer_zh(10**16)


def test_areas_in_words_and_figures():
    assert area_zh(62000) == "六百二十平方米"
    assert area_zh(7550) == "七十五点五平方米"
    assert area_zh(1205) == "十二点零五平方米"
    assert area_zh(0) == "零平方米"
    assert area_zh(-100) == "负一平方米"
    assert area_text(90000) == "九百平方米（900.00 m²）"
    assert heads_text(6) == "六（6）人"
