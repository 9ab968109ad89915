"""Projected available balance (DOMAIN.md, seed 002) and its shortfall flags."""

from __future__ import annotations

from datetime import timedelta

from solver.domain.plan import OrderOutcome, Plan
from solver.facts.balances import product_balances, projected_balance, shortfalls
from tests.conftest import base_model

DAY = 1440


def test_projected_balance_formula():
    assert projected_balance(14, [15], [50]) == [49]
    assert projected_balance(30, [10, 6, 15], [0, 0, 50]) == [20, 14, 49]


def worked_example(make_plant, big_batch_done_in_week: int) -> tuple:
    """Seed 002's example as a plant over three weeks: 30 units of P on hand; 10 due in week
    1, 6 in week 2, 15 in week 3 (all shipped from stock), and a batch of 50 due after the
    horizon that the plan completes in week ``big_batch_done_in_week``, like the seed's
    production for stock."""
    model = base_model()
    model["plant"]["horizon"] = "21d"
    model["products"][0]["stock"] = 30
    base = model["orders"][0]
    model["orders"] = [
        dict(base, id="W1", quantity=10, due="2026-11-25"),
        dict(base, id="W2", quantity=6, due="2026-12-02"),
        dict(base, id="W3", quantity=15, due="2026-12-09"),
        dict(base, id="BATCH", quantity=50, due="2026-12-16", status="proposed"),
    ]
    plant = make_plant(model)
    outcomes = [
        OrderOutcome(oid, True, None, plant.orders[oid].due, 0, from_stock=True)
        for oid in ("W1", "W2", "W3")
    ]
    done = (big_batch_done_in_week - 1) * 7 * DAY + 3 * DAY
    outcomes.append(OrderOutcome("BATCH", True, done, plant.orders["BATCH"].due, 0))
    plan = Plan("tiny", plant.grid.start, timedelta(minutes=1), "HAND", (), tuple(outcomes))
    return plant, plan


def test_week_three_balance_is_49_when_the_50_are_made(make_plant):
    plant, plan = worked_example(make_plant, big_batch_done_in_week=3)
    rows = product_balances(plant, plan)
    week3 = rows[2]
    assert (rows[1].balance, week3.demand, week3.supply, week3.balance) == (14, 15, 50, 49)
    assert [r.balance for r in rows] == [20, 14, 49]
    assert shortfalls(plant, plan) == []


def test_week_three_at_risk_when_the_50_are_not_made(make_plant):
    # Production of the 50 slips past week 3: week 3 holds 14 - 15 = -1, a break in supply.
    plant, plan = worked_example(make_plant, big_batch_done_in_week=4)
    rows = product_balances(plant, plan)
    assert rows[2].balance == -1 and rows[2].shortfall
    assert [(r.item, r.period, r.balance) for r in shortfalls(plant, plan)] == [("P", 3, -1)]
