"""What pricing the early warnings' levers costs, and what it changes, per what-if variant.

Usage::

    python -m benchmarks.warning_levers --scenario scenarios/rush-order.yaml --levers 0 3 all

The scenario is evaluated once (deterministic, 2 workers); then, for each variant's proposal,
the early warnings are computed again with each ``warning_levers`` value, side by side in one
process: seconds, how many late orders had their levers priced (only those the change harms
are), and the warning level of every late order. ``all``: every late order.
"""

from __future__ import annotations

import argparse
import time

from solver import api
from solver.whatif.warnings import INTERNAL, early_warnings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/rush-order.yaml")
    parser.add_argument("--levers", nargs="+", default=["0", "3", "all"])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    evaluation = api.whatif(args.scenario, deterministic=True, workers=args.workers)
    print("| variant | late orders | harmed | warning_levers | priced | seconds | levels |")
    print("|---|---|---|---|---|---|---|")
    for outcome in evaluation.outcomes:
        if outcome.plan is None:
            continue
        late = [o.order for o in outcome.plan.outcomes if o.accepted and o.tardiness > 0]
        harmed = [m.order for m in outcome.moves if m.cost > 0]
        for text in args.levers:
            count = len(late) if text == "all" else int(text)
            plant = outcome.plant.with_settings(warning_levers=count)
            began = time.perf_counter()
            warnings = early_warnings(plant, outcome.plan, harmed)
            seconds = time.perf_counter() - began
            levels = ", ".join(
                f"{w.order} {w.level.split()[0]}" for w in warnings if w.level != INTERNAL
            )
            priced = sum(1 for w in warnings if w.levers)
            print(
                f"| {outcome.name} | {len(late)} | {len(harmed)} | {count} | {priced} "
                f"| {seconds:.2f} | {levels} |"
            )


if __name__ == "__main__":
    main()
