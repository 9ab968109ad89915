"""LNS neighbourhood size side by side: objective after a fixed time from the same start plan.

Usage::

    python -m benchmarks.lns_size --orders 1000 5000 --sizes 80 150 --limit 60

Every plan goes through the independent checker.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import yaml

from benchmarks.generate import generate_plant
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--sizes", type=int, nargs="+", default=[80, 150])
    parser.add_argument("--limit", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        "| orders | lns_orders | objective | neighbourhoods | improvements | checker violations |"
    )
    print("|---|---|---|---|---|---|")
    for orders in args.orders:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plant.yaml"
            path.write_text(yaml.safe_dump(generate_plant(orders, args.seed), sort_keys=False))
            plant = load_plant(path)
        start = best_dispatch(plant)
        for size in args.sizes:
            tuned = plant.with_settings(time_limit=args.limit, workers=2, seed=0, lns_orders=size)
            plan = improve(tuned, start)
            print(
                f"| {orders} | {size} | {plan.objective:,.0f} | {plan.stats['iterations']} | "
                f"{plan.stats['improvements']} | {len(check_plan(plant, plan))} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
