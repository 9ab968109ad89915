"""Promise dates for a what-if's asked orders: the dates that protect every other order.

One CP-SAT solve from the insertion plan (the one hint that keeps every other order where the
baseline has it) with the protecting limits as constraints and the promise objective
(``cpsat.promise_terms``): the worst slip of any asked order beyond its own asked date, then
their summed completion.

Big books (``uses_neighbourhoods``) start from the best of the insertion plan, the others
pushed right (``pushed``), the neighbourhoods re-dispatched by deadline (``redispatched``) and
the asked orders slotted into a deadline-ordered queue (``slotted``). Before any date solve
they look for the plan closest to the baseline that meets every asked date
(``fewer_moves.fewest_from_baseline``), since the starts moved 200-260 steps at 200 orders
where 14-48 do: it is the answer unless a start met the dates already and, settled, moves
fewer steps at no higher cost. Otherwise they solve neighbourhoods (``grown``) for the dates,
and the plan for those dates is again the closest to the baseline where it moves fewer steps
than the date solve's at no higher cost, else the date solve's settled. The neighbourhoods:
the asked orders and the orders nearest them on their resources (``lns.around``), every
other order held where the start plan has it, doubling while a date is missed and the budget
lasts. Measured at 200 orders (one worker, as a solve with limits
must run when deterministic): the whole model took 49 s of wall time for 2.9
deterministic units, and 16 s for a limit of 2 units. A neighbourhood's dates are the earliest
with the rest held, not proven the earliest overall, and say so (``worst_slip_proven`` and
``dates_proven`` are false).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass

from solver.domain.errors import SolveError
from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plant import Pin, Plant
from solver.facts.kpis import objective_total, with_objective
from solver.facts.stability import Reference, moved_steps
from solver.rules.costs import units_per_currency
from solver.rules.ranking import rank_orders
from solver.solve.cpsat.model import build, solve
from solver.solve.cpsat.promise_terms import slip_weight
from solver.solve.dispatch import best_dispatch, dispatch, sequence_by
from solver.solve.fewer_moves import fewer_moves, fewest_from_baseline
from solver.solve.lns import Budget, around, merge, restrict, sub_plant
from solver.solve.putting_back import put_back
from solver.solve.replanning import (
    baseline_declined,
    baseline_sequence,
    insertion,
    keeps,
    uses_neighbourhoods,
    valid_plan,
    with_declined,
)

# Of a big book's promise budget, the share that settles the orders the date solve (or a
# start that meets every date) moved. With the whole share the settle took 3.5-4 s of a 6-s
# answer at 200 orders and bought nothing on 8 answers (benchmarks/README.md).
SETTLE_SHARE = 1 / 3


@dataclass(frozen=True)
class Promised:
    """The dated plan and what its solve proved.

    ``worst_slip``: ticks the latest asked order finishes beyond its asked date (0: all on
    time). ``worst_slip_proven``: no plan that protects the others has a smaller worst slip.
    ``dates_proven``: the solve was optimal, so the summed completion given that worst slip is
    the least possible too (for one asked order: its date is the earliest).
    """

    plan: Plan
    worst_slip: int
    worst_slip_proven: bool
    dates_proven: bool


def promise_dates(
    plant: Plant, baseline: Plan, reference: Reference, asked: list[str], limits: dict[str, int]
) -> Promised:
    """Set the asked orders' dates with every order in ``limits`` finished by its limit.

    Parameters
    ----------
    plant : Plant
        The changed plant; the asked orders' dues are the dates the customer asked for, and
        its settings give the solve's budget.
    baseline : Plan
    reference : Reference
        The baseline the proposal's stability cost is reported against.
    asked : list of str
    limits : dict
        Order -> latest completion tick (the protect rule's limits); those orders are made.

    Raises
    ------
    SolveError
        When no plan makes the asked orders within the horizon while keeping the limits.
    """
    ranks = rank_orders(plant)
    weights = {r.order: r.weight for r in ranks}
    inserted = insertion(plant, baseline, asked)
    hint = inserted if valid_plan(plant, inserted) else best_dispatch(plant, ranks)
    if uses_neighbourhoods(plant) and hint is inserted:
        # The insertion plan keeps every limit (others stay where the baseline has them);
        # pushing the others right may keep them too and meet the dates sooner.
        starts = [
            inserted,
            *pushed(plant, baseline, asked, limits),
            *redispatched(plant, inserted, asked, limits, ranks),
            *slotted(plant, inserted, asked, limits, ranks),
        ]
        start = min(starts, key=lambda p: _promise_key(p, asked))
        # First the plan closest to the baseline that meets every asked date, with the share a
        # date solve has (``fewest_from_baseline``). Where none is found the date solve still
        # gets its whole share: sharing it left 1,000 orders, seed 4, dated 34 % dearer.
        dating = plant.replace(settings=plant.settings.share(1 - SETTLE_SHARE))
        closest = fewest_from_baseline(
            dating, baseline, asked, weights, reference, limits, inserted
        )
        if _worst(start, asked) == 0:
            # Every asked date is met already. A closer plan needs no settle; else settling
            # has its usual share of the budget.
            if closest is not None and _closer(plant, closest, start, weights, reference):
                return Promised(closest, 0, True, False)
            settling = plant.replace(settings=plant.settings.share(SETTLE_SHARE))
            result = settled(settling, baseline, start, asked, weights, reference, limits)
            if closest is not None and _closer(plant, closest, result, weights, reference):
                result = closest
            return Promised(with_objective(plant, result, reference, weights), 0, True, False)
        if closest is not None:
            return Promised(closest, 0, True, False)
        result, whole = grown(dating, start, asked, weights, reference, limits, promise=True)
        if not whole:
            settling = plant.replace(settings=plant.settings.share(SETTLE_SHARE))
            # The dates found, from the baseline with the fewest moves, else settled as found.
            # Measured on the kept baselines (benchmarks/README.md): 200 orders, seed 5, 138
            # steps moved settled, 18 so; 1,000 orders, seed 5, 351 and 67.
            found = {
                oid: max(plant.orders[oid].due, getattr(result.outcome(oid), "completion", 0) or 0)
                for oid in asked
            }
            closest = fewest_from_baseline(
                settling, baseline, asked, weights, reference, limits, inserted, found
            )
            if closest is not None and _closer(plant, closest, result, weights, reference):
                result = closest
            else:
                result = settled(settling, baseline, result, asked, weights, reference, limits)
            worst = _worst(result, asked)
            return Promised(with_objective(plant, result, reference, weights), worst, False, False)
    else:
        result = solve(build(plant, hint, weights, reference, limits, asked))
    worst = _worst(result, asked)
    bound = (result.best_bound or 0.0) * units_per_currency(plant)
    proven_slip = result.status == "OPTIMAL" or bound >= slip_weight(plant, asked) * worst - 0.5
    return Promised(
        with_objective(plant, result, reference, weights),
        worst,
        proven_slip,
        result.status == "OPTIMAL",
    )


def pushed(plant: Plant, baseline: Plan, asked: list[str], limits: dict[str, int]) -> list[Plan]:
    """The asked orders placed as early as they go, the others pushed right, keeping limits.

    The first ``k`` other orders (in baseline order) stay exactly where the baseline has them;
    the asked orders are dispatched next, then the rest, each step on its baseline resource
    and no earlier than its baseline start. ``k`` is the least found by bisection whose plan
    keeps every limit, as a capable-to-promise check does by hand: push the queue back and
    see who would be late. Returns that plan, or nothing if it is not valid.
    """
    declined = baseline_declined(plant, baseline, asked)
    others = [o for o in baseline_sequence(plant, baseline) if o not in asked and o not in declined]
    where = {(s.order, s.step_index): s for s in baseline.steps if s.order in plant.orders}

    def placed(k: int) -> Plan | None:
        held = set(others[:k])
        pins = dict(plant.pins)
        keep = {}
        for key, step in where.items():
            if key in pins or step.order in asked:
                continue
            if step.order in held:
                pins[key] = Pin(step.order, step.step_index, step.resource, step.start)
            else:
                keep[key] = (step.resource, step.start)
        sequence = others[:k] + asked + others[k:]
        plan = dispatch(plant.replace(pins=pins), sequence, keep).pinned_only_at(plant.pins)
        plan = with_declined(plant, plan, declined)
        return plan if keeps(plan, limits) and valid_plan(plant, plan) else None

    best = _earliest_slot(placed, len(others))
    return [] if best is None else [best]


def redispatched(
    plant: Plant, start: Plan, asked: list[str], limits: dict[str, int], ranks: list
) -> list[Plan]:
    """The asked orders and growing neighbourhoods of them re-dispatched by deadline.

    Each neighbourhood (``lns.around``: 10 orders, doubling until it holds every order that
    shares a resource with an asked one) is dispatched into the capacity the held orders
    leave, every order's deadline being its protect limit and an asked order's its asked
    date, three ways: the asked orders first and every other order in its old place where
    that is still free; least slack first, the orders after the asked ones in their old
    places where free; least slack first anywhere. A capable-to-promise check done by hand
    puts the urgent work first the same way. Returns the plans that keep every limit, fewest
    steps moved first.

    Measured at 200 orders (benchmarks/whatif_latency.py --quality, seed 2, a baseline proven
    optimal): the insertion and pushed plans dated a rush 1,011 hours late, and CP-SAT
    neighbourhoods did not move it in 5 deterministic units; re-dispatching the 116 orders
    on its resources met its asked date and every limit in 0.03 s, moving 295 steps least
    slack first anywhere and 176 with old places kept after the rush.
    """
    deadlines = {**limits, **{oid: plant.orders[oid].due for oid in asked}}
    where = _places(start, skip=set(asked))
    found, size = [], 10
    while True:
        free = around(plant, start, asked, size)
        sub = sub_plant(plant, start, free)
        sequence = _by_deadline(sub, deadlines, ranks)
        later = set(sequence[max(sequence.index(oid) for oid in asked) + 1 :])
        after = {key: place for key, place in where.items() if key[0] in later}
        first = asked + [oid for oid in sequence if oid not in asked]
        for order, preferred in ((first, where), (sequence, after), (sequence, None)):
            plan = merge(start, dispatch(sub, order, prefer=preferred), free, plant)
            if keeps(plan, limits) and valid_plan(plant, plan):
                found.append(dataclasses.replace(plan, status="DISPATCH"))
        if len(free) - len(asked) < size:
            return sorted(found, key=lambda p: len(_displaced(p, where)))
        size *= 2


def slotted(
    plant: Plant, start: Plan, asked: list[str], limits: dict[str, int], ranks: list
) -> list[Plan]:
    """The asked orders at the earliest slot of a deadline-ordered queue that keeps every limit.

    Every order sharing a resource with an asked one is queued least slack first, each by its
    protect limit; the asked orders go in at position ``k`` and the queue is dispatched into
    the capacity the other orders leave. ``k`` is the least found by bisection whose plan keeps
    every limit: the capable-to-promise check by hand when the asked date cannot be met, where
    ``redispatched`` (asked dates as deadlines) finds nothing. Returns that plan, or nothing.
    """
    free = around(plant, start, asked, len(plant.orders))
    sub = sub_plant(plant, start, free)
    queue = [o for o in _by_deadline(sub, limits, ranks) if o not in asked]
    where = _places(start, skip=set(asked))

    def placed(k: int) -> Plan | None:
        plan = merge(start, dispatch(sub, queue[:k] + asked + queue[k:], prefer=where), free, plant)
        return plan if keeps(plan, limits) else None

    best = _earliest_slot(placed, len(queue))
    if best is None or not valid_plan(plant, best):
        return []
    return [dataclasses.replace(best, status="DISPATCH")]


def _earliest_slot(placed: Callable[[int], Plan | None], slots: int) -> Plan | None:
    """``placed(k)`` for the least ``k`` in 0..``slots`` found by bisection whose plan exists
    (``placed`` gives None where a limit breaks); None when even the last slot has none."""
    low, high = 0, slots
    best = placed(high)
    while low < high and best is not None:
        middle = (low + high) // 2
        plan = placed(middle)
        if plan is None:
            low = middle + 1
        else:
            best, high = plan, middle
    return best


def _by_deadline(plant: Plant, deadlines: dict[str, int], ranks: list) -> list[str]:
    """The plant's orders least slack first, each order's due replaced by its deadline."""
    orders = {
        oid: dataclasses.replace(order, due=deadlines.get(oid, order.due))
        for oid, order in plant.orders.items()
    }
    return sequence_by(plant.replace(orders=orders), "min_slack", ranks)


def _places(plan: Plan, skip: Collection[str] = ()) -> dict[tuple[str, int], tuple[str, int]]:
    """(order, step index) -> (resource, start) of every step of ``plan`` outside ``skip``."""
    return {
        (s.order, s.step_index): (s.resource, s.start) for s in plan.steps if s.order not in skip
    }


def _displaced(plan: Plan, places: dict[tuple[str, int], tuple[str, int]]) -> list[ScheduledStep]:
    """Steps of ``plan`` not at their place in ``places`` (steps without one count too)."""
    return [s for s in plan.steps if places.get((s.order, s.step_index)) != (s.resource, s.start)]


def settled(
    plant: Plant,
    baseline: Plan,
    dated: Plan,
    asked: list[str],
    weights: dict[str, int],
    reference: Reference,
    limits: dict[str, int],
    chains: bool = True,
) -> Plan:
    """The dated plan with the orders it moved re-solved for the plan's own objective.

    The date solve minimises the asked orders' dates only, so the orders it freed land
    wherever that objective left them: at 200 orders an ACCEPT moved 101-176 steps where a few
    would do. Here the moved orders are solved again with the plan's objective and the
    stability term, every asked order held to its date and every other to its limit; the
    result is kept only when it is cheaper. Then every moved order whose old places are free
    goes back (``putting_back``), and the chains that cannot go back one order at a time are
    re-solved for the fewest steps moved (``fewer_moves``, with the same limit) unless
    ``chains`` is false: the as-asked option's settle has 0.8 s, and ``fewer_moves`` took 4.6 s
    of wall time of it at 200 orders (seed 5, one worker: a model with completion limits) to
    take that option from 192 steps moved to 44, and found nothing with half of it.
    """
    moved = {s.order for s in _displaced(dated, _places(baseline))}
    held = dict(limits)
    for oid in asked:
        outcome = dated.outcome(oid)
        if outcome is not None and outcome.completion is not None:
            held[oid] = max(outcome.completion, plant.orders[oid].due)
    try:
        again = solve_around(
            plant, dated, asked, weights, reference, held, False, 0, moved | set(asked)
        )
    except SolveError:
        again = dated
    better = keeps(again, held) and objective_total(
        plant, again, weights, reference
    ) < objective_total(plant, dated, weights, reference)
    chosen = again if better and valid_plan(plant, again) else dated
    back = put_back(plant, chosen, reference, weights, held)
    return fewer_moves(plant, back, reference, weights) if chains else back


def _closer(
    plant: Plant, plan: Plan, other: Plan, weights: dict[str, int], reference: Reference
) -> bool:
    """``plan`` moves fewer steps from the baseline than ``other`` at no higher objective
    (stability term included), as ``fewer_moves`` keeps its plans."""
    fewer = len(moved_steps(reference.plan, plan)) < len(moved_steps(reference.plan, other))
    return fewer and objective_total(plant, plan, weights, reference) <= objective_total(
        plant, other, weights, reference
    )


def _worst(plan: Plan, asked: list[str]) -> int:
    """Ticks the latest asked order finishes beyond its due date (its tardiness)."""
    return max((plan.outcome(o).tardiness for o in asked), default=0)


def _promise_key(plan: Plan, asked: list[str]) -> tuple[int, int]:
    """The promise objective: the worst slip, then the asked orders' summed completion."""
    return _worst(plan, asked), sum(plan.outcome(o).completion or 0 for o in asked)


def grown(
    plant: Plant,
    start: Plan,
    asked: list[str],
    weights: dict[str, int],
    reference: Reference,
    limits: dict[str, int],
    promise: bool,
) -> tuple[Plan, bool]:
    """Neighbourhoods of the asked orders in ``start``, doubling in size while the budget lasts.

    With ``promise`` each neighbourhood sets the promise objective and the search stops when
    every asked date is met; without it, at the first plan that keeps the limits. Measured at
    200 orders on a baseline solved to optimality (one worker): 50 orders freed left the rush
    37 hours late in 3.9 s, 100 orders met its date in 10.8 s, the whole model in 63 s. Once a
    neighbourhood would hold every order, the whole model is solved.

    Returns
    -------
    (Plan, bool)
        The best plan found (``start`` if none is better) and whether it came from a solve
        of the whole model (whose status and bound then prove what they prove).

    Raises
    ------
    SolveError
        Only from a whole-model solve without ``promise`` that has no plan.
    """
    settings = plant.settings
    budget = Budget(settings)
    best, size = start, settings.whatif_lns_orders
    while (left := budget.left()) > 0.2:
        if promise and _worst(best, asked) == 0:
            break
        part = plant.replace(settings=settings.cut_to(left))
        if size + len(asked) >= len(plant.orders):
            return solve(
                build(part, best, weights, reference, limits, asked if promise else None)
            ), True
        try:
            result = solve_around(part, best, asked, weights, reference, limits, promise, size)
        except SolveError:
            budget.charge(None)
            size *= 2
            continue
        budget.charge(result)
        if not promise:
            if keeps(result, limits):
                return result, False
            size *= 2
            continue
        if _promise_key(result, asked) < _promise_key(best, asked):
            best = result
        size *= 2
    return best, False


def solve_around(
    plant: Plant,
    start: Plan,
    asked: list[str],
    weights: dict[str, int],
    reference: Reference,
    limits: dict[str, int],
    promise: bool,
    size: int,
    free: set[str] | None = None,
) -> Plan:
    """Re-solve the asked orders and ``size`` neighbours in ``start`` (or the ``free`` orders);
    every other order is held.

    The held orders keep their place in ``start``, so a limit that ``start`` meets for them
    still holds; the freed ones get ``limits`` as constraints. ``promise`` sets the promise
    objective instead of the plan's. With supply, the freed orders get the stock, supplier
    capacity and finished goods the held ones leave (``lns.sub_plant``), and the purchases
    are grouped again on the merged plan.

    Raises
    ------
    SolveError
        When the neighbourhood has no plan that keeps the limits.
    """
    free = free or around(plant, start, asked, size)
    sub = sub_plant(plant, start, free)
    objective_of = asked if promise else None
    repaired = solve(build(sub, restrict(start, free), weights, reference, limits, objective_of))
    stats = {
        "method": "neighbourhood",
        "orders_freed": len(free),
        "deterministic_time": repaired.stats.get("deterministic_time", 0.0),
    }
    # Nothing is proven about the whole plan: the rest was held.
    merged = merge(start, repaired, free, plant)
    return dataclasses.replace(merged, status="FEASIBLE", stats=stats)


def as_asked(
    plant: Plant, baseline: Plan, reference: Reference, asked: list[str], hint: Plan | None = None
) -> Plan | None:
    """The cheapest plan found that meets every asked date, whatever it does to others.

    Minimal change with the asked orders' dues as hard limits, within the plant's budget: the
    option a planner weighs against the dated one when the proposal itself missed an asked
    date. None when no such plan is found in time (or none exists). ``hint`` is the proposal:
    a complete plan close to the baseline; without it the search starts from dispatch, which
    at 200 orders moved 303 steps (benchmarks/whatif_latency.py --quality, seed 1). Big books
    re-dispatch the asked orders' neighbourhoods in the proposal with the asked dates as
    deadlines (``redispatched``) and settle the cheapest plan that meets them (``settled``);
    only when no dispatch meets them do they search growing neighbourhoods (``grown``), which
    from a proposal with the rush at the end of the horizon found nothing at 1,000 orders (seed
    3) where the re-dispatch met the date at every size from 10 orders.
    """
    ranks = rank_orders(plant)
    weights = {r.order: r.weight for r in ranks}
    limits = {oid: plant.orders[oid].due for oid in asked}
    try:
        if uses_neighbourhoods(plant) and hint is not None and valid_plan(plant, hint):
            starts = redispatched(plant, hint, asked, limits, ranks)
            if starts:
                # Dispatch met the dates already: a share of the budget makes that plan
                # cheaper. With all of it (0.8 s) the options of 200 orders, seed 5, and
                # 1,000, seed 4, came out the same, 0.4-0.6 s later (benchmarks/README.md).
                start = min(starts, key=lambda p: objective_total(plant, p, weights, reference))
                settling = plant.replace(settings=plant.settings.share(SETTLE_SHARE))
                found = settled(settling, baseline, start, asked, weights, reference, limits, False)
            else:
                found, _ = grown(plant, hint, asked, weights, reference, limits, promise=False)
            result = with_objective(plant, found, reference, weights)
        else:
            result = solve(build(plant, hint, weights, reference, limits))
    except SolveError:
        return None
    meets = all(
        (o := result.outcome(oid)) is not None and o.accepted and o.tardiness == 0 for oid in asked
    )
    return result if meets and valid_plan(plant, result) else None
