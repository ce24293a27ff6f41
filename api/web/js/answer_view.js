// An answer on the page: the question it answers (standing alone), its text with [n]
// markers, the route in one plain sentence with the router's details behind a toggle,
// and the numbered citations. The PDF viewer follows the answer shown.

import { withMarkers } from "./markers.js";
import { follow, show } from "./viewer.js";

const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function usd(value) {
  if (value === undefined || value === null) return "n/a";
  if (value === 0) return "$0";
  return value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(4)}`;
}

/** The question above its answer, with what the page says of every question for now. */
/** How a question was read: "read as “…”" when it was rewritten, else "stands alone". */
export function readAs(result) {
  const c = result.conversation;
  return c && c.rewritten_question !== c.question ? `read as “${c.rewritten_question}”` : "stands alone";
}

export function showAsked(question, how = "stands alone") {
  $("asked").replaceChildren(
    el("span", { className: "asked-q", textContent: question }),
    " ",
    el("span", {
      className: "alone",
      textContent: how,
      title: "A follow-up is rewritten into a standalone question from the thread's earlier questions.",
    }),
  );
}

/** Show a finished answer ({question, result}) and point the viewer at its first citation. */
export function renderAnswer({ question, result }) {
  const cites = result.citations;
  const open = (c) => () => openCitation(c, cites.indexOf(c) + 1);
  showAsked(question, readAs(result));
  $("answer").hidden = false;
  $("answer").dataset.questionId = result.question_id;
  $("answer-text").replaceChildren(...withMarkers(result.answer, cites, (n) => marker(n, cites[n - 1], open(cites[n - 1]))));
  $("route").replaceChildren(route(result));
  $("citations").replaceChildren(
    ...cites.map((c, i) => el("li", {}, citationButton(i + 1, c.filename, c.page, c.quote, open(c)))),
  );
  $("h-citations").hidden = cites.length === 0;
  const dropped = result.dropped_citations;
  $("dropped").textContent = dropped ? `${dropped} citation(s) dropped: their quote was not on their page.` : "";
  const first = cites[0];
  follow(first && { id: first.document_id, filename: first.filename, page: first.page, quote: first.quote });
}

function marker(n, c, onClick) {
  const button = el("button", {
    type: "button",
    className: "marker",
    textContent: `[${n}]`,
    ariaLabel: `Citation ${n}: ${c.filename}, page ${c.page}`,
    title: `${c.filename}, page ${c.page}`,
  });
  button.dataset.n = String(n);
  button.addEventListener("click", onClick);
  return button;
}

function openCitation(c, n) {
  for (const node of document.querySelectorAll("#answer .current")) node.classList.remove("current");
  for (const node of document.querySelectorAll(`#answer-text .marker[data-n="${n}"]`)) node.classList.add("current");
  $("citations").children[n - 1]?.classList.add("current");
  show({ id: c.document_id, filename: c.filename, page: c.page, quote: c.quote });
}

export function citationButton(n, filename, page, quote, onClick) {
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

/** The route: one plain sentence, then (behind a toggle) model, cost, tokens, time,
 * p(rag ok), the router's reason and the rejected alternatives with their costs. */
function route(result) {
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
  if (r.p_rag_ok !== null && r.p_rag_ok !== undefined) {
    facts.append(el("dt", { textContent: "p(rag ok)" }), el("dd", { textContent: r.p_rag_ok.toFixed(2) }));
  }
  const details = el(
    "details",
    { className: "route-details" },
    el("summary", { textContent: "How the route was chosen" }),
    facts,
    el("p", { className: "reason-text", textContent: r.reason }),
  );
  if (r.escalated) details.append(el("p", { className: "escalated", textContent: "Escalated: the question was asked again with the whole documents (the reason says why)." }));
  if (r.alternatives.length) {
    const rows = r.alternatives.map((a) =>
      el("li", {}, el("strong", { textContent: `${a.mode} · ${a.model}` }), ` ${usd(a.estimated_cost_usd)}: ${a.rejected_because}`),
    );
    details.append(el("h5", { textContent: `Rejected alternatives (${rows.length})` }), el("ul", { className: "alternatives" }, ...rows));
  }
  const line = el("p", { className: "route-line", textContent: r.summary || `${r.mode} with ${r.model}` });
  return el("div", { className: "badge" }, line, details);
}
