"""Domain error base: every error a client can cause carries a stable code, an HTTP status and zh/en messages.

This module imports nothing from FastAPI or SQLAlchemy, so the pure rule packages (``app.rules``,
``app.ledger``) and the offline verifier can raise these errors without knowing about HTTP. One handler
in ``app.http.problems`` renders them as RFC 9457 ``application/problem+json``.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Literal, NamedTuple


class Text(NamedTuple):
    """A message parameter worded in both languages (a noun, a reason, a legal basis): each message takes its own,
    so a Chinese message never carries an English word (issue #19 item 9)."""

    zh: str
    en: str


_BEIJING = timezone(timedelta(hours=8))  # fixed UTC+8, as every response gives it (app.common.schemas.BEIJING)


def shown(value: Any, language: str) -> Any:
    """A message parameter as people read it: an aware instant in Beijing time to the minute, saying so
    (``2026-12-22 00:00（北京时间）``, seconds only when not zero); anything else unchanged. Owners in Beijing
    never read UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        local = value.astimezone(_BEIJING)
        text = local.strftime("%Y-%m-%d %H:%M" if local.second == 0 else "%Y-%m-%d %H:%M:%S")
        return f"{text}（北京时间）" if language == "zh" else f"{text} (Beijing time)"
    return value


class DomainError(Exception):
    """Base for every error with a stable contract.

    Subclasses set ``code`` (stable, dotted: ``"register.invalid_rows"``), ``status``, an English ``title``
    and ``message_zh`` / ``message_en`` templates whose ``{placeholders}`` are filled from ``params``.
    ``extra`` carries structured members rendered into the problem document (e.g. a list of row errors).

    The Chinese message is entirely Chinese and the English one entirely English: the rule ids an error enforces
    go to ``rules`` (rendered as the problem's ``rules`` member), a parameter a caller words in both languages is a
    ``Text``, and a parameter that is a code (a vote status, an organiser kind) is shown in Chinese through
    ``words`` (parameter name → code → Chinese word, or a function of the value and the language, e.g. for a legal
    citation); ``tests/test_errors.py`` checks every code.
    """

    code: ClassVar[str] = "internal"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    message_zh: ClassVar[str] = "服务器内部错误。"
    message_en: ClassVar[str] = "Internal server error."
    rules: ClassVar[tuple[str, ...]] = ()
    words: ClassVar[Mapping[str, Mapping[str, str] | Callable[[str, str], str]]] = {}

    registry: ClassVar[dict[str, type[DomainError]]] = {}

    def __init__(self, *, extra: dict[str, Any] | None = None, **params: Any) -> None:
        self.params = params
        self.extra = extra or {}
        super().__init__(self.message("en"))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        abstract = cls.__dict__.get("abstract", False)
        if not abstract:
            existing = DomainError.registry.get(cls.code)
            if existing is not None and existing.__qualname__ != cls.__qualname__:
                raise TypeError(f"duplicate DomainError code {cls.code!r}: {existing.__name__} and {cls.__name__}")
            DomainError.registry[cls.code] = cls

    def message(self, language: str) -> str:
        template = self.message_zh if language == "zh" else self.message_en
        return template.format(**{name: self._worded(name, value, language) for name, value in self.params.items()})

    def _worded(self, name: str, value: Any, language: str) -> Any:
        if isinstance(value, Text):
            return value.zh if language == "zh" else value.en
        table = self.words.get(name)
        if callable(table):  # worded in both languages, e.g. a legal citation
            return table(str(value), language)
        if language == "zh" and table is not None:
            return "、".join(table.get(part, part) for part in str(value).split(", "))  # one code or a list
        return shown(value, language)

    def extra_for(self, language: str) -> dict[str, Any]:
        """``extra`` as rendered in ``language``: an item of a list member that carries ``detail_zh`` and
        ``detail_en`` (a register's row errors) gets its ``detail`` in that language."""
        rendered: dict[str, Any] = {}
        for name, value in self.extra.items():
            if isinstance(value, list):
                value = [_localised(item, language) for item in value]
            rendered[name] = value
        return rendered

    @classmethod
    def placeholders(cls, language: str) -> set[str]:
        template = cls.message_zh if language == "zh" else cls.message_en
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _localised(item: Any, language: str) -> Any:
    if isinstance(item, dict) and "detail_zh" in item and "detail_en" in item:
        return {**item, "detail": item["detail_zh"] if language == "zh" else item["detail_en"]}
    return item


#: What a ``NotFound`` names, in both languages.
NOUNS: Mapping[str, Text] = {
    "attachment": Text("附件", "attachment"),
    "committee": Text("委员会", "committee"),
    "committee member": Text("委员会委员", "committee member"),
    "community": Text("社区", "community"),
    "convening trigger": Text("召集情形记录", "convening trigger"),
    "correction order": Text("责令改正通知", "correction order"),
    "device": Text("设备", "device"),
    "district": Text("区", "district"),
    "document": Text("文件", "document"),
    "estate": Text("小区（物业管理区域）", "estate"),
    "mandate": Text("召集决定", "mandate"),
    "notice": Text("公告", "notice"),
    "outbox message": Text("待发送消息", "outbox message"),
    "place": Text("地点", "place"),
    "posting": Text("张贴记录", "posting"),
    "register version": Text("业主名册版本", "register version"),
    "report": Text("报告", "report"),
    "role grant": Text("角色授权", "role grant"),
    "street office": Text("街道办事处", "street office"),
    "topic": Text("议题", "topic"),
    "verification request": Text("身份认证申请", "verification request"),
    "vote": Text("表决", "vote"),
}
Noun = Literal[
    "attachment", "committee", "committee member", "community", "convening trigger", "correction order", "device",
    "district", "document", "estate", "mandate", "notice", "outbox message", "place", "posting", "register version",
    "report", "role grant", "street office", "topic", "verification request", "vote",
]  # fmt: skip


class NotFound(DomainError):
    """A resource that does not exist, or that the caller may not know exists."""

    code = "not_found"
    status = 404
    title = "Not found"
    message_zh = "未找到{what}。"
    message_en = "No such {what}."

    def __init__(self, *, what: Noun, extra: dict[str, Any] | None = None) -> None:
        super().__init__(extra=extra, what=NOUNS[what])
