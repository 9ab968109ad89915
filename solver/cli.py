"""`replan validate | schema | rank | plan | explain | whatif | bench | check | release | accept |
reject | history | review | show | diff | nightly | serve`: argument parsing and wiring.

Exit codes:

- 0: success; whatif: accept (or no order harmed);
- 1: a plan breaks a rule (check, or any plan a command made);
- 2: bad input: an input file, a setting, or an output option (an output onto a file the run
  reads, two outputs naming one file, a folder that cannot be created, a file that cannot be
  written); also argparse's usage errors;
- 3: whatif: accept with date (or orders harmed);
- 4: whatif: reject;
- 5: no plan found;
- 6: the plan store cannot be opened or written (unreachable server, locked or damaged file);
- 7: plan: the memory budget fits no search worker (the dispatch plan was written);
- 8: ``--dask``: the Dask scheduler cannot be reached, or the local cluster cannot start;
- 70: internal error (a bug): one line on standard error; ``REPLAN_DEBUG=1`` shows the traceback;
- 130: interrupted (Ctrl-C): no plan reported, nothing written.

Outputs are resolved before any solve and written atomically (``solver.report.output``);
``--json -`` and ``--csv -`` write to standard output, and every message of that run then goes
to standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import math
import os
import platform
import sys
from collections.abc import Callable, Iterator
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from solver.changes.quick_entry import FLAGS as QUICK_FLAGS
from solver.changes.quick_entry import Entry, named_by_flags, quick_scenario
from solver.changes.scenario import ScenarioFile, load_scenario
from solver.daily.book import carried_baseline, todays_book
from solver.daily.nightly import DEFAULT_STRATEGY, run_nightly
from solver.daily.records import book_of, save_evaluation, save_plan
from solver.daily.review import review
from solver.dask_work import DaskUnavailable, dask_mapper
from solver.domain.errors import DataError, Problem, SolveError
from solver.domain.mapping import Mapper, serial
from solver.domain.plan_schema import PlanFile
from solver.domain.plant import Plant
from solver.domain.timegrid import parse_duration
from solver.explain.chain import explain_late, explain_order
from solver.explain.levers import price_levers
from solver.facts.balances import shortfalls
from solver.facts.checker import check_plan
from solver.facts.diff import plan_diff
from solver.facts.kpis import compute_kpis, objective_money
from solver.facts.supply_kpis import compute_supply_kpis
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.input.schema import PlantFile
from solver.replay.suite import event_count, load_suite, run_suite
from solver.report import console as report
from solver.report import daily as daily_report
from solver.report.bench import (
    OUTPUT_FILES,
    print_replications,
    print_summary,
    replication_summaries,
    write_outputs,
)
from solver.report.explain import FILE_LIMIT, explanation_dict, print_explanation, why_late_dicts
from solver.report.files import (
    write_csv,
    write_json,
    write_orders_csv,
    write_pegging_csv,
    write_plan_json,
    write_purchases_csv,
)
from solver.report.html import plan_page, whatif_page, write_page
from solver.report.levers import levers_dict, print_levers
from solver.report.output import (
    STDOUT,
    Batch,
    plant_inputs,
    resolve_folder,
    resolve_outputs,
    scenario_inputs,
    suite_inputs,
    write_text,
)
from solver.report.whatif import evaluation_dict, print_evaluation
from solver.rules.ranking import rank_orders
from solver.solve.search import plan as solve_plan
from solver.store.store import Store, StoreError, default_location, now_utc, open_store
from solver.strategies import STRATEGIES, get_strategy
from solver.supply.sources import has_supply
from solver.whatif.evaluate import evaluate

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_NO_PLAN = 0, 1, 2, 5
EXIT_STORE, EXIT_NO_SEARCH, EXIT_INTERNAL, EXIT_INTERRUPTED = 6, 7, 70, 130
EXIT_NO_DASK = 8
STORE_VARIABLE = "REPLAN_STORE"
WHY_LATE_SHOWN = 5  # late orders explained under `replan plan`, highest priority first
INTERRUPTED = "interrupted: no plan reported, nothing written"
DEBUG_VARIABLE = "REPLAN_DEBUG"


def version_text() -> str:
    """``replan 0.1.0 (OR-Tools 9.15.6755, Python 3.11.7)``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mine = version("replan")
    except PackageNotFoundError:  # running from a source tree that was never installed
        mine = "unknown (not installed)"
    try:
        from ortools import __version__ as ortools_version
    except ImportError:
        ortools_version = "unknown"
    return f"replan {mine} (OR-Tools {ortools_version}, Python {platform.python_version()})"


class _VersionAction(argparse.Action):
    """``--version``: like argparse's, but the text is only built when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs):
        kwargs.setdefault("help", "show the versions of replan, OR-Tools and Python, and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_text())
        parser.exit()


def _deterministic_flag(parser: argparse.ArgumentParser, default_text: str) -> None:
    parser.add_argument(
        "--deterministic",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"repeatable solves (settings.deterministic; default {default_text})",
    )


def _solver_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--time-limit", type=float, help="seconds per solve (settings.time_limit)")
    parser.add_argument("--workers", type=int, help="CP-SAT workers (settings.workers)")
    parser.add_argument("--seed", type=int, help="CP-SAT random seed (settings.seed)")
    parser.add_argument(
        "--search", choices=("auto", "cpsat", "lns"), help="search method (settings.search)"
    )
    _memory_flag(parser)
    _deterministic_flag(parser, "off for plan")


def _dask_flags(parser: argparse.ArgumentParser, pieces: str) -> None:
    group = parser.add_argument_group("Dask", f"run {pieces} in parallel on Dask workers")
    group.add_argument(
        "--dask", action="store_true", help="on a local cluster started for this run"
    )
    group.add_argument(
        "--dask-workers",
        type=_positive_count,
        default=2,
        help="worker processes of the local cluster (default 2)",
    )
    group.add_argument(
        "--scheduler", metavar="ADDRESS", help="on a running cluster, e.g. tcp://host:8786"
    )


def _positive_count(text: str) -> int:
    """A whole number of at least 1 (argparse names the flag when this refuses)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"give at least 1 (got {text!r})")
    return value


@contextlib.contextmanager
def _mapper(args: argparse.Namespace) -> Iterator[Mapper]:
    """The serial mapper, or a Dask one with ``--dask`` or ``--scheduler``."""
    if not (args.dask or args.scheduler):
        yield serial
        return
    with dask_mapper(args.scheduler, args.dask_workers) as mapped:
        yield mapped


def _memory_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        help="memory budget of a solve, e.g. 300MB or 16GB (settings.memory; default half "
        "the available memory)",
    )


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (argparse names the flag when this refuses)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"give a number of seconds above 0 (got {text!r})")
    return value


def _overrides(args: argparse.Namespace) -> dict:
    return {
        "time_limit": getattr(args, "time_limit", None),
        "workers": getattr(args, "workers", None),
        "seed": getattr(args, "seed", None),
        "search": getattr(args, "search", None),
        "memory": getattr(args, "memory", None),
        "deterministic": getattr(args, "deterministic", None),
        "whatif_time_limit": getattr(args, "whatif_time_limit", None),
    }


def _errors() -> Console:
    """Standard error, for problems, warnings and failures."""
    return _console(stderr=True)


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model)
    firm = sum(not o.optional for o in plant.orders.values())
    console.print(
        f"[green]OK[/green] {args.model}: {len(plant.resources)} resources, "
        f"{len(plant.products)} products, {len(plant.customers)} customers, "
        f"{len(plant.orders)} orders ({firm} firm), {len(plant.pins)} in progress"
    )
    report.print_warnings(_errors(), plant.warnings)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, console: Console) -> int:
    model = ScenarioFile if args.scenario else PlanFile if args.plan else PlantFile
    print(json.dumps(model.model_json_schema(by_alias=True), indent=2))
    return EXIT_OK


def cmd_whatif(args: argparse.Namespace, console: Console) -> int:
    entries = [Entry(flag, tuple(values)) for flag, values in args.quick or []]
    if entries or args.now is not None:
        scenario = quick_scenario(args.scenario, entries, args.now)
    else:
        scenario = load_scenario(args.scenario)
    outputs = resolve_outputs({"--json": args.json, "--html": args.html}, scenario_inputs(scenario))
    overrides = {**_overrides(args), "baseline_time_limit": args.baseline_time_limit}
    strategy = get_strategy(args.strategy) if args.strategy else None
    store, book = None, None
    if args.store is not None:
        store = _open(args, scenario.model_path)
        # The released plan is carried onto today's book with the what-if's machine settings,
        # so that the answer repeats (deterministic by default, as for any what-if).
        today = load_plant(scenario.model_path, _overrides(args))
        today = today.replace(settings=today.settings.resolved(deterministic_by_default=True))
        book = todays_book(store, today, scenario.now)
    # The changes meet the plant only here: their problems, too, are named by flag.
    with console.status("evaluating the change..."), named_by_flags(entries):
        if book is not None and book.released is not None:
            baseline = book.baseline
            if baseline is None:  # the released plan carried onto today's book
                baseline = carried_baseline(book)
            book_plan = (book.plant, baseline)
        else:
            book_plan = None
        with _mapper(args) as mapper:
            evaluation = evaluate(scenario, overrides, strategy, book=book_plan, mapper=mapper)
    report.print_warnings(_errors(), evaluation.plant.warnings)
    print_evaluation(console, evaluation, detail_all=args.all)
    violations = [
        v
        for outcome in evaluation.outcomes
        if outcome.plan is not None
        for v in check_plan(outcome.plant, outcome.plan)
    ]
    if violations:  # never expected: the checker guards the what-if as it guards plans
        report.print_violations(console, violations)
        return EXIT_VIOLATIONS
    with Batch() as batch:
        if "--json" in outputs:
            write_json(evaluation_dict(evaluation), outputs["--json"], batch)
        if "--html" in outputs:
            write_page(outputs["--html"], whatif_page(evaluation), batch)
    _written(console, outputs, {"--json": "evaluation", "--html": "report"})
    if store is not None:
        released = book.released if book is not None else None
        exact = released if book is not None and book.baseline is not None else None
        evaluation_id, proposals = save_evaluation(
            store,
            evaluation,
            evaluation_dict(evaluation),
            baseline_row=exact,
            released_id=None if released is None else released.id,
            plant_id=book.plant_id,
            carried=book.changes,
        )
        console.print(
            f"what-if {evaluation_id} saved in {store.label}; proposals: "
            + (", ".join(f"{v} = plan {i}" for v, i in proposals.items()) or "none")
            + (f"; `replan accept {evaluation_id}` releases the first" if proposals else ""),
            markup=False,
            highlight=False,
        )
    return evaluation.exit_code


class _QuickEntryFlag(argparse.Action):
    """Collects whatif's quick-entry flags in one list, in the order typed: a change may refer
    to an order an earlier one adds, as in a scenario file's list of changes."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        entries = list(getattr(namespace, self.dest) or [])
        given = values if isinstance(values, list) else [values]
        entries.append((self.option_strings[0], given))
        setattr(namespace, self.dest, entries)


def _quick_entry_flags(whatif: argparse.ArgumentParser) -> None:
    """--add-order, --cancel, --due, --quantity and --now: a what-if without a scenario file."""
    group = whatif.add_argument_group(
        "quick entry", "changes typed in place of a scenario file; the file is then the model"
    )
    shapes = {
        "--add-order": ({}, "a new order; without PRICE it is refused at intake, as in a file"),
        "--cancel": ({}, "cancel an order"),
        "--due": ({"nargs": 2}, "move an order's due date"),
        "--quantity": ({"nargs": 2}, "change an order's quantity"),
    }
    for flag, (extra, text) in shapes.items():
        usage = QUICK_FLAGS[flag].usage.split(" ")[1:]
        metavar = tuple(usage) if len(usage) > 1 else usage[0]
        group.add_argument(
            flag, dest="quick", action=_QuickEntryFlag, metavar=metavar, help=text, **extra
        )
    group.add_argument(
        "--now",
        metavar="DATETIME",
        help="the moment of asking, read as a scenario's now: (default: the plan start)",
    )


def _written(console: Console, outputs: dict, what: dict[str, str]) -> None:
    for option, target in outputs.items():
        console.print(f"{what[option]} written to {target}", markup=False, highlight=False)


def cmd_rank(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model)
    report.print_warnings(_errors(), plant.warnings)
    report.print_ranking(console, plant, rank_orders(plant), args.top)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model, _overrides(args))
    report.print_warnings(_errors(), plant.warnings)
    requested = {
        "--json": args.json,
        "--csv": args.csv,
        "--purchases": args.purchases,
        "--orders-csv": args.orders_csv,
        "--pegging": args.pegging,
    }
    outputs = resolve_outputs({**requested, "--html": args.html}, plant_inputs(plant, args.model))
    plant = plant.replace(settings=plant.settings.resolved(deterministic_by_default=False))
    with (
        _mapper(args) as mapper,
        report.solve_progress(console, plant.settings.time_limit) as progress,
    ):
        if mapper is not serial:
            # One LNS neighbourhood per Dask worker each round, unless the settings ask more.
            portfolio = max(plant.settings.lns_portfolio, args.dask_workers)
            plant = plant.with_settings(lns_portfolio=portfolio)
        result = solve_plan(plant, progress, mapper)
    kpis = compute_kpis(plant, result)
    ranks = rank_orders(plant)
    # The files explain more late orders than the console shows; one pass serves all three.
    files = "--json" in outputs or "--html" in outputs
    why_late = explain_late(
        plant, result, ranks=ranks, limit=FILE_LIMIT if files else WHY_LATE_SHOWN
    )
    report.print_plan_summary(
        console, plant, result, kpis, ranks, head=args.head, why_late=why_late[:WHY_LATE_SHOWN]
    )
    if has_supply(plant):
        report.print_supply(
            console,
            plant,
            result,
            compute_supply_kpis(plant, result),
            shortfalls(plant, result, args.pab),
            args.pab,
        )
    violations = check_plan(plant, result)
    if violations:  # never expected: the checker guards the solver
        report.print_violations(console, violations)
    with Batch() as batch:
        if "--json" in outputs:
            write_plan_json(
                result, outputs["--json"], batch, why_late=why_late_dicts(plant, why_late)
            )
        if "--csv" in outputs:
            write_csv(plant, result, outputs["--csv"], batch)
        if "--purchases" in outputs:
            write_purchases_csv(plant, result, outputs["--purchases"], batch)
        if "--orders-csv" in outputs:
            write_orders_csv(plant, result, outputs["--orders-csv"], batch)
        if "--pegging" in outputs:
            write_pegging_csv(plant, result, outputs["--pegging"], batch)
        if "--html" in outputs:
            write_page(outputs["--html"], plan_page(plant, result, why_late), batch)
    what = {
        "--json": "plan",
        "--csv": "steps",
        "--purchases": "purchases",
        "--html": "report",
        "--orders-csv": "orders",
        "--pegging": "pegging",
    }
    _written(console, outputs, what)
    if args.store is not None:
        store = _open(args, args.model)
        release = args.release and not violations
        name = args.name or f"plan of {plant.name}"
        plan_id = save_plan(store, plant, result, name=name, release=release, by=_by(args))
        state = "saved and released" if release else "saved"
        console.print(f"plan {plan_id} {state} in {store.label}", markup=False, highlight=False)
    if violations:
        return EXIT_VIOLATIONS
    if result.stats.get("memory_cut"):
        _errors().print(
            f"memory budget: {result.stats['workers_note']}",
            markup=False,
            highlight=False,
        )
        return EXIT_NO_SEARCH
    return EXIT_OK


def cmd_explain(args: argparse.Namespace, console: Console) -> int:
    if args.source.endswith(".json"):  # as diff tells a plan file from a stored plan
        plant, plan, outputs = _explained_plan(args)
    else:
        plant, plan, outputs = _planned_model(args, console)
    violations = check_plan(plant, plan)
    if violations:  # read from the plan's times, an explanation of a broken plan would mislead
        report.print_violations(console, violations)
        return EXIT_VIOLATIONS
    explanation = explain_order(plant, plan, args.order)
    print_explanation(console, plant, explanation)
    # Levers are priced by repeatable solves, whatever the plan's own search was.
    pricing = plant.replace(settings=plant.settings.resolved(deterministic_by_default=True))
    with console.status("pricing levers..."):
        levers = price_levers(pricing, plan, args.order)
    if explanation.tardiness:
        print_levers(console, plant, args.order, levers)
    with Batch() as batch:
        if "--json" in outputs:
            answer = {**explanation_dict(plant, explanation), "levers": levers_dict(plant, levers)}
            write_json(answer, outputs["--json"], batch)
    _written(console, outputs, {"--json": "explanation"})
    return EXIT_OK


def _planned_model(args: argparse.Namespace, console: Console) -> tuple:
    """(plant, plan, outputs) of ``replan explain MODEL ORDER``: the model planned as
    ``replan plan`` plans it, with the same settings and flags."""
    if args.model is not None:
        raise DataError(
            [Problem("command line", "--model", "", "give --model only with a plan JSON file")]
        )
    plant = load_plant(args.source, _overrides(args))
    report.print_warnings(_errors(), plant.warnings)
    _known_order(plant, args.order, args.source)  # before the solve: a typo costs nothing
    outputs = resolve_outputs({"--json": args.json}, plant_inputs(plant, args.source))
    plant = plant.replace(settings=plant.settings.resolved(deterministic_by_default=False))
    with report.solve_progress(console, plant.settings.time_limit) as progress:
        plan = solve_plan(plant, progress)
    return plant, plan, outputs


def _explained_plan(args: argparse.Namespace) -> tuple:
    """(plant, plan, outputs) of ``replan explain PLAN.json ORDER --model MODEL``."""
    if args.model is None:
        raise DataError(
            [Problem(args.source, "plan", "", "a plan JSON file needs its model: --model MODEL")]
        )
    plant = load_plant(args.model)
    report.print_warnings(_errors(), plant.warnings)
    _known_order(plant, args.order, args.model)
    inputs = [*plant_inputs(plant, args.model), args.source]
    outputs = resolve_outputs({"--json": args.json}, inputs)
    return plant, load_plan(args.source, plant), outputs


def _known_order(plant: Plant, order: str, model: str) -> None:
    """An order id the plant has, else bad input naming it and how to list the valid ones."""
    if order in plant.orders:
        return
    close = difflib.get_close_matches(order, list(plant.orders), n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise DataError(
        [
            Problem(
                "command line",
                "ORDER",
                "",
                f"{model} has no order {order!r}; {hint}`replan rank {model}` lists the "
                f"{len(plant.orders)} order ids",
            )
        ]
    )


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    suite = load_suite(args.suite)
    out = resolve_folder("--out", args.out, OUTPUT_FILES, suite_inputs(suite))
    overrides = {k: v for k, v in _overrides(args).items() if v is not None}  # --seed 0 is a seed
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"replaying {suite.data.name}", total=event_count(suite))
        with _mapper(args) as mapper:
            parallel = None if mapper is serial else mapper
            rows = run_suite(suite, overrides, lambda: progress.advance(task), parallel)
    summary = write_outputs(rows, out, f"Suite {suite.data.name}")
    print_summary(console, summary, f"Suite {suite.data.name}")
    print_replications(console, replication_summaries(rows))
    console.print(f"rows, summary and plots written to {out}/", markup=False, highlight=False)
    violations = sum(v["violations"] for v in summary.values())
    return EXIT_VIOLATIONS if violations else EXIT_OK


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model)
    # A plan made for another plant, start or time grid is bad input, not a set of violations.
    plan = load_plan(args.plan, plant)
    violations = check_plan(plant, plan)
    if violations:
        report.print_violations(console, violations)
        return EXIT_VIOLATIONS
    terms = objective_money(plant, plan)
    console.print(
        f"[green]OK[/green] {args.plan}: no violations; objective recomputed from the "
        f"plan {sum(terms.values()):,.2f} {plant.currency} "
        f"({', '.join(f'{k} {v:,.2f}' for k, v in terms.items())})"
    )
    return EXIT_OK


def _by(args: argparse.Namespace) -> str:
    return args.by or os.environ.get("USER", "") or "unknown"


def _open(args: argparse.Namespace, model: str | os.PathLike | None = None) -> Store:
    """The store named by --store, $REPLAN_STORE, or the file beside the model."""
    location = args.store or os.environ.get(STORE_VARIABLE, "")
    if not location:
        if model is None:
            raise DataError(
                [
                    Problem(
                        "command line",
                        "--store",
                        "",
                        f"give the plan store: --store PATH or URL, or set {STORE_VARIABLE}",
                    )
                ]
            )
        location = str(default_location(model))
    return open_store(location)


def _stored(store: Store, reference: str, model: str | None) -> tuple:
    """(name, plant, plan) for a plan reference: a store reference or a plan JSON file."""
    if reference.endswith(".json") and os.path.exists(reference):
        if model is None:
            raise DataError(
                [Problem(reference, "plan", "", "a plan JSON file needs its model: --model MODEL")]
            )
        plant = load_plant(model)
        return reference, plant, load_plan(reference, plant)
    row = store.plan_row(reference)
    return f"{reference} (plan {row.id})", book_of(store, row), store.plan_of(row)


def cmd_release(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    row = store.plan_row(args.plan)
    plant = book_of(store, row)
    violations = check_plan(plant, store.plan_of(row).pinned_only_at(plant.pins))
    if violations:
        report.print_violations(console, violations)
        return EXIT_VIOLATIONS
    store.release(row.id, by=_by(args), note=args.note)
    console.print(f"plan {row.id} released", markup=False, highlight=False)
    return EXIT_OK


def cmd_accept(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    evaluation = store.evaluation_row(args.evaluation)
    plan_id = store.accept(evaluation.id, args.variant, by=_by(args), note=args.note)
    console.print(
        f"what-if {evaluation.id} accepted: plan {plan_id} is the released plan",
        markup=False,
        highlight=False,
    )
    return EXIT_OK


def cmd_reject(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    evaluation = store.evaluation_row(args.evaluation)
    store.reject(evaluation.id, by=_by(args), note=args.note)
    console.print(f"what-if {evaluation.id} rejected", markup=False, highlight=False)
    return EXIT_OK


def cmd_history(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    since = None
    if args.since:
        since = now_utc() - parse_duration(args.since)
    daily_report.print_history(console, store.history(since, args.limit))
    return EXIT_OK


def cmd_review(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    outputs = resolve_outputs({"--json": args.json}, _store_inputs(store))
    since = None if not args.since else now_utc() - parse_duration(args.since)
    result = review(store, since)
    daily_report.print_review(console, result)
    with Batch() as batch:
        if "--json" in outputs:
            write_json(daily_report.review_dict(result), outputs["--json"], batch)
    _written(console, outputs, {"--json": "review"})
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    outputs = resolve_outputs({"--json": args.json}, _store_inputs(store))
    row = store.plan_row(args.plan)
    daily_report.print_plan_row(console, row, store.released_id())
    if "--json" in outputs:
        with Batch() as batch:
            write_json(row.plan, outputs["--json"], batch)
        _written(console, outputs, {"--json": "plan"})
    return EXIT_OK


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    store = _open(args)
    requested = {"--json": args.json, "--csv": args.csv}
    outputs = resolve_outputs(requested, _store_inputs(store))
    name_a, plant_a, plan_a = _stored(store, args.a, args.model)
    name_b, plant_b, plan_b = _stored(store, args.b, args.model)
    diff = plan_diff(plant_a, plan_a, plant_b, plan_b, name_a, name_b)
    daily_report.print_diff(console, diff, head=args.head)
    with Batch() as batch:
        daily_report.write_diff(diff, outputs, batch)
    _written(console, outputs, {"--json": "diff", "--csv": "diff"})
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    # Deferred: FastAPI and uvicorn load only for this command, not for every `replan` run.
    from solver.service.run import serve
    from solver.service.settings import DEFAULT_STORE, read_token, service_settings

    settings = service_settings(
        host=args.host,
        port=args.port,
        max_solves=args.max_solves,
        token=read_token(args.token_file),
    )
    serve(args.store or os.environ.get(STORE_VARIABLE, "") or DEFAULT_STORE, settings)
    return EXIT_OK


def cmd_nightly(args: argparse.Namespace, console: Console) -> int:
    store = _open(args, args.model)
    today = load_plant(args.model, _overrides(args))
    report.print_warnings(_errors(), today.warnings)
    requested = {"--json": args.json, "--report": args.report}
    outputs = resolve_outputs(requested, [*plant_inputs(today, args.model), *_store_inputs(store)])
    budget = parse_duration(args.budget).total_seconds()
    now = None
    if args.now:
        now = load_plant_now(args.now)
    with console.status("re-planning the book..."):
        result = run_nightly(
            store,
            today,
            now=now,
            strategy=args.strategy,
            budget=budget,
            release=args.release,
            by=_by(args),
        )
    daily_report.print_morning(console, result)
    with Batch() as batch:
        if "--json" in outputs:
            write_json(daily_report.morning_dict(result), outputs["--json"], batch)
        if "--report" in outputs:
            write_text(outputs["--report"], daily_report.morning_text(result), batch)
    _written(console, outputs, {"--json": "morning report", "--report": "morning report"})
    return EXIT_VIOLATIONS if result.violations else EXIT_OK


def load_plant_now(text: str) -> datetime:
    """--now as a date and time (ISO), with the error a file's field would get."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DataError(
            [
                Problem(
                    "command line",
                    "--now",
                    "",
                    f"{text!r} is not a date and time; give e.g. 2026-11-24T06:00",
                )
            ]
        ) from None


def _store_inputs(store: Store) -> list[str]:
    """The store's own file, which no output may overwrite."""
    database = store.engine.url.database
    return [database] if store.engine.url.get_backend_name() == "sqlite" and database else []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replan", description="Re-plan production when orders change."
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="check a plant model file and list every problem"
    )
    validate.add_argument("model")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of plant files")
    which = schema.add_mutually_exclusive_group()
    which.add_argument(
        "--scenario", action="store_true", help="the schema of what-if scenario files instead"
    )
    which.add_argument(
        "--plan", action="store_true", help="the schema of plan JSON files (--json) instead"
    )
    schema.set_defaults(run=cmd_schema)

    rank = commands.add_parser("rank", help="rank orders by urgency, customer tier and margin")
    rank.add_argument("model")
    rank.add_argument("--top", type=int, default=None, help="show only the first N")
    rank.set_defaults(run=cmd_rank)

    plan = commands.add_parser("plan", help="plan the whole book of orders")
    plan.add_argument("model")
    _solver_flags(plan)
    _dask_flags(plan, "an LNS search's neighbourhoods (settings.lns_portfolio per round)")
    plan.add_argument(
        "--json", help="write the plan as JSON (input of `replan check`); - for standard output"
    )
    plan.add_argument("--csv", help="write the scheduled steps as CSV; - for standard output")
    plan.add_argument("--head", type=int, default=10, help="ranked orders to show")
    plan.add_argument("--html", help="write a self-contained HTML report (Gantt charts, KPIs)")
    plan.add_argument(
        "--purchases", help="write the purchase list with pegging as CSV (plants with supply)"
    )
    plan.add_argument(
        "--orders-csv",
        help="write one row per order as CSV: due, promised date, planned completion, late by "
        "(days), status; - for standard output",
    )
    plan.add_argument(
        "--pegging",
        help="write the pegging of the purchases as CSV: one row per shipment and order",
    )
    plan.add_argument(
        "--pab",
        choices=["week", "day"],
        default="week",
        help="period of the projected available balance (default week)",
    )
    _store_flag(plan, True)
    plan.add_argument("--release", action="store_true", help="with --store: release the plan")
    plan.add_argument("--name", help="with --store: the plan's name")
    plan.add_argument("--by", help="with --store: who releases it (default: $USER)")
    plan.set_defaults(run=cmd_plan)

    explain = commands.add_parser(
        "explain",
        help="why an order completes when it does: its critical chain, cause by cause",
        description="Why an order completes when it does: its steps from the last back, with "
        "when each was ready, why it started later (other orders on its resource, the "
        "calendar, a downtime, a lag, the release, material), its slack, and whether the order "
        "is late even alone. A model is planned first, as `replan plan` plans it; a plan JSON "
        "file is explained as it is (give its model with --model).",
    )
    explain.add_argument(
        "source", metavar="MODEL|PLAN", help="a plant model file, or a plan JSON file"
    )
    explain.add_argument("order", metavar="ORDER", help="the order to explain")
    explain.add_argument("--model", help="the model of a plan JSON file")
    _solver_flags(explain)
    explain.add_argument("--json", help="write the explanation as JSON; - for standard output")
    explain.set_defaults(run=cmd_explain)

    whatif = commands.add_parser(
        "whatif",
        help="evaluate a proposed change against the baseline plan: a verdict",
        usage="%(prog)s SCENARIO [options]\n"
        "       %(prog)s MODEL (--add-order ID,CUSTOMER,PRODUCT,QTY,DUE[,PRICE] | --cancel ID"
        " | --due ID DATE | --quantity ID QTY)... [--now DATETIME] [options]",
        description="Evaluate a proposed change against the baseline plan: a verdict.\n\n"
        "The change is a scenario file, or quick-entry flags typed after the plant model\n"
        "(no YAML needed). Each flag is repeatable and they apply in the order given; the\n"
        "answer is the one a scenario file with the same changes (add_order, cancel_order,\n"
        "change_due, change_quantity) and the same now would get. Quick-entry flags with a\n"
        "scenario file are an error (exit 2).",
        epilog="example (Acme phones at 8 on Monday for 150 CTRL-100 by Thursday at 90 EUR):\n"
        "  replan whatif models/demo.yaml --now 2026-11-23T08:00 \\\n"
        "      --add-order RUSH-ACME,ACME,CTRL-100,150,2026-11-26,90",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    whatif.add_argument(
        "scenario",
        metavar="SCENARIO | MODEL",
        help="a scenario file; with quick-entry flags, the plant model file",
    )
    _quick_entry_flags(whatif)
    whatif.add_argument(
        "--time-limit",
        type=float,
        help="seconds per solve, the baseline's included when the what-if solves one",
    )
    whatif.add_argument(
        "--baseline-time-limit",
        type=_seconds,
        help="seconds for solving the baseline (default: --time-limit, else the scenario's and "
        "then the model's time_limit); a given or stored baseline is used as it is",
    )
    whatif.add_argument(
        "--whatif-time-limit",
        type=_seconds,
        help="seconds (deterministic units when deterministic) that the solves of one change "
        "set's answer share (setting whatif_time_limit, default 4)",
    )
    whatif.add_argument("--workers", type=int, help="CP-SAT workers")
    whatif.add_argument("--seed", type=int, help="CP-SAT random seed")
    _memory_flag(whatif)
    _deterministic_flag(whatif, "on for whatif")
    whatif.add_argument("--json", help="write the whole evaluation as JSON; - for standard output")
    whatif.add_argument("--all", action="store_true", help="details for every variant")
    _store_flag(whatif, True)
    whatif.add_argument("--html", help="write a self-contained HTML report of the what-if")
    whatif.add_argument(
        "--strategy",
        choices=list(STRATEGIES),
        help="rescheduling strategy for the proposal (default: stable, minimal change)",
    )
    _dask_flags(whatif, "the change as asked and each variant")
    whatif.set_defaults(run=cmd_whatif)

    bench = commands.add_parser(
        "bench", help="replay a stream of changes through each strategy and compare them"
    )
    bench.add_argument("suite")
    bench.add_argument("--out", default="benchmarks/out/bench", help="folder for CSV and plots")
    bench.add_argument("--workers", type=int, help="CP-SAT workers")
    bench.add_argument("--seed", type=int, help="CP-SAT random seed")
    _memory_flag(bench)
    _deterministic_flag(bench, "on for bench")
    _dask_flags(bench, "the plants' baselines and every plant x strategy replay")
    bench.set_defaults(run=cmd_bench)

    check = commands.add_parser("check", help="check a plan JSON against a plant, without CP-SAT")
    check.add_argument("model")
    check.add_argument("plan")
    check.set_defaults(run=cmd_check)
    _daily_parsers(commands)
    return parser


def _store_flag(parser: argparse.ArgumentParser, beside_model: bool) -> None:
    where = " (alone: the file beside the model)" if beside_model else ""
    optional = {"nargs": "?", "const": ""} if beside_model else {}
    parser.add_argument(
        "--store",
        **optional,
        default=None,
        metavar="PATH_OR_URL",
        help=f"the plan store: a SQLite file or a SQLAlchemy URL{where}; default ${STORE_VARIABLE}",
    )


def _decision_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", help="who decides (default: $USER)")
    parser.add_argument("--note", default="", help="a note kept with the decision")


def _daily_parsers(commands) -> None:
    release = commands.add_parser("release", help="make a stored plan the released plan")
    release.add_argument("plan", help="plan id, released~N or candidate")
    _store_flag(release, False)
    _decision_flags(release)
    release.set_defaults(run=cmd_release)

    accept = commands.add_parser(
        "accept", help="release the proposal of a stored what-if (refused if stale)"
    )
    accept.add_argument("evaluation", help="what-if id (printed by whatif --store)")
    accept.add_argument("variant", nargs="?", help="variant name (default: the first)")
    _store_flag(accept, False)
    _decision_flags(accept)
    accept.set_defaults(run=cmd_accept)

    reject = commands.add_parser("reject", help="record that a stored what-if was rejected")
    reject.add_argument("evaluation")
    _store_flag(reject, False)
    _decision_flags(reject)
    reject.set_defaults(run=cmd_reject)

    history = commands.add_parser("history", help="released plans and decisions")
    history.add_argument("--since", help="only the last period, e.g. 30d")
    history.add_argument("--limit", type=int, default=None)
    _store_flag(history, False)
    history.set_defaults(run=cmd_history)

    review_ = commands.add_parser(
        "review", help="after-the-fact review: changes by customer, product, channel; promises"
    )
    review_.add_argument("--since", default="30d", help="the last period (default 30d)")
    review_.add_argument("--json", help="write the review as JSON; - for standard output")
    _store_flag(review_, False)
    review_.set_defaults(run=cmd_review)

    show = commands.add_parser("show", help="a stored plan: status, objective, KPIs, provenance")
    show.add_argument("plan", help="plan id, released, released~N or candidate")
    show.add_argument("--json", help="write the plan JSON; - for standard output")
    _store_flag(show, False)
    show.set_defaults(run=cmd_show)

    diff = commands.add_parser(
        "diff", help="orders that differ between two plans, KPIs side by side"
    )
    diff.add_argument("a", help="plan id, released, released~N, candidate or a plan JSON file")
    diff.add_argument("b")
    diff.add_argument("--model", help="the model of a plan JSON file")
    diff.add_argument("--csv", help="write one row per changed order; - for standard output")
    diff.add_argument("--json", help="write orders and KPIs as JSON; - for standard output")
    diff.add_argument("--head", type=int, default=30, help="orders to show")
    _store_flag(diff, False)
    diff.set_defaults(run=cmd_diff)

    serve = commands.add_parser(
        "serve",
        help="the HTTP API over the plan store (FastAPI; OpenAPI docs at /docs)",
        description="Serve the plan store and the engine over HTTP: plants, plans, what-ifs, "
        "decisions, history, explanations; solves run as jobs in child processes. Loopback "
        "only by default; another --host needs an API token ($REPLAN_API_TOKEN or "
        "--token-file), which every request must then send as Authorization: Bearer TOKEN.",
    )
    serve.add_argument(
        "--store",
        metavar="PATH_OR_URL",
        help=f"the plan store: a SQLite file or a SQLAlchemy URL; default ${STORE_VARIABLE}, "
        "else replan.db in the current folder",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--max-solves",
        type=_positive_count,
        default=2,
        help="solves running at once; one more is refused with 429 (default 2)",
    )
    serve.add_argument(
        "--token-file", metavar="FILE", help="the API token, first line (else $REPLAN_API_TOKEN)"
    )
    serve.set_defaults(run=cmd_serve)

    nightly = commands.add_parser(
        "nightly", help="re-plan the whole book against the released plan (for cron)"
    )
    nightly.add_argument("model", help="today's plant file")
    _store_flag(nightly, True)
    nightly.add_argument("--budget", default="20m", help="solving time in all (default 20m)")
    nightly.add_argument(
        "--strategy",
        default=DEFAULT_STRATEGY,
        choices=sorted(STRATEGIES),
        help=f"rescheduling strategy (default {DEFAULT_STRATEGY}, measured best overnight)",
    )
    nightly.add_argument(
        "--release", action="store_true", help="release the candidate if it checks"
    )
    nightly.add_argument("--now", help="the moment before which nothing changes (default: start)")
    nightly.add_argument("--json", help="write the morning report as JSON")
    nightly.add_argument("--report", help="write the morning report as text")
    nightly.add_argument("--by", help="who runs it (default: $USER)")
    _solver_flags(nightly)
    nightly.set_defaults(run=cmd_nightly)


def _console(stderr: bool = False) -> Console:
    # Piped output (CI logs, files) gets room for the wide tables instead of rich's 80 columns.
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr) if stream.isatty() else Console(stderr=stderr, width=130)


def _to_stdout(args: argparse.Namespace) -> bool:
    return STDOUT in (getattr(args, "json", None), getattr(args, "csv", None))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `replan` console script; returns the exit code (module docstring)."""
    args = build_parser().parse_args(argv)
    # With an output on standard output, everything else goes to standard error.
    console = _console(stderr=_to_stdout(args))
    run: Callable[[argparse.Namespace, Console], int] = args.run
    try:
        code = run(args, console)
    except DataError as exc:
        report.print_problems(_errors(), exc.problems)
        code = EXIT_BAD_INPUT
    except SolveError as exc:
        _errors().print(f"[red]no plan[/red]: {exc}")
        code = EXIT_NO_PLAN
    except StoreError as exc:
        _errors().print(f"[red]store unavailable[/red]: {exc}", highlight=False)
        code = EXIT_STORE
    except DaskUnavailable as exc:
        _errors().print(f"[red]Dask unavailable[/red]: {exc}", highlight=False)
        code = EXIT_NO_DASK
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}; please report it "
            f"({DEBUG_VARIABLE}=1 shows the traceback)",
            file=sys.stderr,
        )
        code = EXIT_INTERNAL
    return code


def run() -> None:
    """Console-script wrapper: exit with main's code."""
    sys.exit(main())


if __name__ == "__main__":
    run()
