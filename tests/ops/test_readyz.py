"""``/readyz`` (issue #20 item 3): 503 with the reason while the schema is behind the code's head revision."""

from __future__ import annotations

import asyncio

import httpx

from app.db.migrate import script_heads, upgrade
from app.db.session import create_engine, create_sessionmaker
from app.main import attach_state, create_app


async def _ready(app) -> httpx.Response:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://evote.test") as client:
        return await client.get("/readyz", headers={"Accept-Language": "en"})


async def test_readyz_is_503_until_the_schema_is_at_the_head(tmp_path, test_settings):
    settings = test_settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"})
    app = create_app(settings)
    engine = create_engine(settings)
    try:
        attach_state(app, settings, engine, create_sessionmaker(engine))
        response = await _ready(app)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "db.not_migrated"
        assert "run `evote migrate`" in body["detail"]
        assert script_heads()[0] in body["detail"]
        assert "base" in body["detail"]
        assert "请先运行 evote migrate" in body["messages"]["zh"]

        await asyncio.to_thread(upgrade, settings.database_url, "0001")
        behind = (await _ready(app)).json()
        assert behind["code"] == "db.not_migrated"
        assert "schema at 0001" in behind["detail"]

        await asyncio.to_thread(upgrade, settings.database_url)
        assert (await _ready(app)).status_code == 200
        assert app.state.schema_checked_at is not None  # cached: the next calls only ping the database
        assert (await _ready(app)).json()["status"] == "ok"
    finally:
        await engine.dispose()
