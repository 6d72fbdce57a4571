"""Every DomainError has a unique stable code, a 4xx/5xx status and matching zh/en messages."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import app
from app.errors import DomainError

for module in pkgutil.walk_packages(app.__path__, "app."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)

ERRORS = sorted(DomainError.registry.values(), key=lambda cls: cls.code)


def test_registry_is_populated():
    assert len(ERRORS) > 20


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: cls.code)
def test_error_contract(error):
    assert 400 <= error.status < 600
    assert error.code
    assert error.code == error.code.strip()
    assert error.message_zh
    assert error.message_en
    assert error.title
    assert error.placeholders("zh") == error.placeholders("en")


def test_codes_are_unique():
    codes = [error.code for error in ERRORS]
    assert len(codes) == len(set(codes))


# --- Issue #19 item 9: the Chinese message entirely in Chinese, the English one entirely in English ---

import re  # noqa: E402
from types import MappingProxyType  # noqa: E402

from starlette.requests import Request  # noqa: E402

from app.errors import NOUNS, NotFound, Text  # noqa: E402
from app.rules import labels  # noqa: E402

#: Names of file formats and of the hash that Chinese text writes in Latin letters (PDF 文件, SHA-256 哈希); no word.
ACRONYMS = re.compile(r"SHA-256|PDF|PNG|JPEG|XLSX|CSV|JSON")
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
RULE_ID = re.compile(r"\bR-[A-Z]+")
#: A parameter's sample: digits and dates stand for the data a message interpolates (ids, counts, times).
SAMPLE = "2026-12-21T16:00:00+08:00 #1"
CITATION = "Beijing Arts. 36, 48(2); seed 003 §四.1"


def _rendered(cls: type[DomainError], language: str, **overrides: object) -> str:
    error = cls.__new__(cls)  # the class's own __init__ may insist on typed parameters; the template is the contract
    error.params = dict.fromkeys(cls.placeholders("zh"), SAMPLE)
    for name, table in cls.words.items():
        error.params[name] = CITATION if callable(table) else next(iter(table))  # a code the table words
    error.params.update(overrides)
    error.extra = {}
    return error.message(language)


def _assert_chinese(text: str, what: object) -> None:
    assert not LATIN.search(ACRONYMS.sub("", text.replace(SAMPLE, ""))), (what, text)
    assert not RULE_ID.search(text), (what, text)


def _assert_english(text: str, what: object) -> None:
    assert not CJK.search(text), (what, text)
    assert not RULE_ID.search(text), (what, text)


@pytest.mark.parametrize("error", ERRORS, ids=lambda cls: cls.code)
def test_each_message_is_in_its_own_language(error):
    _assert_chinese(_rendered(error, "zh"), error.code)
    _assert_english(_rendered(error, "en"), error.code)
    for rule in error.rules:  # the rule ids moved out of the messages are real ids
        assert re.fullmatch(r"R-[A-Z]+(-\d+[a-z]?)?", rule), (error.code, rule)


@pytest.mark.parametrize("error", [e for e in ERRORS if e.words], ids=lambda cls: cls.code)
def test_each_worded_parameter_is_shown_in_chinese(error):
    assert set(error.words) <= error.placeholders("zh"), error.code
    for name, table in error.words.items():
        if callable(table):
            continue
        for code in table:
            _assert_chinese(_rendered(error, "zh", **{name: code}), (error.code, code))
            _assert_english(_rendered(error, "en", **{name: code}), (error.code, code))


def test_the_word_tables_are_chinese():
    tables = [value for value in vars(labels).values() if isinstance(value, MappingProxyType)]
    assert len(tables) > 15
    for table in tables:
        for code, word in table.items():
            _assert_chinese(word, code)
    for noun in NOUNS.values():
        _assert_chinese(noun.zh, noun)
        _assert_english(noun.en, noun)


def test_the_offenders_of_the_issue_are_gone():
    """`未找到estate。`, `无权执行此操作：supervision is for the street office…`, `（R-TALLY-7、R-CAST-2）`."""
    from app.ballot.errors import AlreadyCast
    from app.common.errors import Forbidden

    assert NotFound(what="estate").message("zh") == "未找到小区（物业管理区域）。"
    assert NotFound(what="estate").message("en") == "No such estate."
    forbidden = Forbidden(
        reason=Text("监督职责由辖区街道办事处和区主管部门行使", "supervision is for the street office")
    )
    assert forbidden.message("zh") == "无权执行此操作：监督职责由辖区街道办事处和区主管部门行使。"
    assert forbidden.message("en") == "Not allowed: supervision is for the street office."
    assert AlreadyCast().message("zh") == "该户（投票组）已经投票，每户只能投一次且投票后不能更改。"
    assert AlreadyCast.rules == ("R-TALLY-7", "R-CAST-2")


def test_a_legal_basis_is_cited_in_the_language_of_the_message():
    assert labels.citation(CITATION, "zh") == "北京市物业管理条例第三十六条、第四十八条（二）；朝阳区意见四.1"
    assert labels.citation(CITATION, "en") == "Beijing Arts. 36, 48(2); Chaoyang opinions §4.1"
    assert labels.citation("by-laws", "zh") == "by-laws"  # anything else is passed through as data
    assert [labels.chinese_number(n) for n in (7, 10, 19, 40, 45, 100, 105, 110, 279)] == [
        "七", "十", "十九", "四十", "四十五", "一百", "一百〇五", "一百一十", "二百七十九"
    ]  # fmt: skip


def test_the_problem_document_carries_the_rule_ids_apart():
    from app.ballot.errors import AlreadyCast
    from app.http.problems import problem_body

    request = Request({"type": "http", "method": "POST", "path": "/x", "headers": [(b"accept-language", b"en")]})
    body = problem_body(AlreadyCast(), request)
    assert body["rules"] == ["R-TALLY-7", "R-CAST-2"]
    assert "R-" not in body["detail"] + body["messages"]["zh"] + body["messages"]["en"]
    assert "rules" not in problem_body(NotFound(what="vote"), request)  # only where a rule refused


def test_instants_in_messages_are_beijing_time_never_utc():
    """Issue 19: an owner in Beijing reads 2026-12-22 00:00（北京时间）, not 2026-12-21T16:00:00+00:00."""
    from datetime import UTC, datetime

    from app.rules.errors import VotingNotStarted

    error = VotingNotStarted(starts_at=datetime(2026, 12, 21, 16, 0, tzinfo=UTC))
    assert error.message("zh") == "表决尚未开始，将于 2026-12-22 00:00（北京时间）开始。"
    assert error.message("en") == "Voting has not started; it opens at 2026-12-22 00:00 (Beijing time)."
    late = VotingNotStarted(starts_at=datetime(2026, 12, 21, 16, 0, 5, 123, tzinfo=UTC))
    assert "2026-12-22 00:00:05（北京时间）" in late.message("zh")
    assert VotingNotStarted(starts_at="—").message("zh") == "表决尚未开始，将于 —开始。"
