"""Issue 12: no import cycle between cwsage's modules, and no import of another package's private modules.

Only imports that run when a module is loaded count (module level, outside ``if TYPE_CHECKING``); an import
inside a function is a deliberate late import and cannot make a cycle at load time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "cwsage"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _load_time_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node.test):
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body])
    return found


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement names (``from a import b`` names ``a.b`` when that is a module).

    cwsage uses absolute imports only (checked below), so ``level`` is always 0.
    """
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    names = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    return names or [base]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges = {t for node in _load_time_imports(tree) for t in _targets(node)}
        graph[module] = {t for t in edges if t in MODULES and t != module}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle (its modules in order, the first repeated at the end), or ``[]``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_import_cycle_between_cwsage_modules() -> None:
    graph = _graph()
    assert "cwsage.cli" in graph and "cwsage.cli_app" in graph["cwsage.commands"], "the graph is real"
    assert _cycle(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def _private(name: str) -> bool:
    return not name.startswith("cwsage") and any(p.startswith("_") and not p.startswith("__") for p in name.split("."))


def _private_imports() -> list[str]:
    found = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.append(f"{module}: a relative import (cwsage imports absolutely)")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                found.extend(f"{module}: {name}" for name in _targets(node) if _private(name))
    return found


def test_no_private_module_of_another_package_is_imported() -> None:
    assert _private_imports() == []


@pytest.mark.parametrize("source", ["from typer._click.core import Context", "import typer._click.exceptions"])
def test_a_private_import_would_be_caught(source: str) -> None:
    (node,) = ast.parse(source).body
    assert isinstance(node, ast.Import | ast.ImportFrom)
    assert any(_private(name) for name in _targets(node))
