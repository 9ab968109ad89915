"""Early warnings from a plan: projected available balance (PAB) per product and material, and
the three levels of DOMAIN.md (internal alert, external risk notice, confirmed break).

DOMAIN.md (seed 002): PAB(t) = PAB(t-1) - demand(t) + supply(t). A period whose balance is
below zero cannot cover its demand: supply breaks there unless something changes. For a
product, demand is the quantity of accepted orders due in the period and supply the quantity
the plan completes in it, starting from finished goods on hand. Periods run from the plan
start to the horizon; what falls after the horizon is outside the table. For a material, demand is what
orders draw when their first step starts, and supply is receipts and planned purchases
arriving, starting from stock on hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from solver.data import Plant
from solver.errors import SolveError
from solver.loading import ALWAYS
from solver.plan import Plan
from solver.replanning import minimal_change
from solver.stability import Reference
from solver.timegrid import format_duration, format_moment, parse_duration

PERIODS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Balance:
    """One period of a projected available balance."""

    item: str
    period: int
    start: int
    demand: int
    supply: int
    balance: int

    @property
    def shortfall(self) -> bool:
        return self.balance < 0


def projected_balance(opening: int, demand: Sequence[int], supplied: Sequence[int]) -> list[int]:
    """PAB(t) = PAB(t-1) - demand(t) + supply(t), from PAB(0) = ``opening``."""
    balances, level = [], opening
    for out, into in zip(demand, supplied, strict=True):
        level = level - out + into
        balances.append(level)
    return balances


def period_ticks(plant: Plant, period: str) -> int:
    return PERIODS[period] * plant.grid.ticks_per_day


def _rows(
    plant: Plant,
    item: str,
    opening: int,
    demand: dict[int, int],
    supplied: dict[int, int],
    period: str,
) -> list[Balance]:
    length = period_ticks(plant, period)
    count = -(-plant.horizon // length)
    demand_list = [demand.get(k, 0) for k in range(count)]
    supply_list = [supplied.get(k, 0) for k in range(count)]
    balances = projected_balance(opening, demand_list, supply_list)
    return [
        Balance(item, k + 1, k * length, demand_list[k], supply_list[k], balances[k])
        for k in range(count)
    ]


def _bucket(plant: Plant, tick: int, period: str) -> int | None:
    """Period of a tick; before the plan start counts in the first, after the horizon in none."""
    if tick >= plant.horizon:
        return None
    return max(0, tick) // period_ticks(plant, period)


def _add(counts: dict[int, int], key: int | None, quantity: int) -> None:
    if key is not None:
        counts[key] = counts.get(key, 0) + quantity


def product_balances(plant: Plant, plan: Plan, period: str = "week") -> list[Balance]:
    """PAB of every product with orders or finished goods, period by period."""
    rows = []
    outcomes = {o.order: o for o in plan.outcomes}
    for pid, product in plant.products.items():
        demand: dict[int, int] = {}
        supplied: dict[int, int] = {}
        orders = [o for o in plant.orders.values() if o.product == pid]
        if not orders and not product.stock:
            continue
        for order in orders:
            outcome = outcomes.get(order.id)
            if outcome is None or not outcome.accepted:
                continue
            _add(demand, _bucket(plant, order.due, period), order.quantity)
            if outcome.completion is not None:
                _add(supplied, _bucket(plant, outcome.completion, period), order.quantity)
        rows += _rows(plant, pid, product.stock, demand, supplied, period)
    return rows


def material_balances(plant: Plant, plan: Plan, period: str = "week") -> list[Balance]:
    """PAB of every material: draws at first starts against stock, receipts and purchases."""
    starts = plan.first_starts()
    rows = []
    for mid, material in plant.materials.items():
        demand: dict[int, int] = {}
        supplied: dict[int, int] = {}
        for s in plan.supplies:
            if s.material == mid and s.order in starts:
                _add(demand, _bucket(plant, starts[s.order], period), s.quantity)
        for receipt in material.receipts:
            _add(supplied, _bucket(plant, receipt.arrival, period), receipt.quantity)
        for p in plan.purchases:
            if p.material == mid:
                _add(supplied, _bucket(plant, p.arrival, period), p.quantity)
        rows += _rows(plant, mid, material.stock, demand, supplied, period)
    return rows


def shortfalls(plant: Plant, plan: Plan, period: str = "week") -> list[Balance]:
    """Every product and material period whose projected balance is below zero."""
    rows = product_balances(plant, plan, period) + material_balances(plant, plan, period)
    return [row for row in rows if row.shortfall]


INTERNAL, EXTERNAL, BREAK = "internal alert", "external risk notice", "confirmed break"


@dataclass(frozen=True)
class Warning:
    """An early warning (DOMAIN.md, seed 002): internal alert, external risk, confirmed break."""

    level: str
    order: str
    customer: str
    message: str
    date: int | None = None
    countermeasures: tuple[str, ...] = ()


def early_warnings(plant: Plant, plan: Plan) -> list[Warning]:
    """Internal alerts (slack below ``alert_slack``), external risk notices and confirmed
    breaks, checked against a relaxed plant with every countermeasure allowed."""
    slack_limit = plant.grid.duration_ticks(
        parse_duration(plant.settings.alert_slack).total_seconds()
    )
    warnings = []
    late = []
    for o in plan.outcomes:
        if not o.accepted or o.from_stock or o.completion is None:
            continue
        customer = plant.customers[plant.orders[o.order].customer].name
        if o.tardiness > 0:
            late.append(o)
        elif o.due - o.completion < slack_limit:
            warnings.append(
                Warning(
                    INTERNAL,
                    o.order,
                    customer,
                    f"on time with only {_span(plant, o.due - o.completion)} to spare",
                    o.completion,
                )
            )
    if late:
        warnings += _late_warnings(plant, plan, late)
    return warnings


def _late_warnings(plant: Plant, plan: Plan, late: list) -> list[Warning]:
    relaxed_plant = relax(plant)
    # A check, not the plan: half the time budget.
    settings = plant.settings.share(1 / 2)
    try:
        relaxed = minimal_change(relaxed_plant, plan, Reference(plan), settings, [])
    except SolveError:
        relaxed = None
    out = []
    for o in late:
        customer = plant.customers[plant.orders[o.order].customer].name
        fixed = relaxed.outcome(o.order) if relaxed else None
        if fixed is not None and fixed.accepted and fixed.tardiness == 0:
            measures = tuple(countermeasures(plant, plan, relaxed, o.order))
            out.append(
                Warning(
                    EXTERNAL,
                    o.order,
                    customer,
                    f"planned {_span(plant, o.tardiness)} late; recoverable",
                    o.completion,
                    measures,
                )
            )
        else:
            out.append(
                Warning(
                    BREAK,
                    o.order,
                    customer,
                    f"late even with overtime, alternative resources and expedites: delivers "
                    f"{describe_moment(plant, o.completion)} instead of {describe_moment(plant, o.due)}",
                    o.completion,
                )
            )
    return out


def relax(plant: Plant) -> Plant:
    """Every countermeasure allowed: overtime round the clock, expedites at no extra cost."""
    resources = {rid: dataclasses.replace(r, calendar=ALWAYS) for rid, r in plant.resources.items()}
    suppliers = {}
    for sid, s in plant.suppliers.items():
        offers = {
            mid: dataclasses.replace(
                offer,
                modes=tuple(
                    dataclasses.replace(m, cost_per_unit=0.0, cost_per_shipment=0.0)
                    for m in offer.modes
                ),
            )
            for mid, offer in s.offers.items()
        }
        suppliers[sid] = dataclasses.replace(s, offers=offers)
    return plant.replace(resources=resources, suppliers=suppliers)


def countermeasures(plant: Plant, plan: Plan, relaxed: Plan, order_id: str) -> list[str]:
    """What the relaxed plan does differently for one order."""
    measures = []
    before = {s.step_index: s for s in plan.steps_of(order_id)}
    for step in relaxed.steps_of(order_id):
        windows = plant.availability[step.resource]
        if not step.pinned and not any(a <= step.start and step.end <= b for a, b in windows):
            measures.append(f"overtime on {step.resource} for {step.step}")
        old = before.get(step.step_index)
        if old is not None and old.resource != step.resource:
            measures.append(f"{step.step} on {step.resource} instead of {old.resource}")
    old_modes = {(s.material, s.source, s.mode) for s in plan.supplies if s.order == order_id}
    for s in relaxed.supplies:
        expedited = s.mode not in ("", "standard")
        if s.order == order_id and expedited and (s.material, s.source, s.mode) not in old_modes:
            measures.append(f"expedite {s.material} from {s.source} by {s.mode}")
    return measures or ["re-sequencing other orders"]


def _span(plant: Plant, ticks: int) -> str:
    return format_duration(plant.grid.to_timedelta(ticks))


def describe_moment(plant: Plant, tick: int | None) -> str:
    """A tick as ``Tue 01 Dec 14:00`` (``never`` for None), for messages."""
    return "never" if tick is None else format_moment(plant.grid.to_datetime(tick))
