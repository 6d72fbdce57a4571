"""The PostgreSQL connection pool: SQLAlchemy's asyncio queue pool, serving waiting requests first come, first served.

SQLAlchemy's ``AsyncAdaptedQueue`` wraps ``asyncio.Queue``: a connection put back wakes the longest waiter, but
until that waiter runs, a request arriving meanwhile takes the connection without waiting (``get`` tries
``get_nowait`` first), and the woken waiter, finding the queue empty, queues again at the back. Under sustained load
(more requests in flight than connections) a few requests are overtaken again and again: at 64 clients on 2
workers the slowest 1 % of casts waited ~1.3 s for a connection while the median waited ~30 ms (bench/README.md).
Here a connection put back is handed to the longest waiter directly, and nobody takes one while anyone waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TypeVar

from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_
from sqlalchemy.util.queue import Empty, Full, QueueCommon

_T = TypeVar("_T")


class HandOffQueue(QueueCommon[_T]):
    """The pool's idle connections and, when there are none, the requests waiting for one, in arrival order."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._items: deque[_T] = deque()
        # Futures of waiting requests; one finished early (timed out, cancelled) is skipped when met.
        self._waiters: deque[asyncio.Future[_T]] = deque()

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._items)

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: _T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._items.append(item)

    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # never blocks: a connection goes to a waiter, or back to the idle ones

    def peek(self) -> _T | None:
        """The idle connection ``get`` would take next, if any."""
        if not self._items:
            return None
        return self._items[-1] if self.use_lifo else self._items[0]

    def get_nowait(self) -> _T:
        if not self._items:
            raise Empty()
        return self._items.pop() if self.use_lifo else self._items.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        if self._items or not block:  # idle connections mean nobody waits: put_nowait serves waiters first
            return self.get_nowait()
        waiter: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return await_(self._wait(waiter, limit=timeout))

    async def _wait(self, waiter: asyncio.Future[_T], *, limit: float | None) -> _T:
        try:
            async with asyncio.timeout(limit):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over as the wait ended: to the next in line
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):  # not there if a put met it cancelled
                    self._waiters.remove(waiter)
            if isinstance(error, asyncio.TimeoutError):
                raise Empty() from None  # QueuePool answers its own TimeoutError, as for asyncio.Queue's
            raise


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    """``AsyncAdaptedQueuePool`` with the first-come, first-served queue above.

    SQLAlchemy lends and takes back a connection in a greenlet (``greenlet_spawn``), for the I/O either may need.
    When an idle connection is ready (nothing to open or ping) and one put back has room in the queue, neither does
    any: ``connect_nowait`` and ``takes_back_nowait`` let the cast path (``app.ballot.lean``) skip the greenlet.
    """

    _queue_class = HandOffQueue[ConnectionPoolEntry]

    def connect_nowait(self) -> PoolProxiedConnection | None:
        """``connect()`` without a greenlet, when the idle connection it would lend is open and due for no recycling,
        re-opening or pre-ping (none configured); None otherwise, or when none is idle (nobody waits while one is:
        ``get`` takes it at once)."""
        if self._pre_ping or self._recycle > -1:
            return None
        record = self._pool.peek() if isinstance(self._pool, HandOffQueue) else None
        if record is None or record.dbapi_connection is None:
            return None
        # SQLAlchemy opens it again if it was invalidated since it was opened (the pool's or its own soft invalidation)
        opened: float = getattr(record, "starttime", 0)
        if max(self._invalidate_time, getattr(record, "_soft_invalidate_time", 0)) >= opened:
            return None
        try:
            return self.connect()
        except MissingGreenlet:  # unforeseen I/O after all: refused before it began, the connection put back
            return None

    def lends_at_once(self) -> bool:
        """Whether ``connect()`` now lends a connection without waiting for one to be put back: one is idle, or the
        pool may open another (it may still do I/O: opening it, a pre-ping)."""
        return not self._pool.empty() or self._max_overflow == -1 or self._overflow < self._max_overflow

    def takes_back_nowait(self) -> bool:
        """Whether a healthy connection put back now goes to a waiter or to the idle ones, with no I/O (only one
        past the pool's size is closed: ``max_overflow``)."""
        return not self._pool.full()
