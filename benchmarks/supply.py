"""The cost of supply: the same generated plants with and without materials and suppliers.

Usage::

    python -m benchmarks.supply --orders 200 1000 --limits 10 60 --out benchmarks/out

For each size the plant is generated once (seed fixed) and solved by whole-model CP-SAT
(``search: cpsat``, as plants with supply always are) without its supply layer, with it
(stock model ``auto``), and with it under the other stock model, from the same kind of
start (the best dispatch plan, which allocates materials too). Each limit is a fresh solve.
Reports model size, build time, time to first CP-SAT plan, objective and gap; every plan goes
through the independent checker. Writes ``supply.csv`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.generate import generate_plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_money
from solver.input.loading import load_plant
from solver.report.bench import write_rows
from solver.solve.cpsat.materials import uses_reservoir
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch

VARIANTS = {
    "no supply": (False, "auto"),
    "supply (auto)": (True, "auto"),
    "supply (reservoir)": (True, "reservoir"),
    "supply (buckets)": (True, "buckets"),
}


def run_variant(
    orders: int, seed: int, variant: str, limits: list[float], workers: int
) -> list[dict]:
    materials, stock_model = VARIANTS[variant]
    model = generate_plant(orders, seed, materials)
    model["settings"] = {**model.get("settings", {}), "stock_model": stock_model}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(model, sort_keys=False))
        plant = load_plant(path)
    began = time.perf_counter()
    hint = best_dispatch(plant)
    dispatch_seconds = time.perf_counter() - began
    built = build(plant, hint)
    rows = []
    for limit in limits:
        plan = solve(built.with_settings(time_limit=limit, workers=workers, seed=0))
        rows.append(
            {
                "orders": orders,
                "variant": variant,
                "stock_model": stock_models_used(plant, built),
                "variables": built.size()["variables"],
                "constraints": built.size()["constraints"],
                "dispatch_s": round(dispatch_seconds, 2),
                "build_s": round(built.build_seconds, 2),
                "limit_s": limit,
                "status": plan.status,
                "first_plan_s": round(plan.stats.get("first_solution_seconds", -1), 2),
                "dispatch_objective": round(sum(objective_money(plant, hint).values()), 2),
                "objective": round(plan.objective, 2),
                "gap": None if plan.gap is None else round(plan.gap, 4),
                "purchases": len(plan.purchases),
                "violations": len(check_plan(plant, plan)),
            }
        )
        print(rows[-1], flush=True)
    return rows


def stock_models_used(plant, built) -> str:
    """Which stock model each stocked material got: reservoir, buckets, or both kinds."""
    if built.variables.supply is None:
        return "-"
    draws: dict[str, int] = {}
    for need in built.variables.supply.needs.values():
        if need.stock is not None:
            draws[need.material] = draws.get(need.material, 0) + 1
    kinds = {"reservoir" if uses_reservoir(plant, n) else "buckets" for n in draws.values()}
    return "+".join(sorted(kinds)) or "none"


def markdown(rows: list[dict]) -> str:
    limits = sorted({r["limit_s"] for r in rows})
    head = ["orders", "variant", "variables", "constraints", "dispatch + build s", "first plan s"]
    head += ["dispatch objective"]
    for limit in limits:
        head += [f"objective @{limit:g}s", f"gap @{limit:g}s"]
    head.append("checker violations")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = list(dict.fromkeys((r["orders"], r["variant"]) for r in rows))
    for orders, variant in keys:
        group = {r["limit_s"]: r for r in rows if (r["orders"], r["variant"]) == (orders, variant)}
        first = group[limits[0]]
        label = variant if first["stock_model"] == "-" else f"{variant}: {first['stock_model']}"
        cells = [
            str(orders),
            label,
            f"{first['variables']:,}",
            f"{first['constraints']:,}",
            f"{first['dispatch_s'] + first['build_s']:.1f}",
            f"{first['first_plan_s']:.2f}" if first["first_plan_s"] >= 0 else "none (dispatch)",
            f"{first['dispatch_objective']:,.0f}",
        ]
        for limit in limits:
            row = group[limit]
            optimal = " (optimal)" if row["status"] == "OPTIMAL" else ""
            gap = "no bound" if row["gap"] is None else f"{row['gap']:.1%}"
            cells += [f"{row['objective']:,.0f}{optimal}", gap]
        cells.append(str(sum(r["violations"] for r in group.values())))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--limits", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    rows = []
    for orders in args.orders:
        for variant in args.variants:
            rows += run_variant(orders, args.seed, variant, args.limits, args.workers)
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(rows, args.out / "supply.csv")
    print(markdown(rows))


if __name__ == "__main__":
    main()
