"""The evote command: create an estate, import the sample register, issue a key (issue #2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


def test_cli_creates_estate_and_imports_the_sample_register(tmp_path, repo_root):
    env = os.environ | {
        "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"),
        "PYTHONPATH": str(repo_root),
    }
    created = run_cli(
        "estate", "create", "--district-code", "110105", "--district", "朝阳区", "--street-office", "东湖街道",
        "--community", "望京西园社区", "--name", "上京家园", "--developer-name", "北京某某房地产开发有限公司",
        "--developer-credit-code", "91110000100012345L", env=env, cwd=repo_root,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    estate_id = json.loads(created.stdout)["estate_id"]

    sample = str(repo_root / "samples" / "register-sample.csv")
    first = run_cli("register", "import", sample, "--estate", estate_id, env=env, cwd=repo_root)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) | {"content_hash": "-"} == {
        "created": True, "format": "csv", "encoding": "UTF-8 (BOM)", "version": 1, "content_hash": "-", "heads": 8,
        "area": 90000,
    }  # fmt: skip
    again = run_cli("register", "import", sample, "--estate", estate_id, env=env, cwd=repo_root)
    assert json.loads(again.stdout)["created"] is False

    bad = tmp_path / "bad.csv"
    bad.write_text("building,room,area,area_source\n1,101,75.555,REGISTRY\n1,102,-1,REGISTRY\n", encoding="utf-8")
    rejected = run_cli("register", "import", str(bad), "--estate", estate_id, env=env, cwd=repo_root)
    assert rejected.returncode == 2
    assert "register.invalid" in rejected.stderr
    assert "row 2" in rejected.stderr
    assert "row 3" in rejected.stderr

    key = run_cli("apikey", "create", "--name", "ops", "--role", "ADMIN", env=env, cwd=repo_root)
    assert key.returncode == 0, key.stderr
    assert key.stdout.strip().startswith("evk_")


def test_cli_estate_create_checks_the_district_returns_an_existing_estate_and_update_sets_the_developer(
    tmp_path, repo_root
):
    """Issue #20 item 2: 110106 is 丰台区; running create twice returns the estate; the developer comes later."""
    env = os.environ | {
        "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"),
        "PYTHONPATH": str(repo_root),
    }
    places = ("--street-office", "东湖街道", "--community", "望京西园社区", "--name", "上京家园")
    mismatched = run_cli("estate", "create", "--district-code", "110106", "--district", "朝阳区", *places, env=env,
                         cwd=repo_root)  # fmt: skip
    assert mismatched.returncode == 2
    assert "place.district_name_mismatch" in mismatched.stderr
    assert "丰台区" in mismatched.stderr
    assert "Traceback" not in mismatched.stderr

    first = run_cli("estate", "create", "--district-code", "110105", "--district", "朝阳区", *places, env=env,
                    cwd=repo_root)  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = run_cli("estate", "create", "--district-code", "110105", "--district", "朝阳区", *places, env=env,
                    cwd=repo_root)  # fmt: skip
    assert again.returncode == 0, again.stderr
    created, returned = json.loads(first.stdout), json.loads(again.stdout)
    assert (created["created"], returned["created"]) == (True, False)
    assert returned == created | {"created": False}
    assert "already exists" in again.stderr

    bad_code = run_cli("estate", "update", created["estate_id"], "--developer-name", "某公司",
                       "--developer-credit-code", "91110000100012345M", env=env, cwd=repo_root)  # fmt: skip
    assert bad_code.returncode == 2
    assert "Traceback" not in bad_code.stderr
    updated = run_cli(
        "estate", "update", created["estate_id"], "--developer-name", "北京某某房地产开发有限公司",
        "--developer-credit-code", "91110000100012345L", env=env, cwd=repo_root,
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    assert json.loads(updated.stdout)["has_developer"] is True
    unsold = tmp_path / "unsold.csv"
    unsold.write_text("building,room,area,area_source,sale_status,delivered\n1,101,90,SURVEY,UNSOLD,no\n")
    imported = run_cli("register", "import", str(unsold), "--estate", created["estate_id"], env=env, cwd=repo_root)
    assert imported.returncode == 0, imported.stderr

    missing = run_cli("register", "import", str(tmp_path / "nope.csv"), "--estate", created["estate_id"], env=env,
                      cwd=repo_root)  # fmt: skip
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    template = tmp_path / "t.xlsx"
    assert run_cli("register", "template", "--out", str(template), env=env, cwd=repo_root).returncode == 0
    from_template = run_cli("register", "import", str(template), "--estate", created["estate_id"], env=env,
                            cwd=repo_root)  # fmt: skip
    assert from_template.returncode == 0, from_template.stderr
    assert json.loads(from_template.stdout)["format"] == "xlsx"
