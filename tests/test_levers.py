"""Priced levers for a late order (``explain.levers``), on plants small enough to price by hand.

The plan starts Monday 2026-11-23 00:00 on a 1-minute grid; lateness costs 1 EUR a minute
per unit of weight (``tardiness_cost_per_day: 1440``).
"""

from __future__ import annotations

import json

import pytest

from solver.cli import main
from solver.domain.errors import DataError
from solver.explain.levers import price_levers
from solver.facts.checker import check_plan
from solver.rules.ranking import tardiness_weights
from solver.solve.dispatch import dispatch
from tests.conftest import ROOT, base_model, write_model

T0 = "2026-11-23T"
SETTINGS = {"deterministic": True, "workers": 2, "seed": 0, "explain_time_limit": 5}


def queue_model(overtime_rate: float) -> dict:
    """M1 works Mon 00:00-02:00, then Tue-Fri 08:00-16:00. L (tier C, 1 h, due Mon 01:00) runs
    first; H (tier A, 2 h, due Mon 03:00) no longer fits on Monday and waits for Tuesday.
    Ranking by tier alone, so L is ranked below H."""
    model = base_model()
    model["settings"].update(SETTINGS, ranking={"urgency": 0, "tier": 1, "margin": 0})
    model["calendars"] = [
        {
            "id": "short",
            "shifts": [
                {"days": ["mon"], "start": "00:00", "end": "02:00"},
                {"days": ["tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"},
            ],
        }
    ]
    model["resources"] = [
        {"id": "M1", "calendar": "short", "overtime_cost_per_hour": overtime_rate},
        {"id": "M2"},
    ]
    model["products"][0]["routing"][0]["resources"] = [{"resource": "M1", "per_unit": "60m"}]
    model["customers"] = [{"id": "C", "tier": "A"}, {"id": "D", "tier": "C"}]
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id="H", customer="C", quantity=2, due=T0 + "03:00", price=500.0),
        dict(order, id="L", customer="D", quantity=1, due=T0 + "01:00", price=500.0),
    ]
    return model


@pytest.fixture
def queued(make_plant):
    def make(rate: float):
        plant = make_plant(queue_model(rate))
        plan = dispatch(plant, ["L", "H"])
        assert check_plan(plant, plan) == []
        # L 00:00-01:00; H cannot run 01:00-03:00 across the 02:00 close: Tue 08:00-10:00.
        assert [(s.start, s.end) for s in plan.steps_of("H")] == [(1920, 2040)]
        return plant, plan

    return make


def test_overtime_restores_the_order_with_the_hours_counted_by_hand(queued):
    plant, plan = queued(80.0)
    levers = price_levers(plant, plan, "H")
    best = levers[0]
    # Open M1 after 02:00: H runs 01:00-03:00, one hour of it overtime, at M1's 80 EUR/h.
    assert best.kind == "overtime" and best.on_time
    assert best.completion == 180 and best.overtime_hours == 1
    assert best.cost == pytest.approx(80.0)
    assert "M1 Mon 23 Nov 02:00 to Mon 23 Nov 03:00" in best.action
    # It saves H's whole lateness: 31 hours, at 1 EUR a minute per unit of H's weight.
    assert best.saving == pytest.approx(31 * 60 * tardiness_weights(plant)["H"])
    assert all(lever.completion is not None for lever in levers)


def test_moving_a_lower_ranked_order_is_priced_by_its_lateness(queued):
    plant, plan = queued(80.0)
    (moved,) = [lever for lever in price_levers(plant, plan, "H") if lever.kind == "move orders"]
    # H takes Monday 00:00-02:00; L waits for Tuesday 08:00-09:00: 32 h late.
    assert moved.on_time and moved.completion == 120 and moved.moved == ("L",)
    assert moved.cost == pytest.approx(32 * 60 * tardiness_weights(plant)["L"])
    assert moved.cost > 80.0  # dearer than the hour of overtime, so not chosen


def test_moving_the_lower_ranked_order_is_chosen_only_when_it_is_cheapest(queued):
    plant, plan = queued(100_000.0)
    levers = price_levers(plant, plan, "H")
    assert levers[0].kind == "move orders" and levers[0].on_time
    overtime = [lever for lever in levers if lever.kind == "overtime"]
    assert overtime and overtime[0].cost == pytest.approx(100_000.0)
    assert levers[0].cost < overtime[0].cost


def material_model(expedite: float) -> dict:
    """M1 works 08:00-16:00 and its step takes 7 h; O's material M arrives at 10:00 bought
    the standard way (10 h) or at 01:00 by air (1 h, ``expedite`` EUR a shipment). Standard,
    O runs 10:00-17:00 only with overtime, else Tuesday; by air, 08:00-15:00."""
    model = base_model()
    model["settings"].update(SETTINGS, holding_rate=0)
    model["calendars"] = [
        {
            "id": "day",
            "shifts": [
                {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}
            ],
        }
    ]
    model["resources"] = [{"id": "M1", "calendar": "day", "overtime_cost_per_hour": 80.0}]
    model["products"][0]["routing"][0]["resources"] = [{"resource": "M1", "setup": "7h"}]
    model["products"][0]["bom"] = [{"material": "M", "per_unit": 1}]
    model["materials"] = [{"id": "M", "unit_cost": 1.0}]
    offer = {
        "material": "M",
        "lead_time": "10h",
        "price": 1.0,
        "expedite": [{"name": "air", "lead_time": "1h", "cost_per_shipment": expedite}],
    }
    model["suppliers"] = [{"id": "S", "offers": [offer]}]
    model["orders"] = [dict(model["orders"][0], id="O", due=T0 + "18:00", price=5000.0)]
    return model


@pytest.mark.parametrize(("expedite", "first"), [(30.0, "expedite"), (300.0, "overtime")])
def test_an_expedite_is_preferred_when_cheaper_than_overtime_and_not_otherwise(
    make_plant, expedite, first
):
    plant = make_plant(material_model(expedite))
    plan = dispatch(plant)
    assert check_plan(plant, plan) == []
    assert plan.outcome("O").tardiness > 0  # dispatch buys the standard way: Tuesday
    levers = price_levers(plant, plan, "O")
    on_time = {lever.kind: lever for lever in levers if lever.on_time}
    assert {"expedite", "overtime"} <= set(on_time)
    assert on_time["expedite"].cost == pytest.approx(expedite)
    assert on_time["overtime"].cost == pytest.approx(80.0)  # 16:00-17:00
    assert levers[0].kind == first


def test_an_order_on_time_has_no_levers(queued):
    plant, plan = queued(80.0)
    assert price_levers(plant, plan, "L") == []


def test_explain_prints_priced_levers_for_the_demo(tmp_path, capsys):
    out = tmp_path / "explained.json"
    args = ["explain", str(ROOT / "models" / "demo.yaml"), "SO-1008"]
    code = main([*args, "--time-limit", "5", "--deterministic", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Levers for SO-1008" in printed
    levers = json.loads(out.read_text())["levers"]
    assert len(levers) >= 2
    assert all(lever["cost"] >= 0 and lever["completion"] for lever in levers)


@pytest.mark.parametrize("where", ["resource", "settings"])
def test_a_negative_overtime_rate_names_the_field(make_plant, where):
    model = queue_model(80.0)
    if where == "resource":
        model["resources"][0]["overtime_cost_per_hour"] = -5
    else:
        model["settings"]["overtime_cost_per_hour"] = -5
    with pytest.raises(DataError) as raised:
        make_plant(model)
    assert "overtime_cost_per_hour" in str(raised.value)
    assert "greater than or equal to 0" in str(raised.value)


@pytest.mark.parametrize(("value", "valid"), [(0, "greater than 0"), ("soon", "valid number")])
def test_a_bad_explain_time_limit_names_the_field(make_plant, value, valid):
    model = queue_model(80.0)
    model["settings"]["explain_time_limit"] = value
    with pytest.raises(DataError) as raised:
        make_plant(model)
    assert "explain_time_limit" in str(raised.value) and valid in str(raised.value)


def split_model(customer_allows: bool, order_allows: bool | None = None) -> dict:
    """M1 works Mon 00:00-02:00, then Tue-Fri 08:00-16:00; S (4 units of 1 h, due Mon 02:00)
    does not fit Monday's two hours and runs Tue 08:00-12:00, 34 h late. Overtime is priced
    out (100,000 EUR/h) so the split is the lever to look at."""
    model = queue_model(100_000.0)
    model["settings"]["partial_delivery_cost"] = 30.0
    model["customers"] = [{"id": "C", "tier": "A", "partial_delivery": customer_allows}]
    order = dict(model["orders"][0], id="S", quantity=4, due=T0 + "02:00")
    if order_allows is not None:
        order["partial_delivery"] = order_allows
    model["orders"] = [order]
    return model


def test_a_split_delivers_what_fits_by_the_due_date_priced_by_hand(make_plant):
    plant = make_plant(split_model(customer_allows=True))
    plan = dispatch(plant, ["S"])
    assert [(s.start, s.end) for s in plan.steps_of("S")] == [(1920, 2160)]
    (split,) = [lever for lever in price_levers(plant, plan, "S") if lever.kind == "split delivery"]
    # 2 units Mon 00:00-02:00 (on time), the other 2 Tue 08:00-10:00: 32 h late.
    assert split.first_part == 2 and split.completion == 2040 and not split.on_time
    assert "deliver 2 of 4 by the due date" in split.action
    weight = tardiness_weights(plant)["S"]
    assert split.cost == pytest.approx(30.0)  # one more delivery; nobody else moves
    # Before: 34 h late on all 4 units; after: 32 h on half of them.
    assert split.saving == pytest.approx((34 * 60 - 32 * 60 * 0.5) * weight)


@pytest.mark.parametrize(("customer", "order"), [(False, None), (True, False)])
def test_no_split_where_partial_delivery_is_not_allowed(make_plant, customer, order):
    plant = make_plant(split_model(customer_allows=customer, order_allows=order))
    plan = dispatch(plant, ["S"])
    assert [lever.kind for lever in price_levers(plant, plan, "S")] == ["overtime"]


def test_an_order_may_allow_a_split_its_customer_does_not(make_plant):
    plant = make_plant(split_model(customer_allows=False, order_allows=True))
    plan = dispatch(plant, ["S"])
    assert "split delivery" in [lever.kind for lever in price_levers(plant, plan, "S")]


@pytest.mark.parametrize("started", [False, True])
def test_a_started_order_is_not_split(make_plant, started):
    model = split_model(customer_allows=True)
    routing = model["products"][0]["routing"]
    routing.insert(0, {"id": "s0", "resources": [{"resource": "M2", "per_unit": "1m"}]})
    if started:  # its first step is done: the rest is for the whole quantity
        model["wip"] = [{"order": "S", "step": "s0", "done": True}]
    plant = make_plant(model)
    plan = dispatch(plant, ["S"])
    kinds = [lever.kind for lever in price_levers(plant, plan, "S")]
    assert "overtime" in kinds
    assert ("split delivery" in kinds) is not started


@pytest.mark.parametrize(
    ("where", "value", "valid"),
    [
        ("customer", "maybe", "valid boolean"),
        ("order", "sometimes", "valid boolean"),
        ("partial_delivery_cost", -1, "greater than or equal to 0"),
        ("warning_levers", -1, "greater than or equal to 0"),
        ("whatif_lns_above_supply", "many", "valid integer"),
    ],
)
def test_bad_partial_delivery_and_warning_fields_name_the_record_and_field(
    make_plant, where, value, valid
):
    model = split_model(customer_allows=True)
    if where == "customer":
        model["customers"][0]["partial_delivery"] = value
        field = "partial_delivery"
    elif where == "order":
        model["orders"][0]["partial_delivery"] = value
        field = "partial_delivery"
    else:
        model["settings"][where] = value
        field = where
    with pytest.raises(DataError) as raised:
        make_plant(model)
    message = str(raised.value)
    assert field in message and valid in message
    if where in ("customer", "order"):
        assert ("'C'" if where == "customer" else "'S'") in message


def test_a_bad_partial_delivery_in_a_file_is_exit_2_without_a_traceback(tmp_path, capsys):
    model = split_model(customer_allows=True)
    model["orders"][0]["partial_delivery"] = "sometimes"
    path = write_model(tmp_path, model)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "partial_delivery" in err and "Traceback" not in err
