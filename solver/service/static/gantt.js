// The Gantt by resource, drawn with plotly.js from GET /plans/{ref}/gantt.

import { el, escapeHtml, fill } from "./dom.js";

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
export const ZOOMS = { day: DAY, week: 7 * DAY, "2 weeks": 14 * DAY, month: 31 * DAY };
export const DEFAULT_ZOOM = "2 weeks";
const LEAD = 2 * HOUR; // shown before "now", so that the now line is not on the edge
const BAR = 0.76; // of a row's height, for the steps (off-shift and downtime take 0.9)

// Fill and label colours per priority class (the static report's blues); the changed order
// is amber so that it stands out from every class.
const CLASSES = {
  high: { fill: "#1f4e9c", text: "#ffffff", hatch: "#ffffff", label: "high priority" },
  medium: { fill: "#4f8fd6", text: "#ffffff", hatch: "#ffffff", label: "medium priority" },
  low: { fill: "#a9c8ee", text: "#1d2433", hatch: "#1d2433", label: "low priority" },
  changed: { fill: "#f5a300", text: "#1d2433", hatch: "#1d2433", label: "changed order" },
};
const LATE_LINE = "#d11a1a";
const OFF_FILL = "rgba(120,120,120,0.16)";
const DOWN_FILL = "rgba(220,40,40,0.30)";
const CHANGEOVER_FILL = "#8d6e63"; // the static report's brown

/** Milliseconds since the epoch of a plant-clock ISO datetime (read as UTC: no time zone). */
export function toMs(iso) {
  return Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : `${iso}Z`);
}

/** The plant-clock ISO datetime of milliseconds since the epoch. */
export function fromMs(ms) {
  return new Date(ms).toISOString().slice(0, 19);
}

function bars(name, windows, fill, width) {
  return {
    type: "bar",
    orientation: "h",
    name,
    y: windows.map((w) => w.resource),
    base: windows.map((w) => w.start),
    x: windows.map((w) => toMs(w.end) - toMs(w.start)),
    width,
    marker: { color: fill, line: { width: 0 } },
    hoverinfo: "skip",
    showlegend: false,
  };
}

/** Lanes within a row for steps that run at the same time (a resource of capacity above
 * one): each step takes the first lane free at its start, so that no bar hides another.
 * Returns the lane of each step and the number of lanes of each resource. */
export function assignLanes(steps) {
  const lane = new Map();
  const lanes = {};
  const byResource = {};
  for (const s of steps) (byResource[s.resource] ||= []).push(s);
  for (const [resource, list] of Object.entries(byResource)) {
    const ends = [];
    for (const s of [...list].sort((a, b) => toMs(a.start) - toMs(b.start))) {
      let free = ends.findIndex((end) => end <= toMs(s.start));
      if (free < 0) free = ends.push(0) - 1;
      ends[free] = toMs(s.end);
      lane.set(s, free);
    }
    lanes[resource] = ends.length;
  }
  return { lane, lanes };
}

function stepTrace(group, steps, lanes) {
  const style = CLASSES[group];
  // A row's bar height is shared among its lanes; lane 0 on top.
  const width = steps.map((s) => BAR / lanes.lanes[s.resource]);
  const offset = steps.map((s, i) => BAR / 2 - (lanes.lane.get(s) + 1) * width[i]);
  return {
    type: "bar",
    orientation: "h",
    name: style.label,
    y: steps.map((s) => s.resource),
    base: steps.map((s) => s.start),
    x: steps.map((s) => toMs(s.end) - toMs(s.start)),
    width,
    offset,
    marker: {
      color: style.fill,
      line: {
        // White edges keep back-to-back bars apart; red marks late orders, dark the changed.
        color: steps.map((s) => (s.late ? LATE_LINE : group === "changed" ? "#1d2433" : "#fff")),
        width: steps.map((s) => (s.late ? 2.5 : group === "changed" ? 2 : 1)),
      },
      pattern: {
        shape: steps.map((s) => (s.moved ? "/" : "")),
        fgcolor: style.hatch,
        fillmode: "overlay",
        size: 7,
        solidity: 0.25,
      },
    },
    // plotly reads tags in these texts: the data is escaped.
    text: steps.map((s) => escapeHtml(s.order)),
    textposition: "inside",
    insidetextanchor: "middle",
    textfont: { color: style.text, size: 11 },
    hovertext: steps.map((s) => s.hover.map(escapeHtml).join("<br>")),
    hoverinfo: "text",
    customdata: steps.map((s) => s.order),
    showlegend: false,
  };
}

function groupOf(step) {
  return step.changed ? "changed" : step.priority;
}

/** The plotly traces: off-shift and downtime under the steps, one trace per bar style. */
export function traces(view) {
  const lanes = assignLanes(view.steps);
  const out = [bars("off-shift", view.off_shift, OFF_FILL, 0.9)];
  out.push(bars("downtime", view.downtime, DOWN_FILL, 0.9));
  const changeovers = view.changeovers || [];
  if (changeovers.length) {
    const trace = bars("changeover", changeovers, CHANGEOVER_FILL, BAR);
    trace.hoverinfo = "text";
    trace.hovertext = changeovers.map((c) => c.hover.map(escapeHtml).join("<br>"));
    out.push(trace);
  }
  for (const group of ["low", "medium", "high", "changed"]) {
    const steps = view.steps.filter((s) => groupOf(s) === group);
    if (steps.length) out.push(stepTrace(group, steps, lanes));
  }
  return out;
}

/** The x range of a zoom preset, from the plan's now (or the whole plan). */
export function zoomRange(view, zoom) {
  if (zoom === "all") {
    const first = Math.min(toMs(view.now), ...view.steps.map((s) => toMs(s.start)));
    return [fromMs(first - LEAD), fromMs(toMs(view.end) + LEAD)];
  }
  const now = toMs(view.now);
  return [fromMs(now - LEAD), fromMs(now + ZOOMS[zoom])];
}

function layout(view, zoom) {
  const rows = view.resources.length;
  const lanes = Math.max(1, ...Object.values(assignLanes(view.steps).lanes));
  // A row tall enough for a readable label in each of its lanes.
  const row = Math.max(40, 24 * lanes);
  return {
    barmode: "overlay",
    height: 70 + row * rows,
    margin: { l: 80, r: 16, t: 26, b: 40 },
    showlegend: false, // the page's own legend, above the chart, never over a row
    hovermode: "closest",
    uniformtext: { mode: "hide", minsize: 10 }, // a label shows only where the bar fits it
    xaxis: { type: "date", range: zoomRange(view, zoom), gridcolor: "#e6e9ef" },
    yaxis: {
      type: "category",
      categoryorder: "array",
      categoryarray: [...view.resources].reverse(),
      fixedrange: true,
      automargin: true,
    },
    shapes: [
      {
        type: "line",
        xref: "x",
        yref: "paper",
        x0: view.now,
        x1: view.now,
        y0: 0,
        y1: 1,
        line: { color: LATE_LINE, width: 2, dash: "dot" },
      },
    ],
    annotations: [
      {
        xref: "x",
        yref: "paper",
        x: view.now,
        y: 1,
        yanchor: "bottom",
        text: "now",
        showarrow: false,
        font: { color: LATE_LINE, size: 12 },
      },
    ],
  };
}

/** Legend entries for what the chart shows: [swatch class, label]. */
export function legendItems(view) {
  const items = [];
  const has = (test) => view.steps.some(test);
  for (const cls of ["high", "medium", "low"]) {
    if (has((s) => s.priority === cls && !s.changed)) items.push([`sw-${cls}`, CLASSES[cls].label]);
  }
  if (has((s) => s.changed)) {
    items.push(["sw-changed", `changed order (${view.changed.join(", ")})`]);
  }
  if (has((s) => s.moved)) items.push(["sw-moved", "moved step (hatched)"]);
  if (has((s) => s.late)) items.push(["sw-late", "late order (red outline)"]);
  if ((view.changeovers || []).length) items.push(["sw-changeover", "changeover"]);
  if (view.off_shift.length) items.push(["sw-off", "off-shift"]);
  if (view.downtime.length) items.push(["sw-down", "downtime"]);
  items.push(["sw-now", "now"]);
  return items;
}

function drawLegend(node, view) {
  fill(
    node,
    legendItems(view).map(([swatch, label]) =>
      el("span", { class: "legend-item" }, el("span", { class: `swatch ${swatch}` }), label),
    ),
  );
}

function drawZoom(node, chart, view, current) {
  const choices = [...Object.keys(ZOOMS), "all"];
  fill(
    node,
    choices.map((zoom) =>
      el(
        "button",
        {
          type: "button",
          class: zoom === current ? "zoom active" : "zoom",
          "aria-pressed": zoom === current ? "true" : "false",
          onclick: () => {
            Plotly.relayout(chart, { "xaxis.range": zoomRange(view, zoom) });
            drawZoom(node, chart, view, zoom);
          },
        },
        zoom === "all" ? "whole plan" : zoom,
      ),
    ),
  );
}

/** Draw a plan's view: the chart in `parts.chart`, the legend and the zoom presets. */
export async function drawGantt(parts, view) {
  const config = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d"],
  };
  await Plotly.react(parts.chart, traces(view), layout(view, DEFAULT_ZOOM), config);
  drawLegend(parts.legend, view);
  drawZoom(parts.zoom, parts.chart, view, DEFAULT_ZOOM);
}
