// Ask: POST /query streamed (answer text as it comes, then the route and the citations),
// and POST /search for the passages alone. Citations and passages open in the viewer;
// every answer joins the session's history.

import { ApiError, request, streamEvents } from "./api.js";
import { citationButton, el, renderAnswer, showAsked } from "./answer_view.js";
import { selection } from "./documents.js";
import { latest, newThread, remember, thread, wireHistory } from "./history.js";
import { clearQuote, show } from "./viewer.js";

const $ = (id) => document.getElementById(id);
let inFlight = null;
let ended = false; // the stream's last event (answer or error) has come

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
  const history = thread(); // the thread's earlier questions: a follow-up is read with them
  if (history.length) body.history = history;
  inFlight?.abort();
  inFlight = new AbortController();
  $("ask-error").hidden = true;
  $("results").hidden = true;
  clearQuote(); // the viewer no longer shows the previous answer's quote
  const answer = $("answer");
  answer.hidden = false;
  answer.setAttribute("aria-busy", "true");
  showAsked(body.question);
  $("answer-text").textContent = "";
  $("answer-text").classList.add("streaming");
  $("route").replaceChildren(el("p", { className: "muted", textContent: "Choosing a route…" }));
  $("citations").replaceChildren();
  $("dropped").textContent = "";
  $("h-citations").hidden = true;
  $("ask-button").disabled = true;
  try {
    ended = false;
    await streamEvents("/query", { ...body, stream: true }, (name, data) => onEvent(body.question, name, data), inFlight.signal);
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

function onEvent(question, name, data) {
  const text = $("answer-text");
  if (name === "delta") text.textContent += data.text;
  else if (name === "reset") {
    text.textContent = "";
    $("route").replaceChildren(el("p", { className: "muted", textContent: `Re-asking: ${data.reason}` }));
  } else if (name === "answer") {
    ended = true;
    renderAnswer(remember(question, data));
  } else if (name === "error") {
    ended = true;
    throw new ApiError(data.status, data.detail); // shown by ask() like any other failure
  }
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
      const open = () => show({ id: p.document_id, filename: p.filename, page: first, quote: p.text });
      return el("li", {}, citationButton(p.rank, p.filename, where, p.text, open));
    });
    $("passages").replaceChildren(...items);
    if (!items.length) $("passages").append(el("li", { className: "muted", textContent: "No passage matched." }));
    $("results").hidden = false;
  } catch (exc) {
    showError(exc);
  }
}

function pick(entry) {
  inFlight?.abort(); // an earlier answer replaces the one being written
  $("ask-error").hidden = true;
  $("results").hidden = true;
  renderAnswer(entry);
  $("answer").scrollIntoView({ block: "nearest" });
}

export function wireAsk() {
  $("ask-form").addEventListener("submit", ask);
  $("search-button").addEventListener("click", search);
  $("new-thread").addEventListener("click", () => {
    newThread();
    $("question").focus();
  });
  // Ctrl/Cmd+Enter asks from the question box.
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask-form").requestSubmit();
  });
  wireHistory(pick);
  const last = latest(); // after a reload, the tab's last answer is back on the page
  if (last) renderAnswer(last);
}
