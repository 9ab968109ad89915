"""Why a step did not start earlier on its resource: the calendar, a downtime, other orders.

From the moment the step was ready, the first obstacle to starting it there is found and the
wait jumps to where that obstacle ends, as dispatch's own search for a start does: the
resource is closed (off shift or a closure), down, or full with other orders' steps at that
moment; or it is free but the step would run into one of those before it finishes. The jumps
cover the wait up to the planned start; if the search finds a free place before it, the rest
is idle (the plan could have started the step earlier).
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterator

from solver.domain.plan import ScheduledStep
from solver.domain.plant import Downtime, Resource
from solver.explain.causes import (
    Busy,
    CalendarWait,
    Cause,
    DowntimeWait,
    Idle,
    ResourceWait,
)
from solver.explain.plan_index import PlanIndex

Wait = ResourceWait | CalendarWait | DowntimeWait


def resource_waits(index: PlanIndex, step: ScheduledStep, ready: int) -> list[Cause]:
    """The waits of ``step`` on its resource from ``ready`` to its planned start, in order.

    Parameters
    ----------
    index : PlanIndex
    step : ScheduledStep
        A step of the plan; its length is the one planned (``end - start``).
    ready : int
        The first tick it could start as far as its order goes (previous step, lag, release,
        material).

    Returns
    -------
    list of Cause
        ResourceWait, CalendarWait and DowntimeWait covering ``[ready, step.start)`` one after
        the other (neighbours of one kind and window merged), then an Idle for any part no
        obstacle explains. Empty when the step starts at ``ready``.
    """
    waits: list[Cause] = []
    tick = ready
    while tick < step.start:
        wait = _obstacle(index, step, tick)
        if wait is None or wait.end <= tick:
            waits.append(Idle(step.resource, tick, step.start))
            break
        wait = dataclasses.replace(wait, end=min(wait.end, step.start))
        waits.append(wait)
        tick = wait.end
    return _merged(waits)


def earliest_start(index: PlanIndex, step: ScheduledStep, ready: int) -> int:
    """The first tick from ``ready`` at which ``step`` fits on its resource, every other
    order's steps where they are (at most its planned start, where it does fit)."""
    tick = ready
    while tick < step.start:
        wait = _obstacle(index, step, tick)
        if wait is None or wait.end <= tick:
            return tick
        tick = wait.end
    return step.start


def pausing(index: PlanIndex, step: ScheduledStep) -> bool:
    """Whether the planned step pauses over breaks (a step in progress never does)."""
    return not step.pinned and index.plant.pausing(step.order, step.step_index)


def span_from(index: PlanIndex, step: ScheduledStep, start: int) -> int:
    """The ticks ``step`` would take from ``start``: its planned length, or for a pausing step
    its work plus the breaks it would cross from there (its planned span where it cannot
    start there)."""
    if not pausing(index, step):
        return step.end - step.start
    plant = index.plant
    option = next(
        o
        for o in plant.products[plant.orders[step.order].product].routing[step.step_index].options
        if o.resource == step.resource
    )
    end = plant.step_end(step.order, step.step_index, option, start)
    return step.end - step.start if end is None else end - start


def calendar_start(index: PlanIndex, step: ScheduledStep, ready: int) -> int:
    """The first tick from ``ready`` at which ``step`` fits its resource's calendar, as if
    nothing else were there (at most its planned start); a pausing step's first working
    tick."""
    if pausing(index, step):
        first = index.plant.first_working_tick(step.resource, ready)
        return step.start if first is None else min(first, step.start)
    size = step.end - step.start
    for begin, end in index.calendar_windows(step.resource):
        start = max(begin, ready)
        if start + size <= end:
            return min(start, step.start)
    return step.start


def _obstacle(index: PlanIndex, step: ScheduledStep, tick: int) -> Wait | None:
    """What stops ``step`` from starting at ``tick``, as a wait from ``tick`` to where it ends.

    Closed, down or full right now comes first; else whatever the step would run into first.
    """
    blocked = _closed(index, step, tick) or _down(index, step, tick) or _full(index, step, tick)
    if blocked is not None:
        return blocked
    size = span_from(index, step, tick)
    # Work that pauses goes on over the shift end and the downtime ahead of it.
    over = () if pausing(index, step) else (_shift_ends, _downtime_ahead)
    ahead = [
        found
        for found in (
            *(check(index, step, tick, size) for check in over),
            _filling_ahead(index, step, tick, size),
        )
        if found is not None
    ]
    # The nearest obstacle decides; on a tie the calendar first, then downtime, then orders.
    return min(ahead, key=lambda found: found[0])[1] if ahead else None


def _calendar_gap(
    index: PlanIndex, step: ScheduledStep, start: int, gap: tuple[int, int]
) -> CalendarWait:
    resource = index.plant.resources[step.resource]
    calendar = index.plant.calendars[resource.calendar]
    closure = any(s < gap[1] and gap[0] < e for s, e in calendar.closures)
    return CalendarWait(step.resource, calendar.id, start, gap[1], gap[0], gap[1], closure)


def _calendar_at(index: PlanIndex, resource: str, tick: int) -> tuple[bool, int, int]:
    """(open, begin, end): the calendar's working window holding ``tick``, or the closed gap
    holding it (to the next window, or the horizon)."""
    windows = index.calendar_windows(resource)
    k = bisect.bisect_right([begin for begin, _ in windows], tick) - 1
    if k >= 0 and tick < windows[k][1]:
        return True, windows[k][0], windows[k][1]
    after = windows[k + 1][0] if k + 1 < len(windows) else index.plant.horizon
    # Before the first window the grid cannot see when the closure began: the plan start.
    return False, windows[k][1] if k >= 0 else min(0, tick), after


def _closed(index: PlanIndex, step: ScheduledStep, tick: int) -> CalendarWait | None:
    is_open, begin, end = _calendar_at(index, step.resource, tick)
    return None if is_open else _calendar_gap(index, step, tick, (begin, end))


def _shift_ends(
    index: PlanIndex, step: ScheduledStep, tick: int, size: int
) -> tuple[int, CalendarWait] | None:
    """(when, wait) if the calendar window closes before the step would finish."""
    _, _, end = _calendar_at(index, step.resource, tick)
    if tick + size <= end:
        return None
    _, _, reopens = _calendar_at(index, step.resource, end)
    return end, _calendar_gap(index, step, tick, (end, reopens))


def _full_downtimes(resource: Resource) -> Iterator[Downtime]:
    return (d for d in resource.downtime if d.units is None or d.units >= resource.capacity)


def _downtime_wait(step: ScheduledStep, tick: int, until: int, down: Downtime) -> DowntimeWait:
    return DowntimeWait(
        step.resource, tick, until, down.start, down.end, down.reason or "downtime", down.units
    )


def _down(index: PlanIndex, step: ScheduledStep, tick: int) -> DowntimeWait | None:
    resource = index.plant.resources[step.resource]
    for down in _full_downtimes(resource):
        if down.start <= tick < down.end:
            return _downtime_wait(step, tick, down.end, down)
    return None


def _downtime_ahead(
    index: PlanIndex, step: ScheduledStep, tick: int, size: int
) -> tuple[int, DowntimeWait] | None:
    """(when, wait) for the first full downtime the step would run into."""
    resource = index.plant.resources[step.resource]
    ahead = [d for d in _full_downtimes(resource) if tick < d.start < tick + size]
    if not ahead:
        return None
    down = min(ahead, key=lambda d: d.start)
    return down.start, _downtime_wait(step, tick, down.end, down)


def _others(index: PlanIndex, step: ScheduledStep) -> list[ScheduledStep]:
    return [s for s in index.by_resource.get(step.resource, ()) if s.order != step.order]


def _partial_downtimes(resource: Resource) -> list[Downtime]:
    return [d for d in resource.downtime if d.units is not None and d.units < resource.capacity]


def _load(index: PlanIndex, step: ScheduledStep, tick: int) -> tuple[int, int]:
    """(units other orders take, units partial downtime takes) of the resource at ``tick``."""
    resource = index.plant.resources[step.resource]
    orders = sum(1 for s in _others(index, step) if s.start <= tick < s.end)
    down = sum(d.units for d in _partial_downtimes(resource) if d.start <= tick < d.end)
    return orders, down


def _is_full(index: PlanIndex, step: ScheduledStep, tick: int) -> bool:
    return sum(_load(index, step, tick)) >= index.plant.resources[step.resource].capacity


def _free_from(index: PlanIndex, step: ScheduledStep, tick: int) -> int:
    """The first tick from ``tick`` on when the resource has a unit free again."""
    resource = index.plant.resources[step.resource]
    spans = [(s.start, s.end) for s in _others(index, step)]
    spans += [(d.start, d.end) for d in _partial_downtimes(resource)]
    while _is_full(index, step, tick):
        tick = min(end for start, end in spans if start <= tick < end)
    return tick


def _full(index: PlanIndex, step: ScheduledStep, tick: int) -> Wait | None:
    if not _is_full(index, step, tick):
        return None
    return _taken(index, step, tick, tick)


def _filling_ahead(
    index: PlanIndex, step: ScheduledStep, tick: int, size: int
) -> tuple[int, Wait] | None:
    """(when, wait) for the first moment other orders (or partial downtime) fill the resource
    while the step would run."""
    resource = index.plant.resources[step.resource]
    spans = [(s.start, s.end) for s in _others(index, step)]
    spans += [(d.start, d.end) for d in _partial_downtimes(resource)]
    for moment in sorted(start for start, _ in spans if tick < start < tick + size):
        if _is_full(index, step, moment):
            return moment, _taken(index, step, tick, moment)
    return None


def _taken(index: PlanIndex, step: ScheduledStep, tick: int, moment: int) -> Wait:
    """The wait from ``tick`` until the resource, full at ``moment``, has a unit free again:
    the orders on it then, or the partial downtime when the orders alone leave a unit."""
    until = _free_from(index, step, moment)
    orders, _ = _load(index, step, moment)
    resource = index.plant.resources[step.resource]
    if orders < resource.capacity:
        down = next(d for d in _partial_downtimes(resource) if d.start <= moment < d.end)
        return _downtime_wait(step, tick, until, down)
    busy = tuple(
        Busy(s.order, index.customer_of(s.order), s.start, s.end)
        for s in _others(index, step)
        if s.start < until and s.end > tick
    )
    return ResourceWait(step.resource, tick, until, busy)


def _merged(waits: list[Cause]) -> list[Cause]:
    """Neighbouring waits for the same thing as one: the same resource's orders, the same
    closure, the same downtime. A calendar gap between two stretches of other orders' work
    joins them: when it reopened, the resource was taken again, so the wait is for the
    orders, not for the calendar."""
    merged: list[Cause] = []
    for wait in waits:
        if merged and _same(merged[-1], wait):
            merged[-1] = _joined(merged[-1], wait)
        elif (
            len(merged) > 1
            and isinstance(wait, ResourceWait)
            and isinstance(merged[-1], CalendarWait)
            and isinstance(merged[-2], ResourceWait)
        ):
            gap = merged.pop()
            merged[-1] = _joined(merged[-1], wait, gap.closed_to - gap.closed_from)
        else:
            merged.append(wait)
    return merged


def _same(a: Cause, b: Cause) -> bool:
    if a.kind != b.kind or a.kind == "idle":
        return False
    if isinstance(a, CalendarWait):
        return (a.closed_from, a.closed_to) == (b.closed_from, b.closed_to)
    if isinstance(a, DowntimeWait):
        return (a.down_from, a.down_to, a.reason) == (b.down_from, b.down_to, b.reason)
    return isinstance(a, ResourceWait)


def _joined(a: Cause, b: Cause, closed: int = 0) -> Cause:
    if isinstance(a, ResourceWait):
        busy = sorted(set(a.busy) | set(b.busy), key=lambda x: (x.start, x.order))
        closed += a.closed + b.closed
        return dataclasses.replace(a, end=b.end, busy=tuple(busy), closed=closed)
    return dataclasses.replace(a, end=b.end)
