"""A live evote server for the browser tests: uvicorn on a free port in a thread, on its own migrated SQLite
database, and headless Chromium from Debian's ``chromium`` package driven by Playwright (never a downloaded browser).

Under ``CI=true`` a missing Chromium or Playwright fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.migrate import upgrade
from app.db.session import create_engine, create_sessionmaker
from app.main import attach_state, create_app
from app.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_browser() -> Any:
    """Playwright's sync API, or a skip (a failure under CI) when it or Debian's Chromium is missing."""
    problem = None
    try:
        from playwright import sync_api
    except ImportError:
        problem, sync_api = "playwright is not installed", None
    if problem is None and not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if problem is not None:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    return sync_api


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """The app served over HTTP; ``seed`` runs an async function against the same database and app state."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.engine = create_engine(settings)
        attach_state(self.app, settings, self.engine, create_sessionmaker(self.engine))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning",
                           access_log=False)
        )  # fmt: skip
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            await self.server.serve()
            await self.engine.dispose()

        asyncio.run(main())

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def seed(self, function: Callable[[AsyncSession, async_sessionmaker[AsyncSession]], Awaitable[Any]]) -> Any:
        """Run ``function(session, sessionmaker)`` on a private loop and engine; commits are the function's."""

        async def run() -> Any:
            engine = create_engine(self.settings)
            try:
                sessionmaker = create_sessionmaker(engine)
                async with sessionmaker() as session:
                    return await function(session, sessionmaker)
            finally:
                await engine.dispose()

        result: list[Any] = []
        errors: list[BaseException] = []

        def target() -> None:
            try:
                result.append(asyncio.run(run()))
            except BaseException as error:  # re-raised in the test's thread
                errors.append(error)

        worker = threading.Thread(target=target)
        worker.start()
        worker.join()
        if errors:
            raise errors[0]
        return result[0]


@contextmanager
def live_server(database_url: str, settings: Settings) -> Iterator[LiveServer]:
    upgrade(database_url)
    server = LiveServer(settings.model_copy(update={"database_url": database_url}))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def browser_page(sync_api: Any) -> Iterator[Any]:
    """One Chromium page, phone-sized first pages are screenshotted by the tests themselves."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15000)
            yield page
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def follow(page: Any, target: Any) -> None:
    """Click what navigates and return once the new page has loaded. A click returns when the navigation has started,
    so a locator counted right after it may see the new document half parsed (an empty table)."""
    with page.expect_navigation():
        target.click()
