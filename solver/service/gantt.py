"""What the web page draws of a plan: bars per resource, off-shift and downtime windows, KPI
cards and late orders, as plain JSON-ready values (``routes/gantt.py`` serves them).

The page draws; this module decides. Classes, lateness, moved steps and the changed orders
are computed here from the plan and its plant, so that the browser never re-derives a rule
of the engine (and a test can check them without a browser).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.timegrid import format_duration, format_moment
from solver.facts.changeovers import setups
from solver.facts.stability import moved_steps
from solver.report.gantt import PRIORITY_CLASSES, off_and_down, work_segments
from solver.rules.ranking import rank_orders


def priority_class(weight: int) -> str:
    """``high``, ``medium`` or ``low`` for an order's tardiness weight: the static report's
    classes (``report.gantt.PRIORITY_CLASSES``), so both faces colour an order alike."""
    name = next((name for name, floor, _ in PRIORITY_CLASSES if weight >= floor), "low")
    return name.split()[0]


def changed_orders(changes: Iterable[dict], carried: Iterable[dict] = ()) -> list[str]:
    """The orders a stored change set names (added, cancelled, re-dated, ...), in order.

    Parameters
    ----------
    changes : iterable of dict
        The plan's change records (``PlanRow.changes``).
    carried : iterable of dict
        Records the compared plan has already: a proposal carries the released plan's
        changes, which are not news in it, so the orders only they name are left out.

    Returns
    -------
    list of str
    """
    known = list(carried)
    found: list[str] = []
    for change in changes:
        if change in known:
            continue
        oid = change.get("id") if change.get("kind") == "add_order" else change.get("order")
        if isinstance(oid, str) and oid not in found:
            found.append(oid)
    return found


def gantt_view(
    plant: Plant,
    plan: Plan,
    now: datetime | None = None,
    kpis: dict | None = None,
    baseline: Plan | None = None,
    changed: Iterable[str] = (),
) -> dict:
    """The page's view of a plan.

    Parameters
    ----------
    plant : Plant
        The book the plan was made for (``daily.records.book_of``).
    plan : Plan
    now : datetime, optional
        The plan's moment of asking; the plant's start when not given.
    kpis : dict, optional
        The stored KPIs (``daily.records.kpi_dict``) for the cards; none when not given.
    baseline : Plan, optional
        The plan to compare with: steps that differ are ``moved``.
    changed : iterable of str
        Orders the change set names: their bars are ``changed``.

    Returns
    -------
    dict
        ``start``, ``now``, ``end`` (ISO datetimes), ``currency``, ``resources`` (top row
        first), ``steps`` (bars; a step that pauses over breaks is one bar per stretch of
        work, with ``part``), ``changeovers`` (bars), ``off_shift`` and ``downtime`` (windows
        per resource),
        ``cards``, ``late_orders`` and ``changed``.
    """
    grid = plant.grid
    weights = {r.order: r.weight for r in rank_orders(plant)}
    outcomes = {o.order: o for o in plan.outcomes}
    moved = moved_steps(baseline, plan) if baseline is not None else set()
    changed = [oid for oid in changed if oid in plant.orders or oid in outcomes]
    iso = _iso(plant)
    steps = []
    for s in plan.steps:
        if s.order not in plant.orders:
            continue
        # A step that pauses over breaks is one bar per stretch of work (``part``: k of n).
        parts = work_segments(plant, s)
        for k, (begin, end) in enumerate(parts, 1):
            bar = {
                "order": s.order,
                "step": s.step,
                "resource": s.resource,
                "start": iso(begin),
                "end": iso(end),
                "priority": priority_class(weights.get(s.order, 1)),
                "late": s.order in outcomes and outcomes[s.order].tardiness > 0,
                "moved": (s.order, s.step_index) in moved,
                "changed": s.order in changed,
                "hover": _hover(plant, plan, s.order, s.step, s.resource),
            }
            if len(parts) > 1:
                bar["part"] = [k, len(parts)]
            steps.append(bar)
    span_end = max([s.end for s in plan.steps] + [grid.ticks_per_day])
    off, down = _windows(plant, span_end)
    return {
        "start": iso(0),
        "now": (now or grid.to_datetime(0)).isoformat(),
        "end": iso(span_end),
        "currency": plant.currency,
        "resources": sorted(plant.resources),
        "steps": steps,
        "changeovers": _changeovers(plant, plan),
        "off_shift": off,
        "downtime": down,
        "cards": _cards(plant, plan, kpis),
        "late_orders": _late_orders(plant, plan, weights),
        "changed": changed,
    }


def _changeovers(plant: Plant, plan: Plan) -> list[dict]:
    """The changeovers between the plan's steps, each right after the step it follows."""
    iso = _iso(plant)
    grid = plant.grid
    return [
        {
            "resource": c.resource,
            "start": iso(c.end),
            "end": iso(c.end + c.ticks),
            "hover": [
                f"changeover {c.families[0]} -> {c.families[1]} on {c.resource}",
                f"{format_duration(grid.to_timedelta(c.ticks))}, before {c.after[0]}",
            ],
        }
        for c in setups(plant, plan)
        if c.before[0]
    ]


def _iso(plant: Plant):
    return lambda tick: plant.grid.to_datetime(tick).isoformat()


def _windows(plant: Plant, span_end: int) -> tuple[list[dict], list[dict]]:
    """Off-shift (no calendar time, downtime left out) and downtime windows per resource,
    clipped to the plan's span."""
    iso = _iso(plant)
    off, down = [], []
    end = min(span_end, plant.horizon)
    for rid in sorted(plant.resources):
        idle, downtime = off_and_down(plant, rid, end)
        off += [{"resource": rid, "start": iso(a), "end": iso(b)} for a, b in idle]
        down += [{"resource": rid, "start": iso(a), "end": iso(b)} for a, b in downtime]
    return off, down


def _hover(plant: Plant, plan: Plan, order_id: str, step: str, resource: str) -> list[str]:
    """The lines shown when hovering a bar (plain text: the page escapes them)."""
    order = plant.orders[order_id]
    outcome = plan.outcome(order_id)
    grid = plant.grid
    if outcome is None or outcome.completion is None:
        slack = "-"
    elif order.due >= outcome.completion:
        slack = format_duration(grid.to_timedelta(order.due - outcome.completion))
    else:
        slack = "late by " + format_duration(grid.to_timedelta(outcome.completion - order.due))
    customer = plant.customers[order.customer].name if order.customer in plant.customers else ""
    return [
        f"{order_id} / {step} on {resource}",
        f"customer {customer}",
        f"quantity {order.quantity} {order.product}",
        f"due {format_moment(grid.to_datetime(order.due))}",
        f"slack {slack}",
    ]


def _cards(plant: Plant, plan: Plan, kpis: dict | None) -> list[dict]:
    """KPI cards as label and shown value."""
    money = plant.currency
    cards = [
        {"label": "objective", "value": f"{plan.objective:,.0f} {money}"},
        {"label": "status", "value": plan.status.lower()},
    ]
    if not kpis:
        return cards
    shown = [
        ("on time (orders)", "on_time_rate", lambda v: f"{v:.1%}"),
        ("late orders", "late_orders", str),
        ("weighted tardiness", "weighted_tardiness_days", lambda v: f"{v:.1f} days"),
        ("orders made", "orders_accepted", str),
        ("orders declined", "orders_declined", str),
        ("margin", "margin", lambda v: f"{v:,.0f} {money}"),
        ("bottleneck", "bottlenecks", lambda v: ", ".join(v) or "-"),
    ]
    for label, key, show in shown:
        if kpis.get(key) is not None:
            cards.append({"label": label, "value": show(kpis[key])})
    return cards


def _late_orders(plant: Plant, plan: Plan, weights: dict[str, int]) -> list[dict]:
    """Late and declined orders, highest priority first, then the latest first."""
    grid = plant.grid
    rows = []
    for outcome in plan.outcomes:
        if outcome.order not in plant.orders or (outcome.accepted and not outcome.tardiness):
            continue
        order = plant.orders[outcome.order]
        made = outcome.accepted and outcome.completion is not None
        rows.append(
            {
                "order": outcome.order,
                "customer": order.customer,
                "product": order.product,
                "quantity": order.quantity,
                "priority": priority_class(weights.get(outcome.order, 1)),
                "weight": weights.get(outcome.order, 1),
                "due": format_moment(grid.to_datetime(order.due)),
                "completion": format_moment(grid.to_datetime(outcome.completion)) if made else "-",
                "late_by": format_duration(grid.to_timedelta(outcome.tardiness))
                if made
                else "declined",
                "late_hours": grid.to_timedelta(outcome.tardiness).total_seconds() / 3600
                if made
                else None,
            }
        )
    rows.sort(key=lambda r: (-r["weight"], -(r["late_hours"] or float("inf"))))
    return rows
