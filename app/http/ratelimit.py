"""Per-client-address rate limits on sign-in and verification, as a pure ASGI middleware (docs/security.md).

The per-number code limits (app.identity.auth_service) and the verification lockouts (app.realname) protect
one phone number or one account; these limits protect against one address working through many of them.
Only the routes listed in ``rate_limit_rules`` are counted: casting ballots and every read are never limited.

Limits are written in ``limits``' notation (``60/minute;600/hour``) and counted by ``ClientRateLimiter``
(sliding-window counters, in memory): each worker process counts on its own, so with N workers an address gets up
to N times the configured rate. The counters live on ``app.state`` with the other
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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import limits
from starlette.types import ASGIApp, Receive, Scope, Send

from app.common.errors import TooManyRequests
from app.http.security import route_path, send_problem
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
    """Sign-in (code request, login, refresh), the owner's verification attempts, and the requests that name
    another person by mobile number (grant requests, staff role grants); nothing else."""
    auth = tuple(limits.parse_many(settings.rate_limit_auth))
    verification = tuple(limits.parse_many(settings.rate_limit_verification))
    lookup = tuple(limits.parse_many(settings.rate_limit_lookup))
    return (
        RateRule("auth", "POST", re.compile(f"{prefix}/auth/(codes|login|refresh)"), auth),
        RateRule("verification", "POST", re.compile(f"{prefix}/me/verification(/idp|/manual)?"), verification),
        RateRule("lookup", "POST", re.compile(f"{prefix}/(estates/[^/]+/grants|staff)"), lookup),
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


MAX_TRACKED = 100_000
"""Counters kept at most (per worker); the least recently used go first, so memory stays bounded whatever the
number of addresses (an IPv6 /48 holds 65,536 /64s)."""


class ClientRateLimiter:
    """Sliding-window counters per (bucket, address, limit): this window's count plus the previous window's,
    weighted by how much of it still lies within one window of now and rounded up, so an address never gets
    more than a moving window would allow. A refused request does not use up the allowance.

    Written here rather than taken from ``limits``' memory storage: that one keeps a key for every address ever
    seen and walks all of them on a timer thread, so memory and CPU grow with the addresses.
    """

    def __init__(self, *, max_tracked: int = MAX_TRACKED, clock: Callable[[], float] = time.monotonic) -> None:
        self._counters: OrderedDict[tuple[str, str, str], tuple[int, int, int]] = OrderedDict()
        self._max_tracked = max_tracked
        self._clock = clock

    def acquire(self, rule: RateRule, key: str) -> int | None:
        """``None`` if the request may go ahead (and it is counted); else the seconds until it may be retried."""
        now = self._clock()
        updates: list[tuple[tuple[str, str, str], tuple[int, int, int]]] = []
        waits: list[float] = []
        for item in rule.limits:
            counter_key = (rule.name, key, str(item))
            expiry = item.get_expiry()
            window = int(now // expiry)
            current, previous = self._counts(counter_key, window)
            elapsed = now - window * expiry
            if math.ceil(previous * (expiry - elapsed) / expiry) + current >= item.amount:
                waits.append(_wait(item.amount, current, previous, expiry, elapsed))
            updates.append((counter_key, (window, current + 1, previous)))
        if waits:
            return max(1, math.ceil(max(waits)))
        for counter_key, counts in updates:
            self._counters[counter_key] = counts
            self._counters.move_to_end(counter_key)
        while len(self._counters) > self._max_tracked:
            self._counters.popitem(last=False)
        return None

    def _counts(self, counter_key: tuple[str, str, str], window: int) -> tuple[int, int]:
        """(this window's count, the previous window's) for ``counter_key``."""
        stored = self._counters.get(counter_key)
        if stored is None or stored[0] < window - 1:
            return 0, 0
        if stored[0] == window - 1:
            return 0, stored[1]
        return stored[1], stored[2]


def _wait(amount: int, current: int, previous: int, expiry: float, elapsed: float) -> float:
    """Seconds until one more request fits: the previous window's weight has decayed enough, or, when this window
    alone is full, the next window has begun and this one's weight has decayed in turn."""
    if current >= amount:
        return (expiry - elapsed) + expiry * (1 - (amount - 1) / current)
    return expiry * (1 - (amount - current - 1) / previous) - elapsed


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
        rule = self.rule_for(scope["method"], route_path(scope)) if scope["type"] == "http" else None
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
