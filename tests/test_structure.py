"""The package's shape: no import circles, no private names borrowed across modules, and the
layers of the data flow (nothing lower imports anything higher)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path) -> tuple[str, list[str]]:
    """Dotted name of a source file and the package its relative imports start from."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), parts
    return ".".join(parts), parts[:-1]


def _imports(path: Path, package: list[str]) -> list[tuple[str, str | None]]:
    """``(module, name)`` for every import of a file, function-level ones included."""
    out: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out += [(module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(alias.name, None) for alias in node.names]
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p)[0]: p for p in (ROOT / "pwlkit").rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in files}
    for name, path in files.items():
        for module, imported in _imports(path, _module_name(path)[1]):
            target = f"{module}.{imported}" if imported else module
            if target in files:
                edges[name].add(target)
            elif module in files:
                edges[name].add(module)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("folder", ["pwlkit", "perf"])
def test_no_private_name_is_imported_from_another_module(folder):
    borrowed = []
    for path in (ROOT / folder).rglob("*.py"):
        for module, name in _imports(path, _module_name(path)[1]):
            if name and name.startswith("_") and not name.startswith("__"):
                borrowed.append(f"{path.relative_to(ROOT)}: {name} from {module}")
    assert borrowed == []


@pytest.mark.parametrize(
    "lower, higher",
    [
        ("pwlkit.losses", "pwlkit.train"),
        ("pwlkit.claims", "pwlkit.train"),
        ("pwlkit.train", "pwlkit.runs"),
        ("pwlkit.runs", "pwlkit.study"),
        ("pwlkit.study", "pwlkit.search"),
        ("pwlkit.search", "pwlkit.study"),
        ("pwlkit.study", "pwlkit.claims"),
    ],
)
def test_a_package_does_not_import_from_above(lower, higher):
    edges = _graph()
    wrong = [
        f"{m} -> {t}"
        for m, targets in edges.items()
        if m == lower or m.startswith(lower + ".")
        for t in targets
        if t == higher or t.startswith(higher + ".")
    ]
    assert wrong == []
