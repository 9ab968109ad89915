// The planner's desk: choose a plant, read the released plan, ask a what-if, decide.

import { api, ApiError, followJob } from "./api.js";
import { el, fill, setOptions, show, table } from "./dom.js";
import { localInput, moment, stamp } from "./format.js";
import { drawGantt } from "./gantt.js";
import { verdictCard } from "./verdict.js";

const $ = (id) => document.getElementById(id);
const state = { plant: null, released: null, evaluation: null };

// -- messages ---------------------------------------------------------------------------

function say(text, kind = "info") {
  const node = $("status");
  node.className = `status ${kind}`;
  fill(node, text);
}

/** Run an action, showing its failure as a message rather than an unhandled rejection. */
function guarded(action) {
  return async (event) => {
    if (event) event.preventDefault();
    try {
      await action(event);
    } catch (error) {
      say(error instanceof ApiError ? error.message : `Error: ${error.message}`, "error");
    }
  };
}

// -- plants -----------------------------------------------------------------------------

async function loadPlants() {
  const plants = await api("/plants");
  show($("upload"), plants.length === 0);
  show($("desk"), plants.length > 0);
  if (!plants.length) {
    say("The store has no plant yet: upload one.");
    return;
  }
  const select = $("plant");
  setOptions(
    select,
    plants.map((p) => String(p.id)),
    plants.map((p) => `${p.id}: ${p.name}`),
  );
  const released = await releasedSummary();
  const preferred = released ? String(released.plant_id) : String(plants[plants.length - 1].id);
  if (!state.plant) select.value = preferred;
  await selectPlant(select.value);
}

/** The released plan's id and plant, or null (asked without a 404, which a browser logs). */
async function releasedSummary() {
  const released = await api("/released");
  return released.plan_id === null ? null : released;
}

async function selectPlant(id) {
  state.plant = await api(`/plants/${encodeURIComponent(id)}`);
  fillChangeForm(state.plant);
  await loadReleased();
}

async function uploadPlant() {
  const files = [...$("upload-files").files];
  if (!files.length) throw new Error("choose a zip of the plant's folder, or its files");
  const model = $("upload-model").value.trim();
  let plant;
  if (files.length === 1 && files[0].name.toLowerCase().endsWith(".zip")) {
    const query = model ? `?model=${encodeURIComponent(model)}` : "";
    plant = await api(`/plants/zip${query}`, {
      method: "POST",
      body: files[0],
      headers: { "Content-Type": "application/zip" },
    });
  } else {
    const texts = {};
    for (const file of files) texts[file.name] = await file.text();
    plant = await api("/plants", { method: "POST", json: { files: texts, model: model || null } });
  }
  say(`Stored plant ${plant.id}: ${plant.name}${plant.created ? "" : " (already stored)"}.`, "ok");
  await loadPlants();
  $("plant").value = String(plant.id);
  await selectPlant(plant.id);
}

async function planPlant() {
  const seconds = Number($("plan-seconds").value) || 10;
  const job = await api(`/plants/${state.plant.id}/plans`, {
    method: "POST",
    json: { time_limit: seconds, release: true, by: $("plan-by").value.trim() },
  });
  const ended = await followJob(job, (j) => say(`Planning: ${j.state}…`));
  if (ended.state !== "done") throw new Error(jobFailure(ended));
  const released = ended.result.released ? "released" : "stored, not released";
  say(`Plan ${ended.result.plan_id} ${released}.`, "ok");
  await loadReleased();
  await loadHistory();
}

// -- the released plan ------------------------------------------------------------------

async function loadReleased() {
  const summary = await releasedSummary();
  const mine = summary && state.plant && summary.plant_id === state.plant.id;
  show($("no-plan"), !mine);
  show($("plan"), Boolean(mine));
  if (!mine) {
    state.released = null;
    fill(
      $("no-plan-text"),
      summary
        ? `The released plan (${summary.plan_id}) is of plant ${summary.plant_id}. ` +
            "Plan this plant and release it:"
        : "No plan is released yet. Plan this plant and release it:",
    );
    return;
  }
  const view = await api("/plans/released/gantt");
  state.released = view;
  renderPlan(view);
}

function cards(node, items) {
  fill(
    node,
    items.map((c) => {
      const value = el("div", { class: "v" }, c.value);
      return el("div", { class: "card" }, value, el("div", { class: "k" }, c.label));
    }),
  );
}

function lateTable(rows) {
  if (!rows.length) return el("p", {}, "No order is late.");
  return table(
    ["order", "customer", "product", "qty", "priority", "due", "completes", "late by"],
    rows.map((r) => [
      r.order, r.customer, r.product, r.quantity, r.priority, r.due, r.completion, r.late_by,
    ]),
    { class: "late-orders" },
  );
}

/** The chart, legend and zoom presets of a Gantt (`plan` or `proposal`). */
function ganttParts(prefix) {
  return { chart: $(`${prefix}-gantt`), legend: $(`${prefix}-legend`), zoom: $(`${prefix}-zoom`) };
}

async function renderPlan(view) {
  $("plan").dataset.planId = String(view.plan_id);
  fill($("plan-title"), `Released plan ${view.plan_id}: ${view.name}`);
  // A step that pauses over breaks is several bars: count steps, not bars.
  const count = new Set(view.steps.map((s) => `${s.order}/${s.step}`)).size;
  const size = `${count} steps on ${view.resources.length} resources`;
  fill($("plan-now"), `now ${moment(view.now, true)} · ${size}`);
  cards($("plan-cards"), view.cards);
  fill($("late-orders"), lateTable(view.late_orders));
  fill($("late-count"), `Late orders (${view.late_orders.length})`);
  if (!$("change-now").value) $("change-now").value = localInput(view.now);
  await drawGantt(ganttParts("plan"), view);
}

// -- the change form --------------------------------------------------------------------

function fillChangeForm(plant) {
  setOptions($("add-customer"), plant.customers);
  setOptions($("add-product"), plant.products);
  setOptions($("change-order"), plant.orders);
  showKind();
}

function showKind() {
  const kind = $("kind").value;
  for (const node of document.querySelectorAll("[data-kinds]")) {
    const shown = node.dataset.kinds.split(" ").includes(kind);
    show(node, shown);
    for (const input of node.querySelectorAll("input, select")) input.disabled = !shown;
  }
}

/** The change record the form describes (a scenario file's change). */
function readChange() {
  const kind = $("kind").value;
  const order = $("change-order").value;
  if (kind === "add_order") {
    const change = {
      kind,
      id: $("add-id").value.trim(),
      customer: $("add-customer").value,
      product: $("add-product").value,
      quantity: Number($("add-quantity").value),
      due: $("add-due").value,
    };
    if ($("add-price").value !== "") change.price = Number($("add-price").value);
    return change;
  }
  if (kind === "cancel_order") return { kind, order };
  if (kind === "change_due") return { kind, order, due: $("change-due").value };
  return { kind, order, quantity: Number($("change-quantity").value) };
}

function whatIfBody() {
  const seconds = Number($("change-seconds").value) || 10;
  const body = {
    plant: state.plant.id,
    changes: [readChange()],
    time_limit: seconds,
    whatif_time_limit: seconds,
  };
  if ($("change-now").value) body.now = $("change-now").value;
  const frozen = $("change-frozen").value.trim();
  if (frozen) body.settings = { frozen };
  return body;
}

function jobFailure(job) {
  if (job.state === "cancelled") return "The job was cancelled.";
  const error = job.error || {};
  const problems = (error.problems || []).map((p) => p.message);
  return [error.detail || "The job failed.", ...problems.slice(1)].join("; ");
}

async function submitChange() {
  const button = $("change-submit");
  button.disabled = true;
  try {
    show($("verdict"), false);
    const job = await api("/whatifs", { method: "POST", json: whatIfBody() });
    const ended = await followJob(job, (j) => say(`What-if: ${j.state}…`));
    if (ended.state !== "done") throw new Error(jobFailure(ended));
    say(`What-if ${ended.result.evaluation_id}: ${ended.result.verdict}.`, "ok");
    await showEvaluation(ended.result.evaluation_id);
  } finally {
    button.disabled = false;
  }
}

// -- the verdict and the decision -------------------------------------------------------

async function showEvaluation(id) {
  const detail = await api(`/whatifs/${encodeURIComponent(id)}`);
  state.evaluation = detail;
  const card = $("verdict-card");
  card.dataset.verdict = detail.verdict;
  card.dataset.evaluation = String(detail.id);
  fill(card, verdictCard(detail, state.plant.currency));
  const variants = Object.keys(detail.proposals);
  setOptions($("decide-variant"), variants);
  const open = !detail.decisions.length;
  $("decide-accept").disabled = !open || !variants.length;
  $("decide-reject").disabled = !open;
  show($("verdict"), true);
  show($("proposal"), variants.length > 0);
  if (variants.length) await drawProposal();
  $("verdict").scrollIntoView({ block: "start" });
}

async function drawProposal() {
  const detail = state.evaluation;
  const variant = encodeURIComponent($("decide-variant").value);
  const view = await api(`/whatifs/${detail.id}/gantt?variant=${variant}`);
  const title = `Proposal: plan ${view.plan_id} (${view.name})`;
  fill($("proposal-title"), `${title}; moved steps against ${view.compared_with}`);
  cards($("proposal-cards"), view.cards);
  await drawGantt(ganttParts("proposal"), view);
}

async function decide(kind) {
  const detail = state.evaluation;
  const body = { by: $("decide-by").value.trim(), note: $("decide-note").value };
  if (kind === "accept") body.variant = $("decide-variant").value || null;
  const answer = await api(`/whatifs/${detail.id}/${kind}`, { method: "POST", json: body });
  say(
    kind === "accept"
      ? `Accepted what-if ${detail.id}: plan ${answer.plan_id} is released.`
      : `Rejected what-if ${detail.id}.`,
    "ok",
  );
  await showEvaluation(detail.id);
  await loadReleased();
  await loadHistory();
}

// -- history ----------------------------------------------------------------------------

function whatIfCell(decision) {
  if (decision.evaluation_id === null) return "-";
  const variant = decision.variant ? ` (${decision.variant})` : "";
  return `what-if ${decision.evaluation_id}${variant}`;
}

async function loadHistory() {
  const rows = await api("/history?limit=30");
  const node = $("history-table");
  if (!rows.length) {
    fill(node, el("p", {}, "No decision yet."));
    return;
  }
  fill(
    node,
    table(
      ["when", "what", "plan", "what-if", "by", "note"],
      rows.map((d) => [
        stamp(d.when),
        d.kind,
        d.plan_id === null ? "-" : `${d.plan_id}: ${d.plan_name ?? ""}`,
        whatIfCell(d),
        d.by,
        d.note,
      ]),
      { class: "history" },
    ),
  );
}

// -- wiring -----------------------------------------------------------------------------

function wire() {
  $("plant").addEventListener("change", guarded(() => selectPlant($("plant").value)));
  $("upload-form").addEventListener("submit", guarded(uploadPlant));
  $("plan-form").addEventListener("submit", guarded(planPlant));
  $("kind").addEventListener("change", showKind);
  $("change-form").addEventListener("submit", guarded(submitChange));
  $("decide-variant").addEventListener("change", guarded(drawProposal));
  $("decide-accept").addEventListener("click", guarded(() => decide("accept")));
  $("decide-reject").addEventListener("click", guarded(() => decide("reject")));
}

async function start() {
  wire();
  await guarded(async () => {
    await loadPlants();
    await loadHistory();
  })();
  document.body.dataset.ready = "1";
}

start();
