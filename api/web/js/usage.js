// Usage: spend by model and by day from GET /usage as small bar charts (inline SVG, no
// library), and the tenant's budget when the server reports one.

import { ApiError, getJSON } from "./api.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Dollars when anything cost money; else calls (the offline reader costs $0).
function measure(rows) {
  const spent = rows.some((r) => (r.cost_usd || 0) > 0);
  return spent
    ? { key: "cost_usd", label: (v) => `$${v.toFixed(4)}`, name: "dollars" }
    : { key: "calls", label: (v) => `${v} call${v === 1 ? "" : "s"}`, name: "calls" };
}

/** Horizontal bars, one per row, labelled with the name and the value. */
function bars(rows, nameKey) {
  const box = document.createElement("div");
  if (!rows.length) {
    box.append(Object.assign(document.createElement("p"), { className: "muted", textContent: "No model calls yet." }));
    return box;
  }
  const m = measure(rows);
  const max = Math.max(...rows.map((r) => r[m.key] || 0), 1e-9);
  const rowH = 26;
  const chart = svg("svg", {
    viewBox: `0 0 400 ${rows.length * rowH}`,
    role: "img",
    "aria-label": `${m.name} by ${nameKey}: ` + rows.map((r) => `${r[nameKey]} ${m.label(r[m.key] || 0)}`).join(", "),
  });
  rows.forEach((r, i) => {
    const y = i * rowH;
    const w = Math.max(2, (230 * (r[m.key] || 0)) / max);
    chart.append(
      svg("text", { x: 0, y: y + 17, class: "chart-name" }, r[nameKey].length > 18 ? `${r[nameKey].slice(0, 17)}…` : r[nameKey]),
      svg("rect", { x: 120, y: y + 4, width: w, height: rowH - 8, rx: 3, class: "chart-bar" }),
      svg("text", { x: 126 + w, y: y + 17, class: "chart-value" }, m.label(r[m.key] || 0)),
    );
    chart.lastChild.previousSibling.append(svg("title", {}, `${r[nameKey]}: ${r.calls} calls, ${(r.input_tokens || 0).toLocaleString()} input tokens, $${(r.cost_usd || 0).toFixed(6)}`));
  });
  box.append(chart);
  return box;
}

function budgetText(usage) {
  const b = usage.budget;
  if (!b) return "";
  if (typeof b !== "object") return `Budget: ${b}`;
  const parts = [];
  for (const [k, v] of Object.entries(b)) {
    if (v === null || v === undefined) continue;
    const label = k.replaceAll("_", " ");
    parts.push(`${label}: ${typeof v === "number" && k.includes("usd") ? `$${v.toFixed(4)}` : v}`);
  }
  return parts.length ? `Budget · ${parts.join(" · ")}` : "";
}

export async function refreshUsage() {
  try {
    const usage = await getJSON("/usage");
    $("chart-model").replaceChildren(bars(usage.by_model, "model"));
    $("chart-day").replaceChildren(bars(usage.by_day.slice(-14), "day"));
    $("budget-state").textContent = budgetText(usage);
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    $("budget-state").textContent = exc.status === 401 ? "Sign in to see usage." : exc.message;
  }
}

export function wireUsage() {
  $("usage-refresh").addEventListener("click", refreshUsage);
  window.addEventListener("folio:asked", refreshUsage);
}
