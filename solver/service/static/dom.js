// DOM helpers: every text goes in through textContent or attributes, never parsed as HTML.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A table: header strings and rows of cells (strings, numbers or nodes). */
export function table(headers, rows, attrs = {}) {
  const head = el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)));
  const body = rows.map((row) => el("tr", {}, row.map((cell) => el("td", {}, cell))));
  return el("table", attrs, el("thead", {}, head), el("tbody", {}, body));
}

/** Options of a select, keeping the chosen value when it is still offered. */
export function setOptions(select, values, labels = values) {
  const kept = select.value;
  fill(select, values.map((v, i) => el("option", { value: v }, labels[i])));
  if (values.includes(kept)) select.value = kept;
}

/** Text for plotly, which reads a few HTML tags in labels and hover texts: escaped. */
export function escapeHtml(text) {
  return String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Show or hide a node. */
export function show(node, visible = true) {
  node.hidden = !visible;
}
