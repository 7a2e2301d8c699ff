"""The house's shape, checked on the source: no import cycle among seqkit's modules (lazy imports inside
functions and TYPE_CHECKING ones included), no Numba kernel with more than a dozen
arguments, and no function over sixty lines."""

import ast
from pathlib import Path

import seqkit

ROOT = Path(seqkit.__file__).parent


def _modules() -> dict[str, ast.Module]:
    out = {}
    for p in ROOT.rglob("*.py"):
        name = ".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
        out[name] = ast.parse(p.read_text(encoding="utf-8"))
    return out


def _imports(tree: ast.Module, known) -> set[str]:
    """Every seqkit module ``tree`` imports anywhere; `from pkg import submodule` names the submodule only."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found.update(subs if subs <= known else subs | {node.module})
    return found & known


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a path, or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(v, path):
        state[v] = 1
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return path[path.index(w):] + [w]
            if w not in state and (found := visit(w, path + [w])):
                return found
        state[v] = 2
        return []

    for v in sorted(graph):
        if v not in state and (found := visit(v, [v])):
            return found
    return []


def test_no_import_cycle_lazy_ones_included():
    mods = _modules()
    graph = {m: _imports(tree, set(mods)) - {m} for m, tree in mods.items()}
    assert _cycle(graph) == []


def test_the_cycle_finder_finds_a_lazy_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_kernel_takes_more_than_twelve_arguments():
    wide = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any("njit" in ast.unparse(d) for d in node.decorator_list):
                n = len(node.args.args) + len(node.args.kwonlyargs)
                if n > 12:
                    wide.append(f"{name}.{node.name}: {n}")
    assert wide == []


def _long_functions(tree: ast.Module, limit: int) -> list[str]:
    return [f"{node.name}: {node.end_lineno - node.lineno + 1}" for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit]


def test_no_function_is_longer_than_sixty_lines():
    long = [f"{name}.{found}" for name, tree in _modules().items() for found in _long_functions(tree, 60)]
    assert long == []


def test_the_length_check_sees_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    assert _long_functions(ast.parse(f"def f():\n{body}\n"), 60) == ["f: 61"]
