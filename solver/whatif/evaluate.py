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
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.provenance import combined_hash, stamp
from solver.domain.timegrid import format_duration
from solver.facts.checker import check_plan
from solver.facts.kpis import compute_kpis, objective_units
from solver.facts.stability import Reference, stability_metrics
from solver.input.feasibility import earliest_finish
from solver.input.loading import load_plant
from solver.input.plan_file import load_plan
from solver.rules.costs import tardiness_coefficient, units_per_currency
from solver.rules.ranking import order_margin, rank_orders
from solver.solve.promising import Promised, promise_dates
from solver.solve.promising import as_asked as as_asked_plan
from solver.solve.replanning import minimal_change
from solver.solve.search import plan as solve_plan
from solver.strategies.base import Strategy
from solver.supply import sources
from solver.whatif.binding import binding_cause
from solver.whatif.outcome import (
    ACCEPT,
    ACCEPT_AS_ASKED,
    ACCEPT_WITH_DATE,
    AS_ASKED,
    IMPACT,
    REJECT,
    WITH_DATE,
    Evaluation,
    Move,
    Option,
    Outcome,
    SupplierAction,
)
from solver.whatif.protect import completion, judged, option_cost, protect_limits, rule_text
from solver.whatif.supplier_actions import supplier_actions
from solver.whatif.warnings import describe_moment, early_warnings

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
    moves = order_moves(changed, baseline, proposal, limits)
    if customer_change and asked:
        return _answer(outcome, changed, baseline, reference, proposal, moves, limits, changes, now)
    _finish(outcome, changed, baseline, proposal, moves)
    harmed = [m for m in moves if m.harmed and m.order not in applied.cancelled]
    if applied.cancelled and not asked and not applied.disruptions and not harmed:
        earlier = [m for m in moves if m.later_by is not None and m.later_by < 0]
        outcome.verdict = ACCEPT
        outcome.reason = (
            f"Cancelling {', '.join(applied.cancelled)} frees capacity: {len(earlier)} order(s) "
            f"finish earlier, and {rule_text(changed)}."
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
            f"{len(dropped)} order(s) are no longer made ({_names(dropped)}): declined, "
            "counted as harm"
        )
    if newly_late:
        parts.append(f"{len(newly_late)} order(s) now miss their due date ({_names(newly_late)})")
    if parts:
        return "; ".join(parts) + "; the proposal is the best recovery found."
    later = [m for m in moves if m.later_by is not None and m.later_by > 0]
    return f"No order misses its due date; {len(later)} order(s) finish later than planned."


def _names(moves: list[Move], shown: int = 5) -> str:
    names = ", ".join(m.order for m in moves[:shown])
    return names + (f" and {len(moves) - shown} more" if len(moves) > shown else "")


def _answer(
    outcome: Outcome,
    plant: Plant,
    baseline: Plan,
    reference: Reference,
    proposal: Plan,
    moves: list[Move],
    limits: dict[str, int],
    changes: list,
    now: int,
) -> Outcome:
    """The verdict on a customer change: accept, a date, as asked at others' cost, or reject."""
    asked = outcome.asked
    earns = any(c.kind in ("add_order", "change_quantity", "change_product") for c in changes)
    margin = sum(order_margin(plant, plant.orders[o]) for o in asked) if earns else None
    outcome.change_value = margin
    harm = [m for m in moves if m.order not in asked and m.harmed]
    on_time = all(_on_time(proposal, o) for o in asked)
    if on_time and not harm:
        _accept(outcome, plant, baseline, proposal, moves)
        return _unless_unprofitable(outcome, baseline, margin)
    weights = {r.order: r.weight for r in rank_orders(plant)}
    try:
        promised = promise_dates(plant, baseline, reference, asked, limits)
    except SolveError:
        promised = None
    if promised is not None and promised.worst_slip == 0:
        dated_moves = order_moves(plant, baseline, promised.plan, limits)
        _accept(outcome, plant, baseline, promised.plan, dated_moves)
        return _unless_unprofitable(outcome, baseline, margin)
    options = []
    met = proposal if on_time else as_asked_plan(plant, baseline, reference, asked)
    if met is not None:
        met_moves = moves if met is proposal else order_moves(plant, baseline, met, limits)
        harm = [m for m in met_moves if m.order not in asked and m.harmed]
        cost = option_cost(plant, met, baseline, limits, weights)
        options.append(Option(AS_ASKED, met, _completions(met, asked), 0, harm, cost))
    outcome.harmed_as_asked = harm
    if promised is None:
        return _reject_no_date(outcome, plant, baseline, proposal, moves, harm, options)
    with_date = Option(
        WITH_DATE,
        promised.plan,
        _completions(promised.plan, asked),
        promised.worst_slip,
        [],
        option_cost(plant, promised.plan, baseline, limits, weights),
    )
    options.append(with_date)
    outcome.binding = [
        binding_cause(plant, promised.plan, o, now)
        for o in asked
        if with_date.promises[o] > outcome.asked_dates[o]
    ]
    as_asked = options[0] if options[0].name == AS_ASKED else None
    # Displacing others is recommended only when strictly cheaper than the slip, by the
    # objective the plan minimises (priority-weighted lateness, purchases, expedites).
    chosen = as_asked if as_asked is not None and as_asked.cost < with_date.cost else with_date
    chosen.recommended = True
    outcome.options = sorted(options, key=lambda o: not o.recommended)
    if chosen is as_asked:
        return _as_asked(outcome, plant, baseline, as_asked, with_date, met_moves, margin)
    return _with_date(outcome, plant, baseline, reference, promised, with_date, harm, margin)


def _accept(outcome: Outcome, plant: Plant, baseline: Plan, plan: Plan, moves: list[Move]) -> None:
    """ACCEPT: a plan meets every asked date and harms no one (the plan itself proves it)."""
    outcome.verdict = ACCEPT
    outcome.promises = _completions(plan, outcome.asked)
    outcome.promise = max(outcome.promises.values())
    outcome.worst_slip = 0
    outcome.promise_proven = True
    outcome.proven = "every asked date is met: the plan shows it"
    outcome.reason = (
        f"{', '.join(outcome.asked)} can be made by {describe_moment(plant, outcome.promise)}, "
        f"on time, and {rule_text(plant)}."
    )
    _finish(outcome, plant, baseline, plan, moves)


def _as_asked(
    outcome: Outcome,
    plant: Plant,
    baseline: Plan,
    as_asked: Option,
    with_date: Option,
    moves: list[Move],
    margin: float | None,
) -> Outcome:
    """ACCEPT AS ASKED: meeting the asked dates costs less than the slip a date would."""
    outcome.verdict = ACCEPT_AS_ASKED
    outcome.promises = dict(as_asked.promises)
    outcome.promise = max(outcome.promises.values())
    outcome.worst_slip = 0
    outcome.promise_proven = True
    outcome.proven = "every asked date is met: the plan shows it"
    _finish(outcome, plant, baseline, as_asked.plan, moves)
    currency = plant.currency
    outcome.reason = (
        f"Accept as asked: {', '.join(outcome.asked)} by {describe_moment(plant, outcome.promise)}"
        f" displaces {_harm_text(plant, as_asked.harm)}; that costs {as_asked.cost:,.2f} "
        f"{currency}, less than the {with_date.cost:,.2f} {currency} of offering "
        f"{_dates_text(plant, outcome.asked_dates, with_date.promises)} instead, by the ranking's "
        "weights."
    )
    return _unless_unprofitable(outcome, baseline, margin)


def _with_date(
    outcome: Outcome,
    plant: Plant,
    baseline: Plan,
    reference: Reference,
    promised: Promised,
    with_date: Option,
    harm: list[Move],
    margin: float | None,
) -> Outcome:
    """ACCEPT WITH DATE: the dates that protect every other order."""
    outcome.verdict = ACCEPT_WITH_DATE
    outcome.promises = dict(with_date.promises)
    outcome.promise = max(outcome.promises.values())
    outcome.worst_slip = promised.worst_slip
    outcome.promise_proven = promised.worst_slip_proven
    if promised.dates_proven:
        outcome.proven = "the worst slip and the dates are the least possible (solve optimal)"
    elif promised.worst_slip_proven:
        outcome.proven = "the worst slip is the least possible"
    # The proposal promises these dates: judge its lateness and warnings against them.
    promised_plant, dated = _promised(plant, promised.plan, outcome.promises, reference)
    outcome.plant = promised_plant
    limits = protect_limits(plant, baseline, outcome.asked)
    _finish(
        outcome,
        promised_plant,
        baseline,
        dated,
        order_moves(promised_plant, baseline, dated, limits),
    )
    if harm:
        why = f"as asked it would harm {_harm_text(plant, harm)}"
    else:
        why = "it cannot be made by the asked date"
    earliest = (
        "the earliest possible"
        if outcome.promise_proven
        else "the earliest found (not proven earliest within the time limit)"
    )
    outcome.reason = (
        f"Offer {_dates_text(plant, outcome.asked_dates, outcome.promises)}: {why}; these dates "
        f"are {earliest} while {rule_text(plant)}."
    )
    return _unless_unprofitable(outcome, baseline, margin)


def _reject_no_date(
    outcome: Outcome,
    plant: Plant,
    baseline: Plan,
    proposal: Plan,
    moves: list[Move],
    harm: list[Move],
    options: list[Option],
) -> Outcome:
    """REJECT: no date in the horizon makes the asked orders without harming another."""
    _finish(outcome, plant, baseline, proposal, moves)
    outcome.options = options
    outcome.verdict = REJECT
    outcome.reason = (
        f"{', '.join(outcome.asked)} can only be made by harming {len(harm)} other order(s) "
        f"({_names(harm)}), and no date within the horizon avoids that (rule: {rule_text(plant)})."
    )
    return outcome


def _completions(plan: Plan, asked: list[str]) -> dict[str, int]:
    return {o: completion(plan.outcome(o)) or 0 for o in asked}


def _dates_text(plant: Plant, asked_dates: dict[str, int], promises: dict[str, int]) -> str:
    """``RUSH-1 Fri 27 Nov 10:10 (asked Thu 26 Nov 24:00, +10h 10m)`` per asked order."""
    parts = []
    for oid, promise in promises.items():
        asked = asked_dates[oid]
        slip = promise - asked
        extra = f", +{_span(plant, slip)}" if slip > 0 else ", on time"
        parts.append(
            f"{oid} {describe_moment(plant, promise)} (asked {describe_moment(plant, asked)}{extra})"
        )
    return "; ".join(parts)


def _harm_text(plant: Plant, harm: list[Move], shown: int = 3) -> str:
    """``2 other order(s): SO-1 (Beta, tier C) 1h late, ...`` with how much each suffers."""
    parts = []
    for m in harm[:shown]:
        if m.dropped:
            parts.append(f"{m.order} ({m.customer}, tier {m.tier}) dropped")
        else:
            parts.append(
                f"{m.order} ({m.customer}, tier {m.tier}) {_span(plant, m.after - m.limit)} past "
                "its protected date"
            )
    more = f" and {len(harm) - shown} more" if len(harm) > shown else ""
    return f"{len(harm)} other order(s): " + ", ".join(parts) + more


def _span(plant: Plant, ticks: int) -> str:
    return format_duration(plant.grid.to_timedelta(ticks))


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
        how = "at the earliest harmless date" if accepted_as == ACCEPT_WITH_DATE else "as asked"
        outcome.reason = (
            f"{', '.join(outcome.asked)} costs {outcome.cost_delta:,.2f} "
            f"{outcome.plant.currency} more than the baseline even {how}, "
            f"more than it earns (margin {margin:,.2f})."
        )
    return outcome


def _promised(
    plant: Plant, plan: Plan, promises: dict[str, int], reference: Reference
) -> tuple[Plant, Plan]:
    """The plant with the asked orders due at the promised dates, and the plan judged on it."""
    dues = {oid: max(plant.orders[oid].due, promise) for oid, promise in promises.items()}
    promised, plan = judged(plant, plan, dues)
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
    outcome.supplier_actions = supplier_actions(plant.grid, baseline, plan)
    outcome.warnings = early_warnings(plant, plan)


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
