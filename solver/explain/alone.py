"""The earliest an order could complete alone on an empty plant: its own work content, with
its calendars, downtime, lags, release and the earliest its materials could be there."""

from __future__ import annotations

from collections.abc import Sequence

from solver.domain.plant import Option, Plant
from solver.solve.dispatch import Timeline
from solver.supply import sources


def earliest_alone(
    plant: Plant, order_id: str, now: int = 0, timeline: Timeline | None = None
) -> int | None:
    """Earliest completion of one order with no other order in the plant.

    Each remaining step goes, in routing order, to the eligible resource where it finishes
    first, at the earliest start dispatch's ``Timeline`` finds (calendars, full and partial
    downtime); a pinned step stays where it is. That greedy is exact for one order: on an
    empty resource the earliest feasible end never decreases as the ready time grows, so
    the earliest end of each step gives the earliest ready time to the next.

    Dispatching a plant restricted to the order (``Plant.replace`` as ``lns.sub_plant``
    does) is not used: for materials, dispatch takes the *cheapest* source arriving before the
    order's latest start by its work content, which ignores calendars, so it may wait for a
    cheap delivery that an expedite or an earlier receipt would beat. Here each material
    comes at the earliest any one source or split could bring it
    (``sources.material_ready_by_step``: stock and receipts, every supplier and mode, stock
    and a purchase together, no other order drawing), and holds only the
    step that draws it.

    Parameters
    ----------
    plant : Plant
    order_id : str
    now : int
        No step starts before this tick (the plan start by default).
    timeline : Timeline, optional
        ``Timeline(plant)`` with nothing placed, shared by a caller asking for many orders.

    Returns
    -------
    int or None
        The completion tick; None when the order cannot be made within the horizon even alone
        (a step finds no window, or a material no source).
    """
    timeline = timeline or Timeline(plant)
    order = plant.orders[order_id]
    materials = sources.material_ready_by_step(plant, order_id)
    if materials is None:
        return None
    ready = max(now, order.release)
    end = None
    for index, step in plant.remaining_steps(order_id):
        ready = max(ready, materials.get(index, 0))
        pin = plant.pins.get((order_id, index))
        if pin is not None:
            end = plant.pin_end(order_id, index)
        else:
            end = _earliest_end(plant, timeline, order_id, index, step.options, ready)
            if end is None:
                return None
        ready = end + step.min_lag
    return end


def _earliest_end(
    plant: Plant,
    timeline: Timeline,
    order_id: str,
    index: int,
    options: Sequence[Option],
    ready: int,
) -> int | None:
    """The earliest end of a step over its eligible resources, or None if none fits."""
    ends = []
    pausing = plant.pausing(order_id, index)
    for option in options:
        size = plant.duration(order_id, option)
        spot = timeline.earliest(option.resource, ready, size, pausing=pausing)
        if spot is not None:
            ends.append(plant.step_end(order_id, index, option, spot[0]))
    return min(ends, default=None)
