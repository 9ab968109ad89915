"""Peak memory against the worker count, with the memory budget on and off (issue 21).

Usage::

    python -m benchmarks.server --orders 1000 --workers 1 2 4 8 16 --limit 20 --out benchmarks/out/server

Each run is ``replan plan`` on a generated plant with materials (``--search cpsat`` by
default, or each of ``--search``'s methods, the given ``--workers``, seed 0, parallel
workers as ``replan plan`` runs them; LNS gives them to each neighbourhood's solve) in a child
process; its peak resident memory is the child's own high-water mark (``VmHWM``, see
``peak_run``), so it counts Python, the model build and every CP-SAT worker. "budget on" is the default setting (half the
available memory, the big-model cap); "budget off" is ``memory: 1000000GB`` and
``big_model_workers: 1024``, i.e. the worker count as asked, as before the budget existed; a
size (``--budget 3GB``) sets that budget without the big-model cap, so the budget alone cuts.
The dispatch plan's objective is the reference the search should beat.

Worker count, not core count, drives memory: on this 2-core machine 16 workers load 16
copies of the model as they would on a 16-core server, but each searches for less time, so
the peaks here are a lower bound of a server's.

Writes ``server.csv`` and ``server.png`` (peak memory against workers) into ``--out`` and
prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

from benchmarks.generate import generate_plant
from solver.facts.kpis import with_objective
from solver.input.loading import load_plant
from solver.solve.dispatch import best_dispatch

# Runs ``replan`` in a fresh interpreter and reports that process's own high-water mark. The
# child's ``ru_maxrss`` is no measure: Linux carries the parent's peak over at fork and exec
# (measured: a 150-order run read 453 MB under pytest and 275 MB from a small parent).
_MEASURED = """
import sys
from solver.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as stop:
    code = stop.code
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
print(f"VmHWM_kB {peak}", file=sys.stderr)
sys.exit(code)
"""


def peak_run(args: list[str], cwd: Path | None = None) -> tuple[int, float, str]:
    """``replan ARGS`` in a child process: its exit code, its peak resident MB and its output.

    The peak is the child's ``VmHWM`` (Linux), read as it exits: the model build and every
    CP-SAT worker, nothing of the calling process.
    """
    command = [sys.executable, "-c", _MEASURED, *args]
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    found = re.search(r"VmHWM_kB (\d+)", done.stderr)
    peak = int(found.group(1)) / 1024 if found else float("nan")
    stderr = re.sub(r"VmHWM_kB \d+\n?", "", done.stderr)
    return done.returncode, peak, done.stdout + stderr


def run_plan(
    path: Path, workers: int, limit: float, budget: str, out: Path, search: str = "cpsat"
) -> dict:
    """One ``replan plan`` in a child process: exit code, peak MB, the plan's figures.

    ``budget`` is ``on`` (the default settings), ``off`` (no budget, no big-model cap) or a
    size such as ``3GB`` (that budget, no big-model cap: the budget alone decides).
    """
    plant_file = path
    if budget != "on":
        data = yaml.safe_load(path.read_text())
        memory = "1000000GB" if budget == "off" else budget
        data.setdefault("settings", {}).update({"memory": memory, "big_model_workers": 1024})
        plant_file = out / f"{path.stem}_budget_{budget}.yaml"
        plant_file.write_text(yaml.safe_dump(data, sort_keys=False))
    plan_file = out / f"plan_{path.stem}_{workers}_{budget}_{search}.json"
    args = [
        "plan", str(plant_file), "--search", search, "--workers", str(workers), "--seed", "0",
        "--time-limit", str(limit), "--no-deterministic", "--json", str(plan_file),
    ]  # fmt: skip
    code, peak, output = peak_run(args)
    row = {
        "search": search,
        "workers_asked": workers,
        "budget": budget,
        "exit": code,
        "peak_mb": round(peak),
    }
    if plan_file.exists():
        plan = json.loads(plan_file.read_text())
        stats = plan.get("stats", {})
        row.update(
            status=plan["status"],
            objective=round(plan["objective"], 2),
            method=stats.get("method", "cpsat"),
            # 0: no search ran; LNS states none (each neighbourhood chooses its own)
            workers_used=int(stats["workers"]) if "workers" in stats else None,
            preparation_s=stats.get("preparation_seconds"),
            estimate_mb=stats.get("memory_estimate_mb"),
            budget_mb=stats.get("memory_budget_mb"),
            note=stats.get("workers_note") or stats.get("build_note", ""),
        )
    else:
        row["error"] = output.strip().splitlines()[-1:] or [""]
    return row


def dispatch_objective(path: Path) -> float:
    plant = load_plant(path)
    return with_objective(plant, best_dispatch(plant)).objective


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for (orders, budget, search), rows in table.groupby(["orders", "budget", "search"]):
        ax.plot(rows["workers_asked"], rows["peak_mb"] / 1024, marker="o",
                label=f"{orders} orders, budget {budget}, {search}")  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xlabel("workers asked (--workers)")
    ax.set_ylabel("peak memory, GB")
    ax.set_title("replan plan with materials: peak memory against workers")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--limit", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1, help="plant generator seed")
    parser.add_argument(
        "--budget",
        nargs="+",
        default=["on", "off"],
        help="on (default settings), off (no budget, no big-model cap) or a size like 3GB",
    )
    parser.add_argument(
        "--search", nargs="+", default=["cpsat"], help="cpsat (whole model), lns or auto"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/server"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for orders in args.orders:
            path = Path(tmp) / f"materials_{orders}.yaml"
            plant = generate_plant(orders, args.seed, materials=True)
            path.write_text(yaml.safe_dump(plant, sort_keys=False))
            reference = dispatch_objective(path)
            for search in args.search:
                for budget in args.budget:
                    for workers in args.workers:
                        row = {"orders": orders, "dispatch_objective": round(reference, 2)}
                        row.update(run_plan(path, workers, args.limit, budget, Path(tmp), search))
                        rows.append(row)
                        print(json.dumps(row), file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "server.csv", index=False)
    plot(table, args.out / "server.png")
    columns = ["orders", "search", "budget", "workers_asked", "workers_used", "peak_mb", "estimate_mb",
               "preparation_s", "status", "objective", "dispatch_objective", "exit"]  # fmt: skip
    shown = table[[c for c in columns if c in table]]
    print("| " + " | ".join(shown.columns) + " |")
    print("|" + "---|" * len(shown.columns))
    for values in shown.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in values) + " |")


if __name__ == "__main__":
    main()
