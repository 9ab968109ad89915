"""The overnight book (issue 15): peak memory, preparation time and the plan against dispatch,
against the bound and against the best plan any run found, by size, supply and budget.

Usage::

    python -m benchmarks.overnight --orders 250 1000 5000 --supply without with --limits 60 600
    python -m benchmarks.overnight --orders 1000 --supply without --limits 60 --dask 0 2 4

Each run is ``replan plan`` on a generated plant (seed 1; ``--materials`` for "with") with the
engine's defaults (``search: auto``: LNS above 300 orders) and ``--workers`` workers, in a
child process whose own peak resident memory is read as it exits (``server.peak_run``). The
dispatch plan's objective is the floor to beat; the bound is the plan's own (CP-SAT's, or the
relaxation's for LNS without supply); the reference is the best objective any run of this
benchmark found for that plant, kept in ``--reference`` (a JSON file, updated when a run
beats it), so that a short run can be judged against what a long one reached. Each reference
is kept with the dispatch objective of the plant it was found on: when today's dispatch
objective differs, the objective's terms or the generator changed since (holding on bought
material did so), the reference no longer compares, and the run starts a new one.

The lateness columns compare the part of the objective a schedule can remove (``lateness``:
weighted tardiness and declined orders' margin) with dispatch's: with materials most of the
objective is purchases that every plan pays, so the whole objective cannot fall far below
dispatch's (its bound says how far at most) while lateness can.

Writes ``overnight.csv``, ``overnight.png`` (peak memory and wall time against orders) into
``--out`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from benchmarks.generate import generate_plant
from benchmarks.server import peak_run
from solver.facts.kpis import with_objective
from solver.input.loading import load_plant
from solver.solve.dispatch import best_dispatch

REFERENCE = Path("benchmarks/results/overnight/reference.json")
LATENESS_TERMS = ("tardiness", "declined")


def run(plant_file: Path, limit: float, workers: int, out: Path, dask: int = 0) -> dict:
    """One ``replan plan`` in a child process: its figures and the plan's. ``dask``: Dask
    workers of a local cluster (``--dask``: one LNS neighbourhood each per round), 0 for none;
    the peak memory is the parent's only (the cluster's workers are processes of their own)."""
    plan_file = out / f"plan_{plant_file.stem}_{limit:g}_{dask}.json"
    args = [
        "plan", str(plant_file), "--workers", str(workers), "--seed", "0",
        "--time-limit", str(limit), "--no-deterministic", "--json", str(plan_file),
    ]  # fmt: skip
    if dask:
        args += ["--dask", "--dask-workers", str(dask)]
    began = time.perf_counter()
    code, peak, output = peak_run(args)
    row = {"exit": code, "wall_s": round(time.perf_counter() - began, 1), "peak_mb": round(peak)}
    if not plan_file.exists():
        row["error"] = (output.strip().splitlines() or [""])[-1]
        return row
    plan = json.loads(plan_file.read_text())
    stats = plan.get("stats", {})
    row.update(
        method=stats.get("method", "cpsat"),
        rounds_kept_beside=stats.get("merged_beside"),
        preparation_s=stats.get("preparation_seconds"),
        objective=round(plan["objective"], 2),
        lateness=round(lateness(plan.get("terms", {})), 2),
        bound=None if plan.get("best_bound") is None else round(plan["best_bound"], 2),
    )
    return row


def lateness(terms: dict) -> float:
    """The part of an objective that a better schedule can remove: weighted tardiness and
    declined orders' lost margin, in money (purchases, expedites, holding and supply risk are
    the rest; with materials most of them are paid whatever the schedule)."""
    return sum(terms.get(k, 0.0) for k in LATENESS_TERMS)


def dispatch_figures(path: Path) -> tuple[float, float]:
    """The dispatch plan's objective and lateness (``lateness``) on the plant file."""
    plant = load_plant(path)
    plan = with_objective(plant, best_dispatch(plant))
    return plan.objective, lateness(plan.terms)


def reference_for(reference: dict, key: str, dispatch: float) -> float | None:
    """The best objective found for plant ``key``, or None when none was found on a plant
    with this dispatch objective (a bare number, the older format, says not which)."""
    entry = reference.get(key)
    if isinstance(entry, dict) and entry.get("dispatch") == dispatch:
        return entry["objective"]
    return None


def _gap(value: float | None, against: float | None) -> float | None:
    """(value - against) / value in %, None where either is missing."""
    if value is None or against is None or value == 0:
        return None
    return round(100 * (value - against) / value, 2)


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (memory, wall) = plt.subplots(1, 2, figsize=(10, 4))
    for (supply, limit, dask), rows in table.groupby(["supply", "limit_s", "dask"]):
        label = f"{supply} materials, {limit:g} s" + (f", {dask} Dask workers" if dask else "")
        memory.plot(rows["orders"], rows["peak_mb"] / 1024, marker="o", label=label)
        wall.plot(rows["orders"], rows["wall_s"], marker="o", label=label)
    memory.set_ylabel("peak memory, GB")
    wall.set_ylabel("wall time, s (loading included)")
    for ax in (memory, wall):
        ax.set_xlabel("orders")
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle("replan plan on the overnight book")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument(
        "--supply", nargs="+", choices=["without", "with"], default=["without", "with"]
    )
    parser.add_argument("--limits", type=float, nargs="+", default=[60.0, 600.0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--dask", type=int, nargs="+", default=[0], help="Dask workers per run (0: serial)"
    )
    parser.add_argument("--seed", type=int, default=1, help="plant generator seed")
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/overnight"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    reference = json.loads(args.reference.read_text()) if args.reference.exists() else {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for supply in args.supply:
            for orders in args.orders:
                key = f"{orders}_{supply}_seed{args.seed}"
                path = Path(tmp) / f"{key}.yaml"
                data = generate_plant(orders, args.seed, materials=supply == "with")
                path.write_text(yaml.safe_dump(data, sort_keys=False))
                floor, floor_lateness = (round(v, 2) for v in dispatch_figures(path))
                for limit, dask in ((lim, d) for lim in args.limits for d in args.dask):
                    row = {"orders": orders, "supply": supply, "limit_s": limit, "dask": dask}
                    row.update(run(path, limit, args.workers, Path(tmp), dask))
                    found = row.get("objective")
                    best = reference_for(reference, key, floor)
                    if found is not None and (best is None or found < best):
                        reference[key] = {"objective": found, "dispatch": floor}
                        best = found
                    row.update(
                        dispatch=floor,
                        below_dispatch_pct=_gap(floor, found),
                        dispatch_lateness=floor_lateness,
                        lateness_below_dispatch_pct=_gap(floor_lateness, row.get("lateness")),
                        gap_to_bound_pct=_gap(found, row.get("bound")),
                        reference=best,
                        above_reference_pct=_gap(found, best),
                    )
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    args.reference.parent.mkdir(parents=True, exist_ok=True)
    args.reference.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n")
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "overnight.csv", index=False)
    plot(table, args.out / "overnight.png")
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for values in table.itertuples(index=False):
        print("| " + " | ".join("" if pd.isna(v) else str(v) for v in values) + " |")


if __name__ == "__main__":
    main()
