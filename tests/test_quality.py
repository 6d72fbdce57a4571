"""Static checks run with the suite, so one command proves the tree clean: ruff and strict mypy on app/."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _run(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


def test_ruff_check(repo_root):
    result = _run("ruff", "check", ".", cwd=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format(repo_root):
    result = _run("ruff", "format", "--check", ".", cwd=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_app(repo_root):
    result = _run("mypy", cwd=repo_root)
    assert result.returncode == 0, result.stdout + result.stderr
