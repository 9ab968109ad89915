"""What-if latency: time to a verdict for a rush order, minimal change against a cold re-solve.

Usage::

    python -m benchmarks.whatif_latency --orders 40 200 1000 --limits 1 2 --out benchmarks/out

For each size a generated plant (seed fixed) gets a baseline (whole-book solve, 20 s), then a
rush order: a copy of a mid-sized order of the book, due four days after the plan start at a
20 % higher price. ``what-if verdict`` is the whole evaluation (``whatif.evaluate_changes``:
the minimal-change re-plan, the promise-date solve when needed, the warning check), each solve
limited to the given seconds; its plan is the proposal (judged on the promised date). Then,
at equal time on the change as asked: ``minimal change`` (the baseline as reference, complete
hint) against ``cold re-solve`` (``search.plan`` from scratch, no baseline). Rows report the
plan's cost (objective without the stability term), steps moved against the baseline, and
checker violations. Writes ``whatif_latency.csv`` and prints a Markdown table.

Quality mode (issue 13, item 5)::

    python -m benchmarks.whatif_latency --quality --orders 200 1000 --seeds 1 2 3 4 5 \
        --cold-limit 60 --out benchmarks/out

Per size and seed: the generated plant of that seed, its baseline (whole book,
``--baseline-limit`` s wall-clock), the same rush order. Then

- ``what-if``: the verdict exactly as ``replan whatif`` gives it with the engine's default
  settings: the plant's own ``time_limit`` (the default, 10), ``deterministic`` resolved as the
  what-if resolves it (on by default, so each solve stops at ``time_limit`` deterministic units
  and its wall-clock cap is ``wall_cap_factor`` times that), ``--workers`` workers (2, the
  default on the standard 2-core machine), timed wall-clock from the call to the outcome;
- ``cold``: ``search.plan`` from scratch (no baseline, no stability term; ``search: auto``, so
  LNS above ``lns_above`` orders) on the same changed plant, asked orders firm, wall-clock
  ``--cold-limit`` s, not deterministic, ``--workers`` workers.

Both costs are taken on the SAME plant: the plant as the what-if changed it (``outcome.plant``)
with every asked order due at its ASKED date. A proposal judged at a promised date (ACCEPT WITH
DATE) comes back with the rush due at the offer; its lateness is re-judged against the asked
date here, so both plans pay the same weights for the same lateness. Cost is the objective
recomputed from the plan (``objective_money``) without the stability term; steps moved count
baseline steps whose start or resource changed (``stability_metrics``). The ratios are
``cost(what-if) / cost(cold) - 1`` (goal <= 3 %) and ``steps moved(what-if) / steps
moved(cold)`` (goal < 10 %); a zero denominator gives 0 % when the numerator is zero too, else
infinity. ``baseline vs cold`` is ``cost(baseline) / cost(cold) - 1``: the baseline, without the
rush, against the cold solve with it, the part of a gap that minimal change leaves as the
night's plan had it. ``what-if cost at promise`` is the proposal's cost as the what-if judges it (at the
promised date, on its own plant), for reference only. Every plan (baseline, proposal, cold)
goes through ``check_plan``. ``CPU s`` is the process's CPU time during the what-if (every
solver thread): on a busy machine the wall time grows, the CPU time hardly does. The what-if's
plans repeat for a given baseline; the baseline and the cold solve are wall-clock limited, so a
busy machine changes them; ``--baselines DIR`` keeps each (size, seed)'s baseline as a plan file
there and reuses it on the next run, so two runs (two versions of the engine) answer for the
same baselines. Writes ``whatif_quality.csv`` (after every row, so a long run keeps
what it measured) and prints a Markdown table: a row per seed, the mean and the worst per size,
and the verdict latency against its goal (under 5 s at 200 orders, 20 s at 1000).
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from benchmarks.generate import generate_plant
from solver.changes.apply import Change, apply_changes
from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_money, with_objective
from solver.facts.stability import Reference, stability_metrics
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.report.bench import write_rows
from solver.solve.replanning import minimal_change
from solver.solve.search import plan as solve_plan
from solver.whatif.evaluate import _asked_firm, evaluate_changes
from solver.whatif.protect import judged

# Verdict latency goals of issue 13 on the standard 2-core machine: orders -> seconds.
LATENCY_GOALS = {200: 5.0, 1000: 20.0}
COST_GOAL_PCT = 3.0  # cost(what-if) / cost(cold) - 1 at most this
STEPS_GOAL_PCT = 10.0  # steps moved (what-if) / steps moved (cold) below this


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


def generated(orders: int, seed: int, workers: int) -> Plant:
    """The generated plant of ``orders`` orders and ``seed``, loaded as ``replan`` loads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(generate_plant(orders, seed), sort_keys=False))
        return load_plant(path, {"workers": workers, "seed": 0})


def run_size(orders: int, seed: int, limits: list[float], workers: int) -> list[dict]:
    plant = generated(orders, seed, workers)
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


def run_quality(
    orders: int,
    seed: int,
    cold_limit: float,
    workers: int,
    baseline_limit: float,
    baselines: Path | None = None,
) -> dict:
    """One (size, seed) of the quality table: the default what-if against a cold solve."""
    plant = generated(orders, seed, workers)
    baseline = kept_baseline(
        plant, baseline_limit, baselines and baselines / f"{orders}_{seed}.json"
    )
    changes = [TypeAdapter(Change).validate_python(rush_change(plant))]
    # As ``whatif.evaluate`` resolves them, with nothing overridden: the engine's defaults.
    default = plant.replace(settings=plant.settings.resolved(deterministic_by_default=True))
    load = os.getloadavg()[0]
    began, cpu = time.perf_counter(), time.process_time()
    outcome = evaluate_changes(default, baseline, 0, "as asked", changes)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    if outcome.plant is not None:
        # The what-if's changed plant, asked orders due at their asked dates (not the offer).
        same, _ = judged(outcome.plant, baseline, outcome.asked_dates)
    else:  # refused at intake: the change as the what-if would have applied it
        same = _asked_firm(apply_changes(default, changes, 0))
    row = {
        "orders": orders,
        "seed": seed,
        "verdict": outcome.verdict,
        "whatif_seconds": round(seconds, 2),
        "whatif_cpu_s": round(cpu, 2),
        "load_1min": round(load, 2),
        "latency_goal_s": LATENCY_GOALS.get(orders),
        "latency_ok": _meets(seconds < LATENCY_GOALS[orders]) if orders in LATENCY_GOALS else "-",
        "whatif_time_limit": default.settings.whatif_time_limit,
        "whatif_deterministic": default.settings.deterministic,
        "slip_h": _hours(plant, outcome.worst_slip),
        "baseline_cost": _cost(plant, baseline),
        # What the night's plan had: a kept baseline is read back, so its own solve time says.
        "baseline_solve_s": round(baseline.solve_time, 1),
        "baseline_violations": len(check_plan(plant, baseline)),
    }
    proposal = None if outcome.plan is None else _on(same, outcome.plan)
    row.update(_side("whatif", same, proposal, baseline))
    row["whatif_cost_at_promise"] = (
        None if outcome.plan is None else _cost(outcome.plant, outcome.plan)
    )
    cold_plant = same.with_settings(time_limit=cold_limit, deterministic=False, workers=workers)
    began, cpu = time.perf_counter(), time.process_time()
    try:
        cold = solve_plan(cold_plant)
    except SolveError:
        cold = None
    row["cold_seconds"] = round(time.perf_counter() - began, 2)
    row["cold_cpu_s"] = round(time.process_time() - cpu, 2)
    row["cold_limit"] = cold_limit
    row.update(_side("cold", same, cold, baseline))
    row["cost_gap_pct"] = _ratio(row["whatif_cost"], row["cold_cost"], minus_one=True)
    # The baseline (without the rush) against the cold solve (with it): the part of the gap a
    # minimal change cannot close, as the night's plan left it.
    row["baseline_gap_pct"] = _ratio(row["baseline_cost"], row["cold_cost"], minus_one=True)
    row["steps_share_pct"] = _ratio(row["whatif_steps_moved"], row["cold_steps_moved"])
    row["cost_ok"] = _meets(
        row["cost_gap_pct"] is not None and row["cost_gap_pct"] <= COST_GOAL_PCT
    )
    row["steps_ok"] = _meets(
        row["steps_share_pct"] is not None and row["steps_share_pct"] < STEPS_GOAL_PCT
    )
    row["violations"] = sum(
        row[k] or 0 for k in ("baseline_violations", "whatif_violations", "cold_violations")
    )
    return row


def _on(plant: Plant, plan: Plan) -> Plan:
    """The plan with each made order's lateness judged against its due date on ``plant``,
    and its objective recomputed to match (without the stability term), so that the checker
    sees a consistent plan."""
    return with_objective(
        plant, judged(plant, plan, {oid: o.due for oid, o in plant.orders.items()})[1]
    )


def _cost(plant: Plant, plan: Plan) -> float:
    """The plan's objective recomputed in money, without the stability term."""
    terms = objective_money(plant, plan)
    return round(sum(v for k, v in terms.items() if k != "stability"), 2)


def _side(name: str, plant: Plant, plan: Plan | None, baseline: Plan) -> dict:
    """Cost, rush lateness, steps and orders moved and violations of one plan on ``plant``."""
    if plan is None:
        keys = ("cost", "rush_late_h", "steps_moved", "orders_moved", "dates_broken", "violations")
        return {f"{name}_{k}": None for k in keys}
    stability = stability_metrics(plant, plan, baseline)
    rush = plan.outcome("RUSH")
    return {
        f"{name}_cost": _cost(plant, plan),
        f"{name}_rush_late_h": None if rush is None else _hours(plant, rush.tardiness),
        f"{name}_steps_moved": stability.steps_moved,
        f"{name}_orders_moved": stability.orders_moved,
        f"{name}_dates_broken": stability.promised_dates_broken,
        f"{name}_violations": len(check_plan(plant, plan)),
    }


def _hours(plant: Plant, ticks: int) -> float:
    return round(plant.grid.to_timedelta(ticks).total_seconds() / 3600, 1)


def _ratio(num: float | None, den: float | None, minus_one: bool = False) -> float | None:
    """``num / den`` in % (less 100 with ``minus_one``); 0 when both are 0, inf when only den is."""
    if num is None or den is None:
        return None
    if abs(den) < 1e-9:
        return 0.0 if abs(num) < 1e-9 else math.inf
    return round(100 * (num / den - (1 if minus_one else 0)), 2)


def _meets(ok: bool) -> str:
    return "yes" if ok else "no"


def quality_markdown(rows: list[dict]) -> str:
    """A row per (size, seed), then per size the mean and the worst."""
    head = [
        "orders",
        "seed",
        "verdict",
        "slip h",
        "time to verdict s",
        "CPU s",
        "latency goal",
        "cost what-if",
        "cost cold",
        "cost gap",
        "<= 3 %",
        "baseline vs cold",
        "steps moved what-if",
        "steps moved cold",
        "steps share",
        "< 10 %",
        "violations",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for orders in dict.fromkeys(r["orders"] for r in rows):
        mine = [r for r in rows if r["orders"] == orders]
        goal = LATENCY_GOALS.get(orders)
        for r in mine:
            lines.append(
                _line(
                    orders,
                    r["seed"],
                    r["verdict"],
                    _num(r["slip_h"], 1),
                    _num(r["whatif_seconds"], 1),
                    _num(r["whatif_cpu_s"], 1),
                    "-" if goal is None else f"< {goal:g} s: {r['latency_ok']}",
                    _num(r["whatif_cost"]),
                    _num(r["cold_cost"]),
                    _pct(r["cost_gap_pct"], signed=True),
                    r["cost_ok"],
                    _pct(r.get("baseline_gap_pct"), signed=True),
                    _num(r["whatif_steps_moved"]),
                    _num(r["cold_steps_moved"]),
                    _pct(r["steps_share_pct"]),
                    r["steps_ok"],
                    r["violations"],
                )
            )
        n = len(mine)
        met = {k: sum(r[k] == "yes" for r in mine) for k in ("latency_ok", "cost_ok", "steps_ok")}
        lines.append(
            _line(
                orders,
                "**mean**",
                "",
                "",
                _num(_mean(mine, "whatif_seconds"), 1),
                _num(_mean(mine, "whatif_cpu_s"), 1),
                "-" if goal is None else f"met {met['latency_ok']}/{n}",
                _num(_mean(mine, "whatif_cost")),
                _num(_mean(mine, "cold_cost")),
                _pct(_mean(mine, "cost_gap_pct"), signed=True),
                f"{met['cost_ok']}/{n}",
                "",
                _num(_mean(mine, "whatif_steps_moved")),
                _num(_mean(mine, "cold_steps_moved")),
                _pct(_mean(mine, "steps_share_pct")),
                f"{met['steps_ok']}/{n}",
                _num(_mean(mine, "violations"), 1),
            )
        )
        slowest = _worst(mine, "whatif_seconds")
        gap, share = _worst(mine, "cost_gap_pct"), _worst(mine, "steps_share_pct")
        lines.append(
            _line(
                orders,
                "**worst**",
                "",
                "",
                _num(slowest, 1),
                _num(_worst(mine, "whatif_cpu_s"), 1),
                "-" if goal is None or slowest is None else _meets(slowest < goal),
                "",
                "",
                _pct(gap, signed=True),
                _meets(gap is not None and gap <= COST_GOAL_PCT),
                "",
                "",
                "",
                _pct(share),
                _meets(share is not None and share < STEPS_GOAL_PCT),
                max(r["violations"] for r in mine),
            )
        )
    return "\n".join(lines)


def _line(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _values(rows: list[dict], key: str) -> list[float]:
    return [r[key] for r in rows if r[key] is not None]


def _mean(rows: list[dict], key: str) -> float | None:
    values = _values(rows, key)
    return statistics.fmean(values) if values else None


def _worst(rows: list[dict], key: str) -> float | None:
    """The largest value; infinity when a row has none (no proposal or no cold plan)."""
    if any(r[key] is None for r in rows):
        return math.inf
    return max(_values(rows, key), default=None)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:,.{digits}f}"


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:{'+' if signed else ''}.1f} %"


def kept_baseline(plant: Plant, limit: float, path: Path | None) -> Plan:
    """The plant's baseline from ``path`` when it holds one (or ``path`` + ``.gz``: the
    baselines kept in the repository are packed), else solved (``limit`` s) and kept there."""
    if path is not None and path.exists():
        return load_plan(path, plant)
    packed = None if path is None else path.with_name(path.name + ".gz")
    if packed is not None and packed.exists():
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / path.name
            plain.write_bytes(gzip.decompress(packed.read_bytes()))
            return load_plan(plain, plant)
    baseline = solve_plan(plant.with_settings(time_limit=limit))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        baseline.to_json(path)
    return baseline


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[40, 200, 1000])
    parser.add_argument("--limits", type=float, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument(
        "--quality",
        action="store_true",
        help="the minimal-change quality table: default what-if against a cold solve, per seed",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--cold-limit", type=float, default=60.0, help="cold solve, seconds")
    parser.add_argument("--baseline-limit", type=float, default=20.0, help="baseline, seconds")
    parser.add_argument(
        "--baselines", type=Path, help="keep baselines here and reuse them on the next run"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.quality:
        rows = []
        for orders in args.orders:
            for seed in args.seeds:
                rows.append(
                    run_quality(
                        orders,
                        seed,
                        args.cold_limit,
                        args.workers,
                        args.baseline_limit,
                        args.baselines,
                    )
                )
                print(rows[-1], flush=True)
                write_rows(rows, args.out / "whatif_quality.csv")
        print(quality_markdown(rows))
        return
    rows = []
    for orders in args.orders:
        rows += run_size(orders, args.seed, args.limits, args.workers)
    write_rows(rows, args.out / "whatif_latency.csv")
    print(markdown(rows))


if __name__ == "__main__":
    main()
