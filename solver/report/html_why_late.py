"""The "Why late" section of the plan page: the late, declined and unmade orders by priority,
each with its critical chain, and a small script that shows a clicked order on the Gantt chart.

The table names each order, its customer and tier, how late it is and the cause that binds
its completion. Each order's chain (step, resource, ready, start, end, wait, cause, slack) is a
``<details>`` element under the table, so that the page reads without scripts. Clicking an
order (in the table, or a chain's summary) opens its chain, closes the others and, on the
Gantt chart by resource, dims every other order's bars, outlines the order's own and shades
each wait of its steps, from ready to start, on the resource it waited for. Clicking it again,
or closing the chain, puts the chart back.

The chart's bars carry their order in ``customdata`` (``gantt.gantt_by_resource``); the wait
shades are made here, on the chart's rows and time axis, and embedded as JSON.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from solver.domain.plan import Plan
from solver.domain.plant import Plant
from solver.explain.chain import OrderExplanation, needs_explaining
from solver.explain.words import alone_text, binding_cause, headline, moment
from solver.report.explain import CHAIN_COLUMNS, chain_cells, completion_text, late_text

GANTT_DIV = "gantt-by-resource"  # the div of the chart by resource on the plan page
WAIT = "rgba(240,140,0,0.30)"
BINDING_WAIT = "rgba(240,140,0,0.65)"  # the wait that sets the completion stands out
STYLE = """
summary { cursor: pointer; margin: 6px 0; } summary h3 { display: inline; font-size: 15px; }
tr.binding td { font-weight: 600; } a.why-order { font-weight: 600; }
.hint { color: #5b6475; font-size: 13px; } details.why-late-chain p { font-size: 14px; }
"""

# Runs once the page is parsed (it sits at the end of the section); the chart is drawn by
# then, but a click may come before Plotly, so ``paint`` checks before touching it.
SCRIPT = """
(() => {
  const gantt = document.getElementById("GANTT_DIV");
  const shown = JSON.parse(document.getElementById("why-late-shapes").textContent);
  const boxes = Array.from(document.querySelectorAll("details.why-late-chain"));
  let saved = null;  // the chart's own outlines and shapes, to put back
  let selected = null;

  function pick(value, k) {
    return Array.isArray(value) ? value[k] : value;
  }

  function paint(order) {
    if (!gantt || !window.Plotly || !Array.isArray(gantt.data)) return;
    if (saved === null) {
      saved = {
        lines: gantt.data.map(t => ({ color: t.marker.line.color, width: t.marker.line.width })),
        shapes: ((gantt.layout && gantt.layout.shapes) || []).slice(),
      };
    }
    // Declined and unmade orders have no bars: the chart shows the plan as it is.
    const waits = order === null ? undefined : shown[order];
    const opacity = [], colour = [], width = [];
    gantt.data.forEach((trace, i) => {
      const own = saved.lines[i];
      if (waits === undefined) {
        opacity.push(1);
        colour.push(own.color);
        width.push(own.width);
        return;
      }
      const ours = (trace.customdata || []).map(o => o === order);
      opacity.push(ours.map(x => (x ? 1 : 0.25)));
      colour.push(ours.map((x, k) => (x ? "#111" : pick(own.color, k))));
      width.push(ours.map((x, k) => (x ? 3 : pick(own.width, k))));
    });
    const bars = gantt.data.length
      ? { "marker.opacity": opacity, "marker.line.color": colour, "marker.line.width": width }
      : {};
    Plotly.update(gantt, bars, { shapes: saved.shapes.concat(waits || []) });
    gantt.dataset.selected = waits === undefined ? "" : order;
  }

  function select(order) {
    selected = order;
    boxes.forEach(box => {
      const mine = order !== null && box.dataset.order === order;
      if (box.open !== mine) box.open = mine;
    });
    paint(order);
  }

  document.querySelectorAll("a.why-order").forEach(link => {
    link.addEventListener("click", event => {
      event.preventDefault();
      const order = link.dataset.order;
      select(selected === order ? null : order);
      const box = boxes.find(b => b.dataset.order === order);
      if (box && box.open) box.scrollIntoView({ block: "nearest" });
    });
  });
  // Opening or closing a chain by its summary does the same; the toggles that ``select``
  // causes find the state already set and do nothing.
  boxes.forEach(box => {
    box.addEventListener("toggle", () => {
      const order = box.dataset.order;
      if (box.open && selected !== order) select(order);
      else if (!box.open && selected === order) select(null);
    });
  });
})();
""".replace("GANTT_DIV", GANTT_DIV)


def why_late_section(plant: Plant, plan: Plan, explanations: Sequence[OrderExplanation]) -> str:
    """The "Why late" section of ``html.plan_page``.

    Parameters
    ----------
    plant : Plant
    plan : Plan
    explanations : sequence of OrderExplanation
        The late, declined and unmade orders to show, highest priority first
        (``explain_late``, perhaps only the first of them).

    Returns
    -------
    str
        HTML: heading, table, one ``<details>`` per order, the wait shades as JSON and the
        script; empty when nothing is late, declined or unmade.
    """
    if not explanations:
        return ""
    outcomes = {o.order: o for o in plan.outcomes}
    total = sum(needs_explaining(outcomes.get(oid)) for oid in plant.orders)
    shown = (
        f"{total}, highest priority first"
        if len(explanations) == total
        else f"top {len(explanations)} of {total} by priority"
    )
    rows = "".join(
        f"<tr><td>{_link(e.order, k)}</td><td>{_esc(f'{e.customer} ({e.tier})')}</td>"
        f"<td>{_esc(late_text(plant, e))}</td><td>{_esc(binding_cause(plant, e))}</td></tr>"
        for k, e in enumerate(explanations)
    )
    head = "".join(f"<th>{h}</th>" for h in ("order", "customer (tier)", "late by", "binding"))
    shapes = {e.order: wait_shapes(plant, e) for e in explanations if e.chain}
    return (
        f"<h2>Why late ({_esc(shown)})</h2>"
        '<p class="hint">Click an order for its critical chain; the chart by resource then '
        "shows its steps outlined, the other orders dimmed and each wait shaded orange (the "
        "one that sets the completion darker). Click again to go back.</p>"
        f'<table class="why-late"><tr>{head}</tr>{rows}</table>'
        + "".join(_chain(plant, e, k) for k, e in enumerate(explanations))
        + f'<script type="application/json" id="why-late-shapes">{_json(shapes)}</script>'
        + f"<script>{SCRIPT}</script>"
    )


def wait_shapes(plant: Plant, e: OrderExplanation) -> list[dict]:
    """Plotly rectangles on the chart by resource, one per step that waited: from ready to
    start, on the row of the step's resource."""
    grid = plant.grid
    # The rows of gantt.gantt_by_resource: its category axis lists the resources reversed.
    rows = {rid: k for k, rid in enumerate(sorted(plant.resources)[::-1])}
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": grid.to_datetime(link.ready).isoformat(),
            "x1": grid.to_datetime(link.start).isoformat(),
            "y0": rows[link.resource] - 0.45,
            "y1": rows[link.resource] + 0.45,
            "fillcolor": BINDING_WAIT if k == e.binding else WAIT,
            "line": {"width": 0},
            "layer": "below",
        }
        for k, link in enumerate(e.chain)
        if link.wait > 0 and link.resource in rows
    ]


def _chain(plant: Plant, e: OrderExplanation, k: int) -> str:
    """One order's ``<details>``: headline, due and completion, the chain, late even alone."""
    customer = plant.customers[e.customer]
    facts = (
        f"for {customer.name} ({customer.id}, tier {e.tier}): due {moment(plant, e.due)}, "
        f"{completion_text(plant, e)}"
    )
    body = f"<p>{_esc(headline(plant, e))}<br>{_esc(facts)}</p>"
    if e.chain:
        head = "".join(f"<th>{h}</th>" for h in CHAIN_COLUMNS)
        rows = "".join(
            ('<tr class="binding">' if k == e.binding else "<tr>")
            + "".join(f"<td>{_esc(cell)}</td>" for cell in chain_cells(plant, link))
            + "</tr>"
            for k, link in enumerate(e.chain)
        )
        body += (
            f"<table><tr>{head}</tr>{rows}</table>"
            '<p class="hint">Last step first. Wait: from ready to start; slack: how much later '
            "the step could end without the next step moving; bold: the step whose wait sets "
            "the completion (none: the order's own work and calendars do).</p>"
        )
    body += f"<p>{_esc(alone_text(plant, e))}</p>"
    return (
        f'<details class="why-late-chain" id="why-late-{k}" data-order="{_esc(e.order)}">'
        f"<summary><h3>Critical chain of {_esc(e.order)}</h3></summary>{body}</details>"
    )


def _link(order: str, k: int) -> str:
    # Without scripts the link still leads to the chain (closed).
    return f'<a href="#why-late-{k}" class="why-order" data-order="{_esc(order)}">{_esc(order)}</a>'


def _esc(value: object) -> str:
    return html.escape(str(value))


def _json(value: object) -> str:
    """JSON safe inside ``<script>``: no ``</script>`` or ``<!--`` can end it early."""
    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
