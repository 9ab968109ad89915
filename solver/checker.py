"""An independent plan checker: lists every rule a plan breaks, without using CP-SAT.

Rules: every firm order is made; an accepted order has each remaining step exactly once, in
routing order, on an eligible resource, for its full duration; minimum lags; release dates;
steps inside one working window of their resource (calendar and downtime), except pinned work
in progress; pins kept; capacity never exceeded; nothing ends after the horizon; the plan's
reported outcomes agree with its steps; and the supply rules of ``supply_checker``.
"""

from __future__ import annotations

from collections import defaultdict

from solver.checker_types import Violation
from solver.data import Plant
from solver.intervals import containing
from solver.plan import Plan, ScheduledStep
from solver.supply_checker import check_supply

__all__ = ["Violation", "check_plan"]


def check_plan(plant: Plant, plan: Plan) -> list[Violation]:
    """Every violation of the plant's rules in the plan (empty list = valid plan).

    Parameters
    ----------
    plant : Plant
    plan : Plan

    Returns
    -------
    list of Violation
    """
    violations: list[Violation] = []
    by_order: dict[str, list[ScheduledStep]] = defaultdict(list)
    for step in plan.steps:
        by_order[step.order].append(step)
    violations += _unknown_orders(plant, by_order)
    outcomes = {o.order: o for o in plan.outcomes}
    for oid, order in plant.orders.items():
        outcome = outcomes.get(oid)
        accepted = outcome.accepted if outcome else bool(by_order.get(oid))
        if not accepted:
            if not order.optional:
                violations.append(
                    Violation("declined-firm", oid, "", f"firm order {oid} is not made")
                )
            if by_order.get(oid):
                violations.append(
                    Violation(
                        "declined-firm", oid, "", f"declined order {oid} still has steps scheduled"
                    )
                )
            continue
        if outcome is not None and outcome.from_stock:
            continue  # shipped from finished goods: checked by check_supply
        steps = sorted(by_order.get(oid, []), key=lambda s: s.step_index)
        violations += _routing(plant, oid, steps)
        violations += _outcome(plant, oid, steps, outcome)
    for step in plan.steps:
        if step.order in plant.orders:
            violations += _placement(plant, step)
    violations += _pins(plant, plan)
    violations += _capacity(plant, plan)
    violations += check_supply(plant, plan)
    return violations


def _unknown_orders(plant: Plant, by_order: dict) -> list[Violation]:
    return [
        Violation("unknown", oid, "", f"plan schedules unknown order {oid}")
        for oid in by_order
        if oid not in plant.orders
    ]


def _routing(plant: Plant, oid: str, steps: list[ScheduledStep]) -> list[Violation]:
    """Each remaining step once, in order, with its lag; the first after release."""
    out = []
    expected = [index for index, _ in plant.remaining_steps(oid)]
    got = [s.step_index for s in steps]
    if got != expected:
        out.append(
            Violation(
                "routing", oid, "", f"order {oid} has steps {got}, expected each of {expected} once"
            )
        )
        return out
    routing = plant.products[plant.orders[oid].product].routing
    for before, after in zip(steps, steps[1:], strict=False):
        lag = routing[before.step_index].min_lag
        if after.start < before.end + lag:
            out.append(
                Violation(
                    "precedence",
                    oid,
                    after.resource,
                    (
                        f"{oid}: step {after.step} starts at tick {after.start}, before step "
                        f"{before.step} ends at {before.end} plus lag {lag}"
                    ),
                )
            )
    first = steps[0]
    release = plant.orders[oid].release
    if not first.pinned and first.start < release:
        out.append(
            Violation(
                "release",
                oid,
                first.resource,
                f"{oid} starts at tick {first.start}, before its release {release}",
            )
        )
    return out


def _placement(plant: Plant, step: ScheduledStep) -> list[Violation]:
    """Eligible resource, full duration, inside one working window, within the horizon."""
    oid = step.order
    routing = plant.products[plant.orders[oid].product].routing
    if not 0 <= step.step_index < len(routing):
        return [Violation("routing", oid, step.resource, f"{oid} has no step {step.step_index}")]
    options = {o.resource: o for o in routing[step.step_index].options}
    option = options.get(step.resource)
    if option is None:
        return [
            Violation(
                "eligibility",
                oid,
                step.resource,
                f"{oid}/{step.step}: {step.resource} is not eligible ({sorted(options)})",
            )
        ]
    out = []
    size = plant.duration(oid, option)
    if step.end - step.start != size:
        out.append(
            Violation(
                "duration",
                oid,
                step.resource,
                (
                    f"{oid}/{step.step} on {step.resource} lasts {step.end - step.start} ticks, "
                    f"needs {size}"
                ),
            )
        )
    if step.end > plant.horizon:
        out.append(
            Violation(
                "horizon",
                oid,
                step.resource,
                f"{oid}/{step.step} ends at {step.end}, after the horizon {plant.horizon}",
            )
        )
    if not step.pinned and not containing(plant.availability[step.resource], step.start, step.end):
        out.append(
            Violation(
                "calendar",
                oid,
                step.resource,
                (
                    f"{oid}/{step.step} on {step.resource} [{step.start}, {step.end}) is not inside one "
                    "working window (shift break, closure or downtime)"
                ),
            )
        )
    return out


def _outcome(plant: Plant, oid: str, steps: list[ScheduledStep], outcome) -> list[Violation]:
    if outcome is None or not steps:
        return []
    completion = steps[-1].end
    tardiness = max(0, completion - plant.orders[oid].due)
    if outcome.completion != completion or outcome.tardiness != tardiness:
        return [
            Violation(
                "outcome",
                oid,
                "",
                (
                    f"{oid}: plan reports completion {outcome.completion} and tardiness "
                    f"{outcome.tardiness}, its steps give {completion} and {tardiness}"
                ),
            )
        ]
    return []


def _pins(plant: Plant, plan: Plan) -> list[Violation]:
    placed = {(s.order, s.step_index): s for s in plan.steps}
    out = []
    for key, pin in plant.pins.items():
        step = placed.get(key)
        if step is None or step.resource != pin.resource or step.start != pin.start:
            where = "missing" if step is None else f"{step.resource} at tick {step.start}"
            out.append(
                Violation(
                    "pin",
                    pin.order,
                    pin.resource,
                    (
                        f"{pin.order} step {pin.step} is pinned to {pin.resource} at tick {pin.start}, "
                        f"plan has {where}"
                    ),
                )
            )
    return out


def _capacity(plant: Plant, plan: Plan) -> list[Violation]:
    """Sweep each resource's events: load never above capacity less partial downtime."""
    out = []
    events: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for step in plan.steps:
        events[step.resource].append((step.start, 1, step.order))
        events[step.resource].append((step.end, -1, step.order))
    for rid, resource in plant.resources.items():
        for down in resource.downtime:
            if down.units is not None and down.units < resource.capacity:
                events[rid].append((down.start, down.units, "downtime"))
                events[rid].append((down.end, -down.units, "downtime"))
    for rid, items in events.items():
        capacity = plant.resources[rid].capacity if rid in plant.resources else 0
        load = 0
        # Ends before starts at the same tick: back-to-back steps do not overlap.
        for tick, delta, _ in sorted(items, key=lambda e: (e[0], e[1])):
            load += delta
            if load > capacity:
                out.append(
                    Violation(
                        "capacity",
                        "",
                        rid,
                        (f"{rid} runs {load} steps at tick {tick}, capacity {capacity}"),
                    )
                )
                break
    return out
