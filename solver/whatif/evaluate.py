"""What-if: a proposed change against the baseline plan, and the verdict a planner gives.

For each change set (the change as asked, and each variant):

1. the plant is brought to ``now`` under the baseline (``rolling``), the changes are applied
   (``changes``), and baseline steps in the frozen window are pinned;
2. the proposal is solved with minimal change: the baseline as reference (stability cost),
   a complete hint from inserting the changed orders into the baseline, a time limit;
3. customer changes get a verdict under the promise rule (``protect``, ``whatif.protect``):
   ACCEPT (a plan meets every asked date and harms no other order), ACCEPT WITH DATE (the
   dates that harm no one, from a solve that minimises the worst slip beyond the asked dates,
   then the asked orders' completions) or ACCEPT AS ASKED (meeting the asked dates displaces
   other orders, and that costs less by the plan's own objective than the slip would), or
   REJECT (refused at intake, beyond capacity, no harmless date in the horizon, or costing
   more than it earns); disruptions get an impact assessment;
4. early warnings, net supplier actions, moved and dropped orders and KPI deltas describe the
   proposal.
"""

from __future__ import annotations

import dataclasses
import hashlib

from solver.changes.apply import CUSTOMER_KINDS, Applied, apply_changes
from solver.changes.rolling import freeze, roll_to
from solver.changes.scenario import Scenario
from solver.domain.errors import SolveError
from solver.domain.mapping import Mapper, serial
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.provenance import combined_hash, stamp
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis
from solver.facts.stability import Reference
from solver.input.feasibility import earliest_finish
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.solve.replanning import minimal_change
from solver.solve.search import plan as solve_plan
from solver.strategies.base import Strategy
from solver.supply import sources
from solver.whatif.budget import budgeted
from solver.whatif.moves import attach_facts, order_moves, order_names
from solver.whatif.outcome import (
    ACCEPT,
    ACCEPT_AS_ASKED,
    ACCEPT_WITH_DATE,
    IMPACT,
    REJECT,
    Evaluation,
    Move,
    Option,
    Outcome,
    SupplierAction,
)
from solver.whatif.protect import protect_limits, rule_text
from solver.whatif.verdict import answer_customer_change

__all__ = [
    "ACCEPT",
    "ACCEPT_AS_ASKED",
    "ACCEPT_WITH_DATE",
    "IMPACT",
    "REJECT",
    "Evaluation",
    "Move",
    "Option",
    "Outcome",
    "SupplierAction",
    "evaluate",
    "evaluate_changes",
    "order_moves",
]


def _file_hashes(scenario: Scenario) -> list[str]:
    """sha256 of the scenario file and of its baseline plan file, when it names one."""
    paths = [scenario.path] + ([scenario.baseline_path] if scenario.baseline_path else [])
    return [hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]


def evaluate(
    scenario: Scenario,
    overrides: dict | None = None,
    strategy: Strategy | None = None,
    *,
    book: tuple[Plant, Plan | None] | None = None,
    mapper: Mapper = serial,
) -> Evaluation:
    """Evaluate every change set of a scenario against its baseline.

    Every solve of the what-if, the baseline's included, uses the model's settings overridden
    by the scenario's and then by ``overrides``; ``overrides["baseline_time_limit"]`` gives a
    solved baseline a time limit of its own. A given baseline (the scenario's ``baseline:``
    file, or ``book``) is used as it is.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict, optional
        Settings from the command line (over the scenario's, over the model's), and
        ``baseline_time_limit``.
    strategy : Strategy, optional
        How the proposal is re-planned; minimal change (``stable``) by default.
    book : (Plant, Plan or None), optional
        The plant to evaluate on instead of the scenario's model file, and its baseline (the
        released plan carried onto today's book by the daily loop); a None baseline is solved.
    mapper : Mapper, optional
        Runs the change sets (the change as asked and each variant), which are independent
        once the baseline is known: one after the other by default, on Dask workers with
        ``solver.dask_work``.

    Returns
    -------
    Evaluation
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    baseline_limit = overrides.pop("baseline_time_limit", None)
    if book is None:
        plant = load_plant(scenario.model_path, overrides)
        given = None if scenario.baseline_path is None else load_plan(scenario.baseline_path, plant)
        source = str(scenario.baseline_path)
    else:
        plant, given = book
        source = "the released plan"
    plant = plant.with_settings(**{**scenario.data.settings, **overrides})
    plant = plant.replace(settings=plant.settings.resolved(deterministic_by_default=True))
    baseline_solved = given is None
    if baseline_solved:
        baseline = solve_plan(baseline_budget(plant, baseline_limit))
    else:
        baseline = given
        violations = check_plan(plant, baseline)
        if violations:
            raise SolveError(f"baseline {source} breaks the model's rules: {violations[0]}")
    now = 0 if scenario.now is None else max(0, plant.grid.floor(scenario.now))
    pieces = [
        (plant, baseline, now, name, changes, str(scenario.path), prefix, strategy)
        for name, prefix, changes in scenario.change_sets()
    ]
    outcomes = mapper(_evaluate_piece, pieces)
    made_from = combined_hash(plant.input_hash, *_file_hashes(scenario))
    for outcome in outcomes:
        if outcome.plan is not None:
            outcome.plan = stamp(outcome.plan, outcome.plant or plant, made_from)
    return Evaluation(
        scenario, plant, baseline, baseline_solved, compute_kpis(plant, baseline), now, outcomes
    )


def _evaluate_piece(piece: tuple) -> Outcome:
    """``evaluate_changes`` on one tuple of its arguments: a module-level function, so that
    Dask can send it to a worker process."""
    return evaluate_changes(*piece)


def baseline_budget(plant: Plant, limit: float | None) -> Plant:
    """The plant with the baseline's own time limit, when one is given."""
    if limit is None:
        return plant
    explicit = plant.settings.deterministic_time is not None
    return plant.with_settings(time_limit=limit, deterministic_time=limit if explicit else None)


def evaluate_changes(
    plant: Plant,
    baseline: Plan,
    now: int,
    name: str,
    changes: list,
    file: str = "",
    prefix: str = "changes",
    strategy: Strategy | None = None,
) -> Outcome:
    """One change set: apply, re-plan with minimal change, give the verdict and the facts."""
    settings = plant.settings
    rolled = roll_to(plant, baseline, now)
    applied = apply_changes(rolled, changes, now, file, prefix)
    asked = list(applied.asked)
    customer_change = any(c.kind in CUSTOMER_KINDS for c in changes)
    outcome = Outcome(
        name,
        IMPACT,
        "",
        asked=asked,
        cancelled=applied.cancelled,
        disruptions=applied.disruptions,
        protect=settings.protect,
        protect_tolerance=plant.grid.duration_ticks(settings.protect_tolerance.total_seconds()),
    )
    if applied.intake:
        order, reasons = next(iter(applied.intake.items()))
        outcome.verdict = REJECT
        outcome.reason = f"{order} is refused at intake: {'; '.join(reasons)}."
        return outcome
    fence = plant.grid.duration_ticks(settings.frozen.total_seconds())
    changed = _asked_firm(applied)
    changed = freeze(changed, baseline, now, fence, set(asked) | set(applied.cancelled))
    outcome.plant = changed
    outcome.asked_dates = {o: changed.orders[o].due for o in asked}
    beyond = [o for o in asked if _beyond_reach(changed, o)]
    if beyond:
        outcome.verdict = REJECT
        outcome.reason = (
            f"{beyond[0]} is beyond what the plant and its suppliers can deliver within the "
            "horizon; negotiate a smaller quantity or a later date."
        )
        return outcome
    reference = Reference(baseline, frozenset(asked))
    limits = protect_limits(changed, baseline, asked)
    try:
        budget = budgeted(changed, "proposal")
        if strategy is None:
            proposal = minimal_change(budget, baseline, reference, asked)
        else:
            proposal = strategy.replan(budget, baseline, now, asked)
    except SolveError:
        outcome.verdict = REJECT if asked else IMPACT
        outcome.reason = (
            f"{', '.join(asked)} cannot be made within the horizon."
            if asked
            else "No plan makes every firm order after this change" + _why_infeasible(changed)
        )
        return outcome
    outcome.approvals = _credit_approvals(changed, proposal, asked)
    moves = order_moves(changed, baseline, proposal, limits)
    if customer_change and asked:
        return answer_customer_change(
            outcome, changed, baseline, reference, proposal, moves, limits, changes, now
        )
    attach_facts(outcome, changed, baseline, proposal, moves)
    harmed = [m for m in moves if m.harmed and m.order not in applied.cancelled]
    if applied.cancelled and not asked and not applied.disruptions:
        # A cancellation is always acceptable (the baseline without it harms no one); the
        # proposal may still trade lateness between orders, and then says whom it moves.
        earlier = [m for m in moves if m.later_by is not None and m.later_by < 0]
        outcome.verdict = ACCEPT
        outcome.reason = (
            f"Cancelling {', '.join(applied.cancelled)} frees capacity: {len(earlier)} order(s) "
            f"finish earlier, and {rule_text(changed)}."
            if not harmed
            else f"Cancelling {', '.join(applied.cancelled)}; the re-plan moves "
            f"{len(harmed)} order(s) beyond what the promise rule allows "
            f"({order_names(harmed)}) to make the plan cheaper overall."
        )
        return outcome
    outcome.verdict = IMPACT
    outcome.reason = _impact_reason(changed, outcome, moves)
    return outcome


def _impact_reason(plant: Plant, outcome: Outcome, moves: list[Move]) -> str:
    """The headline of a disruption: dropped orders first, then newly late ones."""
    dropped = outcome.dropped
    newly_late = [m for m in moves if m.late_after and not m.late_before]
    parts = []
    if dropped:
        parts.append(
            f"{len(dropped)} order(s) are no longer made ({order_names(dropped)}): declined, "
            "counted as harm"
        )
    if newly_late:
        parts.append(
            f"{len(newly_late)} order(s) now miss their due date ({order_names(newly_late)})"
        )
    if parts:
        return "; ".join(parts) + "; the proposal is the best recovery found."
    later = [m for m in moves if m.later_by is not None and m.later_by > 0]
    return f"No order misses its due date; {len(later)} order(s) finish later than planned."


def _why_infeasible(plant: Plant) -> str:
    """The first reason found why the firm orders cannot all be made, as a sentence ending."""
    for oid, order in plant.orders.items():
        if not order.optional and _beyond_reach(plant, oid):
            return f": {oid} cannot be finished within the horizon even alone."
    need: dict[str, int] = {}
    for oid, order in plant.orders.items():
        if not order.optional and not sources.may_ship_from_stock(plant, oid):
            for material, quantity in sources.requirements(plant, oid).items():
                need[material] = need.get(material, 0) + quantity
    for material, quantity in sorted(need.items()):
        mat = plant.materials[material]
        offered = [s for s in plant.suppliers.values() if material in s.offers]
        if not offered and quantity > mat.stock + sum(r.quantity for r in mat.receipts):
            held = mat.stock + sum(r.quantity for r in mat.receipts)
            return (
                f": firm orders need {quantity} {material}, stock and receipts hold {held} "
                "and no supplier offers it."
            )
    return " (capacity, calendars and supply together leave no room)."


def _asked_firm(applied: Applied) -> Plant:
    """Orders a customer asks for are planned as firm: the verdict is about making them."""
    plant = applied.plant
    orders = dict(plant.orders)
    for oid in applied.asked:
        orders[oid] = dataclasses.replace(orders[oid], status="firm")
    return plant.replace(orders=orders)


def _beyond_reach(plant: Plant, order_id: str) -> bool:
    """Cannot finish within the horizon even alone on an empty plant (materials included)."""
    finish = earliest_finish(plant, order_id)
    return finish is None or finish > plant.horizon


def _made(plan: Plan) -> set[str]:
    return {o.order for o in plan.outcomes if o.accepted}


def _credit_approvals(plant: Plant, plan: Plan, asked: list[str]) -> list[str]:
    """Asked orders that take their customer past its credit limit."""
    notes = []
    made = _made(plan)
    for oid in asked:
        customer = plant.customers[plant.orders[oid].customer]
        if customer.credit_limit is None:
            continue
        exposure = sum(
            o.price * o.quantity
            for o in plant.orders.values()
            if o.customer == customer.id and o.id in made
        )
        if exposure > customer.credit_limit:
            notes.append(
                f"{oid} takes {customer.name} to {exposure:,.0f} {plant.currency} of open orders, "
                f"over its credit limit {customer.credit_limit:,.0f}: needs approval"
            )
    return notes
