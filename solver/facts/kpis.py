"""KPIs from a plant and a plan alone (pure functions; no solver variables are read).

Stability against a baseline (steps moved, total shift, resource changes, sequence swaps,
orders moved, promised dates broken) is defined once in ``solver.facts.stability`` and exported here.

Utilisation is measured over the plan's span: from the plan start to the last completion,
against each resource's working time (calendar less downtime) in that span, times capacity; a
step that pauses over breaks counts its work, not the breaks.

Planned OEE (seed 003: overall equipment effectiveness of 80 % or more) is measured over the
same span: planned run time over available time. A plan assumes every unit is made at its
rated time per unit and is good, so OEE's performance and quality factors are 1 and the figure
is the planned share of available time spent making product. Run time is quantity x time per
unit of the chosen option; setups and the rounding of a step up to the time grid are losses,
as changeovers are in OEE, so planned OEE is below utilisation by the setups. Available time is
the calendar less downtime, in unit-time for a pool: capacity x working time, less the units
a partial downtime takes for as long as it overlaps working time (utilisation subtracts only
downtime of the whole resource). Inventory days are in ``solver.facts.inventory``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from solver.domain.intervals import clip, total
from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.facts.changeovers import changeover_summary, setups
from solver.facts.inventory import InventoryDays, inventory_days
from solver.facts.stability import (  # noqa: F401  (stability metrics are part of the KPIs)
    Reference,
    Stability,
    sequence_swaps,
    stability_metrics,
    stability_units,
)
from solver.rules.costs import (
    changeover_cost_per_tick,
    decline_cost,
    holding_per_tick,
    money_units,
    purchase_cost,
    risk_premium,
    surplus_holding_per_tick,
    tardiness_coefficient,
    units_per_currency,
)
from solver.rules.ranking import order_margin, tardiness_weights
from solver.supply import sources


@dataclass(frozen=True)
class Kpis:
    """Service, money and load figures of one plan. Times are in days.

    The last four fields are seed 003's targets beside on-time delivery.

    Attributes
    ----------
    planned_oee : dict[str, float]
        Per bottleneck (in the order of ``bottlenecks``): planned run time (quantity x time per
        unit, setups excluded) over available time (calendar less downtime; unit-time for a
        pool) from the plan start to the last completion, the span of ``utilisation``.
    oee_target : float
        The ``oee_target`` setting the planned OEE is compared with (default 80 %).
    inventory_days : list[InventoryDays]
        Per material and per product with finished goods or orders: average stock over
        average daily use in the window, target and flag (``solver.facts.inventory``).
    inventory_days_tolerance : float
        The ``inventory_days_tolerance`` setting: flagged outside ``target x (1 +/- this)``.
    changeovers : dict[str, tuple[int, float]]
        Per machine with a changeover matrix: how many changeovers the plan has there and
        their hours (``solver.facts.changeovers``).
    """

    orders_accepted: int
    orders_declined: int
    on_time_rate: float
    on_time_rate_quantity: float
    late_orders: int
    total_tardiness_days: float
    weighted_tardiness_days: float
    margin: float
    utilisation: dict[str, float]
    bottlenecks: list[str]
    declined: list[str]
    planned_oee: dict[str, float] = field(default_factory=dict)
    oee_target: float = 0.8
    inventory_days: list[InventoryDays] = field(default_factory=list)
    inventory_days_tolerance: float = 0.2
    changeovers: dict[str, tuple[int, float]] = field(default_factory=dict)

    @property
    def oee_below_target(self) -> list[str]:
        """Bottlenecks whose planned OEE is below ``oee_target``."""
        return [r for r, oee in self.planned_oee.items() if oee < self.oee_target]

    @property
    def inventory_flagged(self) -> list[InventoryDays]:
        """Items whose inventory days are outside their target's tolerance."""
        return [row for row in self.inventory_days if row.flag is not None]


def objective_units(
    plant: Plant,
    plan: Plan,
    weights: dict[str, int] | None = None,
    reference: Reference | None = None,
) -> dict[str, int]:
    """The objective's terms recomputed from the plan, in the solver's integer units.

    ``weights`` (tardiness weight per order) defaults to the plant's ranking; callers that
    evaluate many plans of one plant pass them once. With a ``reference`` (a what-if's
    baseline) the ``stability`` term is added.
    """
    weights = weights or tardiness_weights(plant)
    tardiness = sum(
        tardiness_coefficient(plant, weights[o.order]) * o.tardiness
        for o in plan.outcomes
        if o.accepted
    )
    declined = sum(
        decline_cost(plant, o.order)
        for o in plan.outcomes
        if not o.accepted and plant.orders[o.order].optional
    )
    terms = {"tardiness": tardiness, "declined": declined}
    if sources.has_supply(plant):
        terms.update(supply_units(plant, plan))
    if plant.changeovers:
        per_tick = changeover_cost_per_tick(plant)
        terms["changeover"] = per_tick * sum(s.ticks for s in setups(plant, plan))
    if reference is not None:
        terms["stability"] = stability_units(plant, plan, reference)
    return terms


def objective_total(
    plant: Plant,
    plan: Plan,
    weights: dict[str, int] | None = None,
    reference: Reference | None = None,
) -> int:
    """The objective recomputed from the plan, in the solver's integer units: the sum of
    ``objective_units`` (with ``reference``, the stability term included)."""
    return sum(objective_units(plant, plan, weights, reference).values())


def supply_units(plant: Plant, plan: Plan) -> dict[str, int]:
    """Purchase, expedite, risk and holding terms of a plan, in objective units.

    Each bought order-line is priced on its own (rounded to the cent), a minimum-order surplus
    per unit, a shipment charge per shipment: the same arithmetic as the CP-SAT objective.
    """
    terms = dict.fromkeys(("purchase", "expedite", "risk", "holding"), 0)
    for s in plan.supplies:
        if s.source == sources.STOCK:
            continue
        offer = sources.offer_for(plant, s.source, s.material)
        mode = sources.mode_named(offer, s.mode)
        reliability = plant.suppliers[s.source].reliability
        terms["purchase"] += purchase_cost(plant, offer.price, s.quantity)
        terms["expedite"] += money_units(plant, mode.cost_per_unit * s.quantity)
        terms["risk"] += risk_premium(plant, reliability, offer.price, s.quantity)
    for p in plan.purchases:
        offer = sources.offer_for(plant, p.supplier, p.material)
        mode = sources.mode_named(offer, p.mode)
        surplus = p.quantity - p.needed(plan.supplies)
        reliability = plant.suppliers[p.supplier].reliability
        terms["purchase"] += surplus * purchase_cost(plant, offer.price, 1)
        terms["expedite"] += money_units(plant, mode.cost_per_shipment) + surplus * money_units(
            plant, mode.cost_per_unit
        )
        terms["risk"] += surplus * risk_premium(plant, reliability, offer.price, 1)
    # Stock is held until the step that draws it starts (the CP-SAT model's stock_start), and
    # so is bought material from its arrival (bought_start).
    draws = sources.draw_starts(plant, plan)
    terms["holding"] = holding_if_idle(plant)
    for s in plan.supplies:
        value = plant.materials[s.material].unit_cost
        if s.source == sources.STOCK:
            terms["holding"] -= holding_per_tick(plant, value, s.quantity) * (
                plant.horizon - draws[(s.order, s.material)]
            )
        elif s.arrival is not None and (s.order, s.material) in draws:
            # Bought material waits from its arrival until the step that draws it starts.
            terms["holding"] += holding_per_tick(plant, value, s.quantity) * max(
                0, draws[(s.order, s.material)] - s.arrival
            )
    for o in plan.outcomes:
        if o.from_stock:
            terms["holding"] -= finished_goods_saving(plant, o.order)
    terms["holding"] += surplus_if_idle(plant, plan)
    return terms


def surplus_if_idle(plant: Plant, plan: Plan) -> int:
    """Holding cost of the plan's minimum-order surpluses in stock from their arrival to the
    horizon (``sources.surplus_events``; draws from them save as any stock draw does)."""
    units = 0
    for mid, events in sources.surplus_events(plant, plan.supplies, plan.purchases).items():
        value = plant.materials[mid].unit_cost
        for tick, surplus in events:
            idle = plant.horizon - min(tick, plant.horizon)
            units += surplus_holding_per_tick(plant, value, surplus) * idle
    return units


def holding_if_idle(plant: Plant) -> int:
    """Holding cost of all stock over the horizon if nothing were used (objective units)."""
    horizon = plant.horizon
    units = 0
    for mid, material in plant.materials.items():
        for tick, quantity in sources.stock_events(plant, mid):
            units += holding_per_tick(plant, material.unit_cost, quantity) * (
                horizon - min(tick, horizon)
            )
    for pid, product in plant.products.items():
        if product.stock:
            value = sources.finished_goods_value(plant, pid)
            units += holding_per_tick(plant, value, product.stock) * horizon
    return units


def finished_goods_saving(plant: Plant, order_id: str) -> int:
    """Holding saved by shipping an order from finished goods at its due date."""
    order = plant.orders[order_id]
    value = sources.finished_goods_value(plant, order.product)
    shipped = min(plant.horizon, max(0, order.due))
    return holding_per_tick(plant, value, order.quantity) * (plant.horizon - shipped)


def objective_money(plant: Plant, plan: Plan) -> dict[str, float]:
    """The objective's terms recomputed from the plan, in money."""
    scale = units_per_currency(plant)
    return {name: units / scale for name, units in objective_units(plant, plan).items()}


def plan_span(plan: Plan) -> int:
    """Tick of the last completion of a step (0 for a plan without steps)."""
    return max((s.end for s in plan.steps), default=0)


def utilisation(plant: Plant, plan: Plan) -> dict[str, float]:
    """Busy share of each resource's working time between plan start and the last completion."""
    span = plan_span(plan)
    busy = dict.fromkeys(plant.resources, 0)
    for step in plan.steps:
        begin, end = max(step.start, 0), min(step.end, span)
        if not step.pinned and plant.pausing(step.order, step.step_index):
            # Work, not span: the breaks a paused step waits over are not busy time.
            busy[step.resource] += total(clip(plant.pause_windows(step.resource), begin, end))
        else:
            busy[step.resource] += max(0, end - begin)
    result = {}
    for rid, resource in plant.resources.items():
        available = total(clip(plant.availability[rid], 0, span)) * resource.capacity
        result[rid] = busy[rid] / available if available else 0.0
    return result


def available_time(plant: Plant, resource_id: str, start: int, end: int) -> int:
    """Unit-ticks a resource can work in ``[start, end)``: calendar less downtime.

    A pool counts each unit: capacity x the time the whole pool is available, less, for each
    partial downtime, its units x its overlap with that time.
    """
    resource = plant.resources[resource_id]
    windows = clip(plant.availability[resource_id], start, end)
    units = total(windows) * resource.capacity
    for down in resource.downtime:
        if down.units is not None and down.units < resource.capacity:
            units -= down.units * total(clip(windows, down.start, down.end))
    return max(0, units)


def run_ticks(plant: Plant, step: ScheduledStep) -> float:
    """Ticks of a scheduled step spent making product: quantity x time per unit.

    The rest of the step is its setup and the rounding up to the grid. A step whose order,
    routing step or option the plant does not know counts as running throughout.
    """
    length = step.end - step.start
    order = plant.orders.get(step.order)
    product = plant.products.get(order.product) if order else None
    if product is None or not 0 <= step.step_index < len(product.routing):
        return length
    option = next(
        (o for o in product.routing[step.step_index].options if o.resource == step.resource),
        None,
    )
    if option is None:
        return length
    seconds = order.quantity * option.per_unit
    return min(length, seconds / plant.grid.seconds_per_tick)


def planned_oee(plant: Plant, plan: Plan, resources: list[str] | None = None) -> dict[str, float]:
    """Planned run time over available time of each resource, plan start to last completion.

    Parameters
    ----------
    plant : Plant
    plan : Plan
    resources : list[str], optional
        The resources to measure, in this order; all of the plant's by default.

    Returns
    -------
    dict[str, float]
        Resource -> planned OEE in [0, 1]; 0.0 where no time is available. A step's setup
        comes first and its run last, so the part of a step before the plan start (work in
        progress) is cut from its setup first.
    """
    span = plan_span(plan)
    wanted = list(plant.resources) if resources is None else resources
    run = dict.fromkeys(wanted, 0.0)
    for step in plan.steps:
        if step.resource in run:
            begin = max(step.end - run_ticks(plant, step), 0)
            run[step.resource] += max(0.0, min(step.end, span) - begin)
    result = {}
    for rid in wanted:
        available = available_time(plant, rid, 0, span)
        result[rid] = run[rid] / available if available else 0.0
    return result


def bottlenecks(plant: Plant, load: dict[str, float]) -> list[str]:
    """Resources at or above the bottleneck threshold, busiest first; else the busiest one.

    An idle plant has no bottleneck.
    """
    ranked = sorted((r for r in load if load[r] > 0), key=lambda r: -load[r])
    over = [r for r in ranked if load[r] >= plant.settings.bottleneck_threshold]
    return over or ranked[:1]


def compute_kpis(plant: Plant, plan: Plan) -> Kpis:
    """All KPIs of a plan.

    Parameters
    ----------
    plant : Plant
    plan : Plan

    Returns
    -------
    Kpis
    """
    ticks_per_day = plant.grid.ticks_per_day
    weights = tardiness_weights(plant)
    accepted = [o for o in plan.outcomes if o.accepted]
    on_time = [o for o in accepted if o.tardiness == 0]
    quantity = sum(plant.orders[o.order].quantity for o in accepted)
    load = utilisation(plant, plan)
    busiest = bottlenecks(plant, load)
    settings = plant.settings
    return Kpis(
        orders_accepted=len(accepted),
        orders_declined=len(plan.outcomes) - len(accepted),
        on_time_rate=len(on_time) / len(accepted) if accepted else 1.0,
        on_time_rate_quantity=(
            sum(plant.orders[o.order].quantity for o in on_time) / quantity if quantity else 1.0
        ),
        late_orders=len(accepted) - len(on_time),
        total_tardiness_days=sum(o.tardiness for o in accepted) / ticks_per_day,
        weighted_tardiness_days=sum(weights[o.order] * o.tardiness for o in accepted)
        / ticks_per_day,
        margin=sum(order_margin(plant, plant.orders[o.order]) for o in accepted),
        utilisation=load,
        bottlenecks=busiest,
        declined=[o.order for o in plan.outcomes if not o.accepted],
        planned_oee=planned_oee(plant, plan, busiest),
        oee_target=settings.oee_target,
        inventory_days=inventory_days(plant, plan),
        inventory_days_tolerance=settings.inventory_days_tolerance,
        changeovers={
            rid: (count, ticks * plant.grid.resolution.total_seconds() / 3600)
            for rid, (count, ticks) in changeover_summary(plant, plan).items()
        },
    )


def with_objective(
    plant: Plant, plan: Plan, reference: Reference | None = None, weights=None
) -> Plan:
    """The plan with objective and terms recomputed from it (no bound: nothing is proven).

    For plans made without the solver (dispatch, right-shift, merged neighbourhoods) or by a
    solve that minimised something else (a promise date).
    """
    terms = objective_units(plant, plan, weights, reference)
    scale = units_per_currency(plant)
    return dataclasses.replace(
        plan,
        objective=sum(terms.values()) / scale,
        objective_units=sum(terms.values()),
        terms={k: v / scale for k, v in terms.items()},
        best_bound=None,
        gap=None,
    )
