// Ask: POST /query streamed (answer text as it comes, then the route and the citations),
// and POST /search for the passages alone. Citations and passages open in the viewer.

import { ApiError, request, streamEvents } from "./api.js";
import { selection } from "./documents.js";
import { show } from "./viewer.js";

const $ = (id) => document.getElementById(id);
let inFlight = null;
let ended = false; // the stream's last event (answer or error) has come

function usd(value) {
  if (value === undefined || value === null) return "n/a";
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(4)}`;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function options() {
  const budget = $("budget").value.trim();
  const ids = selection();
  return {
    question: $("question").value.trim(),
    document_ids: ids.length ? ids : null,
    mode: $("mode").value,
    max_cost_usd: budget === "" ? null : Number(budget),
  };
}

function showError(exc) {
  const box = $("ask-error");
  box.hidden = false;
  box.textContent = exc instanceof ApiError ? explain(exc) : `Something went wrong: ${exc.message}`;
}

function explain(exc) {
  const prefix = {
    0: "",
    401: "Sign in first: ",
    402: "Over budget: ",
    409: "Not ready yet: ",
    422: "That cannot be asked as set: ",
    429: "Too many requests, wait a moment: ",
    502: "The models failed: ",
  }[exc.status];
  return `${prefix ?? ""}${exc.message}`;
}

async function ask(event) {
  event.preventDefault();
  const body = options();
  if (!body.question) return;
  inFlight?.abort();
  inFlight = new AbortController();
  $("ask-error").hidden = true;
  $("results").hidden = true;
  const answer = $("answer");
  answer.hidden = false;
  answer.setAttribute("aria-busy", "true");
  $("answer-text").textContent = "";
  $("answer-text").classList.add("streaming");
  $("route").replaceChildren(el("p", { className: "muted", textContent: "Choosing a route…" }));
  $("citations").replaceChildren();
  $("h-citations").hidden = true;
  $("ask-button").disabled = true;
  try {
    ended = false;
    await streamEvents("/query", { ...body, stream: true }, onEvent, inFlight.signal);
    // Headers were sent, then the server stopped without its last event.
    if (!ended) throw new ApiError(500, "the answer stopped before it was complete (a server error); try again");
  } catch (exc) {
    if (exc.name !== "AbortError") {
      showError(exc);
      answer.hidden = true;
    }
  } finally {
    $("ask-button").disabled = false;
    $("answer-text").classList.remove("streaming");
    answer.removeAttribute("aria-busy");
    window.dispatchEvent(new Event("folio:asked"));
  }
}

function onEvent(name, data) {
  const text = $("answer-text");
  if (name === "delta") text.textContent += data.text;
  else if (name === "reset") {
    text.textContent = "";
    $("route").replaceChildren(el("p", { className: "muted", textContent: `Re-asking: ${data.reason}` }));
  } else if (name === "answer") {
    ended = true;
    finish(data);
  } else if (name === "error") {
    ended = true;
    throw new ApiError(data.status, data.detail); // shown by ask() like any other failure
  }
}

function finish(result) {
  $("answer-text").textContent = result.answer;
  $("answer").dataset.questionId = result.question_id;
  $("route").replaceChildren(badge(result));
  const list = $("citations");
  list.replaceChildren(
    ...result.citations.map((c, i) =>
      el("li", {}, citationButton(i + 1, c.filename, c.page, c.quote, () => open(c.document_id, c.filename, c.page, c.quote))),
    ),
  );
  $("h-citations").hidden = result.citations.length === 0;
  if (result.dropped_citations) {
    list.after(el("p", { className: "muted small", textContent: `${result.dropped_citations} citation(s) dropped: their quote was not on their page.` }));
  }
}

function citationButton(n, filename, page, quote, onClick) {
  const button = el(
    "button",
    { type: "button", className: "citation" },
    el("span", { className: "cite-n", textContent: `[${n}]` }),
    el("span", { className: "cite-where", textContent: `${filename}, page ${page}` }),
    el("q", { className: "cite-quote", textContent: quote }),
  );
  button.dataset.page = String(page);
  button.dataset.quote = quote;
  button.addEventListener("click", onClick);
  return button;
}

function open(id, filename, page, quote) {
  show({ id, filename, page, quote });
}

/** The route as a readable badge: mode, model, cost estimated and real, why, what else. */
function badge(result) {
  const r = result.route;
  const facts = el(
    "dl",
    { className: "facts" },
    el("dt", { textContent: "Route" }),
    el("dd", {}, el("span", { className: `pill mode-${r.mode}`, textContent: r.mode }), ` ${r.model}`),
    el("dt", { textContent: "Cost" }),
    el("dd", { textContent: `${usd(result.cost_usd)} (estimated ${usd(r.estimated_cost_usd)})` }),
    el("dt", { textContent: "Tokens" }),
    el("dd", { textContent: `${result.usage.input_tokens.toLocaleString()} in (${result.usage.cached_input_tokens.toLocaleString()} cached), ${result.usage.output_tokens.toLocaleString()} out` }),
    el("dt", { textContent: "Time" }),
    el("dd", { textContent: `${(result.latency_ms / 1000).toFixed(2)} s` }),
  );
  const box = el("div", { className: "badge" }, facts, el("p", { className: "reason-text", textContent: r.reason }));
  if (r.escalated) box.append(el("p", { className: "escalated", textContent: "Escalated: the question was asked again with the whole documents (the route's reason says why)." }));
  if (r.offline) box.append(el("p", { className: "muted small", textContent: "Answered by the offline reader (no model key configured): extractive, at $0." }));
  if (r.alternatives.length) {
    const rows = r.alternatives.map((a) =>
      el("li", {}, el("strong", { textContent: `${a.mode} · ${a.model}` }), ` ${usd(a.estimated_cost_usd)}: ${a.rejected_because}`),
    );
    box.append(el("details", {}, el("summary", { textContent: `Rejected alternatives (${rows.length})` }), el("ul", {}, ...rows)));
  }
  return box;
}

async function search() {
  const body = options();
  if (!body.question) return $("question").reportValidity();
  $("ask-error").hidden = true;
  $("answer").hidden = true;
  try {
    const response = await request("/search", { method: "POST", json: { query: body.question, document_ids: body.document_ids, k: 8 } });
    const result = await response.json();
    const items = result.results.map((p) => {
      const [first, last] = p.pages;
      const where = first === last ? first : `${first}-${last}`;
      const button = citationButton(p.rank, p.filename, where, p.text, () => open(p.document_id, p.filename, first, p.text));
      return el("li", {}, button);
    });
    $("passages").replaceChildren(...items);
    if (!items.length) $("passages").append(el("li", { className: "muted", textContent: "No passage matched." }));
    $("results").hidden = false;
  } catch (exc) {
    showError(exc);
  }
}

export function wireAsk() {
  $("ask-form").addEventListener("submit", ask);
  $("search-button").addEventListener("click", search);
  // Ctrl/Cmd+Enter asks from the question box.
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask-form").requestSubmit();
  });
}
