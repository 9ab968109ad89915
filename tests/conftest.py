"""Shared helpers: tiny hand-checkable plants, a solve that always runs the checker, and the
baselines, what-if and bench runs that several tests read (made once per session)."""

from __future__ import annotations

import copy
import io
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from solver.cli import main
from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.input.loading import load_plant
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.search import plan as solve_plan

ROOT = Path(__file__).resolve().parent.parent
TEST_SETTINGS = {"time_limit": 20, "workers": 2, "seed": 0}

# Plan starts Monday 2026-11-23 00:00 on a 1-minute grid; machines work around the clock
# unless a test gives them a calendar. One product, one step of 60 minutes on M1.
BASE = {
    "plant": {"name": "tiny", "start": "2026-11-23T00:00", "horizon": "7d", "currency": "EUR"},
    "settings": {"tardiness_cost_per_day": 1440},
    "resources": [{"id": "M1"}, {"id": "M2"}],
    "products": [
        {
            "id": "P",
            "unit_cost": 1.0,
            "routing": [{"id": "s1", "resources": [{"resource": "M1", "setup": "60m"}]}],
        }
    ],
    "customers": [{"id": "C", "tier": "A"}],
    "orders": [
        {
            "id": "O1",
            "customer": "C",
            "product": "P",
            "quantity": 1,
            "due": "2026-11-23T02:00",
            "price": 2.0,
        }
    ],
}


def weekday_calendar(start: str = "08:00", end: str = "16:00", cid: str = "day") -> dict:
    """A calendar record working ``start``-``end`` Monday to Friday."""
    days = ["mon", "tue", "wed", "thu", "fri"]
    return {"id": cid, "shifts": [{"days": days, "start": start, "end": end}]}


def material_model(
    name: str, settings: dict, material: dict, offer: dict, orders: list[dict]
) -> dict:
    """A one-machine plant on an hourly grid for 2 weeks from Monday 2026-11-23 00:00: product
    P (one 1-hour step ``s`` on M1 drawing one ``material`` per unit, unit cost 1), supplier S
    (daily periods) with one ``offer``, customer C of tier A and ``orders`` of P for C at
    2,000 EUR (each dict adds or overrides fields)."""
    return {
        "plant": {
            "name": name,
            "start": "2026-11-23T00:00",
            "horizon": "2w",
            "resolution": "1h",
            "currency": "EUR",
        },
        "settings": settings,
        "resources": [{"id": "M1"}],
        "products": [
            {
                "id": "P",
                "unit_cost": 1.0,
                "bom": [{"material": material["id"], "per_unit": 1}],
                "routing": [{"id": "s", "resources": [{"resource": "M1", "setup": "1h"}]}],
            }
        ],
        "materials": [material],
        "suppliers": [{"id": "S", "period": "1d", "offers": [offer]}],
        "customers": [{"id": "C", "tier": "A"}],
        "orders": [{"customer": "C", "product": "P", "price": 2000.0, **o} for o in orders],
    }


def base_model() -> dict:
    """A fresh deep copy of the tiny plant, for a test to edit."""
    return copy.deepcopy(BASE)


def record_calls(monkeypatch, module, name: str) -> list:
    """Wrap ``module.name`` so that every result it returns is kept in the list returned (the
    plans LNS merges, the sub-plants it builds), for a test to check each one."""
    original = getattr(module, name)
    results: list = []

    def recorded(*args, **kwargs):
        out = original(*args, **kwargs)
        results.append(out)
        return out

    monkeypatch.setattr(module, name, recorded)
    return results


def write_model(tmp_path: Path, model: dict, name: str = "plant.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(model, sort_keys=False))
    return path


@pytest.fixture
def make_plant(tmp_path):
    """Write a model dict to a file and load it, as a user's file would be."""

    def make(model: dict) -> Plant:
        return load_plant(write_model(tmp_path, model))

    return make


def solve_checked(plant: Plant, **settings) -> Plan:
    """Solve with fixed seed and 2 workers; assert the plan passes the independent checker,
    states the objective recomputed from it and, where the solver proved it optimal, that the
    model's own objective (one-sided tardiness and shifts) equals it."""
    result = solve_plan(plant.with_settings(**{**TEST_SETTINGS, **settings}))
    violations = check_plan(plant, result)
    assert violations == [], "\n".join(map(str, violations))
    assert sum(objective_units(plant, result).values()) == result.objective_units
    if result.proven_optimal:
        assert result.stats["model_objective_units"] == result.objective_units
    return result


def dispatch_then_solve(plant: Plant) -> tuple[Plan, Plan | None]:
    """Dispatch, then CP-SAT (``TEST_SETTINGS``, 5 s) hinted by the dispatch plan, for the
    property tests. Both plans pass the checker (dispatch may leave a firm order declined when
    greedy allocation finds it no material) and the solve states its objective recomputed.
    The CP-SAT plan is None when the model has no solution, which only a dispatch that could
    not place every firm order may meet."""
    hint = best_dispatch(plant)
    violations = check_plan(plant, hint)
    if hint.status != "DISPATCH":
        violations = [v for v in violations if v.kind != "declined-firm"]
    assert violations == []
    plant = plant.with_settings(**{**TEST_SETTINGS, "time_limit": 5})
    try:
        plan = solve(build(plant, hint))
    except SolveError:
        # Materials can make a book infeasible in ways no per-record rule sees (stock timing
        # against supplier capacity); then dispatch cannot have placed every firm order.
        assert hint.status != "DISPATCH"
        return hint, None
    assert check_plan(plant, plan) == []
    assert plan.objective_units == sum(objective_units(plant, plan).values())
    return hint, plan


# Runs shared by several tests (solved once per session) -----------------------------------
#
# The demo baseline is the same plan in every scenario test, and one run of the small bench
# suite or of the rush-order what-if is what two test files look at. Each is made once, by the
# command a user would run, and read by every test that needs it; no test may change the files.

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SMALL_SUITE = ROOT / "benchmarks" / "suites" / "small.yaml"
RUSH_ORDER = ROOT / "scenarios" / "rush-order.yaml"
MACHINE = ["--workers", "2", "--seed", "0"]  # fixed, so that answers repeat on any machine
BASELINE_LIMIT = "10"  # the demo model's own time_limit: its baseline proves optimal in it
QUICK = ["--time-limit", "1", *MACHINE]  # any solving command
# A what-if's own solves get 1 s; a baseline it solves gets BASELINE_LIMIT.
FAST = [*QUICK, "--baseline-time-limit", BASELINE_LIMIT]


def baseline_args(model: Path, plan_file: Path) -> list[str]:
    """The `replan plan` that solves the baseline a `replan whatif ... <FAST>` of a scenario
    on ``model`` would solve itself: BASELINE_LIMIT, MACHINE, deterministic (the what-if's
    default). test_cli asserts both solves get the same plant and settings."""
    limit = ["--time-limit", BASELINE_LIMIT]
    return ["plan", str(model), "--deterministic", *limit, *MACHINE, "--json", str(plan_file)]


def scenario_model(scenario: Path) -> Path:
    return (scenario.parent / yaml.safe_load(scenario.read_text())["model"]).resolve()


def with_baseline(scenario: Path, baseline: Path, folder: Path) -> Path:
    """A copy of a bundled scenario in ``folder`` that names ``baseline`` as its baseline plan
    (and its model by absolute path); everything else as in the bundled file."""
    raw = yaml.safe_load(scenario.read_text())
    raw["model"] = str(scenario_model(scenario))
    raw["baseline"] = str(baseline)
    path = folder / scenario.name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@dataclass(frozen=True)
class Run:
    """A finished CLI run: its exit code, what it printed, and the file or folder it wrote."""

    code: int
    out: str
    path: Path


def run_cli(args: list[str], path: Path) -> Run:
    """``replan ARGS`` in-process; standard output is kept (rich reads sys.stdout on write)."""
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = main(args)
    return Run(code, printed.getvalue(), path)


@pytest.fixture(scope="session")
def baseline_of(tmp_path_factory):
    """model -> the plan file of ``baseline_args``, solved at most once per model and session."""
    folder = tmp_path_factory.mktemp("baselines")
    plans: dict[Path, Path] = {}

    def get(model: Path) -> Path:
        model = model.resolve()
        if model not in plans:
            path = folder / f"{model.stem}.json"
            run = run_cli(baseline_args(model, path), path)
            assert run.code == 0, run.out
            plans[model] = path
        return plans[model]

    return get


@pytest.fixture(scope="session")
def rush_order_whatif(tmp_path_factory) -> Run:
    """`replan whatif scenarios/rush-order.yaml --json A`, as issue 10 words it (the what-if
    solves its own baseline), on whatever load the session has: test_cli checks its verdicts,
    test_repeatable compares it with a run while both cores are busy."""
    path = tmp_path_factory.mktemp("rush-order") / "answer.json"
    return run_cli(["whatif", str(RUSH_ORDER), "--json", str(path)], path)


@pytest.fixture(scope="session")
def small_bench(tmp_path_factory) -> Run:
    """`replan bench benchmarks/suites/small.yaml --out DIR`: test_bench checks its files and
    rows, test_repeatable compares them with a run while both cores are busy."""
    out = tmp_path_factory.mktemp("small-bench") / "out"
    return run_cli(["bench", str(SMALL_SUITE), "--out", str(out)], out)
