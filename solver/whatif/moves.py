"""The facts a what-if attaches to a proposal: which orders move against the baseline (and
whether that harms them under the promise rule), key figures, churn, supplier actions and
early warnings."""

from __future__ import annotations

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import compute_kpis
from solver.facts.stability import stability_metrics
from solver.rules.costs import tardiness_coefficient, units_per_currency
from solver.rules.ranking import rank_orders
from solver.whatif.outcome import Move, Outcome
from solver.whatif.protect import completion
from solver.whatif.supplier_actions import supplier_actions
from solver.whatif.warnings import early_warnings


def attach_facts(
    outcome: Outcome, plant: Plant, baseline: Plan, plan: Plan, moves: list[Move]
) -> None:
    """Attach the proposal and everything the report shows about it."""
    outcome.plan = plan
    outcome.kpis = compute_kpis(plant, plan)
    outcome.moves = moves
    outcome.stability = stability_metrics(plant, plan, baseline)
    outcome.supplier_actions = supplier_actions(plant.grid, baseline, plan)
    harmed = [m.order for m in moves if m.cost > 0]
    if len(harmed) > 1:  # most answers harm nobody: rank only when there is an order to keep
        position = {r.order: k for k, r in enumerate(rank_orders(plant))}
        harmed.sort(key=lambda oid: position[oid])
    outcome.warnings = early_warnings(plant, plan, harmed)


def order_moves(
    plant: Plant, baseline: Plan, plan: Plan, limits: dict[str, int] | None = None
) -> list[Move]:
    """Orders whose completion (or whether they are made) differs from the baseline.

    ``limits`` (the protect rule's, ``whatif.protect``) mark which moves harm; a move's cost
    is its time beyond its limit (or, without one, its added lateness) at its priority weight.
    """
    limits = limits or {}
    before = {o.order: o for o in baseline.outcomes}
    weights = {r.order: r.weight for r in rank_orders(plant)}
    scale = units_per_currency(plant)
    moves = []
    for outcome in plan.outcomes:
        old = before.get(outcome.order)
        order = plant.orders[outcome.order]
        customer = plant.customers[order.customer]
        old_done = completion(old)
        new_done = completion(outcome)
        if old is not None and old_done == new_done and old.accepted == outcome.accepted:
            continue
        late_by = outcome.tardiness if outcome.accepted else 0
        limit = limits.get(outcome.order)
        if limit is not None and new_done is not None:
            added = max(0, new_done - limit)  # harm is judged at the protect limit
        else:
            old_late = old.tardiness if old is not None and old.accepted else 0
            added = max(0, late_by - old_late)
        moves.append(
            Move(
                outcome.order,
                customer.id,
                customer.tier,
                old_done,
                new_done,
                order.due,
                bool(old and old.accepted and old.tardiness > 0),
                bool(outcome.accepted and outcome.tardiness > 0),
                late_by,
                limit,
                tardiness_coefficient(plant, weights[outcome.order]) * added / scale,
            )
        )
    return moves


def order_names(moves: list[Move], shown: int = 5) -> str:
    """``A, B, C and 2 more``: the first ``shown`` orders of some moves."""
    names = ", ".join(m.order for m in moves[:shown])
    return names + (f" and {len(moves) - shown} more" if len(moves) > shown else "")
