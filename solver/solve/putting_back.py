"""Put moved orders back: a re-plan's moved orders returned to their baseline places.

A what-if's neighbourhood solves stop at a small budget, and their stability term (10 EUR per
day moved) is small next to lateness, so they leave orders moved that need not be: at 200
orders (generated, seed 2, a rush) the settled answer moved 53 steps of 13 orders where a
60-second whole-model solve that charged each moved step moved 24 steps of 5 orders at the
same cost, and a settle solve with that charge did worse in its budget (194 steps): a fixed
charge per move is hard for CP-SAT. Checking whether an order's old places are still free is
cheap instead, and exact: an order goes back when every one of its steps fits where the
baseline had it (eligible, inside a working window, within capacity next to every other
step of the plan) and the plan's objective, stability term included, does not rise.

Plants without supply only: with supply, a move back changes stock draws and purchases that
other orders share.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from solver.domain.intervals import containing, first_overload
from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.facts.checker import check_plan
from solver.facts.kpis import objective_units, with_objective
from solver.facts.stability import Reference
from solver.rules.costs import changeover_cost_per_tick
from solver.supply.sources import has_supply

# Passes over the moved orders: a move back vacates places another order may return to.
MAX_PASSES = 4


def put_back(
    plant: Plant,
    plan: Plan,
    reference: Reference,
    weights: dict[str, int],
    limits: dict[str, int] | None = None,
) -> Plan:
    """The plan with every moved order that fits back in its baseline places put there.

    Parameters
    ----------
    plant : Plant
        The plant the plan is for (a what-if's changed plant).
    plan : Plan
        A complete, valid plan.
    reference : Reference
        The baseline and the orders exempt from stability (the changed ones): those are never
        moved back.
    weights : dict
        Order -> tardiness weight (the plant's ranking).
    limits : dict, optional
        Order -> latest completion tick allowed (a what-if's protect limits); an order goes
        back only if its baseline completion keeps its limit.

    Returns
    -------
    Plan
        ``plan`` itself when nothing moved back; otherwise a copy with those orders' steps and
        outcomes replaced and its objective re-priced (no bound: nothing is proven).
    """
    if has_supply(plant):
        return plan
    old = _baseline_steps(plant, plan, reference)
    if not old:
        return plan
    state = _State(plant, plan, reference, weights, limits or {})
    for _ in range(MAX_PASSES):
        moved_back = False
        for oid in sorted(old, key=lambda o: (-_moved(state.steps[o], old[o]), o)):
            if _moved(state.steps[oid], old[oid]) == 0:
                continue
            if state.try_steps(oid, old[oid]):
                moved_back = True
                continue
            # The whole order does not go back: each step may, where its place and the
            # order's sequence allow (an earlier step moved earlier leaves a later one free).
            for i, step in enumerate(old[oid]):
                now = state.steps[oid]
                if (now[i].resource, now[i].start) != (step.resource, step.start):
                    moved_back |= state.try_steps(oid, now[:i] + [step] + now[i + 1 :])
        if not moved_back:
            break
    if not state.changed:
        return plan
    back = dataclasses.replace(
        plan,
        steps=tuple(s for oid in state.steps for s in state.steps[oid]),
        outcomes=tuple(state.outcomes[o.order] for o in plan.outcomes),
    )
    back = with_objective(plant, back, reference, weights)
    # Every test here is exact; the checker has the last word all the same.
    return plan if check_plan(plant, back) else back


class _State:
    """The plan being put back: each order's steps and outcome, and the resources' loads."""

    def __init__(
        self,
        plant: Plant,
        plan: Plan,
        reference: Reference,
        weights: dict[str, int],
        limits: dict[str, int],
    ):
        self.plant, self.plan, self.reference = plant, plan, reference
        self.weights, self.limits = weights, limits
        self.steps: dict[str, list[ScheduledStep]] = defaultdict(list)
        for step in sorted(plan.steps, key=lambda s: s.step_index):
            self.steps[step.order].append(step)
        self.outcomes = {o.order: o for o in plan.outcomes}
        self.loads = _Loads(plant, plan.steps)
        self.per_tick = changeover_cost_per_tick(plant)
        self.changed = False

    def try_steps(self, oid: str, steps: list[ScheduledStep]) -> bool:
        """Place the order's steps at ``steps`` if they keep its sequence and limit, fit the
        resources and cost no more; say whether they were placed."""
        now = self.steps[oid]
        outcome = _outcome_at(self.plant, self.outcomes[oid], steps)
        if not _in_sequence(self.plant, steps):
            return False
        if oid in self.limits and outcome.completion > self.limits[oid]:
            return False
        if self._cost(steps, outcome) > self._cost(now, self.outcomes[oid]):
            return False
        leaving = [s for s in now if s not in steps]
        arriving = [s for s in steps if s not in now]
        if not self.loads.fits(arriving, without=leaving):
            return False
        machines = {s.resource for s in leaving + arriving} & set(self.plant.changeovers)
        before = self.loads.changeover_ticks(machines)
        self.loads.swap(leaving, arriving)
        extra = self.loads.changeover_ticks(machines) - before
        if extra > 0 and self._cost(steps, outcome) + extra * self.per_tick > self._cost(
            now, self.outcomes[oid]
        ):
            self.loads.swap(arriving, leaving)
            return False
        self.steps[oid], self.outcomes[oid] = list(steps), outcome
        self.changed = True
        return True

    def _cost(self, steps: list[ScheduledStep], outcome: OrderOutcome) -> int:
        """One order's share of the objective but changeovers (without them and supply, the
        objective is a sum over orders; changeovers are judged per machine in ``try_steps``)."""
        alone = dataclasses.replace(self.plan, steps=tuple(steps), outcomes=(outcome,))
        terms = objective_units(self.plant, alone, self.weights, self.reference)
        terms.pop("changeover", None)
        return sum(terms.values())


def _baseline_steps(
    plant: Plant, plan: Plan, reference: Reference
) -> dict[str, list[ScheduledStep]]:
    """Order -> its baseline steps, for the orders that could go back: made now, none of its
    steps pinned, and the same steps still to do, each still eligible, as long and inside a
    working window of its resource."""
    before: dict[str, list[ScheduledStep]] = defaultdict(list)
    for step in reference.plan.steps:
        if step.order not in reference.exclude:
            before[step.order].append(step)
    now: dict[str, list[ScheduledStep]] = defaultdict(list)
    for step in plan.steps:
        now[step.order].append(step)
    candidates = {}
    for oid, old in before.items():
        outcome = plan.outcome(oid)
        if oid not in plant.orders or outcome is None or not outcome.accepted:
            continue
        if outcome.from_stock or any(s.pinned for s in now[oid]):
            continue
        old = sorted(old, key=lambda s: s.step_index)
        wanted = [index for index, _ in plant.remaining_steps(oid)]
        if [s.step_index for s in old] != wanted or not all(_placeable(plant, s) for s in old):
            continue
        candidates[oid] = [dataclasses.replace(s, pinned=False) for s in old]
    return candidates


def _placeable(plant: Plant, step: ScheduledStep) -> bool:
    """The step, as placed, is eligible on its resource, as long as the plant says, inside
    one working window and the horizon, and not before the order's release."""
    order = plant.orders[step.order]
    routing = plant.products[order.product].routing
    options = {o.resource: o for o in routing[step.step_index].options}
    option = options.get(step.resource)
    if option is None or step.start < 0 or step.end > plant.horizon or step.start < order.release:
        return False
    if plant.pausing(step.order, step.step_index):
        return step.end == plant.step_end(step.order, step.step_index, option, step.start)
    return step.end - step.start == plant.duration(step.order, option) and containing(
        plant.availability[step.resource], step.start, step.end
    )


def _in_sequence(plant: Plant, steps: list[ScheduledStep]) -> bool:
    """Each step starts after the one before it ends plus the routing's lag."""
    routing = plant.products[plant.orders[steps[0].order].product].routing
    return all(
        after.start >= before.end + routing[before.step_index].min_lag
        for before, after in zip(steps, steps[1:], strict=False)
    )


def _moved(now: list[ScheduledStep], old: list[ScheduledStep]) -> int:
    """Steps not at their baseline place (resource and start)."""
    place = {s.step_index: (s.resource, s.start) for s in old}
    return sum(place.get(s.step_index) != (s.resource, s.start) for s in now)


def _outcome_at(plant: Plant, outcome: OrderOutcome, steps: list[ScheduledStep]) -> OrderOutcome:
    """The order's outcome with its steps at ``steps``."""
    completion = steps[-1].end
    due = plant.orders[outcome.order].due
    return dataclasses.replace(
        outcome, completion=completion, due=due, tardiness=max(0, completion - due)
    )


class _Loads:
    """The steps on each resource, to test whether steps fit beside them within capacity and,
    on machines with a changeover matrix, with the changeovers between them."""

    def __init__(self, plant: Plant, steps: tuple[ScheduledStep, ...]):
        self.plant = plant
        self.on: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for step in steps:
            self.on[step.resource].append(_span(plant, step))
        for rid, kept in plant.kept.items():
            self.on[rid] += [(k.start, k.end, k.family) for k in kept]
        # Downtime that takes some units of a pool (whole-resource downtime is in the
        # availability that ``_placeable`` checks).
        self.partial: dict[str, list[tuple[int, int, int]]] = {
            rid: [
                (d.start, d.end, d.units)
                for d in res.downtime
                if d.units is not None and d.units < res.capacity
            ]
            for rid, res in plant.resources.items()
        }

    def fits(self, steps: list[ScheduledStep], without: list[ScheduledStep]) -> bool:
        """Every step fits with ``without`` (the order's current steps) taken off first; on a
        changeover machine every step there, the neighbours the move leaves included, keeps
        its changeover."""
        self.swap(without, [])
        try:
            if not all(self._fits(step) for step in steps):
                return False
            machines = {s.resource for s in steps + without} & set(self.plant.changeovers)
            if not machines:
                return True
            self.swap([], steps)
            try:
                return all(self._sequenced(rid) for rid in machines)
            finally:
                self.swap(steps, [])
        finally:
            self.swap([], without)

    def swap(self, off: list[ScheduledStep], on: list[ScheduledStep]) -> None:
        for step in off:
            self.on[step.resource].remove(_span(self.plant, step))
        for step in on:
            self.on[step.resource].append(_span(self.plant, step))

    def changeover_ticks(self, machines: set[str]) -> int:
        """Ticks of changeover on the given machines as their steps now stand."""
        return sum(
            needs
            for rid in machines
            for needs, _ in self.plant.changeovers[rid].between(sorted(self.on[rid]))
        )

    def _sequenced(self, rid: str) -> bool:
        return self.plant.changeovers[rid].respected_by(sorted(self.on[rid]))

    def _fits(self, step: ScheduledStep) -> bool:
        """The step's interval keeps the resource's load within capacity at every tick."""
        start, end = step.start, step.end
        spans = [(start, end, 1)]
        spans += [(s, e, 1) for s, e, _ in self.on[step.resource] if s < end and e > start]
        spans += [(s, e, u) for s, e, u in self.partial[step.resource] if s < end and e > start]
        return first_overload(spans, self.plant.resources[step.resource].capacity) is None


def _span(plant: Plant, step: ScheduledStep) -> tuple[int, int, str]:
    return (step.start, step.end, plant.family(step.order))
