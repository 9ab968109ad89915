"""What-if latency: time to a verdict for a rush order, minimal change against a cold re-solve.

Usage::

    python -m benchmarks.whatif_latency --orders 40 200 1000 --limits 1 2 --out benchmarks/out

For each size a generated plant (seed fixed) gets a baseline (whole-book solve, 20 s), then a
rush order: a copy of a mid-sized order of the book, due four days after the plan start at a
20 % higher price. ``what-if verdict`` is the whole evaluation (``whatif.evaluate_changes``: the minimal-change
re-plan, the promise-date solve when needed, the warning check), each solve limited to the
given seconds; its plan is the proposal (judged on the promised date). Then, at equal time on
the change as asked: ``minimal change`` (the baseline as reference, complete hint) against
``cold re-solve`` (``search.plan`` from scratch, no baseline). Rows report the plan's cost
(objective without the stability term), steps moved against the baseline, and checker
violations. Writes ``whatif_latency.csv`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from benchmarks.generate import generate_plant
from solver.changes.apply import Change, apply_changes
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_money
from solver.facts.stability import Reference, stability_metrics
from solver.input.loading import load_plant
from solver.report.bench import write_rows
from solver.solve.replanning import minimal_change
from solver.solve.search import plan as solve_plan
from solver.whatif.evaluate import _asked_firm, evaluate_changes


def rush_change(plant) -> dict:
    orders = sorted(plant.orders.values(), key=lambda o: (o.quantity, o.id))
    template = orders[len(orders) // 2]
    due = plant.grid.to_datetime(4 * plant.grid.ticks_per_day)
    return {
        "kind": "add_order",
        "id": "RUSH",
        "customer": template.customer,
        "product": template.product,
        "quantity": template.quantity,
        "due": due.isoformat(),
        "price": round(template.price * 1.2, 2),
    }


def run_size(orders: int, seed: int, limits: list[float], workers: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(generate_plant(orders, seed), sort_keys=False))
        plant = load_plant(path, {"workers": workers, "seed": 0})
    baseline = solve_plan(plant.with_settings(time_limit=20))
    change = rush_change(plant)
    changes = [TypeAdapter(Change).validate_python(change)]
    rows = []
    for limit in limits:
        limited = plant.with_settings(time_limit=limit)
        began = time.perf_counter()
        outcome = evaluate_changes(limited, baseline, 0, "as asked", changes)
        seconds = time.perf_counter() - began
        rows.append(
            _row(
                orders,
                limit,
                "what-if verdict",
                seconds,
                outcome.plant,
                outcome.plan,
                baseline,
                outcome.verdict,
            )
        )
        applied = apply_changes(limited, changes, 0)
        changed = _asked_firm(applied)
        reference = Reference(baseline, frozenset(applied.asked))
        began = time.perf_counter()
        stable = minimal_change(changed, baseline, reference, applied.asked)
        seconds = time.perf_counter() - began
        rows.append(
            _row(orders, limit, "minimal change, as asked", seconds, changed, stable, baseline, "-")
        )
        began = time.perf_counter()
        cold = solve_plan(changed)
        seconds = time.perf_counter() - began
        rows.append(
            _row(orders, limit, "cold re-solve, as asked", seconds, changed, cold, baseline, "-")
        )
        print(*rows[-3:], sep="\n", flush=True)
    return rows


def _row(orders, limit, method, seconds, plant, plan, baseline, verdict) -> dict:
    terms = objective_money(plant, plan)
    stability = stability_metrics(plant, plan, baseline)
    return {
        "orders": orders,
        "limit_s": limit,
        "method": method,
        "seconds": round(seconds, 2),
        "verdict": verdict,
        "cost": round(sum(terms.values()), 2),
        "steps_moved": stability.steps_moved,
        "orders_moved": stability.orders_moved,
        "promised_dates_broken": stability.promised_dates_broken,
        "violations": len(check_plan(plant, plan)),
    }


def markdown(rows: list[dict]) -> str:
    head = [
        "orders",
        "limit per solve s",
        "method",
        "time to verdict / plan s",
        "verdict",
        "cost",
        "steps moved",
        "orders moved",
        "dates broken",
        "violations",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append(
            f"| {r['orders']} | {r['limit_s']:g} | {r['method']} | {r['seconds']:.1f} | "
            f"{r['verdict']} | {r['cost']:,.0f} | {r['steps_moved']} | {r['orders_moved']} | "
            f"{r['promised_dates_broken']} | {r['violations']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[40, 200, 1000])
    parser.add_argument("--limits", type=float, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    rows = []
    for orders in args.orders:
        rows += run_size(orders, args.seed, args.limits, args.workers)
    args.out.mkdir(parents=True, exist_ok=True)
    write_rows(rows, args.out / "whatif_latency.csv")
    print(markdown(rows))


if __name__ == "__main__":
    main()
