"""A split need in the daily loop (issue 18 item 3): net change keeps a released split part by
part, and a split's purchase that today's files show as received becomes stock.

Monday 00:00, hourly grid. O1 needs 12 M; 10 are in stock and S flies M in a day after
ordering (50 EUR a unit on top of the price), its standard lead time being five days. O1 is
due on Wednesday, so the released plan takes the 10 in stock and flies in 2, ordered on
Monday to arrive on Tuesday 00:00 (tick 24).
"""

from __future__ import annotations

import copy

import pytest

from solver.changes.net_change import net_change
from solver.changes.rolling import roll_to
from solver.facts.checker import check_plan
from solver.input.loading import load_plant_data
from solver.solve.dispatch import best_dispatch
from tests.test_split_needs import split_model


def daily_model() -> dict:
    """The split plant of ``test_split_needs`` with O1 released on Tuesday 06:00, so that a day
    later its step has not started."""
    model = split_model()
    model["orders"][0]["release"] = "2026-11-24T06:00"
    return model


MODEL = daily_model()


@pytest.fixture(scope="module")
def yesterday():
    return load_plant_data(copy.deepcopy(MODEL), "split-daily.yaml")


@pytest.fixture(scope="module")
def released(yesterday):
    plan = best_dispatch(yesterday)
    assert check_plan(yesterday, plan) == []
    rows = sorted((s.source, s.mode, s.quantity, s.arrival) for s in plan.supplies)
    assert rows == [("S", "air", 2, 24), ("stock", "", 10, None)]
    return plan


def a_day_later(receipt: bool):
    """Tuesday 00:00: O1's step has not started; with ``receipt``, today's files show the 2
    flown-in units as a receipt from S arriving at 00:00."""
    raw = copy.deepcopy(MODEL)
    raw["plant"]["start"] = "2026-11-24T00:00"
    if receipt:
        raw["materials"][0]["receipts"] = [
            {"id": "AIR-1", "quantity": 2, "arrival": "2026-11-24T00:00", "supplier": "S"}
        ]
    return load_plant_data(raw, "split-daily.yaml")


def test_a_released_split_is_held_part_by_part(yesterday, released):
    nc = net_change(yesterday, released, yesterday)
    assert nc.displaced == []
    rows = sorted((s.source, s.quantity) for s in nc.baseline.supplies if s.order == "O1")
    assert rows == [("S", 2), ("stock", 10)]
    assert check_plan(yesterday, nc.baseline) == []


def test_a_received_split_purchase_joins_the_stock_part(yesterday, released):
    today = a_day_later(receipt=True)
    nc = net_change(yesterday, released, today)
    assert "O1" not in nc.displaced
    rows = [(s.source, s.quantity) for s in nc.baseline.supplies if s.order == "O1"]
    assert rows == [("stock", 12)]
    assert check_plan(today, nc.baseline) == []


def test_a_split_purchase_not_placed_displaces_the_order_with_why(yesterday, released):
    today = a_day_later(receipt=False)
    nc = net_change(yesterday, released, today)
    assert nc.displaced == ["O1"]
    why = next(note for note in nc.notes if "O1" in note)
    assert "was to be ordered by" in why and "no new receipt of M from S" in why


@pytest.mark.parametrize("surplus_to_stock, arriving", [(False, 2), (True, 5)])
def test_rolling_past_a_split_purchase_receives_its_shipment_not_the_whole_need(
    surplus_to_stock, arriving
):
    """With a minimum order of 5, the released plan flies in 5 M for O1's 2. At Monday 01:00
    that purchase (to be ordered at 00:00) is placed: it arrives as a receipt of the 2 units
    pegged to it, or of all 5 when the surplus goes to stock; never of O1's whole need (12)."""
    raw = copy.deepcopy(MODEL)
    raw["suppliers"][0]["offers"][0]["min_order"] = 5
    raw["settings"]["surplus_to_stock"] = surplus_to_stock
    plant = load_plant_data(raw, "split-daily.yaml")
    plan = best_dispatch(plant)
    assert sorted((s.source, s.quantity) for s in plan.supplies) == [("S", 2), ("stock", 10)]
    assert [(p.quantity, p.arrival) for p in plan.purchases] == [(5, 24)]
    rolled = roll_to(plant, plan, now=1)
    (receipt,) = rolled.materials["M"].receipts
    assert (receipt.quantity, receipt.arrival, receipt.supplier) == (arriving, 24, "S")
    assert rolled.materials["M"].stock == 10  # O1 has not started: nothing drawn yet
