"""``time_limit`` bounds the whole plan call (issue 15, item 1): the search gets what ranking,
dispatch and the model build left of it, the plan warns when they took more than half, and
with nothing left the dispatch plan is the answer. Deterministic solves keep their
deterministic-time limit. The preparation time is passed in, so no test depends on the clock.
"""

from __future__ import annotations

import pytest

from solver.facts.checker import check_plan
from solver.solve import search
from solver.solve.cpsat.model import build
from tests.conftest import base_model


@pytest.fixture
def tiny(make_plant):
    def make(**settings):
        model = base_model()
        model["settings"].update({"workers": 2, "seed": 0, **settings})
        return make_plant(model)

    return make


def _limits_seen(monkeypatch) -> list[float]:
    seen: list[float] = []
    real = search.solve

    def spy(built, progress=None):
        seen.append(built.plant.settings.time_limit)
        return real(built, progress)

    monkeypatch.setattr(search, "solve", spy)
    return seen


def test_the_search_gets_what_the_preparation_left(tiny, monkeypatch):
    plant = tiny(time_limit=10, deterministic=False)
    seen = _limits_seen(monkeypatch)
    result = search._within_limit(build(plant), 2.5, None)
    assert seen == [pytest.approx(7.5)]
    assert result.stats["preparation_seconds"] == 2.5
    assert "build_note" not in result.stats  # a quarter of the limit: no warning
    assert check_plan(plant, result) == []


def test_a_preparation_over_half_the_limit_is_reported(tiny, monkeypatch):
    plant = tiny(time_limit=10, deterministic=False)
    seen = _limits_seen(monkeypatch)
    result = search._within_limit(build(plant), 6.0, None)
    assert seen == [pytest.approx(4.0)]
    assert result.stats["build_note"].startswith(
        "ranking, dispatch and building the model took 6.0 s of the 10 s limit; 4.0 s"
    )


def test_nothing_left_to_search_gives_the_dispatch_plan(tiny, monkeypatch):
    plant = tiny(time_limit=10, deterministic=False)
    seen = _limits_seen(monkeypatch)
    result = search._within_limit(build(plant), 12.0, None)
    assert seen == []  # CP-SAT was not started
    assert result.status == "DISPATCH"
    assert result.stats["build_note"].endswith("the plan is the dispatch plan")
    assert check_plan(plant, result) == []


def test_a_deterministic_solve_keeps_its_limit(tiny, monkeypatch):
    plant = tiny(time_limit=10, deterministic=True)
    seen = _limits_seen(monkeypatch)
    result = search._within_limit(build(plant), 12.0, None)
    assert seen == [10]
    assert "build_note" not in result.stats
    assert result.status in ("OPTIMAL", "FEASIBLE")
