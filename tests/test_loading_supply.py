"""Validation of materials, suppliers, bills of materials and finished goods."""

from __future__ import annotations

import pytest

from solver.input.loading import load_plant
from tests.conftest import ROOT
from tests.cpsat.test_materials import supply_model
from tests.test_loading import only_problem, problems_of


def test_custom_model_loads_with_six_suppliers_and_no_stock():
    plant = load_plant(ROOT / "models" / "custom.yaml")
    assert len(plant.suppliers) == 6 and len(plant.materials) == 4
    assert all(not m.stocked for m in plant.materials.values())
    assert all(p.bom and not p.stock for p in plant.products.values())
    # Padded lead time: Cheapweave delivers on time 80 % of the time, 9 days -> 11.25 days.
    from solver.supply.sources import effective_lead

    cheapweave = plant.suppliers["CHEAPWEAVE"]
    days = effective_lead(plant, cheapweave, cheapweave.offers["FABRIC"].modes[0]) / 96
    assert days == pytest.approx(11.25)


def test_unknown_material_in_bom_and_offer(tmp_path):
    model = supply_model()
    model["products"][0]["bom"][0]["material"] = "STEEL"
    model["suppliers"][0]["offers"][0]["material"] = "COPPER"
    found = {(p.record, p.field): p.message for p in problems_of(tmp_path, model)}
    assert "unknown material 'STEEL'; known: M" in found[("products 'P'", "bom['STEEL'].material")]
    assert "unknown material 'COPPER'" in found[("suppliers 'S'", "offers['COPPER'].material")]


def test_material_without_any_source(tmp_path):
    model = supply_model()
    model["suppliers"] = []
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("products 'P'", "bom['M'].material")
    assert "no stock, no open receipt and no supplier offer" in problem.message


def test_expedite_must_be_faster_than_standard(tmp_path):
    model = supply_model(expedite_per_shipment=10)
    model["suppliers"][0]["offers"][0]["expedite"][0]["lead_time"] = "2d"
    problem = only_problem(tmp_path, model)
    assert problem.field == "offers['M'].expedite[0].lead_time"
    assert "not shorter than the standard lead time" in problem.message


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        (("suppliers", 0, "reliability"), 1.5, "reliability", "less than or equal to 1"),
        (("suppliers", 0, "reliability"), 0, "reliability", "greater than 0"),
        (("suppliers", 0, "offers", 0, "capacity"), 0, "offers['M'].capacity", "greater than"),
        (("suppliers", 0, "offers", 0, "price"), -1, "offers['M'].price", "greater than"),
        (("materials", 0, "stock"), -3, "stock", "greater than or equal to 0"),
        (("products", 0, "bom", 0, "per_unit"), 0, "bom['M'].per_unit", "greater than 0"),
    ],
)
def test_supply_field_rules(tmp_path, path, value, field, message):
    model = supply_model()
    node = model
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    problem = only_problem(tmp_path, model)
    assert problem.field == field and message in problem.message


def test_receipt_before_plan_start_belongs_in_stock(tmp_path):
    model = supply_model()
    model["materials"][0]["receipts"] = [{"quantity": 5, "arrival": "2026-11-20"}]
    problem = only_problem(tmp_path, model)
    assert problem.field == "receipts[0].arrival" and "belongs in stock" in problem.message


def test_firm_need_beyond_any_single_source(tmp_path):
    model = supply_model()
    model["suppliers"][0]["offers"][0]["capacity"] = 5
    model["orders"][0]["quantity"] = 8
    problem = only_problem(tmp_path, model)
    assert (problem.record, problem.field) == ("orders 'O1'", "quantity")
    assert "no single source" in problem.message and "capacity per period 5" in problem.message


def test_unknown_receipt_supplier(tmp_path):
    model = supply_model()
    model["materials"][0]["receipts"] = [{"quantity": 5, "arrival": "2026-11-24", "supplier": "X"}]
    problem = only_problem(tmp_path, model)
    assert problem.field == "receipts[0].supplier" and "unknown supplier 'X'" in problem.message
