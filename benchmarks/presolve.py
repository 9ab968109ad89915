"""Presolve levels side by side: time to first plan, objective and bound at a fixed limit.

Usage::

    python -m benchmarks.presolve --orders 200 1000 --limit 10

The demo plant is always included. Every level solves the same built model (same complete
dispatch hint) with 2 workers and seed 0. Every plan goes through the independent checker.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import yaml

from benchmarks.generate import TEMPLATE, generate_plant
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.solve.cpsat.model import build, solve

LEVELS = ("off", "light", "full")


def plants(sizes: list[int], seed: int):
    yield "demo (40)", load_plant(TEMPLATE)
    for orders in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plant.yaml"
            path.write_text(yaml.safe_dump(generate_plant(orders, seed), sort_keys=False))
            yield f"generated {orders}", load_plant(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--limit", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print("| plant | presolve | status | first plan s | objective | bound | checker violations |")
    print("|---|---|---|---|---|---|---|")
    for name, plant in plants(args.orders, args.seed):
        built = build(plant)
        for level in LEVELS:
            plan = solve(
                built.with_settings(time_limit=args.limit, workers=2, seed=0, presolve=level)
            )
            first = plan.stats["first_solution_seconds"]
            print(
                f"| {name} | {level} | {plan.status} | "
                f"{f'{first:.2f}' if first >= 0 else 'none'} | {plan.objective:,.0f} | "
                f"{plan.best_bound:,.0f} | {len(check_plan(plant, plan))} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
