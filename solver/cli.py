"""`replan validate | schema | rank | plan | whatif | bench | check`: argument parsing and wiring.

Exit codes:

- 0: success; whatif: accept (or no order harmed);
- 1: a plan breaks a rule (check, or any plan a command made);
- 2: bad input: an input file, a setting, or an output option (an output onto a file the run
  reads, two outputs naming one file, a folder that cannot be created, a file that cannot be
  written); also argparse's usage errors;
- 3: whatif: accept with date (or orders harmed);
- 4: whatif: reject;
- 5: no plan found;
- 70: internal error (a bug): one line on standard error; ``REPLAN_DEBUG=1`` shows the traceback;
- 130: interrupted (Ctrl-C): no plan reported, nothing written.

Outputs are resolved before any solve and written atomically (``solver.report.output``);
``--json -`` and ``--csv -`` write to standard output, and every message of that run then goes
to standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from solver.changes.scenario import ScenarioFile, load_scenario
from solver.domain.errors import DataError, SolveError
from solver.domain.plan_schema import PlanFile
from solver.facts.balances import shortfalls
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis, objective_money
from solver.facts.supply_kpis import compute_supply_kpis
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.input.schema import PlantFile
from solver.replay.suite import event_count, load_suite, run_suite
from solver.report import console as report
from solver.report.bench import OUTPUT_FILES, print_summary, write_outputs
from solver.report.files import write_csv, write_json, write_plan_json, write_purchases_csv
from solver.report.html import plan_page, whatif_page, write_page
from solver.report.output import (
    STDOUT,
    Batch,
    plant_inputs,
    resolve_folder,
    resolve_outputs,
    scenario_inputs,
    suite_inputs,
)
from solver.report.whatif import evaluation_dict, print_evaluation
from solver.rules.ranking import rank_orders
from solver.solve.search import plan as solve_plan
from solver.strategies import STRATEGIES, get_strategy
from solver.supply.sources import has_supply
from solver.whatif.evaluate import evaluate

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_NO_PLAN = 0, 1, 2, 5
EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130
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
    _deterministic_flag(parser, "off for plan")


def _overrides(args: argparse.Namespace) -> dict:
    return {
        "time_limit": getattr(args, "time_limit", None),
        "workers": getattr(args, "workers", None),
        "seed": getattr(args, "seed", None),
        "search": getattr(args, "search", None),
        "deterministic": getattr(args, "deterministic", None),
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
    scenario = load_scenario(args.scenario)
    outputs = resolve_outputs({"--json": args.json, "--html": args.html}, scenario_inputs(scenario))
    overrides = _overrides(args)
    strategy = get_strategy(args.strategy) if args.strategy else None
    with console.status("evaluating the change..."):
        evaluation = evaluate(scenario, overrides, strategy)
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
    return evaluation.exit_code


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
    requested = {"--json": args.json, "--csv": args.csv, "--purchases": args.purchases}
    outputs = resolve_outputs({**requested, "--html": args.html}, plant_inputs(plant, args.model))
    settings = plant.settings.resolved(deterministic_by_default=False)
    with report.solve_progress(console, settings.time_limit) as progress:
        result = solve_plan(plant, settings, progress)
    kpis = compute_kpis(plant, result)
    report.print_plan_summary(console, plant, result, kpis, rank_orders(plant), head=args.head)
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
            write_plan_json(result, outputs["--json"], batch)
        if "--csv" in outputs:
            write_csv(plant, result, outputs["--csv"], batch)
        if "--purchases" in outputs:
            write_purchases_csv(plant, result, outputs["--purchases"], batch)
        if "--html" in outputs:
            write_page(outputs["--html"], plan_page(plant, result), batch)
    what = {"--json": "plan", "--csv": "steps", "--purchases": "purchases", "--html": "report"}
    _written(console, outputs, what)
    return EXIT_VIOLATIONS if violations else EXIT_OK


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    suite = load_suite(args.suite)
    out = resolve_folder("--out", args.out, OUTPUT_FILES, suite_inputs(suite))
    given = {"workers": args.workers, "seed": args.seed, "deterministic": args.deterministic}
    overrides = {k: v for k, v in given.items() if v is not None}  # --seed 0 is a seed
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"replaying {suite.data.name}", total=event_count(suite))
        rows = run_suite(suite, overrides, lambda: progress.advance(task))
    summary = write_outputs(rows, out, f"Suite {suite.data.name}")
    print_summary(console, summary, f"Suite {suite.data.name}")
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
        "--pab",
        choices=["week", "day"],
        default="week",
        help="period of the projected available balance (default week)",
    )
    plan.set_defaults(run=cmd_plan)

    whatif = commands.add_parser(
        "whatif", help="evaluate a proposed change against the baseline plan: a verdict"
    )
    whatif.add_argument("scenario")
    whatif.add_argument("--time-limit", type=float, help="seconds per solve")
    whatif.add_argument("--workers", type=int, help="CP-SAT workers")
    whatif.add_argument("--seed", type=int, help="CP-SAT random seed")
    _deterministic_flag(whatif, "on for whatif")
    whatif.add_argument("--json", help="write the whole evaluation as JSON; - for standard output")
    whatif.add_argument("--all", action="store_true", help="details for every variant")
    whatif.add_argument("--html", help="write a self-contained HTML report of the what-if")
    whatif.add_argument(
        "--strategy",
        choices=list(STRATEGIES),
        help="rescheduling strategy for the proposal (default: stable, minimal change)",
    )
    whatif.set_defaults(run=cmd_whatif)

    bench = commands.add_parser(
        "bench", help="replay a stream of changes through each strategy and compare them"
    )
    bench.add_argument("suite")
    bench.add_argument("--out", default="benchmarks/out/bench", help="folder for CSV and plots")
    bench.add_argument("--workers", type=int, help="CP-SAT workers")
    bench.add_argument("--seed", type=int, help="CP-SAT random seed")
    _deterministic_flag(bench, "on for bench")
    bench.set_defaults(run=cmd_bench)

    check = commands.add_parser("check", help="check a plan JSON against a plant, without CP-SAT")
    check.add_argument("model")
    check.add_argument("plan")
    check.set_defaults(run=cmd_check)
    return parser


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
