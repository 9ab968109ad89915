"""Console output with rich: problem lists, ranking, plan summary, solve progress."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from solver.domain.errors import Problem
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.timegrid import format_duration, format_moment
from solver.explain.chain import OrderExplanation, needs_explaining
from solver.facts.balances import Balance
from solver.facts.checker import Violation
from solver.facts.kpis import Kpis
from solver.facts.supply_kpis import SupplyKpis
from solver.report.explain import print_why_late
from solver.rules.ranking import Rank


def _print_rows(console: Console, title: str, columns: tuple[str, ...], rows) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def print_problems(console: Console, problems: list[Problem]) -> None:
    """A table of input problems: file, record, field, what is wrong."""
    rows = ((p.file, p.record, p.field, p.message) for p in problems)
    title = f"{len(problems)} problem(s) in the input"
    _print_rows(console, title, ("file", "record", "field", "problem"), rows)


def print_warnings(console: Console, warnings: Iterable[Problem]) -> None:
    """One yellow ``warning: <problem>`` line per warning (accepted input worth a look)."""
    for warning in warnings:
        console.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)


def print_violations(console: Console, violations: list[Violation]) -> None:
    """A table of plan violations found by the checker."""
    rows = ((v.kind, v.order, v.resource, v.message) for v in violations)
    title = f"{len(violations)} violation(s)"
    _print_rows(console, title, ("rule", "order", "resource", "what"), rows)


def print_ranking(console: Console, plant: Plant, ranks: list[Rank], limit: int | None) -> None:
    """The ranked order list with the three components, score and tardiness weight."""
    shown = ranks if limit is None else ranks[:limit]
    table = Table(
        title=f"Order ranking ({len(shown)} of {len(ranks)}): score = weighted "
        "urgency (U), tier (T) and margin (M)",
        title_justify="left",
    )
    for column in (
        "#",
        "order",
        "customer",
        "due",
        "slack",
        "U",
        "T",
        "M",
        "margin",
        "score",
        "weight",
    ):
        table.add_column(
            column,
            justify="left" if column in ("order", "customer", "due") else "right",
            no_wrap=True,
        )
    grid = plant.grid
    for r in shown:
        order = plant.orders[r.order]
        customer = plant.customers[order.customer]
        table.add_row(
            str(r.position),
            r.order,
            f"{customer.id} ({customer.tier})",
            format_moment(grid.to_datetime(order.due)),
            format_duration(grid.to_timedelta(r.slack)),
            f"{r.urgency:.2f}",
            f"{r.tier:.2f}",
            f"{r.margin:.2f}",
            f"{r.margin_value:,.0f}",
            f"{r.score:.3f}",
            str(r.weight),
        )
    console.print(table)


def print_plan_summary(
    console: Console,
    plant: Plant,
    plan: Plan,
    kpis: Kpis,
    ranks: list[Rank],
    head: int = 10,
    why_late: Sequence[OrderExplanation] = (),
) -> None:
    """KPI table, bottlenecks, late and declined orders, why the first of them are late (the
    explanations given, highest priority first), head of the ranking."""
    money = plant.currency
    if plan.proven_optimal:
        status = "proven optimal"
    elif plan.gap is None:
        status = f"{plan.status.lower()} ({plan.stats.get('method', 'search')}: no bound proven)"
    else:
        status = f"{plan.status.lower()}, gap {plan.gap:.1%}"
    console.print(
        f"[bold]{plant.name}[/bold]: plan of {len(plant.orders)} orders, {status}, "
        f"solved in {plan.solve_time:.1f} s"
    )
    if plan.stats.get("build_note"):
        console.print(f"time: {plan.stats['build_note']}", markup=False, highlight=False)
    if plan.stats.get("bound_note"):
        console.print(
            f"bound: a relaxation, not proven by the search: {plan.stats['bound_note']}",
            markup=False,
            highlight=False,
        )
    if plan.stats.get("workers_note"):
        console.print(f"memory: {plan.stats['workers_note']}", markup=False, highlight=False)
    table = Table(title="Key figures", title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("objective", f"{plan.objective:,.2f} {money}"),
        *(
            (f"  {name}", f"{value:,.2f} {money}")
            for name, value in plan.terms.items()
            if value or name in ("tardiness", "declined")
        ),
        (
            "best bound",
            "none proven" if plan.best_bound is None else f"{plan.best_bound:,.2f} {money}",
        ),
        ("orders made / declined", f"{kpis.orders_accepted} / {kpis.orders_declined}"),
        (
            "on time (orders)",
            f"{kpis.on_time_rate:.1%}" + _against(plant.settings.on_time_target, kpis.on_time_rate),
        ),
        ("on time (quantity)", f"{kpis.on_time_rate_quantity:.1%}"),
        ("late orders", str(kpis.late_orders)),
        ("total tardiness", f"{kpis.total_tardiness_days:.2f} days"),
        ("weighted tardiness", f"{kpis.weighted_tardiness_days:.2f} weighted days"),
        ("margin of orders made", f"{kpis.margin:,.2f} {money}"),
        *(
            (f"planned OEE {rid}", f"{oee:.1%}" + _against(kpis.oee_target, oee))
            for rid, oee in kpis.planned_oee.items()
        ),
        *_inventory_rows(kpis),
        *(
            (f"changeovers {rid}", f"{count} ({hours:.1f} h)")
            for rid, (count, hours) in kpis.changeovers.items()
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)

    load = Table(title="Utilisation (plan start to last completion)", title_justify="left")
    load.add_column("resource")
    load.add_column("name")
    load.add_column("utilisation", justify="right")
    for rid in sorted(kpis.utilisation, key=lambda r: -kpis.utilisation[r]):
        mark = " [bold red]bottleneck[/]" if rid in kpis.bottlenecks else ""
        load.add_row(rid, plant.resources[rid].name, f"{kpis.utilisation[rid]:.0%}{mark}")
    console.print(load)

    late = [o for o in plan.outcomes if o.accepted and o.tardiness > 0]
    if late:
        grid = plant.grid
        table = Table(title=f"Late orders ({len(late)})", title_justify="left")
        for column in ("order", "customer", "due", "planned completion", "late by"):
            table.add_column(column, no_wrap=column != "customer")
        for o in sorted(late, key=lambda o: -o.tardiness):
            order = plant.orders[o.order]
            table.add_row(
                o.order,
                plant.customers[order.customer].name,
                format_moment(grid.to_datetime(o.due)),
                format_moment(grid.to_datetime(o.completion)),
                format_duration(grid.to_timedelta(o.tardiness)),
            )
        console.print(table)
    else:
        console.print("No order is late.")
    if kpis.declined:
        console.print(f"Declined (do not pay at this capacity): {', '.join(kpis.declined)}")
    if why_late:
        outcomes = {o.order: o for o in plan.outcomes}
        total = sum(needs_explaining(outcomes.get(oid)) for oid in plant.orders)
        print_why_late(console, plant, why_late, total)
    print_ranking(console, plant, ranks, head)


def print_supply(
    console: Console,
    plant: Plant,
    plan: Plan,
    kpis: SupplyKpis,
    shortfalls: list[Balance],
    period: str = "week",
) -> None:
    """Purchase list with pegging, supplier split, orders waiting on material, PAB shortfalls."""
    money, grid = plant.currency, plant.grid

    def moment(tick: int, start: bool = False) -> str:
        return format_moment(grid.to_datetime(tick), start)

    console.print(
        f"Supply: {kpis.shipments} purchase(s), {kpis.expedited_shipments} expedited; "
        f"purchases {kpis.purchase_cost:,.2f} {money}, expedites {kpis.expedite_cost:,.2f} "
        f"{money}; {kpis.from_finished_goods} order(s) shipped from finished goods"
    )
    if plan.purchases:
        table = Table(title=f"Purchases ({len(plan.purchases)})", title_justify="left")
        for column in ("order by", "arrives", "supplier", "material", "mode", "qty", "cost"):
            table.add_column(
                column, no_wrap=True, justify="right" if column in ("qty", "cost") else "left"
            )
        table.add_column("for orders (pegging)", overflow="fold")
        into_stock = plant.settings.surplus_to_stock
        topped_up = "minimum order, into stock" if into_stock else "minimum order, unused"
        for p in sorted(plan.purchases, key=lambda p: (p.order_by, p.supplier, p.material)):
            surplus = p.quantity - p.needed(plan.supplies)
            table.add_row(
                moment(p.order_by, start=True),
                moment(p.arrival),
                p.supplier,
                p.material,
                p.mode if p.mode == "standard" else f"[bold yellow]{p.mode}[/]",
                f"{p.quantity:,}",
                f"{p.cost:,.2f}",
                ", ".join(p.orders) + (f" (+{surplus} {topped_up})" if surplus else ""),
            )
        console.print(table)
    if kpis.suppliers:
        table = Table(title="Supplier split", title_justify="left")
        for column in ("material", "supplier", "units", "share", "value", "peak capacity use"):
            table.add_column(
                column, justify="left" if column in ("material", "supplier") else "right"
            )
        for use in kpis.suppliers:
            table.add_row(
                use.material,
                use.supplier,
                f"{use.units:,}",
                f"{use.share:.0%}",
                f"{use.value:,.2f}",
                "unlimited" if use.peak_use is None else f"{use.peak_use:.0%}",
            )
        console.print(table)
    if kpis.waiting:
        table = Table(
            title=f"Orders waiting on material ({len(kpis.waiting)})", title_justify="left"
        )
        for column in ("order", "material", "held by", "material ready", "step", "step starts"):
            table.add_column(column, no_wrap=True)
        for w in kpis.waiting:
            held = "stock (receipts)" if w.source == "stock" else f"{w.source} ({w.mode})"
            table.add_row(w.order, w.material, held, moment(w.ready), w.step, moment(w.start))
        console.print(table)
    if shortfalls:
        table = Table(
            title="Projected available balance: shortfalls (PAB < 0)", title_justify="left"
        )
        for column in ("item", period, "from", "demand", "supply", "balance"):
            table.add_column(column, justify="left" if column in ("item", "from") else "right")
        for row in shortfalls:
            table.add_row(
                row.item,
                str(row.period),
                moment(row.start),
                f"{row.demand:,}",
                f"{row.supply:,}",
                f"[red]{row.balance:,}[/]",
            )
        console.print(table)
    else:
        console.print(f"Projected available balance: no shortfall in any {period}.")


def _inventory_rows(kpis: Kpis, shown: int = 5) -> list[tuple[str, str]]:
    """Inventory days in the key figures: a summary row, then flagged items, worst first."""
    items = kpis.inventory_days
    if not items:
        return []
    known = [row.days for row in items if row.days is not None]
    spread = f"{min(known):.1f}-{max(known):.1f} days" if known else "nothing used"
    if all(row.target is None for row in items):
        return [("inventory days", f"{len(items)} items, {spread} (no target set)")]
    flagged = sorted(
        kpis.inventory_flagged,
        key=lambda row: (
            abs(row.days / row.target - 1) if row.days is not None and row.target else math.inf
        ),
        reverse=True,
    )
    rows = [
        (
            "inventory days",
            f"{len(items)} items, {spread}; {len(flagged)} outside target "
            f"+/-{kpis.inventory_days_tolerance:.0%}",
        )
    ]
    for row in flagged[:shown]:
        days = "nothing used" if row.days is None else f"{row.days:.1f} days"
        rows.append(
            (f"  {row.kind} {row.item}", f"{days} ([red]{row.flag}[/red] target {row.target:g})")
        )
    if len(flagged) > shown:
        rows.append(("  ...", f"{len(flagged) - shown} more"))
    return rows


def _against(target: float, value: float) -> str:
    mark = "[red]below[/red]" if value < target else "meets"
    return f" ({mark} target {target:.0%})"


@contextmanager
def solve_progress(console: Console, time_limit: float) -> Iterator:
    """A spinner with elapsed time and the best objective and bound so far.

    Yields a callback ``(seconds, objective, bound)`` for the solver.
    """
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[best]}"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(
            f"solving (limit {time_limit:g} s)", total=time_limit, best="searching..."
        )

        def report(seconds: float, objective: float, bound: float | None) -> None:
            # The bar shows time used of the limit, moved at each improving plan.
            shown = "n/a" if bound is None else f"{bound:,.2f}"
            progress.update(
                task,
                completed=min(seconds, time_limit),
                best=f"best {objective:,.2f}  bound {shown}",
            )

        yield report
