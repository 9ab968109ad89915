"""``skip_subsolvers`` leaves CP-SAT subsolvers out of the deterministic setting's interleaved
search (``fixed`` by default, measured to waste its turns: benchmarks/README.md); parallel and
one-worker solves are untouched, and bad names are refused at loading."""

from __future__ import annotations

from typing import get_args

import pytest
from ortools.sat.python import cp_model

from solver.domain.errors import DataError
from solver.domain.settings import FullSubsolver
from solver.solve.cpsat.model import solver_parameters
from solver.solve.search import plan as solve_plan
from tests.conftest import base_model, run_cli, write_model


def _parameters(make_plant, **settings):
    model = base_model()
    model["settings"].update(settings)
    solver = cp_model.CpSolver()
    solver_parameters(solver, make_plant(model).settings)
    return solver.parameters


def test_the_default_leaves_fixed_out_of_the_interleaved_search(make_plant):
    params = _parameters(make_plant, deterministic=True, workers=2)
    assert params.interleave_search
    assert list(params.ignore_subsolvers) == ["fixed"]


def test_an_empty_list_interleaves_every_subsolver(make_plant):
    params = _parameters(make_plant, deterministic=True, workers=2, skip_subsolvers=[])
    assert params.interleave_search
    assert list(params.ignore_subsolvers) == []


def test_parallel_and_one_worker_solves_are_left_as_cpsat_chooses(make_plant):
    parallel = _parameters(make_plant, deterministic=False, workers=2)
    alone = _parameters(make_plant, deterministic=True, workers=1)
    assert not parallel.interleave_search and list(parallel.ignore_subsolvers) == []
    assert not alone.interleave_search and list(alone.ignore_subsolvers) == []


@pytest.mark.parametrize("skip", [["fixed"], [], ["core", "max_lp"]])
def test_each_portfolio_proves_the_same_optimum(make_plant, skip):
    model = base_model()
    model["settings"].update(
        deterministic=True, workers=2, seed=0, time_limit=30, search="cpsat", skip_subsolvers=skip
    )
    plant = make_plant(model)
    reference = make_plant(base_model()).with_settings(
        deterministic=True, workers=1, seed=0, time_limit=30, search="cpsat"
    )
    plan, alone = solve_plan(plant), solve_plan(reference)
    assert plan.status == alone.status == "OPTIMAL"
    assert plan.objective == pytest.approx(alone.objective)


def test_an_unknown_subsolver_names_the_field_and_the_valid_ones(make_plant):
    model = base_model()
    model["settings"]["skip_subsolvers"] = ["fixed", "fastest"]
    with pytest.raises(DataError) as raised:
        make_plant(model)
    message = str(raised.value)
    assert "skip_subsolvers" in message and "fastest" in message
    assert all(name in message for name in ("default_lp", "fixed", "reduced_costs"))


def test_skipping_every_subsolver_is_refused(make_plant):
    model = base_model()
    model["settings"]["skip_subsolvers"] = list(get_args(FullSubsolver))
    with pytest.raises(DataError) as raised:
        make_plant(model)
    assert "skip_subsolvers" in str(raised.value) and "at least one" in str(raised.value)


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("skip_subsolvers", ["fastest"], "default_lp"),
        ("skip_subsolvers", "fixed core", "valid tuple"),
        ("close_call_share", 1.5, "less than or equal to 1"),
        ("close_call_share", -0.1, "greater than or equal to 0"),
    ],
)
def test_replan_validate_names_a_bad_setting_and_exits_2(field, value, valid, tmp_path, capsys):
    model = base_model()
    model["settings"][field] = value
    path = write_model(tmp_path, model)
    assert run_cli(["validate", str(path)], path).code == 2
    err = capsys.readouterr().err
    assert field in err and valid in err and "Traceback" not in err
