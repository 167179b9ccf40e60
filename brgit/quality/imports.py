"""The project's own import graph: which module imports which, and the cycles among the
imports that run when a module is loaded (lazy imports inside functions break cycles on
purpose and are not edges)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from brgit.quality.facts import FileFacts, Import
from brgit.quality.files import module_name


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


class ModuleMap:
    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.by_module = {module_name(f.rel): f for f in files}

    def resolve(self, facts: FileFacts, imp: Import) -> list[str]:
        """The project modules one import statement loads (none for third-party ones)."""
        base = self._base(facts, imp)
        if base is None:
            return []
        if not imp.names:
            return [base] if base in self.by_module else []
        found = [f"{base}.{n}" for n in imp.names if f"{base}.{n}" in self.by_module]
        if len(found) < len(imp.names) and base in self.by_module:
            found.append(base)  # names that are not submodules come from the package itself
        return found

    def _base(self, facts: FileFacts, imp: Import) -> str | None:
        if imp.level == 0:
            return imp.module
        module = module_name(facts.rel)
        package = module if facts.rel.endswith("__init__.py") else module.rpartition(".")[0]
        parts = package.split(".") if package else []
        if imp.level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (imp.level - 1)]
        return ".".join([*parts, imp.module] if imp.module else parts) or None

    def edges(self, files: Iterable[FileFacts], *, load_time_only: bool) -> list[Edge]:
        out = []
        for facts in files:
            source = module_name(facts.rel)
            for imp in facts.imports:
                if load_time_only and not imp.top:
                    continue
                out += [Edge(source, t, imp.line) for t in self.resolve(facts, imp)
                        if t != source]
        return out


def cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One cycle per strongly connected group of modules, as the edges that close it."""
    graph: dict[str, dict[str, Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.source, {}).setdefault(edge.target, edge)
    found = []
    for group in _strongly_connected(graph):
        if len(group) > 1:
            found.append(_walk_cycle(graph, sorted(group)[0], group))
    return sorted(found, key=lambda c: c[0].source)


def _strongly_connected(graph: dict[str, dict[str, Edge]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (a deep package would overflow recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    groups.append(_pop_group(stack, on_stack, node))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, {})))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


def _pop_group(stack: list[str], on_stack: set[str], node: str) -> set[str]:
    group = set()
    while True:
        member = stack.pop()
        on_stack.discard(member)
        group.add(member)
        if member == node:
            return group


def _walk_cycle(graph: dict[str, dict[str, Edge]], start: str, group: set[str]) -> list[Edge]:
    """A shortest path from `start` back to itself inside its group (breadth first)."""
    previous: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for target, edge in sorted(graph.get(node, {}).items()):
                if target not in group or target in previous:
                    continue
                previous[target] = edge
                if target == start:
                    return _path(previous, start)
                nxt.append(target)
        frontier = nxt
    return []  # pragma: no cover - a strongly connected group always has a cycle


def _path(previous: dict[str, Edge], start: str) -> list[Edge]:
    path = [previous[start]]
    while path[-1].source != start:
        path.append(previous[path[-1].source])
    return path[::-1]
