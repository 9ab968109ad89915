"""Early warnings of a plan: the three levels of DOMAIN.md (seed 002): internal alert,
external risk notice, confirmed break.

An on-time order with less slack than ``alert_slack`` is an internal alert. A late order is
re-planned on a relaxed plant (overtime round the clock, expedites at no extra cost, every
order free to move): every lever of ``explain.levers`` at once. If that makes it on time, the
warning is an external risk notice; if not, a confirmed break (no lever, nor all of them
together, can save it). For the orders the change harms (at most ``warning_levers``, highest
ranked first) the levers are also priced one by one, as ``replan explain`` prices them. A
confirmed break needs a reason: every lever priced (and all at once) without success, or the
order late even alone with every hour open and the fastest supply. An external risk notice
lists the cheapest levers that restore the date, or what the relaxed plan did for the order
(overtime hours and their price), or, when neither found a way, says that ``replan explain``
prices its levers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from solver.domain.errors import SolveError
from solver.domain.intervals import clip
from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.domain.timegrid import format_duration, format_moment
from solver.explain.alone import earliest_alone
from solver.explain.levers import Lever, overtime_rate, price_levers
from solver.facts.stability import Reference
from solver.input.loading import ALWAYS
from solver.solve.dispatch import Timeline
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
    levers: tuple[Lever, ...] = ()  # priced one by one (harmed orders only)


def early_warnings(plant: Plant, plan: Plan, harmed: Sequence[str] = ()) -> list[Warning]:
    """Internal alerts (slack below ``alert_slack``), external risk notices and confirmed
    breaks, checked against a relaxed plant with every countermeasure allowed.

    Parameters
    ----------
    plant, plan : Plant, Plan
    harmed : sequence of str
        Orders a change makes late or later, highest ranked first: the first
        ``settings.warning_levers`` of them that are late get their levers priced.

    Returns
    -------
    list of Warning
    """
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
        warnings += _late_warnings(plant, plan, late, harmed)
    return warnings


def _late_warnings(plant: Plant, plan: Plan, late: list, harmed: Sequence[str]) -> list[Warning]:
    loose = relax(plant)
    try:
        relaxed = minimal_change(
            loose.replace(settings=budgeted(plant, "warnings").settings), plan, Reference(plan), []
        )
    except SolveError:
        relaxed = None
    priced = _priced(plant, late, harmed)
    alone = _AloneOnRelaxed(loose)
    out = []
    for o in late:
        customer = plant.customers[plant.orders[o.order].customer].name
        fixed = relaxed.outcome(o.order) if relaxed else None
        recovered = fixed is not None and fixed.accepted and fixed.tardiness == 0
        levers = tuple(price_levers(plant, plan, o.order)) if o.order in priced else ()
        # The two cheapest: the rest are in the JSON and in `replan explain`.
        restoring = [lever_text(plant, lever) for lever in levers if lever.on_time][:2]
        if restoring or recovered:
            measures = tuple(restoring)
            if not measures:
                # Every lever at once restored it, no single one did: what the relaxed plan
                # did is still the way back.
                measures = tuple(countermeasures(plant, plan, relaxed, o.order))
                measures += ("no single lever is enough",) if levers else ()
            message = f"planned {describe_span(plant, o.tardiness)} late; recoverable"
            out.append(
                Warning(EXTERNAL, o.order, customer, message, o.completion, measures, levers)
            )
        elif o.order in priced or alone.late(o.order):
            how = (
                "each lever priced, and all at once"
                if o.order in priced
                else "even alone, with every hour open and the fastest supply"
            )
            message = (
                f"late even with overtime, alternative resources and expedites ({how}): "
                f"delivers {describe_moment(plant, o.completion)} instead of "
                f"{describe_moment(plant, o.due)}"
            )
            out.append(Warning(BREAK, o.order, customer, message, o.completion, (), levers))
        else:
            # Not proven lost: the quick all-at-once check found nothing in its share of
            # the time, and its levers were not priced one by one (``warning_levers``).
            message = (
                f"planned {describe_span(plant, o.tardiness)} late; the quick check found no "
                f"countermeasure: replan explain prices its levers"
            )
            out.append(Warning(EXTERNAL, o.order, customer, message, o.completion))
    return out


class _AloneOnRelaxed:
    """Whether an order is late even alone on the relaxed plant (every hour open, the fastest
    supply, from the plan start): then no lever, nor all of them, can bring it back. One
    empty ``Timeline`` serves every order asked about."""

    def __init__(self, loose: Plant):
        self.loose = loose
        self.timeline: Timeline | None = None

    def late(self, order_id: str) -> bool:
        self.timeline = self.timeline or Timeline(self.loose)
        done = earliest_alone(self.loose, order_id, timeline=self.timeline)
        return done is None or done > self.loose.orders[order_id].due


def _priced(plant: Plant, late: list, harmed: Sequence[str]) -> set[str]:
    """The late orders whose levers are priced one by one: those the change harms (highest
    ranked first), at most ``warning_levers``. Orders late before the change are not: pricing
    costs 0.1-0.2 s per order on the demo and 1.8-3 s at 200 orders, too much for an answer on
    the phone, and their levers are ``replan explain``'s to give."""
    late_ids = {o.order for o in late}
    return set([oid for oid in harmed if oid in late_ids][: plant.settings.warning_levers])


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


def lever_text(plant: Plant, lever: Lever) -> str:
    """A priced lever as one countermeasure: what to do and what it costs."""
    return f"{lever.action}: {lever.cost:,.2f} {plant.currency}".rstrip()


def countermeasures(plant: Plant, plan: Plan, relaxed: Plan, order_id: str) -> list[str]:
    """What the relaxed plan does differently for one order; overtime with its hours (the
    step's time outside the resource's working hours) and their price."""
    measures = []
    before = {s.step_index: s for s in plan.steps_of(order_id)}
    hours_per_tick = plant.grid.resolution.total_seconds() / 3600
    for step in relaxed.steps_of(order_id):
        windows = plant.availability[step.resource]
        if not step.pinned and not any(a <= step.start and step.end <= b for a, b in windows):
            inside = sum(end - start for start, end in clip(windows, step.start, step.end))
            hours = round((step.end - step.start - inside) * hours_per_tick, 2)
            rate = overtime_rate(plant, step.resource)
            measures.append(
                f"overtime on {step.resource} for {step.step}: {hours:g} h, "
                f"{hours * rate:,.2f} {plant.currency}".rstrip()
            )
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
