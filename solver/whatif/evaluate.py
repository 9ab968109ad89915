"""What-if: a proposed change against the baseline plan, and the verdict a planner gives.

For each change set (the change as asked, and each variant):

1. the plant is brought to ``now`` under the baseline (``rolling``), the changes are applied
   (``changes``), and baseline steps in the frozen window are pinned;
2. the proposal is solved with minimal change: the baseline as reference (stability cost),
   a complete hint from inserting the changed orders into the baseline, a time limit;
3. customer changes get a verdict: ACCEPT (as asked, and no other order later than in the
   baseline), ACCEPT WITH DATE (the earliest completion that delays no one, from a solve that
   minimises it under that condition) or REJECT (incomplete, beyond capacity, infeasible in
   the horizon, or costing more than it earns); disruptions get an impact assessment;
4. early warnings, supplier actions, moved orders and KPI deltas describe the proposal.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

from solver.changes.apply import CUSTOMER_KINDS, Applied, apply_changes
from solver.changes.rolling import freeze, roll_to
from solver.changes.scenario import Scenario
from solver.domain.errors import SolveError
from solver.domain.plan import Plan, Purchase
from solver.domain.plant import Plant
from solver.domain.provenance import combined_hash, stamp
from solver.facts.checker import check_plan
from solver.facts.kpis import Kpis, compute_kpis, objective_units
from solver.facts.stability import Reference, Stability, stability_metrics
from solver.input.feasibility import earliest_finish
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.rules.costs import units_per_currency
from solver.rules.ranking import order_margin, rank_orders
from solver.solve.replanning import minimal_change
from solver.solve.search import plan as solve_plan
from solver.strategies.base import Strategy
from solver.supply import sources
from solver.whatif.warnings import Warning, describe_moment, early_warnings

ACCEPT, ACCEPT_WITH_DATE, REJECT, IMPACT = "ACCEPT", "ACCEPT WITH DATE", "REJECT", "IMPACT"


@dataclass(frozen=True)
class Move:
    """An order whose completion differs from the baseline (ticks; None = not made)."""

    order: str
    customer: str
    tier: str
    before: int | None
    after: int | None
    due: int
    late_before: bool
    late_after: bool

    @property
    def later_by(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class SupplierAction:
    action: str  # buy, expedite, no longer needed
    purchase: Purchase


@dataclass
class Outcome:
    """The evaluation of one change set."""

    name: str
    verdict: str
    reason: str
    plant: Plant | None = None
    plan: Plan | None = None
    kpis: Kpis | None = None
    promise: int | None = None  # latest completion of the asked orders
    promises: dict[str, int] = field(default_factory=dict)  # per asked order
    promise_proven: bool = False  # the date solve proved no earlier date exists
    asked: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    disruptions: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    harmed_as_asked: list[Move] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    supplier_actions: list[SupplierAction] = field(default_factory=list)
    approvals: list[str] = field(default_factory=list)
    stability: Stability | None = None
    cost_delta: float | None = None


@dataclass
class Evaluation:
    scenario: Scenario
    plant: Plant
    baseline: Plan
    baseline_solved: bool
    baseline_kpis: Kpis
    now: int
    outcomes: list[Outcome]

    @property
    def best(self) -> Outcome | None:
        """The variant with the lowest objective among those not rejected."""
        candidates = [o for o in self.outcomes if o.verdict != REJECT and o.plan is not None]
        return min(candidates, key=lambda o: o.plan.objective, default=None)

    @property
    def exit_code(self) -> int:
        """0 accept or no order harmed, 3 accept with date or orders harmed, 4 reject."""
        first = self.outcomes[0]
        if first.verdict == REJECT:
            return 4
        if first.verdict == ACCEPT_WITH_DATE:
            return 3
        if first.verdict == IMPACT and any(m.late_after and not m.late_before for m in first.moves):
            return 3
        return 0


_MACHINE = ("deterministic", "deterministic_time", "wall_cap_factor")


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
) -> Evaluation:
    """Evaluate every change set of a scenario against its baseline.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict, optional
        Settings from the command line (over the scenario's, over the model's).
    strategy : Strategy, optional
        How the proposal is re-planned; minimal change (``stable``) by default.
    book : (Plant, Plan or None), optional
        The plant to evaluate on instead of the scenario's model file, and its baseline (the
        released plan carried onto today's book by the daily loop); a None baseline is solved.

    Returns
    -------
    Evaluation
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    # The baseline is the model's own plan: solved with the model's settings, only the machine
    # settings (workers, seed, determinism) from the command line and the scenario; the
    # what-if solves use the scenario's settings. Both repeat by default.
    machine = {
        k: v
        for k, v in {**scenario.data.settings, **overrides}.items()
        if k in _MACHINE or (k in ("workers", "seed") and k in overrides)
    }
    if book is None:
        plant = load_plant(scenario.model_path, machine)
        given = None if scenario.baseline_path is None else load_plan(scenario.baseline_path, plant)
        source = str(scenario.baseline_path)
    else:
        plant, given = book
        plant = plant.replace(settings=plant.settings.with_overrides(**machine))
        source = "the released plan"
    plant = plant.replace(settings=plant.settings.resolved(deterministic_by_default=True))
    baseline_solved = given is None
    if baseline_solved:
        baseline = solve_plan(plant)
    else:
        baseline = given
        violations = check_plan(plant, baseline)
        if violations:
            raise SolveError(f"baseline {source} breaks the model's rules: {violations[0]}")
    settings = plant.settings.with_overrides(**{**scenario.data.settings, **overrides})
    plant = plant.replace(settings=settings)
    now = 0 if scenario.now is None else max(0, plant.grid.floor(scenario.now))
    outcomes = [
        evaluate_changes(plant, baseline, now, name, changes, str(scenario.path), prefix, strategy)
        for name, prefix, changes in scenario.change_sets()
    ]
    made_from = combined_hash(plant.input_hash, *_file_hashes(scenario))
    for outcome in outcomes:
        if outcome.plan is not None:
            outcome.plan = stamp(outcome.plan, outcome.plant or plant, made_from)
    return Evaluation(
        scenario, plant, baseline, baseline_solved, compute_kpis(plant, baseline), now, outcomes
    )


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
    beyond = [o for o in asked if _beyond_reach(changed, o)]
    if beyond:
        outcome.verdict = REJECT
        outcome.reason = (
            f"{beyond[0]} is beyond what the plant and its suppliers can deliver within the "
            "horizon; negotiate a smaller quantity or a later date."
        )
        return outcome
    reference = Reference(baseline, frozenset(asked))
    try:
        if strategy is None:
            proposal = minimal_change(changed, baseline, reference, asked)
        else:
            proposal = strategy.replan(changed, baseline, now, asked)
    except SolveError:
        outcome.verdict = REJECT if asked else IMPACT
        outcome.reason = (
            f"{', '.join(asked)} cannot be made within the horizon."
            if asked
            else "No plan makes every firm order after this change" + _why_infeasible(changed)
        )
        return outcome
    outcome.approvals = _credit_approvals(changed, proposal, asked)
    moves = order_moves(changed, baseline, proposal)
    harmed = [m for m in moves if m.order not in asked and _later(m)]
    asked_late = [o for o in asked if not _on_time(proposal, o)]
    if customer_change and asked:
        earns = any(c.kind in ("add_order", "change_quantity", "change_product") for c in changes)
        margin = sum(order_margin(changed, changed.orders[o]) for o in asked) if earns else None
        if not harmed and not asked_late:
            outcome.verdict = ACCEPT
            outcome.promises = {o: proposal.outcome(o).completion or 0 for o in asked}
            outcome.promise = max(outcome.promises.values())
            outcome.reason = (
                f"{', '.join(asked)} can be made by {describe_moment(changed, outcome.promise)}, on time, "
                "and no other order finishes later than in the baseline."
            )
            _finish(outcome, changed, baseline, proposal, moves)
            return _unless_unprofitable(outcome, baseline, margin)
        _with_date(outcome, changed, baseline, reference, proposal, moves, harmed)
        return _unless_unprofitable(outcome, baseline, margin)
    _finish(outcome, changed, baseline, proposal, moves)
    if applied.cancelled and not asked and not applied.disruptions:
        earlier = [m for m in moves if m.later_by is not None and m.later_by < 0]
        outcome.verdict = ACCEPT
        outcome.reason = (
            f"Cancelling {', '.join(applied.cancelled)} frees capacity: {len(earlier)} order(s) "
            "finish earlier and none later."
            if not harmed
            else f"Cancelling {', '.join(applied.cancelled)}; {len(harmed)} order(s) move later."
        )
        return outcome
    newly_late = [m for m in moves if m.late_after and not m.late_before]
    outcome.verdict = IMPACT
    outcome.reason = (
        f"{len(newly_late)} order(s) now miss their due date ("
        + ", ".join(m.order for m in newly_late[:5])
        + ("..." if len(newly_late) > 5 else "")
        + "); the proposal is the best recovery found."
        if newly_late
        else f"No order misses its due date; {len(harmed)} order(s) finish later than planned."
    )
    return outcome


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


def _on_time(plan: Plan, order_id: str) -> bool:
    outcome = plan.outcome(order_id)
    return outcome is not None and outcome.accepted and outcome.tardiness == 0


def _later(move: Move) -> bool:
    return move.after is None or (move.before is not None and move.after > move.before)


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


def _with_date(
    outcome: Outcome,
    plant: Plant,
    baseline: Plan,
    reference: Reference,
    as_asked: Plan,
    moves: list[Move],
    harmed: list[Move],
) -> Outcome:
    """ACCEPT WITH DATE: the earliest completion of the asked orders that delays no one."""
    asked = outcome.asked
    limits = {
        o.order: _completion(o)
        for o in baseline.outcomes
        if _completion(o) is not None and o.order not in asked and o.order in plant.orders
    }
    outcome.harmed_as_asked = harmed
    try:
        dated = minimal_change(plant, baseline, reference, asked, limits=limits, earliest=asked)
    except SolveError:
        _finish(outcome, plant, baseline, as_asked, moves)
        outcome.verdict = REJECT
        outcome.reason = (
            f"{', '.join(asked)} can only be made by making {len(harmed)} other order(s) later "
            "than planned, and no date within the horizon avoids that."
        )
        return outcome
    outcome.promises = {o: dated.outcome(o).completion or 0 for o in asked}
    outcome.promise = promise = max(outcome.promises.values())
    outcome.promise_proven = dated.status == "OPTIMAL"
    if all(outcome.promises[o] <= plant.orders[o].due for o in asked):
        _finish(outcome, plant, baseline, dated, order_moves(plant, baseline, dated))
        outcome.verdict = ACCEPT
        outcome.reason = (
            f"{', '.join(asked)} can be made by {describe_moment(plant, promise)}, on time, and no other "
            "order finishes later than in the baseline."
        )
        return outcome
    outcome.verdict = ACCEPT_WITH_DATE
    # The proposal promises that date: judge its lateness and warnings against it.
    plant, dated = _promised(plant, dated, outcome.promises, reference)
    outcome.plant = plant
    _finish(outcome, plant, baseline, dated, order_moves(plant, baseline, dated))
    if harmed:
        who = ", ".join(f"{m.order} ({m.customer})" for m in harmed[:3])
        why = f"as asked it would make {len(harmed)} other order(s) later ({who})"
    else:
        why = "it cannot be made by its due date"
    dates = ", ".join(f"{o} {describe_moment(plant, t)}" for o, t in outcome.promises.items())
    earliest = (
        "the earliest dates that delay no other order"
        if outcome.promise_proven
        else "the earliest dates found that delay no other order (not proven earliest within "
        "the time limit)"
    )
    outcome.reason = f"Offer {dates}: {why}; these are {earliest}."
    return outcome


def _unless_unprofitable(outcome: Outcome, baseline: Plan, margin: float | None) -> Outcome:
    """REJECT an accepted order whose plan costs more than the order earns.

    The cost is the plan's objective beyond the baseline's (stability excluded) on the same
    weights: lateness it causes, purchases, expedites and holding. With a promised date the
    asked order is judged against that date, so only costs no date can avoid count.
    """
    if outcome.verdict == REJECT or outcome.plan is None or outcome.plant is None:
        return outcome
    outcome.cost_delta = _cost_delta(outcome.plant, baseline, outcome.plan)
    if margin is not None and outcome.cost_delta > margin:
        accepted_as = outcome.verdict
        outcome.verdict = REJECT
        outcome.reason = (
            f"{', '.join(outcome.asked)} costs {outcome.cost_delta:,.2f} "
            f"{outcome.plant.currency} more than the baseline even {'as asked' if accepted_as == ACCEPT else 'at the earliest harmless date'}, "
            f"more than it earns (margin {margin:,.2f})."
        )
    return outcome


def _promised(
    plant: Plant, plan: Plan, promises: dict[str, int], reference: Reference
) -> tuple[Plant, Plan]:
    """The plant with the asked orders due at the promised dates, and the plan judged on it."""
    asked = list(promises)
    orders = dict(plant.orders)
    for oid, promise in promises.items():
        orders[oid] = dataclasses.replace(orders[oid], due=max(orders[oid].due, promise))
    promised = plant.replace(orders=orders)
    outcomes = tuple(
        dataclasses.replace(
            o,
            due=promised.orders[o.order].due,
            tardiness=max(0, o.completion - promised.orders[o.order].due),
        )
        if o.order in asked and o.completion is not None
        else o
        for o in plan.outcomes
    )
    plan = dataclasses.replace(plan, outcomes=outcomes)
    terms = objective_units(promised, plan, None, reference)
    scale = units_per_currency(promised)
    return promised, dataclasses.replace(
        plan,
        objective=sum(terms.values()) / scale,
        objective_units=sum(terms.values()),
        terms={k: v / scale for k, v in terms.items()},
    )


def _finish(outcome: Outcome, plant: Plant, baseline: Plan, plan: Plan, moves: list[Move]) -> None:
    """Attach the proposal and everything the report shows about it."""
    outcome.plan = plan
    outcome.kpis = compute_kpis(plant, plan)
    outcome.moves = moves
    outcome.stability = stability_metrics(plant, plan, baseline)
    outcome.supplier_actions = supplier_actions(baseline, plan)
    outcome.warnings = early_warnings(plant, plan)


def order_moves(plant: Plant, baseline: Plan, plan: Plan) -> list[Move]:
    """Orders whose completion (or whether they are made) differs from the baseline."""
    before = {o.order: o for o in baseline.outcomes}
    moves = []
    for outcome in plan.outcomes:
        old = before.get(outcome.order)
        order = plant.orders[outcome.order]
        customer = plant.customers[order.customer]
        old_done = _completion(old)
        new_done = _completion(outcome)
        if old is not None and old_done == new_done and old.accepted == outcome.accepted:
            continue
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
            )
        )
    return moves


def _completion(outcome) -> int | None:
    if outcome is None or not outcome.accepted:
        return None
    return 0 if outcome.from_stock else outcome.completion


def _cost_delta(plant: Plant, baseline: Plan, proposal: Plan) -> float:
    """Money the proposal costs beyond the baseline, stability excluded (same weights)."""
    weights = {r.order: r.weight for r in rank_orders(plant)}
    scale = units_per_currency(plant)
    new = sum(objective_units(plant, proposal, weights).values())
    kept = dataclasses.replace(
        baseline,
        outcomes=tuple(o for o in baseline.outcomes if o.order in plant.orders),
        supplies=tuple(s for s in baseline.supplies if s.order in plant.orders),
    )
    old = sum(objective_units(plant, kept, weights).values())
    return (new - old) / scale


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


def supplier_actions(baseline: Plan, plan: Plan) -> list[SupplierAction]:
    """New purchases (expedites marked) and baseline purchases no longer needed."""

    def key(p: Purchase) -> tuple:
        return (p.supplier, p.material, p.mode, p.arrival, p.quantity)

    old = {key(p) for p in baseline.purchases}
    new = {key(p) for p in plan.purchases}
    actions = [
        SupplierAction("expedite" if p.mode != "standard" else "buy", p)
        for p in plan.purchases
        if key(p) not in old
    ]
    actions += [
        SupplierAction("no longer needed", p) for p in baseline.purchases if key(p) not in new
    ]
    return actions
