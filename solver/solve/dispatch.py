"""List scheduling without a solver: the source of complete hints and of a fallback plan.

Orders are taken one at a time in a priority sequence (a rule such as earliest due date);
each remaining step goes to the eligible resource where it finishes first, at
the earliest start that respects the calendar, downtime, lags, release and capacity. A pool of
capacity k is k lanes (unit demands make that exact); partial pool downtime blocks lanes.
Pinned work in progress is placed first, where it is. Materials come first too: an order
is served from finished goods when there are enough, else each material gets a source
(``allocation.SupplyBook``) and the step that draws it (its BOM line's step, by default the
first) waits for it; the steps before it do not.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.domain.plant import Changeover, Option, Plant
from solver.facts.kpis import objective_units
from solver.rules.ranking import Rank, rank_orders, remaining_work
from solver.supply.allocation import SupplyBook, build_purchases
from solver.supply.sources import draw_step


@dataclass
class Lane:
    """Busy intervals of one unit of a resource, sorted and disjoint, with the product family
    of each (None: downtime, which needs no changeover)."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    families: list[str | None] = field(default_factory=list)

    def earliest(
        self,
        windows: Sequence[tuple[int, int]],
        window_ends: list[int],
        ready: int,
        size: int,
        family: str | None = None,
        matrix: Changeover | None = None,
        end_of: Callable[[int], int | None] | None = None,
    ) -> int | None:
        """Earliest start >= ready inside one window and clear of this lane's busy intervals,
        with the changeovers of ``matrix`` (if any) from the step before and to the next.

        ``end_of`` gives the end of work that pauses over breaks begun at a start (None: it
        does not finish in the horizon); such work starts in any window and spans the breaks.
        """
        start = ready
        w = bisect.bisect_right(window_ends, start)
        while w < len(windows):
            win_start, win_end = windows[w]
            start = max(start, win_start)
            if start >= win_end or (end_of is None and start + size > win_end):
                w += 1
                continue
            end = start + size if end_of is None else end_of(start)
            if end is None:
                return None
            k = bisect.bisect_right(self.ends, start)
            if matrix is not None and k:
                ready_after = self.ends[k - 1] + self._setup(matrix, self.families[k - 1], family)
                if start < ready_after:
                    start = ready_after
                    w = bisect.bisect_right(window_ends, start)
                    continue
            after = 0
            if matrix is not None and k < len(self.starts):
                after = self._setup(matrix, family, self.families[k])
            if k < len(self.starts) and self.starts[k] < end + after:
                start = self.ends[k]
                continue
            return start
        return None

    @staticmethod
    def _setup(matrix: Changeover, before: str | None, after: str | None) -> int:
        return 0 if before is None or after is None else matrix.ticks(before, after)

    def idle_before(self, start: int) -> float:
        """Time since this lane's last busy interval ended before ``start`` (inf if none)."""
        k = bisect.bisect_right(self.ends, start)
        return start - self.ends[k - 1] if k else math.inf

    def is_free(self, start: int, end: int) -> bool:
        k = bisect.bisect_right(self.ends, start)
        return k >= len(self.starts) or self.starts[k] >= end

    def occupy(self, start: int, end: int, family: str | None = None) -> None:
        k = bisect.bisect_left(self.starts, start)
        self.starts.insert(k, start)
        self.ends.insert(k, end)
        self.families.insert(k, family)


class Timeline:
    """Lanes of every resource, with the windows when each resource works."""

    def __init__(self, plant: Plant):
        self.plant = plant
        self.windows = {rid: list(w) for rid, w in plant.availability.items()}
        self._window_ends = {rid: [e for _, e in w] for rid, w in self.windows.items()}
        self.lanes = {
            rid: [Lane() for _ in range(r.capacity)] for rid, r in plant.resources.items()
        }
        for rid, resource in plant.resources.items():
            partial = [
                d for d in resource.downtime if d.units is not None and d.units < resource.capacity
            ]
            # Overlapping partial downtimes must take different lanes; by start time, a free
            # lane always exists while their summed units stay within capacity.
            for down in sorted(partial, key=lambda d: d.start):
                free = [lane for lane in self.lanes[rid] if lane.is_free(down.start, down.end)]
                for lane in free[: down.units]:
                    lane.occupy(down.start, down.end)
        # Work that pauses spans breaks, so it must see other orders' fixed steps (an LNS
        # neighbourhood's held downtime) as busy time, not only as time outside the windows.
        # (Changeover machines get them below, as kept steps with their families.)
        for rid, resource in plant.resources.items():
            if resource.capacity == 1 and rid not in plant.kept:
                held = sorted((d.start, d.end) for d in resource.downtime if d.held)
                for start, end in held:
                    self.lanes[rid][0].occupy(start, end)
        # Kept steps are downtime already; on the lane they also set the changeovers.
        for rid, kept in plant.kept.items():
            for step in kept:
                self.lanes[rid][0].occupy(step.start, step.end, step.family)

    def earliest(
        self, rid: str, ready: int, size: int, family: str | None = None, pausing: bool = False
    ) -> tuple[int, int] | None:
        """(start, lane index) of the earliest placement on any lane of the resource.

        Among lanes that start equally early, the one idle for the shortest time before
        (best fit) keeps longer gaps for later work: with the first lane instead, a plan
        dispatched again in its own order on a pool of two did not fit where it was.
        On a machine with a changeover matrix, ``family`` is the step's product family;
        ``pausing`` work of ``size`` ticks pauses over breaks (``Plant.work_end``).
        """
        best, best_key = None, None
        matrix = self.plant.changeovers.get(rid) if family is not None else None
        end_of = None
        if pausing:

            def end_of(start: int) -> int | None:
                return self.plant.work_end(rid, start, size)

        for index, lane in enumerate(self.lanes[rid]):
            start = lane.earliest(
                self.windows[rid], self._window_ends[rid], ready, size, family, matrix, end_of
            )
            if start is None:
                continue
            key = (start, lane.idle_before(start))
            if best_key is None or key < best_key:
                best, best_key = (start, index), key
        return best

    def occupy(self, rid: str, lane: int, start: int, end: int, family: str | None = None) -> None:
        self.lanes[rid][lane].occupy(start, end, family)

    def occupy_any(self, rid: str, start: int, end: int, family: str | None = None) -> None:
        """Place fixed work (a pin) on the first lane that is free then."""
        for lane in self.lanes[rid]:
            if lane.is_free(start, end):
                lane.occupy(start, end, family)
                return
        self.lanes[rid][0].occupy(start, end, family)  # validation keeps pins within capacity


def sequence_by(
    plant: Plant, rule: str, ranks: Sequence[Rank] | None = None, now: int = 0
) -> list[str]:
    """Orders in the sequence of a priority rule, ties broken by ranking position.

    ``edd``: earliest due date. ``min_slack``: least due date minus remaining work (orders
    with long routings start earlier). ``wspt``: highest tardiness weight per unit of work.
    ``cr``: smallest critical ratio (time to due over work left). ``atc``: apparent tardiness
    cost, weight per work discounted by slack. ``ranks`` defaults to ranking the orders.
    """
    ranks = ranks or rank_orders(plant, now)
    position = {r.order: r.position for r in ranks}
    weight = {r.order: r.weight for r in ranks}
    work = {o: max(1, remaining_work(plant, o)) for o in plant.orders}
    due = {o: plant.orders[o].due for o in plant.orders}
    if rule == "edd":
        key = due
    elif rule == "min_slack":
        key = {o: due[o] - work[o] for o in plant.orders}
    elif rule == "wspt":  # weighted shortest processing time: highest weight per work first
        key = {o: -weight[o] / work[o] for o in plant.orders}
    elif rule == "cr":  # critical ratio: time left over work left, smallest first
        key = {o: (due[o] - now) / work[o] for o in plant.orders}
    elif rule == "atc":  # apparent tardiness cost (Vepsalainen and Morton), k = 2
        mean = sum(work.values()) / max(1, len(work))
        key = {
            o: -(weight[o] / work[o]) * math.exp(-max(0, due[o] - work[o] - now) / (2 * mean))
            for o in plant.orders
        }
    else:
        raise ValueError(f"unknown dispatch rule {rule!r}; known: {', '.join(ALL_RULES)}")
    return sorted(plant.orders, key=lambda o: (key[o], position[o]))


RULES = ("min_slack", "edd")  # tried for every hint (measured best, see best_dispatch)
ALL_RULES = ("min_slack", "edd", "wspt", "cr", "atc")


def best_dispatch(plant: Plant, ranks: Sequence[Rank] | None = None) -> Plan:
    """The dispatch plan with the lowest objective over every rule in ``RULES``.

    Measured on generated plants (seed 1): min_slack beat edd by 20 % at 40 orders, 30 % at
    200 and 15 % at 1000; trying both costs milliseconds. The book is ranked once (or
    ``ranks`` is used) for both the tie-breaks and the objective.
    """
    ranks = ranks or rank_orders(plant)
    weights = {r.order: r.weight for r in ranks}
    sequences = [sequence_by(plant, rule, ranks) for rule in RULES]
    plans = [dispatch(plant, sequence) for sequence in sequences]
    if all(p.status != "DISPATCH" for p in plans):
        # Scarce material taken by proposed orders can leave a firm order without: retry
        # with firm orders first (keeping each rule's order among them).
        for sequence in sequences:
            firm_first = sorted(sequence, key=lambda o: plant.orders[o].optional)
            plans.append(dispatch(plant, firm_first))
    return min(
        plans,
        key=lambda p: (p.status != "DISPATCH", sum(objective_units(plant, p, weights).values())),
    )


def dispatch(
    plant: Plant,
    sequence: Sequence[str] | None = None,
    keep: dict[tuple[str, int], tuple[str, int]] | None = None,
    prefer: dict[tuple[str, int], tuple[str, int]] | None = None,
) -> Plan:
    """Schedule every order greedily in ``sequence`` (EDD by default).

    Optional orders that do not fit within the horizon are declined; a firm order that does
    not fit leaves the plan incomplete, with status ``DISPATCH_INCOMPLETE``. ``keep`` maps
    (order, step index) to (resource, not before): such a step stays on that resource (if it
    still can do it) and starts no earlier than the given tick (right-shift). ``prefer`` maps
    (order, step index) to (resource, start): the step takes exactly that place when it is
    still free and ready then, and goes where it finishes first otherwise (a repair that
    leaves the orders it need not move where they were).

    Returns
    -------
    Plan
        Status ``DISPATCH`` when every firm order is placed.
    """
    timeline = Timeline(plant)
    steps: list[ScheduledStep] = []
    # By start time, first-fit lanes hold any set of pins a pool can run at once (interval
    # partitioning); in file order they did not: a baseline held as pins on a pool of two lost
    # its place (benchmarks/whatif_latency.py --quality, 200 orders, seed 1).
    for (oid, index), pin in sorted(plant.pins.items(), key=lambda item: item[1].start):
        end = plant.pin_end(oid, index)
        timeline.occupy_any(pin.resource, pin.start, end, plant.family(oid))

    # Pins closer than their changeover: no plan exists, so the plan must not claim one.
    outcomes, complete = [], not plant.pins_break_changeovers()
    book = SupplyBook(plant)
    for oid in sequence or sequence_by(plant, "edd"):
        order = plant.orders[oid]
        if book.take_finished(oid):
            outcomes.append(OrderOutcome(oid, True, None, order.due, 0, from_stock=True))
            continue
        choices = book.choose(oid, latest_starts(plant, oid))
        placed = None
        if choices is not None:
            materials: dict[int, int] = {}
            for material, parts in choices.items():
                index = draw_step(plant, oid, material)
                arrival = max(part.arrival for part in parts)
                materials[index] = max(materials.get(index, 0), arrival)
            placed = _place_order(plant, timeline, oid, order.release, keep, prefer, materials)
        if placed is None:
            complete = complete and order.optional
            outcomes.append(OrderOutcome(oid, False, None, order.due, 0))
            continue
        book.commit(oid, choices, {step.step_index: step.start for step in placed})
        steps += placed
        completion = placed[-1].end
        outcomes.append(
            OrderOutcome(oid, True, completion, order.due, max(0, completion - order.due))
        )
    return Plan(
        plant=plant.name,
        start=plant.grid.start,
        resolution=plant.grid.resolution,
        status="DISPATCH" if complete else "DISPATCH_INCOMPLETE",
        steps=tuple(steps),
        outcomes=tuple(outcomes),
        supplies=tuple(book.supplies),
        purchases=tuple(build_purchases(plant, book.supplies)),
    )


def latest_starts(plant: Plant, oid: str) -> dict[int, int]:
    """Step index -> the latest start of each remaining step that keeps the order on time by
    its work content (the shortest path from that step on, lags included; calendars
    ignored)."""
    order = plant.orders[oid]
    steps = plant.remaining_steps(oid)
    latest: dict[int, int] = {}
    end = order.due
    for k in range(len(steps) - 1, -1, -1):
        index, step = steps[k]
        lag = step.min_lag if k < len(steps) - 1 else 0
        end -= lag + min(plant.duration(oid, o) for o in step.options)
        latest[index] = end
    return latest


def _place_order(
    plant: Plant,
    timeline: Timeline,
    oid: str,
    ready: int,
    keep: dict | None = None,
    prefer: dict | None = None,
    materials: dict[int, int] | None = None,
) -> list[ScheduledStep] | None:
    """Place the order's remaining steps from ``ready`` on, or None if one does not fit.

    ``materials`` maps a step index to the tick its materials are there: that step starts no
    earlier (the steps before it need not wait).
    """
    chosen: list[tuple[ScheduledStep, int]] = []
    family = plant.family(oid)
    for index, step in plant.remaining_steps(oid):
        pin = plant.pins.get((oid, index))
        if materials:
            ready = max(ready, materials.get(index, ready))
        if pin is not None:
            end = plant.pin_end(oid, index)
            chosen.append(
                (ScheduledStep(oid, index, step.id, pin.resource, pin.start, end, True), -1)
            )
            ready = end + step.min_lag
            continue
        options = step.options
        kept = keep.get((oid, index)) if keep else None
        if kept is not None:
            same = [o for o in step.options if o.resource == kept[0]]
            options = same or step.options
            ready = max(ready, kept[1])
        pausing = plant.pausing(oid, index)
        best = _preferred(plant, timeline, (oid, index), step.options, ready, prefer)
        for option in options if best is None else ():
            size = plant.duration(oid, option)
            spot = timeline.earliest(option.resource, ready, size, family, pausing)
            if spot is None:
                continue
            span = plant.step_end(oid, index, option, spot[0]) - spot[0]
            if best is None or spot[0] + span < best[0] + best[1]:
                best = (spot[0], span, option.resource, spot[1])
        if best is None:
            for placed, lane in chosen:  # undo: the order is not made
                if lane >= 0:
                    _release(timeline, placed, lane)
            return None
        start, size, rid, lane = best
        placed = ScheduledStep(oid, index, step.id, rid, start, start + size)
        timeline.occupy(rid, lane, placed.start, placed.end, family)
        chosen.append((placed, lane))
        ready = placed.end + step.min_lag
    return [placed for placed, _ in chosen]


def _preferred(
    plant: Plant,
    timeline: Timeline,
    key: tuple[str, int],
    options: Sequence[Option],
    ready: int,
    prefer: dict[tuple[str, int], tuple[str, int]] | None,
) -> tuple[int, int, str, int] | None:
    """(start, span, resource, lane) of the step's preferred place, if it is free and ready."""
    wanted = prefer.get(key) if prefer else None
    if wanted is None or wanted[1] < ready:
        return None
    option = next((o for o in options if o.resource == wanted[0]), None)
    if option is None:
        return None
    size = plant.duration(key[0], option)
    pausing = plant.pausing(*key)
    spot = timeline.earliest(wanted[0], wanted[1], size, plant.family(key[0]), pausing)
    if spot is None or spot[0] != wanted[1]:
        return None
    return (spot[0], plant.step_end(*key, option, spot[0]) - spot[0], wanted[0], spot[1])


def _release(timeline: Timeline, step: ScheduledStep, lane: int) -> None:
    busy = timeline.lanes[step.resource][lane]
    k = busy.starts.index(step.start)
    del busy.starts[k]
    del busy.ends[k]
    del busy.families[k]
