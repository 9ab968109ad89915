"""Shared helpers: tiny hand-checkable plants, and a solve that always runs the checker."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.input.loading import load_plant
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


def base_model() -> dict:
    """A fresh deep copy of the tiny plant, for a test to edit."""
    return copy.deepcopy(BASE)


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
    """Solve with fixed seed and 2 workers; assert the plan passes the independent checker
    and that the solver's objective equals the one recomputed from the plan."""
    result = solve_plan(plant, plant.settings.with_overrides(**{**TEST_SETTINGS, **settings}))
    violations = check_plan(plant, result)
    assert violations == [], "\n".join(map(str, violations))
    assert sum(objective_units(plant, result).values()) == result.objective_units
    return result
