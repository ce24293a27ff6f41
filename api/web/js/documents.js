// Documents: drop or choose PDFs, watch each one's progress, list, filter, select, delete.

import { ApiError, documentFile, getJSON, request, upload } from "./api.js";
import { pendingRow, row } from "./document_rows.js";
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

let latest = 0; // the newest refresh: an older one's answer (another key's) is dropped

export async function refresh() {
  const mine = ++latest;
  try {
    const page = await getJSON("/documents?limit=500");
    if (mine !== latest) return;
    docs = page.items;
    locked = false;
    $("doc-count").textContent = page.total > docs.length ? `${docs.length} of ${page.total}` : "";
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    if (mine !== latest) return;
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

function render() {
  // Keep focus on a control that survives the redraw (typing a password in a row, say).
  const active = document.activeElement;
  const activeRow = active?.closest?.("tr")?.dataset.id;
  if (activeRow && active.type === "password") return;
  const filter = $("doc-filter").value.trim().toLowerCase();
  const shown = docs.filter((d) => d.filename.toLowerCase().includes(filter));
  const dismiss = (key) => () => {
    pending.delete(key);
    render();
  };
  const rows = [...pending.entries()].map(([key, entry]) => pendingRow(entry, dismiss(key)));
  for (const doc of shown) {
    rows.push(
      row(doc, {
        ticked: selected.has(doc.id),
        onTick: (on) => {
          if (on) selected.add(doc.id);
          else selected.delete(doc.id);
          onChange();
        },
        onDelete: () => remove(doc),
        onRetry: (password) => retry(doc, password),
      }),
    );
  }
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
