"""`evote demo` runs the whole story on a fresh embedded database and ends with the verifier's PASS (issue #7),
and runs again and again, each time on its own new database (issue #19 item 11 and acceptance: "`evote demo`
twice in a row passes twice"). The command runs as a user runs it: a process of its own, in one directory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_evote_demo_twice_in_a_row_passes_twice_each_time_on_a_new_database(tmp_path, repo_root):
    env = {name: value for name, value in os.environ.items() if not name.startswith("EVOTE_")}
    env |= {"PYTHONPATH": str(repo_root), "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"), "COLUMNS": "160"}
    for run in (1, 2):
        done = subprocess.run(
            [sys.executable, "-m", "app", "demo", "--out", str(tmp_path / f"bundle-{run}.zip")],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"run {run}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr
        assert "PASS  every check passed" in done.stdout
        assert "续聘物业服务企业" in done.stdout
        assert (tmp_path / f"bundle-{run}.zip").stat().st_size > 10_000
    assert len(list((tmp_path / "var" / "demo").glob("demo-*.db"))) == 2
