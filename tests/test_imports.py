"""No import circles among the modules of invoicekit/ and synthetic/.

Every module is parsed with ``ast`` (nothing is imported), and every import
statement of a package module counts, at the top of the file or inside a
function: an import hidden in a function to dodge a circle is still a circle.
``from invoicekit import x`` imports ``invoicekit/__init__.py`` and, when ``x``
is a module, that module too. The test fails listing every circle it finds.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("invoicekit", "synthetic")


def module_files(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file of the packages."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a ``from ... import`` names, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, path: Path, modules: set[str]) -> set[str]:
    """The package modules ``module`` imports anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    out.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            if source in modules:
                out.add(source)
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    out.add(f"{source}.{alias.name}")
    out.discard(module)
    return out


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    files = module_files(root, packages)
    return {m: imports_of(m, p, set(files)) for m, p in files.items()}


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's
    algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    members.append(m)
                    if m == node:
                        break
                if len(members) > 1:
                    found.append(sorted(members))
    return sorted(found)


def _shortest_cycle(graph: dict[str, set[str]], start: str, within: set[str]) -> list[str]:
    """The shortest path from ``start`` back to itself inside ``within``."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node] & within):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return []


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every tangle of modules that import each other, as the shortest circle
    through each of its modules (each circle once, starting at its first
    module in sorted order)."""
    out = []
    for members in _components(graph):
        seen = set()
        for m in members:
            cycle = _shortest_cycle(graph, m, set(members))[:-1]
            first = cycle.index(min(cycle))
            key = tuple(cycle[first:] + cycle[:first])
            if key not in seen:
                seen.add(key)
                out.append([*key, key[0]])
    return out


def test_the_graph_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.a import thing\n")
    (pkg / "a.py").write_text("import pkg.b\n\ndef f():\n    from pkg import c\n")
    (pkg / "b.py").write_text("from . import sub\n")
    (pkg / "c.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from ..c import x\nfrom .d import y\n")
    (pkg / "sub" / "d.py").write_text("import os\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.b", "pkg", "pkg.c"},
        "pkg.b": {"pkg", "pkg.sub"},
        "pkg.c": set(),
        "pkg.sub": {"pkg.c", "pkg.sub.d"},
        "pkg.sub.d": set(),
    }


def test_every_circle_is_found_and_named():
    graph = {
        "a": {"b"},
        "b": {"c", "a"},
        "c": {"a"},
        "d": {"e"},
        "e": {"d"},
        "f": {"a"},
    }
    assert circles(graph) == [["a", "b", "a"], ["a", "b", "c", "a"], ["d", "e", "d"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    found = circles(import_graph())
    if found:
        pytest.fail(f"{len(found)} import circle(s):\n" + "\n".join(" -> ".join(c) for c in found))
