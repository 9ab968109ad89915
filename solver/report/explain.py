"""Explanations on the console and as JSON: one order's critical chain, the "why late" table."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from solver.domain.plant import Plant
from solver.domain.timegrid import TimeGrid
from solver.explain.chain import ChainLink, OrderExplanation
from solver.explain.words import (
    alone_text,
    binding_cause,
    headline,
    link_brief,
    link_cause,
    moment,
    span,
)

# Late orders explained in the plan JSON and the HTML report, highest priority first. All of
# them cost 0.03 s in a usual plan (22 late of 1,000 generated orders), but at 1,000 orders
# that are nearly all late 7 s and 16 MB of JSON (later orders wait behind more others); the
# first 100 take 0.2 s and 0.5 MB there (0.3 s at 3,000 orders). The outcomes name them all.
FILE_LIMIT = 100
CHAIN_COLUMNS = ("step", "resource", "ready", "start", "end", "wait", "cause", "slack")


def print_explanation(console: Console, plant: Plant, e: OrderExplanation) -> None:
    """One order in depth: due, completion, lateness, customer and tier; the headline; the
    chain step by step, last step first (the binding step in bold); late even alone."""
    customer = plant.customers[e.customer]
    console.print(
        Text.assemble(
            (e.order, "bold"),
            f" for {customer.name} ({customer.id}, tier {e.tier}): due {moment(plant, e.due)}, "
            f"{completion_text(plant, e)}",
        )
    )
    console.print(f"binding: {headline(plant, e)}", markup=False, highlight=False)
    if e.chain:
        table = Table(title=f"Critical chain of {e.order}, last step first", title_justify="left")
        for column in CHAIN_COLUMNS:
            table.add_column(column, no_wrap=column != "cause", overflow="fold")
        for k, link in enumerate(e.chain):
            table.add_row(*chain_cells(plant, link), style="bold" if k == e.binding else None)
        console.print(table)
        console.print(
            "wait: from ready to start; slack: how much later the step could end without the "
            "next step moving (the last step's end is the completion); bold: the step whose "
            "wait sets the completion (none: the order's own work and calendars do)",
            style="dim",
            highlight=False,
        )
    console.print(alone_text(plant, e), markup=False, highlight=False)


def chain_cells(plant: Plant, link: ChainLink) -> tuple[str, ...]:
    """One step of a chain as the text of ``CHAIN_COLUMNS`` (console and HTML alike)."""
    return (
        link.step,
        link.resource,
        moment(plant, link.ready, True),
        moment(plant, link.start, True),
        moment(plant, link.end),
        span(plant, link.wait),
        link_brief(plant, link),
        span(plant, link.slack),
    )


def completion_text(plant: Plant, e: OrderExplanation) -> str:
    """``planned completion Thu 26 Nov 07:45, late by 7h 45m``, or why there is none."""
    if e.from_stock:
        return "shipped from finished goods"
    if not e.made or e.completion is None:
        return "not made in this plan"
    late = f"late by {span(plant, e.tardiness)}" if e.tardiness else "on time"
    return f"planned completion {moment(plant, e.completion)}, {late}"


def print_why_late(
    console: Console, plant: Plant, explanations: Sequence[OrderExplanation], total: int
) -> None:
    """The short "why late" table: one line per order (highest priority first), its binding
    cause. ``total``: how many orders are late or not made in all."""
    shown = (
        f"{total}, highest priority first"
        if len(explanations) == total
        else f"top {len(explanations)} of {total} by priority"
    )
    table = Table(
        title=f"Why late ({shown}; `replan explain MODEL ORDER` for the whole chain)",
        title_justify="left",
    )
    for column in ("order", "customer", "late by", "binding cause"):
        table.add_column(column, no_wrap=column != "binding cause", overflow="fold")
    for e in explanations:
        table.add_row(
            e.order, f"{e.customer} ({e.tier})", late_text(plant, e), binding_cause(plant, e)
        )
    console.print(table)


def late_text(plant: Plant, e: OrderExplanation) -> str:
    """How late, in a table cell: ``1d 3h``, ``declined`` or ``not made``."""
    if e.made:
        return span(plant, e.tardiness)
    return "declined" if plant.orders[e.order].optional else "not made"


def why_late_dicts(plant: Plant, explanations: Sequence[OrderExplanation]) -> list[dict]:
    """The ``why_late`` list of a plan file: ``explanation_dict`` of each, in the given order."""
    return [explanation_dict(plant, e) for e in explanations]


def explanation_dict(plant: Plant, e: OrderExplanation) -> dict:
    """The explanation as JSON-ready values: times as ISO datetimes, spans in hours, every
    cause with its ``kind`` and facts; the sentences the console shows beside them."""
    grid = plant.grid
    data = _plain(e, grid)
    for link_data, link in zip(data["chain"], e.chain, strict=True):
        link_data["wait_hours"] = _hours(grid, link.wait)
        link_data["main_cause"] = link.cause.kind
        link_data["cause_text"] = link_cause(plant, link)
    data.update(
        late_by_hours=_hours(grid, e.tardiness),
        headline=headline(plant, e),
        binding_cause=binding_cause(plant, e),
        binding_step=None if e.binding_link is None else e.binding_link.step,
    )
    return data


def _plain(value: object, grid: TimeGrid) -> object:
    """Dataclasses as dicts (recursively); fields marked MOMENT as ISO, SPAN as hours."""
    if isinstance(value, tuple | list):
        return [_plain(v, grid) for v in value]
    if not dataclasses.is_dataclass(value):
        return value
    data = {}
    for f in dataclasses.fields(value):
        item = getattr(value, f.name)
        unit = f.metadata.get("unit")
        if unit == "moment":
            data[f.name] = None if item is None else grid.to_datetime(item).isoformat()
        elif unit == "span":
            data[f"{f.name}_hours"] = _hours(grid, item)
        else:
            data[f.name] = _plain(item, grid)
    return data


def _hours(grid: TimeGrid, ticks: int) -> float:
    return round(grid.to_timedelta(ticks).total_seconds() / 3600, 4)
