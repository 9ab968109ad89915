"""ERP in and out (issue 12, item 5): tables of a plant file from CSV or Excel through a column
map, and the per-order, purchase and pegging CSVs out."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import pandas as pd
import pytest
import yaml

from solver.domain.errors import DataError
from solver.input.loading import load_plant, load_plant_data
from solver.input.schema import PlantFile
from solver.input.tables import table_files
from solver.report.files import (
    orders_frame,
    pegging_frame,
    purchases_frame,
    write_orders_csv,
    write_pegging_csv,
    write_purchases_csv,
)
from solver.solve.dispatch import best_dispatch
from tests.conftest import ROOT, base_model, write_model

MODELS = ROOT / "models"
ERP = MODELS / "demo-erp"
HEADERS = {"id": "Order ID", "customer": "Client", "product": "Item", "quantity": "Qty"}
HEADERS |= {"due": "Delivery Date", "price": "Unit Price"}


def problems_of(path):
    with pytest.raises(DataError) as caught:
        load_plant(path)
    return caught.value.problems


def sheet(tmp_path, rows, name="orders.xlsx", sheet_name="SO"):
    """A workbook of orders with the ERP's headers (dates as dd.mm.yyyy text)."""
    frame = pd.DataFrame(rows, columns=list(HEADERS.values()))
    frame.to_excel(tmp_path / name, sheet_name=sheet_name, index=False)
    return name


def order_row(ident, due="24.11.2026", quantity=1):
    return [ident, "C", "P", quantity, due, 2.0]


def excel_source(name, **more):
    return {"file": name, "sheet": "SO", "columns": HEADERS, "date_format": "%d.%m.%Y", **more}


def model_with_orders(tmp_path, orders):
    model = base_model()
    model["orders"] = orders
    return write_model(tmp_path, model)


# The bundled Excel and semicolon CSV exports.


def test_the_erp_export_gives_the_demo_book():
    demo, erp = load_plant(MODELS / "demo.yaml"), load_plant(ERP / "demo-erp.yaml")
    assert erp.orders == demo.orders  # ids, customers, products, quantities, dues, prices...
    assert {o.channel for o in erp.orders.values()} == {"phone", "EDI", "email", "web"}
    assert erp.pins == demo.pins and erp.customers == demo.customers
    assert erp.warnings == ()
    yaml_file, workbook, phone = (
        ERP / n for n in ("demo-erp.yaml", "orders.xlsx", "phone-orders.csv")
    )
    assert erp.files == (str(yaml_file), str(workbook), str(phone))
    parts = b"".join(p.read_bytes() for p in (yaml_file, workbook, phone))
    assert erp.input_hash == hashlib.sha256(parts).hexdigest()


def test_each_export_loads_alone_through_its_column_map(tmp_path):
    """The workbook (dd.mm.yyyy text dates) and the semicolon CSV (sniffed, decimal comma,
    dd/mm/yyyy, channel from the plant file) each give their part of the demo's book."""
    demo = load_plant(MODELS / "demo.yaml")
    raw = yaml.safe_load((ERP / "demo-erp.yaml").read_text())
    for source in raw["orders"]:
        data = {**raw, "orders": [source], "wip": []}  # the wip names phone orders
        plant = load_plant_data(data, "erp.yaml", ERP)
        assert plant.orders and all(o == demo.orders[k] for k, o in plant.orders.items())
    assert (ERP / "phone-orders.csv").read_text().count(";") > 40
    assert len(pd.read_excel(ERP / "orders.xlsx", sheet_name="SO")) == 32


def test_excel_date_cells_and_iso_text_mean_the_same_day(tmp_path):
    frame = pd.DataFrame(
        {"id": ["O1", "O2"], "customer": "C", "product": "P", "quantity": 1, "price": 2.0}
    )
    frame["due"] = [datetime(2026, 11, 24), datetime(2026, 11, 24, 14, 30)]
    frame.to_excel(tmp_path / "book.xlsx", index=False)
    plant = load_plant(model_with_orders(tmp_path, {"file": "book.xlsx"}))
    grid = plant.grid
    assert grid.to_datetime(plant.orders["O1"].due) == datetime(2026, 11, 25)  # end of the 24th
    assert grid.to_datetime(plant.orders["O2"].due) == datetime(2026, 11, 24, 14, 30)


def test_several_files_into_one_book_with_channels(tmp_path):
    sheet(tmp_path, [order_row("O1"), order_row("O2")])
    (tmp_path / "phone.csv").write_text(
        "Order ID\tClient\tItem\tQty\tDelivery Date\tUnit Price\tchannel\n"
        "O3\tC\tP\t1\t24.11.2026\t2.0\t\n"
        "O4\tC\tP\t1\t24.11.2026\t2.0\tfax\n"
    )
    inline = {"id": "O5", "customer": "C", "product": "P", "quantity": 1, "due": "2026-11-24"}
    sources = [
        excel_source("orders.xlsx", channel="EDI"),
        excel_source("phone.csv", channel="phone", sheet=None),
        {**inline, "price": 2.0},
    ]
    plant = load_plant(model_with_orders(tmp_path, sources))
    channels = {k: o.channel for k, o in plant.orders.items()}
    assert channels == {"O1": "EDI", "O2": "EDI", "O3": "phone", "O4": "fax", "O5": ""}
    assert [f.rsplit("/", 1)[-1] for f in plant.files] == ["plant.yaml", "orders.xlsx", "phone.csv"]


def test_extra_columns_are_ignored_with_a_warning(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "id;customer;product;quantity;due;price;Sales Rep;Margin\nO1;C;P;1;2026-11-24;2.0;Kim;0.3\n"
    )
    plant = load_plant(model_with_orders(tmp_path, {"file": "orders.csv"}))
    assert list(plant.orders) == ["O1"]
    (note,) = plant.warnings
    assert note.file.endswith("orders.csv") and note.record == "line 1"
    assert "'Sales Rep', 'Margin'" in note.message and "ignored" in note.message


def test_a_file_name_for_orders_keeps_todays_strict_header(tmp_path):
    """``orders: file.csv`` reads as it always did: an unknown column is an error there."""
    (tmp_path / "orders.csv").write_text(
        "id,customer,product,quantity,due,price,Sales Rep\nO1,C,P,1,2026-11-24,2.0,Kim\n"
    )
    (problem,) = problems_of(model_with_orders(tmp_path, "orders.csv"))
    assert (problem.record, problem.field) == ("line 1", "Sales Rep")
    assert "unknown column 'Sales Rep'" in problem.message


# Errors name the file, the row and the column.


def test_missing_column_names_file_column_and_the_columns_found(tmp_path):
    sheet(tmp_path, [order_row("O1")])
    columns = {**HEADERS, "price": "Net Price"}
    source = {**excel_source("orders.xlsx"), "columns": columns}
    (problem,) = problems_of(model_with_orders(tmp_path, source))
    assert problem.file.endswith("orders.xlsx") and problem.record == "row 1"
    assert problem.field == "Net Price" and "no column 'Net Price'" in problem.message
    assert "'Order ID', 'Client'" in problem.message

    (tmp_path / "orders.csv").write_text("id,customer,product,due,price\nO1,C,P,2026-11-24,2\n")
    (problem,) = problems_of(model_with_orders(tmp_path, {"file": "orders.csv"}))
    assert (problem.record, problem.field) == ("line 1", "quantity")
    assert "missing column 'quantity'" in problem.message and "'due', 'price'" in problem.message


def test_bad_date_cell_names_file_row_and_column(tmp_path):
    sheet(tmp_path, [order_row("O1"), order_row("O2", due="31.11.2026")])
    (problem,) = problems_of(model_with_orders(tmp_path, excel_source("orders.xlsx")))
    assert problem.file.endswith("orders.xlsx")
    assert (problem.record, problem.field) == ("orders 'O2' (row 3)", "Delivery Date")
    assert "cannot read date '31.11.2026' with date_format '%d.%m.%Y'" in problem.message


def test_model_rules_name_the_column_header(tmp_path):
    sheet(tmp_path, [order_row("O1", quantity=0), ["O2", "NOPE", "P", 1, "24.11.2026", 2.0]])
    problems = problems_of(model_with_orders(tmp_path, excel_source("orders.xlsx")))
    found = {(p.record, p.field): p for p in problems}
    assert set(found) == {("orders 'O1' (row 2)", "Qty"), ("orders 'O2' (row 3)", "Client")}
    assert all(p.file.endswith("orders.xlsx") for p in problems)
    assert "unknown customer 'NOPE'" in found[("orders 'O2' (row 3)", "Client")].message


def test_duplicate_id_across_files_names_both(tmp_path):
    sheet(tmp_path, [order_row("O1"), order_row("O2")])
    (tmp_path / "phone.csv").write_text(
        "Order ID;Client;Item;Qty;Delivery Date;Unit Price\n\nO2;C;P;1;24.11.2026;2,5\n"
    )
    phone = {**excel_source("phone.csv", decimal=","), "sheet": None}
    (problem,) = problems_of(model_with_orders(tmp_path, [excel_source("orders.xlsx"), phone]))
    assert problem.file.endswith("phone.csv")
    assert (problem.record, problem.field) == ("orders 'O2' (line 3)", "Order ID")
    assert "duplicate id 'O2'" in problem.message
    assert "orders.xlsx: orders 'O2' (row 3)" in problem.message


def test_sheet_and_column_map_mistakes_name_the_plant_file(tmp_path):
    sheet(tmp_path, [order_row("O1")])
    (problem,) = problems_of(
        model_with_orders(tmp_path, {**excel_source("orders.xlsx"), "sheet": "X"})
    )
    assert (
        problem.field == "sheet" and "no sheet 'X' in the workbook; sheets: SO" in problem.message
    )
    source = {**excel_source("orders.xlsx"), "columns": {**HEADERS, "qty": "Qty"}}
    (problem,) = problems_of(model_with_orders(tmp_path, source))
    assert problem.file.endswith("plant.yaml") and problem.field == "columns.qty"
    assert "unknown field 'qty'" in problem.message
    (problem,) = problems_of(model_with_orders(tmp_path, {**excel_source("orders.xlsx"), "x": 1}))
    assert (problem.record, problem.field) == ("orders", "x")


def test_unreadable_files_are_data_errors(tmp_path):
    (tmp_path / "orders.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "orders.csv").write_bytes("id\nÖ1\n".encode("cp1252"))
    for name, message in (
        ("orders.xlsx", "cannot read Excel workbook"),
        ("orders.csv", "is not UTF-8 text"),
        ("missing.csv", "cannot read orders table"),
        ("old.xls", "cannot read .xls workbooks"),
    ):
        (tmp_path / "old.xls").write_bytes(b"x")
        problems = problems_of(model_with_orders(tmp_path, {"file": name}))
        assert any(message in p.message and p.file.endswith(name) for p in problems), problems


def test_nested_sections_cannot_be_tables(tmp_path):
    model = base_model()
    model["products"] = "products.csv"
    problems = problems_of(write_model(tmp_path, model))
    assert any(
        p.record == "products" and "cannot come from a table file" in p.message for p in problems
    )


# Customers, resources, wip and materials (with receipts) from tables too.


def test_other_sections_from_tables(tmp_path):
    model = base_model()
    (tmp_path / "customers.csv").write_text("Account;Class;Limit\nC;A;1000\n")
    (tmp_path / "machines.csv").write_text("id,capacity\nM1,1\nM2,2\n")
    (tmp_path / "down.csv").write_text(
        "machine,from,to,why\nM2,2026-11-24T06:00,2026-11-24T08:00,service\n"
    )
    (tmp_path / "wip.csv").write_text("order,step,resource,start\nO1,s1,M1,2026-11-22T23:30\n")
    model["customers"] = {"file": "customers.csv", "columns": {"id": "Account", "tier": "Class"}}
    model["customers"]["columns"]["credit_limit"] = "Limit"
    down = {"file": "down.csv", "columns": {"resource": "machine", "reason": "why"}}
    model["resources"] = {"file": "machines.csv", "downtime": down}
    model["wip"] = "wip.csv"
    plant = load_plant(write_model(tmp_path, model))
    assert plant.customers["C"].credit_limit == 1000 and plant.customers["C"].tier == "A"
    assert plant.resources["M2"].capacity == 2
    (downtime,) = plant.resources["M2"].downtime
    assert downtime.reason == "service" and plant.resources["M1"].downtime == ()
    assert ("O1", 0) in plant.pins
    assert len(plant.files) == 5 and plant.warnings == ()


def test_materials_and_receipts_from_tables_match_the_yaml(tmp_path):
    """models/stocked.yaml's materials exported as a stock CSV and a receipts workbook."""
    stocked = MODELS / "stocked.yaml"
    raw = yaml.safe_load(stocked.read_text())
    plant = load_plant(stocked)
    stock = pd.DataFrame(
        [{k: m[k] for k in ("id", "unit_cost", "stock") if k in m} for m in raw["materials"]]
    ).rename(columns={"id": "Item", "unit_cost": "Cost", "stock": "On hand"})
    receipts = pd.DataFrame(
        [
            {"PO": r["id"], "Item": m["id"], "Qty": r["quantity"], "ETA": r["arrival"]}
            for m in raw["materials"]
            for r in m.get("receipts", [])
        ]
    )
    receipts["ETA"] = pd.to_datetime(receipts["ETA"])  # real date cells
    stock.to_csv(tmp_path / "stock.csv", index=False)
    receipts.to_excel(tmp_path / "receipts.xlsx", index=False)
    columns = {"id": "Item", "unit_cost": "Cost", "stock": "On hand"}
    receipt_columns = {"id": "PO", "material": "Item", "quantity": "Qty", "arrival": "ETA"}
    source = {"file": "stock.csv", "columns": columns}
    source["receipts"] = {"file": "receipts.xlsx", "columns": receipt_columns}
    tables = load_plant_data({**raw, "materials": source}, "stocked.yaml", tmp_path)
    assert tables.materials == plant.materials


def test_a_receipt_row_names_its_file_row_and_column(tmp_path):
    model = base_model()
    (tmp_path / "stock.csv").write_text("id,stock\nSTEEL,5\n")
    (tmp_path / "po.csv").write_text(
        "material,id,quantity,arrival\nSTEEL,PO-1,5,2026-11-20\nTIN,PO-2,5,2026-11-25\n"
    )
    model["materials"] = {"file": "stock.csv", "receipts": {"file": "po.csv"}}
    problems = {(p.record, p.field): p for p in problems_of(write_model(tmp_path, model))}
    assert all(p.file.endswith("po.csv") for p in problems.values())
    early = problems[("materials 'STEEL' receipts[PO-1] (line 2)", "arrival")]
    assert "before the plan start" in early.message
    assert "unknown material 'TIN'" in problems[("receipts 'PO-2' (line 3)", "material")].message


# The schema and the files outputs must not overwrite.


def test_schema_documents_table_sources():
    schema = PlantFile.model_json_schema(by_alias=True)
    assert "TableSource" in schema["$defs"]
    json.dumps(schema)
    raw = yaml.safe_load((ERP / "demo-erp.yaml").read_text())
    assert [p.name for p in table_files(raw, ERP)] == ["orders.xlsx", "phone-orders.csv"]


# Out: one row per order, one per shipment, and the pegging.


def test_orders_csv_round_trips_into_pandas_with_dates(tmp_path):
    plant = load_plant(ERP / "demo-erp.yaml")
    plan = best_dispatch(plant)
    target = tmp_path / "orders.csv"
    write_orders_csv(plant, plan, target)
    rows = pd.read_csv(target, parse_dates=["due", "promised", "planned_completion"])
    assert len(rows) == 40 and set(rows["status"]) <= {"accepted", "declined", "from stock"}
    source = pd.read_csv(MODELS / "demo-orders.csv", parse_dates=["due"])
    dues = dict(zip(source["id"], source["due"].dt.date, strict=True))
    assert dict(zip(rows["order"], rows["due"].dt.date, strict=True)) == dues
    assert rows.loc[rows["order"] == "SO-1002", "due"].dt.date.item() == date(2026, 11, 26)
    late = rows[rows["late_by_days"] > 0]
    assert (late["promised"].dt.date >= late["planned_completion"].dt.date).all()
    assert (late["promised"] > late["due"]).all()
    on_time = rows[(rows["late_by_days"] == 0) & (rows["status"] == "accepted")]
    assert (on_time["promised"] == on_time["due"]).all()
    assert pd.api.types.is_datetime64_any_dtype(rows["planned_completion"])


def test_pegging_sums_to_what_each_shipment_carries(tmp_path):
    raw = yaml.safe_load((MODELS / "custom.yaml").read_text())
    for supplier in raw["suppliers"]:  # minimum orders of 400: some shipments carry a surplus
        for offer in supplier["offers"]:
            offer["min_order"] = max(offer.get("min_order", 0), 400)
            if offer.get("capacity"):
                offer["capacity"] = max(offer["capacity"], 400)
    plant = load_plant_data(raw, "custom.yaml", MODELS)
    plan = best_dispatch(plant)
    purchases, pegging = purchases_frame(plant, plan), pegging_frame(plant, plan)
    assert len(purchases) == len(plan.purchases) and purchases["shipment"].is_unique
    assert (purchases["surplus"] > 0).any()
    carried = pegging.groupby("shipment")["quantity"].sum()
    by_shipment = purchases.set_index("shipment")
    assert (carried == by_shipment["needed"]).all()
    assert (by_shipment["quantity"] - by_shipment["surplus"] == by_shipment["needed"]).all()
    bought = {s.order for s in plan.supplies if s.source != "stock"}
    assert set(pegging["order"]) == bought
    assert pegging["quantity"].sum() == sum(
        s.quantity for s in plan.supplies if s.source != "stock"
    )
    for name, writer in (("p.csv", write_purchases_csv), ("g.csv", write_pegging_csv)):
        writer(plant, plan, tmp_path / name)
    assert pd.read_csv(tmp_path / "p.csv")["quantity"].sum() == purchases["quantity"].sum()
    assert len(pd.read_csv(tmp_path / "g.csv")) == len(pegging)
    assert len(orders_frame(plant, plan)) == len(plant.orders)


def test_due_column_holds_moments_when_an_order_is_due_at_a_time_of_day(tmp_path):
    model = base_model()  # O1 is due 2026-11-23T02:00
    model["orders"].append({**model["orders"][0], "id": "O2", "due": "2026-11-23"})
    plant = load_plant(write_model(tmp_path, model))
    write_orders_csv(plant, best_dispatch(plant), tmp_path / "orders.csv")
    rows = pd.read_csv(tmp_path / "orders.csv", parse_dates=["due", "promised"])
    assert list(rows["due"]) == [pd.Timestamp("2026-11-23 02:00"), pd.Timestamp("2026-11-24")]
    assert list(rows["promised"].dt.date) == [date(2026, 11, 23)] * 2
