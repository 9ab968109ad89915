"""Time to a proven optimum on the demo plant, over several seeds (2 workers).

Usage::

    python -m benchmarks.proof_time --seeds 5 --limit 30

A model change that keeps objectives but slows the proof shows up here and nowhere else.
"""

from __future__ import annotations

import argparse
import statistics

from benchmarks.generate import TEMPLATE
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.solve.search import plan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--limit", type=float, default=30)
    args = parser.parse_args(argv)
    plant = load_plant(TEMPLATE)
    times = []
    for seed in range(args.seeds):
        result = plan(plant.with_settings(workers=2, seed=seed, time_limit=args.limit))
        assert check_plan(plant, result) == []
        proven = result.status == "OPTIMAL"
        times.append(result.solve_time if proven else float("inf"))
        print(f"seed {seed}: {result.status} in {result.solve_time:.1f} s", flush=True)
    print(f"median time to proof: {statistics.median(times):.1f} s")


if __name__ == "__main__":
    main()
