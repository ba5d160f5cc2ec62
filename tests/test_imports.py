"""skann's modules import one another without a cycle, latent ones included.

The graph is read from the source (every ``import`` statement, those inside
functions too), so a cycle that an import deferred into a function hides from
Python still shows here.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skann"


def module_name(path):
    """The dotted name of the module in ``path``, a file under ``PACKAGE``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path, modules):
    """The modules of ``modules`` that the file ``path`` imports anywhere."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from . import x`` imports the module ``x`` of the package where
            # there is one, and reads the package's ``x`` otherwise.
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else base)
    # A submodule's import runs its package's __init__ first, which imports
    # what it imports: an edge to the package stands for it.
    edges = set()
    for target in found:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            edges.add(target)
    return edges


def import_graph():
    """Each of skann's modules, and those of skann it imports."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imported(path, paths) for name, path in paths.items()}


def find_cycle(graph):
    """A list of modules that import one another in a ring, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, stack)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_skanns_modules_import_one_another_without_a_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_the_graph_holds_imports_inside_functions_and_relative_ones():
    graph = import_graph()
    # skann/__init__.py: relative imports, resolved.
    assert {"skann._classifier", "skann._regressor"} <= graph["skann"]
    # onnx.py reads skann's __version__ inside a function.
    assert "skann" in graph["skann.onnx"]
    # from_mlp imports the estimators inside the function.
    assert "skann._classifier" in graph["skann._mlp"]
    assert "skann._core.network" in graph["skann._base"]


@pytest.mark.parametrize(
    "graph, cycle",
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": set(), "c": {"c2"}, "c2": {"c"}}, ["c", "c2", "c"]),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, None),
    ],
)
def test_find_cycle_finds_a_ring_and_only_a_ring(graph, cycle):
    assert find_cycle(graph) == cycle
