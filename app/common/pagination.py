"""Cursor pagination: stable under inserts, no OFFSET scans; the cursor is the last key seen."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.common.errors import InvalidCursor

T = TypeVar("T")
R = TypeVar("R")

CursorParam = Annotated[str | None, Query(max_length=200, description="Opaque cursor from `next_cursor`")]
LimitParam = Annotated[int, Query(ge=1, le=500, description="Page size")]


@dataclass(frozen=True, slots=True)
class PageRequest:
    cursor: str | None
    limit: int


async def page_request(cursor: CursorParam = None, limit: LimitParam = 50) -> PageRequest:
    """The ``cursor`` and ``limit`` query parameters of a list route (50 items unless asked otherwise)."""
    return PageRequest(cursor, limit)


PageQuery = Annotated[PageRequest, Depends(page_request)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: object) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, python_type: type[Any]) -> Any:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return uuid.UUID(text) if python_type is uuid.UUID else python_type(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc


async def paginate(
    session: AsyncSession,
    statement: Select[R],
    *,
    key: InstrumentedAttribute[Any],
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[R], str | None]:
    """Rows ordered by the unique ``key`` after ``cursor``, and the cursor for the next page (None at the end)."""
    if cursor is not None:
        statement = statement.where(key > decode_cursor(cursor, key.type.python_type))
    rows = (await session.scalars(statement.order_by(key).limit(limit + 1))).all()
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(getattr(page[-1], key.key))
