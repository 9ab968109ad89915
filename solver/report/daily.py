"""The daily loop's faces: history, a stored plan, a diff, the morning report (console, CSV,
JSON)."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console
from rich.table import Table

from solver.daily.nightly import NightlyResult
from solver.daily.review import Review
from solver.facts.diff import PlanDiff
from solver.report.output import Batch, Target, write_text
from solver.store.store import Decision, PlanRow

DIFF_COLUMNS = (
    "order",
    "change",
    "what",
    "completion_a",
    "completion_b",
    "later_by_hours",
    "late_a",
    "late_b",
    "resources_a",
    "resources_b",
    "purchases_a",
    "purchases_b",
)


def print_history(console: Console, decisions: list[Decision]) -> None:
    table = Table(title="Released plans and decisions (newest first)")
    for column in ("when (UTC)", "decision", "plan", "what-if", "by", "note"):
        table.add_column(column)
    for d in decisions:
        what_if = "" if d.evaluation_id is None else f"{d.evaluation_id} {d.variant or ''}".strip()
        plan = "" if d.plan_id is None else f"{d.plan_id} {d.plan_name or ''}".strip()
        table.add_row(f"{d.when:%Y-%m-%d %H:%M}", d.kind, plan, what_if, d.by, d.note)
    if not decisions:
        console.print("no decisions yet: `replan plan MODEL --store --release` releases a plan")
        return
    console.print(table)


def print_plan_row(console: Console, row: PlanRow, released_id: int | None) -> None:
    state = " (released)" if row.id == released_id else ""
    complete = "" if row.complete else " [yellow]incomplete[/yellow]"
    console.print(
        f"[bold]plan {row.id}[/bold]{state}: {row.name}, {row.kind}, {row.status}{complete}, "
        f"made {row.created_at:%Y-%m-%d %H:%M} UTC"
    )
    console.print(f"objective {row.objective:,.2f} ({_terms(row.terms)})")
    kpis = row.kpis or {}
    shown = ("orders_accepted", "on_time_rate", "late_orders", "weighted_tardiness_days", "margin")
    console.print(
        ", ".join(f"{k} {kpis[k]:,.3g}" for k in shown if isinstance(kpis.get(k), int | float))
    )
    if row.changes:
        console.print(f"changes on top of its files: {len(row.changes)}")
        for change in row.changes:
            console.print(f"  - {change}", markup=False, highlight=False)
    provenance = row.provenance or {}
    if provenance:
        console.print(
            "made by engine {engine}, seed {seed}, workers {workers}, deterministic "
            "{deterministic}, input {hash}".format(
                hash=str(provenance.get("input_hash", ""))[:12],
                **{k: provenance.get(k) for k in ("engine", "seed", "workers", "deterministic")},
            ),
            markup=False,
            highlight=False,
        )


def print_diff(console: Console, diff: PlanDiff, head: int = 30) -> None:
    table = Table(title=f"{len(diff.orders)} order(s) differ between {diff.a} and {diff.b}")
    for column in (
        "order",
        "change",
        "what",
        f"completion {diff.a}",
        f"completion {diff.b}",
        "later by h",
    ):
        table.add_column(column)
    for row in diff.rows()[:head]:
        later = row["later_by_hours"]
        table.add_row(
            row["order"],
            row["change"],
            row["what"],
            _short(row["completion_a"]),
            _short(row["completion_b"]),
            "" if later is None else f"{later:+.1f}",
        )
    console.print(table)
    kpis = Table(title="KPIs side by side")
    for column in ("KPI", diff.a, diff.b):
        kpis.add_column(column)
    for row in diff.kpi_rows():
        kpis.add_row(row["kpi"], _number(row["a"]), _number(row["b"]))
    console.print(kpis)


def diff_csv(diff: PlanDiff) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=DIFF_COLUMNS, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(diff.rows())
    return out.getvalue()


def diff_dict(diff: PlanDiff) -> dict:
    return {"a": diff.a, "b": diff.b, "orders": diff.rows(), "kpis": diff.kpi_rows()}


def write_diff(diff: PlanDiff, outputs: dict[str, Target], batch: Batch) -> None:
    if "--csv" in outputs:
        write_text(outputs["--csv"], diff_csv(diff), batch)
    if "--json" in outputs:
        write_text(outputs["--json"], json.dumps(diff_dict(diff), indent=1) + "\n", batch)


def morning_dict(result: NightlyResult) -> dict:
    """The morning report as JSON-ready values."""
    plant, grid = result.plant, result.plant.grid
    net = result.book.net
    return {
        "candidate": result.candidate_id,
        "released": result.released,
        "status": result.plan.status,
        "objective": result.plan.objective,
        "rounds": result.rounds,
        "seconds": round(result.seconds, 1),
        "violations": [str(v) for v in result.violations],
        "net_change": [] if net is None else list(net.entries),
        "delivered": [] if net is None else list(net.delivered),
        "notes": result.notes,
        "newly_late": result.newly_late,
        "diff": None if result.diff is None else diff_dict(result.diff),
        "purchases_today": [
            {
                "supplier": p.supplier,
                "material": p.material,
                "mode": p.mode,
                "quantity": p.quantity,
                "order_by": grid.to_datetime(p.order_by).isoformat(),
                "arrival": grid.to_datetime(p.arrival).isoformat(),
                "cost": p.cost,
                "orders": list(p.orders),
            }
            for p in result.purchases_today
        ],
        "warnings": [str(w) for w in plant.warnings],
    }


def print_morning(console: Console, result: NightlyResult) -> None:
    """What changed since the released plan, KPIs side by side, warnings, purchases today."""
    data = morning_dict(result)
    state = "released" if result.released else "saved as a candidate (not released)"
    console.print(
        f"[bold]Nightly re-plan[/bold]: plan {result.candidate_id} {state}; {result.rounds} "
        f"round(s) in {result.seconds:.0f} s, objective {result.plan.objective:,.2f}"
    )
    if data["net_change"]:
        console.print(f"Net change since the released plan ({len(data['net_change'])}):")
        for change in data["net_change"]:
            console.print(f"  - {change}", markup=False, highlight=False)
    elif result.book.released is None:
        console.print("No plan released yet: the whole book was planned afresh.")
    else:
        console.print("No order changes since the released plan.")
    for line in data["delivered"]:
        console.print(f"  delivered: {line}", markup=False, highlight=False)
    for note in data["notes"]:
        console.print(f"  note: {note}", markup=False, highlight=False)
    if result.diff is not None:
        print_diff(console, result.diff, head=15)
    if result.newly_late:
        console.print(f"[yellow]Newly late[/yellow]: {', '.join(result.newly_late)}")
    for warning in data["warnings"]:
        console.print(f"[yellow]warning[/yellow]: {warning}", highlight=False)
    if data["purchases_today"]:
        table = Table(title="Purchases to place today")
        for column in ("supplier", "material", "mode", "quantity", "order by", "arrives", "orders"):
            table.add_column(column)
        for p in data["purchases_today"]:
            table.add_row(
                p["supplier"],
                p["material"],
                p["mode"],
                str(p["quantity"]),
                _short(p["order_by"]),
                _short(p["arrival"]),
                " ".join(p["orders"]),
            )
        console.print(table)
    else:
        console.print("No purchases to place today.")
    if result.violations:
        console.print(
            f"[red]{len(result.violations)} violation(s)[/red]: the candidate breaks "
            "a rule and was not released"
        )


def _terms(terms: dict) -> str:
    return ", ".join(f"{k} {v:,.2f}" for k, v in terms.items())


def _short(iso: str | None) -> str:
    return "" if iso is None else iso[:16].replace("T", " ")


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    return "" if value is None else str(value)


def morning_text(result: NightlyResult) -> str:
    """The morning report as plain text (what the console shows, without colour)."""
    console = Console(file=io.StringIO(), width=110, color_system=None, force_terminal=False)
    print_morning(console, result)
    return console.file.getvalue()


def print_review(console: Console, result: Review) -> None:
    """The seed-003 review: changes per customer, product and channel, answers, costs,
    promises kept."""
    since = "all time" if result.since is None else f"since {result.since:%Y-%m-%d %H:%M} UTC"
    console.print(f"[bold]Review[/bold] of {result.evaluations} what-if(s), {since}")
    if not result.rows:
        console.print("no customer changes evaluated with --store in this period")
        return
    table = Table()
    columns = (
        "by",
        "key",
        "changes",
        "accept",
        "dated",
        "reject",
        "impact",
        "accepted",
        "rejected",
        "undecided",
        "tardiness cost",
        "expedite cost",
        "steps moved",
        "promises kept",
        "broken",
    )
    for column in columns:
        table.add_column(column)
    for r in result.rows:
        table.add_row(
            r.by,
            r.key,
            str(r.changes),
            str(r.accept),
            str(r.dated),
            str(r.reject),
            str(r.impact),
            str(r.accepted),
            str(r.rejected),
            str(r.undecided),
            f"{r.tardiness_cost:,.0f}",
            f"{r.expedite_cost:,.0f}",
            str(r.steps_moved),
            str(r.promises_kept),
            str(r.promises_broken),
        )
    console.print(table)
    for line in result.broken:
        console.print(f"[yellow]promise broken[/yellow]: {line}", highlight=False)


def review_dict(result: Review) -> dict:
    return {
        "since": None if result.since is None else result.since.isoformat(),
        "evaluations": result.evaluations,
        "rows": [vars(r) for r in result.rows],
        "broken": result.broken,
    }
