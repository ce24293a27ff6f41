// The questions of this session, newest first, each with its answer: any of them can be
// shown again. Kept for the tab (sessionStorage, like the key) and forgotten at sign-out.
// The questions since "New thread" are a conversation: the next one is sent with them as
// its history, so a follow-up ("Where does it say that?") is read in their light.

import { el, readAs } from "./answer_view.js";

const KEY = "folio.history";
const KEEP = 30;
const THREAD = "folio.threadStart";
const THREAD_TURNS = 6; // earlier questions sent with the next one, at most
const $ = (id) => document.getElementById(id);

let entries = load(); // [{id, question, result, at}], newest first
let shownId = null;
let onPick = () => {};

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || [];
  } catch {
    return [];
  }
}

function save() {
  // A full storage drops the oldest answers rather than the newest.
  for (let keep = entries.length; keep > 0; keep = Math.floor(keep / 2)) {
    try {
      sessionStorage.setItem(KEY, JSON.stringify(entries.slice(0, keep)));
      return;
    } catch {
      /* over the quota: keep fewer */
    }
  }
}

/** Add an answered question; returns its entry (now the one shown). */
export function remember(question, result) {
  const entry = { id: result.question_id, question, result, at: Date.now() };
  entries = [entry, ...entries].slice(0, KEEP);
  shownId = entry.id;
  save();
  render();
  return entry;
}

/** The thread's earlier questions and answers, oldest first, as /query's `history`. */
export function thread() {
  const since = Number(sessionStorage.getItem(THREAD) || 0);
  const asked = entries.filter((e) => e.at >= since).slice(0, THREAD_TURNS).reverse();
  return asked.flatMap((e) => [
    { role: "user", content: e.question },
    { role: "assistant", content: e.result.answer },
  ]);
}

/** Start a new thread: the next question is read on its own. */
export function newThread() {
  sessionStorage.setItem(THREAD, String(Date.now()));
}

/** Forget every question (another key may be another tenant's). */
export function forgetHistory() {
  newThread();
  entries = [];
  shownId = null;
  sessionStorage.removeItem(KEY);
  render();
}

/** The newest entry, put back on the page after a reload. */
export function latest() {
  return entries[0] || null;
}

function render() {
  const items = entries.map((entry, i) => {
    const when = new Date(entry.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const button = el(
      "button",
      { type: "button", className: "history-item" },
      el("span", { className: "history-q", textContent: entry.question }),
      el("span", { className: "history-meta", textContent: `${when} · ${entry.result.citations.length} citation(s) · ${readAs(entry.result)}` }),
    );
    if (entry.id === shownId) button.setAttribute("aria-current", "true");
    button.dataset.index = String(i);
    button.addEventListener("click", () => {
      shownId = entry.id;
      render();
      onPick(entry);
    });
    return el("li", {}, button);
  });
  $("history-list").replaceChildren(...items);
  $("history").hidden = entries.length === 0;
}

/** Wire the list: `pick(entry)` shows an earlier answer. */
export function wireHistory(pick) {
  onPick = pick;
  shownId = entries[0]?.id ?? null;
  render();
}
