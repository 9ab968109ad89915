"""Early warnings of a plan: the three levels of DOMAIN.md (seed 002): internal alert,
external risk notice, confirmed break.

An on-time order with less slack than ``alert_slack`` is an internal alert. A late order is
re-planned on a relaxed plant (overtime round the clock, expedites at no extra cost): if that
makes it on time, the warning is an external risk notice with the countermeasures that did it;
if not, a confirmed break.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from solver.domain.errors import SolveError
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.timegrid import format_duration, format_moment
from solver.facts.stability import Reference
from solver.input.loading import ALWAYS
from solver.solve.replanning import minimal_change
from solver.whatif.budget import budgeted

INTERNAL, EXTERNAL, BREAK = "internal alert", "external risk notice", "confirmed break"


@dataclass(frozen=True)
class Warning:
    """An early warning (DOMAIN.md, seed 002): internal alert, external risk, confirmed break."""

    level: str
    order: str
    customer: str
    message: str
    date: int | None = None
    countermeasures: tuple[str, ...] = ()


def early_warnings(plant: Plant, plan: Plan) -> list[Warning]:
    """Internal alerts (slack below ``alert_slack``), external risk notices and confirmed
    breaks, checked against a relaxed plant with every countermeasure allowed."""
    slack_limit = plant.grid.duration_ticks(plant.settings.alert_slack.total_seconds())
    warnings = []
    late = []
    for o in plan.outcomes:
        if not o.accepted or o.from_stock or o.completion is None:
            continue
        customer = plant.customers[plant.orders[o.order].customer].name
        if o.tardiness > 0:
            late.append(o)
        elif o.due - o.completion < slack_limit:
            warnings.append(
                Warning(
                    INTERNAL,
                    o.order,
                    customer,
                    f"on time with only {describe_span(plant, o.due - o.completion)} to spare",
                    o.completion,
                )
            )
    if late:
        warnings += _late_warnings(plant, plan, late)
    return warnings


def _late_warnings(plant: Plant, plan: Plan, late: list) -> list[Warning]:
    relaxed_plant = relax(plant).replace(settings=budgeted(plant, "warnings").settings)
    try:
        relaxed = minimal_change(relaxed_plant, plan, Reference(plan), [])
    except SolveError:
        relaxed = None
    out = []
    for o in late:
        customer = plant.customers[plant.orders[o.order].customer].name
        fixed = relaxed.outcome(o.order) if relaxed else None
        if fixed is not None and fixed.accepted and fixed.tardiness == 0:
            measures = tuple(countermeasures(plant, plan, relaxed, o.order))
            out.append(
                Warning(
                    EXTERNAL,
                    o.order,
                    customer,
                    f"planned {describe_span(plant, o.tardiness)} late; recoverable",
                    o.completion,
                    measures,
                )
            )
        else:
            out.append(
                Warning(
                    BREAK,
                    o.order,
                    customer,
                    f"late even with overtime, alternative resources and expedites: delivers "
                    f"{describe_moment(plant, o.completion)} instead of {describe_moment(plant, o.due)}",
                    o.completion,
                )
            )
    return out


def relax(plant: Plant) -> Plant:
    """Every countermeasure allowed: overtime round the clock, expedites at no extra cost."""
    resources = {rid: dataclasses.replace(r, calendar=ALWAYS) for rid, r in plant.resources.items()}
    suppliers = {}
    for sid, s in plant.suppliers.items():
        offers = {
            mid: dataclasses.replace(
                offer,
                modes=tuple(
                    dataclasses.replace(m, cost_per_unit=0.0, cost_per_shipment=0.0)
                    for m in offer.modes
                ),
            )
            for mid, offer in s.offers.items()
        }
        suppliers[sid] = dataclasses.replace(s, offers=offers)
    return plant.replace(resources=resources, suppliers=suppliers)


def countermeasures(plant: Plant, plan: Plan, relaxed: Plan, order_id: str) -> list[str]:
    """What the relaxed plan does differently for one order."""
    measures = []
    before = {s.step_index: s for s in plan.steps_of(order_id)}
    for step in relaxed.steps_of(order_id):
        windows = plant.availability[step.resource]
        if not step.pinned and not any(a <= step.start and step.end <= b for a, b in windows):
            measures.append(f"overtime on {step.resource} for {step.step}")
        old = before.get(step.step_index)
        if old is not None and old.resource != step.resource:
            measures.append(f"{step.step} on {step.resource} instead of {old.resource}")
    old_modes = {(s.material, s.source, s.mode) for s in plan.supplies if s.order == order_id}
    for s in relaxed.supplies:
        expedited = s.mode not in ("", "standard")
        if s.order == order_id and expedited and (s.material, s.source, s.mode) not in old_modes:
            measures.append(f"expedite {s.material} from {s.source} by {s.mode}")
    return measures or ["re-sequencing other orders"]


def describe_span(plant: Plant, ticks: int) -> str:
    """A number of ticks as ``2d 3h 15m``, for messages."""
    return format_duration(plant.grid.to_timedelta(ticks))


def describe_moment(plant: Plant, tick: int | None) -> str:
    """A tick as ``Tue 01 Dec 14:00`` (``never`` for None), for messages."""
    return "never" if tick is None else format_moment(plant.grid.to_datetime(tick))
