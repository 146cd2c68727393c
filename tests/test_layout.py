"""The import graph of `protod` read from the source (every import statement, lazy ones inside functions included):
no circle, no module importing another module's private name, no package importing one above it. Fails on the first
new circle or upward import, naming it, so the layout in README's architecture section stays true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "protod"

# Every package of protod, bottom first: a module may import from its own package or one before it in this order.
# The README's architecture section draws the same order.
RANKS = {name: rank for rank, name in enumerate(
    ("text", "world", "store", "backends", "user", "agent", "run", "train", "eval", "audit", "serve", "cli"))}
# Modules kept one release so that old import paths still work (CHANGELOG): each only re-exports its new home.
SHIMS = {
    "protod.scenario", "protod.persona", "protod.pack_checks", "protod.rollout", "protod.run_files", "protod.records",
    "protod.run_identity", "protod.provenance", "protod.redteam", "protod.demo", "protod.jobs", "protod.eval.metrics",
    "protod.eval.perception", "protod.user.consistency", "protod.user.language", "protod.user.sanitize",
}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every protod import in the module."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            if base.split(".")[0] != "protod":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub, "", node.lineno) if sub in mods else (base, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "protod"]
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    private = []
    for name, path in mods.items():
        for target, imported, line in _imports(name, path, mods):
            if target in mods and target != name:
                edges[name].add(target)
            if imported.startswith("_") and not imported.startswith("__") and name not in SHIMS:
                private.append(f"{path.relative_to(SRC.parent)}:{line} imports {target}.{imported}")
    return edges, private


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
    return found


def _rank(module: str) -> int | None:
    parts = module.split(".")
    return RANKS.get(parts[1]) if len(parts) > 1 else None


def test_no_import_circle():
    edges, _ = _graph()
    assert _cycles(edges) == []


def test_cycle_finder_finds_a_circle():
    # the checker itself: a three-module circle and a self-standing module
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_imports_another_modules_private_name():
    _, private = _graph()
    assert private == []


def test_no_package_imports_one_above_it():
    edges, _ = _graph()
    upward = [f"{a} -> {b}" for a, targets in edges.items() for b in targets
              if a not in SHIMS and _rank(a) is not None and _rank(b) is not None and _rank(b) > _rank(a)]
    assert upward == []


@pytest.mark.parametrize("package", sorted(RANKS))
def test_every_ranked_package_exists(package):
    assert (SRC / package / "__init__.py").exists(), f"RANKS names {package!r}, which is not a package of protod"


def test_every_package_is_ranked():
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")} - {"scenarios"}  # (pack YAML: data, no code)
    assert packages <= set(RANKS), f"rank {sorted(packages - set(RANKS))} in tests/test_layout.py and README"


def test_a_long_module_says_why_at_its_top():
    # ~400 lines reads top to bottom in one sitting; a longer module states its reason in its docstring
    long = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 420:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Over 400 lines:" not in doc:
                long.append(f"{name}: {len(text.splitlines())} lines")
    assert long == []


@pytest.mark.parametrize("old, name", [
    ("protod.scenario", "load_scenario"), ("protod.persona", "PersonaSampler"), ("protod.pack_checks", "fidelity"),
    ("protod.pack_checks", "authoring_problems"), ("protod.rollout", "run_episodes"), ("protod.rollout", "read_trajectories"),
    ("protod.run_files", "atomic_write_json"), ("protod.records", "CheckpointMeta"), ("protod.run_identity", "check_identity"),
    ("protod.provenance", "run_record"), ("protod.redteam", "hunt"), ("protod.demo", "summarise"), ("protod.demo", "DEFAULT"),
    ("protod.jobs", "run_jobs"), ("protod.eval.metrics", "summarize"), ("protod.eval.perception", "load_corpora"),
    ("protod.user.consistency", "check_file"), ("protod.user.language", "analyse"),
    ("protod.user.sanitize", "strip_injection"), ("protod.user.perceive", "normalise"),
])
def test_old_import_paths_still_work_for_one_release(old, name):
    import importlib

    assert hasattr(importlib.import_module(old), name), f"{old}.{name} (CHANGELOG promises it for one release)"
