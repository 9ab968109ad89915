"""A lower bound on the objective of any plan of the whole book, for searches that prove none.

LNS (every big book) proves no bound of its own, so its plans said "no bound"
and nobody could tell a plan 2 % from the best possible from one 60 % away. This bound is a
relaxation computed from the plant alone, in three parts, each an exact lower bound of its
own objective terms:

1. **Each order alone on the plant.** Its remaining steps in routing order from its release,
   each step no earlier than the materials it draws could be there
   (``sources.material_ready_by_step``: one source or split per need, no other order drawing; a
   started order from its pinned step), each on whichever
   eligible resource ends it first inside one working window of that resource's calendar,
   with the routing's lags: no plan completes it earlier. Its cost is its tardiness weight
   times the lateness of that completion; an optional order costs the lesser of that and
   declining it, and an order that finished goods on hand could serve costs nothing.
2. **The one resource that raises it most, as a relaxed machine.** The steps that can run
   only there (firm orders, not started), each with the earliest end from part 1 and the
   least work that must follow it (fastest options and lags, calendars ignored). Whatever
   the order of work, the k-th step to finish on the resource finishes no earlier than the
   time its working windows (times its capacity, preemption allowed) take to hold the k
   shortest steps' work. The cheapest assignment of those completion times to the steps
   (``ortools.graph`` linear sum assignment) bounds their orders' lateness cost together;
   every other order keeps its part-1 cost.

3. **Purchases that cannot be avoided.** Per material, the firm orders' needs (orders not
   started and not servable from finished goods) beyond everything on hand and arriving
   (stock and receipts, whenever they come) must be bought: cheapest offers first (price,
   cheapest mode's cost per unit, risk premium under ``supplier_risk: premium``), each up
   to its capacity over every period of the horizon (bookings ignored), less half a cent per
   order line and term for rounding.

Relaxed, and so not counted: the other resources' capacity, steps with alternatives (they may
go elsewhere), partial downtime on pools, steps split across breaks, when suppliers deliver
(a period's capacity may serve any period), minimum orders, shipment charges, holding (at least 0: every unit held is charged from its
arrival, and a draw saves at most that) and the stability term (at least 0).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import linear_sum_assignment

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.rules.costs import decline_cost, tardiness_coefficient, units_per_currency
from solver.supply import sources


@dataclass(frozen=True)
class LowerBound:
    """The bound in objective units, and what made it.

    ``alone``: part 1 summed over every order; ``resource``: the resource of part 2 (empty
    when no resource raised the bound) and ``raised``: how much it added to ``alone``;
    ``purchases``: part 3.
    """

    units: int
    alone: int
    resource: str = ""
    raised: int = 0
    purchases: int = 0

    def note(self, scale: int, currency: str) -> str:
        """One line for the console and the plan's stats."""
        text = (
            f"each order alone on the plant (release, materials, routing, calendars): "
            f"{self.alone / scale:,.2f} {currency}"
        )
        if self.resource:
            text += (
                f"; {self.resource} as a relaxed machine adds {self.raised / scale:,.2f} {currency}"
            )
        if self.purchases:
            text += (
                f"; purchases that stock and receipts cannot avoid, at the cheapest offers: "
                f"{self.purchases / scale:,.2f} {currency}"
            )
        return text


@dataclass(frozen=True)
class _Job:
    """A step of a firm, unstarted order: the resources it may run on (``works``: ticks on
    each), the earliest it can end, the least time after it to its order's completion, and
    its order's due tick and cost per tick late."""

    order: str
    works: dict[str, int]
    earliest_end: int
    tail: int
    due: int
    per_tick: int


# A group with more steps than this is bounded by sorted matching with its least weight
# (linear sum assignment is cubic: 300 steps took about 0.1 s).
MAX_ASSIGNED = 300


def lower_bound(plant: Plant, weights: dict[str, int]) -> LowerBound | None:
    """A lower bound on the objective (objective units) of every valid plan of the plant.

    Parameters
    ----------
    plant : Plant
    weights : dict
        Order -> tardiness weight (the plant's ranking).

    Returns
    -------
    LowerBound or None
        None only when no assignment of part 2 could be solved and nothing else is known
        (never in practice: parts 1 and 3 always give one).
    """
    alone, jobs = {}, []
    for oid in plant.orders:
        completion, order_jobs = _alone(plant, oid, weights)
        alone[oid] = _order_cost(plant, oid, weights, completion)
        jobs += order_jobs
    base = sum(alone.values())
    best = LowerBound(base, base)
    for group in _groups(jobs):
        inside = _one_per_order(jobs, group)
        relaxed = _machine_bound(plant, group, inside, alone)
        if relaxed is None:
            continue
        raised = relaxed - sum(alone[j.order] for j in inside)
        if raised > best.raised:
            best = LowerBound(base + raised, base, ", ".join(sorted(group)), raised)
    bought = unavoidable_purchases(plant)
    return dataclasses.replace(best, units=best.units + bought, purchases=bought)


def unavoidable_purchases(plant: Plant) -> int:
    """Part 3: what buying the firm orders' needs beyond stock and receipts costs at least.

    Parameters
    ----------
    plant : Plant

    Returns
    -------
    int
        Objective units (0 without supply).
    """
    needs: dict[str, int] = {}
    lines: dict[str, int] = {}
    for oid, order in plant.orders.items():
        if order.optional or sources.may_ship_from_stock(plant, oid):
            continue
        for material, quantity in sources.requirements(plant, oid).items():
            needs[material] = needs.get(material, 0) + quantity
            lines[material] = lines.get(material, 0) + 1
    cents = 0
    for material, need in needs.items():
        short = need - sum(units for _, units in sources.stock_events(plant, material))
        money = 0.0
        for unit, capacity in _offers_by_price(plant, material):
            if short <= 0:
                break
            bought = short if capacity is None else min(short, capacity)
            money += unit * bought
            short -= bought
        # Each line's price, mode cost and premium are rounded to the cent on their own.
        cents += max(0, math.floor(100 * money) - 2 * lines[material])
    return cents * plant.grid.ticks_per_day


def _offers_by_price(plant: Plant, material: str) -> list[tuple[float, int | None]]:
    """(least money a bought unit costs, units it can sell over the horizon) per offer of the
    material, cheapest first; None: no capacity limit. Beyond every offer's capacity nothing
    can be bought, so no plan exists and any bound holds."""
    premium = plant.settings.supplier_risk == "premium"
    offers = []
    for supplier in plant.suppliers.values():
        offer = supplier.offers.get(material)
        if offer is None or not offer.modes:
            continue
        risk = offer.price * (1 / supplier.reliability - 1) if premium else 0.0
        unit = offer.price + min(m.cost_per_unit for m in offer.modes) + risk
        periods = -(-plant.horizon // supplier.period) + 1
        offers.append((unit, None if offer.capacity is None else offer.capacity * periods))
    return sorted(offers, key=lambda o: o[0])


def with_bound(
    plant: Plant, plan: Plan, weights: dict[str, int], bound: LowerBound | None = None
) -> Plan:
    """The plan with ``lower_bound`` (or ``bound``, computed before) as its best bound and the
    gap to it, for a search that proves none (LNS).

    ``stats.bound_note`` says what the bound is made of (``LowerBound.note``).
    """
    bound = bound or lower_bound(plant, weights)
    if bound is None:
        return plan
    units = plan.objective_units
    scale = units_per_currency(plant)
    return dataclasses.replace(
        plan,
        best_bound=bound.units / scale,
        gap=0.0 if units <= 0 else max(0.0, (units - bound.units) / units),
        stats={**plan.stats, "bound_note": bound.note(scale, plant.currency)},
    )


def _groups(jobs: list[_Job]) -> list[frozenset[str]]:
    """The resource sets to relax: each step's own set of options, and each set of resources
    linked by steps that may use either (a stage: all lines of a kind)."""
    sets = {frozenset(j.works) for j in jobs}
    parent: dict[str, str] = {}

    def root(r: str) -> str:
        while parent.setdefault(r, r) != r:
            r = parent[r]
        return r

    for options in sets:
        first, *rest = sorted(options)
        for r in rest:
            parent[root(r)] = root(first)
    stages: dict[str, set[str]] = {}
    for options in sets:
        for r in options:
            stages.setdefault(root(r), set()).add(r)
    return sorted(sets | {frozenset(s) for s in stages.values()}, key=sorted)


def _one_per_order(jobs: list[_Job], group: frozenset[str]) -> list[_Job]:
    """The steps that can run only inside ``group``, one per order (the longest): dropping an
    order's other steps there only relaxes the bound."""
    chosen: dict[str, _Job] = {}
    for job in jobs:
        if job.works.keys() <= group:
            work = min(job.works.values())
            held = chosen.get(job.order)
            if held is None or work > min(held.works.values()):
                chosen[job.order] = job
    return list(chosen.values())


def _alone(plant: Plant, oid: str, weights: dict[str, int]) -> tuple[int, list[_Job]]:
    """The order's earliest completion alone on the plant, and its steps as jobs."""
    order = plant.orders[oid]
    if sources.may_ship_from_stock(plant, oid):
        return order.due, []  # finished goods may serve it on its due date, using no resource
    steps = plant.remaining_steps(oid)
    pinned = any((oid, index) in plant.pins for index, _ in steps)
    materials = sources.material_ready_by_step(plant, oid) or {}
    t = order.release
    ends = []
    for index, step in steps:
        # A material drawn at a later step holds that step, not the order's start.
        t = max(t, materials.get(index, 0))
        pin = plant.pins.get((oid, index))
        if pin is not None:
            end = plant.pin_end(oid, index)
        else:
            end = min(
                _earliest_end(plant, o.resource, t, plant.duration(oid, o)) for o in step.options
            )
        ends.append(end)
        t = end + step.min_lag
    completion = ends[-1] if ends else t
    if order.optional or pinned:
        return completion, []
    per_tick = tardiness_coefficient(plant, weights[oid])
    jobs = []
    for i, (_, step) in enumerate(steps):
        tail = sum(
            min(plant.duration(oid, o) for o in later.options) + before.min_lag
            for (_, before), (_, later) in zip(steps[i:], steps[i + 1 :], strict=False)
        )
        works = {o.resource: plant.duration(oid, o) for o in step.options}
        jobs.append(_Job(oid, works, ends[i], tail, order.due, per_tick))
    return completion, jobs


def _earliest_end(plant: Plant, rid: str, start: int, work: int) -> int:
    """The earliest end of ``work`` ticks on ``rid`` from ``start`` inside one working window
    (``start + work`` when no window holds it: no plan does then, and any bound is valid)."""
    windows = plant.availability[rid]
    i = bisect.bisect_right(windows, start, key=lambda window: window[1])
    for begin, end in windows[i:]:
        s = max(start, begin)
        if s + work <= end:
            return s + work
    return start + work


def _order_cost(plant: Plant, oid: str, weights: dict[str, int], completion: int) -> int:
    """The order's least lateness cost at ``completion``; declining, if it may, may be less."""
    order = plant.orders[oid]
    late = tardiness_coefficient(plant, weights[oid]) * max(0, completion - order.due)
    return min(late, decline_cost(plant, oid)) if order.optional else late


def _machine_bound(
    plant: Plant, group: frozenset[str], jobs: list[_Job], alone: dict[str, int]
) -> int | None:
    """The least lateness cost of the jobs' orders on ``group`` relaxed to one preemptive
    machine of the group's summed capacity (None when the assignment is not solved). Each
    order costs at least its cost alone as well: the tail after a step ignores calendars."""
    works = [min(j.works[r] for r in group if r in j.works) for j in jobs]
    first = min(j.earliest_end - w for j, w in zip(jobs, works, strict=True))
    done = np.array(_kth_completions(plant, group, first, sorted(works)), dtype=np.int64)
    earliest = np.array([j.earliest_end for j in jobs], dtype=np.int64)
    after = np.array([j.tail - j.due for j in jobs], dtype=np.int64)
    per_tick = np.array([j.per_tick for j in jobs], dtype=np.int64)
    floor = np.array([alone[j.order] for j in jobs], dtype=np.int64)
    n = len(jobs)
    if n > MAX_ASSIGNED:
        # Least weight for all; max(0, x) is convex, so matching the k-th completion to the
        # k-th smallest due-less-tail is the cheapest (earliest ends dropped: a relaxation).
        late = np.maximum(0, done - np.sort(-after))
        return max(int(per_tick.min() * late.sum()), int(floor.sum()))
    costs = np.maximum(
        floor[:, None],
        per_tick[:, None]
        * np.maximum(0, np.maximum(done[None, :], earliest[:, None]) + after[:, None]),
    )
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    solver.add_arcs_with_cost(np.repeat(np.arange(n), n), np.tile(np.arange(n), n), costs.ravel())
    if solver.solve() != solver.OPTIMAL:
        return None
    return int(solver.optimal_cost())


def _kth_completions(
    plant: Plant, group: frozenset[str], first: int, works: list[int]
) -> list[int]:
    """For k = 1..n, a tick before which no k of the steps (``works``, ascending) can all be
    done on the group's working windows from ``first``: the windows times each resource's
    capacity must hold the k shortest steps' work, and one unit of c in all (a step runs on
    one unit) must hold the ceil(k / c) shortest in a row."""
    events: dict[int, int] = {}
    for rid in group:
        capacity = plant.resources[rid].capacity
        for begin, end in plant.availability[rid]:
            if end > first:
                events[max(begin, first)] = events.get(max(begin, first), 0) + capacity
                events[end] = events.get(end, 0) - capacity
    segments, level, ticks = [], 0, sorted(events)
    for t, following in zip(ticks, ticks[1:], strict=False):
        level += events[t]
        if level > 0:
            segments.append((t, following, level))
    units = max((level for _, _, level in segments), default=1)
    totals = list(itertools.accumulate(works))
    pooled = _filled(plant, segments, totals, one_unit=False)
    alone = _filled(plant, segments, totals[: -(-len(works) // units)], one_unit=True)
    return [max(p, alone[k // units]) for k, p in enumerate(pooled)]


def _filled(
    plant: Plant, segments: list[tuple[int, int, int]], needs: list[int], one_unit: bool
) -> list[int]:
    """For each amount of work in ``needs`` (ascending), the earliest tick by which the
    segments (begin, end, units working) hold it; with ``one_unit``, one unit's share."""
    out, w, held = [], 0, 0
    for need in needs:
        while w < len(segments):
            begin, end, level = segments[w]
            level = 1 if one_unit else level
            if held + level * (end - begin) >= need:
                break
            held += level * (end - begin)
            w += 1
        if w == len(segments):
            out.append(plant.horizon)
            continue
        begin, _, level = segments[w]
        level = 1 if one_unit else level
        out.append(begin + -(-(need - held) // level))
    return out
