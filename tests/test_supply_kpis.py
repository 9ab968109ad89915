"""Supply KPIs: cost split, supplier shares and capacity use, orders waiting on material."""

from __future__ import annotations

import pytest

from solver.facts.supply_kpis import compute_supply_kpis
from tests.conftest import solve_checked
from tests.cpsat.test_materials import capacity_model, stock_model, supply_model


def test_orders_held_by_a_supplier_are_named_with_material_and_supplier(make_plant):
    plant = make_plant(supply_model(expedite_per_shipment=5000))
    kpis = compute_supply_kpis(plant, solve_checked(plant))
    # O1 and O3 wait for M from S; O2 needs no material. Only the first of the two starts
    # the moment M arrives; the other waits for the machine, not for M.
    assert [(w.order, w.material, w.source, w.ready) for w in kpis.waiting][:1] in (
        [("O1", "M", "S", 1440)],
        [("O3", "M", "S", 1440)],
    )
    assert len(kpis.waiting) == 1
    assert kpis.purchase_cost == pytest.approx(2) and kpis.expedite_cost == 0
    assert kpis.shipments == 1 and kpis.expedited_shipments == 0


def test_supplier_shares_and_capacity_use(make_plant):
    plant = make_plant(capacity_model())
    kpis = compute_supply_kpis(plant, solve_checked(plant))
    shares = {u.supplier: (u.units, u.share, u.peak_use) for u in kpis.suppliers}
    assert shares == {"CHEAP": (100, 0.5, 1.0), "DEAR": (100, 0.5, 0.1)}


def test_an_order_waiting_for_a_receipt_is_held_by_stock(make_plant):
    plant = make_plant(stock_model())
    kpis = compute_supply_kpis(plant, solve_checked(plant))
    assert [(w.source, w.ready) for w in kpis.waiting] == [("stock", 2880)]
