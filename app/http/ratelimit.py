"""Per-client-address rate limits on sign-in and verification, as a pure ASGI middleware (docs/security.md).

The limits that come first are keyed by phone number and account and stored in the database, so every worker and
replica shares them: the per-number code limits (app.identity.auth_service) and the verification lockouts
(app.realname). These per-address limits come second: they stop one address working through many numbers or
accounts, and are sized for carrier NAT (thousands of phones behind one IPv4 address), so they stay high.
Only the routes listed in ``rate_limit_rules`` are counted: casting ballots and every read are never limited.

Limits are written in ``limits``' notation (``60/minute;600/hour``) and counted as sliding-window counters by
``RedisRateLimiter`` when ``EVOTE_REDIS_URL`` is set (one count shared by every worker and replica), otherwise by
``ClientRateLimiter`` in memory (each worker process counts on its own, so with N workers an address gets up to N
times the configured rate). If Redis stops answering, requests are counted in memory meanwhile (fail open to
per-process limits, never closed: the database-backed limits above still hold, and a cache outage must not lock
every owner out of signing in); an ERROR log line says so and ``/readyz`` reports ``rate_limits: redis_unavailable``.
The limiter lives on ``app.state`` with the other per-process state, so an application given fresh state (as each
test is) starts counting from zero.

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
from typing import Protocol

import limits
import redis.asyncio as aioredis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.common.errors import TooManyRequests
from app.http.security import PATH_KEPT_LENGTH, PATHS_DECIDED, route_path, send_problem
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


class RateLimiter(Protocol):
    """Where the per-address counters are kept."""

    async def acquire(self, rule: RateRule, key: str) -> int | None:
        """``None`` if the request may go ahead (and it is counted); else the seconds until it may be retried."""
        ...

    async def status(self) -> str:
        """``memory``, ``redis`` or ``redis_unavailable`` (``/readyz``)."""
        ...

    async def aclose(self) -> None: ...


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

    async def acquire(self, rule: RateRule, key: str) -> int | None:
        return self.acquire_now(rule, key)

    async def status(self) -> str:
        return "memory"

    async def aclose(self) -> None:
        return None

    def acquire_now(self, rule: RateRule, key: str) -> int | None:
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
        self._decided: dict[tuple[str, str], RateRule | None] = {}

    def rule_for(self, method: str, path: str) -> RateRule | None:
        """The first rule matching the method and path, decided once for each of the latest paths asked about (as
        ``app.http.security.BodyLimitMiddleware.limit_for``)."""
        key = (method, path)
        if key in self._decided:
            return self._decided[key]
        rule = next((rule for rule in self.rules if rule.method == method and rule.path.fullmatch(path)), None)
        if len(path) <= PATH_KEPT_LENGTH:
            if len(self._decided) >= PATHS_DECIDED:
                del self._decided[next(iter(self._decided))]  # the oldest first
            self._decided[key] = rule
        return rule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rule_for(scope["method"], route_path(scope)) if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        retry_after = await _limiter(scope).acquire(rule, client_key(scope))
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        logger.warning("rate limit reached", extra={"bucket": rule.name})  # never the address: personal data
        error = TooManyRequests(retry_after=retry_after, extra={"retry_after": retry_after})
        await send_problem(error, scope, receive, send, headers={"Retry-After": str(retry_after)})


def _limiter(scope: Scope) -> RateLimiter:
    state = scope["app"].state
    limiter: RateLimiter | None = getattr(state, STATE_ATTRIBUTE, None)
    if limiter is None:
        limiter = rate_limiter_from_settings(getattr(state, "settings", None))
        setattr(state, STATE_ATTRIBUTE, limiter)
    return limiter


# One atomic step for all of a rule's limits: read this window's and the previous window's counts, and only if every
# limit still has room, count the request in each (the counter expires once it can no longer weigh on a window).
# KEYS: current₁, previous₁, current₂, previous₂, …; ARGV: per limit its amount, the share of the previous window
# still within one window of now, and the counter's lifetime in ms. Returns {allowed, current₁, previous₁, …}.
SLIDING_WINDOW_SCRIPT = """
local counts = {}
local allowed = 1
for i = 1, #KEYS / 2 do
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local amount = tonumber(ARGV[3 * i - 2])
  local weight = tonumber(ARGV[3 * i - 1])
  if math.ceil(previous * weight) + current >= amount then
    allowed = 0
  end
  counts[2 * i - 1] = current
  counts[2 * i] = previous
end
if allowed == 1 then
  for i = 1, #KEYS / 2 do
    redis.call('INCR', KEYS[2 * i - 1])
    redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[3 * i])
  end
end
table.insert(counts, 1, allowed)
return counts
"""

REDIS_RETRY_SECONDS = 5.0
"""After Redis fails, requests are counted in memory for this long before Redis is tried again, so an outage costs
one timeout every few seconds, not one per request."""
REDIS_TIMEOUT_SECONDS = 0.5


class RedisRateLimiter:
    """The same sliding-window counters as ``ClientRateLimiter``, kept in Redis so that every worker and replica
    counts against one allowance. Keys are ``<prefix><bucket>:<address>:<amount>/<seconds>:<window>`` and expire
    two windows after they were last counted in. Redis unavailable: counted in ``fallback`` (per process) meanwhile.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str,
        fallback: ClientRateLimiter | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._script = client.register_script(SLIDING_WINDOW_SCRIPT)
        self._prefix = prefix
        self._fallback = fallback or ClientRateLimiter()
        self._clock = clock  # wall time: the windows must line up across hosts
        self._monotonic = monotonic
        self._down_since: float | None = None
        self._retry_at = 0.0

    async def acquire(self, rule: RateRule, key: str) -> int | None:
        if self._down_since is not None and self._monotonic() < self._retry_at:
            return self._fallback.acquire_now(rule, key)
        now = self._clock()
        keys: list[str] = []
        args: list[str] = []
        shape: list[tuple[int, float, float]] = []
        for item in rule.limits:
            expiry = item.get_expiry()
            window = int(now // expiry)
            elapsed = now - window * expiry
            base = f"{self._prefix}{rule.name}:{key}:{item.amount}/{expiry}:"
            keys += [f"{base}{window}", f"{base}{window - 1}"]
            args += [str(item.amount), repr((expiry - elapsed) / expiry), str(int(2 * expiry * 1000))]
            shape.append((item.amount, float(expiry), elapsed))
        try:
            answer = await self._script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return self._fallback.acquire_now(rule, key)
        self._recovered()
        if int(answer[0]) == 1:
            return None
        waits: list[float] = []
        for index, (amount, seconds, into) in enumerate(shape):
            current, previous = int(answer[1 + 2 * index]), int(answer[2 + 2 * index])
            if math.ceil(previous * (seconds - into) / seconds) + current >= amount:
                waits.append(_wait(amount, current, previous, seconds, into))
        return max(1, math.ceil(max(waits, default=1)))

    def _failed(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = self._monotonic()
            logger.error(
                "rate limits: Redis unavailable, counting per process until it answers again",
                extra={"error": type(exc).__name__},
            )
        self._retry_at = self._monotonic() + REDIS_RETRY_SECONDS

    def _recovered(self) -> None:
        if self._down_since is not None:
            logger.warning(
                "rate limits: Redis answers again, counting shared limits",
                extra={"unavailable_seconds": round(self._monotonic() - self._down_since, 1)},
            )
            self._down_since = None

    async def status(self) -> str:
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return "redis_unavailable"
        self._recovered()
        return "redis"

    async def aclose(self) -> None:
        await self._client.aclose()


def rate_limiter_from_settings(settings: Settings | None) -> RateLimiter:
    """Redis when ``EVOTE_REDIS_URL`` is set, else per-process memory."""
    if settings is None or not settings.redis_url:
        return ClientRateLimiter()
    client = aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return RedisRateLimiter(client, prefix=settings.redis_key_prefix)
