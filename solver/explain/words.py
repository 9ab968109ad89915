"""An explanation in words: one phrase per cause, a headline per order."""

from __future__ import annotations

from solver.domain.plant import Plant
from solver.domain.timegrid import format_duration, format_moment
from solver.explain.causes import (
    Busy,
    CalendarWait,
    Cause,
    DowntimeWait,
    Idle,
    Lag,
    MaterialWait,
    Pinned,
    Release,
    ResourceWait,
)
from solver.explain.chain import ChainLink, OrderExplanation
from solver.rules.ranking import order_margin
from solver.supply.sources import STOCK

SHOWN_ORDERS = 4  # orders named in a resource wait before "and N more"


def moment(plant: Plant, tick: int, start: bool = False) -> str:
    """``Tue 01 Dec 14:00``; an end at midnight reads 24:00 of the day before."""
    return format_moment(plant.grid.to_datetime(tick), start=start)


def span(plant: Plant, ticks: int) -> str:
    """``1d 3h 15m``."""
    return format_duration(plant.grid.to_timedelta(ticks))


def describe(plant: Plant, cause: Cause) -> str:
    """One phrase for a cause, e.g. ``AOI busy with SO-1017 (ACME) from ... to ...``."""
    if isinstance(cause, ResourceWait):
        text = (
            f"{cause.resource} busy with {_orders(cause.busy)} from "
            f"{moment(plant, cause.start, True)} to {moment(plant, cause.end, True)}"
        )
        return text + (f" ({span(plant, cause.closed)} of it off shift)" if cause.closed else "")
    if isinstance(cause, CalendarWait):
        closed = "closed" if cause.closure else "off shift"
        text = (
            f"{cause.resource} {closed} ({cause.calendar}) from "
            f"{moment(plant, cause.closed_from, True)} to {moment(plant, cause.closed_to, True)}"
        )
        if cause.start < cause.closed_from:  # ready in the shift, but too late to finish it
            text += ", and the step would not finish before it closes"
        return text
    if isinstance(cause, DowntimeWait):
        units = "" if cause.units is None else f"{cause.units} unit(s) of "
        return (
            f"{units}{cause.resource} down ({cause.reason}) from "
            f"{moment(plant, cause.down_from, True)} to {moment(plant, cause.down_to, True)}"
        )
    if isinstance(cause, MaterialWait):
        return f"{cause.quantity} {cause.material} {_source(cause)}, arriving " + moment(
            plant, cause.arrival, True
        )
    if isinstance(cause, Idle):
        return (
            f"{cause.resource} free from {moment(plant, cause.start, True)}: nothing in the "
            "plant held the step (the plan could start it earlier)"
        )
    if isinstance(cause, Lag):
        return f"its minimum lag of {span(plant, cause.lag)} after {cause.after}"
    if isinstance(cause, Release):
        return f"the order's release at {moment(plant, cause.release, True)}"
    if isinstance(cause, Pinned):
        return "work in progress, held where it runs"
    return "no wait: its own processing"


def _orders(busy: tuple[Busy, ...], shown: int = SHOWN_ORDERS) -> str:
    names = list(dict.fromkeys(f"{b.order} ({b.customer})" for b in busy))
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _source(wait: MaterialWait) -> str:
    if wait.source != STOCK:
        return f"bought from {wait.supplier} ({wait.mode or 'standard'})"
    if not wait.receipt and wait.supplier:
        return f"from stock, the minimum-order surplus of a shipment from {wait.supplier}"
    receipt = f"receipt {wait.receipt}" if wait.receipt else "a receipt"
    return f"from stock, {receipt}" + (f" from {wait.supplier}" if wait.supplier else "")


def brief(plant: Plant, cause: Cause) -> str:
    """A cause in a few words, for a table row that shows the resource, ready and start."""
    if isinstance(cause, ResourceWait):
        closed = f"; {span(plant, cause.closed)} of the wait off shift" if cause.closed else ""
        return f"busy with {_orders(cause.busy)}{closed}"
    if isinstance(cause, CalendarWait):
        closed = "closed" if cause.closure else "off shift"
        late = " (too little of the shift left)" if cause.start < cause.closed_from else ""
        return (
            f"{closed} {moment(plant, cause.closed_from, True)} to "
            f"{moment(plant, cause.closed_to, True)}{late}"
        )
    if isinstance(cause, DowntimeWait):
        return (
            f"down ({cause.reason}) {moment(plant, cause.down_from, True)} to "
            f"{moment(plant, cause.down_to, True)}"
        )
    if isinstance(cause, Idle):
        return "free, yet not started (the plan could start it earlier)"
    if isinstance(cause, Lag):
        return f"minimum lag {span(plant, cause.lag)}"
    if isinstance(cause, Release):
        return f"released {moment(plant, cause.release, True)}"
    if isinstance(cause, Pinned):
        return "work in progress"
    if isinstance(cause, MaterialWait):
        return describe(plant, cause)
    return "no wait"


def link_brief(plant: Plant, link: ChainLink) -> str:
    """The causes of one step in a few words each, ``kind: words``, in time order."""
    return "; then ".join(f"{c.kind}: {brief(plant, c)}" for c in link.causes)


def link_cause(plant: Plant, link: ChainLink) -> str:
    """The causes of one step in full, ``kind: phrase``, in time order (the JSON's text)."""
    return "; then ".join(f"{c.kind}: {describe(plant, c)}" for c in link.causes)


def binding_cause(plant: Plant, explanation: OrderExplanation) -> str:
    """The step that sets the order's completion and its main cause (the wait that held it
    longest), in one short line for the "why late" table."""
    link = explanation.binding_link
    if not explanation.chain:
        return _unmade(plant, explanation)
    if link is None:
        alone = "; late even alone" if explanation.late_alone else ""
        return f"work: its own work and calendars from {_since(plant, explanation)}{alone}"
    if link.cause.kind == "pinned":
        return f"{link.step} on {link.resource}: pinned, work in progress"
    main = link.cause
    if isinstance(main, ResourceWait):
        what = f"busy with {_orders(main.busy, shown=2)}"
    elif isinstance(main, CalendarWait):
        what = (
            f"{'closed' if main.closure else 'off shift'} {moment(plant, main.closed_from, True)}"
            f" to {moment(plant, main.closed_to, True)}"
        )
    else:
        what = brief(plant, main)
    return f"{link.step} on {link.resource} waits {span(plant, link.wait)}: {main.kind}, {what}"


def headline(plant: Plant, explanation: OrderExplanation) -> str:
    """One sentence: what keeps the order from completing earlier."""
    e = explanation
    link = e.binding_link
    if not e.chain:
        return f"{e.order}: {_unmade(plant, e)}."
    if link is None:
        return f"{e.order} {_own_work(plant, e)}."
    if link.cause.kind == "pinned":
        return (
            f"{e.order} step {link.step} is work in progress on {link.resource}; the steps "
            "after it decide the rest."
        )
    waits = ", then ".join(describe(plant, c) for c in link.causes)
    return f"{e.order} step {link.step} waits {span(plant, link.wait)} for {waits}."


def _own_work(plant: Plant, e: OrderExplanation) -> str:
    """Nothing but the order's own work, lags and calendars sets its completion."""
    off = sum(c.end - c.start for link in e.chain for c in link.causes if c.kind == "calendar")
    calendars = f" ({span(plant, off)} of waits for the calendar)" if off else ""
    held = [link.step for link in reversed(e.chain) if link.held]
    others = (
        f"; the waits of {', '.join(held)} for other things would not change it" if held else ""
    )
    return (
        f"ends as early as its own work through {len(e.chain)} step(s) from "
        f"{_since(plant, e)} and its calendars allow{calendars}{others}"
    )


def _since(plant: Plant, e: OrderExplanation) -> str:
    """When the order's first planned step was ready: its release, or the plan start (now)."""
    ready = e.chain[-1].ready
    if ready == plant.orders[e.order].release > 0:
        return f"its release at {moment(plant, ready, True)}"
    return moment(plant, ready, True)


def _unmade(plant: Plant, e: OrderExplanation) -> str:
    order = plant.orders[e.order]
    if e.from_stock:
        return "ships from finished goods on hand: nothing to make"
    if order.optional:
        margin = order_margin(plant, order)
        return (
            f"declined ({order.status}): the plan found making it costs more than its margin of "
            f"{margin:,.2f} {plant.currency}".rstrip()
        )
    return "not placed in this plan although firm (the plan is incomplete)"


def alone_text(plant: Plant, e: OrderExplanation) -> str:
    """``late even alone: yes (earliest alone: ...)``."""
    when = (
        "never within the horizon" if e.earliest_alone is None else moment(plant, e.earliest_alone)
    )
    return f"late even alone: {'yes' if e.late_alone else 'no'} (earliest alone: {when})"
