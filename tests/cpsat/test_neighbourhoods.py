"""LNS neighbourhood kinds (``solve.neighbourhoods``) and their adaptive choice."""

from __future__ import annotations

import random

import pytest

from benchmarks.generate import generate_plant
from solver.cli import main
from solver.domain.errors import DataError
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.input.loading import load_plant
from solver.rules.ranking import rank_orders
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve
from solver.solve.neighbourhoods.adaptive import FLOOR, Selector
from solver.solve.neighbourhoods.near_due import NearDue
from solver.solve.neighbourhoods.near_late import NearLate
from solver.solve.neighbourhoods.random_orders import RandomOrders
from solver.solve.neighbourhoods.resource_window import ResourceWindow
from solver.solve.neighbourhoods.shared_material import SharedMaterial
from tests.conftest import base_model, write_model

SETTINGS = {"workers": 2, "seed": 0, "time_limit": 4, "deterministic": True}


@pytest.fixture(scope="module")
def with_materials(tmp_path_factory):
    path = write_model(tmp_path_factory.mktemp("kinds"), generate_plant(80, 1, True))
    plant = load_plant(path, SETTINGS)
    return plant, best_dispatch(plant, rank_orders(plant))


@pytest.mark.parametrize(
    "kind", [NearLate(), NearDue(), ResourceWindow(), SharedMaterial(), RandomOrders()]
)
def test_every_kind_frees_at_most_its_size_and_repeats(with_materials, kind):
    plant, plan = with_materials
    assert kind.applies(plant)
    first = kind.choose(plant, plan, 12, random.Random(5), None)
    again = kind.choose(plant, plan, 12, random.Random(5), None)
    assert first == again and 1 <= len(first) <= 13  # the size, plus its anchor at most
    assert first <= set(plant.orders)


def test_a_resource_window_frees_one_queue(with_materials):
    plant, plan = with_materials
    for seed in range(5):
        freed = ResourceWindow().choose(plant, plan, 8, random.Random(seed), None)
        resources = [{s.resource for s in plan.steps if s.order == o} for o in freed]
        shared = set.intersection(*resources)
        assert shared, "every freed order has work on the anchor's resource"


def test_near_due_frees_the_orders_due_nearest_a_late_ones_date(with_materials):
    plant, plan = with_materials
    late = {o.order for o in plan.outcomes if o.tardiness > 0}
    assert late, "the fixture's dispatch plan leaves late orders"
    anchored = 0
    for seed in range(8):
        freed = NearDue().choose(plant, plan, 10, random.Random(seed), None)
        assert 10 <= len(freed) <= 11  # the size, plus the anchor on a tie of dates
        lowest = min(plant.orders[o].due for o in freed)
        highest = max(plant.orders[o].due for o in freed)
        # The freed dates form one unbroken block of the book's dates: no order due between
        # two freed ones stays fixed.
        between = {o for o in plant.orders if lowest < plant.orders[o].due < highest}
        assert between <= freed
        anchored += bool(freed & late)
    assert anchored >= 4  # 70 % of anchors are late orders, and each is freed


def test_near_due_anchors_on_a_changed_order_half_of_the_time(with_materials):
    plant, plan = with_materials
    changed = max(plant.orders, key=lambda o: plant.orders[o].due)  # the book's last date
    chosen = [
        NearDue().choose(plant, plan, 5, random.Random(seed), [changed]) for seed in range(20)
    ]
    fifth_last = sorted(plant.orders[o].due for o in plant.orders)[-5]
    around = [
        f for f in chosen if changed in f and all(plant.orders[o].due >= fifth_last for o in f)
    ]
    assert 5 <= len(around) <= 15  # anchored on the changed order: the book's last dates


def test_a_shared_material_frees_orders_that_draw_on_it(with_materials):
    plant, plan = with_materials
    for seed in range(5):
        freed = SharedMaterial().choose(plant, plan, 8, random.Random(seed), None)
        materials = [{s.material for s in plan.supplies if s.order == o} for o in freed]
        assert set.intersection(*materials)


def test_no_shared_material_kind_without_supply(tmp_path):
    plant = load_plant(write_model(tmp_path, generate_plant(40, 1)))
    assert not SharedMaterial().applies(plant)
    assert "shared_material" not in Selector(plant, 10, random.Random(0)).weights


def test_weights_follow_success_and_the_size_follows_the_solves(with_materials):
    plant, _ = with_materials
    selector = Selector(plant, 20, random.Random(0))
    near, window = selector.kinds[0], selector.kinds[1]
    for _ in range(30):
        selector.record(near, improved=True, proven=True, share_used=0.1)
        selector.record(window, improved=False, proven=False, share_used=1.0)
    assert selector.weights[near.name] > 0.99 and selector.weights[window.name] == FLOOR
    assert selector.least <= selector.size <= selector.most
    quick = Selector(plant, 20, random.Random(0))
    quick.record(near, improved=False, proven=True, share_used=0.2)
    assert quick.size == 25
    slow = Selector(plant, 20, random.Random(0))
    slow.record(near, improved=False, proven=False, share_used=1.0)
    assert slow.size == 16


@pytest.mark.parametrize("mode", ["near_late", "near_due"])
def test_without_adaptation_every_neighbourhood_is_the_one_kind_named(with_materials, mode):
    plant, plan = with_materials
    selector = Selector(plant, 10, random.Random(0), mode)
    kinds = {selector.choose(plant, plan, None)[0].name for _ in range(10)}
    assert kinds == {mode}
    assert selector.size == 10


def test_adaptive_lns_keeps_the_plan_valid_and_never_dearer(with_materials):
    plant, start = with_materials
    plant = plant.with_settings(lns_neighbourhoods="adaptive", lns_supply_orders=15)
    result = improve(plant.with_settings(lns_step_limit=1), start)
    assert check_plan(plant, result) == []
    assert result.objective_units <= sum(objective_units(plant, start).values())
    assert "near_late" in result.stats["neighbourhoods"]


def test_lns_gives_each_neighbourhood_at_most_lns_workers_and_says_so(with_materials):
    plant, start = with_materials
    asked = plant.with_settings(workers=4, lns_workers=2, lns_step_limit=1, time_limit=2)
    result = improve(asked, start)
    assert check_plan(plant, result) == []
    assert 1 <= result.stats["workers"] <= 2
    assert result.stats["workers_asked"] == 4
    assert "4 workers asked, 2 used per neighbourhood" in result.stats["workers_note"]
    within = improve(plant.with_settings(lns_step_limit=1, time_limit=2), start)
    assert "workers_note" not in within.stats  # 2 asked, the default cap is 8


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("lns_supply_orders", 0, "greater than or equal to 1"),
        ("lns_supply_orders", "some", "valid integer"),
        ("lns_neighbourhoods", "clever", "'adaptive', 'near_due' or 'near_late'"),
        ("local_search", "sometimes", "valid boolean"),
        ("lns_workers", 0, "greater than or equal to 1"),
        ("lns_step_limit", 0, "greater than 0"),
        ("lns_step_limit", "long", "valid number"),
    ],
)
def test_a_bad_lns_setting_names_the_field_and_what_is_valid(make_plant, field, value, valid):
    model = base_model()
    model["settings"][field] = value
    with pytest.raises(DataError) as raised:
        make_plant(model)
    assert field in str(raised.value) and valid in str(raised.value)


def test_a_bad_lns_setting_in_a_file_exits_2_without_a_traceback(tmp_path, capsys):
    model = base_model()
    model["settings"]["lns_neighbourhoods"] = "clever"
    path = write_model(tmp_path, model)
    assert main(["plan", str(path), "--time-limit", "1"]) == 2
    err = capsys.readouterr().err
    assert "lns_neighbourhoods" in err and "plant.yaml" in err and "Traceback" not in err
