// The verdict card of a stored what-if (GET /whatifs/{id}): per change set the verdict and
// its reason, asked against offered dates, the orders harmed, costs and what binds the date.

import { el, table } from "./dom.js";
import { moment, money, span } from "./format.js";

const VERDICT_CLASS = {
  ACCEPT: "v-accept",
  "ACCEPT AS ASKED": "v-warn",
  "ACCEPT WITH DATE": "v-warn",
  IMPACT: "v-impact",
  REJECT: "v-reject",
};

function askedTable(outcome) {
  const rows = Object.entries(outcome.asked_dates || {}).map(([order, asked]) => {
    const slip = (outcome.slips_hours || {})[order] || 0;
    return [
      order,
      moment(asked),
      moment((outcome.promises || {})[order]),
      slip > 0 ? `+${span(slip)}` : "on time",
    ];
  });
  if (!rows.length) return null;
  return table(["order", "asked", "offered", "slip"], rows, { class: "asked" });
}

function harmTable(moves, currency) {
  if (!moves.length) return el("p", { class: "harm-none" }, "No other order is harmed.");
  const rows = moves.map((m) => [
    m.order,
    `${m.customer} (${m.tier})`,
    moment(m.baseline),
    m.dropped ? "dropped" : moment(m.proposal),
    m.dropped ? "not made" : m.late_by_hours ? `late by ${span(m.late_by_hours)}` : "on time",
    money(m.cost, currency),
  ]);
  return el(
    "div",
    {},
    el("h4", {}, `Orders harmed (${moves.length})`),
    table(["order", "customer (tier)", "was", "now", "lateness", "cost"], rows, { class: "harm" }),
  );
}

function optionsTable(options, currency) {
  if (!options || !options.length) return null;
  const rows = options.map((o) => [
    o.name + (o.recommended ? " (recommended)" : ""),
    Object.entries(o.promises)
      .map(([order, when]) => `${order} ${moment(when)}`)
      .join(", "),
    span(o.worst_slip_hours),
    o.harm.map((m) => `${m.order} (${m.customer}) ${money(m.cost, currency)}`).join("; ") || "none",
    money(o.cost, currency),
  ]);
  return el(
    "div",
    {},
    el("h4", {}, "Options (recommended first)"),
    table(["option", "dates", "worst slip", "orders harmed", "cost"], rows, { class: "options" }),
  );
}

function costs(outcome, currency) {
  const items = [
    ["cost of the change", money(outcome.cost_delta, currency)],
    ["margin the change earns", money(outcome.change_value, currency)],
    ["objective of the proposal", money(outcome.objective, currency)],
    ["orders whose completion moves", String((outcome.moves || []).length)],
  ];
  if (outcome.stability) items.push(["steps moved", String(outcome.stability.steps_moved)]);
  return el(
    "dl",
    { class: "costs" },
    items.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v))),
  );
}

function outcomeBlock(outcome, currency) {
  const style = VERDICT_CLASS[outcome.verdict] || "v-impact";
  const badge = el("span", { class: `badge ${style}` }, outcome.verdict);
  const binding = (outcome.binding || []).map((cause) => el("li", {}, cause));
  return el(
    "div",
    { class: "outcome", dataset: { verdict: outcome.verdict } },
    el("h3", {}, badge, " ", outcome.name),
    el("p", { class: "reason" }, outcome.reason),
    (outcome.approvals || []).map((a) => el("p", { class: "approval" }, `Needs approval: ${a}`)),
    outcome.dropped && outcome.dropped.length
      ? el("p", { class: "approval" }, `No longer made: ${outcome.dropped.join(", ")}`)
      : null,
    askedTable(outcome),
    binding.length
      ? el("div", { class: "binding" }, el("h4", {}, "Binds the date"), el("ul", {}, binding))
      : null,
    costs(outcome, currency),
    harmTable(outcome.harm_as_asked || [], currency),
    optionsTable(outcome.options, currency),
  );
}

/** The card's content for a stored evaluation. */
export function verdictCard(detail, currency) {
  const outcomes = detail.result.outcomes || [];
  const decided = (detail.decisions || []).length
    ? el("p", { class: "decided" }, `Decided: ${detail.decisions.join(", ")}`)
    : null;
  return [
    el("h2", {}, `What-if ${detail.id}: ${detail.verdict}`),
    decided,
    outcomes.map((o) => outcomeBlock(o, currency)),
  ];
}
