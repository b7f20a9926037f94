"""The layout shows the architecture, and stays that way.

Reads every ``import`` in ``crosspost/`` and ``adapters/`` (module level, inside functions and
under ``TYPE_CHECKING`` alike) and checks that no module is part of an import circle and that
each package imports only from the layers below it (docs/ARCHITECTURE.md has the picture).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"crosspost": ROOT / "crosspost", "crosspost_adapters": ROOT / "adapters",
           "bench": ROOT / "bench"}

FOUNDATION = {"crosspost", "crosspost.errors", "crosspost.logs"}
#: package → the packages it may import (besides itself and the foundation), lowest first
MAY_IMPORT: dict[str, set[str]] = {
    "crosspost.story": set(),
    "crosspost.config": {"crosspost.story"},
    "crosspost.adapter": {"crosspost.story", "crosspost.config"},
    "crosspost.render": {"crosspost.story", "crosspost.config", "crosspost.adapter"},
    "crosspost.state": {"crosspost.story", "crosspost.config"},
    "crosspost.delivery": {"crosspost.story", "crosspost.config", "crosspost.adapter",
                           "crosspost.render", "crosspost.state"},
    "crosspost.workflows": {"crosspost.story", "crosspost.config", "crosspost.adapter",
                            "crosspost.render", "crosspost.state", "crosspost.delivery"},
    "crosspost.daemon": {"crosspost.story", "crosspost.config", "crosspost.adapter",
                         "crosspost.render", "crosspost.state", "crosspost.delivery",
                         "crosspost.workflows"},
    "crosspost.sandbox": set(),
    "crosspost.ui": {"crosspost.story", "crosspost.config", "crosspost.adapter",
                     "crosspost.render", "crosspost.state", "crosspost.delivery",
                     "crosspost.daemon", "crosspost.sandbox", "crosspost.workflows"},
    "crosspost.cli": {"crosspost.story", "crosspost.config", "crosspost.adapter",
                      "crosspost.render", "crosspost.state", "crosspost.delivery",
                      "crosspost.daemon", "crosspost.sandbox", "crosspost.ui",
                      "crosspost.workflows"},
    # adapters see only the adapter contract (which re-exports the post and the account)
    "crosspost_adapters": {"crosspost.adapter"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for name, base in SOURCES.items():
        for path in base.rglob("*.py"):
            parts = [name, *path.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The project modules ``module`` imports, resolved to the deepest module named."""
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: None if is_pkg else -1]
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix
                     for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _package(module: str) -> str:
    if module in FOUNDATION or module == "crosspost.__main__":
        return module
    parts = module.split(".")
    return parts[0] if parts[0] != "crosspost" else ".".join(parts[:2])


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_module_is_part_of_an_import_circle() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_package_imports_only_from_the_layers_below(package: str) -> None:
    allowed = MAY_IMPORT[package] | FOUNDATION | {package}
    wrong = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() if _package(m) == package
                   for t in targets if _package(t) not in allowed)
    assert wrong == []


def test_every_package_has_a_place_in_the_layers() -> None:
    packages = {_package(m) for m in MODULES} - FOUNDATION - {"bench", "crosspost.__main__"}
    assert packages <= set(MAY_IMPORT), packages - set(MAY_IMPORT)


def test_the_foundation_imports_nothing_of_crosspost() -> None:
    assert {m: sorted(GRAPH[m]) for m in FOUNDATION if GRAPH[m]} == {}


def test_the_check_sees_imports_inside_functions_and_type_checking() -> None:
    # the registry imports the config only under TYPE_CHECKING and inside a method
    assert "crosspost.config" in GRAPH["crosspost.state.registry"] or \
        "crosspost.config.load" in GRAPH["crosspost.state.registry"]
