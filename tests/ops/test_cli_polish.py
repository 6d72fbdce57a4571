"""The CLI (issue #20 items 3 and 6): --version, help everywhere, one line and a status for every user mistake,
"database not migrated", what `evote migrate` did, settings problems at once, a serve that cannot bind runs nothing."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import uuid

import pytest

from app import __version__
from app.cli import _parser
from app.db.migrate import database_schema_state, upgrade


def run_cli(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


@pytest.fixture
def cli_env(tmp_path, repo_root):
    return os.environ | {
        "EVOTE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "EVOTE_DEV_KEY_DIR": str(tmp_path / "keys"),
        "PYTHONPATH": str(repo_root),
    }


def _walk(parser: argparse.ArgumentParser, path: str = "evote"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield f"{path} {choice.dest}", choice
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_command_and_option_has_help():
    missing = [
        f"{where}: {'/'.join(action.option_strings) or action.dest}"
        for where, action in _walk(_parser())
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert missing == []


def test_version(cli_env, repo_root):
    result = run_cli("--version", env=cli_env, cwd=repo_root)
    assert result.returncode == 0
    assert result.stdout.strip() == f"evote {__version__}"


def _one_line_error(result: subprocess.CompletedProcess[str], status: int, *needles: str) -> None:
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("args", "status", "needles"),
    [
        (("register", "import", "no-such-file.csv", "--estate", str(uuid.uuid4())), 2, ("no-such-file.csv", "No such")),
        (("register", "import", "samples/register-sample.csv", "--estate", "not-an-id"), 2, ("--estate",)),
        (("register", "import", "samples/register-sample.csv"), 2, ("--estate", "--help")),
        (("apikey", "create", "--name", "x", "--role", "KING"), 2, ("--role",)),
        (("frobnicate",), 2, ("frobnicate",)),
        (("export", "--vote", str(uuid.uuid4()), "--out", "x.zip"), 2, ("vote",)),
        (("register", "import", "samples/register-sample.csv", "--estate", str(uuid.uuid4())), 2, ("estate",)),
        (("verify", "missing-bundle.zip", "--log-key", "x"), None, ()),
    ],
)
def test_user_mistakes_get_one_line_and_a_status(cli_env, repo_root, args, status, needles):
    result = run_cli(*args, env=cli_env, cwd=repo_root)
    if status is None:  # the offline verifier has its own exit statuses; it must not crash either
        assert "Traceback" not in result.stderr
        assert result.returncode != 0
        return
    _one_line_error(result, status, *needles)


def test_an_unmigrated_database_is_named_and_migrate_says_what_it_did(tmp_path, cli_env, repo_root):
    env = cli_env | {"EVOTE_AUTO_MIGRATE": "false"}
    for args in (
        ("apikey", "create", "--name", "ops", "--role", "ADMIN"),
        ("estate", "create", "--district-code", "110105", "--district", "朝阳区", "--street-office", "东湖街道",
         "--community", "望京西园社区", "--name", "上京家园"),
        ("audit", "check"),
    ):  # fmt: skip
        result = run_cli(*args, env=env, cwd=repo_root)
        _one_line_error(result, 2, "database not migrated (run `evote migrate`)")

    migrated = run_cli("migrate", env=env, cwd=repo_root)
    assert migrated.returncode == 0, migrated.stderr
    assert "migrated from base to " in migrated.stdout
    assert "migration(s):" in migrated.stdout
    assert "Traceback" not in migrated.stderr
    again = run_cli("migrate", env=env, cwd=repo_root)
    assert "nothing to do" in again.stdout
    key = run_cli("apikey", "create", "--name", "ops", "--role", "ADMIN", env=env, cwd=repo_root)
    assert key.returncode == 0, key.stderr


def test_settings_problems_are_listed_at_once(cli_env, repo_root):
    env = cli_env | {"EVOTE_ENV": "production", "EVOTE_DB_POOL_SIZE": "0", "EVOTE_PII_INDEX_KEY": "not base64!"}
    result = run_cli("apikey", "create", "--name", "ops", "--role", "ADMIN", env=env, cwd=repo_root)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    report = result.stderr
    for problem in (
        "EVOTE_DB_POOL_SIZE",
        "EVOTE_PII_INDEX_KEY must be base64",
        "EVOTE_PII_ENCRYPTION_KEY",
        "EVOTE_JWT_PRIVATE_KEY_FILE",
        "EVOTE_SMS_WEBHOOK_URL",
        "EVOTE_NOTICE_WEBHOOK_URL",
    ):
        assert problem in report, problem
    assert report.count("\n  - ") >= 6


def test_serve_that_cannot_bind_runs_nothing(tmp_path, cli_env, repo_root):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        result = run_cli("serve", "--port", str(port), env=cli_env, cwd=repo_root)
    finally:
        taken.close()
    _one_line_error(result, 2, f"cannot listen on 127.0.0.1:{port}")
    # The lifespan never ran: the embedded database was not even created (let alone migrated, or its votes closed).
    assert not (tmp_path / "cli.db").exists()


def test_migrate_reports_the_schema_state(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    empty = asyncio.run(database_schema_state(url))
    assert empty.current == ()
    assert not empty.at_head
    assert empty.known
    upgrade(url)
    assert asyncio.run(database_schema_state(url)).at_head


def test_the_readme_lists_every_api_key_role_and_where_login_codes_go(repo_root):
    from app.common.access import Role

    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    for role in Role:
        assert f"| `{role.value}` |" in readme, role
    assert "evote.sms" in readme
    assert "stderr" in readme


def test_unreachable_servers_and_bad_key_files_get_one_line(tmp_path, cli_env, repo_root):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from app.ledger.note import verifier_key_string

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    database = cli_env | {"EVOTE_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/evote"}
    result = run_cli("apikey", "create", "--name", "ops", "--role", "ADMIN", env=database, cwd=repo_root)
    _one_line_error(result, 4, "cannot connect")

    log_key = verifier_key_string("evote.local/log", Ed25519PrivateKey.generate().public_key())
    witness = tmp_path / "witness.pem"
    witness.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    base = ("log", "cosign", "--url", f"http://127.0.0.1:{port}", "--witness-name", "w", "--log-key", log_key)
    state = ("--state", str(tmp_path / "state.txt"))
    not_a_key = run_cli(*base, "--witness-key", str(repo_root / "README.md"), *state, env=cli_env, cwd=repo_root)
    _one_line_error(not_a_key, 2, "--witness-key", "not a PEM")
    unreachable = run_cli(*base, "--witness-key", str(witness), *state, env=cli_env, cwd=repo_root)
    _one_line_error(unreachable, 4, "cannot reach")
