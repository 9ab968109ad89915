"""What decides an offered date: the resource and window, or the material and supplier, that
an asked order waits on in the dated plan.

Walks the order's steps back from the last: a step that starts later than it could (after the
previous step, its lag and the release) waits on something; the first such wait found from
the end binds the date. This is a short answer for the verdict, not a full explanation of
lateness.
"""

from __future__ import annotations

from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.domain.timegrid import format_moment
from solver.supply.sources import draw_step
from solver.whatif.warnings import describe_moment


def binding_cause(plant: Plant, plan: Plan, order: str, now: int = 0) -> str:
    """One sentence: what keeps ``order`` from finishing earlier in ``plan``."""
    steps = sorted((s for s in plan.steps if s.order == order), key=lambda s: s.step_index)
    if not steps:
        return f"{order} is not made in the plan."
    routing = plant.products[plant.orders[order].product].routing
    for k in range(len(steps) - 1, -1, -1):
        step = steps[k]
        if k > 0:
            ready = steps[k - 1].end + routing[steps[k - 1].step_index].min_lag
        else:
            ready = max(now, plant.orders[order].release)
        wait = _material_wait(plant, plan, step, ready)
        if wait:
            return wait
        if step.start > ready:
            return _resource_wait(plant, plan, step, ready)
    first = steps[0]
    return (
        f"{order} runs without waiting from {_start(plant, first.start)}: its own "
        f"processing time through {len(steps)} step(s) decides the date."
    )


def _resource_wait(plant: Plant, plan: Plan, step: ScheduledStep, ready: int) -> str:
    """The resource a step waits for, and whom it serves meanwhile."""
    others = sorted(
        {
            s.order
            for s in plan.steps
            if s.resource == step.resource
            and s.order != step.order
            and s.start < step.start
            and s.end > ready
        }
    )
    window = f"{_start(plant, ready)} to {describe_moment(plant, step.start)}"
    if not others:
        return (
            f"{step.order} step {step.step} waits for {step.resource}, closed or down from "
            f"{window}."
        )
    shown = ", ".join(others[:4]) + (f" and {len(others) - 4} more" if len(others) > 4 else "")
    return (
        f"{step.order} step {step.step} waits for {step.resource}, busy with {shown} from {window}."
    )


def _material_wait(plant: Plant, plan: Plan, step: ScheduledStep, ready: int) -> str | None:
    """The purchase a step waits for (of the materials it draws), when one arrives after the
    step was ready."""
    order = step.order
    arrivals = [
        s
        for s in plan.supplies
        if s.order == order
        and s.arrival is not None
        and ready < s.arrival <= step.start
        and draw_step(plant, order, s.material) == step.step_index
    ]
    if not arrivals:
        return None
    last = max(arrivals, key=lambda s: s.arrival)
    return (
        f"{order} waits for {last.quantity} {last.material} from {last.source} "
        f"({last.mode or 'standard'}), arriving {describe_moment(plant, last.arrival)}."
    )


def _start(plant: Plant, tick: int) -> str:
    """A tick that starts something: midnight reads 00:00 of its own day, not 24:00."""
    return format_moment(plant.grid.to_datetime(tick), start=True)
