"""Apps built with their own settings (small limits, CORS origins, HSTS) on the shared per-test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.main import attach_state, create_app
from app.settings import Settings

AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(
    test_settings: Settings, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> AppFactory:
    """``make_app(**settings)``: a fresh application whose settings differ from the test settings."""

    def build(**overrides: Any) -> FastAPI:
        settings = Settings(**{**test_settings.model_dump(), **overrides})
        application = create_app(settings)
        attach_state(application, settings, engine, sessionmaker)
        return application

    return build


@asynccontextmanager
async def client_for(app: FastAPI, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from ``address`` (the ASGI peer the rate limits count by)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        yield client
