"""``presolve: auto`` picks CP-SAT's presolve by the model's shape (``presolve_level``): full
only for a deterministic plan solve of a job shop (one resource per step, no stock), where it
measured faster; off for alternatives, stock, baselines, limits, promises and parallel workers,
where full presolve measured slower (benchmarks/README.md). An explicit level always wins."""

from __future__ import annotations

import pytest

from solver.domain.errors import DataError
from solver.facts.stability import Reference
from solver.input.loading import load_plant
from solver.solve.cpsat.model import build, presolve_level
from solver.solve.dispatch import best_dispatch
from tests.conftest import ROOT, base_model


def _job_shop(make_plant, **settings):
    model = base_model()
    model["settings"].update(settings)
    return make_plant(model)


def _with_alternatives(make_plant, **settings):
    model = base_model()
    model["settings"].update(settings)
    model["products"][0]["routing"][0]["resources"].append({"resource": "M2", "setup": "60m"})
    return make_plant(model)


def test_auto_is_full_for_a_deterministic_job_shop_and_off_in_parallel(make_plant):
    deterministic = _job_shop(make_plant, deterministic=True, workers=2)
    parallel = _job_shop(make_plant, deterministic=False, workers=2)
    assert deterministic.settings.presolve == "auto"  # the default
    assert presolve_level(build(deterministic), deterministic.settings) == "full"
    assert presolve_level(build(parallel), parallel.settings) == "off"


def test_auto_is_off_where_a_step_has_alternative_resources(make_plant):
    plant = _with_alternatives(make_plant, deterministic=True, workers=2)
    assert presolve_level(build(plant), plant.settings) == "off"


def test_auto_is_off_for_what_if_models_of_a_job_shop(make_plant):
    plant = _job_shop(make_plant, deterministic=True, workers=2)
    baseline = best_dispatch(plant)
    assert presolve_level(build(plant, reference=Reference(baseline)), plant.settings) == "off"
    assert presolve_level(build(plant, limits={"O1": 10_000}), plant.settings) == "off"
    assert presolve_level(build(plant, promise=["O1"]), plant.settings) == "off"


def test_auto_is_off_where_stock_is_modelled():
    plant = load_plant(ROOT / "models" / "custom.yaml", {"deterministic": True, "workers": 2})
    built = build(plant)
    assert built.variables.supply is not None
    assert presolve_level(built, plant.settings) == "off"


def test_an_explicit_level_is_kept_whatever_the_shape(make_plant):
    for level in ("off", "light", "full"):
        plant = _with_alternatives(make_plant, deterministic=True, presolve=level)
        assert presolve_level(build(plant), plant.settings) == level
        plant = _job_shop(make_plant, deterministic=False, presolve=level)
        assert presolve_level(build(plant), plant.settings) == level


def test_an_unknown_presolve_level_names_the_field_and_the_valid_ones(make_plant):
    model = base_model()
    model["settings"]["presolve"] = "sometimes"
    with pytest.raises(DataError) as raised:
        make_plant(model)
    message = str(raised.value)
    assert "presolve" in message and all(level in message for level in ("auto", "off", "full"))
