"""Package layering: no import cycle between the packages under ``app/``.

A node is the first component under ``app/`` (``app.vote.service`` → ``vote``); top-level modules (``app/main.py``,
``app/cli.py``, ``app/demo.py``, ``app/settings.py`` …) are nodes of their own. Every import counts, those inside
functions and under ``TYPE_CHECKING`` included. The ORM model registry ``app/db/models.py`` imports every package's
models for Alembic and is the one module left out.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
EXEMPT = {APP / "db" / "models.py"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _node(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def _imported(path: Path) -> set[str]:
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # ``from app import vote``
    return found


def package_edges() -> dict[str, dict[str, list[str]]]:
    """``edges[a][b]``: the modules of package ``a`` that import package ``b``."""
    modules = {_module_name(path) for path in APP.rglob("*.py")}
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(APP.rglob("*.py")):
        if path in EXEMPT:
            continue
        source = _node(_module_name(path))
        for target in _imported(path):
            # ``from app.x import name`` names a module only when it is one; ``app.__version__`` is app/__init__.py
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            node = _node(target)
            if source and node and node != source:
                edges[source][node].append(_module_name(path))
    return edges


def strongly_connected(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Tarjan's algorithm: the components of more than one package, each a set of packages in a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    nodes = set(edges) | {target for targets in edges.values() for target in targets}
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return found


def _describe(component: list[str], edges: dict[str, dict[str, list[str]]]) -> str:
    lines = [" ↔ ".join(component)]
    for source in component:
        for target in sorted(edges[source]):
            if target in component:
                lines.append(f"  {source} → {target}: {', '.join(sorted(set(edges[source][target])))}")
    return "\n".join(lines)


def test_no_import_cycles_between_packages() -> None:
    edges = package_edges()
    cycles = strongly_connected(edges)
    assert not cycles, "import cycles between app/ packages:\n" + "\n".join(_describe(c, edges) for c in cycles)


def test_the_cycle_finder_names_every_package_of_a_cycle() -> None:
    edges: dict[str, dict[str, list[str]]] = {"a": {"b": ["app.a.x"]}, "b": {"c": ["app.b.y"]}, "c": {"a": ["app.c.z"]}}
    assert strongly_connected(edges) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b": ["app.a.x"]}}) == []


PURE = {
    "rules": {"rules", "errors"},
    "ledger": {"ledger", "errors"},
    "verifier": {"verifier", "rules", "ledger", "errors"},
}
"""The pure packages and the app packages each may import (STYLE.md §8.1): no I/O layer, no SQLAlchemy or FastAPI."""


def test_the_law_evidence_and_verifier_packages_stay_pure() -> None:
    import sys

    # rfc8785: JCS, pure; orjson (a JSON parser in C) and isal (ISA-L's inflate): imported optionally by the verifier
    # (it runs without them)
    allowed_outside = set(sys.stdlib_module_names) | {"cryptography", "rfc8785", "orjson", "isal"}
    problems = []
    for package, allowed in PURE.items():
        for path in sorted((APP / package).rglob("*.py")):
            for target in _imported(path):
                top = target.split(".")[0]
                if top == "app":
                    node = _node(target)
                    if node is not None and node not in allowed:
                        problems.append(f"{_module_name(path)} imports {target}")
                elif top and top not in allowed_outside and top != "__future__":
                    problems.append(f"{_module_name(path)} imports {target}")
    assert not problems, "\n".join(problems)
