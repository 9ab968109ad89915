"""``--dask``: what-if variants and bench replays on a 2-worker LocalCluster give the serial answer.

Every solve here is deterministic, so the Dask run must return the very plans, verdicts and
rows of the serial run; only timings and the memory figures of the moment may differ.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from benchmarks.dask_pieces import answer  # without timings and memory figures
from solver import dask_work
from solver.changes.scenario import load_scenario
from solver.dask_work import DaskUnavailable, dask_mapper
from solver.domain.mapping import serial
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, with_objective
from solver.input.loading import load_plant
from solver.replay.generate import generate_plant
from solver.replay.suite import load_suite, run_suite
from solver.report.whatif import evaluation_dict
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import _disjoint, improve
from solver.solve.neighbourhoods.adaptive import Selector
from solver.solve.search import plan as solve_plan
from solver.whatif.evaluate import evaluate
from tests.conftest import RUSH_ORDER, run_cli

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"time_limit": 1, "workers": 2, "seed": 0}


@pytest.fixture(scope="module")
def dask_map():
    with dask_mapper(workers=2) as mapped:
        yield mapped


def test_the_serial_mapper_keeps_order_and_reports_progress():
    ticks = []
    assert serial(lambda x: x * x, [3, 1, 2], lambda: ticks.append(1)) == [9, 1, 4]
    assert len(ticks) == 3


def test_dask_keeps_the_order_of_the_pieces(dask_map):
    ticks = []
    assert dask_map(abs, [-3, 1, -2, 5], lambda: ticks.append(1)) == [3, 1, 2, 5]
    assert len(ticks) == 4


def test_whatif_variants_on_dask_give_the_serial_evaluation(dask_map):
    scenario = load_scenario(ROOT / "scenarios" / "rush-order.yaml")
    assert len(scenario.change_sets()) >= 3  # the change as asked and its variants
    alone = evaluate(scenario, SETTINGS)
    spread = evaluate(scenario, SETTINGS, mapper=dask_map)
    assert [o.name for o in spread.outcomes] == [o.name for o in alone.outcomes]
    assert answer(evaluation_dict(spread)) == answer(evaluation_dict(alone))


def test_bench_replays_on_dask_give_the_serial_rows(dask_map, tmp_path):
    suite_file = tmp_path / "suite.yaml"
    suite_file.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "plants": [
                    {"name": f"g{seed}", "generate": {"orders": 20, "seed": seed}}
                    for seed in (1, 2)
                ],
                "events": {"count": 2, "seed": 3, "spacing": "1d"},
                "strategies": ["stable", "right_shift"],
                "budget": 1,
                "baseline_budget": 2,
                "settings": {"workers": 2, "seed": 0, "wall_cap_factor": 100},
            }
        )
    )
    suite = load_suite(suite_file)
    ticks = []
    alone = run_suite(suite, {})
    spread = run_suite(suite, {}, lambda: ticks.append(1), mapper=dask_map)
    assert len(alone) == 2 * 2 * 2
    assert [answer(r) for r in spread] == [answer(r) for r in alone]
    assert len(ticks) == len(alone)


@pytest.fixture
def quick_give_up(monkeypatch):
    """Give up on an unreachable scheduler after 1 s, not the 10 s a real one may need."""
    monkeypatch.setattr(dask_work, "CONNECT_SECONDS", 1)


def test_an_unreachable_scheduler_is_a_clear_error(quick_give_up):
    with pytest.raises(DaskUnavailable) as raised, dask_mapper("tcp://127.0.0.1:9"):
        pass
    assert "tcp://127.0.0.1:9" in str(raised.value)


def test_whatif_dask_on_the_command_line_answers_as_the_serial_run(rush_order_whatif, tmp_path):
    # `replan whatif scenarios/rush-order.yaml --json B --dask`, against the session's run
    # without --dask (conftest): same exit code, same evaluation.
    path = tmp_path / "answer.json"
    run = run_cli(["whatif", str(RUSH_ORDER), "--json", str(path), "--dask"], path)
    assert run.code == rush_order_whatif.code
    spread = json.loads(path.read_text())
    alone = json.loads(rush_order_whatif.path.read_text())
    assert answer(spread) == answer(alone)


def test_an_unreachable_scheduler_exits_8_naming_it(capsys, quick_give_up):
    args = ["whatif", str(RUSH_ORDER), "--scheduler", "tcp://127.0.0.1:9", "--time-limit", "1"]
    assert run_cli(args, Path(".")).code == 8
    err = capsys.readouterr().err
    assert "tcp://127.0.0.1:9" in err and "Traceback" not in err


@pytest.mark.parametrize("count", ["0", "two"])
def test_a_bad_dask_worker_count_is_a_usage_error(count, capsys):
    with pytest.raises(SystemExit) as stopped:
        run_cli(["whatif", str(RUSH_ORDER), "--dask", "--dask-workers", count], Path("."))
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--dask-workers" in err and "Traceback" not in err


# An LNS portfolio: neighbourhoods of distinct orders solved side by side, merged in turn ----

# Measured: on this plant one round of about 50 keeps two of its three pieces.
PORTFOLIO = {
    "search": "lns",
    "lns_orders": 10,
    "lns_portfolio": 3,
    # The kind whose rounds this plant was seen to keep two pieces of (the merge is tested):
    # near_due's pieces, anchored on the few late orders' dates, kept one a round here.
    "lns_neighbourhoods": "near_late",
    "deterministic": True,
    "time_limit": 4,
    "workers": 2,
    "seed": 0,
}


@pytest.fixture(scope="module")
def generated_plant(tmp_path_factory):
    path = tmp_path_factory.mktemp("portfolio") / "plant.yaml"
    path.write_text(yaml.safe_dump(generate_plant(120, seed=3), sort_keys=False))
    return load_plant(path)


def test_an_lns_portfolio_on_dask_gives_the_serial_plan(dask_map, generated_plant):
    plant = generated_plant.with_settings(**PORTFOLIO)
    alone = solve_plan(plant)
    spread = solve_plan(plant, mapper=dask_map)
    assert [(s.order, s.step_index, s.resource, s.start) for s in spread.steps] == [
        (s.order, s.step_index, s.resource, s.start) for s in alone.steps
    ]
    assert spread.objective_units == alone.objective_units
    assert check_plan(plant, spread) == []
    # Three pieces a round, two kept in some round, into a plan cheaper than dispatch's.
    assert spread.stats["portfolio"] == 3 and spread.stats["merged_beside"] >= 1
    assert spread.objective < with_objective(plant, best_dispatch(plant)).objective


def test_a_portfolio_round_keeps_the_plan_valid_and_the_objective_never_rises(generated_plant):
    plant = generated_plant.with_settings(**PORTFOLIO)
    start = best_dispatch(plant)
    seen = []
    result = improve(plant, start, lambda _s, objective, _b: seen.append(objective))
    assert check_plan(plant, result) == []
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert result.objective_units == sum(objective_units(plant, result).values())
    assert result.objective <= with_objective(plant, start).objective


def test_portfolio_neighbourhoods_share_no_order(generated_plant):
    plant = generated_plant.with_settings(**PORTFOLIO)
    plan = best_dispatch(plant)
    selector = Selector(plant, 15, random.Random(0), "adaptive")
    for _ in range(5):
        chosen = _disjoint(selector, plant, plan, None, 3)
        assert 1 <= len(chosen) <= 3
        orders = [oid for _, free in chosen for oid in free]
        assert len(orders) == len(set(orders))


def test_plan_dask_on_the_command_line_gives_the_serial_plan(tmp_path):
    # The same portfolio (2 a round) both ways: serially, and one piece per Dask worker.
    data = generate_plant(80, seed=2)
    data.setdefault("settings", {})["lns_portfolio"] = 2
    model = tmp_path / "plant.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False))
    flags = ["--search", "lns", "--time-limit", "2", "--workers", "1", "--seed", "0"]
    flags += ["--deterministic"]
    alone, spread = tmp_path / "alone.json", tmp_path / "spread.json"
    assert run_cli(["plan", str(model), *flags, "--json", str(alone)], alone).code == 0
    run = run_cli(["plan", str(model), *flags, "--json", str(spread), "--dask"], spread)
    assert run.code == 0
    plans = [json.loads(p.read_text()) for p in (alone, spread)]
    assert plans[0]["steps"] and plans[0]["steps"] == plans[1]["steps"]
    assert plans[0]["objective"] == plans[1]["objective"]


@pytest.mark.parametrize(
    ("value", "valid"), [(0, "greater than or equal to 1"), ("two", "integer")]
)
def test_a_bad_lns_portfolio_names_the_field_and_exits_2(value, valid, tmp_path, capsys):
    data = generate_plant(20, seed=2)
    data.setdefault("settings", {})["lns_portfolio"] = value
    model = tmp_path / "plant.yaml"
    model.write_text(yaml.safe_dump(data, sort_keys=False))
    assert run_cli(["validate", str(model)], model).code == 2
    err = capsys.readouterr().err
    assert "lns_portfolio" in err and valid in err and "Traceback" not in err
