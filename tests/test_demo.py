"""`evote demo` runs the whole story on a fresh embedded database and ends with the verifier's PASS (issue #7)."""

from __future__ import annotations

import io

from rich.console import Console

from app.db.migrate import upgrade_async
from app.demo import run_demo
from app.settings import Settings


async def test_demo_runs_end_to_end_and_passes(tmp_path):
    settings = Settings(
        env="development", database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}", dev_key_dir=tmp_path / "keys"
    )
    await upgrade_async(settings.database_url)
    output = io.StringIO()
    status = await run_demo(settings, out=tmp_path / "bundle.zip", console=Console(file=output, width=200))
    text = output.getvalue()
    assert status == 0, text
    assert "PASS  every check passed" in text
    assert "续聘物业服务企业" in text
    assert (tmp_path / "bundle.zip").stat().st_size > 10_000
