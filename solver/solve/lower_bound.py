"""A lower bound on the objective of any plan of the whole book, for searches that prove none.

LNS (every big book) proves no bound of its own, so its plans said "no bound"
and nobody could tell a plan 2 % from the best possible from one 60 % away. This bound is a
relaxation computed from the plant alone, in two parts, both exact lower bounds:

1. **Each order alone on the plant.** Its remaining steps in routing order from its release
   (a started order from its pinned step), each on whichever eligible resource ends it first
   inside one working window of that resource's calendar, with the routing's lags: no plan
   completes it earlier. Its cost is its tardiness weight times the lateness of that
   completion; an optional order costs the lesser of that and declining it.
2. **The one resource that raises it most, as a relaxed machine.** The steps that can run
   only there (firm orders, not started), each with the earliest end from part 1 and the
   least work that must follow it (fastest options and lags, calendars ignored). Whatever
   the order of work, the k-th step to finish on the resource finishes no earlier than the
   time its working windows (times its capacity, preemption allowed) take to hold the k
   shortest steps' work. The cheapest assignment of those completion times to the steps
   (``ortools.graph`` linear sum assignment) bounds their orders' lateness cost together;
   every other order keeps its part-1 cost.

Relaxed, and so not counted: the other resources' capacity, steps with alternatives (they may
go elsewhere), partial downtime on pools, steps split across breaks, and the stability term
(at least 0). Plants with supply get no bound here (their purchases would need one too): their
LNS plans still say "no bound proven", and a whole-model solve proves one.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import linear_sum_assignment

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.rules.costs import decline_cost, tardiness_coefficient, units_per_currency
from solver.supply.sources import has_supply


@dataclass(frozen=True)
class LowerBound:
    """The bound in objective units, and what made it.

    ``alone``: part 1 summed over every order; ``resource``: the resource of part 2 (empty
    when no resource raised the bound) and ``raised``: how much it added to ``alone``.
    """

    units: int
    alone: int
    resource: str = ""
    raised: int = 0

    def note(self, scale: int, currency: str) -> str:
        """One line for the console and the plan's stats."""
        text = (
            f"each order alone on the plant (release, routing, calendars): "
            f"{self.alone / scale:,.2f} {currency}"
        )
        if self.resource:
            text += (
                f"; {self.resource} as a relaxed machine adds {self.raised / scale:,.2f} {currency}"
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
        Without supply (None otherwise).
    weights : dict
        Order -> tardiness weight (the plant's ranking).

    Returns
    -------
    LowerBound or None
    """
    if has_supply(plant):
        return None
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
    return best


def with_bound(plant: Plant, plan: Plan, weights: dict[str, int]) -> Plan:
    """The plan with ``lower_bound`` as its best bound and the gap to it, for a search that
    proves none (LNS); the plan as it is for plants with supply.

    ``stats.bound_note`` says what the bound is made of (``LowerBound.note``).
    """
    bound = lower_bound(plant, weights)
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
    steps = plant.remaining_steps(oid)
    pinned = any((oid, index) in plant.pins for index, _ in steps)
    t = order.release
    ends = []
    for index, step in steps:
        pin = plant.pins.get((oid, index))
        if pin is not None:
            option = next(o for o in step.options if o.resource == pin.resource)
            end = pin.start + plant.duration(oid, option)
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
