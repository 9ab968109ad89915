"""The critical chain of a planned order: each step, last first, with when it was ready, why
it started later (``causes``), its slack, the step whose wait sets the completion, and whether
the order is late even alone.

A step is ready when the previous step has ended and its minimum lag has passed; the first
planned step when the order is released (and not before ``now``). Its causes cover the time
from ready to start (``resource_wait``, ``material_wait``). Which wait sets the completion is
``critical.binding_step``'s answer: the last one whose removal would move it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from solver.domain.plan import OrderOutcome, Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.explain.alone import earliest_alone
from solver.explain.causes import (
    HOLDS,
    MOMENT,
    SPAN,
    WAITS,
    Cause,
    Lag,
    Pinned,
    Release,
    Work,
)
from solver.explain.critical import binding_step
from solver.explain.material_wait import material_wait
from solver.explain.plan_index import PlanIndex
from solver.explain.resource_wait import resource_waits
from solver.rules.ranking import Rank, rank_orders
from solver.supply.sources import may_ship_from_stock


@dataclass(frozen=True)
class ChainLink:
    """One planned step of an order and why it started when it did.

    Attributes
    ----------
    step_index, step, resource, start, end
        The step as planned.
    ready : int
        The earliest it could start as far as its own order goes: the previous step's end plus
        that step's minimum lag; for the first planned step the release (or ``now``).
    slack : int
        Free slack: how much later this step could end, every other step where it is, without
        the next step (hence the order's completion) moving, i.e. the next step's wait. 0 for
        the last step, whose end is the completion.
    causes : tuple of Cause
        Why it started at ``start`` rather than ``ready``: the waits covering
        ``[ready, start)`` in time order, the last one holding it until it started; a single
        Lag, Release, Work or Pinned when it did not wait.
    """

    step_index: int
    step: str
    resource: str
    ready: int = field(metadata=MOMENT)
    start: int = field(metadata=MOMENT)
    end: int = field(metadata=MOMENT)
    slack: int = field(metadata=SPAN)
    causes: tuple[Cause, ...]

    @property
    def wait(self) -> int:
        return max(0, self.start - self.ready)

    @property
    def cause(self) -> Cause:
        """The main cause: the wait that held the step longest (the later one on a tie), or
        why it started at once."""
        return max(reversed(self.causes), key=_length)

    @property
    def held(self) -> bool:
        """Whether it waited for something besides its calendar: other orders, a downtime,
        material, or nothing (idle)."""
        return any(c.kind in HOLDS for c in self.causes)


def _length(cause: Cause) -> int:
    return cause.end - cause.start if cause.kind in WAITS else 0


@dataclass(frozen=True)
class OrderExplanation:
    """Why one order completes when it does, in one plan.

    Attributes
    ----------
    order, customer, tier
    due : int
    completion : int or None
        None when the order is not made, or ships from finished goods.
    made : bool
        Whether the plan makes or ships it (False: declined, or a firm order not placed).
    from_stock : bool
    chain : tuple of ChainLink
        The planned steps, last first.
    binding : int or None
        Position in ``chain`` of the step whose wait sets the completion
        (``critical.binding_step``); None when nothing but the order's own work, lags and
        calendars sets it, or when there is no chain.
    earliest_alone : int or None
        ``alone.earliest_alone``: the earliest completion with no other order in the plant
        (None: not even alone within the horizon).
    late_alone : bool
        Late even alone: ``earliest_alone`` after the due date (or none), and no finished
        goods to ship it from.
    """

    order: str
    customer: str
    tier: str
    due: int = field(metadata=MOMENT)
    completion: int | None = field(metadata=MOMENT)
    made: bool
    from_stock: bool
    chain: tuple[ChainLink, ...]
    binding: int | None
    earliest_alone: int | None = field(metadata=MOMENT)
    late_alone: bool

    @property
    def tardiness(self) -> int:
        return 0 if self.completion is None else max(0, self.completion - self.due)

    @property
    def binding_link(self) -> ChainLink | None:
        return None if self.binding is None else self.chain[self.binding]


def explain_order(
    plant: Plant, plan: Plan, order_id: str, now: int = 0, index: PlanIndex | None = None
) -> OrderExplanation:
    """The critical chain of one order of a plan, and whether it is late even alone.

    Parameters
    ----------
    plant : Plant
        The plant of the plan; ``order_id`` must be one of its orders.
    plan : Plan
        A plan that passes the checker on ``plant`` (waits are read from its times).
    order_id : str
    now : int
        No step starts before this tick (the plan start by default).
    index : PlanIndex, optional
        Shared by a caller explaining many orders of the same plan.

    Returns
    -------
    OrderExplanation
    """
    index = index or PlanIndex(plant, plan, now)
    order = plant.orders[order_id]
    customer = plant.customers[order.customer]
    outcome = index.outcomes.get(order_id) or OrderOutcome(order_id, False, None, order.due, 0)
    steps = index.by_order.get(order_id, [])
    links = _links(index, order_id, steps)
    bound = None
    if steps:
        readies, causes = [link.ready for link in links], [link.causes for link in links]
        bound = binding_step(index, steps, readies, causes)
    alone = earliest_alone(plant, order_id, now, index.timeline)
    late_alone = (alone is None or alone > order.due) and not may_ship_from_stock(plant, order_id)
    chain = tuple(reversed(links))
    return OrderExplanation(
        order=order_id,
        customer=customer.id,
        tier=customer.tier,
        due=order.due,
        completion=steps[-1].end if outcome.accepted and steps else None,
        made=outcome.accepted,
        from_stock=outcome.from_stock,
        chain=chain,
        binding=None if bound is None else len(chain) - 1 - bound,
        earliest_alone=alone,
        late_alone=late_alone,
    )


def needs_explaining(outcome: OrderOutcome | None) -> bool:
    """Late, declined or not made (no outcome at all counts as not made)."""
    return outcome is None or not outcome.accepted or outcome.tardiness > 0


def explain_late(
    plant: Plant,
    plan: Plan,
    now: int = 0,
    ranks: Sequence[Rank] | None = None,
    limit: int | None = None,
) -> list[OrderExplanation]:
    """Every late, declined or unmade order of the plan, explained, highest ranked first.

    Parameters
    ----------
    plant : Plant
    plan : Plan
    now : int
    ranks : sequence of Rank, optional
        The plant's ranking (``rank_orders``) when the caller has it already.
    limit : int, optional
        Explain only the first ``limit`` orders of the ranking (the console's short table).

    Returns
    -------
    list of OrderExplanation
        In the ranking's order (priority: position 1 first).
    """
    ranks = ranks or rank_orders(plant, now)
    index = PlanIndex(plant, plan, now)
    ranked = [r.order for r in sorted(ranks, key=lambda r: r.position)]
    wanted = [oid for oid in ranked if needs_explaining(index.outcomes.get(oid))]
    return [explain_order(plant, plan, oid, now, index) for oid in wanted[:limit]]


def _links(index: PlanIndex, order_id: str, steps: list[ScheduledStep]) -> list[ChainLink]:
    """The steps in routing order, each with its ready time, causes and free slack."""
    found = [_why(index, order_id, steps, k) for k in range(len(steps))]
    links = []
    for k, (step, (ready, causes)) in enumerate(zip(steps, found, strict=True)):
        # The next step's wait absorbs a slip of this one; the last step's end is the
        # completion itself.
        slack = max(0, steps[k + 1].start - found[k + 1][0]) if k + 1 < len(steps) else 0
        links.append(
            ChainLink(
                step.step_index,
                step.step,
                step.resource,
                ready,
                step.start,
                step.end,
                slack,
                causes,
            )
        )
    return links


def _why(
    index: PlanIndex, order_id: str, steps: list[ScheduledStep], k: int
) -> tuple[int, tuple[Cause, ...]]:
    """(ready, causes) of the ``k``-th planned step of an order."""
    step = steps[k]
    if step.pinned:
        return step.start, (Pinned(),)
    if k == 0:
        return _first(index, order_id, step)
    before = steps[k - 1]
    routing = index.plant.products[index.plant.orders[order_id].product].routing
    lag = routing[before.step_index].min_lag
    ready = max(index.now, before.end + lag)
    # A later step may draw a material of its own (its BOM line names it): it waits for that
    # first, then for its resource.
    material = material_wait(index, order_id, ready, step.start, step.step_index)
    begin = ready if material is None else max(ready, material.arrival)
    waits = ([material] if material else []) + resource_waits(index, step, begin)
    return ready, tuple(waits) or ((Lag(before.step, lag),) if lag > 0 else (Work(),))


def _first(index: PlanIndex, order_id: str, step: ScheduledStep) -> tuple[int, tuple[Cause, ...]]:
    """The first planned step: ready at the release (or now), then material, then resource."""
    release = index.plant.orders[order_id].release
    ready = max(index.now, release)
    material = material_wait(index, order_id, ready, step.start, step.step_index)
    begin = ready if material is None else max(ready, material.arrival)
    waits = ([material] if material else []) + resource_waits(index, step, begin)
    if waits:
        return ready, tuple(waits)
    return ready, (Release(release),) if release > index.now else (Work(),)
