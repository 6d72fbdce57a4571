"""Shared arrangement for notice tests: a fake gateway, estates with owners, and small builders."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.identity.service import OPERATOR
from app.notice.models import Notice, NoticeKind, OutboxMessage
from app.notice.outbox import WebhookNoticeSender
from app.notice.service import publish_notice
from app.register.identifiers import _ID_CHECK, _ID_WEIGHTS
from app.register.parsing import RegisterFormat
from app.register.service import import_register
from tests.factories import Places, make_places

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 Beijing time
URL = "https://gateway.example.test/notices"
SECRET = "notice-secret-0123456789abcdef"
HEADER = "楼栋,单元,房号,面积,面积来源,车位,销售状态,已交付,权属依据,不动产权证号,业主姓名,证件号码,业主类型\n"


def resident_id(body17: str) -> str:
    """A valid GB 11643 ID number from 17 digits (the check character computed)."""
    total = sum(int(digit) * weight for digit, weight in zip(body17, _ID_WEIGHTS, strict=True))
    return body17 + _ID_CHECK[total % 11]


@dataclass
class Gateway:
    """A fake notification gateway (``httpx.MockTransport``): answers from ``statuses`` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    raise_error: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.raise_error:
            raise httpx.ConnectError("gateway down", request=request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, json={"ok": status < 300})

    def sender(self, timeout: float = 5.0) -> WebhookNoticeSender:
        return WebhookNoticeSender(URL, SECRET, timeout, transport=httpx.MockTransport(self.handler))

    def bodies(self) -> list[dict]:
        return [json.loads(request.content) for request in self.requests]


def signature_ok(request: httpx.Request) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), request.content, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers["X-Evote-Signature"], expected)


async def notice_for(session, places: Places, *, kind=NoticeKind.VOTE_NOTICE, now=NOW, **overrides) -> Notice:  # type: ignore[no-untyped-def]
    return await publish_notice(
        session,
        estate_id=places.estate.id,
        kind=kind,
        title=overrides.pop("title", "关于召开业主大会会议的公告"),
        body=overrides.pop("body", "定于2026年3月18日至24日召开业主大会会议。"),
        now=now,
        **overrides,
    )


async def outbox_of(session, notice: Notice) -> OutboxMessage:  # type: ignore[no-untyped-def]
    statement = select(OutboxMessage).where(OutboxMessage.notice_id == notice.id)
    message = await session.scalar(statement.execution_options(populate_existing=True))
    assert message is not None
    return message


async def audit_kinds(session, estate_id: uuid.UUID) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(AuditEntry.kind).where(AuditEntry.estate_id == estate_id).order_by(AuditEntry.created_at)
    )
    return list(rows)


async def audit_entries(session, kind: str, estate_id: uuid.UUID) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    statement = select(AuditEntry).where(AuditEntry.kind == kind, AuditEntry.estate_id == estate_id)
    rows = await session.scalars(statement.order_by(AuditEntry.created_at))  # PostgreSQL returns no order otherwise
    return list(rows)


async def estate_with_single_owner(session, cipher, id_number: str) -> Places:  # type: ignore[no-untyped-def]
    """Another estate whose one unit belongs to ``id_number`` only (no sample-register owner is in it)."""
    places = await make_places(session, cipher)
    row = f"1,1,101,100.00,不动产登记,否,已售,是,不动产登记,京(2020)朝阳区不动产权第0009101号,吴九,{id_number},个人\n"
    await import_register(
        session,
        places.estate.id,
        (HEADER + row).encode(),
        register_format=RegisterFormat.CSV,
        source_name="other.csv",
        imported_by=OPERATOR,
        cipher=cipher,
    )
    await session.flush()
    return places
