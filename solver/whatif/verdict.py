"""The verdict on a customer change: ACCEPT, ACCEPT AS ASKED, ACCEPT WITH DATE or REJECT.

The promise rule (``whatif.protect``) gives every other order its limit. A plan that meets
every asked date within those limits is an ACCEPT. Otherwise the promise solve
(``solve.promising``) sets the dates that keep the limits, and the as-asked option (the
proposal, or a solve with the asked dates as hard limits) is weighed against it on the plan's
own objective: ACCEPT AS ASKED when displacing others costs less than the slip, ACCEPT WITH
DATE otherwise, REJECT when no date keeps the limits or the plan costs more than the change
earns. An as-asked plan that costs more than the change earns gives way to the date when the
dated plan pays: a planner offers a date before refusing an order.
"""

from __future__ import annotations

import dataclasses

from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.rules.costs import units_per_currency
from solver.rules.ranking import order_margin, rank_orders
from solver.solve.promising import Promised, promise_dates
from solver.solve.promising import as_asked as as_asked_plan
from solver.solve.replanning import kept_baseline
from solver.whatif.binding import binding_cause
from solver.whatif.budget import budgeted
from solver.whatif.moves import attach_facts, order_moves, order_names
from solver.whatif.outcome import (
    ACCEPT,
    ACCEPT_AS_ASKED,
    ACCEPT_WITH_DATE,
    AS_ASKED,
    REJECT,
    WITH_DATE,
    Move,
    Option,
    Outcome,
)
from solver.whatif.protect import completion, judged, option_cost, protect_limits, rule_text
from solver.whatif.warnings import describe_moment, describe_span


def answer_customer_change(
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
        promised = promise_dates(budgeted(plant, "promise"), baseline, reference, asked, limits)
    except SolveError:
        promised = None
    if promised is not None and promised.worst_slip == 0:
        dated_moves = order_moves(plant, baseline, promised.plan, limits)
        _accept(outcome, plant, baseline, promised.plan, dated_moves)
        return _unless_unprofitable(outcome, baseline, margin)
    options = []
    met = (
        proposal
        if on_time
        else as_asked_plan(budgeted(plant, "as_asked"), baseline, reference, asked, proposal)
    )
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
        answered = _as_asked(outcome, plant, baseline, as_asked, with_date, met_moves, margin)
        if answered.verdict != REJECT:
            return flag_close_call(answered, plant, as_asked, with_date)
        # As asked it costs more than it earns; the date may still pay, and is then the answer.
        as_asked_delta = answered.cost_delta
        as_asked.recommended, with_date.recommended = False, True
        outcome.options = sorted(options, key=lambda o: not o.recommended)
        dated = _with_date(outcome, plant, baseline, reference, promised, with_date, harm, margin)
        if dated.verdict != REJECT:
            dated.reason += (
                f" As asked it would cost {as_asked_delta:,.2f} {plant.currency} more than the "
                f"baseline, more than it earns (margin {margin:,.2f})."
            )
        return dated
    dated = _with_date(outcome, plant, baseline, reference, promised, with_date, harm, margin)
    return flag_close_call(dated, plant, as_asked, with_date)


def flag_close_call(
    outcome: Outcome, plant: Plant, as_asked: Option | None, with_date: Option
) -> Outcome:
    """Say so when the recommendation between the two options is a close call.

    Both costs are the best plans a short search found, not proven least; within
    ``close_call_share`` of each other, a little more search time can turn the
    recommendation (the demo's whole rush, 1.8 % apart, answered AS ASKED, WITH DATE and AS
    ASKED again as the what-if's time limit grew from 2 to 12 s).

    Parameters
    ----------
    outcome : Outcome
        The answered outcome (AS ASKED or WITH DATE); other verdicts are returned as they are.
    plant : Plant
        Its settings give the share, and its currency the text.
    as_asked, with_date : Option
        The two options weighed; without an as-asked option there was no choice to make.

    Returns
    -------
    Outcome
        ``outcome``, with ``close_call`` set and a sentence added to its reason when close.
    """
    if as_asked is None or outcome.verdict not in (ACCEPT_AS_ASKED, ACCEPT_WITH_DATE):
        return outcome
    gap = abs(as_asked.cost - with_date.cost)
    larger = max(abs(as_asked.cost), abs(with_date.cost))
    share = plant.settings.close_call_share
    if larger == 0 or gap >= share * larger:
        return outcome
    outcome.close_call = True
    outcome.reason += (
        f" A close call: the two options differ by {gap:,.2f} {plant.currency} "
        f"({gap / larger:.1%}); both are the best plans found within the time limit, not "
        "proven least, so more search time may turn the recommendation."
    )
    return outcome


def _accept(outcome: Outcome, plant: Plant, baseline: Plan, plan: Plan, moves: list[Move]) -> None:
    """ACCEPT: a plan meets every asked date and harms no one (the plan itself proves it)."""
    outcome.verdict = ACCEPT
    _promise(outcome, _completions(plan, outcome.asked), 0, True, MET)
    outcome.reason = (
        f"{', '.join(outcome.asked)} can be made by {describe_moment(plant, outcome.promise)}, "
        f"on time, and {rule_text(plant)}."
    )
    attach_facts(outcome, plant, baseline, plan, moves)


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
    _promise(outcome, as_asked.promises, 0, True, MET)
    attach_facts(outcome, plant, baseline, as_asked.plan, moves)
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
    if promised.dates_proven:
        proven = "the worst slip and the dates are the least possible (solve optimal)"
    elif promised.worst_slip_proven:
        proven = "the worst slip is the least possible"
    else:
        proven = ""
    _promise(outcome, with_date.promises, promised.worst_slip, promised.worst_slip_proven, proven)
    # The proposal promises these dates: judge its lateness and warnings against them.
    promised_plant, dated = _promised(plant, promised.plan, outcome.promises, reference)
    outcome.plant = promised_plant
    limits = protect_limits(plant, baseline, outcome.asked)
    attach_facts(
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
    attach_facts(outcome, plant, baseline, proposal, moves)
    outcome.options = options
    outcome.verdict = REJECT
    outcome.reason = (
        f"{', '.join(outcome.asked)} can only be made by harming {len(harm)} other order(s) "
        f"({order_names(harm)}), and no date within the horizon avoids that (rule: {rule_text(plant)})."
    )
    return outcome


MET = "every asked date is met: the plan shows it"


def _promise(
    outcome: Outcome, promises: dict[str, int], worst_slip: int, proven: bool, what: str
) -> None:
    """The dates an answer promises, the latest of them, and what was proven about them."""
    outcome.promises = dict(promises)
    outcome.promise = max(promises.values())
    outcome.worst_slip = worst_slip
    outcome.promise_proven = proven
    outcome.proven = what


def _completions(plan: Plan, asked: list[str]) -> dict[str, int]:
    return {o: completion(plan.outcome(o)) or 0 for o in asked}


def _dates_text(plant: Plant, asked_dates: dict[str, int], promises: dict[str, int]) -> str:
    """``RUSH-1 Fri 27 Nov 10:10 (asked Thu 26 Nov 24:00, +10h 10m)`` per asked order."""
    parts = []
    for oid, promise in promises.items():
        asked = asked_dates[oid]
        slip = promise - asked
        extra = f", +{describe_span(plant, slip)}" if slip > 0 else ", on time"
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
                f"{m.order} ({m.customer}, tier {m.tier}) {describe_span(plant, m.after - m.limit)} past "
                "its protected date"
            )
    more = f" and {len(harm) - shown} more" if len(harm) > shown else ""
    return f"{len(harm)} other order(s): " + ", ".join(parts) + more


def _on_time(plan: Plan, order_id: str) -> bool:
    outcome = plan.outcome(order_id)
    return outcome is not None and outcome.accepted and outcome.tardiness == 0


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


def _cost_delta(plant: Plant, baseline: Plan, proposal: Plan) -> float:
    """Money the proposal costs beyond the baseline, stability excluded (same weights)."""
    weights = {r.order: r.weight for r in rank_orders(plant)}
    scale = units_per_currency(plant)
    new = sum(objective_units(plant, proposal, weights).values())
    old = sum(objective_units(plant, kept_baseline(plant, baseline), weights).values())
    return (new - old) / scale
