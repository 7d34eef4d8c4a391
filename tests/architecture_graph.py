"""The package's import graph, read from the source: every import, function-level ones included.

An edge ``a -> b`` means module ``a`` imports module ``b`` (``import b``, ``from b import x``,
``from pkg import b`` for a submodule ``b``), or names it in a string the code resolves at run
time: a job reference ``"mlops_desktop.b:function"`` or a module name passed to importlib.
Importing ``pkg.sub`` also runs ``pkg/__init__``, but that implicit edge is not counted: a package
may re-export its submodules without that being a cycle.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

MODULE_STRING = re.compile(r"^(mlops_desktop(?:\.\w+)+)(?::\w+)?$")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line} -> {self.target}"


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    root = package.parent
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _named(node: ast.AST, modules: dict[str, Path]) -> list[str]:
    """The dotted names an AST node imports or refers to as a module."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        # ``from pkg import sub`` imports the submodule; ``from mod import name`` the module
        subs = [f"{node.module}.{alias.name}" for alias in node.names]
        return [name if name in modules else node.module for name in subs]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = MODULE_STRING.match(node.value)
        return [match.group(1)] if match else []
    return []


def import_edges(package: Path) -> list[Edge]:
    """Every edge between two modules of ``package``."""
    modules = module_files(package)
    edges: set[Edge] = set()
    for source, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            for name in _named(node, modules):
                target = _resolve(name, modules) if name.startswith("mlops_desktop") else None
                if target and target != source:
                    edges.add(Edge(source, target, getattr(node, "lineno", 0)))
    return sorted(edges, key=lambda e: (e.source, e.target, e.line))


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        graph[edge.source].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(set(graph) | {e.target for e in edges}):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found
