"""One need, several sources (issue 18 item 3): a need of N units may come k from stock and
N - k from one purchase, k one of the levels stock and receipts reach as they arrive
(``sources.split_sizes``), unless ``settings.split_needs`` is off.

The hand-checkable plant (``split_model``) runs on an hourly grid for 2 weeks from Monday
2026-11-23 00:00 (tick 0). O1 makes 12 P, one unit of material M each, in one 1-hour step on
M1 that draws M when it starts. Its due date is a date alone, the end of Wednesday
2026-11-25: tick 72. M has 10 in stock and no receipts. Supplier S (daily periods) sells M at
10 EUR: standard in 5 days (arrival 120), or by air in 1 day (arrival 24) for 50 EUR more a
unit. ``tardiness_cost_per_day: 1000`` with weight 1 (``max_weight: 1``) makes an hour late
cost 1000 / 24 EUR; ``holding_rate: 0`` leaves holding free. One EUR is 100 x 24 = 2,400
objective units on this grid.

- Split: 10 from stock + 2 by air, arriving at 24: the step runs [24, 25), on time; 2 x (10 +
  50) = 120 EUR (purchase 20, expedite 100). Nothing is cheaper: stock alone never reaches
  12, and any purchase of the 2 missing units that is on time is by air.
- Without splitting (``split_needs: false``): 12 by air, 12 x 60 = 720 EUR; 12 standard
  arrive at 120, the step ends at 121, 49 hours late: 120 + 49 x 1000 / 24 = 2,161.67 EUR.
  (Stock alone never covers 12.) So 720 EUR.

The bound variant (``bound_model``): S delivers at most 5 a period, and a receipt of 5 comes on
Sunday 2026-11-29 (tick 144). Stock levels 10, 15. Split: 10 + 2 by air, 120 EUR as above.
Without splitting no purchase can bring 12, so O1 waits for stock 15 at 144: step [144, 145),
73 hours late: 73 x 1000 / 24 = 3,041.67 EUR = 7,300,000 units, which the lower bound finds
exactly. With splitting the bound must see O1 on time (its material ready at 24), or it would
exceed the 120 EUR optimum.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from solver.cli import main
from solver.domain.errors import DataError, SolveError
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep, Supply
from solver.facts.checker import check_plan
from solver.facts.diff import plan_diff
from solver.facts.kpis import objective_units, with_objective
from solver.facts.supply_kpis import waiting_on_material
from solver.input.loading import load_plant_data
from solver.rules.costs import units_per_currency
from solver.rules.ranking import tardiness_weights
from solver.solve import lns
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.lower_bound import lower_bound
from solver.solve.residual_supply import residual_supply
from solver.supply import sources
from solver.supply.allocation import build_purchases
from tests.conftest import material_model, record_calls, run_cli, solve_checked, write_model

CPSAT = {"search": "cpsat", "deterministic": True, "time_limit": 5, "workers": 2, "seed": 0}
DUE = 72  # 2026-11-25, a date alone: the end of that day
EUR = 2400  # objective units per EUR on an hourly grid
STOCK = Supply("O1", "M", 10, "stock")
AIR2 = Supply("O1", "M", 2, "S", "air", 24)


def split_model(split: bool | None = None) -> dict:
    """The plant of the module docstring; ``split`` sets ``split_needs`` (None: the default)."""
    air = [{"name": "air", "lead_time": "1d", "cost_per_unit": 50}]
    model = material_model(
        "sp",
        {"tardiness_cost_per_day": 1000, "max_weight": 1, "holding_rate": 0.0},
        {"id": "M", "unit_cost": 10.0, "stock": 10},
        {"material": "M", "lead_time": "5d", "price": 10.0, "expedite": air},
        [{"id": "O1", "quantity": 12, "due": "2026-11-25"}],
    )
    if split is not None:
        model["settings"]["split_needs"] = split
    return model


def bound_model(split: bool | None = None) -> dict:
    """The bound variant of the module docstring: capacity 5 a period, 5 more on Sunday."""
    model = split_model(split)
    model["suppliers"][0]["offers"][0]["capacity"] = 5
    model["materials"][0]["receipts"] = [{"quantity": 5, "arrival": "2026-11-29"}]
    return model


def load(model: dict):
    return load_plant_data(model, "split.yaml").with_settings(**CPSAT)


def split_rows(stock: int, bought: int) -> list[Supply]:
    """O1's M: ``stock`` units from stock and ``bought`` by air arriving at 24."""
    return [dataclasses.replace(STOCK, quantity=stock), dataclasses.replace(AIR2, quantity=bought)]


def rows(plan: Plan, order: str = "O1") -> set[Supply]:
    return {s for s in plan.supplies if s.order == order}


def splits_in(plan: Plan) -> int:
    """How many (order, material) needs the plan supplies from more than one row."""
    counted = Counter((s.order, s.material) for s in plan.supplies)
    return sum(n > 1 for n in counted.values())


def with_rows(plant, plan: Plan, supplies, steps=None) -> Plan:
    """``plan`` with other supplies (and steps, and the outcomes they give), its purchases
    regrouped and objective redone, so that the checker judges only the rule a test breaks."""
    supplies = tuple(supplies)
    steps = plan.steps if steps is None else tuple(steps)
    ends: dict[str, int] = {}
    for step in steps:
        ends[step.order] = max(step.end, ends.get(step.order, step.end))
    outcomes = tuple(
        OrderOutcome(oid, True, end, plant.orders[oid].due, max(0, end - plant.orders[oid].due))
        for oid, end in sorted(ends.items())
    )
    changed = dataclasses.replace(
        plan,
        supplies=supplies,
        purchases=tuple(build_purchases(plant, supplies)),
        steps=steps,
        outcomes=outcomes,
    )
    return with_objective(plant, changed)


@pytest.fixture(scope="module")
def split_plan():
    plant = load(split_model())
    return plant, solve_checked(plant, **CPSAT)


# 1. CP-SAT and dispatch split a need, and do not with the setting off ---------------------


def test_cpsat_takes_the_stock_and_buys_the_rest_by_air(split_plan):
    plant, plan = split_plan
    assert plant.settings.split_needs  # the default
    assert rows(plan) == {STOCK, AIR2}
    (step,) = plan.steps
    assert (step.start, step.end) == (24, 25) and step.end <= DUE
    assert plan.proven_optimal
    assert units_per_currency(plant) == EUR
    assert plan.objective_units == 120 * EUR
    assert plan.terms["purchase"] == pytest.approx(20)
    assert plan.terms["expedite"] == pytest.approx(100)
    assert plan.terms["tardiness"] == 0


def test_the_model_offers_one_split_at_the_stock_level(split_plan):
    plant, _ = split_plan
    (split,) = build(plant).variables.supply.splits[("O1", "M")]
    (bought,) = split.bought
    assert split.stock.quantity == 10 and bought.quantity == 2 and split.chosen is split.stock.stock
    assert {b.mode.name for b in bought.buys} == {"standard", "air"}
    off = build(plant.with_settings(split_needs=False)).variables.supply
    assert off.splits == {} and set(off.needs) == {("O1", "M")}


def test_without_splitting_cpsat_buys_the_whole_need_by_air(make_plant):
    plant = make_plant(split_model(split=False))  # the setting read from the model file
    assert not plant.settings.split_needs
    plan = solve_checked(plant, **CPSAT)
    assert rows(plan) == {Supply("O1", "M", 12, "S", "air", 24)}
    assert plan.proven_optimal and plan.objective_units == 720 * EUR
    assert plan.steps[0].end <= DUE


def test_dispatch_splits_too_and_not_with_the_setting_off(split_plan):
    plant, _ = split_plan
    plan = with_objective(plant, best_dispatch(plant))
    assert plan.status == "DISPATCH" and check_plan(plant, plan) == []
    assert rows(plan) == {STOCK, AIR2}
    assert plan.objective_units == 120 * EUR
    off = plant.with_settings(split_needs=False)
    whole = with_objective(off, best_dispatch(off))
    assert check_plan(off, whole) == []
    assert rows(whole) == {Supply("O1", "M", 12, "S", "air", 24)}
    assert whole.objective_units == 720 * EUR


# 2. The checker: rows sum to the need, each in (0, need], stock drawn, arrival in time -----


def messages(plant, plan: Plan) -> list[tuple[str, str]]:
    return [(v.kind, v.message) for v in check_plan(plant, plan)]


def test_the_checker_accepts_the_split_plan(split_plan):
    plant, plan = split_plan
    assert check_plan(plant, plan) == []
    # Recomputed per row: the purchase is 2 units, the stock row costs nothing.
    terms = objective_units(plant, plan)
    assert terms["purchase"] == 20 * EUR and terms["expedite"] == 100 * EUR


@pytest.mark.parametrize(("bought", "total"), [(1, 11), (3, 13)])
def test_rows_must_sum_to_the_need(split_plan, bought, total):
    plant, plan = split_plan
    broken = with_rows(plant, plan, split_rows(10, bought))
    assert messages(plant, broken) == [
        ("material", f"O1 needs 12 M, plan supplies {total} from 2 sources")
    ]


def test_each_row_is_between_nothing_and_the_need(split_plan):
    plant, plan = split_plan
    # 13 bought and -1 from stock sum to 12, but neither row is a part of the need.
    broken = with_rows(plant, plan, split_rows(-1, 13))
    found = messages(plant, broken)
    assert ("material", "O1 gets -1 M, its bill needs 12") in found
    assert ("material", "O1 gets 13 M, its bill needs 12") in found
    assert not any("plan supplies" in message for _, message in found)


def test_with_splitting_off_the_checker_refuses_a_split(split_plan):
    plant, plan = split_plan
    assert messages(plant.with_settings(split_needs=False), plan) == [
        ("material", "O1 gets M from 2 sources, and split_needs is false: one source per need")
    ]


def test_a_plan_diff_sees_a_split_move_between_its_parts(split_plan):
    """9 from stock and 3 by air, against 10 and 2: the same sources and arrival, other
    quantities (a stock loss moves a split so)."""
    plant, plan = split_plan
    moved = with_rows(plant, plan, split_rows(9, 3))
    assert check_plan(plant, moved) == []
    diff = plan_diff(plant, plan, plant, moved)
    (order,) = diff.orders
    assert order.order == "O1" and order.what == ("purchases",)


def test_a_split_held_by_both_its_parts_waits_once():
    """The 10 in stock arrive as a receipt on Tuesday 00:00, when the air freight does: both
    parts hold O1's step until tick 24, and the order waits on M once."""
    model = split_model()
    model["materials"][0]["stock"] = 0
    model["materials"][0]["receipts"] = [
        {"id": "R1", "quantity": 10, "arrival": "2026-11-24T00:00", "supplier": "S"}
    ]
    plant = load(model)
    plan = solve_checked(plant, **CPSAT)
    assert splits_in(plan) == 1 and plan.steps[0].start == 24
    (waiting,) = waiting_on_material(plant, plan)
    assert (waiting.order, waiting.material, waiting.ready, waiting.start) == ("O1", "M", 24, 24)


def test_a_stock_row_beyond_the_stock_drives_it_negative(split_plan):
    plant, plan = split_plan
    broken = with_rows(plant, plan, split_rows(11, 1))
    assert messages(plant, broken) == [("stock", "stock of M is -1 at tick 24")]


def test_a_bought_part_must_arrive_before_the_step_starts(split_plan):
    plant, plan = split_plan
    # By air in period 2: it arrives at 48, the step still starts at 24.
    late = with_rows(plant, plan, [STOCK, dataclasses.replace(AIR2, arrival=48)])
    assert messages(plant, late) == [
        ("material", "O1 step s starts at tick 24, before its M arrives at 48")
    ]
    # Moved to start at 48, the plan is valid again (and on time).
    moved = [dataclasses.replace(plan.steps[0], start=48, end=49)]
    assert check_plan(plant, with_rows(plant, plan, late.supplies, moved)) == []


def test_a_bought_part_arrives_no_sooner_than_its_lead_time(split_plan):
    plant, plan = split_plan
    early = with_rows(plant, plan, [STOCK, dataclasses.replace(AIR2, arrival=12)])
    assert ("material", "O1: M from S arrives at tick 12, its planned lead time is 24") in (
        messages(plant, early)
    )


# 3. split_sizes: the stock levels below the need, the largest three -------------------------


def levels_model(receipts: list[tuple[int, str]]) -> dict:
    """M: 10 on hand and ``receipts`` (units, date), offered by S. N: 10 on hand and 30 more
    on Thursday, offered by nobody. U: no stock, offered by S. Orders named by what they
    need: M5 ... M40 need that many M, N12 12 N, U12 12 U."""
    model = split_model()
    model["materials"] = [
        {
            "id": "M",
            "unit_cost": 10.0,
            "stock": 10,
            "receipts": [{"quantity": q, "arrival": day} for q, day in receipts],
        },
        {
            "id": "N",
            "unit_cost": 1.0,
            "stock": 10,
            "receipts": [{"quantity": 30, "arrival": "2026-11-26"}],
        },
        {"id": "U", "unit_cost": 1.0},
    ]
    model["suppliers"][0]["offers"].append({"material": "U", "lead_time": "1d", "price": 1.0})
    step = [{"id": "s", "resources": [{"resource": "M1", "setup": "1h"}]}]
    model["products"] = [
        {"id": m, "unit_cost": 1.0, "bom": [{"material": m, "per_unit": 1}], "routing": step}
        for m in ("M", "N", "U")
    ]
    order = model["orders"][0]
    needs = [("M", 5), ("M", 10), ("M", 12), ("M", 40), ("N", 12), ("U", 12)]
    model["orders"] = [
        dict(order, id=f"{m}{q}", product=m, quantity=q, due="2026-12-04") for m, q in needs
    ]
    return model


def test_split_sizes_are_the_stock_levels_below_the_need():
    # Listed out of order: the levels follow arrival, 10, then 10 + 5, then + 20.
    plant = load(levels_model([(20, "2026-11-26"), (5, "2026-11-24")]))
    assert sources.stock_levels(plant, "M") == (10, 15, 35)
    assert sources.split_sizes(plant, "M40", "M") == (10, 15, 35)
    assert sources.split_sizes(plant, "M12", "M") == (10,)
    # At or below the first level the need has no split: stock alone can hold it.
    assert sources.split_sizes(plant, "M10", "M") == ()
    assert sources.split_sizes(plant, "M5", "M") == ()


def test_split_sizes_keep_the_three_largest_levels():
    receipts = [(5, "2026-11-24"), (5, "2026-11-25"), (5, "2026-11-26")]
    plant = load(levels_model(receipts))
    assert sources.stock_levels(plant, "M") == (10, 15, 20, 25)
    assert sources.MAX_SPLIT_SIZES == 3
    assert sources.split_sizes(plant, "M40", "M") == (15, 20, 25)
    # Receipts arriving together are one level.
    together = load(levels_model([(5, "2026-11-24"), (7, "2026-11-24")]))
    assert sources.split_sizes(together, "M40", "M") == (10, 22)


def test_no_split_sizes_off_unstocked_or_unoffered():
    plant = load(levels_model([(20, "2026-11-26"), (5, "2026-11-24")]))
    off = plant.with_settings(split_needs=False)
    assert sources.split_sizes(off, "M40", "M") == ()
    assert sources.split_sizes(off, "M12", "M") == ()
    assert sources.split_sizes(plant, "U12", "U") == ()  # nothing on hand or coming
    # N reaches 10 and 40 but nobody sells it: there is no purchase to take the rest.
    assert sources.stock_levels(plant, "N") == (10, 40)
    assert sources.split_sizes(plant, "N12", "N") == ()
    # A material an order does not need has no split for it.
    assert sources.split_sizes(plant, "N12", "M") == ()


# 4. Loading accepts a need only stock and one purchase together cover -------------------------


def capacity_model(stock: int, split: bool | None = None) -> dict:
    model = split_model(split)
    model["materials"][0]["stock"] = stock
    model["suppliers"][0]["offers"][0]["capacity"] = 5
    return model


def test_stock_and_one_small_purchase_together_load(make_plant):
    # 10 in stock, at most 5 a period: no single source holds 12, 10 + 2 does.
    plant = make_plant(capacity_model(10))
    assert sources.split_sizes(plant, "O1", "M") == (10,)
    assert sources.earliest_supply(plant, "M", 12) is None
    assert sources.earliest_supply(plant, "M", 12, (sources.Split(10, (2,)),)) == 24
    plan = solve_checked(plant, **CPSAT)
    assert rows(plan) == {STOCK, AIR2} and plan.objective_units == 120 * EUR


def test_a_need_no_split_covers_is_refused_naming_order_and_quantity(tmp_path, capsys):
    # 1 in stock and at most 5 a period: 1 + 11 does not fit, nor 1 + 5 + 6 (two purchases).
    with pytest.raises(DataError) as caught:
        load_plant_data(capacity_model(1), "split.yaml")
    (problem,) = caught.value.problems
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")
    message = problem.message
    assert "needs 12 M but no single source, nor stock and purchases together" in message
    assert "stock and receipts 1, largest supplier capacity per period 5" in problem.message
    path = write_model(tmp_path, capacity_model(1))
    assert main(["validate", str(path)]) == 2
    err = " ".join(capsys.readouterr().err.split())  # the table wraps the message
    assert "orders 'O1'" in err and "quantity" in err and "no single source, nor" in err


def test_without_splitting_stock_and_a_small_purchase_are_refused():
    with pytest.raises(DataError) as caught:
        load_plant_data(capacity_model(10, split=False), "split.yaml")
    (problem,) = caught.value.problems
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")


def test_refusal_with_splitting_off_does_not_claim_no_split_could_deliver():
    with pytest.raises(DataError) as caught:
        load_plant_data(capacity_model(10, split=False), "split.yaml")
    (problem,) = caught.value.problems
    assert "nor stock and purchases together" not in problem.message
    assert "split_needs is false" in problem.message


# 5. The lower bound sees material ready by splitting --------------------------------------


def test_lower_bound_counts_the_split_order_on_time():
    plant = load(bound_model())
    assert sources.material_ready(plant, "O1") == 24  # 10 on hand + 2 by air
    bound = lower_bound(plant, tardiness_weights(plant))
    plan = solve_checked(plant, **CPSAT)
    assert plan.proven_optimal and plan.objective_units == 120 * EUR
    assert rows(plan) == {STOCK, AIR2}
    assert bound.alone == 0
    assert bound.units <= plan.objective_units


def test_lower_bound_without_splitting_waits_for_stock():
    plant = load(bound_model(split=False))
    assert sources.material_ready(plant, "O1") == 144  # stock reaches 15 on Sunday
    bound = lower_bound(plant, tardiness_weights(plant))
    plan = solve_checked(plant, **CPSAT)
    late = 73 * 1000 * EUR // 24  # 145 - 72 hours at 1000 EUR a day
    assert plan.proven_optimal and plan.objective_units == late == 7_300_000
    assert rows(plan) == {Supply("O1", "M", 12, "stock")}
    assert bound.alone == bound.units == late


def test_lower_bound_stays_below_the_optimum_of_the_split_plant(split_plan):
    plant, plan = split_plan
    bound = lower_bound(plant, tardiness_weights(plant))
    assert bound.alone == 0 and bound.units <= plan.objective_units == 120 * EUR


# 6. LNS: neighbourhoods split where the whole plant does ----------------------------------


def shared_model() -> dict:
    """Four orders of 12 P share M: 10 on hand and 10 more on Thursday (tick 72), due Tuesday
    to Friday. Each may split at 10 (levels 10, 20); only two can."""
    model = split_model()
    model["materials"][0]["receipts"] = [{"quantity": 10, "arrival": "2026-11-26"}]
    order = model["orders"][0]
    dues = {"O1": "2026-11-24", "O2": "2026-11-25", "O3": "2026-11-27", "O4": "2026-11-28"}
    model["orders"] = [dict(order, id=oid, due=due) for oid, due in dues.items()]
    return model


def test_lns_with_shared_stock_keeps_every_plan_valid(monkeypatch):
    plant = load(shared_model()).with_settings(
        search="lns", time_limit=2, lns_step_limit=0.5, lns_supply_orders=2
    )
    assert all(sources.split_sizes(plant, oid, "M") == (10,) for oid in plant.orders)
    whole_levels = sources.stock_levels(plant, "M")
    assert whole_levels == (10, 20)
    merged = record_calls(monkeypatch, lns, "merge")
    subs = record_calls(monkeypatch, lns, "residual_supply")
    start = with_objective(plant, best_dispatch(plant))
    assert splits_in(start) >= 1  # the LNS starts from a plan that splits
    result = lns.improve(plant, start)
    assert merged and subs
    for candidate in merged:
        violations = check_plan(plant, candidate)
        assert violations == [], "\n".join(map(str, violations))
    assert check_plan(plant, result) == []
    assert result.objective_units == sum(objective_units(plant, result).values())
    assert result.objective_units <= start.objective_units and splits_in(result) >= 1
    for sub in subs:
        assert sources.stock_levels(sub, "M") == whole_levels
        assert sub.materials["M"].split_levels in (None, whole_levels)
    assert any(sub.materials["M"].split_levels == whole_levels for sub in subs)


def residual_model() -> dict:
    """M: 10 on hand, 5 more on Tuesday (tick 24), 20 on Thursday (72): levels 10, 15, 35.
    O1 needs 3 M (due Monday), O2 20 M (due Thursday)."""
    model = split_model()
    model["materials"][0]["receipts"] = [
        {"quantity": 5, "arrival": "2026-11-24"},
        {"quantity": 20, "arrival": "2026-11-26"},
    ]
    order = model["orders"][0]
    model["orders"] = [
        dict(order, id="O1", quantity=3, due="2026-11-23"),
        dict(order, id="O2", quantity=20, due="2026-11-26"),
    ]
    return model


def test_a_neighbourhood_keeps_the_whole_plants_split_levels():
    """O1 draws 3 at tick 0 (kept); O2 takes 15 from stock at 72 and 5 by air (arrival 24).
    Freed alone, O2 sees what O1 leaves: 7 on hand, 12 from 24, 32 from 72, whose own levels
    (7, 12, 32) would not hold O2's split at 15; it keeps the whole plant's (10, 15, 35)."""
    plant = load(residual_model())
    steps = (ScheduledStep("O1", 0, "s", "M1", 0, 1), ScheduledStep("O2", 0, "s", "M1", 72, 73))
    supplies = (
        Supply("O1", "M", 3, "stock"),
        Supply("O2", "M", 15, "stock"),
        Supply("O2", "M", 5, "S", "air", 24),
    )
    hand = Plan("sp", plant.grid.start, plant.grid.resolution, "HAND", steps, (), 0.0)
    plan = with_rows(plant, hand, supplies)
    assert check_plan(plant, plan) == []
    assert sources.split_sizes(plant, "O2", "M") == (10, 15)

    left = residual_supply(plant, plan, {"O2"}).materials["M"]
    assert left.stock == 7
    assert [(r.arrival, r.quantity) for r in left.receipts] == [(24, 5), (72, 20)]
    assert left.split_levels == sources.stock_levels(plant, "M") == (10, 15, 35)

    sub = lns.sub_plant(plant, plan, {"O2"})
    assert sources.split_sizes(sub, "O2", "M") == (10, 15)
    weights = tardiness_weights(plant)
    built = build(sub, lns.restrict(plan, {"O2"}), weights)
    assert not built.variables.hint_outside_sources
    # Its own levels would offer other splits, and the plan's would be no source of the model.
    own = sub.replace(materials={"M": dataclasses.replace(sub.materials["M"], split_levels=None)})
    assert sources.split_sizes(own, "O2", "M") == (7, 12)
    assert build(own, lns.restrict(plan, {"O2"}), weights).variables.hint_outside_sources

    repaired = solve(build(sub.with_settings(**CPSAT), lns.restrict(plan, {"O2"}), weights))
    merged = lns.merge(plan, repaired, {"O2"}, plant)
    assert check_plan(plant, merged) == []


# 7. Hints: a split the model does not offer is no hint ------------------------------------


def test_the_solvers_own_split_plan_is_a_hint_of_the_model(split_plan):
    plant, plan = split_plan
    built = build(plant, plan)
    assert not built.variables.hint_outside_sources
    again = solve(built)
    assert again.stats["workers"] == 2 and check_plan(plant, again) == []
    assert again.objective_units == 120 * EUR


def test_a_split_at_no_level_leaves_the_need_unhinted_and_solves_with_one_worker(split_plan):
    plant, plan = split_plan
    # 7 from stock and 5 by air: a valid plan (300 EUR), but 7 is no level of M's stock.
    odd = with_rows(plant, plan, split_rows(7, 5))
    assert check_plan(plant, odd) == [] and odd.objective_units == 300 * EUR
    built = build(plant, odd)
    assert built.variables.hint_outside_sources
    solved = solve(built)
    assert solved.stats["workers"] == 1
    assert check_plan(plant, solved) == []
    assert solved.objective_units == sum(objective_units(plant, solved).values())
    assert solved.objective_units == 120 * EUR and rows(solved) == {STOCK, AIR2}


# 8. Random plants like the hand-checkable one ---------------------------------------------


@st.composite
def split_plants(draw) -> dict:
    """The split plant with random stock, receipts, needs (one to three orders), lead times,
    expedite costs, capacity, minimum order and reliability; splitting mostly on."""
    model = split_model(draw(st.sampled_from([True, True, True, False])))
    material = model["materials"][0]
    material["stock"] = draw(st.integers(0, 20))
    material["receipts"] = [
        {"quantity": draw(st.integers(1, 15)), "arrival": f"2026-11-{draw(st.integers(24, 30))}"}
        for _ in range(draw(st.integers(0, 3)))
    ]
    offer = model["suppliers"][0]["offers"][0]
    offer["lead_time"] = f"{draw(st.integers(1, 6))}d"
    offer["price"] = draw(st.sampled_from([5.0, 10.0]))
    if draw(st.booleans()):
        offer["expedite"] = [
            {
                "name": "air",
                "lead_time": draw(st.sampled_from(["12h", "1d"])),
                "cost_per_unit": draw(st.sampled_from([0, 5, 50, 80])),
                "cost_per_shipment": draw(st.sampled_from([0, 0, 30])),
            }
        ]
    else:
        del offer["expedite"]
    if draw(st.booleans()):
        offer["capacity"] = draw(st.integers(1, 20))
    if draw(st.booleans()):
        offer["min_order"] = draw(st.sampled_from([3, 10]))
    order = model["orders"][0]
    model["orders"] = [
        dict(
            order,
            id=f"O{k}",
            quantity=draw(st.integers(1, 30)),
            due=f"2026-11-{draw(st.integers(23, 28))}",
            status=draw(st.sampled_from(["firm", "firm", "proposed"])),
        )
        for k in range(draw(st.integers(1, 3)))
    ]
    model["suppliers"][0]["reliability"] = draw(st.sampled_from([1.0, 1.0, 0.8]))
    model["settings"].update(
        holding_rate=draw(st.sampled_from([0.0, 0.25, 5.0])),
        stock_model=draw(st.sampled_from(["reservoir", "buckets"])),
        supplier_risk=draw(st.sampled_from(["pad", "premium"])),
    )
    return model


def test_random_split_plants_pass_the_checker():
    seen: Counter[str] = Counter()

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(split_plants())
    def run(model):
        try:
            plant = load_plant_data(model, "random.yaml")
        except DataError:
            assume(False)
        plant = plant.with_settings(**{**CPSAT, "time_limit": 2})
        hint = best_dispatch(plant)
        violations = check_plan(plant, with_objective(plant, hint))
        if hint.status != "DISPATCH":  # greedy allocation may leave a firm order without
            violations = [v for v in violations if v.kind != "declined-firm"]
        assert violations == [], "\n".join(map(str, violations))
        try:
            plan = solve(build(plant, hint))
        except SolveError:
            assert hint.status != "DISPATCH"
            return
        violations = check_plan(plant, plan)
        assert violations == [], "\n".join(map(str, violations))
        assert plan.objective_units == sum(objective_units(plant, plan).values())
        if plan.proven_optimal:  # the model prices each row as the facts do
            assert plan.stats["model_objective_units"] == plan.objective_units
        if not plant.settings.split_needs:
            assert splits_in(hint) == splits_in(plan) == 0
        elif plan.proven_optimal:
            # Splitting only adds ways: the optimum without it is never cheaper.
            off = plant.with_settings(split_needs=False)
            try:
                whole = solve(build(off, best_dispatch(off)))
            except SolveError:  # no plan without splitting
                whole = None
            if whole is not None and whole.proven_optimal:
                assert plan.objective_units <= whole.objective_units
                seen["cheaper by splitting"] += plan.objective_units < whole.objective_units
        seen["plans"] += 1
        seen["dispatch splits"] += splits_in(hint) > 0
        seen["cpsat splits"] += splits_in(plan) > 0
        event(f"CP-SAT plan splits a need: {splits_in(plan) > 0}")

    run()
    assert seen["plans"] >= 15
    assert seen["dispatch splits"] >= 3 and seen["cpsat splits"] >= 3
    assert seen["cheaper by splitting"] >= 1


def test_a_split_needs_that_is_not_true_or_false_is_refused(tmp_path, capsys):
    model = split_model()
    model["settings"]["split_needs"] = "sometimes"
    path = write_model(tmp_path, model)
    assert run_cli(["validate", str(path)], path).code == 2
    err = capsys.readouterr().err
    assert "split_needs" in err and "valid boolean" in err and "Traceback" not in err
