"""Repeatable solves: what each way of making CP-SAT deterministic costs, and whether it repeats.

Usage::

    python -m benchmarks.determinism --orders 200 1000 --limit 5 --dtime 1 2 --busy

For the demo plant (40 orders) and generated plants, one model is built (complete dispatch
hint) and solved twice in each mode; with ``--busy`` the second run of each pair has a process
spinning on one core beside it, as on a planner's shared machine. Modes:

- ``parallel``: the default search, 2 workers, wall-clock limit ``--limit`` seconds;
- ``det 1 worker``: one worker (sequential search), deterministic-time limit;
- ``det interleaved 2``: 2 workers with ``interleave_search``, deterministic-time limit.

Reported per run pair: status, wall seconds (first / second run), deterministic time used,
wall seconds per unit of deterministic time, objective, and whether both runs returned the
identical plan. With ``--proof`` the demo is also solved to proven optimality in each mode.
Every plan goes through the independent checker. Results are printed as a Markdown table and
written to ``benchmarks/results/determinism.csv``.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import time
from contextlib import contextmanager
from pathlib import Path

from benchmarks.presolve import plants
from solver.facts.checker import check_plan
from solver.solve.cpsat.model import build, solve

RESULTS = Path(__file__).parent / "results" / "determinism.csv"


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextmanager
def busy(active: bool):
    """A process keeping one core busy while the block runs."""
    if not active:
        yield
        return
    stop = multiprocessing.Event()
    proc = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
    proc.start()
    try:
        yield
    finally:
        stop.set()
        proc.join()


def modes(limit: float, dtimes: list[float]) -> list[tuple[str, dict]]:
    out = [("parallel", {"workers": 2, "time_limit": limit, "deterministic": False})]
    for d in dtimes:
        common = {"deterministic": True, "deterministic_time": d, "time_limit": 3600}
        out.append((f"det 1 worker, {d:g}", {"workers": 1, **common}))
        out.append((f"det interleaved 2, {d:g}", {"workers": 2, **common}))
    return out


def signature(plan) -> tuple:
    return tuple(sorted((s.order, s.step_index, s.resource, s.start) for s in plan.steps))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="*", default=[200, 1000])
    parser.add_argument("--limit", type=float, default=5, help="wall seconds, parallel mode")
    parser.add_argument("--dtime", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--busy", action="store_true", help="second run beside a busy core")
    parser.add_argument("--proof", action="store_true", help="demo to proven optimality")
    args = parser.parse_args(argv)
    rows = []
    header = (
        "| plant | mode | status | wall s (1st / 2nd) | det. time | s per unit | objective "
        "| identical | violations |"
    )
    print(header)
    print("|---|---|---|---|---|---|---|---|---|")
    for name, plant in plants(args.orders, args.seed):
        built = build(plant)
        runs = modes(args.limit, args.dtime)
        if args.proof and name.startswith("demo"):
            runs += [
                (f"{label} to proof", {**params, "time_limit": 3600, "deterministic_time": 3600})
                for label, params in runs[:3]
            ]
        for label, params in runs:
            plans, walls = [], []
            for k in range(2):
                with busy(args.busy and k == 1):
                    began = time.perf_counter()
                    plans.append(solve(built.with_settings(seed=0, **params)))
                    walls.append(time.perf_counter() - began)
            first = plans[0]
            dtime = first.stats.get("deterministic_time", 0.0)
            row = {
                "plant": name,
                "mode": label,
                "status": first.status,
                "wall_first": round(walls[0], 2),
                "wall_second": round(walls[1], 2),
                "deterministic_time": round(dtime, 3),
                "seconds_per_unit": round(walls[0] / dtime, 2) if dtime else None,
                "objective": round(first.objective, 2),
                "objective_second": round(plans[1].objective, 2),
                "identical": signature(plans[0]) == signature(plans[1]),
                "violations": sum(len(check_plan(plant, p)) for p in plans),
                "busy_second": args.busy,
            }
            rows.append(row)
            print(
                f"| {name} | {label} | {row['status']} | {row['wall_first']} / "
                f"{row['wall_second']} | {row['deterministic_time']} | "
                f"{row['seconds_per_unit']} | {row['objective']:,.0f}"
                f"{'' if row['identical'] else ' / ' + format(row['objective_second'], ',.0f')} | "
                f"{'yes' if row['identical'] else 'no'} | {row['violations']} |",
                flush=True,
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"rows written to {RESULTS}")


if __name__ == "__main__":
    main()
