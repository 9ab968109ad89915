"""What-if output: the verdict first, then the facts behind it (console), or all of it as JSON."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from solver.domain.plan import Plan
from solver.domain.timegrid import format_duration, format_moment
from solver.facts.kpis import Kpis
from solver.facts.supply_kpis import compute_supply_kpis
from solver.report.levers import levers_dict
from solver.whatif.evaluate import (
    ACCEPT,
    ACCEPT_AS_ASKED,
    ACCEPT_WITH_DATE,
    REJECT,
    Evaluation,
    Move,
    Outcome,
)
from solver.whatif.warnings import BREAK, EXTERNAL, INTERNAL, describe_span

COLOURS = {ACCEPT: "green", ACCEPT_AS_ASKED: "yellow", ACCEPT_WITH_DATE: "yellow", REJECT: "red"}


def print_evaluation(console: Console, ev: Evaluation, detail_all: bool = False) -> None:
    """Verdicts, the KPI comparison, and for each change set the orders that move, warnings
    and supplier actions (for the first change set only unless ``detail_all``)."""
    plant = ev.plant
    source = (
        f"solved first ({ev.baseline.status.lower()}, {ev.baseline.objective:,.2f} "
        f"{plant.currency})"
        if ev.baseline_solved
        else str(ev.scenario.baseline_path)
    )
    now = format_moment(plant.grid.to_datetime(ev.now), start=True)
    console.print(
        f"[bold]What-if[/bold] {ev.scenario.path} on {plant.name}; now {now}; baseline: {source}"
    )
    if ev.scenario.data.description:
        console.print(ev.scenario.data.description)
    for outcome in ev.outcomes:
        colour = COLOURS.get(outcome.verdict, "cyan")
        text = f"[bold {colour}]{outcome.verdict}[/]  {outcome.reason}"
        if outcome.approvals:
            text += "\n[bold yellow]NEEDS APPROVAL[/] " + "; ".join(outcome.approvals)
        if outcome.disruptions:
            text += "\n[dim]changes: " + "; ".join(outcome.disruptions) + "[/]"
        console.print(Panel(text, title=outcome.name, title_align="left", expand=False))
        print_answer(console, ev, outcome)
    print_comparison(console, ev)
    for k, outcome in enumerate(ev.outcomes):
        if outcome.plan is None or (k > 0 and not detail_all):
            continue
        if len(ev.outcomes) > 1:
            console.rule(outcome.name)
        print_moves(console, ev, outcome)
        print_warnings(console, ev, outcome)
        print_supplier_actions(console, ev, outcome)
    best = ev.best
    if len(ev.outcomes) > 1 and best is not None:
        console.print(
            f"Best by objective: [bold]{best.name}[/] ({best.plan.objective:,.2f} {plant.currency})"
        )


def print_answer(console: Console, ev: Evaluation, outcome: Outcome) -> None:
    """Asked against offered per asked order, the options side by side (recommended first),
    what binds the date and what was proven."""
    plant = outcome.plant or ev.plant
    when = _when_fn(ev)
    if outcome.asked_dates and outcome.promises:
        table = Table(title="Asked and offered", title_justify="left")
        for column in ("order", "asked", "offered", "slip"):
            table.add_column(column, no_wrap=True)
        for oid, asked in outcome.asked_dates.items():
            slip = outcome.slips.get(oid, 0)
            table.add_row(
                oid, when(asked), when(outcome.promises.get(oid)), describe_span(plant, slip)
            )
        console.print(table)
        if len(outcome.promises) > 1:
            console.print(f"All complete by {when(outcome.promise)}.")
    if outcome.options:
        table = Table(title="Options (recommended first)", title_justify="left")
        for column in ("option", "dates", "worst slip", "orders harmed", f"cost {plant.currency}"):
            table.add_column(column)
        for option in outcome.options:
            harm = "; ".join(_harm_cell(plant, m) for m in option.harm) or "none"
            table.add_row(
                option.name + (" (recommended)" if option.recommended else ""),
                ", ".join(f"{o} {when(t)}" for o, t in option.promises.items()),
                describe_span(plant, option.worst_slip),
                harm,
                f"{option.cost:,.2f}",
            )
        console.print(table)
        if outcome.change_value is not None:
            console.print(
                f"The change earns a margin of {outcome.change_value:,.2f} {plant.currency}."
            )
    for cause in outcome.binding:
        console.print(f"Binds the date: {cause}")
    if outcome.asked and outcome.verdict != REJECT:
        console.print(
            f"Promise rule: protect {outcome.protect}; proven: {outcome.proven or 'nothing'}."
        )


def _harm_cell(plant, move: Move) -> str:
    if move.dropped:
        return f"{move.order} ({move.customer}, {move.tier}) dropped"
    beyond = describe_span(plant, move.after - move.limit) if move.limit is not None else "?"
    return f"{move.order} ({move.customer}, {move.tier}) +{beyond}, {move.cost:,.2f}"


def _when_fn(ev: Evaluation):
    grid = ev.plant.grid
    return lambda tick: "-" if tick is None else format_moment(grid.to_datetime(tick))


def _kpi_rows(kpis: Kpis, plan: Plan, outcome: Outcome | None, ev: Evaluation) -> dict:
    supply = compute_supply_kpis(outcome.plant if outcome else ev.plant, plan)
    stability = outcome.stability if outcome else None
    return {
        "objective": plan.objective,
        "on time (orders)": kpis.on_time_rate,
        "late orders": kpis.late_orders,
        "weighted tardiness (days)": kpis.weighted_tardiness_days,
        "orders made": kpis.orders_accepted,
        "margin of orders made": kpis.margin,
        "purchases": supply.purchase_cost,
        "expedites": supply.expedite_cost,
        "steps moved": stability.steps_moved if stability else 0,
        "resource changes": stability.resource_changes if stability else 0,
        "orders whose completion moved": stability.orders_moved if stability else 0,
        "promised dates broken": stability.promised_dates_broken if stability else 0,
    }


def print_comparison(console: Console, ev: Evaluation) -> None:
    """Baseline against each change set; the delta of the first against the baseline."""
    shown = [o for o in ev.outcomes if o.plan is not None and o.kpis is not None]
    if not shown:
        return
    table = Table(title="Baseline against proposal", title_justify="left")
    table.add_column("figure")
    table.add_column("baseline", justify="right")
    for outcome in shown:
        table.add_column(outcome.name, justify="right")
    table.add_column(f"delta ({shown[0].name})", justify="right")
    base = _kpi_rows(ev.baseline_kpis, ev.baseline, None, ev)
    rows = [_kpi_rows(o.kpis, o.plan, o, ev) for o in shown]
    for name, value in base.items():
        cells = [_fmt(name, value)] + [_fmt(name, r[name]) for r in rows]
        delta = rows[0][name] - value
        cells.append(_fmt(name, delta, signed=True))
        table.add_row(name, *cells)
    console.print(table)


def _fmt(name: str, value: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if name.startswith("on time"):
        return f"{value:{sign}.1%}"
    if isinstance(value, int):
        return f"{value:{sign},}"
    return f"{value:{sign},.2f}"


def print_moves(console: Console, ev: Evaluation, outcome: Outcome) -> None:
    """Orders whose completion moves, grouped by customer (tier), latest moves first."""
    if not outcome.moves:
        console.print("No order's completion moves.")
        return
    plant = outcome.plant or ev.plant
    when = _when_fn(ev)
    by_customer: dict[tuple[str, str], list[Move]] = defaultdict(list)
    for move in outcome.moves:
        by_customer[(move.tier, move.customer)].append(move)
    table = Table(title=f"Orders that move ({len(outcome.moves)})", title_justify="left")
    for column in ("customer (tier)", "order", "baseline", "proposal", "change", "due", "status"):
        table.add_column(column, no_wrap=True)
    for (tier, customer), moves in sorted(by_customer.items()):
        for move in sorted(moves, key=lambda m: -(m.later_by or 0)):
            if move.later_by is None:
                change = "new" if move.before is None else "not made"
            else:
                sign = "+" if move.later_by > 0 else "-"
                change = sign + format_duration(plant.grid.to_timedelta(abs(move.later_by)))
            due = outcome.asked_dates.get(move.order, move.due)  # asked, not the offer
            status = _status(plant, move, due)
            table.add_row(
                f"{customer} ({tier})",
                move.order,
                when(move.before),
                when(move.after),
                change,
                when(due),
                status,
            )
    console.print(table)
    if outcome.harmed_as_asked and outcome.verdict != ACCEPT_AS_ASKED:
        names = "; ".join(_harm_cell(plant, m) for m in outcome.harmed_as_asked)
        console.print(f"Accepting as asked would harm: {names}")


def _status(plant, move: Move, due: int) -> str:
    """On time, late (by how much), newly late, dropped, or past its protected date."""
    if move.dropped:
        return "[red]dropped[/]"
    if move.after is None:
        return "not made"
    late = move.after - due
    if late > 0:
        text = f"late {describe_span(plant, late)}"
        return f"[red]{text} (new)[/]" if not move.late_before else text
    return "on time"


def print_warnings(console: Console, ev: Evaluation, outcome: Outcome) -> None:
    """Early warnings by level: confirmed breaks, external risk notices, internal alerts."""
    if not outcome.warnings:
        console.print("No early warning.")
        return
    # Internal alerts for orders this change does not move are the baseline's own: count them.
    moved = {m.order for m in outcome.moves}
    shown = [w for w in outcome.warnings if w.level != INTERNAL or w.order in moved]
    quiet = len(outcome.warnings) - len(shown)
    if not shown:
        console.print(
            f"No early warning for the orders that move ({quiet} internal alert(s) "
            "on orders it leaves alone; all in --json)."
        )
        return
    when = _when_fn(ev)
    table = Table(title="Early warnings", title_justify="left")
    for column in ("level", "order", "customer", "planned", "what", "countermeasures"):
        table.add_column(column, overflow="fold")
    order = {BREAK: 0, EXTERNAL: 1, INTERNAL: 2}
    colours = {BREAK: "red", EXTERNAL: "yellow", INTERNAL: "cyan"}
    for w in sorted(shown, key=lambda w: (order[w.level], w.order)):
        table.add_row(
            f"[{colours[w.level]}]{w.level}[/]",
            w.order,
            w.customer,
            when(w.date),
            w.message,
            "; ".join(w.countermeasures),
        )
    console.print(table)
    if quiet:
        console.print(
            f"{quiet} more internal alert(s) on orders this change leaves alone (in --json)."
        )


def print_supplier_actions(console: Console, ev: Evaluation, outcome: Outcome) -> None:
    if not outcome.supplier_actions:
        if outcome.plan is not None and (outcome.plan.purchases or ev.baseline.purchases):
            console.print("Supplier actions: none (purchases as in the baseline).")
        return
    table = Table(title="Supplier actions", title_justify="left")
    for column in ("action", "supplier", "material", "mode", "week", "qty", "cost", "order by"):
        table.add_column(column, overflow="fold")
    for a in outcome.supplier_actions:
        first = min((p.order_by for p in a.purchases), default=None)
        table.add_row(
            a.action,
            a.supplier,
            a.material,
            a.mode,
            a.week,
            f"{a.quantity:+,}",
            f"{a.cost:+,.2f}",
            "-" if first is None else format_moment(ev.plant.grid.to_datetime(first), start=True),
        )
    console.print(table)


def evaluation_dict(ev: Evaluation) -> dict:
    """The whole evaluation as plain JSON-ready values (times as ISO datetimes)."""
    grid = ev.plant.grid

    def iso(tick: int | None) -> str | None:
        return None if tick is None else grid.to_datetime(tick).isoformat()

    def hours(ticks: int) -> float:
        return round(grid.to_timedelta(ticks).total_seconds() / 3600, 4)

    def move_dict(m: Move) -> dict:
        return {
            "order": m.order,
            "customer": m.customer,
            "tier": m.tier,
            "baseline": iso(m.before),
            "proposal": iso(m.after),
            "due": iso(m.due),
            "late_before": m.late_before,
            "late_after": m.late_after,
            "late_by_hours": hours(m.late_by),
            "protected_until": iso(m.limit),
            "harmed": m.harmed,
            "dropped": m.dropped,
            "cost": m.cost,
        }

    def outcome_dict(o: Outcome) -> dict:
        return {
            "name": o.name,
            "verdict": o.verdict,
            "reason": o.reason,
            "promise": iso(o.promise),
            "promises": {k: iso(v) for k, v in o.promises.items()},
            "promise_proven": o.promise_proven,
            "proven": o.proven,
            "protect": o.protect,
            "protect_tolerance_hours": hours(o.protect_tolerance),
            "asked_dates": {k: iso(v) for k, v in o.asked_dates.items()},
            "slips_hours": {k: hours(v) for k, v in o.slips.items()},
            "worst_slip_hours": hours(o.worst_slip),
            "binding": o.binding,
            "change_value": o.change_value,
            "close_call": o.close_call,
            "dropped": [m.order for m in o.dropped],
            "options": [
                {
                    "name": opt.name,
                    "recommended": opt.recommended,
                    "promises": {k: iso(v) for k, v in opt.promises.items()},
                    "worst_slip_hours": hours(opt.worst_slip),
                    "cost": opt.cost,
                    "harm": [move_dict(m) for m in opt.harm],
                }
                for opt in o.options
            ],
            "asked": o.asked,
            "cancelled": o.cancelled,
            "disruptions": o.disruptions,
            "approvals": o.approvals,
            "cost_delta": o.cost_delta,
            "objective": None if o.plan is None else o.plan.objective,
            "terms": None if o.plan is None else o.plan.terms,
            "moves": [move_dict(m) for m in o.moves],
            "harmed_as_asked": [m.order for m in o.harmed_as_asked],
            "harm_as_asked": [move_dict(m) for m in o.harmed_as_asked],
            "warnings": [
                {
                    "level": w.level,
                    "order": w.order,
                    "customer": w.customer,
                    "message": w.message,
                    "date": iso(w.date),
                    "countermeasures": list(w.countermeasures),
                    "levers": levers_dict(ev.plant, w.levers),
                }
                for w in o.warnings
            ],
            "supplier_actions": [
                {
                    "action": a.action,
                    "supplier": a.supplier,
                    "material": a.material,
                    "mode": a.mode,
                    "week": a.week,
                    "quantity": a.quantity,
                    "cost": a.cost,
                    "purchases": [
                        {
                            "quantity": p.quantity,
                            "order_by": iso(p.order_by),
                            "arrival": iso(p.arrival),
                            "orders": list(p.orders),
                        }
                        for p in a.purchases
                    ],
                }
                for a in o.supplier_actions
            ],
            "stability": None if o.stability is None else vars(o.stability),
            "plan": None if o.plan is None else o.plan.to_dict(),
        }

    best = ev.best
    return {
        "scenario": str(ev.scenario.path),
        "model": str(ev.scenario.model_path),
        "now": iso(ev.now),
        "baseline_solved": ev.baseline_solved,
        "baseline": ev.baseline.to_dict(),
        "outcomes": [outcome_dict(o) for o in ev.outcomes],
        "best": None if best is None else best.name,
        "exit_code": ev.exit_code,
    }
