"""The house keeps its layers: no import cycle, and no subpackage imports one above it.

Every import in ``solver/`` is read with ``ast``, those inside functions too (a deferred
import is still a dependency). docs/architecture.md describes the layers listed here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOLVER = Path(__file__).resolve().parent.parent / "solver"

# Bottom to top. A module may import its own layer and those below it, never one above.
LAYERS = [
    "domain",
    "rules",
    "supply",
    "input",
    "changes",
    "facts",
    "solve",
    "explain",  # below whatif: the early-warning check prices its countermeasures as levers
    "strategies",
    "whatif",
    "replay",
    "store",
    "daily",
    "report",
    "api",
    "service",  # `replan serve`: the HTTP API over the store and the engine
    "dask_work",  # a face utility: builds the Dask cluster the command line hands the engine
    "cli",
]
# Inside ``solve``: the dispatch heuristic (the hint of every model), the CP-SAT model, then
# the searches that drive it.
SOLVE_ORDER = [
    "dispatch",
    "cpsat",
    "putting_back",
    "lower_bound",
    "residual_supply",
    "neighbourhoods",
    "lns",
    "replanning",
    "fewer_moves",
    "promising",
    "search",
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SOLVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The ``solver`` modules a file imports (``from solver.x import y`` counts ``solver.x.y``
    when that is a module, else ``solver.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "solver"}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import; write solver.… in full"
            base = node.module or ""
            if base.split(".")[0] != "solver":
                continue
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
    return found


MODULES = {module_name(p): p for p in SOLVER.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def layer_of(module: str) -> tuple[int, int]:
    parts = module.split(".")
    if len(parts) == 1:
        return (LAYERS.index("api"), 0)  # solver/__init__.py: the Python API
    top = parts[1]
    rank = LAYERS.index(top)
    inner = 0
    if top == "solve" and len(parts) > 2:
        inner = SOLVE_ORDER.index(parts[2])
    return (rank, inner)


def test_every_module_belongs_to_a_layer():
    for name in MODULES:
        layer_of(name)  # raises ValueError for a folder missing from LAYERS


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_layer_above_its_own(module):
    own = layer_of(module)
    above = sorted(target for target in GRAPH[module] if layer_of(target) > own)
    assert not above, f"{module} imports from a layer above it: {above}"


def test_no_import_cycles():
    cycles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH.get(node, ())):
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target in GRAPH and state.get(target) is None:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(GRAPH):
        if state.get(module) is None:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_check_sees_an_upward_import_and_a_cycle():
    """The rules above fail when they should: a fake graph with both defects."""
    assert layer_of("solver.domain.plan") < layer_of("solver.solve.cpsat.model")
    assert layer_of("solver.solve.dispatch") < layer_of("solver.solve.cpsat.model")
    fake = {
        "solver.domain.plan": {"solver.facts.kpis"},
        "solver.facts.kpis": {"solver.domain.plan"},
    }
    upward = [t for m, ts in fake.items() for t in ts if layer_of(t) > layer_of(m)]
    assert upward == ["solver.facts.kpis"]
