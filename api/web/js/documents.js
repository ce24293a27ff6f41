// Documents: drop or choose PDFs, watch each one's progress, list, filter, select, delete.

import { ApiError, documentFile, getJSON, request, upload } from "./api.js";
import { forget, rememberPassword } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const DONE = new Set(["ready", "failed"]);
const UPLOADS_AT_ONCE = 2;

let docs = []; // DocumentOut, newest first
const pending = new Map(); // local key -> {name, fraction, error}
const selected = new Set(); // document ids ticked for the question
let polling = null;
let locked = false; // the server wants a (valid) key before it lists anything
let onChange = () => {};

/** The documents ticked for the question; empty means every ready one. */
export function selection() {
  return docs.filter((d) => selected.has(d.id) && d.status === "ready").map((d) => d.id);
}

export function documentById(id) {
  return docs.find((d) => d.id === id);
}

export async function refresh() {
  try {
    const page = await getJSON("/documents?limit=500");
    docs = page.items;
    locked = false;
    $("doc-count").textContent = page.total > docs.length ? `${docs.length} of ${page.total}` : "";
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    docs = [];
    locked = exc.status === 401;
    $("doc-count").textContent = locked ? "" : exc.message;
  }
  render();
  schedule();
}

// Poll while something is on its way; stop when everything has reached its end state.
function schedule() {
  const busy = docs.some((d) => !DONE.has(d.status)) || [...pending.values()].some((e) => !e.error);
  clearTimeout(polling);
  polling = busy ? setTimeout(refresh, 600) : null;
}

function addFiles(files) {
  const password = $("upload-password").value;
  const queue = [...files].map((file, n) => {
    const key = `${Date.now()}-${n}-${file.name}`;
    pending.set(key, { name: file.name, fraction: 0, error: null });
    return { key, file };
  });
  render();
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await send(job.key, job.file, password);
  };
  for (let i = 0; i < UPLOADS_AT_ONCE; i++) worker();
}

async function send(key, file, password) {
  const entry = pending.get(key);
  try {
    const doc = await upload(file, password, (fraction) => {
      entry.fraction = fraction;
      render();
    });
    rememberPassword(doc.id, password);
    pending.delete(key);
    await refresh();
  } catch (exc) {
    entry.error = exc.message;
    render();
  }
}

/** Upload a failed encrypted document's own file again, now with its password. */
async function retry(doc, password) {
  try {
    const bytes = await documentFile(doc.id);
    const file = new File([bytes], doc.filename, { type: "application/pdf" });
    const key = `retry-${doc.id}`;
    pending.set(key, { name: doc.filename, fraction: 0, error: null });
    await send(key, file, password);
  } catch (exc) {
    alertRow(doc.id, exc.message);
  }
}

async function remove(doc) {
  if (!window.confirm(`Delete "${doc.filename}" with its file and index?`)) return;
  try {
    await request(`/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    selected.delete(doc.id);
    forget(doc.id);
    await refresh();
    $("doc-filter").focus();
  } catch (exc) {
    alertRow(doc.id, exc.message);
  }
}

function alertRow(id, message) {
  const row = document.querySelector(`tr[data-id="${CSS.escape(id)}"] .row-error`);
  if (row) row.textContent = message;
}

function progressOf(doc) {
  const p = doc.progress;
  if (doc.status === "queued" && p.chunks_embedded > 0) {
    // A long document gives way to waiting uploads now and then, its progress kept.
    return { value: 0.5 + (0.5 * p.chunks_embedded) / p.chunks_total, text: `Waiting its turn: ${p.chunks_embedded} of ${p.chunks_total} chunks embedded` };
  }
  if (doc.status === "queued") return { value: 0, text: "Queued" };
  if (p.chunks_total > 0) {
    return { value: 0.5 + (0.5 * p.chunks_embedded) / p.chunks_total, text: `Embedding ${p.chunks_embedded} of ${p.chunks_total} chunks` };
  }
  if (p.pages_total > 0) {
    return { value: (0.5 * p.pages_parsed) / p.pages_total, text: `Reading page ${p.pages_parsed} of ${p.pages_total}` };
  }
  return { value: 0, text: "Starting" };
}

function cell(content, className, label) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (label) td.dataset.label = label; // shown before the value on narrow screens
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

function bar(value, label) {
  const wrap = document.createElement("div");
  wrap.className = "progress";
  const meter = document.createElement("progress");
  meter.max = 1;
  meter.value = value;
  meter.setAttribute("aria-label", label);
  const text = document.createElement("span");
  text.textContent = label;
  wrap.append(meter, text);
  return wrap;
}

function statusCell(doc) {
  const box = document.createElement("div");
  box.className = `status status-${doc.status}`;
  if (DONE.has(doc.status)) {
    const badge = document.createElement("span");
    badge.className = "pill";
    badge.textContent = doc.status;
    box.append(badge);
  } else {
    const { value, text } = progressOf(doc);
    box.append(bar(value, text));
  }
  if (doc.error) {
    const why = document.createElement("p");
    why.className = doc.status === "failed" ? "reason" : "muted small";
    why.textContent = doc.error;
    box.append(why);
  }
  if (doc.status === "failed" && doc.error?.startsWith("encrypted PDF")) box.append(passwordRetry(doc));
  const error = document.createElement("p");
  error.className = "row-error error";
  error.setAttribute("role", "alert");
  box.append(error);
  return box;
}

function passwordRetry(doc) {
  const form = document.createElement("form");
  form.className = "retry";
  const label = document.createElement("label");
  label.textContent = "Password ";
  const input = document.createElement("input");
  input.type = "password";
  input.autocomplete = "off";
  input.required = true;
  input.setAttribute("aria-label", `Password of ${doc.filename}`);
  label.append(input);
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Open with password";
  form.append(label, button);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    retry(doc, input.value);
  });
  return form;
}

function row(doc) {
  const tr = document.createElement("tr");
  tr.dataset.id = doc.id;
  tr.dataset.status = doc.status;
  const tick = document.createElement("input");
  tick.type = "checkbox";
  tick.checked = selected.has(doc.id);
  tick.disabled = doc.status !== "ready";
  tick.setAttribute("aria-label", `Ask ${doc.filename}`);
  tick.addEventListener("change", () => {
    if (tick.checked) selected.add(doc.id);
    else selected.delete(doc.id);
    onChange();
  });
  const del = document.createElement("button");
  del.type = "button";
  del.className = "quiet";
  del.textContent = "Delete";
  del.setAttribute("aria-label", `Delete ${doc.filename}`);
  del.disabled = doc.status === "processing";
  del.addEventListener("click", () => remove(doc));
  const when = new Date(doc.created_at);
  const time = document.createElement("time");
  time.dateTime = doc.created_at;
  time.textContent = when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  tr.append(
    cell(tick, "tick"),
    cell(doc.filename, "name"),
    cell(statusCell(doc), "state"),
    cell((doc.pages || doc.progress.pages_total || "").toLocaleString(), "num", "Pages"),
    cell(doc.tokens ? doc.tokens.toLocaleString() : "", "num", "Tokens"),
    cell(time, "when", "Uploaded"),
    cell(del, "act"),
  );
  return tr;
}

function pendingRow([key, entry]) {
  const tr = document.createElement("tr");
  tr.className = "pending";
  tr.dataset.status = entry.error ? "refused" : "uploading";
  const status = entry.error
    ? Object.assign(document.createElement("p"), { className: "reason", textContent: entry.error })
    : bar(entry.fraction, entry.fraction > 0 ? `Uploading ${Math.round(entry.fraction * 100)}%` : "Waiting to upload");
  let action = "";
  if (entry.error) {
    // Refused (not a PDF, too large): nothing was kept; the row goes when read.
    action = Object.assign(document.createElement("button"), { type: "button", className: "quiet", textContent: "Dismiss" });
    action.setAttribute("aria-label", `Dismiss ${entry.name}`);
    action.addEventListener("click", () => {
      pending.delete(key);
      render();
    });
  }
  tr.append(cell(""), cell(entry.name, "name"), cell(status, "state"), cell(""), cell(""), cell(""), cell(action, "act"));
  return tr;
}

function render() {
  // Keep focus on a control that survives the redraw (typing a password in a row, say).
  const active = document.activeElement;
  const activeRow = active?.closest?.("tr")?.dataset.id;
  if (activeRow && active.type === "password") return;
  const filter = $("doc-filter").value.trim().toLowerCase();
  const shown = docs.filter((d) => d.filename.toLowerCase().includes(filter));
  const rows = [...pending.entries()].map(pendingRow).concat(shown.map(row));
  $("doc-rows").replaceChildren(...rows);
  $("doc-empty").hidden = rows.length > 0;
  $("doc-table").hidden = rows.length === 0;
  $("doc-empty").textContent = locked
    ? "Sign in with your API key to see your documents."
    : docs.length
      ? "No document matches the filter."
      : "No documents yet: drop a PDF above.";
  onChange();
}

export function wireDocuments(changed) {
  onChange = changed;
  const drop = $("drop");
  const input = $("file-input");
  input.addEventListener("change", () => {
    addFiles(input.files);
    input.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const pdfs = [...e.dataTransfer.files];
    if (pdfs.length) addFiles(pdfs);
  });
  // A file dropped beside the zone must not replace the page with the PDF.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  $("doc-filter").addEventListener("input", render);
}
