"""The cost of changeovers: the same plants planned with and without a changeover matrix.

Usage::

    python -m benchmarks.changeovers --orders 40 60 100 200 --changeover 30m --limit 60

Each plant is a generated one (``benchmarks.generate``; 40 orders is one cell, like the
demo) planned deterministic, 2 workers, seed 0: as generated (the engine's ``search: auto``),
and with ``--changeover`` between any two product families on every SMT line, once with the
whole CP-SAT model and once with ``search: auto`` (LNS above ``changeover_lns_above``).
The plan without a matrix is a valid plan of neither kind for the other, but its objective is
a lower bound on the tardiness the matrix leaves (changeovers only add time and cost). Every
plan goes through the independent checker. Prints a table and writes
``changeovers.csv`` in ``--out``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.generate import generate_plant
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis
from solver.input.loading import load_plant
from solver.report.bench import write_rows
from solver.solve.search import plan as solve_plan
from solver.solve.search import uses_lns


def run(orders: int, seed: int, changeover: str | None, limit: float, search: str) -> dict:
    """Plan one generated plant; the row of the table."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        data = generate_plant(orders, seed, changeover=changeover)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        plant = load_plant(path)
    plant = plant.with_settings(time_limit=limit, deterministic=True, workers=2, seed=0)
    plant = plant.with_settings(search=search)
    began = time.perf_counter()
    plan = solve_plan(plant)
    wall = time.perf_counter() - began
    method = "lns" if uses_lns(plant) else "cpsat"
    kpis = compute_kpis(plant, plan)
    count = sum(c for c, _ in kpis.changeovers.values())
    hours = sum(h for _, h in kpis.changeovers.values())
    return {
        "orders": orders,
        "matrix": changeover or "none",
        "search": f"{search} ({method})" if search == "auto" else search,
        "status": plan.status,
        "objective": round(plan.objective, 2),
        "tardiness": round(plan.terms.get("tardiness", 0.0), 2),
        "changeover_cost": round(plan.terms.get("changeover", 0.0), 2),
        "bound": "-" if plan.best_bound is None else round(plan.best_bound, 2),
        "changeovers": count,
        "changeover_hours": round(hours, 1),
        "late_orders": kpis.late_orders,
        "variables": int(plan.stats.get("variables", 0)),
        "wall_s": round(wall, 1),
        "violations": len(check_plan(plant, plan)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[40, 60, 100, 200])
    parser.add_argument("--changeover", default="30m")
    parser.add_argument("--limit", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    rows = []
    for orders in args.orders:
        for changeover, search in (
            (None, "auto"),
            (args.changeover, "cpsat"),
            (args.changeover, "auto"),
        ):
            row = run(orders, args.seed, changeover, args.limit, search)
            rows.append(row)
            print(" | ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(rows, args.out / "changeovers.csv")
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
