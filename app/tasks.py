"""Background work inside the service: one small runner for every periodic job.

Each worker process runs its own runners (transitions, log integration, notices, document purge); the jobs
themselves are safe to run in several processes at once (row locks, ``SKIP LOCKED``, advisory locks).
A failing run is logged and the loop goes on; stopping waits for the current run, then cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("evote.tasks")


class PeriodicTask:
    """Calls ``job`` every ``interval_seconds`` until stopped; an interval of 0 disables the loop."""

    def __init__(self, name: str, job: Callable[[], Awaitable[int]], *, interval_seconds: float) -> None:
        self.name = name
        self._job = job
        self._interval = interval_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

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

    async def run_once(self) -> int:
        """One run; errors are logged (never raised), and the run still counts."""
        try:
            return await self._job()
        except Exception:
            logger.exception("%s run failed", self.name)
            return 0
        finally:
            self.runs += 1

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            await self.run_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
