"""What a job's child process does: open the store, solve, save, and report back.

Runs in a process of its own (``jobs``), so that a cancel can end it at any moment; every
store write is one transaction, so a process ended mid-write leaves the store as it was.
Messages go back on a queue as ``(kind, data)``: ``state``, ``progress``, then ``result`` or
``error`` (never an exception: the parent only reads the queue).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import yaml

from solver.changes.quick_entry import Entry, change_record, named_by_flags
from solver.changes.scenario import InlineSource, Scenario, parse_scenario
from solver.daily.book import carried_baseline, todays_book
from solver.daily.records import kpi_dict, save_evaluation
from solver.domain.errors import DataError, Problem, SolveError
from solver.facts.checker import check_plan
from solver.report.whatif import evaluation_dict
from solver.solve.search import plan as solve_plan
from solver.store.store import Store, StoreError, open_store
from solver.strategies import get_strategy
from solver.whatif.evaluate import evaluate

Send = Callable[[str, Any], None]
REQUEST = "request"  # how a change set sent to the API is named in problems and reports
PROGRESS_EVERY = 0.25  # seconds between two progress messages of a solve


def run(kind: str, store_url: str, payload: dict, queue: Any) -> None:
    """The child process's entry point: one job, its messages put on ``queue``.

    Parameters
    ----------
    kind : str
        ``plan`` (``plan_job``) or ``whatif`` (``whatif_job``).
    store_url : str
        The store the server uses, opened here (a connection is not shared across processes).
    payload : dict
        The job's request, as the route made it.
    queue : multiprocessing.Queue
        Receives ``("state", "running")``, ``("progress", dict)``, then ``("result", dict)``
        or ``("error", {"status", "detail", "problems"})``.
    """

    def send(what: str, data: Any) -> None:
        queue.put((what, data))

    send("state", "running")
    store = None
    try:
        store = open_store(store_url)
        if kind == "plan":
            send("result", plan_job(store, payload, send))
        else:
            send("result", whatif_job(store, payload))
    except DataError as exc:
        send("error", _error(422, exc.problems))
    except SolveError as exc:
        send("error", {"status": 422, "detail": f"no plan: {exc}", "problems": []})
    except StoreError as exc:
        send("error", {"status": 503, "detail": f"store unavailable: {exc}", "problems": []})
    except Exception as exc:  # a bug: named, never a traceback to the caller
        send("error", {"status": 500, "detail": f"internal error: {type(exc).__name__}: {exc}"})
    finally:
        if store is not None:
            store.close()
        queue.close()
        queue.join_thread()  # the messages are out before the process ends


def plan_job(store: Store, payload: dict, send: Send) -> dict:
    """Plan a stored plant, save the plan (and release it when asked and it checks).

    Parameters
    ----------
    store : Store
    payload : dict
        ``plant_id``, ``machine`` (engine settings: time limit, workers, ...), ``name``,
        ``release``, ``by``, ``note``.
    send : callable
        Takes each progress message (at most one per ``PROGRESS_EVERY`` seconds).

    Returns
    -------
    dict
        ``plan_id``, ``status``, ``objective``, ``released``, ``violations``.
    """
    plant_id = payload["plant_id"]
    plant = store.load_plant(plant_id, payload["machine"])
    plant = plant.replace(settings=plant.settings.resolved(deterministic_by_default=False))

    last = [-PROGRESS_EVERY]

    def progress(seconds: float, objective: float, bound: float | None) -> None:
        # CP-SAT improves dozens of times a second early on: a few events a second are enough.
        if seconds - last[0] >= PROGRESS_EVERY:
            last[0] = seconds
            send("progress", {"seconds": round(seconds, 2), "objective": objective, "bound": bound})

    result = solve_plan(plant, progress)
    violations = [str(v) for v in check_plan(plant, result)]
    name = payload.get("name") or f"plan of {plant.name}"
    plan_id = store.save_plan(
        plant_id, result, kind="plan", name=name, kpis=kpi_dict(plant, result)
    )
    release = payload.get("release", False) and not violations
    if release:
        store.release(plan_id, by=payload.get("by", ""), note=payload.get("note", ""))
    return {
        "plan_id": plan_id,
        "status": result.status,
        "objective": result.objective,
        "released": release,
        "violations": violations,
    }


def scenario_of(asked: dict, plant_label: str) -> tuple[Scenario, list[Entry]]:
    """The scenario a what-if request asks (``now``, ``changes`` or ``quick``, ``variants``,
    ``settings``, ``description``), validated as a scenario file is; and the quick entries,
    so that later problems are named by flag.

    Raises
    ------
    DataError
        Naming ``request``, the change (``changes[0] (add_order)``) and the field.
    """
    entries = [Entry("--" + q["flag"], tuple(q["values"])) for q in asked.get("quick", [])]
    changes = list(asked.get("changes", []))
    if entries and changes:
        raise DataError(
            [Problem(REQUEST, "whatif", "quick", "give `changes` or `quick`, not both")]
        )
    problems = []
    for entry in entries:
        change, found = change_record(entry)
        problems += found
        if change is not None:
            changes.append(change)
    if problems:
        raise DataError(problems)
    raw = {
        key: asked[key]
        for key in ("now", "variants", "settings", "description")
        if asked.get(key) not in (None, [], {}, "")
    }
    raw["changes"] = changes
    text = yaml.safe_dump({"model": plant_label, **raw}, sort_keys=False)
    source = InlineSource(REQUEST, text.encode())
    with named_by_flags(entries):
        scenario = parse_scenario(raw, source, model=InlineSource(plant_label, b""))
    return scenario, entries


def whatif_job(store: Store, payload: dict) -> dict:
    """Evaluate a change set against the released plan (as ``replan whatif --store``) and save
    the evaluation with a proposal per variant.

    Parameters
    ----------
    store : Store
    payload : dict
        ``plant_id``, ``machine`` (engine settings), ``strategy`` and ``scenario`` (the
        request's ``now``, ``changes`` or ``quick``, ``variants``, ``settings``,
        ``description``).

    Returns
    -------
    dict
        ``evaluation_id``, ``verdict`` (of the change as asked), ``verdicts`` per change set,
        ``proposals`` (variant -> plan id) and the book's ``notes``.

    Raises
    ------
    DataError
        For a change the plant refuses (named by flag for quick entries).
    SolveError
        When no baseline or proposal can be made.
    """
    plant_id = payload["plant_id"]
    scenario, entries = scenario_of(payload["scenario"], f"store plant {plant_id}")
    overrides = payload["machine"]
    strategy = get_strategy(payload["strategy"]) if payload.get("strategy") else None
    machine = {k: v for k, v in overrides.items() if k != "whatif_time_limit"}
    today = store.load_plant(plant_id, machine)
    # Deterministic by default, as for any what-if, so that the answer repeats.
    today = today.replace(settings=today.settings.resolved(deterministic_by_default=True))
    book = todays_book(store, today, scenario.now)
    with named_by_flags(entries):
        baseline = None
        if book.released is not None:
            baseline = book.baseline if book.baseline is not None else carried_baseline(book)
        evaluation = evaluate(scenario, overrides, strategy, book=(book.plant, baseline))
    violations = [
        str(v)
        for outcome in evaluation.outcomes
        if outcome.plan is not None
        for v in check_plan(outcome.plant, outcome.plan)
    ]
    if violations:  # never expected: the checker guards the what-if as it guards plans
        raise SolveError(f"a proposal breaks the model's rules: {violations[0]}")
    exact = book.released if book.baseline is not None else None
    evaluation_id, proposals = save_evaluation(
        store,
        evaluation,
        evaluation_dict(evaluation),
        baseline_row=exact,
        released_id=None if book.released is None else book.released.id,
        plant_id=book.plant_id,
        carried=book.changes,
    )
    return {
        "evaluation_id": evaluation_id,
        "verdict": evaluation.outcomes[0].verdict,
        "verdicts": {o.name: o.verdict for o in evaluation.outcomes},
        "proposals": proposals,
        "notes": list(book.notes),
    }


def _error(status: int, problems: list[Problem]) -> dict:
    detail = str(problems[0]) if len(problems) == 1 else f"{len(problems)} problems in the input"
    return {
        "status": status,
        "detail": detail,
        "problems": [dataclasses.asdict(p) for p in problems],
    }
