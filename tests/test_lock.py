"""requirements.lock (what the image installs) and requirements-test.lock carry hashes and agree with pyproject."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _locked(path: Path) -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, hashes) of every requirement in a `uv pip compile --generate-hashes` file."""
    text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    found: dict[str, tuple[Version, list[str]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line)
        assert match, f"{path.name}: not an exact pin: {line[:80]}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        found[canonicalize_name(match[1])] = (Version(match[2]), hashes)
    return found


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize("name", ["requirements.lock", "requirements-test.lock"])
def test_every_locked_requirement_is_pinned_with_hashes(name):
    locked = _locked(ROOT / name)
    assert locked
    assert [package for package, (_, hashes) in locked.items() if not hashes] == []


@pytest.mark.parametrize(
    ("name", "groups"), [("requirements.lock", ("runtime",)), ("requirements-test.lock", ("runtime", "test"))]
)
def test_the_lock_satisfies_pyproject(name, groups):
    project = _project()
    wanted = [Requirement(text) for text in project["dependencies"]] if "runtime" in groups else []
    if "test" in groups:
        wanted += [Requirement(text) for text in project["optional-dependencies"]["test"]]
    locked = _locked(ROOT / name)
    problems = []
    for requirement in wanted:
        pinned = locked.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not in {name}")
        elif not requirement.specifier.contains(pinned[0], prereleases=True):
            problems.append(f"{requirement.name}=={pinned[0]} does not satisfy {requirement}")
    assert problems == [], "regenerate the lock (its header says how)"


def test_the_runtime_only_lock_holds_no_test_tool_and_the_test_lock_keeps_its_pins():
    runtime, full = _locked(ROOT / "requirements.lock"), _locked(ROOT / "requirements-test.lock")
    assert "pytest" not in runtime
    assert "mypy" not in runtime
    for package, (version, _) in runtime.items():
        assert full[package][0] == version, f"{package}: {full[package][0]} in the test lock, {version} in the lock"
