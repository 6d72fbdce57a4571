"""``GET /metrics``: the Prometheus exposition of ``app.metrics`` plus gauges read from the database at scrape time.

Who may scrape (docs/operations.md): a peer in ``EVOTE_METRICS_ALLOW_IPS`` (networks, e.g. the monitoring
subnet), or anyone presenting ``Authorization: Bearer <EVOTE_METRICS_TOKEN>``; everyone else gets 404, as if the
endpoint did not exist. With neither set, only the loopback interface may scrape. The series are aggregates with
no owner, account, estate or vote label.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app import metrics
from app.audit.models import AuditEntry
from app.http.errors import RouteNotFound
from app.notice.models import OutboxMessage, OutboxStatus
from app.settings import Settings

router = APIRouter()
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def may_scrape(settings: Settings, client: str | None, authorization: str | None) -> bool:
    token = settings.metrics_token
    if token and authorization:
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return True
    networks = settings.metrics_networks() or (() if token else LOOPBACK)
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


class _DatabaseGauges(Collector):
    """Values read at scrape time; they describe the shared database, so any worker may report them."""

    def __init__(self, values: dict[str, float], up: bool) -> None:
        self._values = values
        self._up = up

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("evote_database_up", "1 when the scrape could read the database", value=int(self._up))
        for name, documentation in DATABASE_GAUGES.items():
            if name in self._values:
                yield GaugeMetricFamily(name, documentation, value=self._values[name])


DATABASE_GAUGES = {
    "evote_log_unintegrated_entries": "Committed audit entries not yet folded into the Merkle tree",
    "evote_log_integration_lag_seconds": "Age of the oldest audit entry not yet in the tree (0: none)",
    "evote_outbox_pending_messages": "Notice messages waiting for delivery (the outbox queue)",
    "evote_outbox_oldest_pending_seconds": "How long the oldest pending notice message has been due (0: none)",
    "evote_outbox_dead_messages": "Notice messages given up after the last attempt (dead letters)",
}


def _age(now: datetime, then: datetime | None) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


async def _database_values(request: Request) -> dict[str, float]:
    now: datetime = request.app.state.clock()
    async with request.app.state.sessionmaker() as session:
        log = (
            await session.execute(
                sa.select(sa.func.count(), sa.func.min(AuditEntry.created_at)).where(AuditEntry.leaf_index.is_(None))
            )
        ).one()
        outbox = {
            status: (count, oldest)
            for status, count, oldest in await session.execute(
                sa.select(OutboxMessage.status, sa.func.count(), sa.func.min(OutboxMessage.next_attempt_at))
                .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.DEAD]))
                .group_by(OutboxMessage.status)
            )
        }
    pending_count, pending_due = outbox.get(OutboxStatus.PENDING, (0, None))
    return {
        "evote_log_unintegrated_entries": float(log[0]),
        "evote_log_integration_lag_seconds": _age(now, log[1]),
        "evote_outbox_pending_messages": float(pending_count),
        "evote_outbox_oldest_pending_seconds": _age(now, pending_due),
        "evote_outbox_dead_messages": float(outbox.get(OutboxStatus.DEAD, (0, None))[0]),
    }


@router.get("/metrics", include_in_schema=False)
async def scrape(request: Request) -> Response:
    """Prometheus text format; refused (404) to a peer that is neither allowed by network nor holds the token."""
    settings: Settings = request.app.state.settings
    client = request.client.host if request.client else None
    if not may_scrape(settings, client, request.headers.get("authorization")):
        raise RouteNotFound()
    try:
        values, up = await _database_values(request), True
    except Exception:  # the scrape still reports the process series, and evote_database_up 0
        values, up = {}, False
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_DatabaseGauges(values, up))
    body = generate_latest(metrics.registry()) + generate_latest(scraped)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
