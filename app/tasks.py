"""Background work inside the service: one small runner for every periodic job.

Each worker process runs its own runners (transitions, log integration, notice delivery, document purge); the
jobs themselves are safe to run in several processes at once (row locks, ``SKIP LOCKED``, advisory locks).
A failing run is logged and the loop goes on; stopping waits for the current run, then cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

logger = logging.getLogger("evote.tasks")
T = TypeVar("T")


class PeriodicTask(Generic[T]):
    """Calls ``job`` every ``interval_seconds`` until stopped; an interval of 0 disables the loop.

    ``fallback`` is what a failed run returns; when ``again(result)`` is true (a full batch, say) the next run
    starts at once instead of after the interval.
    """

    def __init__(
        self,
        name: str,
        job: Callable[[], Awaitable[T]],
        *,
        interval_seconds: float,
        fallback: T,
        again: Callable[[T], bool] | None = None,
    ) -> None:
        self.name = name
        self._job = job
        self._interval = interval_seconds
        self._fallback = fallback
        self._again = again
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> None:
        if self._interval <= 0 or self.running:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name=f"evote-{self.name}")

    async def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Ask the loop to end after the current run; cancel it if that run takes longer than ``grace_seconds``."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> T:
        """One run; errors are logged (never raised), and the run still counts."""
        try:
            return await self._job()
        except Exception:
            logger.exception("%s run failed", self.name)
            return self._fallback
        finally:
            self.runs += 1

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            result = await self.run_once()
            if self._again is not None and self._again(result):
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
