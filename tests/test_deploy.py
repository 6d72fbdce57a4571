"""The image and compose file (issue #20 item 5), read as text since `docker build` cannot run here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile line, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            found.append((instruction.upper(), rest.strip()))
    return found


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [index for index, (instruction, _) in enumerate(instructions) if instruction == "FROM"]
    return instructions[starts[-1] :]


def test_the_image_installs_the_hash_locked_dependencies_then_evote_without_deps():
    final = _final_stage(_instructions(ROOT / "Dockerfile"))
    runs = [arguments for instruction, arguments in final if instruction == "RUN"]
    pip_installs = [shlex.split(run) for run in runs if "pip install" in run]
    locked = [argv for argv in pip_installs if "--require-hashes" in argv]
    assert locked, "the runtime stage installs requirements.lock with --require-hashes"
    assert locked[0][locked[0].index("-r") + 1] == "requirements.lock"
    own = [argv for argv in pip_installs if any(arg.endswith(".whl") for arg in argv)]
    assert own, "evote's wheel is installed"
    assert "--no-deps" in own[0], "evote itself must not resolve anything outside the lock"
    assert pip_installs.index(locked[0]) < pip_installs.index(own[0])
    copies = [arguments for instruction, arguments in final if instruction == "COPY"]
    assert any(arguments.split()[0] == "requirements.lock" for arguments in copies)
    # Nothing else is pip-installed in the runtime stage.
    assert len(pip_installs) == 2


def test_the_image_runs_as_a_fixed_non_root_user_with_a_health_check():
    final = _final_stage(_instructions(ROOT / "Dockerfile"))
    users = [arguments for instruction, arguments in final if instruction == "USER"]
    assert users, "USER is set"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001", "the uid deploy/README.md documents for the key files' group"
    assert "10001" in (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    checks = [arguments for instruction, arguments in final if instruction == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/readyz" in checks[0]
    cmd = [arguments for instruction, arguments in final if instruction == "CMD"]
    assert "serve" in cmd[-1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_services_have_health_checks_and_wait_for_healthy_dependencies():
    services = _compose()["services"]
    for name in ("db", "redis", "api"):
        check = services[name].get("healthcheck", {})
        assert check.get("test"), f"{name} has a health check"
        assert not check.get("disable")
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    api_needs = services["api"]["depends_on"]
    assert api_needs["db"]["condition"] == "service_healthy"
    assert api_needs["redis"]["condition"] == "service_healthy"
    assert api_needs["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["evote", "migrate"]
    # Every dependency named anywhere waits for a condition, never for a mere start.
    for name, service in services.items():
        needs = service.get("depends_on", {})
        assert isinstance(needs, dict), f"{name}: depends_on with conditions"
        for other, condition in needs.items():
            assert other in services
            assert condition["condition"] in {"service_healthy", "service_completed_successfully"}


def test_compose_mounts_key_files_read_only():
    for name in ("api", "migrate"):
        for volume in _compose()["services"][name].get("volumes", []):
            if volume.endswith(".pem:ro") or ".pem:" in volume:
                assert volume.endswith(":ro"), volume


def test_deploy_documents_replicas_migration_replication_and_backups():
    text = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for needle in (
        "## Several replicas",
        "One migration job per release",
        "streaming replication",
        "Redis",
        "## What to back up",
        "0440",
        "## Metrics",
    ):
        assert needle in text, needle


def test_the_wheel_holds_every_file_the_app_reads():
    """Every file under app/ but the Python sources and the native core's sources is package data (the image installs
    the wheel: a template left out is a console that fails in production)."""
    import fnmatch
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    included, excluded = setuptools["package-data"], setuptools["exclude-package-data"]

    def matched(rules: dict[str, list[str]], path: Path) -> bool:
        for package, patterns in rules.items():
            folder = ROOT.joinpath(*package.split("."))
            if path.is_relative_to(folder):
                relative = path.relative_to(folder).as_posix()
                if any(fnmatch.fnmatch(relative, pattern) for pattern in patterns):
                    return True
        return False

    data = [
        path for path in (ROOT / "app").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".py", ".pyi", ".so"}
    ]  # fmt: skip
    assert data
    left_out = [path for path in data if not matched(included, path) and not matched(excluded, path)]
    assert not [str(path.relative_to(ROOT)) for path in left_out]
