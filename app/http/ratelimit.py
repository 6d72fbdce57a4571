"""Per-client-address rate limits on sign-in and verification, as a pure ASGI middleware (docs/security.md).

The per-number code limits (app.identity.auth_service) and the verification lockouts (app.verification) protect
one phone number or one account; these limits protect against one address working through many of them.
Only the routes listed in ``rate_limit_rules`` are counted: casting ballots and every read are never limited.

Counting uses the ``limits`` package (moving window, in memory): each worker process counts on its own, so with
N workers an address gets up to N times the configured rate. The counters live on ``app.state`` with the other
per-process state, so an application given fresh state (as each test is) starts counting from zero.

The client address is the ASGI peer (``scope["client"]``). Behind a reverse proxy, run uvicorn with
``--proxy-headers --forwarded-allow-ips=<the proxy's address>`` so the peer is the real client, not the proxy.
An IPv6 client is counted by its /64, which one subscriber usually controls whole.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import limits
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.errors import TooManyRequests
from app.http.security import send_problem
from app.settings import Settings

logger = logging.getLogger("evote.http")
STATE_ATTRIBUTE = "rate_limiter"


@dataclass(frozen=True, slots=True)
class RateRule:
    """Requests of ``method`` whose path fully matches ``path`` count against ``limits`` in the ``name`` bucket."""

    name: str
    method: str
    path: re.Pattern[str]
    limits: tuple[limits.RateLimitItem, ...]


def rate_limit_rules(settings: Settings, prefix: str) -> tuple[RateRule, ...]:
    """Sign-in (code request, login, refresh) and the owner's verification attempts; nothing else."""
    auth = tuple(limits.parse_many(settings.rate_limit_auth))
    verification = tuple(limits.parse_many(settings.rate_limit_verification))
    return (
        RateRule("auth", "POST", re.compile(f"{prefix}/auth/(codes|login|refresh)"), auth),
        RateRule("verification", "POST", re.compile(f"{prefix}/me/verification(/idp|/manual)?"), verification),
    )


def client_key(scope: Scope) -> str:
    """The address requests are counted by: the peer's IP (IPv4-mapped IPv6 as IPv4), an IPv6 peer's /64."""
    client = scope.get("client")
    host = str(client[0]) if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


class ClientRateLimiter:
    """Moving-window counters per (bucket, address); a refused request does not use up the allowance."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def acquire(self, rule: RateRule, key: str) -> int | None:
        """``None`` if the request may go ahead (and it is counted); else the seconds until it may be retried."""
        refused = [item for item in rule.limits if not self._limiter.test(item, rule.name, key)]
        if not refused:
            for item in rule.limits:
                self._limiter.hit(item, rule.name, key)
            return None
        now = time.time()
        resets = [self._limiter.get_window_stats(item, rule.name, key).reset_time for item in refused]
        return max(1, math.ceil(max(resets) - now))


class RateLimitMiddleware:
    """429 ``request.rate_limited`` problem+json with ``Retry-After`` once an address passes a rule's limit."""

    def __init__(self, app: ASGIApp, *, rules: Sequence[RateRule]) -> None:
        self.app = app
        self.rules = tuple(rules)

    def rule_for(self, method: str, path: str) -> RateRule | None:
        for rule in self.rules:
            if rule.method == method and rule.path.fullmatch(path):
                return rule
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rule_for(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        retry_after = _limiter(scope).acquire(rule, client_key(scope))
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        logger.warning("rate limit reached", extra={"bucket": rule.name})  # never the address: personal data
        error = TooManyRequests(retry_after=retry_after, extra={"retry_after": retry_after})
        await send_problem(error, scope, receive, send, headers={"Retry-After": str(retry_after)})


def _limiter(scope: Scope) -> ClientRateLimiter:
    state = scope["app"].state
    limiter: ClientRateLimiter | None = getattr(state, STATE_ATTRIBUTE, None)
    if limiter is None:
        limiter = ClientRateLimiter()
        setattr(state, STATE_ATTRIBUTE, limiter)
    return limiter
