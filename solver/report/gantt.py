"""The Gantt charts of the HTML pages: one row per resource, or one row per order.

Bars by resource are coloured by the order's tardiness weight (its priority class) and
labelled with the order id where the label fits; late orders are outlined red, the orders a
what-if asked for outlined purple, and steps a what-if moved hatched; changeovers are brown bars
after the step they follow. Non-working time is shaded grey, downtime red. The legend is a key: one entry per colour, outline, hatch and shade that is
on the chart (legend-only traces, since a bar trace's own swatch shows its first bar's outline).

Both charts open on two weeks from ``now`` (the plan's start, or the what-if's now), marked by
a dotted line, with buttons for a day, a week, two weeks, a month from now, or everything.
Plotly's range selector would anchor its windows at the end of the view, not at now.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Collection
from datetime import datetime, timedelta

import plotly.graph_objects as go

from solver.domain.intervals import Interval, clip, subtract
from solver.domain.plan import Plan, ScheduledStep
from solver.domain.plant import Plant
from solver.domain.timegrid import TimeGrid, format_duration, format_moment
from solver.facts.changeovers import Setup, setups
from solver.rules.ranking import rank_orders

PRIORITY_CLASSES = (
    ("high priority", 8, "#1f4e9c"),
    ("medium", 4, "#4f8fd6"),
    ("low", 1, "#a9c8ee"),
)
# Label colour on each class's bars, with a halo of the opposite colour: it keeps the label
# legible on a hatched bar.
HALO = "1px 1px 0 {c}, -1px -1px 0 {c}, 1px -1px 0 {c}, -1px 1px 0 {c}"
LABEL_INK = {
    "high priority": ("white", HALO.format(c="#000")),
    "medium": ("white", HALO.format(c="#000")),
    "low": ("#1d2433", HALO.format(c="#fff")),
}
LATE = "#d11"
ASKED = "#7b2cbf"
EDGE = "white"  # keeps back-to-back bars apart
OFF_SHIFT = "rgba(120,120,120,0.18)"
DOWNTIME = "rgba(220,40,40,0.25)"
CHANGEOVER = "#8d6e63"  # brown: apart from the blues and the amber of a changed order
ON_TIME_BAR, LATE_BAR = "#5b8def", "#d9534f"
MOVED_HATCH = {"shape": "/", "fgcolor": "#111", "fgopacity": 0.9, "size": 9, "solidity": 0.3}
WINDOW = timedelta(days=14)
PRESETS = (
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
    ("2 weeks", WINDOW),
    ("month", timedelta(days=30)),
)
LABEL_SIZE, LABEL_MIN_SIZE = 11, 9  # px: a label that fits only below the minimum is hidden
KEY_ROW = 20  # px per entry of the key
LEAD = 28  # a window starts 1/28 of its width before now, so the now line is off the edge


def gantt_by_resource(
    plant: Plant,
    plan: Plan,
    title: str,
    now: int = 0,
    moved: Collection[tuple[str, int]] = (),
    asked: Collection[str] = (),
) -> go.Figure:
    """Bars per resource coloured by priority and labelled with their order.

    Parameters
    ----------
    plant : Plant
    plan : Plan
    title : str
    now : int
        The tick the chart opens at and marks with a line (0: the plan's start).
    moved : collection of (order, step index)
        Steps to hatch: those a what-if proposal moved.
    asked : collection of str
        Orders to outline in purple: those a what-if asked for.

    Returns
    -------
    plotly.graph_objects.Figure
        The row of each resource is its index in ``sorted(plant.resources)`` reversed (the
        why-late shades rely on it); each bar's ``customdata`` is its order.
    """
    grid = plant.grid
    weights = {r.order: r.weight for r in rank_orders(plant)}
    late = {o.order for o in plan.outcomes if o.tardiness > 0}
    steps = [s for s in plan.steps if s.order in plant.orders]
    resources = sorted(plant.resources)
    figure = go.Figure()
    for name, floor, colour in PRIORITY_CLASSES:
        upper = min((f for _, f, _ in PRIORITY_CLASSES if f > floor), default=10**9)
        mine = [s for s in steps if floor <= weights.get(s.order, 1) < upper]
        if mine:
            figure.add_trace(_class_bars(plant, plan, mine, name, colour, late, moved, asked))
            figure.add_trace(_key(name, colour))
    changeovers = [c for c in setups(plant, plan) if c.before[0]]
    if changeovers:
        figure.add_trace(_changeover_bars(plant, changeovers))
    span_end = max((s.end for s in plan.steps), default=grid.ticks_per_day)
    off, down = _off_time_shapes(plant, resources, span_end)
    marks = (
        (any(s.order in asked for s in steps), _key("asked", "white", ASKED, 3)),
        # An asked order's purple outline wins over the red one.
        (
            any(s.order in late and s.order not in asked for s in steps),
            _key("late", "white", LATE, 2.5),
        ),
        (any((s.order, s.step_index) in moved for s in steps), _key("moved", "#ddd", hatch=True)),
        (bool(changeovers), _key("changeover", CHANGEOVER)),
        (bool(off), _key("off shift", OFF_SHIFT)),
        (bool(down), _key("downtime", DOWNTIME)),
    )
    for shown, trace in marks:
        if shown:
            figure.add_trace(trace)
    figure.update_yaxes(
        categoryorder="array", categoryarray=resources[::-1], type="category", fixedrange=True
    )
    keys = sum(trace.showlegend is not False for trace in figure.data)
    figure.update_layout(
        title=title,
        barmode="overlay",
        # Tall enough for the key beside it, even on a plant of one or two resources.
        height=max(120 + 34 * len(resources), 130 + KEY_ROW * keys),
        shapes=off + down,
        uniformtext={"mode": "hide", "minsize": LABEL_MIN_SIZE},
    )
    first = min((s.start for s in steps), default=now)
    _time_axis(figure, grid, now, first, span_end)
    return figure


def _class_bars(
    plant: Plant,
    plan: Plan,
    steps: list[ScheduledStep],
    name: str,
    colour: str,
    late: set[str],
    moved: Collection[tuple[str, int]],
    asked: Collection[str],
) -> go.Bar:
    """One priority class's bars; the key entry is separate (``_key``). A step that pauses over
    breaks is drawn as one bar per working segment."""
    grid = plant.grid
    steps = [
        dataclasses.replace(step, start=begin, end=end)
        for step in steps
        for begin, end in work_segments(plant, step)
    ]
    outline = [
        (ASKED, 3) if s.order in asked else (LATE, 2.5) if s.order in late else (EDGE, 1)
        for s in steps
    ]
    hatched = [(s.order, s.step_index) in moved for s in steps]
    return go.Bar(
        name=name,
        legendgroup=name,
        showlegend=False,
        orientation="h",
        y=[s.resource for s in steps],
        base=[_iso(grid, s.start) for s in steps],
        x=[_ms(grid, s.end - s.start) for s in steps],
        text=[s.order for s in steps],
        textposition="inside",
        insidetextanchor="middle",
        textangle=0,  # a label turned on its side in a thin bar is clutter, not a label
        textfont={"size": LABEL_SIZE, "color": LABEL_INK[name][0], "shadow": LABEL_INK[name][1]},
        marker={
            "color": colour,
            "line": {"color": [c for c, _ in outline], "width": [w for _, w in outline]},
            "pattern": {
                **MOVED_HATCH,
                "shape": [MOVED_HATCH["shape"] if h else "" for h in hatched],
            },
        },
        hovertext=[hover(plant, plan, s.order, s.step, s.resource) for s in steps],
        hoverinfo="text",
        # Which order each bar is, for the page's script (html_why_late).
        customdata=[s.order for s in steps],
    )


def _changeover_bars(plant: Plant, changeovers: list[Setup]) -> go.Bar:
    """The changeovers, each drawn right after the step it follows (the key is separate)."""
    grid = plant.grid
    return go.Bar(
        name="changeover",
        legendgroup="changeover",
        showlegend=False,
        orientation="h",
        y=[c.resource for c in changeovers],
        base=[_iso(grid, c.end) for c in changeovers],
        x=[_ms(grid, c.ticks) for c in changeovers],
        marker={"color": CHANGEOVER, "line": {"color": EDGE, "width": 1}},
        hovertext=[
            f"changeover {_esc(c.families[0])} -> {_esc(c.families[1])} on {_esc(c.resource)}"
            f"<br>{format_duration(grid.to_timedelta(c.ticks))}, before {_esc(c.after[0])}"
            for c in changeovers
        ],
        hoverinfo="text",
    )


def work_segments(plant: Plant, step: ScheduledStep) -> list[tuple[int, int]]:
    """The stretches of a step that are work: the whole step, or for one that pauses over
    breaks, its parts inside the resource's working windows."""
    if step.pinned or step.order not in plant.orders or step.resource not in plant.resources:
        return [(step.start, step.end)]
    if not plant.pausing(step.order, step.step_index):
        return [(step.start, step.end)]
    return clip(plant.pause_windows(step.resource), step.start, step.end) or [
        (step.start, step.end)
    ]


def _key(name: str, colour: str, line: str = EDGE, width: float = 1, hatch: bool = False) -> go.Bar:
    """A legend entry with no bar: its swatch is the colour, outline or hatch it names."""
    marker: dict = {"color": colour, "line": {"color": line, "width": width}}
    if hatch:
        marker["pattern"] = MOVED_HATCH
    return go.Bar(
        name=name,
        legendgroup=name,
        orientation="h",
        x=[None],
        y=[None],
        marker=marker,
        hoverinfo="skip",
    )


def hover(plant: Plant, plan: Plan, order_id: str, step: str, resource: str) -> str:
    """A bar's hover text: order, step and resource, customer, quantity, due date, slack."""
    order = plant.orders[order_id]
    outcome = plan.outcome(order_id)
    grid = plant.grid
    slack = (
        "-"
        if outcome is None or outcome.completion is None
        else format_duration(grid.to_timedelta(order.due - outcome.completion))
        if order.due >= outcome.completion
        else "late by " + format_duration(grid.to_timedelta(outcome.completion - order.due))
    )
    return (
        f"<b>{_esc(order_id)}</b> / {_esc(step)} on {_esc(resource)}<br>"
        f"customer {_esc(plant.customers[order.customer].name)}<br>"
        f"quantity {order.quantity} {_esc(order.product)}<br>"
        f"due {format_moment(grid.to_datetime(order.due))}<br>slack {slack}"
    )


def _off_time_shapes(
    plant: Plant, resources: list[str], span_end: int
) -> tuple[list[dict], list[dict]]:
    """Per resource row: grey rectangles for non-working time, red ones for downtime."""
    grid = plant.grid
    rows = resources[::-1]
    off, down = [], []
    for rid in resources:
        row = rows.index(rid)
        idle, downtime = off_and_down(plant, rid, span_end)
        for shapes, colour, spans in ((off, OFF_SHIFT, idle), (down, DOWNTIME, downtime)):
            shapes.extend(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "y",
                    "x0": _iso(grid, start),
                    "x1": _iso(grid, end),
                    "y0": row - 0.45,
                    "y1": row + 0.45,
                    "fillcolor": colour,
                    "line": {"width": 0},
                    "layer": "below",
                }
                for start, end in spans
            )
    return off, down


def off_and_down(plant: Plant, rid: str, end: int) -> tuple[list[Interval], list[Interval]]:
    """A resource's time off shift and its downtime within [0, end), for a Gantt's shading.

    Downtime is not working time either; it is left out of the off-shift time so that it is
    drawn once, in its own colour.

    Parameters
    ----------
    plant : Plant
    rid : str
    end : int

    Returns
    -------
    (list of Interval, list of Interval)
        Off shift, then downtime.
    """
    downtime = [(d.start, d.end) for d in plant.resources[rid].downtime]
    idle = subtract(subtract([(0, end)], plant.availability[rid]), downtime)
    return clip(idle, 0, end), clip(downtime, 0, end)


def gantt_by_order(
    plant: Plant, plan: Plan, title: str, now: int = 0, asked: Collection[str] = ()
) -> go.Figure:
    """One row per made order, first start to completion, red when late, purple when a what-if
    asked for it; due dates as ticks.

    Parameters
    ----------
    plant : Plant
    plan : Plan
    title : str
    now : int
        The tick the chart opens at and marks with a line (0: the plan's start).
    asked : collection of str
        Orders to colour purple: those a what-if asked for.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    grid = plant.grid
    starts = plan.first_starts()
    made = [o for o in plan.outcomes if o.accepted and o.order in starts and o.completion]
    made.sort(key=lambda o: starts[o.order])
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            name="order",
            showlegend=False,
            orientation="h",
            y=[o.order for o in made],
            base=[_iso(grid, starts[o.order]) for o in made],
            x=[_ms(grid, o.completion - starts[o.order]) for o in made],
            marker={
                "color": [
                    ASKED if o.order in asked else LATE_BAR if o.tardiness else ON_TIME_BAR
                    for o in made
                ]
            },
            hovertext=[hover(plant, plan, o.order, "all steps", "-") for o in made],
            hoverinfo="text",
        )
    )
    figure.add_trace(_key("on time", ON_TIME_BAR))
    if any(o.tardiness and o.order not in asked for o in made):
        figure.add_trace(_key("late", LATE_BAR))
    if any(o.order in asked for o in made):
        figure.add_trace(_key("asked", ASKED))
    figure.add_trace(
        go.Scatter(
            name="due",
            mode="markers",
            y=[o.order for o in made],
            x=[_iso(grid, plant.orders[o.order].due) for o in made],
            marker={"symbol": "line-ns-open", "size": 14, "color": "black"},
            hoverinfo="skip",
        )
    )
    figure.update_yaxes(categoryorder="array", categoryarray=[o.order for o in made][::-1])
    keys = sum(trace.showlegend is not False for trace in figure.data)
    figure.update_layout(title=title, height=max(140 + 16 * len(made), 130 + KEY_ROW * keys))
    last = max((o.completion for o in made), default=now)
    _time_axis(figure, grid, now, min(starts.values(), default=now), last)
    return figure


def _time_axis(figure: go.Figure, grid: TimeGrid, now: int, first: int, last: int) -> None:
    """A date axis opening on two weeks from now (the whole plan if it is shorter), zoom
    presets from now, a dotted now line; the key right of the plot, the presets above it."""
    if last <= now + grid.duration_ticks(WINDOW.total_seconds()):
        # Everything fits in the default window: show the plan, not empty days after it.
        begin, end = min(first, now), max(last, now + 1)
        pad = (end - begin) / LEAD
        start, stop = grid.to_datetime(begin) - _span(grid, pad), grid.to_datetime(end)
        stop += _span(grid, pad)
    else:
        start, stop = _window(grid.to_datetime(now), WINDOW)
    buttons = [
        {"label": label, "method": "relayout", "args": [{"xaxis.range": _window_iso(grid, now, w)}]}
        for label, w in PRESETS
    ]
    buttons.append({"label": "all", "method": "relayout", "args": [{"xaxis.autorange": True}]})
    moment = _iso(grid, now)
    figure.update_xaxes(type="date", range=[start.isoformat(), stop.isoformat()])
    figure.update_layout(
        # White, so that the grey of off-shift time reads the same on the chart and in the key.
        template="plotly_white",
        margin={"l": 90, "r": 20, "t": 70, "b": 40},
        legend={
            "x": 1.01,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "itemclick": False,
            "tracegroupgap": 0,
            "itemdoubleclick": False,
        },
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "showactive": False,
                "x": 1,
                "xanchor": "right",
                "y": 1.02,
                "yanchor": "bottom",
                "pad": {"t": 0, "b": 0, "r": 0},
                "buttons": buttons,
            }
        ],
        title={"x": 0, "xref": "paper", "y": 1, "yref": "container", "yanchor": "top"},
    )
    figure.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=moment,
        x1=moment,
        y0=0,
        y1=1,
        line={"color": "#111", "width": 1.5, "dash": "dot"},
        name="now",
    )
    figure.add_annotation(
        x=moment, y=1, xref="x", yref="paper", text="now", showarrow=False, yanchor="bottom"
    )


def _window(now: datetime, width: timedelta) -> tuple[datetime, datetime]:
    return now - width / LEAD, now + width


def _window_iso(grid: TimeGrid, now: int, width: timedelta) -> list[str]:
    return [moment.isoformat() for moment in _window(grid.to_datetime(now), width)]


def _span(grid: TimeGrid, ticks: float) -> timedelta:
    return grid.resolution * ticks


def _iso(grid: TimeGrid, tick: int) -> str:
    return grid.to_datetime(tick).isoformat()


def _ms(grid: TimeGrid, ticks: int) -> float:
    # A bar's length on a date axis is in milliseconds.
    return ticks * grid.resolution.total_seconds() * 1000


def _esc(value: object) -> str:
    return html.escape(str(value))
