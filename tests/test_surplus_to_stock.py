"""Minimum-order surplus goes into stock for later orders (issue 18 item 3): a shipment topped
up to its supplier's minimum order brings the top-up into the material's stock when it arrives,
where a later order may draw it, charged holding while it waits; ``surplus_to_stock: false``
keeps the old rule (the surplus is bought, paid and never used).

The hand-checkable plant (``surplus_model``) runs on an hourly grid for 2 weeks from Monday
2026-11-23 00:00 (tick 0; horizon 336). Each order makes P, one unit of material M each, in one
1-hour step on M1 that draws M when it starts: O1 needs 6 and O2 6, both due at the end of
Wednesday (tick 72), O3 needs 8, due at the end of Friday (tick 120). M (worth 10 EUR) has no
stock and no receipts. Supplier S (daily periods) sells it at 10 EUR with a lead time of 1 day,
a minimum order of 10 and a capacity of 10 a period, so every shipment is exactly 10 units and
arrives at 24, 48, 72, ...; no two orders fit one shipment (6 + 6, 6 + 8 > 10).
``tardiness_cost_per_day: 1000`` (weight 1) makes an hour late cost 100,000 units;
``holding_rate: 0`` leaves holding free. One EUR is 100 x 24 = 2,400 objective units.

- With the surplus going to stock: two shipments, O1's 6 + 4 surplus at 24 and O2's 6 + 4 at
  48; O3 draws the 8 surplus units from stock from 48 on. 20 units x 10 EUR = 200 EUR =
  480,000 units, on time; nothing is cheaper, as 20 units are needed and stock has none.
- Off: each order needs its own shipment of 10: 300 EUR = 720,000 units.
- Without the capacity (the issue's own example, O1 6 and O2 4 only): O2 joins O1's shipment
  of 10 either way, 100 EUR = 240,000 units on and off; the surplus only matters where a later
  order cannot join the shipment that brings it.

Holding (``holding_rate: 3.65``): 100 x 10 x 3.65 / 365 = 10 units per tick per unit held, and
``surplus_holding_rate`` 100,000 x 10 x 3.65 / 365 = 10,000 thousandths, so a surplus of 4
costs 40 a tick and one of 2 costs 20, exactly. ``supply_units``' holding is the surpluses
idle to the horizon (``surplus_if_idle``), less each stock draw's holding from its start to
the horizon, plus each bought row's wait from arrival to its step:

- The dispatch shape (O1 at 24, O2 at 48 pegged, O3 draws 8 at 49): surplus_if_idle =
  40 x (336 - 24) + 40 x (336 - 48) = 12,480 + 11,520 = 24,000; the draw saves 80 x 287 =
  22,960; holding 1,040.
- The optimum: O3's 8 + 2 surplus at 24 (O3 at 24), O1's 6 + 4 at 48 (O1 at 49), O2 draws 6 at
  48: surplus_if_idle = 20 x 312 + 40 x 288 = 17,760; the draw saves 60 x 288 = 17,280; O1's 6
  wait 1 tick, 60; holding 540. Both shipments must arrive by 48 (O1 and O2 are due at 72),
  in different periods; with the drawer D and the shipments' surpluses s_X (at 24) and s_Y
  (at 48) the holding is 10 x s_X x 24 + the one tick one of the two orders starting at 48
  waits: 20 x 24 + 60 = 540 for D = O1 or O2 with O3's shipment first, 1,020 for every other
  arrangement. CP-SAT: 480,540 units. Off: 720,000 (three shipments, each drawn at arrival).
- At ``holding_rate: 0.25`` the rates round: 685 thousandths a unit, so a surplus of 4 costs
  (2,740 + 500) // 1000 = 3 a tick and one of 2 costs 1; a draw of 6 saves 4 a tick
  (round(4.11)), of 8, 5 (round(5.48)). The same shape is optimal: 1 x 312 + 3 x 288 - 4 x 287
  (O2 drawing at 49, O1 at 48) = 28; O1's or O2's shipment first: 76, O3 drawing: 364. CP-SAT:
  480,028 units.

The ledger plant (``ledger_model``): the same with orders O1 6, O2 4, O3 3.
"""

from __future__ import annotations

import pytest

from solver.changes.net_change import net_change
from solver.changes.rolling import roll_to
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep, Supply
from solver.domain.plant import Receipt
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, supply_units, surplus_if_idle, with_objective
from solver.input.loading import load_plant_data
from solver.rules.costs import (
    holding_per_tick,
    surplus_holding_per_tick,
    surplus_holding_rate,
    units_per_currency,
)
from solver.solve import lns
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.residual_supply import keep_surplus_sources, residual_supply
from solver.supply import sources
from solver.supply.allocation import Part, SupplyBook, build_purchases
from tests.conftest import material_model, record_calls, run_cli, write_model

CPSAT = {"search": "cpsat", "deterministic": True, "time_limit": 5, "workers": 2, "seed": 0}
EUR = 2400  # objective units per EUR on an hourly grid
HORIZON = 336
DUE = {"O1": 72, "O2": 72, "O3": 120}

# The optimum with the surplus in stock, as dispatch finds it: O3 draws both top-ups.
O1_AT_24 = Supply("O1", "M", 6, "S", "standard", 24)
O2_AT_48 = Supply("O2", "M", 6, "S", "standard", 48)
O3_STOCK = Supply("O3", "M", 8, "stock")
DRAWN = (O1_AT_24, O2_AT_48, O3_STOCK)
DRAWN_STARTS = {"O1": 24, "O2": 48, "O3": 49}


def surplus_model(surplus: bool | None = None, holding: float = 0.0) -> dict:
    """The plant of the module docstring; ``surplus`` sets ``surplus_to_stock`` (None: the
    default)."""
    model = material_model(
        "su",
        {"tardiness_cost_per_day": 1000, "max_weight": 1, "holding_rate": holding},
        {"id": "M", "unit_cost": 10.0},
        {"material": "M", "lead_time": "1d", "price": 10.0, "min_order": 10, "capacity": 10},
        [
            {"id": "O1", "quantity": 6, "due": "2026-11-25"},
            {"id": "O2", "quantity": 6, "due": "2026-11-25"},
            {"id": "O3", "quantity": 8, "due": "2026-11-27"},
        ],
    )
    if surplus is not None:
        model["settings"]["surplus_to_stock"] = surplus
    return model


def ledger_model(capacity: bool = True) -> dict:
    """The ledger plant: orders O1 6, O2 4 and O3 3 (all due Friday); without ``capacity``
    S ships any quantity of at least 10."""
    model = surplus_model()
    for order, quantity in zip(model["orders"], (6, 4, 3), strict=True):
        order.update(quantity=quantity, due="2026-11-27")
    if not capacity:
        del model["suppliers"][0]["offers"][0]["capacity"]
    return model


def load(model: dict):
    return load_plant_data(model, "surplus.yaml").with_settings(**CPSAT)


@pytest.fixture(scope="module")
def plant():
    return load(surplus_model())


@pytest.fixture(scope="module")
def off(plant):
    return plant.with_settings(surplus_to_stock=False)


def hand_plan(plant, supplies, starts: dict[str, int]) -> Plan:
    """A plan of ``plant`` with these supplies, each order's step starting as given, its
    purchases grouped and its objective recomputed."""
    steps = tuple(ScheduledStep(oid, 0, "s", "M1", t, t + 1) for oid, t in sorted(starts.items()))
    outcomes = tuple(
        OrderOutcome(oid, True, t + 1, plant.orders[oid].due, max(0, t + 1 - plant.orders[oid].due))
        for oid, t in sorted(starts.items())
    )
    supplies = tuple(supplies)
    plan = Plan(
        plant.name,
        plant.grid.start,
        plant.grid.resolution,
        "HAND",
        steps,
        outcomes,
        supplies=supplies,
        purchases=tuple(build_purchases(plant, supplies)),
    )
    return with_objective(plant, plan)


def cpsat(plant) -> Plan:
    """CP-SAT's plan, checked: valid, and its objective the facts' recomputation (the model's
    own where proven optimal)."""
    plan = solve(build(plant))
    violations = check_plan(plant, plan)
    assert violations == [], "\n".join(map(str, violations))
    assert plan.objective_units == sum(objective_units(plant, plan).values())
    if plan.proven_optimal:
        assert plan.stats["model_objective_units"] == plan.objective_units
    return plan


def shipments(plan: Plan) -> list[tuple[int, tuple[str, ...]]]:
    """(quantity, pegged orders) of each shipment, in arrival order."""
    return [(p.quantity, p.orders) for p in plan.purchases]


def from_stock(plan: Plan) -> list[Supply]:
    return [s for s in plan.supplies if s.source == sources.STOCK]


def messages(plant, plan: Plan) -> list[tuple[str, str]]:
    return [(v.kind, v.message) for v in check_plan(plant, plan)]


# 1. Which materials take surplus, and what a plan's shipments bring ------------------------


def test_surplus_goes_to_stock_by_default_where_an_offer_has_a_minimum_order(plant, off):
    assert plant.settings.surplus_to_stock  # the default
    assert not plant.materials["M"].stocked  # nothing on hand or coming
    assert sources.takes_surplus(plant, "M") and sources.may_draw_stock(plant, "M")
    assert not sources.takes_surplus(off, "M") and not sources.may_draw_stock(off, "M")
    model = surplus_model()
    del model["suppliers"][0]["offers"][0]["min_order"]
    no_minimum = load(model)
    assert not sources.takes_surplus(no_minimum, "M")
    assert not sources.may_draw_stock(no_minimum, "M")


def test_surplus_events_are_each_shipments_top_up_at_its_arrival(plant, off):
    plan = hand_plan(plant, DRAWN, DRAWN_STARTS)
    assert shipments(plan) == [(10, ("O1",)), (10, ("O2",))]
    assert sources.surplus_events(plant, plan.supplies, plan.purchases) == {"M": [(24, 4), (48, 4)]}
    assert sources.surplus_events(off, plan.supplies, plan.purchases) == {}


# 2. CP-SAT: two shipments and a draw of their surplus; three with the setting off ----------


def test_cpsat_buys_two_shipments_and_the_third_order_draws_their_surplus(plant):
    plan = cpsat(plant)
    assert plan.status == "OPTIMAL"
    assert units_per_currency(plant) == EUR
    assert plan.objective_units == 200 * EUR == 480_000
    assert plan.terms["purchase"] == pytest.approx(200)
    assert plan.terms["tardiness"] == 0
    (drawn,) = from_stock(plan)
    assert drawn == O3_STOCK
    assert sorted(p.quantity for p in plan.purchases) == [10, 10]
    (step,) = plan.steps_of("O3")
    assert step.start >= max(p.arrival for p in plan.purchases)


def test_cpsat_without_surplus_to_stock_buys_a_shipment_per_order(off, make_plant):
    plant = make_plant(surplus_model(surplus=False))  # the setting read from the model file
    assert not plant.settings.surplus_to_stock
    plan = cpsat(plant.with_settings(**CPSAT))
    assert plan.status == "OPTIMAL"
    assert plan.objective_units == 300 * EUR == 720_000
    assert from_stock(plan) == []
    assert sorted(shipments(plan)) == [(10, ("O1",)), (10, ("O2",)), (10, ("O3",))]
    # The with_settings copy agrees.
    assert cpsat(off).objective_units == 720_000


def test_a_material_with_surplus_has_stock_checkpoints_even_where_reservoir_is_asked(plant):
    """CP-SAT's reservoir takes no variable level changes: a material whose shipments may
    bring surplus is balanced by checkpoints, whatever ``stock_model`` says."""
    plan = cpsat(plant.with_settings(stock_model="reservoir"))
    assert plan.status == "OPTIMAL" and plan.objective_units == 480_000
    assert from_stock(plan) == [O3_STOCK]


def test_without_capacity_a_later_order_joins_the_shipment_either_way():
    """The issue's example, O1 6 early and O2 4 later with no capacity: O2 joins O1's shipment
    with the setting off, or draws its top-up with it on; 100 EUR both ways."""
    model = surplus_model()
    del model["suppliers"][0]["offers"][0]["capacity"]
    model["orders"] = [dict(model["orders"][0]), dict(model["orders"][2], id="O2", quantity=4)]
    on = load(model)
    for plant in (on, on.with_settings(surplus_to_stock=False)):
        plan = cpsat(plant)
        assert plan.status == "OPTIMAL" and plan.objective_units == 100 * EUR
        (purchase,) = plan.purchases
        assert purchase.quantity == 10


# 3. Dispatch: the ledger's surplus is a source ---------------------------------------------


def test_dispatch_draws_the_surplus_and_buys_a_third_shipment_with_the_setting_off(plant, off):
    plan = with_objective(plant, best_dispatch(plant))
    assert plan.status == "DISPATCH" and check_plan(plant, plan) == []
    assert set(plan.supplies) == set(DRAWN)
    assert shipments(plan) == [(10, ("O1",)), (10, ("O2",))]
    assert plan.objective_units == 480_000
    whole = with_objective(off, best_dispatch(off))
    assert whole.status == "DISPATCH" and check_plan(off, whole) == []
    assert from_stock(whole) == []
    assert shipments(whole) == [(10, ("O1",)), (10, ("O2",)), (10, ("O3",))]
    assert whole.objective_units == 720_000


# 4. The checker: surplus joins stock at its arrival, and only with the setting on ------------


def test_the_checker_lets_a_draw_use_surplus_arriving_at_that_tick(plant, off):
    # O3 draws at 48, when O2's shipment arrives; O2's step waits until 49.
    plan = hand_plan(plant, DRAWN, {"O1": 24, "O2": 49, "O3": 48})
    assert check_plan(plant, plan) == []
    assert plan.objective_units == 480_000
    assert messages(off, plan) == [("stock", "stock of M is -8 at tick 48")]


def test_a_draw_before_the_shipment_arrives_drives_stock_negative_even_with_the_setting_on(
    plant,
):
    # At 30 only O1's top-up (4) has arrived: 4 - 8.
    early = hand_plan(plant, DRAWN, {"O1": 24, "O2": 48, "O3": 30})
    assert messages(plant, early) == [("stock", "stock of M is -4 at tick 30")]
    # At 23 neither has.
    earliest = hand_plan(plant, DRAWN, {"O1": 24, "O2": 48, "O3": 23})
    assert messages(plant, earliest) == [("stock", "stock of M is -8 at tick 23")]


def test_a_shipment_pegged_full_brings_no_surplus_to_draw(plant):
    """O3 by itself in the first shipment (8 + 2 surplus), O1 in the second (6 + 4): O2's 6
    are there only from 48, when both top-ups are."""
    supplies = (
        Supply("O3", "M", 8, "S", "standard", 24),
        Supply("O1", "M", 6, "S", "standard", 48),
        Supply("O2", "M", 6, "stock"),
    )
    assert check_plan(plant, hand_plan(plant, supplies, {"O1": 49, "O2": 48, "O3": 24})) == []
    assert messages(plant, hand_plan(plant, supplies, {"O1": 49, "O2": 47, "O3": 24})) == [
        ("stock", "stock of M is -4 at tick 47")
    ]


# 5. Holding: the surplus is charged from its arrival to the horizon, less the draws ---------


def test_surplus_holding_per_tick_is_a_thousandths_rate_rounded_half_up():
    exact = load(surplus_model(holding=3.65))
    assert surplus_holding_rate(exact, 10.0) == 10_000
    assert surplus_holding_per_tick(exact, 10.0, 4) == 40 == holding_per_tick(exact, 10.0, 4)
    assert surplus_holding_per_tick(exact, 10.0, 2) == 20
    rounded = load(surplus_model(holding=0.25))
    assert surplus_holding_rate(rounded, 10.0) == 685
    assert surplus_holding_per_tick(rounded, 10.0, 4) == 3  # 2.74 up
    assert surplus_holding_per_tick(rounded, 10.0, 2) == 1  # 1.37 down
    assert surplus_holding_per_tick(rounded, 10.0, 0) == 0
    assert holding_per_tick(rounded, 10.0, 6) == 4 and holding_per_tick(rounded, 10.0, 8) == 5


def test_holding_is_the_surplus_idle_to_the_horizon_less_what_draws_save():
    plant = load(surplus_model(holding=3.65))
    dispatched = hand_plan(plant, DRAWN, DRAWN_STARTS)
    assert check_plan(plant, dispatched) == []
    assert surplus_if_idle(plant, dispatched) == 40 * (HORIZON - 24) + 40 * (HORIZON - 48)
    assert surplus_if_idle(plant, dispatched) == 24_000
    assert supply_units(plant, dispatched)["holding"] == 24_000 - 80 * 287 == 1_040
    assert dispatched.objective_units == 481_040

    best = hand_plan(plant, best_holding_rows(), {"O1": 49, "O2": 48, "O3": 24})
    assert check_plan(plant, best) == []
    assert surplus_if_idle(plant, best) == 20 * 312 + 40 * 288 == 17_760
    assert supply_units(plant, best)["holding"] == 17_760 - 60 * 288 + 60 * 1 == 540
    assert best.objective_units == 480_540

    off = plant.with_settings(surplus_to_stock=False)
    assert surplus_if_idle(off, best) == 0  # the old rule: bought, never in stock


def best_holding_rows() -> tuple[Supply, ...]:
    """The holding optimum's rows: O3 alone in the first shipment (8 + 2), O1 in the second
    (6 + 4), O2 draws both top-ups."""
    return (
        Supply("O1", "M", 6, "S", "standard", 48),
        Supply("O2", "M", 6, "stock"),
        Supply("O3", "M", 8, "S", "standard", 24),
    )


def test_cpsat_with_holding_reaches_the_hand_computed_optimum():
    plant = load(surplus_model(holding=3.65))
    plan = cpsat(plant)
    assert plan.status == "OPTIMAL"
    assert plan.objective_units == 480_540
    assert objective_units(plant, plan)["holding"] == 540
    # The optimum draws the 6 of O1 or O2, not O3's 8: O3's shipment (2 surplus) comes first.
    (drawn,) = from_stock(plan)
    assert drawn.order in {"O1", "O2"} and drawn.quantity == 6
    off = plant.with_settings(surplus_to_stock=False)
    bought = cpsat(off)
    assert bought.status == "OPTIMAL" and bought.objective_units == 720_000
    assert objective_units(off, bought)["holding"] == 0


def test_cpsat_prices_rounded_surplus_holding_as_the_facts_do():
    plant = load(surplus_model(holding=0.25))
    best = hand_plan(plant, best_holding_rows(), {"O1": 48, "O2": 49, "O3": 24})
    assert surplus_if_idle(plant, best) == 1 * 312 + 3 * 288 == 1_176
    assert supply_units(plant, best)["holding"] == 1_176 - 4 * 287 == 28
    plan = cpsat(plant)  # model objective == recomputation, asserted there
    assert plan.status == "OPTIMAL" and plan.objective_units == 480_028


# 6. Dispatch's ledger follows the surplus as shipments grow ---------------------------------


def buy_option(plant, period: int) -> sources.BuyOption:
    return next(o for o in sources.buy_options(plant, "M", HORIZON) if o.period == period)


def buy(book: SupplyBook, order: str, quantity: int, period: int, start: int) -> None:
    option = buy_option(book.plant, period)
    part = Part("buy", option, option.arrival, quantity)
    book.commit(order, {"M": (part,)}, {0: start})


def test_the_ledger_holds_a_shipments_top_up_from_its_arrival():
    plant = load(ledger_model())
    book = SupplyBook(plant)
    (o1,) = book.choose("O1", {0: 119})["M"]
    assert (o1.kind, o1.option.period, o1.arrival, o1.quantity) == ("buy", 1, 24, 6)
    book.commit("O1", {"M": (o1,)}, {0: 24})
    ledger = book.stock["M"]
    assert ledger.earliest_draw(4, 0) == 24 and ledger.earliest_draw(5, 0) is None
    # 3 more into the same shipment peg 3 of its top-up: 1 is left.
    assert book.surplus_taken(o1.option, "M", 3) == 3
    assert book.surplus_taken(o1.option, "M", 5) == 4
    buy(book, "O3", 3, period=1, start=24)
    assert book.shipments[("S", "M", "standard", 1)] == 9
    assert ledger.earliest_draw(1, 0) == 24 and ledger.earliest_draw(2, 0) is None
    # O2's 4 come from a shipment of their own (6 surplus) then, or by joining (1 taken).
    assert book.surplus_taken(o1.option, "M", 4) == 1


def test_the_ledger_holds_no_surplus_with_the_setting_off():
    plant = load(ledger_model()).with_settings(surplus_to_stock=False)
    book = SupplyBook(plant)
    buy(book, "O1", 6, period=1, start=24)
    assert book.stock["M"].earliest_draw(1, 0) is None
    assert book.surplus_taken(buy_option(plant, 1), "M", 3) == 0
    # O2 joins the shipment instead.
    (o2,) = book.choose("O2", {0: 119})["M"]
    assert (o2.kind, o2.option.period) == ("buy", 1)


def test_dispatch_does_not_peg_surplus_an_earlier_order_drew():
    """O1 buys 6 (top-up 4 at 24). Dispatch would have O2 join that shipment (its top-up is
    paid for, and joining leaves stock to others); made to draw the 4 from stock at 30
    instead, O3's 3 joining O1's shipment would peg 3 of those 4: it is not offered, and O3
    buys in the next period."""
    plant = load(ledger_model())
    book = SupplyBook(plant)
    buy(book, "O1", 6, period=1, start=24)
    (joins,) = book.choose("O2", {0: 119})["M"]
    assert (joins.kind, joins.option.period, joins.quantity) == ("buy", 1, 4)
    o2 = Part(sources.STOCK, None, 24, 4)
    book.commit("O2", {"M": (o2,)}, {0: 30})
    first = buy_option(plant, 1)
    assert book.fits(first, "M", 3)  # capacity alone would allow it
    assert book.surplus_taken(first, "M", 3) == 3
    assert book.stock["M"].earliest_draw(3, 24) is None
    (o3,) = book.choose("O3", {0: 119})["M"]
    assert (o3.kind, o3.option.period, o3.arrival) == ("buy", 2, 48)
    book.commit("O3", {"M": (o3,)}, {0: 48})
    # The book's rows make a valid plan.
    plan = hand_plan(plant, book.supplies, {"O1": 24, "O2": 30, "O3": 48})
    assert check_plan(plant, plan) == []


# 7. LNS: kept shipments, their top-ups and the orders that bring them -----------------------


def test_a_neighbourhood_keeps_the_orders_whose_surplus_a_kept_order_draws(plant, off):
    plan = hand_plan(plant, DRAWN, DRAWN_STARTS)
    # O3, kept, draws O1's and O2's top-ups: freeing either would take one away.
    assert keep_surplus_sources(plant, plan, {"O1"}) == set()
    assert keep_surplus_sources(plant, plan, {"O2"}) == set()
    assert keep_surplus_sources(plant, plan, {"O1", "O2"}) == set()
    # Freed with its draw, or with nothing drawing, the neighbourhood stands.
    assert keep_surplus_sources(plant, plan, {"O1", "O3"}) == {"O1", "O3"}
    assert keep_surplus_sources(plant, plan, {"O3"}) == {"O3"}
    assert keep_surplus_sources(plant, plan, {"O1", "O2", "O3"}) == {"O1", "O2", "O3"}
    # Off, no surplus is in stock: nothing to keep.
    assert keep_surplus_sources(off, plan, {"O1"}) == {"O1"}


def test_the_residual_plant_has_the_kept_top_ups_in_stock_and_the_kept_shipments(plant):
    plan = hand_plan(plant, DRAWN, DRAWN_STARTS)
    left = residual_supply(plant, plan, {"O3"})
    material = left.materials["M"]
    assert material.stock == 0
    assert [(r.arrival, r.quantity) for r in material.receipts] == [(24, 4), (48, 4)]
    offer = left.suppliers["S"].offers["M"]
    assert offer.pegged == (("standard", 1, 6), ("standard", 2, 6))
    assert offer.booked == ((1, 10), (2, 10))
    assert offer.pegged_in("standard", 1) == 6 and offer.kept_surplus("standard", 1) == 4
    assert offer.pegged_in("standard", 3) == 0 and offer.kept_surplus("standard", 3) == 0

    sub = lns.sub_plant(plant, plan, {"O3"})
    repaired = solve(build(sub, lns.restrict(plan, {"O3"})))
    assert repaired.supplies == (O3_STOCK,)
    merged = with_objective(plant, lns.merge(plan, repaired, {"O3"}, plant))
    assert check_plan(plant, merged) == []
    assert merged.objective_units == 480_000


def test_a_freed_order_joins_a_kept_shipment_instead_of_opening_one():
    """Ledger plant without capacity. O1 buys 6 at 24, O2 4 at 48 and O3 3 at 72, a shipment
    each (300 EUR). Freed, O2 and O3 join O1's: one shipment of 13, 130 EUR."""
    plant = load(ledger_model(capacity=False))
    supplies = (
        Supply("O1", "M", 6, "S", "standard", 24),
        Supply("O2", "M", 4, "S", "standard", 48),
        Supply("O3", "M", 3, "S", "standard", 72),
    )
    plan = hand_plan(plant, supplies, {"O1": 24, "O2": 48, "O3": 72})
    assert check_plan(plant, plan) == [] and plan.objective_units == 300 * EUR
    free = keep_surplus_sources(plant, plan, {"O2", "O3"})
    assert free == {"O2", "O3"}
    sub = lns.sub_plant(plant, plan, free)
    assert sub.suppliers["S"].offers["M"].pegged == (("standard", 1, 6),)
    assert [(r.arrival, r.quantity) for r in sub.materials["M"].receipts] == [(24, 4)]
    repaired = solve(build(sub, lns.restrict(plan, free)))
    merged = with_objective(plant, lns.merge(plan, repaired, free, plant))
    assert check_plan(plant, merged) == []
    (purchase,) = merged.purchases
    assert (purchase.quantity, purchase.arrival, set(purchase.orders)) == (
        13,
        24,
        {"O1", "O2", "O3"},
    )
    assert merged.objective_units == 130 * EUR


def test_a_freed_order_does_not_join_a_kept_shipment_whose_top_up_a_kept_order_drew():
    """O1 buys 6 at 24, O2 draws its top-up of 4 at 30, O3 buys 3 at 72 (own shipment).
    Freed, O3 may not take 3 of that top-up by joining O1's shipment: it keeps a shipment."""
    plant = load(ledger_model(capacity=False))
    supplies = (
        Supply("O1", "M", 6, "S", "standard", 24),
        Supply("O2", "M", 4, "stock"),
        Supply("O3", "M", 3, "S", "standard", 72),
    )
    plan = hand_plan(plant, supplies, {"O1": 24, "O2": 30, "O3": 72})
    assert check_plan(plant, plan) == [] and plan.objective_units == 200 * EUR
    assert keep_surplus_sources(plant, plan, {"O3"}) == {"O3"}
    sub = lns.sub_plant(plant, plan, {"O3"})
    assert sub.materials["M"].stock == 0 and sub.materials["M"].receipts == ()
    repaired = solve(build(sub, lns.restrict(plan, {"O3"})))
    merged = with_objective(plant, lns.merge(plan, repaired, {"O3"}, plant))
    assert check_plan(plant, merged) == []
    assert merged.objective_units == 200 * EUR
    (o3,) = [s for s in merged.supplies if s.order == "O3"]
    assert o3.source == "S" and o3.arrival != 24


def test_lns_from_a_shipment_per_order_keeps_every_merged_plan_valid(plant, monkeypatch):
    """One order a neighbourhood, from the plan with three shipments: each order freed alone
    may draw the others' top-ups; every plan merged on the way is valid."""
    own = Supply("O3", "M", 8, "S", "standard", 72)
    start = hand_plan(plant, (O1_AT_24, O2_AT_48, own), {"O1": 24, "O2": 48, "O3": 72})
    assert check_plan(plant, start) == [] and start.objective_units == 720_000
    merged = record_calls(monkeypatch, lns, "merge")
    searching = plant.with_settings(
        search="lns", time_limit=2, lns_step_limit=0.5, lns_supply_orders=1
    )
    result = lns.improve(searching, start)
    assert merged
    for candidate in merged:
        violations = check_plan(plant, candidate)
        assert violations == [], "\n".join(map(str, violations))
    assert check_plan(plant, result) == []
    assert result.objective_units == sum(objective_units(plant, result).values())
    assert result.objective_units < start.objective_units
    assert from_stock(result)  # a top-up was drawn


# 8. The daily loop: a placed shipment arrives whole -----------------------------------------


def test_a_placed_shipment_rolls_into_a_receipt_of_its_whole_quantity(plant, off):
    """At 12, O1's shipment (ordered by 0) is placed, O2's (ordered by 24) is not. It comes as
    a receipt of all 10 units; with the setting off of the 6 pegged to O1. The rolled plant
    then buys 10 more (100 EUR), or 20 with the setting off (200 EUR)."""
    baseline = hand_plan(plant, DRAWN, DRAWN_STARTS)
    assert [(p.order_by, p.quantity) for p in baseline.purchases] == [(0, 10), (24, 10)]
    rolled = roll_to(plant, baseline, 12)
    assert rolled.materials["M"].receipts == (Receipt("S-M-24", "M", 10, 24, "S"),)
    assert cpsat(rolled).objective_units == 100 * EUR
    rolled_off = roll_to(off, baseline, 12)
    assert rolled_off.materials["M"].receipts == (Receipt("S-M-24", "M", 6, 24, "S"),)
    assert cpsat(rolled_off).objective_units == 200 * EUR
    # Before the order-by time nothing is placed.
    assert roll_to(plant, baseline, 0).materials["M"].receipts == ()


def available(plant, by: int = HORIZON) -> int:
    """Units of M on hand and received by tick ``by`` in ``plant``."""
    return sum(units for tick, units in sources.stock_events(plant, "M") if tick <= by)


def test_a_placed_shipment_whose_order_started_leaves_its_surplus_in_stock(plant, off):
    """At 30 O1 has started (it drew its 6 at 24): the 4 surplus units of its shipment are on
    the shelf, for O3. O2's shipment (ordered by 24) comes as a receipt of 10. O2 and O3 need
    14 = 4 + 10: the rolled plant buys nothing. Off: O2's 6 only, and O3 buys a shipment
    (100 EUR)."""
    baseline = hand_plan(plant, DRAWN, DRAWN_STARTS)
    rolled = roll_to(plant, baseline, 30)
    assert ("O1", 0) in rolled.pins and "M" not in sources.requirements(rolled, "O1")
    assert available(rolled, 30) == 4
    assert available(rolled) == 14
    assert cpsat(rolled).objective_units == 0
    rolled_off = roll_to(off, baseline, 30)
    assert available(rolled_off, 30) == 0 and available(rolled_off) == 6
    assert cpsat(rolled_off).objective_units == 100 * EUR


def test_a_placed_shipment_shared_with_a_started_order_leaves_what_that_order_did_not_draw():
    """Ledger plant: O1 (6) and O3 (3) share the shipment arriving at 24 (1 surplus), O2 buys
    its 4 in its own at 48. At 30 O1 has started and drawn its 6: of the first shipment 4 are
    left (O3's 3 and the surplus), and the second comes whole (10): 14 in all. Off: the units
    pegged to orders still to draw, 3 + 4 = 7."""
    plant = load(ledger_model())
    supplies = (
        Supply("O1", "M", 6, "S", "standard", 24),
        Supply("O3", "M", 3, "S", "standard", 24),
        Supply("O2", "M", 4, "S", "standard", 48),
    )
    baseline = hand_plan(plant, supplies, {"O1": 24, "O2": 48, "O3": 100})
    assert check_plan(plant, baseline) == []
    assert shipments(baseline) == [(10, ("O1", "O3")), (10, ("O2",))]
    rolled = roll_to(plant, baseline, 30)
    assert available(rolled, 30) == 4
    assert available(rolled) == 14
    rolled_off = roll_to(plant.with_settings(surplus_to_stock=False), baseline, 30)
    assert available(rolled_off, 30) == 3 and available(rolled_off) == 7


def test_net_change_holds_a_draw_of_a_held_shipments_surplus():
    released = load(surplus_model())
    plan = hand_plan(released, DRAWN, DRAWN_STARTS)
    same = net_change(released, plan, released)
    assert same.displaced == [] and same.changed == []
    assert set(same.baseline.supplies) == set(DRAWN)
    assert check_plan(released, same.baseline) == []
    # O2's quantity changes: its shipment is re-planned and no longer brings O3's 4 more.
    model = surplus_model()
    model["orders"][1]["quantity"] = 5
    today = load(model)
    changed = net_change(released, plan, today)
    assert "O2" in changed.changed and changed.displaced == ["O3"]
    assert any("O3 is re-planned: stock of M" in note for note in changed.notes)


# 9. The setting is a boolean ---------------------------------------------------------------


def test_a_surplus_to_stock_that_is_not_true_or_false_is_refused(tmp_path, capsys):
    model = surplus_model()
    model["settings"]["surplus_to_stock"] = "maybe"
    path = write_model(tmp_path, model)
    assert run_cli(["validate", str(path)], path).code == 2
    err = capsys.readouterr().err
    assert "surplus_to_stock" in err and "valid boolean" in err and "Traceback" not in err
