"""``evote verification purge-documents``: the R-PI-4 purge as an operator command."""

from __future__ import annotations

import json
import os

from tests.test_cli import run_cli


def test_purge_documents_command(tmp_path, repo_root):
    env = os.environ | {
        "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"),
        "PYTHONPATH": str(repo_root),
    }
    result = run_cli("verification", "purge-documents", env=env, cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"deleted": 0}
    assert "deleted 0 identity document(s) decided more than 29 days ago" in result.stderr
