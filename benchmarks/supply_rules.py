"""What a supply rule buys and costs: the same plants planned with one setting on and off.

Usage::

    python -m benchmarks.supply_rules --setting split_needs --limit 20
    python -m benchmarks.supply_rules --setting surplus_to_stock --limit 20

Settings: ``split_needs`` (a need from stock and a purchase together, or from two purchases)
and ``surplus_to_stock`` (a minimum-order surplus goes into stock for later orders). Plants:
``models/realistic.yaml`` (deterministic, 2 workers, seed 0, ``--limit`` units) and the
generated 15-order plant with materials (seed 1; one worker and 60 units, so that both runs
prove their optimum); for ``split_needs`` also that plant with capped suppliers
(``capped``: FASTPARTS delivers at most 150 of a material a week, CHEAPFAB 250 with a
minimum order of 200, so that needs of up to 500 are beyond any one purchase but BROKER's,
at 1.6 times the price and 12 days). Each row gives the plan's objective and status, the
needs the plan splits and those it buys in two purchases, the units bought and the
minimum-order surplus among them, the model's variables and the deterministic time the
solve took; every plan goes through the independent checker. Prints a table and writes
``SETTING.csv`` in ``--out``.
"""

from __future__ import annotations

import argparse
import copy
from collections import Counter
from pathlib import Path

from benchmarks.generate import generate_plant
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.input.loading import load_plant, load_plant_data
from solver.report.bench import write_rows
from solver.solve.search import plan as solve_plan

REALISTIC = Path(__file__).resolve().parent.parent / "models" / "realistic.yaml"
SETTINGS = ("split_needs", "surplus_to_stock")


def run(name: str, plant: Plant, setting: str, on: bool) -> dict:
    """Plan one plant with ``setting`` on or off; the row of the table."""
    plant = plant.with_settings(**{setting: on})
    plan = solve_plan(plant)
    rows = Counter((s.order, s.material) for s in plan.supplies)
    bought_rows = Counter((s.order, s.material) for s in plan.supplies if s.source != "stock")
    bought = sum(p.quantity for p in plan.purchases)
    return {
        "plant": name,
        setting: on,
        "status": plan.status,
        "objective": round(plan.objective, 2),
        "needs_split": sum(n > 1 for n in rows.values()),
        "bought_twice": sum(n > 1 for n in bought_rows.values()),
        "bought": bought,
        "surplus": bought - sum(s.quantity for s in plan.supplies if s.source != "stock"),
        "variables": int(plan.stats.get("variables", 0)),
        "deterministic_time": round(plan.stats.get("deterministic_time", 0.0), 2),
        "violations": len(check_plan(plant, plan)),
    }


def capped(data: dict) -> dict:
    """The generated plant with FASTPARTS at 150 a week per material and CHEAPFAB at 250 (a
    minimum order of 200): needs of 300 to 500 no longer fit one of their purchases."""
    data = copy.deepcopy(data)
    limits = {"FASTPARTS": (150, None), "CHEAPFAB": (250, 200)}
    for supplier in data["suppliers"]:
        if supplier["id"] in limits:
            capacity, minimum = limits[supplier["id"]]
            for offer in supplier["offers"]:
                offer["capacity"] = capacity
                if minimum is not None:
                    offer["min_order"] = minimum
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setting", choices=SETTINGS, default="split_needs")
    parser.add_argument("--limit", type=float, default=20, help="units for the realistic shop")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    common = {"deterministic": True, "seed": 0, "search": "cpsat"}
    realistic = load_plant(REALISTIC).with_settings(**common, workers=2, time_limit=args.limit)
    data = generate_plant(15, 1, materials=True)
    plants = [("realistic", realistic), ("generated 15", load_plant_data(data, "generated.yaml"))]
    if args.setting == "split_needs":
        plants.append(("generated 15 capped", load_plant_data(capped(data), "capped.yaml")))
    rows = [
        run(name, plant.with_settings(**common, workers=1, time_limit=60), args.setting, on)
        if name != "realistic"
        else run(name, plant, args.setting, on)
        for name, plant in plants
        for on in (True, False)
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(rows, args.out / f"{args.setting}.csv")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row.values()) + " |")


if __name__ == "__main__":
    main()
