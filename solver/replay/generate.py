"""Seeded generator of plants shaped like models/demo.yaml, at any number of orders.

The plant is ``k`` copies ("cells") of the demo's resources; steps that have alternatives in
the demo may also use the next cell's first alternative, so cells share work. Orders get a
product, customer, quantity, due date, price and status drawn from the seed, spread over a
number of weeks that grows with the order count.

It lives in the package so that ``replan bench`` suites can generate plants; the template is
a plant file (``models/demo.yaml`` of the repository by default).

Usage::

    python -m benchmarks.generate --orders 1000 --seed 1 > plant.yaml
    python -m benchmarks.generate --orders 200 --seed 1 --materials > plant.yaml
    python -m benchmarks.generate --orders 40 --seed 7 --orders-csv models/demo-orders.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "models" / "demo.yaml"
CHANNELS = ("EDI", "EDI", "web", "phone", "email")
# Which customers buy which product families (the demo's customers).
BUYERS = {
    "industrial": ["ACME", "BRIX", "SMALL"],
    "sensing": ["BRIX", "ACME", "WEBSHOP"],
    "power": ["VOLT", "ACME", "SMALL"],
    "connectivity": ["BRIX", "VOLT", "WEBSHOP"],
    "lighting": ["NORD", "WEBSHOP", "SMALL"],
}


def scale(orders: int) -> tuple[int, int]:
    """Cells and order weeks for a plant of ``orders`` orders (40 orders -> 1 cell, 3 weeks)."""
    cells = max(1, round(math.sqrt(orders / 40)))
    weeks = max(3, round(3 * orders / (40 * cells)))
    return cells, weeks


def _cell_id(rid: str, cell: int) -> str:
    return rid if cell == 0 else f"{rid}-{cell + 1}"


def build_structure(template: dict, cells: int) -> dict:
    """Resources and products of ``cells`` copies of the template plant."""
    resources = []
    for cell in range(cells):
        for res in template["resources"]:
            copy = dict(res, id=_cell_id(res["id"], cell))
            copy["name"] = f"{res.get('name', res['id'])}" + (f" / cell {cell + 1}" if cell else "")
            copy.pop("downtime", None)
            resources.append(copy)
    products = []
    for cell in range(cells):
        for prod in template["products"]:
            routing = []
            for step in prod["routing"]:
                options = [
                    dict(o, resource=_cell_id(o["resource"], cell)) for o in step["resources"]
                ]
                if len(step["resources"]) > 1 and cells > 1:
                    neighbour = dict(step["resources"][0])
                    neighbour["resource"] = _cell_id(neighbour["resource"], (cell + 1) % cells)
                    options.append(neighbour)
                routing.append(dict(step, resources=options))
            pid = prod["id"] if cell == 0 else f"{prod['id']}@{cell + 1}"
            products.append(dict(prod, id=pid, routing=routing))
    return {"resources": resources, "products": products}


def generate_orders(template: dict, count: int, seed: int, cells: int, weeks: int) -> list[dict]:
    """``count`` orders for the template's products and customers, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    start = _as_datetime(template["plant"]["start"])
    products = template["products"]
    weekdays = [start.date() + timedelta(days=d) for d in range(2, weeks * 7)]
    weekdays = [d for d in weekdays if d.weekday() < 5]
    orders = []
    for n in range(count):
        product = products[int(rng.integers(len(products)))]
        cell = int(rng.integers(cells))
        buyers = BUYERS[product["family"]]
        customer = buyers[int(rng.choice(len(buyers), p=[0.5, 0.3, 0.2]))]
        quantity = int(rng.choice([100, 150, 200, 250, 300, 400, 500]))
        due: date = weekdays[int(rng.integers(len(weekdays)))]
        markup = float(rng.uniform(1.15, 1.8))
        status = str(rng.choice(["firm", "proposed", "forecast"], p=[0.85, 0.1, 0.05]))
        row = {
            "id": f"SO-{1001 + n}",
            "customer": customer,
            "product": product["id"] if cell == 0 else f"{product['id']}@{cell + 1}",
            "quantity": quantity,
            "due": due.isoformat(),
            "price": round(product["unit_cost"] * markup, 2),
            "release": "",
            "status": status,
            "channel": CHANNELS[int(rng.integers(len(CHANNELS)))],
        }
        if rng.random() < 0.3:
            lead = int(rng.integers(4, 9))
            release = due - timedelta(days=lead)
            if release > start.date():
                row["release"] = release.isoformat()
        orders.append(row)
    return orders


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# Materials of the supply layer: a bare board per product family, plus shared parts.
FAMILY_BOARD = {
    "industrial": "PCB-IND",
    "sensing": "PCB-SENS",
    "power": "PCB-PWR",
    "connectivity": "PCB-GW",
    "lighting": "PCB-LED",
}
SHARED_PART = {
    "industrial": "MCU",
    "sensing": "MCU",
    "connectivity": "MCU",
    "power": "MAGNETICS",
    "lighting": "MAGNETICS",
}


def add_supply(plant: dict, seed: int) -> None:
    """Bills of materials, stock, receipts and three suppliers, sized from the plant's demand.

    Stock on hand covers about 25 % of what the orders need, a receipt in the second week
    another 15 %; a fast dear supplier and a slow cheap one each sell about the average weekly
    need per week, and a broker sells without limit, slowly and dearly. The fast supplier
    offers air freight.
    """
    rng = np.random.default_rng(seed + 10_000)
    family = {p["id"]: p["family"] for p in plant["products"]}
    for product in plant["products"]:
        product["bom"] = [
            {"material": FAMILY_BOARD[product["family"]], "per_unit": 1},
            {"material": SHARED_PART[product["family"]], "per_unit": 1},
        ]
    demand = dict.fromkeys(
        [line["material"] for product in plant["products"] for line in product["bom"]], 0
    )
    for order in plant["orders"]:
        for line in (FAMILY_BOARD, SHARED_PART):
            material = line[family[order["product"]]]
            demand[material] += order["quantity"]
    weeks = int(str(plant["plant"]["horizon"]).removesuffix("w")) - 1
    start = _as_datetime(plant["plant"]["start"]).date()
    materials, fast, slow, broker = [], [], [], []
    for material, need in sorted(demand.items()):
        price = round(float(rng.uniform(0.8, 4.0)), 2)
        weekly = max(500, round(need / weeks, -2))
        materials.append(
            {
                "id": material,
                "unit_cost": price,
                "stock": int(need * 0.25),
                "receipts": [
                    {
                        "id": f"PO-{material}",
                        "quantity": int(need * 0.15),
                        "arrival": (start + timedelta(days=9)).isoformat(),
                    }
                ]
                if need >= 10
                else [],
            }
        )
        fast.append(
            {
                "material": material,
                "lead_time": "3d",
                "price": round(price * 1.25, 2),
                "capacity": weekly,
                "expedite": [
                    {
                        "name": "air",
                        "lead_time": "1d",
                        "cost_per_unit": 0.3,
                        "cost_per_shipment": 150,
                    }
                ],
            }
        )
        slow.append(
            {
                "material": material,
                "lead_time": "8d",
                "price": price,
                "capacity": weekly,
                "min_order": 500,
            }
        )
        broker.append({"material": material, "lead_time": "12d", "price": round(price * 1.6, 2)})
    plant["materials"] = materials
    plant["suppliers"] = [
        {"id": "FASTPARTS", "reliability": 0.95, "offers": fast},
        {"id": "CHEAPFAB", "reliability": 0.8, "offers": slow},
        {"id": "BROKER", "reliability": 0.9, "offers": broker},
    ]


def generate_plant(
    orders: int,
    seed: int,
    materials: bool = False,
    template_path: Path | None = None,
    changeover: str | None = None,
) -> dict:
    """A whole plant file (as a dict) with ``orders`` orders, with a supply layer if asked.

    The template's changeover matrices are copied to every cell's machines; ``changeover``
    (a duration such as ``30m``) gives every SMT line a matrix with that time between any two
    different product families instead.
    """
    template = yaml.safe_load((template_path or TEMPLATE).read_text())
    cells, weeks = scale(orders)
    plant = dict(template["plant"], name=f"Generated plant: {orders} orders, seed {seed}")
    plant["horizon"] = f"{weeks + 1}w"
    plant["start"] = str(template["plant"]["start"])
    result = {
        "plant": plant,
        "settings": template.get("settings", {}),
        "calendars": template["calendars"],
    }
    result.update(build_structure(template, cells))
    result["customers"] = template["customers"]
    rows = generate_orders(template, orders, seed, cells, weeks)
    result["orders"] = [{k: v for k, v in row.items() if v != ""} for row in rows]
    if materials:
        add_supply(result, seed)
    matrices = add_changeovers(template, cells, changeover)
    if matrices:
        result["changeovers"] = matrices
    return result


def add_changeovers(template: dict, cells: int, changeover: str | None) -> list[dict]:
    """Changeover matrices for the generated machines (see ``generate_plant``)."""
    if changeover is not None:
        lines = [r["id"] for r in template["resources"] if r["id"].startswith("SMT")]
        return [
            {"resource": _cell_id(rid, cell), "default": changeover}
            for cell in range(cells)
            for rid in lines
        ]
    return [
        dict(matrix, resource=_cell_id(matrix["resource"], cell))
        for cell in range(cells)
        for matrix in template.get("changeovers", [])
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--materials", action="store_true", help="add BOMs, stock, suppliers")
    parser.add_argument(
        "--changeover", help="a changeover time between product families on every SMT line"
    )
    parser.add_argument(
        "--orders-csv",
        type=Path,
        help="write only the orders table (for the template's own structure)",
    )
    args = parser.parse_args(argv)
    if args.orders_csv:
        template = yaml.safe_load(TEMPLATE.read_text())
        rows = generate_orders(template, args.orders, args.seed, 1, scale(args.orders)[1])
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        args.orders_csv.write_text(buffer.getvalue())
        return
    plant = generate_plant(args.orders, args.seed, args.materials, changeover=args.changeover)
    yaml.safe_dump(plant, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
