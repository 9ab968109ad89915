"""`replan validate | schema | rank | plan | check | whatif`: argument parsing and wiring only.

Exit codes: 0 success, 1 a plan breaks a rule (check, or any plan a command made), 2 bad
input, 5 no plan found; whatif:
0 accept (or no order harmed), 3 accept with date (or orders harmed), 4 reject.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from solver.alerts import shortfalls
from solver.bench import event_count, load_suite, run_suite
from solver.checker import check_plan
from solver.cpsat.search import plan as solve_plan
from solver.errors import DataError, SolveError
from solver.kpis import compute_kpis, objective_money
from solver.loading import load_plant
from solver.plan import Plan
from solver.ranking import rank_orders
from solver.report import console as report
from solver.report.bench import print_summary, write_outputs
from solver.report.files import write_csv, write_purchases_csv
from solver.report.html import plan_page, whatif_page, write_page
from solver.report.whatif import evaluation_dict, print_evaluation
from solver.scenario import ScenarioFile, load_scenario
from solver.schema import PlantFile
from solver.strategies import STRATEGIES, get_strategy
from solver.supply import has_supply
from solver.supply_kpis import compute_supply_kpis
from solver.whatif import evaluate

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_NO_PLAN = 0, 1, 2, 5


def _solver_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--time-limit", type=float, help="seconds per solve (settings.time_limit)")
    parser.add_argument("--workers", type=int, help="CP-SAT workers (settings.workers)")
    parser.add_argument("--seed", type=int, help="CP-SAT random seed (settings.seed)")
    parser.add_argument(
        "--search", choices=("auto", "cpsat", "lns"), help="search method (settings.search)"
    )


def _overrides(args: argparse.Namespace) -> dict:
    return {
        "time_limit": getattr(args, "time_limit", None),
        "workers": getattr(args, "workers", None),
        "seed": getattr(args, "seed", None),
        "search": getattr(args, "search", None),
    }


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model)
    firm = sum(not o.optional for o in plant.orders.values())
    console.print(
        f"[green]OK[/green] {args.model}: {len(plant.resources)} resources, "
        f"{len(plant.products)} products, {len(plant.customers)} customers, "
        f"{len(plant.orders)} orders ({firm} firm), {len(plant.pins)} in progress"
    )
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, console: Console) -> int:
    model = ScenarioFile if args.scenario else PlantFile
    print(json.dumps(model.model_json_schema(by_alias=True), indent=2))
    return EXIT_OK


def cmd_whatif(args: argparse.Namespace, console: Console) -> int:
    scenario = load_scenario(args.scenario)
    overrides = {"time_limit": args.time_limit, "workers": args.workers, "seed": args.seed}
    strategy = get_strategy(args.strategy) if args.strategy else None
    with console.status("evaluating the change..."):
        evaluation = evaluate(scenario, overrides, strategy)
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
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(evaluation_dict(evaluation), handle, indent=1)
        console.print(f"evaluation written to {args.json}")
    if args.html:
        write_page(args.html, whatif_page(evaluation))
        console.print(f"report written to {args.html}")
    return evaluation.exit_code


def cmd_rank(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model)
    report.print_ranking(console, plant, rank_orders(plant), args.top)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model, _overrides(args))
    settings = plant.settings
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
    if args.json:
        result.to_json(args.json)
        console.print(f"plan written to {args.json}")
    if args.csv:
        write_csv(plant, result, args.csv)
        console.print(f"steps written to {args.csv}")
    if args.purchases:
        write_purchases_csv(plant, result, args.purchases)
        console.print(f"purchases written to {args.purchases}")
    if args.html:
        write_page(args.html, plan_page(plant, result))
        console.print(f"report written to {args.html}")
    return EXIT_VIOLATIONS if violations else EXIT_OK


def cmd_bench(args: argparse.Namespace, console: Console) -> int:
    suite = load_suite(args.suite)
    overrides = {k: v for k, v in {"workers": args.workers, "seed": args.seed}.items() if v}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"replaying {suite.data.name}", total=event_count(suite))
        rows = run_suite(suite, overrides, lambda: progress.advance(task))
    out = Path(args.out)
    summary = write_outputs(rows, out, f"Suite {suite.data.name}")
    print_summary(console, summary, f"Suite {suite.data.name}")
    console.print(f"rows, summary and plots written to {out}/")
    violations = sum(v["violations"] for v in summary.values())
    return EXIT_VIOLATIONS if violations else EXIT_OK


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    plant = load_plant(args.model)
    plan = Plan.from_json(args.plan)
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
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="check a plant model file and list every problem"
    )
    validate.add_argument("model")
    validate.set_defaults(run=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of plant files")
    schema.add_argument(
        "--scenario", action="store_true", help="the schema of what-if scenario files instead"
    )
    schema.set_defaults(run=cmd_schema)

    rank = commands.add_parser("rank", help="rank orders by urgency, customer tier and margin")
    rank.add_argument("model")
    rank.add_argument("--top", type=int, default=None, help="show only the first N")
    rank.set_defaults(run=cmd_rank)

    plan = commands.add_parser("plan", help="plan the whole book of orders")
    plan.add_argument("model")
    _solver_flags(plan)
    plan.add_argument("--json", help="write the plan as JSON (input of `replan check`)")
    plan.add_argument("--csv", help="write the scheduled steps as CSV")
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
    whatif.add_argument("--json", help="write the whole evaluation as JSON")
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `replan` console script."""
    args = build_parser().parse_args(argv)
    console = _console()
    run: Callable[[argparse.Namespace, Console], int] = args.run
    try:
        code = run(args, console)
    except DataError as exc:
        report.print_problems(_console(stderr=True), exc.problems)
        code = EXIT_BAD_INPUT
    except SolveError as exc:
        _console(stderr=True).print(f"[red]no plan[/red]: {exc}")
        code = EXIT_NO_PLAN
    return code


def run() -> None:
    """Console-script wrapper: exit with main's code."""
    sys.exit(main())


if __name__ == "__main__":
    run()
