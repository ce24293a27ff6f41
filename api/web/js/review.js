// A review on the page: the documents ticked above (or every ready one) by a preset's
// fields or the reader's own, its estimate before anything is spent, the table filling in
// as the worker goes, each cell opening its quote in the viewer, and the exports.

import { request } from "./api.js";
import { el, usd } from "./answer_view.js";
import { selection } from "./documents.js";
import { show } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const ACTIVE = ["queued", "running"];
let current = null; // the review on screen: its id
let polling = 0; // the latest poll loop: an older one stops

function fields() {
  if ($("review-preset").value !== "custom") return $("review-preset").value;
  try {
    return JSON.parse($("review-custom").value);
  } catch (exc) {
    throw new Error(`the fields are not JSON: ${exc.message}`);
  }
}

function asked(extra = {}) {
  const ids = selection();
  return { fields: fields(), document_ids: ids.length ? ids : null, ...extra };
}

function error(message) {
  $("review-error").textContent = message || "";
  $("review-error").hidden = !message;
}

function cost(estimate) {
  const docs = estimate.documents.length;
  if (estimate.offline) return `${docs} document${docs === 1 ? "" : "s"}: the offline reader fills every cell, at $0 (no model key).`;
  const ways = estimate.documents.map((d) => d.mode);
  const stuffed = ways.filter((m) => m === "stuff").length;
  return `${docs} document${docs === 1 ? "" : "s"}, about ${usd(estimate.cost_usd)} in ${estimate.calls} model calls (${stuffed} read whole in one call, ${docs - stuffed} field by field).`;
}

async function estimate() {
  error("");
  try {
    const body = await (await request("/reviews", { method: "POST", json: asked({ estimate_only: true }) })).json();
    $("review-state").textContent = `Estimate: ${cost(body.estimate)}`;
  } catch (exc) {
    error(exc.message);
  }
}

async function start(event) {
  event.preventDefault();
  error("");
  try {
    const review = await (await request("/reviews", { method: "POST", json: asked() })).json();
    current = review.id;
    render(review);
    poll(++polling);
  } catch (exc) {
    error(exc.message);
  }
}

async function poll(loop) {
  if (loop !== polling || !current) return;
  try {
    const review = await (await request(`/reviews/${encodeURIComponent(current)}`)).json();
    render(review);
    if (ACTIVE.includes(review.status)) setTimeout(() => poll(loop), 1000);
  } catch (exc) {
    error(exc.message);
  }
}

function cellButton(row, name, cell) {
  if (!cell || !cell.done) return el("span", { className: "cell pending", textContent: "…" });
  if (!cell.found) {
    const text = cell.error ? "failed" : "—";
    return el("span", { className: `cell ${cell.error ? "failed" : "absent"}`, textContent: text, title: cell.error || "not found" });
  }
  const value = Array.isArray(cell.value) ? cell.value.join("; ") : String(cell.value);
  const first = cell.citations[0];
  if (!first) return el("span", { className: "cell found", textContent: value });
  return el("button", {
    type: "button",
    className: "cell found citation",
    textContent: value.length > 60 ? `${value.slice(0, 57)}…` : value,
    title: `p. ${first.page}: ${first.quote}`,
    onclick: () => show({ id: row.document_id, filename: row.filename, page: first.page, quote: first.quote }),
  });
}

function render(review) {
  const { cells_done: done, cells_total: total } = review.progress;
  const spent = review.cost_usd ? `, ${usd(review.cost_usd)} spent` : "";
  $("review-state").textContent = `Review ${review.status}: ${done} of ${total} cells${spent}. ${review.error || ""}`;
  $("review-cancel").hidden = !ACTIVE.includes(review.status);
  $("review-exports").hidden = ACTIVE.includes(review.status) || review.status === "cancelled" && !done;
  const names = review.fields.map((f) => f.name);
  const head = el("tr", {}, el("th", { scope: "col", textContent: "Document" }),
    ...names.map((n) => el("th", { scope: "col", textContent: n })));
  $("review-table").tHead.replaceChildren(head);
  const rows = (review.rows || []).map((row) => {
    const tr = el("tr", {}, el("th", { scope: "row", textContent: row.filename }));
    tr.dataset.id = row.document_id; // dataset is read-only: set, never assigned
    for (const n of names) {
      const td = el("td", {}, cellButton(row, n, row.cells[n]));
      td.dataset.field = n;
      tr.append(td);
    }
    return tr;
  });
  $("review-table").tBodies[0].replaceChildren(...rows);
  $("review-table-wrap").hidden = false;
}

async function cancel() {
  await request(`/reviews/${encodeURIComponent(current)}`, { method: "DELETE" });
  poll(++polling);
}

async function download(format) {
  const response = await request(`/reviews/${encodeURIComponent(current)}/export?format=${format}`);
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `review-${current}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(link.href);
}

export function wireReview() {
  $("review-preset").addEventListener("change", () => {
    $("review-custom-field").hidden = $("review-preset").value !== "custom";
  });
  $("review-estimate").addEventListener("click", estimate);
  $("review-form").addEventListener("submit", start);
  $("review-cancel").addEventListener("click", cancel);
  $("review-xlsx").addEventListener("click", () => download("xlsx"));
  $("review-csv").addEventListener("click", () => download("csv"));
}
