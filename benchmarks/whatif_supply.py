"""What-ifs on books with supply: neighbourhoods against the whole model, side by side.

Usage::

    python -m benchmarks.whatif_supply --orders 200 1000 --seeds 1 2 3

A generated plant with its supply layer (``generate.py --materials``: stock, receipts, a
fast dear supplier with air freight, a slow cheap one with a minimum order, a broker) and its
baseline (kept in ``--baselines``, solved once for ``--baseline-limit`` seconds); then the
rush order of ``whatif_latency.py`` (a copy of the median order due four days out, 20 %
dearer) answered twice with the engine's what-if defaults (deterministic, 2 workers,
``whatif_time_limit`` 4) but for ``whatif_lns_above_supply``: 0 (neighbourhoods, each
with the supply the held orders leave) and above the book's size (one whole model per solve,
as books with supply were answered before). The default (300) picks between them by size. Each answer runs in a child process of its own, so its peak memory is
its own. Cost is the proposal's objective without the stability term, judged with the rush
due at its asked date (a dated answer pays the rush's lateness); every proposal is checked.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from benchmarks.whatif_latency import _on, _side, kept_baseline, rush_change
from solver.changes.apply import Change
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.replay.generate import generate_plant
from solver.report.bench import write_rows
from solver.whatif.evaluate import evaluate_changes
from solver.whatif.protect import judged

METHODS = {"neighbourhoods": 0, "whole model": 10**6}  # whatif_lns_above_supply


def supply_plant(orders: int, seed: int):
    """The generated plant with materials, loaded as ``replan`` loads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        data = generate_plant(orders, seed, materials=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return load_plant(path, {"workers": 2, "seed": 0})


def answer(orders: int, seed: int, method: str, baseline_path: str, queue) -> None:
    """One what-if in this (child) process; puts its row on ``queue``."""
    plant = supply_plant(orders, seed)
    baseline = kept_baseline(plant, 0, Path(baseline_path))
    chosen = plant.settings.with_overrides(whatif_lns_above_supply=METHODS[method])
    default = plant.replace(settings=chosen.resolved(deterministic_by_default=True))
    changes = [TypeAdapter(Change).validate_python(rush_change(plant))]
    began = time.perf_counter()
    outcome = evaluate_changes(default, baseline, 0, "as asked", changes)
    seconds = time.perf_counter() - began
    row = {"orders": orders, "seed": seed, "method": method, "verdict": outcome.verdict}
    row["seconds"] = round(seconds, 2)
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if outcome.plan is not None:
        same, _ = judged(outcome.plant, baseline, outcome.asked_dates)
        side = _side("whatif", same, _on(same, outcome.plan), baseline)
        row["cost"] = side["whatif_cost"]
        row["steps_moved"] = side["whatif_steps_moved"]
        row["violations"] = len(check_plan(outcome.plant, outcome.plan))
    queue.put(row)


def run(orders: int, seed: int, method: str, baselines: Path, baseline_limit: float) -> dict:
    path = baselines / f"supply_{orders}_{seed}.json"
    if not path.exists():  # solved once, here, so that both methods answer the same baseline
        kept_baseline(supply_plant(orders, seed), baseline_limit, path)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=answer, args=(orders, seed, method, str(path), queue))
    child.start()
    row = queue.get()
    child.join()
    return row


def markdown(rows: list[dict]) -> str:
    keys = ["orders", "seed", "method", "verdict", "seconds", "peak_mb", "cost", "steps_moved"]
    lines = ["| " + " | ".join(keys + ["violations"]) + " |", "|" + "---|" * (len(keys) + 1)]
    for row in rows:
        cells = [row.get(k, "-") for k in keys + ["violations"]]
        lines.append(
            "| " + " | ".join(f"{c:,.2f}" if isinstance(c, float) else str(c) for c in cells) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--baseline-limit", type=float, default=20.0)
    parser.add_argument("--baselines", type=Path, default=Path("benchmarks/out/baselines"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    args.baselines.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for orders in args.orders:
        for seed in args.seeds:
            for method in METHODS:
                rows.append(run(orders, seed, method, args.baselines, args.baseline_limit))
                print(rows[-1], flush=True)
    write_rows(rows, args.out / "whatif_supply.csv")
    print(markdown(rows))


if __name__ == "__main__":
    main()
