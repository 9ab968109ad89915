"""One self-contained HTML page per plan or what-if: KPI cards, Gantt charts, tables.

plotly.js is embedded once, so the page works offline. The charts (``gantt``): one row per
resource, bars coloured by the order's priority and labelled where the label fits, late orders
outlined red, non-working time and downtime shaded, a key of every mark; one row per order with
its due date. Both open on two weeks from now, marked by a line, with zoom presets. Under the
chart by resource, the plan page lists its late orders, highest priority first, and why they are
late (``html_why_late``): clicking one opens its critical chain and shows its steps and waits on
that chart. A what-if page puts the verdict first, with per change set the asked against the
offered dates, the options side by side and what binds the date, then baseline and proposal one
above the other with moved steps hatched and the asked orders outlined, then the facts: the
early warnings that matter (confirmed breaks, external risk notices) first, the internal alerts
folded under their count.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.timegrid import format_duration, format_moment
from solver.explain.chain import OrderExplanation, explain_late
from solver.facts.balances import material_balances, product_balances
from solver.facts.kpis import Kpis, compute_kpis
from solver.facts.stability import moved_steps
from solver.facts.supply_kpis import compute_supply_kpis
from solver.report.explain import FILE_LIMIT
from solver.report.gantt import gantt_by_order, gantt_by_resource
from solver.report.html_why_late import GANTT_DIV, why_late_section
from solver.report.html_why_late import STYLE as WHY_LATE_STYLE
from solver.report.output import Batch, Target, write_text
from solver.rules.ranking import rank_orders
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

PROPOSAL_DIV = "gantt-proposal"
VERDICT_COLOURS = {
    ACCEPT: "#1b7f3b",
    ACCEPT_AS_ASKED: "#b7791f",
    ACCEPT_WITH_DATE: "#b7791f",
    REJECT: "#b42318",
}

STYLE = (
    """
body { font-family: system-ui, sans-serif; margin: 24px; color: #1d2433; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #d5dbe5; border-radius: 8px; padding: 10px 14px; min-width: 130px; }
.card .v { font-size: 20px; font-weight: 600; } .card .k { font-size: 12px; color: #5b6475; }
.verdict { border-radius: 8px; padding: 14px 18px; color: white; font-size: 17px; margin: 8px 0; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
td, th { border: 1px solid #d5dbe5; padding: 4px 8px; text-align: left; }
th { background: #f2f4f8; } .late { color: #b42318; font-weight: 600; }
"""
    + WHY_LATE_STYLE
)


def _esc(value: object) -> str:
    return html.escape(str(value))


def _table(header: list[str], rows: list[list[object]], raw: bool = False) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else _esc(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cards(items: list[tuple[str, str]]) -> str:
    cards = "".join(
        f'<div class="card"><div class="v">{_esc(v)}</div><div class="k">{_esc(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{cards}</div>'


def kpi_cards(plant: Plant, plan: Plan, kpis: Kpis) -> str:
    money = plant.currency
    items = [
        ("objective", f"{plan.objective:,.0f} {money}"),
        ("on time (orders)", f"{kpis.on_time_rate:.1%}"),
        ("late orders", str(kpis.late_orders)),
        ("weighted tardiness", f"{kpis.weighted_tardiness_days:.1f} days"),
        ("orders made / declined", f"{kpis.orders_accepted} / {kpis.orders_declined}"),
        ("margin", f"{kpis.margin:,.0f} {money}"),
        ("bottleneck", ", ".join(kpis.bottlenecks) or "-"),
        ("status", plan.status.lower()),
    ]
    if plan.purchases:
        supply = compute_supply_kpis(plant, plan)
        items.append(("purchases", f"{supply.purchase_cost:,.0f} {money}"))
        items.append(("expedites", f"{supply.expedite_cost:,.0f} {money}"))
    return _cards(items)


def _figure_html(figure: go.Figure, div_id: str | None = None) -> str:
    return pio.to_html(
        figure,
        include_plotlyjs=False,
        full_html=False,
        config={"responsive": True},
        div_id=div_id,
    )


def _page(title: str, body: str) -> str:
    # Errors and readiness end up in the DOM, so a headless browser can check both.
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{_esc(title)}</title><style>{STYLE}</style>
<script>window.addEventListener("error", e => {{ document.documentElement.dataset.error =
String(e.message); }});</script>
<script>{get_plotlyjs()}</script></head>
<body><h1>{_esc(title)}</h1>{body}
<script>window.addEventListener("load", () => {{ document.body.dataset.ready = "1"; }});</script>
</body></html>"""


def plan_page(plant: Plant, plan: Plan, why_late: Sequence[OrderExplanation] | None = None) -> str:
    """The page for ``replan plan --html``.

    Parameters
    ----------
    plant : Plant
    plan : Plan
        A plan that passes the checker on ``plant``.
    why_late : sequence of OrderExplanation, optional
        The late, declined and unmade orders to explain, highest priority first; by default
        the first ``report.explain.FILE_LIMIT`` of ``explain_late``.

    Returns
    -------
    str
        The page: KPI cards, the chart by resource, the late orders, why late (clicking an
        order shows its chain on that chart), the chart by order, purchases, balances.
    """
    if why_late is None:
        why_late = explain_late(plant, plan, limit=FILE_LIMIT)
    kpis = compute_kpis(plant, plan)
    body = kpi_cards(plant, plan, kpis)
    body += _figure_html(gantt_by_resource(plant, plan, "Plan by resource"), GANTT_DIV)
    body += late_orders(plant, plan)
    body += why_late_section(plant, plan, why_late)
    body += _figure_html(gantt_by_order(plant, plan, "Plan by order"))
    body += _purchases(plant, plan)
    body += _balances(plant, plan)
    return _page(f"{plant.name}: plan", body)


def late_orders(plant: Plant, plan: Plan) -> str:
    """The table of late orders, highest priority first.

    Parameters
    ----------
    plant : Plant
    plan : Plan

    Returns
    -------
    str
        HTML: a heading with the count and a table of order, customer, tier, due, planned
        completion and how late; a line saying so when nothing is late.
    """
    grid = plant.grid
    outcomes = {o.order: o for o in plan.outcomes}
    late = [
        outcomes[r.order]
        for r in rank_orders(plant)
        if r.order in outcomes and outcomes[r.order].tardiness > 0
    ]
    heading = f"<h2>Late orders ({len(late)})</h2>"
    if not late:
        return heading + "<p>Every order the plan makes is on time.</p>"
    rows = []
    for o in late:
        order = plant.orders[o.order]
        customer = plant.customers[order.customer]
        rows.append(
            [
                o.order,
                customer.name,
                customer.tier,
                format_moment(grid.to_datetime(order.due)),
                format_moment(grid.to_datetime(o.completion)),
                format_duration(grid.to_timedelta(o.tardiness)),
            ]
        )
    header = ["order", "customer", "tier", "due", "planned completion", "late by"]
    return heading + _table(header, rows)


def _purchases(plant: Plant, plan: Plan) -> str:
    if not plan.purchases:
        return ""
    grid = plant.grid
    rows = [
        [
            format_moment(grid.to_datetime(p.order_by), start=True),
            format_moment(grid.to_datetime(p.arrival)),
            p.supplier,
            p.material,
            p.mode,
            f"{p.quantity:,}",
            f"{p.cost:,.2f}",
            ", ".join(p.orders),
        ]
        for p in sorted(plan.purchases, key=lambda p: p.order_by)
    ]
    header = ["order by", "arrives", "supplier", "material", "mode", "qty", "cost", "for orders"]
    return "<h2>Purchases and expedites</h2>" + _table(header, rows)


def _balances(plant: Plant, plan: Plan) -> str:
    rows = product_balances(plant, plan) + material_balances(plant, plan)
    if not plant.materials and not any(p.stock for p in plant.products.values()):
        return ""
    table = [
        [
            r.item,
            r.period,
            r.demand,
            r.supply,
            f'<span class="late">{r.balance}</span>' if r.shortfall else r.balance,
        ]
        for r in rows
    ]
    header = ["item", "week", "demand", "supply", "projected balance"]
    return "<h2>Projected available balance</h2>" + _table(header, table, raw=True)


def whatif_page(ev: Evaluation) -> str:
    """The page for ``replan whatif --html``: verdicts first, then the first change set's facts."""
    body = ""
    for outcome in ev.outcomes:
        colour = VERDICT_COLOURS.get(outcome.verdict, "#2b6cb0")
        approvals = "".join(f"<br>NEEDS APPROVAL: {_esc(a)}" for a in outcome.approvals)
        dropped = ""
        if outcome.dropped:
            names = "; ".join(f"{m.order} ({m.customer}, tier {m.tier})" for m in outcome.dropped)
            dropped = f"<br>No longer made: {_esc(names)}"
        body += (
            f'<div class="verdict" style="background:{colour}"><b>{_esc(outcome.name)}: '
            f"{_esc(outcome.verdict)}</b> {_esc(outcome.reason)}{approvals}{dropped}</div>"
        )
        body += _answer(ev, outcome)
    shown = [o for o in ev.outcomes if o.plan is not None]
    if len(ev.outcomes) > 1:
        body += "<h2>Variants</h2>" + _variants(ev)
    if shown:
        first = shown[0]
        body += f"<h2>{_esc(first.name)}: baseline and proposal</h2>"
        body += kpi_cards(first.plant, first.plan, first.kpis)
        body += _figure_html(gantt_by_resource(ev.plant, ev.baseline, "Baseline", ev.now))
        moved = moved_steps(ev.baseline, first.plan)
        asked = first.asked
        title = "Proposal (moved steps hatched" + (", asked orders outlined)" if asked else ")")
        body += _figure_html(
            gantt_by_resource(first.plant, first.plan, title, ev.now, moved, asked),
            PROPOSAL_DIV,
        )
        body += _figure_html(
            gantt_by_order(first.plant, first.plan, "Proposal by order", ev.now, asked)
        )
        body += _moves(ev, first) + _warnings(ev, first) + _supplier_actions(ev, first)
        body += _purchases(first.plant, first.plan)
        body += _balances(first.plant, first.plan)
    return _page(f"What-if: {ev.scenario.path.name} on {ev.plant.name}", body)


def _variants(ev: Evaluation) -> str:
    best = ev.best
    rows = []
    for o in ev.outcomes:
        rows.append(
            [
                o.name + (" (best)" if best is o else ""),
                o.verdict,
                "-" if o.plan is None else f"{o.plan.objective:,.2f}",
                "-" if o.kpis is None else f"{o.kpis.on_time_rate:.1%}",
                "-" if o.stability is None else o.stability.steps_moved,
                "-" if o.promise is None else format_moment(ev.plant.grid.to_datetime(o.promise)),
            ]
        )
    header = ["variant", "verdict", "objective", "on time", "steps moved", "promise"]
    return _table(header, rows)


def _when_fn(ev: Evaluation):
    grid = ev.plant.grid
    return lambda tick: "-" if tick is None else format_moment(grid.to_datetime(tick))


def _harm_text(plant: Plant, move: Move) -> str:
    """An order an option harms: who, how far past its protected date, what it costs."""
    who = f"{move.order} ({move.customer}, tier {move.tier})"
    if move.dropped:
        return f"{who} dropped"
    beyond = describe_span(plant, move.after - move.limit) if move.limit is not None else "?"
    return f"{who} {beyond} past its protected date, {move.cost:,.2f} {plant.currency}"


def _answer(ev: Evaluation, outcome: Outcome) -> str:
    """Asked against offered per asked order, the options side by side (recommended first),
    what binds the date, the promise rule and what was proven."""
    if not outcome.asked and not outcome.asked_dates:
        return ""
    plant = outcome.plant or ev.plant
    when = _when_fn(ev)
    named = f" for {outcome.name}" if len(ev.outcomes) > 1 else ""
    body = ""
    if outcome.asked_dates and outcome.promises:
        slips = outcome.slips
        rows = [
            [
                oid,
                when(asked),
                when(outcome.promises.get(oid)),
                f"+{describe_span(plant, slips[oid])}" if slips.get(oid) else "on time",
            ]
            for oid, asked in outcome.asked_dates.items()
        ]
        body += f"<h2>Asked and offered{_esc(named)}</h2>"
        body += _table(["order", "asked", "offered", "slip"], rows)
    if outcome.options:
        body += f"<h2>Options (recommended first){_esc(named)}</h2>" + _options(ev, outcome)
    if outcome.change_value is not None:
        body += (
            f"<p>The change earns a margin of {_esc(f'{outcome.change_value:,.2f}')} "
            f"{_esc(plant.currency)}.</p>"
        )
    for cause in outcome.binding:
        body += f"<p><b>Binds the date:</b> {_esc(cause)}</p>"
    if outcome.verdict != REJECT:
        rule = f"protect {outcome.protect}"
        if outcome.protect_tolerance:
            rule += f" (tolerance {describe_span(plant, outcome.protect_tolerance)})"
        body += (
            f"<p><b>Promise rule:</b> {_esc(rule)}; "
            f"<b>proven:</b> {_esc(outcome.proven or 'nothing')}.</p>"
        )
    return body


def _options(ev: Evaluation, outcome: Outcome) -> str:
    """One column per option, in the outcome's order (the recommended one first, marked)."""
    plant = outcome.plant or ev.plant
    when = _when_fn(ev)
    options = outcome.options
    header = [""] + [o.name + (" (recommended)" if o.recommended else "") for o in options]
    # Every text is escaped here; the line breaks between harmed orders are the only markup.
    rows = [
        ["dates"] + [", ".join(f"{k} {when(t)}" for k, t in o.promises.items()) for o in options],
        ["worst slip"]
        + [f"+{describe_span(plant, o.worst_slip)}" if o.worst_slip else "none" for o in options],
        [f"cost {plant.currency}"] + [f"{o.cost:,.2f}" for o in options],
    ]
    cells = [[_esc(c) for c in row] for row in rows]
    harmed = ["<br>".join(_esc(_harm_text(plant, m)) for m in o.harm) or "none" for o in options]
    cells.insert(2, ["orders harmed", *harmed])
    return _table(header, cells, raw=True)


def _moves(ev: Evaluation, outcome: Outcome) -> str:
    """Orders whose completion moves; an asked order is judged against its asked date."""
    plant = outcome.plant or ev.plant
    when = _when_fn(ev)
    rows = []
    for m in sorted(outcome.moves, key=lambda m: (m.tier, m.customer, m.order)):
        if m.later_by is None:
            change = "new" if m.before is None else "not made"
        else:
            sign = "+" if m.later_by > 0 else "-"
            change = sign + describe_span(plant, abs(m.later_by))
        due = outcome.asked_dates.get(m.order, m.due)  # asked, not the offer
        status, alarm = _status(plant, m, due)
        rows.append(
            [
                _esc(f"{m.customer} ({m.tier})"),
                _esc(m.order),
                _esc(when(m.before)),
                _esc(when(m.after)),
                _esc(change),
                _esc(when(due)),
                f'<span class="late">{_esc(status)}</span>' if alarm else _esc(status),
            ]
        )
    header = ["customer (tier)", "order", "baseline", "proposal", "change", "due", "status"]
    body = f"<h2>Orders that move ({len(rows)})</h2>" + _table(header, rows, raw=True)
    if outcome.harmed_as_asked and outcome.verdict != ACCEPT_AS_ASKED:
        names = "; ".join(_harm_text(plant, m) for m in outcome.harmed_as_asked)
        body += f"<p>Accepting as asked would harm: {_esc(names)}</p>"
    return body


def _status(plant: Plant, move: Move, due: int) -> tuple[str, bool]:
    """On time, late (by how much), newly late, dropped; and whether it is new harm."""
    if move.dropped:
        return "dropped", True
    if move.after is None:
        return "not made", False
    late = move.after - due
    if late > 0:
        text = f"late {describe_span(plant, late)}"
        return (text, False) if move.late_before else (f"{text} (new)", True)
    return "on time", False


def _warnings(ev: Evaluation, outcome: Outcome) -> str:
    """Confirmed breaks and external risk notices in a table; the internal alerts (on time
    with little slack), which can be dozens, folded away under their count, the orders this
    change moves first."""
    grid = ev.plant.grid
    moved = {m.order for m in outcome.moves}
    order = {BREAK: 0, EXTERNAL: 1}
    urgent = sorted(
        (w for w in outcome.warnings if w.level != INTERNAL),
        key=lambda w: (order[w.level], w.order),
    )
    alerts = sorted(
        (w for w in outcome.warnings if w.level == INTERNAL),
        key=lambda w: (w.order not in moved, w.order),
    )

    def rows(warnings: list) -> list[list[object]]:
        return [
            [
                w.level,
                w.order,
                w.customer,
                "-" if w.date is None else format_moment(grid.to_datetime(w.date)),
                w.message,
                "; ".join(w.countermeasures),
            ]
            for w in warnings
        ]

    header = ["level", "order", "customer", "planned", "what", "countermeasures"]
    breaks = sum(w.level == BREAK for w in urgent)
    body = (
        f"<h2>Early warnings ({breaks} confirmed break(s), {len(urgent) - breaks} external "
        f"risk notice(s), {len(alerts)} internal alert(s))</h2>"
    )
    body += _table(header, rows(urgent)) if urgent else "<p>No confirmed break or risk.</p>"
    if alerts:
        touched = sum(w.order in moved for w in alerts)
        body += (
            '<details class="internal-alerts"><summary><h3>Internal alerts '
            f"({len(alerts)}, {touched} on orders that move): on time with little slack"
            "</h3></summary>" + _table(header[1:], [r[1:] for r in rows(alerts)]) + "</details>"
        )
    return body


def _supplier_actions(ev: Evaluation, outcome: Outcome) -> str:
    if not outcome.supplier_actions:
        return ""
    grid = ev.plant.grid
    rows = [
        [
            a.action,
            a.supplier,
            a.material,
            a.mode,
            a.week,
            f"{a.quantity:+,}",
            f"{a.cost:+,.2f}",
            ", ".join(format_moment(grid.to_datetime(p.order_by), start=True) for p in a.purchases)
            or "-",
            ", ".join(sorted({o for p in a.purchases for o in p.orders})) or "-",
        ]
        for a in outcome.supplier_actions
    ]
    header = ["action", "supplier", "material", "mode", "week", "qty", "cost", "order by", "for"]
    return "<h2>Supplier actions</h2>" + _table(header, rows)


def write_page(path: str | Path | Target, page: str, batch: Batch | None = None) -> None:
    """Write a page, replacing ``path`` atomically (see ``solver.report.output``)."""
    write_text(path, page, batch)
