"""The package layout is the architecture (docs/architecture.md): each layer imports only the
layers below it, and no modules import each other in a cycle — counting imports inside
functions too, since a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cicagraph"

# layer → the layers it may import (besides itself)
CORE = {"cicagraph.config", "cicagraph.errors", "cicagraph.formats", "cicagraph.tabular"}
ALLOWED = {
    "core": set(),
    "pipeline": {"core"},
    "query": {"core"},
    "curation": {"core", "pipeline"},
    "publish": {"core", "pipeline"},
    "web": {"core", "pipeline", "query"},
    "cli": {"core", "pipeline", "query", "curation", "publish", "web"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    """None for the package itself (``__version__`` and the lazy API) and ``__main__``."""
    if module in CORE:
        return "core"
    if module in ("cicagraph.cli",):
        return "cli"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in ALLOWED:
        return parts[1]
    if module in ("cicagraph", "cicagraph.__main__"):
        return None
    raise AssertionError(f"{module} belongs to no layer: add it to a subpackage or to CORE")


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The cicagraph modules ``path`` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return {name for name in found if name in modules}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path, set(MODULES)) - {name} for name, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    assert len(MODULES) > 30
    for name in MODULES:
        layer_of(name)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_downwards_only(module: str) -> None:
    layer = layer_of(module)
    if layer is None:
        return
    upward = sorted(
        f"{module} imports {target} ({layer_of(target)})"
        for target in GRAPH[module]
        if layer_of(target) not in (None, layer, *ALLOWED[layer])
    )
    assert not upward, "\n".join(upward)


def test_the_package_root_imports_only_lazily() -> None:
    """``import cicagraph`` must not pull in the layers (the CLI's start-up time)."""
    tree = ast.parse(MODULES["cicagraph"].read_text())
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(not (getattr(n, "module", "") or "").startswith("cicagraph") for n in top_level)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycles() -> None:
    # the package root only re-exports lazily, and every module imports it for __version__
    graph = {name: targets - {"cicagraph"} for name, targets in GRAPH.items()}
    cycle = find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_library_api_resolves_lazily() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cicagraph\n"
        "assert not [m for m in sys.modules if m.startswith('cicagraph.')], sorted(sys.modules)\n"
        "from cicagraph import Settings, build, create_app, open_store, run_query\n"
        "from cicagraph.pipeline.build import build as b\n"
        "assert build is b and callable(run_query) and callable(create_app)\n"
        "try:\n"
        "    cicagraph.nonexistent\n"
        "except AttributeError as e:\n"
        "    assert 'nonexistent' in str(e)\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
