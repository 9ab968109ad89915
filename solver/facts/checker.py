"""An independent plan checker: lists every rule a plan breaks, without using CP-SAT.

Rules: the plan names only orders, resources and routing steps the plant has, each step once
and within the tick range; every order has one outcome, and every firm order is made; an
accepted order has each remaining step exactly once, in routing order, on an eligible
resource, for its full duration; minimum lags; release dates; steps inside one working window
of their resource (calendar and downtime); pins kept; capacity never exceeded; changeovers
between consecutive steps on machines with a matrix; nothing before
the plan start or after the horizon; the plan's reported outcomes agree with its steps; its
objective and every term agree with the ones recomputed from it; and the supply rules of
``supply_checker``.

Work in progress is exempt from the calendar and release rules, but only where the plant pins
it: a step the plan marks ``pinned`` is judged against ``plant.pins`` (plus ``allowed_pins``
from the caller), never taken at its word.

A malformed plan never raises here: whatever plan content names that the plant does not have
is a violation (``unknown``, ``routing``, ...). Malformed files are ``plan_file``'s (DataError).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from numbers import Real

from solver.domain.intervals import containing
from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plant import Pin, Plant
from solver.domain.timegrid import format_duration, format_when
from solver.facts.changeovers import setups
from solver.facts.kpis import objective_units
from solver.facts.stability import Reference
from solver.facts.supply_checker import check_supply
from solver.facts.violations import Violation
from solver.rules.costs import units_per_currency
from solver.supply import sources

__all__ = ["Violation", "check_plan", "states_objective"]

Pins = Mapping[tuple[str, int], Pin]


def check_plan(
    plant: Plant,
    plan: Plan,
    *,
    reference: Reference | None = None,
    allowed_pins: Pins | None = None,
) -> list[Violation]:
    """Every violation of the plant's rules in the plan (empty list = valid plan).

    Parameters
    ----------
    plant : Plant
        The plant the plan is judged on (for a what-if: the changed plant at ``now``, whose
        ``pins`` hold the work started before ``now`` and the frozen window).
    plan : Plan
    reference : Reference, optional
        The baseline the plan was made against (a what-if proposal made with the minimal-change
        cost: ``minimal_change``, strategies ``stable``, ``affected``, ``dispatch``,
        ``right_shift``). The plan must then state a ``stability`` term equal to the one
        recomputed against it. Without a reference the stability term cannot be recomputed:
        it is the only thing taken from the plan, and only if it is a whole, non-negative
        number of objective units; every other term (tardiness, declined, and with supply
        purchase, expedite, risk, holding) is always recomputed from the plant and the plan
        and must match exactly, as must ``objective_units`` and ``objective``. A plan stating
        no objective at all (no terms, objective 0: dispatch candidates and hand-made plans
        before ``with_objective``) has nothing to compare.
    allowed_pins : mapping, optional
        Pins beyond ``plant.pins`` that the caller made legitimate, keyed like ``plant.pins``
        ((order, step index) -> Pin): e.g. the frozen window of the ``frozen`` strategy, whose
        plant does not carry it. A step marked pinned that neither pins at its resource and
        start gets the calendar and release checks and a ``pin`` violation.

    Returns
    -------
    list of Violation
    """
    legit: dict[tuple[str, int], Pin] = {**(allowed_pins or {}), **plant.pins}
    violations: list[Violation] = []
    by_order: dict[str, list[ScheduledStep]] = defaultdict(list)
    for step in plan.steps:
        by_order[step.order].append(step)
    violations += _unknown_orders(plant, by_order)
    violations += _unknown_resources(plant, plan)
    outcomes, problems = _outcome_index(plant, plan)
    violations += problems
    for oid, order in plant.orders.items():
        outcome = outcomes.get(oid)
        if outcome is None:
            violations.append(
                Violation("outcome", oid, "", f"the plan states no outcome for order {oid}")
            )
        accepted = outcome.accepted if outcome else bool(by_order.get(oid))
        if not accepted:
            if not order.optional:
                violations.append(
                    Violation("declined-firm", oid, "", f"firm order {oid} is not made")
                )
            if by_order.get(oid):
                violations.append(
                    Violation(
                        "declined-firm", oid, "", f"declined order {oid} still has steps scheduled"
                    )
                )
            violations += _unmade_outcome(plant, oid, outcome)
            continue
        if outcome is not None and outcome.from_stock:
            violations += _unmade_outcome(plant, oid, outcome)
            continue  # shipped from finished goods: checked by check_supply
        steps = sorted(by_order.get(oid, []), key=lambda s: s.step_index)
        violations += _routing(plant, oid, steps, legit)
        violations += _outcome(plant, oid, steps, outcome)
    for step in plan.steps:
        if step.order in plant.orders:
            violations += _placement(plant, step, legit)
    violations += _pins(plant, plan, legit)
    violations += _capacity(plant, plan)
    violations += _changeovers(plant, plan)
    violations += check_supply(plant, plan)
    violations += _objective(plant, plan, reference, legit)
    return violations


def states_objective(plan: Plan) -> bool:
    """Whether the plan states an objective to check (terms, or a non-zero total)."""
    return bool(plan.terms) or plan.objective_units != 0 or plan.objective != 0


def _unknown_orders(plant: Plant, by_order: dict) -> list[Violation]:
    return [
        Violation("unknown", oid, "", f"plan schedules unknown order {oid}")
        for oid in by_order
        if oid not in plant.orders
    ]


def _unknown_resources(plant: Plant, plan: Plan) -> list[Violation]:
    return [
        Violation(
            "unknown",
            step.order,
            step.resource,
            f"{step.order}/{step.step} is on {step.resource}, which the plant does not have",
        )
        for step in plan.steps
        if step.resource not in plant.resources
    ]


def _outcome_index(plant: Plant, plan: Plan) -> tuple[dict, list[Violation]]:
    """Order -> its outcome; outcomes of unknown orders and repeated outcomes are violations."""
    out = []
    index = {}
    counts = Counter(o.order for o in plan.outcomes)
    for o in plan.outcomes:
        if o.order not in plant.orders:
            out.append(
                Violation(
                    "unknown", o.order, "", f"plan has an outcome for unknown order {o.order}"
                )
            )
        elif counts[o.order] > 1 and o.order not in index:
            out.append(
                Violation(
                    "outcome",
                    o.order,
                    "",
                    f"plan states {counts[o.order]} outcomes for {o.order}, one is expected",
                )
            )
        index.setdefault(o.order, o)
    return index, out


def _held_end(plant: Plant, step: ScheduledStep) -> int:
    """Where a held step ends (``Plant.held_end``: a pausing step pauses while pinned)."""
    return plant.held_end(step.order, step.step_index, step.resource, step.start)


def _is_pinned_here(legit: dict, step: ScheduledStep) -> bool:
    """The plant (or the caller) pins this very step at this resource and start."""
    pin = legit.get((step.order, step.step_index))
    return pin is not None and pin.resource == step.resource and pin.start == step.start


def _routing(plant: Plant, oid: str, steps: list[ScheduledStep], legit: dict) -> list[Violation]:
    """Each remaining step once, in order, with its lag; the first after release."""
    out = []
    expected = [index for index, _ in plant.remaining_steps(oid)]
    got = [s.step_index for s in steps]
    if got != expected:
        out.append(
            Violation(
                "routing", oid, "", f"order {oid} has steps {got}, expected each of {expected} once"
            )
        )
        return out
    if not steps:
        return out
    routing = plant.products[plant.orders[oid].product].routing
    for before, after in zip(steps, steps[1:], strict=False):
        lag = routing[before.step_index].min_lag
        if after.start < before.end + lag:
            out.append(
                Violation(
                    "precedence",
                    oid,
                    after.resource,
                    (
                        f"{oid}: step {after.step} starts at tick {after.start}, before step "
                        f"{before.step} ends at {before.end} plus lag {lag}"
                    ),
                )
            )
    first = steps[0]
    release = plant.orders[oid].release
    if first.start < release and not _is_pinned_here(legit, first):
        out.append(
            Violation(
                "release",
                oid,
                first.resource,
                f"{oid} starts at tick {first.start}, before its release {release}",
            )
        )
    return out


def _placement(plant: Plant, step: ScheduledStep, legit: dict) -> list[Violation]:
    """Eligible resource, full duration, inside one working window, within the horizon."""
    oid = step.order
    routing = plant.products[plant.orders[oid].product].routing
    if not 0 <= step.step_index < len(routing):
        return [
            Violation(
                "routing",
                oid,
                step.resource,
                f"{oid} has no step {step.step_index} (its routing has {len(routing)})",
            )
        ]
    if step.resource not in plant.resources:
        return []  # reported by _unknown_resources
    options = {o.resource: o for o in routing[step.step_index].options}
    option = options.get(step.resource)
    if option is None:
        return [
            Violation(
                "eligibility",
                oid,
                step.resource,
                f"{oid}/{step.step}: {step.resource} is not eligible ({sorted(options)})",
            )
        ]
    out = []
    held = _is_pinned_here(legit, step)
    pausing = plant.pausing(oid, step.step_index)
    size = plant.duration(oid, option)
    if held:
        end = _held_end(plant, step)
    else:
        end = plant.work_end(step.resource, step.start, size) if pausing else step.start + size
    if pausing and end is None:
        out.append(
            Violation(
                "calendar",
                oid,
                step.resource,
                f"{oid}/{step.step} on {step.resource} starts at {step.start}, outside working "
                "time, or its work does not end within the horizon",
            )
        )
    elif step.end != end:
        needs = (
            f"{end - step.start} (work {size} and the breaks it pauses over)" if pausing else size
        )
        out.append(
            Violation(
                "duration",
                oid,
                step.resource,
                (
                    f"{oid}/{step.step} on {step.resource} lasts {step.end - step.start} ticks, "
                    f"needs {needs}"
                ),
            )
        )
    if step.start < 0 and not held:
        out.append(
            Violation(
                "horizon",
                oid,
                step.resource,
                f"{oid}/{step.step} starts at tick {step.start}, before the plan start (tick 0)",
            )
        )
    if step.end > plant.horizon:
        out.append(
            Violation(
                "horizon",
                oid,
                step.resource,
                f"{oid}/{step.step} ends at {step.end}, after the horizon {plant.horizon}",
            )
        )
    if (
        not held
        and not pausing
        and not containing(plant.availability[step.resource], step.start, step.end)
    ):
        out.append(
            Violation(
                "calendar",
                oid,
                step.resource,
                (
                    f"{oid}/{step.step} on {step.resource} [{step.start}, {step.end}) is not inside one "
                    "working window (shift break, closure or downtime)"
                ),
            )
        )
    return out


def _outcome(plant: Plant, oid: str, steps: list[ScheduledStep], outcome) -> list[Violation]:
    if outcome is None or not steps:
        return []
    due = plant.orders[oid].due
    completion = steps[-1].end
    tardiness = max(0, completion - due)
    if outcome.completion != completion or outcome.tardiness != tardiness or outcome.due != due:
        return [
            Violation(
                "outcome",
                oid,
                "",
                (
                    f"{oid}: plan reports completion {outcome.completion}, due {outcome.due} and "
                    f"tardiness {outcome.tardiness}; its steps and the plant give {completion}, "
                    f"{due} and {tardiness}"
                ),
            )
        ]
    return []


def _unmade_outcome(plant: Plant, oid: str, outcome) -> list[Violation]:
    """A declined order, or one shipped from stock, completes nothing and is never late."""
    if outcome is None:
        return []
    due = plant.orders[oid].due
    if outcome.completion is not None or outcome.tardiness != 0 or outcome.due != due:
        what = "shipped from stock" if outcome.accepted else "declined"
        return [
            Violation(
                "outcome",
                oid,
                "",
                (
                    f"{oid} is {what}: plan reports completion {outcome.completion}, due "
                    f"{outcome.due} and tardiness {outcome.tardiness}; expected none, {due} and 0"
                ),
            )
        ]
    return []


def _pins(plant: Plant, plan: Plan, legit: dict) -> list[Violation]:
    """Every plant pin kept; every step marked pinned pinned there by the plant (or caller)."""
    placed = {(s.order, s.step_index): s for s in plan.steps}
    out = []
    for key, pin in plant.pins.items():
        step = placed.get(key)
        if step is None or step.resource != pin.resource or step.start != pin.start:
            where = "missing" if step is None else f"{step.resource} at tick {step.start}"
            out.append(
                Violation(
                    "pin",
                    pin.order,
                    pin.resource,
                    (
                        f"{pin.order} step {pin.step} is pinned to {pin.resource} at tick {pin.start}, "
                        f"plan has {where}"
                    ),
                )
            )
    for step in plan.steps:
        if step.pinned and not _is_pinned_here(legit, step):
            pin = legit.get((step.order, step.step_index))
            there = (
                "" if pin is None else f" (it pins this step to {pin.resource} at tick {pin.start})"
            )
            out.append(
                Violation(
                    "pin",
                    step.order,
                    step.resource,
                    (
                        f"{step.order}/{step.step} is marked pinned on {step.resource} at tick "
                        f"{step.start}, but the plant has no work in progress there{there}"
                    ),
                )
            )
    return out


def _capacity(plant: Plant, plan: Plan) -> list[Violation]:
    """Sweep each resource's events: load never above capacity less partial downtime."""
    out = []
    events: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for step in plan.steps:
        if step.resource in plant.resources:  # unknown resources: see _unknown_resources
            events[step.resource].append((step.start, 1, step.order))
            events[step.resource].append((step.end, -1, step.order))
    for rid, resource in plant.resources.items():
        for down in resource.downtime:
            if down.units is not None and down.units < resource.capacity:
                events[rid].append((down.start, down.units, "downtime"))
                events[rid].append((down.end, -down.units, "downtime"))
    for rid, items in events.items():
        capacity = plant.resources[rid].capacity
        load = 0
        # Ends before starts at the same tick: back-to-back steps do not overlap.
        for tick, delta, _ in sorted(items, key=lambda e: (e[0], e[1])):
            load += delta
            if load > capacity:
                out.append(
                    Violation(
                        "capacity",
                        "",
                        rid,
                        (f"{rid} runs {load} steps at tick {tick}, capacity {capacity}"),
                    )
                )
                break
    return out


def _changeovers(plant: Plant, plan: Plan) -> list[Violation]:
    """On machines with a matrix, each step starts after the changeover from the one before."""
    out = []
    grid = plant.grid
    for setup in setups(plant, plan):
        if not setup.short:
            continue
        before = "a kept step" if not setup.before[0] else "/".join(setup.before)
        after = "a kept step" if not setup.after[0] else "/".join(setup.after)
        out.append(
            Violation(
                "changeover",
                setup.after[0],
                setup.resource,
                f"on {setup.resource}, {after} ({setup.families[1]}) starts "
                f"{format_when(grid.to_datetime(setup.start))}, "
                f"{format_duration(grid.to_timedelta(setup.start - setup.end))} after {before} "
                f"({setup.families[0]}) ends; the changeover takes "
                f"{format_duration(grid.to_timedelta(setup.ticks))}",
            )
        )
    return out


# --- The objective -------------------------------------------------------------------------


def _objective(
    plant: Plant, plan: Plan, reference: Reference | None, legit: dict
) -> list[Violation]:
    """The plan's objective and terms against the ones recomputed from it (see check_plan)."""
    if not states_objective(plan):
        return []
    missing = _unrecomputable(plant, plan)
    if missing:
        return [
            _objective_violation(
                f"the objective cannot be recomputed: the plan refers to {missing} "
                "(see the other violations)"
            )
        ]
    scale = units_per_currency(plant)
    # Stability is charged on every step but real pins: a step marked pinned the plant does
    # not pin must not escape it.
    judged = dataclasses.replace(
        plan,
        steps=tuple(
            dataclasses.replace(s, pinned=_is_pinned_here(legit, s))
            if s.pinned != _is_pinned_here(legit, s)
            else s
            for s in plan.steps
        ),
    )
    expected = objective_units(plant, judged, None, reference)
    out = []
    stated = dict(plan.terms)
    if reference is None and "stability" in stated:
        units = _as_units(stated["stability"], scale)
        if units is None or units < 0:
            out.append(
                _objective_violation(
                    f"the plan states a stability term of {stated['stability']!r}, not a whole, "
                    "non-negative number of objective units"
                )
            )
            return out
        expected["stability"] = units  # only checkable against a reference: taken as stated
    currency = f" {plant.currency}" if plant.currency else ""
    for name in sorted(expected.keys() | stated.keys()):
        if name not in stated:
            out.append(
                _objective_violation(
                    f"the plan states no {name} term; recomputed from the plan it is "
                    f"{expected[name] / scale:,.2f}{currency}"
                )
            )
        elif name not in expected:
            out.append(
                _objective_violation(
                    f"the plan states a {name} term ({_money(stated[name])}{currency}) the "
                    "objective does not have"
                )
            )
        elif _as_units(stated[name], scale) != expected[name]:
            out.append(
                _objective_violation(
                    f"the plan states {name} {_money(stated[name])}{currency}, recomputed from "
                    f"the plan it is {expected[name] / scale:,.6g}{currency}"
                )
            )
    total = sum(expected.values())
    if plan.objective_units != total:
        out.append(
            _objective_violation(
                f"the plan states objective_units {plan.objective_units}, recomputed from the "
                f"plan it is {total}"
            )
        )
    if _as_units(plan.objective, scale) != total:
        out.append(
            _objective_violation(
                f"the plan states objective {_money(plan.objective)}{currency}, recomputed from "
                f"the plan it is {total / scale:,.6g}{currency}"
            )
        )
    return out


def _objective_violation(message: str) -> Violation:
    return Violation("objective", "", "", message)


def _as_units(value: object, scale: int) -> int | None:
    """Money as whole objective units, or None if it is no number or not a whole unit."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        return None
    units = float(value) * scale
    nearest = round(units)
    # Terms are written as units / scale: multiplying back is within float rounding of whole.
    if abs(units - nearest) > 1e-6 * max(1.0, abs(units)):
        return None
    return nearest


def _money(value: object) -> str:
    if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
        return f"{value:,.6g}"
    return repr(value)


def _unrecomputable(plant: Plant, plan: Plan) -> str:
    """What the plan names that ``objective_units`` would need from the plant and cannot find."""
    for o in plan.outcomes:
        if o.order not in plant.orders:
            return f"unknown order {o.order}"
    if not sources.has_supply(plant):
        return ""
    draws = sources.draw_starts(plant, plan)
    for s in plan.supplies:
        if s.source == sources.STOCK:
            if s.material not in plant.materials:
                return f"unknown material {s.material}"
            if (s.order, s.material) not in draws:
                return f"stock drawn by {s.order}, which has no steps"
        elif not _has_mode(plant, s.source, s.material, s.mode):
            return f"no {s.mode!r} offer of {s.material} from {s.source}"
    for p in plan.purchases:
        if not _has_mode(plant, p.supplier, p.material, p.mode):
            return f"no {p.mode!r} offer of {p.material} from {p.supplier}"
    return ""


def _has_mode(plant: Plant, supplier: str, material: str, mode: str) -> bool:
    found = plant.suppliers.get(supplier)
    offer = found.offers.get(material) if found else None
    return offer is not None and any(m.name == mode for m in offer.modes)
