// One row of the document list: a document with its progress, failure reason, password
// retry and delete; or a file still uploading (or refused).

const DONE = new Set(["ready", "failed"]);

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

function statusCell(doc, onRetry) {
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
  if (doc.status === "failed" && doc.error?.startsWith("encrypted PDF")) box.append(passwordRetry(doc, onRetry));
  const error = document.createElement("p");
  error.className = "row-error error";
  error.setAttribute("role", "alert");
  box.append(error);
  return box;
}

function passwordRetry(doc, onRetry) {
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
    onRetry(input.value);
  });
  return form;
}

export function row(doc, { ticked, onTick, onDelete, onRetry }) {
  const tr = document.createElement("tr");
  tr.dataset.id = doc.id;
  tr.dataset.status = doc.status;
  const tick = document.createElement("input");
  tick.type = "checkbox";
  tick.checked = ticked;
  tick.disabled = doc.status !== "ready";
  tick.setAttribute("aria-label", `Ask ${doc.filename}`);
  tick.addEventListener("change", () => onTick(tick.checked));
  const del = document.createElement("button");
  del.type = "button";
  del.className = "quiet";
  del.textContent = "Delete";
  del.setAttribute("aria-label", `Delete ${doc.filename}`);
  del.disabled = doc.status === "processing";
  del.addEventListener("click", onDelete);
  const when = new Date(doc.created_at);
  const time = document.createElement("time");
  time.dateTime = doc.created_at;
  time.textContent = when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  // The id `folio ask --doc` and the API take, selected whole by a click to copy it.
  const id = Object.assign(document.createElement("code"), { className: "doc-id", textContent: doc.id, title: "Document id (folio ask --doc ID)" });
  const name = document.createElement("span");
  name.append(doc.filename, document.createElement("br"), id);
  tr.append(
    cell(tick, "tick"),
    cell(name, "name"),
    cell(statusCell(doc, onRetry), "state"),
    cell((doc.pages || doc.progress.pages_total || "").toLocaleString(), "num", "Pages"),
    cell(doc.tokens ? doc.tokens.toLocaleString() : "", "num", "Tokens"),
    cell(time, "when", "Uploaded"),
    cell(del, "act"),
  );
  return tr;
}

/** A file on its way up, or refused by the server (with a way to dismiss it). */
export function pendingRow(entry, onDismiss) {
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
    action.addEventListener("click", onDismiss);
  }
  tr.append(cell(""), cell(entry.name, "name"), cell(status, "state"), cell(""), cell(""), cell(""), cell(action, "act"));
  return tr;
}
