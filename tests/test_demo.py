"""`evote demo` runs the whole story on a fresh embedded database and ends with the verifier's PASS (issue #7),
and runs again and again, each time on its own new database (issue #19 item 11)."""

from __future__ import annotations

from app import demo
from app.settings import Settings


def test_demo_runs_end_to_end_twice_each_time_on_a_new_database(tmp_path, monkeypatch, capsys):
    settings = Settings(env="development", dev_key_dir=tmp_path / "keys")
    monkeypatch.setattr(demo, "get_settings", lambda: settings)
    workdir = tmp_path / "demo"
    for run in (1, 2):
        status = demo.main(tmp_path / f"bundle-{run}.zip", workdir=workdir)
        text = capsys.readouterr().out
        assert status == 0, text
        assert "PASS  every check passed" in text
        assert "续聘物业服务企业" in text
        assert (tmp_path / f"bundle-{run}.zip").stat().st_size > 10_000
    assert len(list(workdir.glob("demo-*.db"))) == 2
