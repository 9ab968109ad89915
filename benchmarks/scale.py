"""Scale benchmark: model size, build time, time to first plan, objective and gap at 10 s and 60 s.

Usage::

    python -m benchmarks.scale --orders 40 200 1000 5000 --limits 10 60 --out benchmarks/out

Each (size, search, limit) is a fresh search on the same generated plant (seed fixed) from the
same dispatch plan: ``cpsat`` solves the whole model, ``lns`` re-solves neighbourhoods. Every
plan is run through the independent checker.
Writes ``scale.csv`` and prints a Markdown table.
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
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve


def run_size(
    orders: int, seed: int, limits: list[float], workers: int, searches: list[str]
) -> list[dict]:
    """Benchmark rows for one plant size."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(generate_plant(orders, seed), sort_keys=False))
        began = time.perf_counter()
        plant = load_plant(path)
        load_seconds = time.perf_counter() - began
    began = time.perf_counter()
    hint = best_dispatch(plant)
    dispatch_seconds = time.perf_counter() - began
    dispatch_objective = sum(objective_money(plant, hint).values())
    rows = []
    built = build(plant, hint)
    for search, limit in ((s, t) for s in searches for t in limits):
        tuned = dict(time_limit=limit, workers=workers, seed=0, search=search)
        if search == "lns":
            plan = improve(plant.with_settings(**tuned), hint)
        else:
            plan = solve(built.with_settings(**tuned))
        violations = check_plan(plant, plan)
        rows.append(
            {
                "orders": orders,
                "resources": len(plant.resources),
                "steps": sum(len(plant.remaining_steps(o)) for o in plant.orders),
                "variables": built.size()["variables"],
                "constraints": built.size()["constraints"],
                "load_s": round(load_seconds, 2),
                "dispatch_s": round(dispatch_seconds, 2),
                "build_s": round(built.build_seconds, 2),
                "search": search,
                "limit_s": limit,
                "status": plan.status,
                "first_plan_s": round(plan.stats.get("first_solution_seconds", -1), 2),
                "dispatch_objective": round(dispatch_objective, 2),
                "objective": round(plan.objective, 2),
                "bound": None if plan.best_bound is None else round(plan.best_bound, 2),
                "gap": None if plan.gap is None else round(plan.gap, 4),
                "violations": len(violations),
            }
        )
        print(rows[-1], flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    """One line per (size, search): build, first plan, objective and gap at each limit."""
    limits = sorted({r["limit_s"] for r in rows})
    head = [
        "orders",
        "resources",
        "variables",
        "constraints",
        "build s",
        "first plan s",
        "dispatch objective",
        "search",
    ]
    for limit in limits:
        head += [f"objective @{limit:g}s", f"gap @{limit:g}s"]
    head.append("checker violations")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = sorted({(r["orders"], r["search"]) for r in rows}, key=lambda k: (k[0], k[1] != "cpsat"))
    for orders, search in keys:
        group = {r["limit_s"]: r for r in rows if (r["orders"], r["search"]) == (orders, search)}
        first = group[limits[0]]
        build_s = first["load_s"] + first["dispatch_s"] + first["build_s"]
        cells = [
            str(orders),
            str(first["resources"]),
            f"{first['variables']:,}",
            f"{first['constraints']:,}",
            f"{build_s:.1f}",
            f"{first['first_plan_s']:.2f}"
            if first["first_plan_s"] >= 0
            else "none (dispatch kept)",
            f"{first['dispatch_objective']:,.0f}",
            search,
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
    parser.add_argument("--orders", type=int, nargs="+", default=[40, 200, 1000, 5000])
    parser.add_argument("--limits", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--search", nargs="+", default=["cpsat", "lns"], choices=["cpsat", "lns"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    rows = []
    for orders in args.orders:
        rows += run_size(orders, args.seed, args.limits, args.workers, args.search)
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(rows, args.out / "scale.csv")
    print(markdown(rows))


if __name__ == "__main__":
    main()
