"""Independent pieces on Dask workers against one after the other: wall time and same answer.

Usage::

    python -m benchmarks.dask_pieces --suite benchmarks/suites/small.yaml --scenario scenarios/rush-order.yaml --workers 2 4

A bench suite (its plants' baselines, then every plant x strategy replay) and a what-if
scenario (the change as asked and its variants), each run serially and then on a
``LocalCluster`` of N single-threaded worker processes (``solver.dask_work``), one after the
other in this process. The cluster's start is counted (a ``--dask`` run pays it). Every run is
deterministic, so each Dask run must give the serial rows and evaluation; the table says
whether it did. On a 2-core machine each piece's CP-SAT workers already share the cores, so
the gain is bounded; it is measured, not assumed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from solver.changes.scenario import load_scenario
from solver.dask_work import dask_mapper
from solver.replay.suite import load_suite, run_suite
from solver.report.whatif import evaluation_dict
from solver.whatif.evaluate import evaluate

MOMENTARY = {
    "solve_time",
    "build_seconds",
    "first_solution_seconds",
    "preparation_seconds",
    "memory_budget_mb",
    "memory_estimate_mb",
    "seconds",
}


def answer(value):
    """``value`` without wall-clock seconds and memory figures, at any depth."""
    if isinstance(value, dict):
        return {k: answer(v) for k, v in value.items() if k not in MOMENTARY}
    if isinstance(value, list):
        return [answer(v) for v in value]
    return value


def timed(run) -> tuple[float, object]:
    began = time.perf_counter()
    result = run()
    return time.perf_counter() - began, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("benchmarks/suites/small.yaml"))
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/rush-order.yaml"))
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    args = parser.parse_args(argv)
    suite = load_suite(args.suite)
    scenario = load_scenario(args.scenario)
    pieces = {
        f"bench {args.suite.name}": lambda mapper: run_suite(suite, {}, mapper=mapper),
        f"whatif {args.scenario.name}": lambda mapper: evaluation_dict(
            evaluate(scenario, {}, **({"mapper": mapper} if mapper else {}))
        ),
    }
    print("| work | run | seconds | speed-up | same answer as serial |")
    print("|---|---|---|---|---|")
    for name, run in pieces.items():
        alone, reference = timed(lambda run=run: run(None))
        print(f"| {name} | serial | {alone:.1f} | 1.00 | |", flush=True)
        for workers in args.workers:

            def spread(run=run, workers=workers):
                with dask_mapper(workers=workers) as mapper:
                    return run(mapper)

            seconds, result = timed(spread)
            same = answer(result) == answer(reference)
            print(
                f"| {name} | Dask, {workers} workers | {seconds:.1f} | {alone / seconds:.2f} | "
                f"{'yes' if same else 'NO'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
