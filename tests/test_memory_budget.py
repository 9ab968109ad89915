"""The memory budget (issue 21): a solve uses no more CP-SAT workers than fit the budget by
the footprint estimate (``solve.cpsat.memory``), caps whole-model searches of big models, and
when no worker fits returns the dispatch plan and says so (``replan plan`` exit 7), never
dying with nothing written. The run's peak is the child process's own high-water mark."""

from __future__ import annotations

import json
import re
from collections import namedtuple
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import generate_plant
from benchmarks.server import peak_run
from solver.cli import main
from solver.domain.errors import DataError
from solver.domain.settings import Settings
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.solve.cpsat import memory
from solver.solve.cpsat.memory import budget_mb, choose_workers, footprint_mb
from tests.conftest import ROOT, base_model


def test_workers_are_cut_to_the_most_that_fit_the_budget():
    settings = Settings(workers=16, memory="1GB")
    choice = choose_workers(settings, variables=20_000, in_use=200.0)
    assert (choice.workers, choice.reason) == (4, "budget")
    assert 200.0 + footprint_mb(20_000, 4) <= 1024 < 200.0 + footprint_mb(20_000, 5)
    assert choice.estimate_mb() <= choice.budget_mb == 1024
    assert choice.note().startswith("16 workers asked, 4 used: the model needs about")
    assert choice.stats()["workers_asked"] == 16


def test_workers_that_fit_are_kept_as_asked():
    choice = choose_workers(Settings(workers=4, memory="64GB"), variables=20_000, in_use=200.0)
    assert (choice.workers, choice.reason, choice.note()) == (4, "", "")


def test_a_big_whole_model_search_is_capped_whatever_the_budget():
    settings = Settings(workers=16, memory="1000GB")
    big = choose_workers(settings, variables=150_000, in_use=300.0)
    assert (big.workers, big.reason) == (2, "big model")
    assert "150,000 variables gains nothing from more" in big.note()
    at_the_line = choose_workers(settings, variables=100_000, in_use=300.0)
    assert at_the_line.workers == 16
    wider = choose_workers(settings.with_overrides(big_model_workers=8), 150_000, in_use=300.0)
    assert wider.workers == 8


def test_no_worker_fits_means_no_search():
    choice = choose_workers(Settings(workers=2, memory="100MB"), variables=5_000, in_use=90.0)
    assert (choice.workers, choice.reason) == (0, "no search fits")
    assert choice.note().startswith("no search:") and "dispatch plan" in choice.note()


def test_the_default_budget_is_half_the_available_memory(monkeypatch):
    Memory = namedtuple("Memory", "available")
    monkeypatch.setattr(memory.psutil, "virtual_memory", lambda: Memory(8 * 2**30))
    assert budget_mb(Settings()) == 4096
    assert budget_mb(Settings(memory="300MB")) == 300


@pytest.mark.parametrize("text", ["lots", "12PB", "-1GB", "0"])
def test_a_bad_memory_setting_names_the_field_and_what_is_valid(make_plant, text):
    model = base_model()
    model["settings"]["memory"] = text
    with pytest.raises(DataError) as raised:
        make_plant(model)
    message = str(raised.value)
    assert "memory" in message
    assert "300MB or 16GB" in message or "greater than 0" in message


def _plan_in_child(args: list[str]) -> tuple[int, float, str]:
    """``replan plan ARGS`` in a child process: exit code, its own peak MB, its output."""
    return peak_run(["plan", *args], cwd=ROOT)


def test_a_run_with_a_small_budget_stays_under_it_and_says_what_it_chose(tmp_path):
    plant_file = tmp_path / "materials-150.yaml"
    data = generate_plant(150, 1, materials=True)
    plant_file.write_text(yaml.safe_dump(data, sort_keys=False))
    plan_file = tmp_path / "plan.json"
    args = [str(plant_file), "--workers", "16", "--memory", "400MB", "--time-limit", "2"]
    args += ["--seed", "0", "--search", "cpsat", "--json", str(plan_file)]
    code, peak, output = _plan_in_child(args)
    assert code == 0, output
    assert peak < 400, f"peak {peak:.0f} MB over the 400 MB budget"
    used = int(re.search(r"memory: 16 workers asked, (\d+) used", output).group(1))
    assert 1 <= used < 16
    record = json.loads(plan_file.read_text())
    assert record["stats"]["workers"] == used and record["stats"]["memory_budget_mb"] == 400
    plant = load_plant(plant_file)
    assert check_plan(plant, load_plan(plan_file, plant)) == []


def test_a_budget_that_fits_no_worker_writes_the_dispatch_plan_and_exits_7(tmp_path):
    plan_file = tmp_path / "plan.json"
    demo = Path(ROOT / "models" / "demo.yaml")
    code, _, output = _plan_in_child(
        [str(demo), "--memory", "100MB", "--time-limit", "2", "--json", str(plan_file)]
    )
    assert code == 7, output
    assert "memory budget: no search:" in output and "dispatch plan" in output
    record = json.loads(plan_file.read_text())
    assert record["status"] == "DISPATCH" and record["stats"]["workers"] == 0


@pytest.mark.parametrize(
    "command",
    [
        ["plan", str(ROOT / "models" / "demo.yaml")],
        ["nightly", str(ROOT / "models" / "demo.yaml")],
        ["whatif", str(ROOT / "scenarios" / "rush-order.yaml")],
        ["bench", str(ROOT / "benchmarks" / "suites" / "small.yaml"), "--out", "OUT"],
    ],
)
def test_every_solving_command_takes_a_memory_budget_and_refuses_a_bad_one(
    command, tmp_path, capsys
):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    assert main([*args, "--memory", "lots"]) == 2
    problems = capsys.readouterr().err
    assert "memory" in problems and "300MB or 16GB" in problems


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("big_model_workers", 0, "greater than or equal to 1"),
        ("big_model_workers", 2000, "less than or equal to 1024"),
        ("big_model_variables", 0, "greater than or equal to 1"),
        ("big_model_variables", "many", "valid integer"),
    ],
)
def test_a_bad_big_model_setting_names_the_field_and_what_is_valid(make_plant, field, value, valid):
    model = base_model()
    model["settings"][field] = value
    with pytest.raises(DataError) as raised:
        make_plant(model)
    assert field in str(raised.value) and valid in str(raised.value)


def test_a_whole_model_over_the_budget_gives_way_to_lns_neighbourhoods(tmp_path, monkeypatch):
    # Nothing else in use: the 60-order model needs about 67 MB for one worker, a neighbourhood
    # of 15 orders about 62. A 64 MB budget fits the neighbourhoods and not the whole model.
    from solver.facts.kpis import objective_units
    from solver.rules.ranking import rank_orders
    from solver.solve.dispatch import best_dispatch
    from solver.solve.search import plan

    monkeypatch.setattr(memory, "in_use_mb", lambda: 0.0)
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(generate_plant(60, 1), sort_keys=False))
    settings = {"workers": 2, "seed": 0, "time_limit": 3, "search": "cpsat", "lns_orders": 15}
    plant = load_plant(path, {**settings, "memory": "64MB"})
    result = plan(plant)
    assert result.stats["method"] == "lns" and result.stats["searched"] >= 1
    assert "LNS on neighbourhoods instead" in result.stats["workers_note"]
    assert "memory_cut" not in result.stats and result.stats["memory_budget_mb"] == 64
    assert check_plan(plant, result) == []
    dispatched = best_dispatch(plant, rank_orders(plant))
    assert result.objective_units <= sum(objective_units(plant, dispatched).values())
    # Too small for a neighbourhood too: the dispatch plan, marked as cut.
    tiny = plan(load_plant(path, {**settings, "memory": "20MB"}))
    assert tiny.status == "DISPATCH" and tiny.stats["memory_cut"] == 1.0
