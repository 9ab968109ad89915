"""Priced levers for a late order: what would bring it back to its due date, and what it costs.

Each lever is a relaxation of the plan around the order, solved with CP-SAT on a sub-plant in
which every order not freed keeps its steps (``solve.lns.sub_plant``), first with the order's
completion limited to its due date and, when that has no solution, without the limit (the
lever then only brings the order closer):

- **re-plan alone**: the order alone is freed; the solver may move it into free gaps, to an
  alternative resource, or buy its material faster (an expedite), whatever costs least;
- **overtime on a resource**: the resource also works in its closed hours between the order's
  release and its planned completion, opened window by window in time order until the order
  is on time (the fewest windows, found by bisection); the hours the order's steps spend
  there are charged at the resource's ``overtime_cost_per_hour`` or the setting's; one lever
  per resource on which the order waited for the calendar, and one for all its resources;
- **move lower-ranked orders**: the order and the lower-ranked orders that held its
  resources in the plan are freed together; what they lose is the price;
- **split delivery** (only where the order or its customer allows ``partial_delivery``, and
  the order has not started): the order becomes a first part, limited to the due date, and
  the rest, both freed; the largest first part that is on time is found by bisection over the
  quantity (fewer units never take longer). The rest is charged its share of the order's
  lateness cost (by quantity), and one more delivery costs ``partial_delivery_cost``. The
  order is whole only when the rest arrives, so the lever does not restore the due date.

A lever's ``cost`` is what the fix adds to the plan's objective apart from the order's own
lateness (other orders' lateness, purchases, holding) plus its overtime; its ``saving`` is the
order's own lateness cost avoided. The levers that restore the due date come first, cheapest
first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solver.domain.errors import SolveError
from solver.domain.intervals import Interval, clip, merge, subtract
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.explain.words import moment
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units
from solver.rules.costs import tardiness_coefficient, units_per_currency
from solver.rules.ranking import rank_orders
from solver.solve.cpsat.model import build, solve
from solver.solve.dispatch import Timeline
from solver.solve.lns import merge as merge_plans
from solver.solve.lns import restrict, sub_plant
from solver.supply import sources
from solver.supply.sources import has_supply

MOVABLE_ORDERS = 12  # lower-ranked orders freed with the late one (the first that held it)
SPLIT_PROBES = 6  # solves that look for the largest first part of a split delivery


@dataclass(frozen=True)
class Lever:
    """One way to bring an order back towards its due date, priced.

    ``cost`` and ``saving`` are money; ``completion`` the order's new completion tick (None:
    the lever found no plan); ``moved`` the other orders that finish later under it.
    """

    kind: str  # "re-plan alone", "expedite", "alternative resource", "overtime", "move orders"
    action: str
    completion: int | None
    on_time: bool
    cost: float
    saving: float
    overtime_hours: float = 0.0
    moved: tuple[str, ...] = ()
    first_part: int = 0  # a split delivery: the units delivered by the due date


def price_levers(
    plant: Plant, plan: Plan, order_id: str, weights: dict[str, int] | None = None
) -> list[Lever]:
    """The levers for one late order, those that restore its due date first, cheapest first.

    Parameters
    ----------
    plant : Plant
        With ``settings.explain_time_limit`` for each solve, ``workers``, ``seed`` and
        ``deterministic`` as for any solve.
    plan : Plan
        A plan that passes the checker, in which the order is made late.
    order_id : str
    weights : dict, optional
        Tardiness weight per order (default: the plant's ranking).

    Returns
    -------
    list of Lever
        Empty when the order is not late (or not made).
    """
    outcome = plan.outcome(order_id)
    if outcome is None or not outcome.accepted or not outcome.tardiness:
        return []
    ranks = rank_orders(plant)
    weights = weights or {r.order: r.weight for r in ranks}
    pricing = _Pricing(plant, plan, order_id, weights)
    levers = [pricing.replan_alone()]
    levers += pricing.overtime()
    levers.append(pricing.move_lower_ranked([r.order for r in ranks]))
    levers.append(pricing.split())
    found = sorted((lever for lever in levers if lever is not None), key=_first_to_restore)
    # "All its resources" often comes down to one resource's overtime: say it once, by name.
    distinct, seen = [], set()
    for lever in found:
        key = (lever.kind, lever.completion, lever.cost, lever.overtime_hours, lever.moved)
        if key not in seen:
            seen.add(key)
            distinct.append(lever)
    return distinct


def _first_to_restore(lever: Lever) -> tuple:
    if lever.on_time:
        return (0, lever.cost, lever.action)
    return (1, lever.completion if lever.completion is not None else 1 << 62, lever.action)


class _Pricing:
    """The solves and prices of one order's levers against one plan."""

    def __init__(self, plant: Plant, plan: Plan, order_id: str, weights: dict[str, int]):
        self.plant, self.plan, self.order_id, self.weights = plant, plan, order_id, weights
        self.order = plant.orders[order_id]
        self.scale = units_per_currency(plant)
        self.before = sum(objective_units(plant, plan, weights).values())
        self.completion = plan.outcome(order_id).completion

    # -- the levers --------------------------------------------------------------------------

    def replan_alone(self) -> Lever | None:
        found = self._solve(self.plant, {self.order_id})
        if found is None:
            return None
        candidate, on_time = found
        kind, action = self._what_changed(candidate)
        return self._lever(kind, action, candidate, on_time)

    def overtime(self) -> list[Lever]:
        gaps = self._closed_gaps()
        levers = []
        for resource in sorted(gaps):
            lever = self._overtime_lever(f"overtime on {resource}", {resource: gaps[resource]})
            if lever is not None:
                levers.append(lever)
        if len(gaps) > 1:
            lever = self._overtime_lever("overtime on all its resources", gaps)
            if lever is not None:
                levers.append(lever)
        return levers

    def move_lower_ranked(self, ranking: Sequence[str]) -> Lever | None:
        position = {oid: k for k, oid in enumerate(ranking)}
        own = position[self.order_id]
        mine = {s.resource for s in self.plan.steps_of(self.order_id)}
        # Lower-ranked orders that ran on its resources before it finished: the ones it waited for.
        ahead = sorted(
            {
                s.order
                for s in self.plan.steps
                if s.resource in mine
                and s.order != self.order_id
                and s.start < self.completion
                and position.get(s.order, -1) > own
            },
            key=lambda oid: position[oid],
        )[:MOVABLE_ORDERS]
        if not ahead:
            return None
        found = self._solve(self.plant, {self.order_id, *ahead})
        if found is None:
            return None
        candidate, on_time = found
        later = tuple(
            oid
            for oid in ahead
            if (candidate.outcome(oid).completion or 0) > (self.plan.outcome(oid).completion or 0)
        )
        if not later:  # nobody gave way: that is the re-plan-alone lever, already priced
            return None
        action = f"move lower-ranked {_names(later)} later"
        return self._lever("move orders", action, candidate, on_time, moved=later)

    def split(self) -> Lever | None:
        if not may_split(self.plant, self.order_id) or self.order.quantity < 2:
            return None
        rest = _unused_id(self.plant, f"{self.order_id}-rest")
        weights = {**self.weights, rest: self.weights[self.order_id]}
        quantity = self.order.quantity

        def attempt(first: int) -> tuple[Plant, Plan] | None:
            parts = _split_plant(self.plant, self.order_id, rest, first)
            sub = sub_plant(parts, self.plan, {self.order_id, rest}).with_settings(**self._limits())
            try:
                repaired = solve(build(sub, None, weights, limits={self.order_id: self.order.due}))
            except SolveError:
                return None
            supply = parts if has_supply(parts) else None
            return parts, merge_plans(self.plan, repaired, {self.order_id, rest}, supply)

        lo, hi = 1, quantity - 1
        best = attempt(lo)
        if best is None:
            return None
        for _ in range(SPLIT_PROBES - 1):
            if lo >= hi:
                break
            middle = (lo + hi + 1) // 2
            found = attempt(middle)
            if found is None:
                hi = middle - 1
            else:
                lo, best = middle, found
        parts, candidate = best
        return self._split_lever(parts, candidate, rest, weights, lo)

    def _split_lever(
        self, parts: Plant, candidate: Plan, rest: str, weights: dict[str, int], first: int
    ) -> Lever:
        coefficient = tardiness_coefficient(self.plant, self.weights[self.order_id])
        own_before = coefficient * self.plan.outcome(self.order_id).tardiness
        rest_outcome = candidate.outcome(rest)
        rest_late = coefficient * rest_outcome.tardiness
        share = (self.order.quantity - first) / self.order.quantity
        after = sum(objective_units(parts, candidate, weights).values())
        first_late = coefficient * candidate.outcome(self.order_id).tardiness  # 0: limited
        others = (after - rest_late - first_late) - (self.before - own_before)
        cost = others / self.scale + self.plant.settings.partial_delivery_cost
        action = (
            f"deliver {first} of {self.order.quantity} by the due date "
            f"({moment(self.plant, self.order.due)}), the other "
            f"{self.order.quantity - first} {moment(self.plant, rest_outcome.completion)}"
        )
        return Lever(
            "split delivery",
            action,
            rest_outcome.completion,
            False,
            round(cost, 2),
            round((own_before - rest_late * share) / self.scale, 2),
            first_part=first,
        )

    # -- overtime ----------------------------------------------------------------------------

    def _closed_gaps(self) -> dict[str, list[Interval]]:
        """Per resource of the order's plan: its closed hours (calendar, not downtime) from the
        order's release to its planned completion."""
        begin = self.order.release
        gaps = {}
        for resource in {s.resource for s in self.plan.steps_of(self.order_id)}:
            down = [
                (d.start, d.end)
                for d in self.plant.resources[resource].downtime
                if d.units is None or d.units >= self.plant.resources[resource].capacity
            ]
            closed = subtract([(begin, self.completion)], self.plant.availability[resource])
            closed = subtract(closed, down)
            if closed:
                gaps[resource] = closed
        return gaps

    def _overtime_lever(self, name: str, gaps: dict[str, list[Interval]]) -> Lever | None:
        """The fewest windows, in time order, that make the order on time; else all of them."""
        # Latest first: the nights just before the order's completion bring it in with the
        # least change; the first windows after its release would finish it days early.
        windows = sorted(
            ((start, end, rid) for rid, spans in gaps.items() for start, end in spans),
            reverse=True,
        )

        def attempt(count: int) -> tuple[Plan, bool] | None:
            relaxed = _with_overtime(self.plant, _by_resource(windows[:count]))
            return self._solve(relaxed, {self.order_id}, True)

        count, found = _fewest(len(windows), attempt)
        if found is None:
            return None
        candidate, on_time = found
        opened = _by_resource(windows[:count])
        candidate = self._least_overtime(_with_overtime(self.plant, opened), candidate, opened)
        hours, money = self._overtime_used(candidate, opened)
        if hours == 0:  # on time (or closer) without any overtime: that is re-planning alone
            return None
        where = "; ".join(
            f"{rid} {self._span(spans)}"
            for rid, spans in sorted(self._used(candidate, opened).items())
        )
        action = f"{name}: {hours:g} h ({where})" if where else name
        return self._lever("overtime", action, candidate, on_time, money, hours)

    def _least_overtime(
        self, relaxed: Plant, candidate: Plan, opened: dict[str, list[Interval]]
    ) -> Plan:
        """The solver's plan, or the order's steps moved as early as they fit (same resources),
        whichever uses less overtime and is no later for the order: the solve does not price
        overtime, so it may place the order anywhere in the opened hours before its due date."""
        shifted = _left_shifted(relaxed, candidate, self.order_id)
        if shifted is None or check_plan(relaxed, shifted):
            return candidate
        due = self.order.due
        late_before = candidate.outcome(self.order_id).completion > due
        late_after = shifted.outcome(self.order_id).completion > due
        fewer = self._overtime_used(shifted, opened)[0] < self._overtime_used(candidate, opened)[0]
        return shifted if fewer and late_after <= late_before else candidate

    def _used(self, plan: Plan, opened: dict[str, list[Interval]]) -> dict[str, list[Interval]]:
        used: dict[str, list[Interval]] = {}
        for step in plan.steps_of(self.order_id):
            inside = clip(opened.get(step.resource, []), step.start, step.end)
            if inside:
                used.setdefault(step.resource, []).extend(inside)
        return {rid: merge(spans) for rid, spans in used.items()}

    def _overtime_used(self, plan: Plan, opened: dict[str, list[Interval]]) -> tuple[float, float]:
        hours_per_tick = self.plant.grid.resolution.total_seconds() / 3600
        hours = money = 0.0
        for rid, spans in self._used(plan, opened).items():
            used = sum(end - start for start, end in spans) * hours_per_tick
            rate = overtime_rate(self.plant, rid)
            hours += used
            money += used * rate
        return round(hours, 2), round(money, 2)

    def _span(self, spans: list[Interval]) -> str:
        return ", ".join(
            f"{moment(self.plant, a, start=True)} to {moment(self.plant, b)}" for a, b in spans
        )

    # -- solving and pricing -----------------------------------------------------------------

    def _solve(
        self, plant: Plant, free: set[str], same_sources: bool = False
    ) -> tuple[Plan, bool] | None:
        """The freed orders re-solved around the others: on time if possible, else closer.
        ``same_sources``: the order may not take up an expedite it does not ship by already."""
        sub = sub_plant(plant, self.plan, free)
        if same_sources:  # on the sub-plant: the kept orders' purchases still need every mode
            sub = _no_new_expedites(sub, self.plan, self.order_id)
        sub = sub.with_settings(**self._limits())
        hint = restrict(self.plan, free)
        for limits in ({self.order_id: self.order.due}, None):
            try:
                repaired = solve(build(sub, hint, self.weights, limits=limits))
            except SolveError:
                continue
            # Purchases are grouped on the real plant: a relaxed one may lack a kept order's mode.
            supply = self.plant if has_supply(self.plant) else None
            candidate = merge_plans(self.plan, repaired, free, supply)
            completion = candidate.outcome(self.order_id).completion
            if limits is None and (completion is None or completion >= self.completion):
                return None  # no closer than the plan: not a lever
            return candidate, limits is not None
        return None

    def _limits(self) -> dict:
        limit = self.plant.settings.explain_time_limit
        return {
            "time_limit": limit,
            "deterministic_time": limit if self.plant.settings.deterministic else None,
        }

    def _lever(
        self,
        kind: str,
        action: str,
        candidate: Plan,
        on_time: bool,
        overtime: float = 0.0,
        hours: float = 0.0,
        moved: tuple[str, ...] = (),
    ) -> Lever:
        coefficient = tardiness_coefficient(self.plant, self.weights[self.order_id])
        own_before = coefficient * self.plan.outcome(self.order_id).tardiness
        own_after = coefficient * candidate.outcome(self.order_id).tardiness
        after = sum(objective_units(self.plant, candidate, self.weights).values())
        others = (after - own_after) - (self.before - own_before)
        return Lever(
            kind,
            action,
            candidate.outcome(self.order_id).completion,
            on_time,
            round(others / self.scale + overtime, 2),
            round((own_before - own_after) / self.scale, 2),
            hours,
            moved,
        )

    def _what_changed(self, candidate: Plan) -> tuple[str, str]:
        """The re-plan's kind and action: an expedite, an alternative resource, or re-timing."""
        before = {s.step_index: s for s in self.plan.steps_of(self.order_id)}
        swaps = [
            f"{s.step} on {s.resource} instead of {before[s.step_index].resource}"
            for s in candidate.steps_of(self.order_id)
            if s.step_index in before and s.resource != before[s.step_index].resource
        ]
        old = {
            (s.material, s.source, s.mode) for s in self.plan.supplies if s.order == self.order_id
        }
        expedites = [
            f"expedite {s.material} from {s.source} by {s.mode}"
            for s in candidate.supplies
            if s.order == self.order_id
            and s.mode not in ("", "standard")
            and (s.material, s.source, s.mode) not in old
        ]
        if expedites:
            return "expedite", "; ".join(expedites + swaps)
        if swaps:
            return "alternative resource", "; ".join(swaps)
        return "re-plan alone", "start it earlier, in the gaps the other orders leave"


def overtime_rate(plant: Plant, rid: str) -> float:
    """Money per hour of overtime on a resource: its own ``overtime_cost_per_hour``, else the
    setting's."""
    rate = plant.resources[rid].overtime_cost_per_hour
    return plant.settings.overtime_cost_per_hour if rate is None else rate


def may_split(plant: Plant, order_id: str) -> bool:
    """Whether the order may be delivered in parts: its own ``partial_delivery``, else its
    customer's, and only while none of its steps has started (a running step is for the
    whole quantity)."""
    order = plant.orders[order_id]
    allowed = order.partial_delivery
    if allowed is None:
        allowed = plant.customers[order.customer].partial_delivery
    started = plant.done.get(order_id, 0) > 0 or any(key[0] == order_id for key in plant.pins)
    return allowed and not started


def _unused_id(plant: Plant, wanted: str) -> str:
    name, k = wanted, 1
    while name in plant.orders:
        k += 1
        name = f"{wanted}{k}"
    return name


def _split_plant(plant: Plant, order_id: str, rest: str, first: int) -> Plant:
    """The plant with the order cut in two: ``first`` units under its id, the rest under
    ``rest`` (same customer, product, release and due date)."""
    order = plant.orders[order_id]
    orders = dict(plant.orders)
    orders[order_id] = dataclasses.replace(order, quantity=first)
    orders[rest] = dataclasses.replace(order, id=rest, quantity=order.quantity - first)
    return plant.replace(orders=orders)


def _by_resource(windows: Sequence[tuple[int, int, str]]) -> dict[str, list[Interval]]:
    """(start, end, resource) windows as the intervals opened on each resource."""
    opened: dict[str, list[Interval]] = {}
    for start, end, rid in windows:
        opened.setdefault(rid, []).append((start, end))
    return opened


def _no_new_expedites(plant: Plant, plan: Plan, order_id: str) -> Plant:
    """The plant whose offers of the order's materials keep only the standard mode and the
    modes the order already ships by: an overtime lever is overtime, not an expedite as well
    (with the overtime free to the solver, it would otherwise buy both)."""
    needed = sources.requirements(plant, order_id)
    used = {(s.material, s.mode) for s in plan.supplies if s.order == order_id and s.mode}
    suppliers = {}
    for sid, supplier in plant.suppliers.items():
        offers = {
            mid: offer
            if mid not in needed
            else dataclasses.replace(
                offer,
                modes=tuple(m for m in offer.modes if not m.expedited or (mid, m.name) in used),
            )
            for mid, offer in supplier.offers.items()
        }
        suppliers[sid] = dataclasses.replace(supplier, offers=offers)
    return plant.replace(suppliers=suppliers)


def _with_overtime(plant: Plant, opened: dict[str, list[Interval]]) -> Plant:
    """The plant whose resources also work in the opened windows (its calendars unchanged:
    only the availability the model, dispatch and checker read)."""
    availability = dict(plant.availability)
    for rid, spans in opened.items():
        availability[rid] = tuple(merge([*availability[rid], *spans]))
    relaxed = plant.replace()
    relaxed.__dict__["availability"] = availability  # seeds the cached_property
    # Work that pauses over breaks works in the opened windows too.
    pause_windows = dict(plant.__dict__.get("_pause_windows", {}))
    for rid, spans in opened.items():
        pause_windows[rid] = merge([*plant.pause_windows(rid), *spans])
    relaxed.__dict__["_pause_windows"] = pause_windows
    relaxed.__dict__["_working_ticks"] = {}
    relaxed.__dict__["_longest_windows"] = {}
    return relaxed


def _left_shifted(plant: Plant, plan: Plan, order_id: str) -> Plan | None:
    """The order's steps, on the resources ``plan`` gives them, each as early as it fits
    after the previous one (its lag), the order's release and the arrival of the materials it
    draws, every other order where ``plan`` has it. None when a step finds no place."""
    timeline = Timeline(sub_plant(plant, plan, {order_id}))
    order = plant.orders[order_id]
    routing = plant.products[order.product].routing
    arrivals: dict[int, int] = {}  # step index -> the last purchase it draws arrives
    for s in plan.supplies:
        if s.order == order_id and s.arrival is not None:
            index = sources.draw_step(plant, order_id, s.material)
            arrivals[index] = max(arrivals.get(index, s.arrival), s.arrival)
    ready = order.release
    steps = []
    for step in sorted(plan.steps_of(order_id), key=lambda s: s.step_index):
        ready = max(ready, arrivals.get(step.step_index, ready))
        if step.pinned:
            placed = step
        else:
            pausing = plant.pausing(order_id, step.step_index)
            option = next(
                o for o in routing[step.step_index].options if o.resource == step.resource
            )
            work = plant.duration(order_id, option) if pausing else step.end - step.start
            found = timeline.earliest(step.resource, ready, work, pausing=pausing)
            if found is None:
                return None
            start, lane = found
            end = plant.step_end(order_id, step.step_index, option, start)
            timeline.occupy(step.resource, lane, start, end)
            placed = dataclasses.replace(step, start=start, end=end)
        steps.append(placed)
        ready = placed.end + routing[placed.step_index].min_lag
    completion = steps[-1].end
    outcome = dataclasses.replace(
        plan.outcome(order_id), completion=completion, tardiness=max(0, completion - order.due)
    )
    return dataclasses.replace(
        plan,
        steps=tuple(s for s in plan.steps if s.order != order_id) + tuple(steps),
        outcomes=tuple(o for o in plan.outcomes if o.order != order_id) + (outcome,),
    )


def _fewest(
    count: int, attempt: Callable[[int], tuple[Plan, bool] | None]
) -> tuple[int, tuple[Plan, bool] | None]:
    """The fewest windows (a prefix length) whose attempt is on time, by bisection (opening
    more never makes the order later); else every window's attempt."""
    if count == 0:
        return 0, None
    every = attempt(count)
    if every is None or not every[1]:
        return count, every
    lo, hi, best = 1, count, every  # hi: on time
    found = {count: every}
    while lo < hi:
        middle = (lo + hi) // 2
        found[middle] = attempt(middle)
        if found[middle] is not None and found[middle][1]:
            hi, best = middle, found[middle]
        else:
            lo = middle + 1
    return hi, found.get(hi, best)


def _names(orders: Sequence[str]) -> str:
    shown = ", ".join(orders[:4])
    return shown + (f" and {len(orders) - 4} more" if len(orders) > 4 else "")
