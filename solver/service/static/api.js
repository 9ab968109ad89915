// The service's HTTP API, as the page uses it: JSON in, JSON out, errors as readable text.

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Call the API; resolve to the JSON answer, reject with an ApiError naming the problem. */
export async function api(path, { method = "GET", json, body, headers = {} } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (response.status === 401 && askToken()) {
    return api(path, { method, json, body, headers });
  }
  const text = await response.text();
  const data = text ? parseJson(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, describeError(response, data), data);
  }
  return data;
}

const TOKEN_KEY = "replan-api-token";

/** A server started with a token refuses the API without it: ask once, keep it for the tab. */
function askToken() {
  const given = window.prompt("This server needs its API token:");
  if (!given) return false;
  sessionStorage.setItem(TOKEN_KEY, given.trim());
  return true;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

/** One line for an error answer: FastAPI's field errors, or the engine's detail and problems. */
export function describeError(response, data) {
  const detail = data && data.detail;
  if (Array.isArray(detail)) {
    return detail.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ");
  }
  let text = detail ? String(detail) : `${response.status} ${response.statusText}`;
  const problems = (data && data.problems) || [];
  if (problems.length > 1) text += ": " + problems.map((p) => p.message).join("; ");
  const retry = response.headers && response.headers.get("Retry-After");
  if (response.status === 429 && retry) text += ` (retry in ${retry} s)`;
  return text;
}

/** Poll a job until it ends; `onState` sees every state. Resolves to the ended job. */
export async function followJob(job, onState, every = 500) {
  let current = job;
  while (["queued", "running"].includes(current.state)) {
    onState(current);
    await new Promise((resolve) => setTimeout(resolve, every));
    current = await api(`/jobs/${encodeURIComponent(job.id)}`);
  }
  onState(current);
  return current;
}
