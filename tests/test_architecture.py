"""Boundary rules: the pure packages import nothing beyond the standard library (STYLE.md §8.1)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "app"
ALLOWED = {
    "rules": {"app.rules", "app.errors"},
    "ledger": {"app.ledger", "app.errors", "cryptography", "rfc8785"},
    # The offline verifier (STYLE.md §8.1, issue #6 item 8): the law core, the evidence kernel and nothing else.
    "verifier": {"app.verifier", "app.rules", "app.ledger", "app.errors", "cryptography", "rfc8785"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _allowed(name: str, allowed: set[str]) -> bool:
    top = name.split(".")[0]
    return (
        top in sys.stdlib_module_names
        or top == "__future__"
        or any(name == prefix or name.startswith(prefix + ".") for prefix in allowed)
    )


@pytest.mark.parametrize(
    "path",
    sorted(p for package in ALLOWED for p in (ROOT / package).rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pure_packages_import_only_the_standard_library(path):
    package = path.relative_to(ROOT).parts[0]
    offending = sorted(name for name in _imports(path) if not _allowed(name, ALLOWED[package]))
    assert offending == [], f"{path.name} imports {offending}"


def test_app_errors_is_dependency_free():
    assert all(_allowed(name, set()) for name in _imports(ROOT / "errors.py"))
