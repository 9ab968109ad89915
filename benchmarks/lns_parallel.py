"""One LNS neighbourhood at a time with every worker, or two at once with one worker each?

Usage::

    python -m benchmarks.lns_parallel --orders 1000 --limit 30
    python -m benchmarks.lns_parallel --orders 1000 --limit 30 --materials

Issue 21 asks that workers beyond what one search uses be spent on what helps, such as LNS
neighbourhoods solved in parallel. This compares, on a generated plant (seed 1) from its
dispatch plan, for the same wall-clock limit:

- ``one at a time``: the engine's LNS (``solve.lns.improve``) with ``--workers`` workers on
  each neighbourhood;
- ``two at once``: each round picks two disjoint near-late neighbourhoods from the current
  plan and solves them in two threads (CP-SAT releases the GIL while it searches), one worker
  each; the first is merged where it improves, the second only where the merged plan still
  passes the checker (both were solved around the same kept orders, so their places may
  clash).

The parallel loop here is an experiment, not the engine's: it exists to decide whether the
engine should have one. Wall-clock runs vary; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from benchmarks.generate import generate_plant
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.input.loading import load_plant
from solver.rules.costs import units_per_currency
from solver.rules.ranking import rank_orders, tardiness_weights
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import best_dispatch
from solver.solve.lns import improve, merge, neighbourhood, restrict, step_seconds, sub_plant
from solver.supply.sources import has_supply


def one_at_a_time(plant: Plant, start: Plan) -> tuple[float, int]:
    """The engine's LNS: objective (money) and neighbourhoods solved."""
    found = improve(plant, start)
    return found.objective, int(found.stats["iterations"])


def two_at_once(plant: Plant, start: Plan, seed: int = 0) -> tuple[float, int, int]:
    """Two disjoint neighbourhoods per round, one worker each: objective, neighbourhoods
    solved and second merges the checker refused."""
    settings = plant.settings
    weights = tardiness_weights(plant)
    supply = has_supply(plant)
    size = settings.lns_supply_orders if supply else settings.lns_orders
    rng = random.Random(seed)
    current, solved, refused = start, 0, 0
    best = sum(objective_units(plant, current, weights).values())
    began = time.perf_counter()

    def repair(free: set[str], run: int) -> Plan:
        sub = sub_plant(plant, current, free).with_settings(
            time_limit=step_seconds(plant),
            deterministic_time=None,
            workers=1,
            seed=settings.seed + run,
            presolve="light" if supply else None,
            local_search=False if supply else None,
        )
        return solve(build(sub, restrict(current, free), weights))

    with ThreadPoolExecutor(2) as pool:
        while time.perf_counter() - began < settings.time_limit - 0.2:
            first = neighbourhood(plant, current, size, rng)
            second = set()
            for _ in range(10):  # a second anchor whose orders mostly differ
                second = neighbourhood(plant, current, size, rng) - first
                if len(second) >= size // 2:
                    break
            runs = [(first, pool.submit(repair, first, solved))]
            if second:
                runs.append((second, pool.submit(repair, second, solved + 1)))
            repaired = [(free, job.result()) for free, job in runs]
            solved += len(repaired)
            merged_one = False
            for free, plan in repaired:
                candidate = merge(current, plan, free, plant)
                value = sum(objective_units(plant, candidate, weights).values())
                if value >= best:
                    continue
                if merged_one and check_plan(plant, candidate):
                    refused += 1
                    continue
                best, current, merged_one = value, candidate, True
    return best / units_per_currency(plant), solved, refused


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--materials", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(generate_plant(args.orders, 1, args.materials)))
        plant = load_plant(path, {"workers": args.workers, "time_limit": args.limit, "seed": 0})
    start = best_dispatch(plant, rank_orders(plant))
    dispatch = sum(objective_units(plant, start).values()) / units_per_currency(plant)
    sequential, solved = one_at_a_time(plant, start)
    parallel, solved_parallel, refused = two_at_once(plant, start)
    print("| plant | dispatch | one at a time | neighbourhoods | two at once | neighbourhoods |")
    print("|---|---|---|---|---|---|")
    label = f"{args.orders} orders" + (" with materials" if args.materials else "")
    print(
        f"| {label} | {dispatch:,.2f} | {sequential:,.2f} | {solved} | {parallel:,.2f} | "
        f"{solved_parallel} ({refused} refused) |"
    )


if __name__ == "__main__":
    main()
