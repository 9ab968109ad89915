"""LNS neighbourhood size and kind side by side: objective after a fixed time from the same
start plan.

Usage::

    python -m benchmarks.lns_size --orders 1000 5000 --sizes 80 150 --limit 60
    python -m benchmarks.lns_size --orders 1000 5000 --kinds near_due near_late adaptive
    python -m benchmarks.lns_size --orders 1000 --materials --sizes 40 --kinds near_due near_late
    python -m benchmarks.lns_size --orders 1000 5000 --steps 2 5 10

Each run starts from the plant's dispatch plan (the same for every size and kind) and searches
``--limit`` wall-clock seconds on 2 workers. Every plan goes through the independent checker.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

import yaml

from benchmarks.generate import generate_plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_total
from solver.input.loading import load_plant
from solver.rules.costs import units_per_currency
from solver.rules.ranking import tardiness_weights
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve, step_seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--sizes", type=int, nargs="+", default=[150])
    parser.add_argument(
        "--kinds", nargs="+", default=["near_due"], help="lns_neighbourhoods values to compare"
    )
    parser.add_argument(
        "--steps", type=float, nargs="+", default=[None], help="lns_step_limit values (s)"
    )
    parser.add_argument("--materials", action="store_true", help="plants with supply")
    parser.add_argument("--limit", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        "| orders | kind | size | step s | dispatch | objective | below dispatch | "
        "neighbourhoods | improvements | checker violations |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for orders in args.orders:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "plant.yaml"
            data = generate_plant(orders, args.seed, materials=args.materials)
            path.write_text(yaml.safe_dump(data, sort_keys=False))
            plant = load_plant(path)
        start = best_dispatch(plant)
        floor = objective_total(plant, start, tardiness_weights(plant)) / units_per_currency(plant)
        for kind, size, step in itertools.product(args.kinds, args.sizes, args.steps):
            size_setting = "lns_supply_orders" if args.materials else "lns_orders"
            tuned = plant.with_settings(
                time_limit=args.limit,
                deterministic=False,
                workers=2,
                seed=0,
                lns_neighbourhoods=kind,
                lns_step_limit=step,
                **{size_setting: size},
            )
            plan = improve(tuned, start)
            print(
                f"| {orders} | {kind} | {size} | {step_seconds(tuned):g} | {floor:,.0f} | "
                f"{plan.objective:,.0f} | "
                f"{100 * (floor - plan.objective) / (floor or 1):.1f} % | "
                f"{plan.stats['iterations']} | {plan.stats['improvements']} | "
                f"{len(check_plan(plant, plan))} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
