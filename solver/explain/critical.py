"""Which step's wait sets an order's completion: the last one whose removal would move it.

Walking back from the last step, a step that waited for other orders, a downtime, material or
nothing (idle) is asked: had it started as soon as its calendar allowed after it was ready,
and every later step as soon as its resource allowed (every other order where it is), would
the order complete earlier? The first such step binds. A wait that a later calendar gap
swallows (the next step would still wait for the same morning) does not bind. Work in progress
binds where it is reached: it cannot move. When no step binds, the order's own work, lags and
calendars set the completion.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.domain.plan import ScheduledStep
from solver.explain.causes import HOLDS, PINNED, Cause
from solver.explain.material_wait import material_wait
from solver.explain.plan_index import PlanIndex
from solver.explain.resource_wait import calendar_start, earliest_start, span_from


def binding_step(
    index: PlanIndex,
    steps: Sequence[ScheduledStep],
    readies: Sequence[int],
    causes: Sequence[Sequence[Cause]],
) -> int | None:
    """Routing position (in ``steps``) of the step whose wait sets the completion.

    Parameters
    ----------
    index : PlanIndex
    steps : sequence of ScheduledStep
        One order's planned steps, in routing order.
    readies, causes : sequences
        Each step's ready time and causes (``chain.ChainLink``).

    Returns
    -------
    int or None
        None when nothing but the order's own work, lags and calendars sets it.
    """
    completion = steps[-1].end
    for k in range(len(steps) - 1, -1, -1):
        kinds = {c.kind for c in causes[k]}
        if PINNED in kinds:
            return k
        if kinds & set(HOLDS) and _end_if_unheld(index, steps, readies[k], k) < completion:
            return k
    return None


def _end_if_unheld(index: PlanIndex, steps: Sequence[ScheduledStep], ready: int, k: int) -> int:
    """The completion if step ``k`` had waited for its calendar only, and each later step for
    the material it draws (a BOM line may name a later step) and its resource as the plan
    leaves them."""
    start = calendar_start(index, steps[k], ready)
    end = start + span_from(index, steps[k], start)
    routing = index.plant.products[index.plant.orders[steps[k].order].product].routing
    for before, step in zip(steps[k:], steps[k + 1 :], strict=False):
        if step.pinned:  # held where it is: nothing before it moves the completion
            return steps[-1].end
        ready = max(index.now, end + routing[before.step_index].min_lag)
        material = material_wait(index, step.order, ready, step.start, step.step_index)
        if material is not None:
            ready = max(ready, material.arrival)
        start = earliest_start(index, step, ready)
        end = start + span_from(index, step, start)
    return end
