"""The audit log's event kinds are named in one place: ``app.ledger.events`` (its enum and payload builders).

Any other module of ``app/`` that spells a kind, or the family prefix a kind is built from, as a string literal
would be a second definition that can drift from the log's contract. Problem codes (``code = "vote.closed"`` on
a ``DomainError``) are another namespace and are left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.ledger.events import EventKind

APP = Path(__file__).resolve().parents[1] / "app"
CONTRACT = APP / "ledger" / "events.py"
KINDS = {kind.value for kind in EventKind}
PREFIXES = {kind.value[: index + 1] for kind in EventKind for index, char in enumerate(kind.value) if char == "."}


def kind_literals(source: str) -> list[tuple[int, str]]:
    """Every string constant of ``source`` that is an event kind or a kind's family prefix, with its line."""
    tree = ast.parse(source)
    problem_codes = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == ["code"]
    }
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in KINDS | PREFIXES
        and id(node) not in problem_codes
    )


def test_the_scan_finds_kinds_and_prefixes():
    source = (
        'KIND = "vote.closed"\n'
        'name = f"supervision.{kind}"\n'
        '"""vote.closed in prose"""\n'
        'class VoteClosed:\n    code = "vote.closed"\n'
    )
    assert kind_literals(source) == [(1, "vote.closed"), (2, "supervision.")]


@pytest.mark.parametrize(
    "path", sorted(p for p in APP.rglob("*.py") if p != CONTRACT), ids=lambda p: str(p.relative_to(APP))
)
def test_no_event_kind_literal_outside_the_contract(path):
    assert kind_literals(path.read_text(encoding="utf-8")) == [], f"use app.ledger.events.EventKind in {path.name}"


def test_the_contract_itself_spells_every_kind():
    assert {value for _, value in kind_literals(CONTRACT.read_text(encoding="utf-8"))} >= KINDS
