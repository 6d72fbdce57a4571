"""Domain error base: every error a client can cause carries a stable code, an HTTP status and zh/en messages.

This module imports nothing from FastAPI or SQLAlchemy, so the pure rule packages (``app.rules``,
``app.ledger``) and the offline verifier can raise these errors without knowing about HTTP. One handler
in ``app.http.problems`` renders them as RFC 9457 ``application/problem+json``.
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

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
    """

    code: ClassVar[str] = "internal"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    message_zh: ClassVar[str] = "服务器内部错误。"
    message_en: ClassVar[str] = "Internal server error."

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
        return template.format(**{name: shown(value, language) for name, value in self.params.items()})

    @classmethod
    def placeholders(cls, language: str) -> set[str]:
        template = cls.message_zh if language == "zh" else cls.message_en
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class NotFound(DomainError):
    """A resource that does not exist, or that the caller may not know exists."""

    code = "not_found"
    status = 404
    title = "Not found"
    message_zh = "未找到{what}。"
    message_en = "{what} not found."
