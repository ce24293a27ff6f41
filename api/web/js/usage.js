// Usage: spend by model and by day from GET /usage as small bar charts (plain HTML bars,
// no library), and the tenant's budget when the server reports one.

import { ApiError, getJSON } from "./api.js";

const $ = (id) => document.getElementById(id);

// Dollars when anything cost money; else calls (the offline reader costs $0).
function measure(rows) {
  const spent = rows.some((r) => (r.cost_usd || 0) > 0);
  return spent
    ? { key: "cost_usd", label: (v) => `$${v.toFixed(4)}`, name: "dollars" }
    : { key: "calls", label: (v) => `${v} call${v === 1 ? "" : "s"}`, name: "calls" };
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** One bar per row, labelled with its name and value; the whole chart has a text label. */
function bars(rows, nameKey) {
  if (!rows.length) return el("p", { className: "muted", textContent: "No model calls yet." });
  const m = measure(rows);
  const max = Math.max(...rows.map((r) => r[m.key] || 0), 1e-9);
  const chart = el("div", { className: "bars" });
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", `${m.name} by ${nameKey}: ${rows.map((r) => `${r[nameKey]} ${m.label(r[m.key] || 0)}`).join(", ")}`);
  for (const r of rows) {
    const value = r[m.key] || 0;
    const bar = el("span", { className: "bar" });
    bar.style.width = `${Math.max(1, (100 * value) / max)}%`;
    chart.append(
      el("span", { className: "bar-name", textContent: r[nameKey], title: r[nameKey] }),
      el("span", { className: "bar-track", title: `${r.calls} calls, ${(r.input_tokens || 0).toLocaleString()} input tokens, $${(r.cost_usd || 0).toFixed(6)}` }, bar),
      el("span", { className: "bar-value", textContent: m.label(value) }),
    );
  }
  return chart;
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
    document.querySelector("#usage .charts").hidden = false;
    $("chart-model").replaceChildren(bars(usage.by_model, "model"));
    $("chart-day").replaceChildren(bars(usage.by_day.slice(-14), "day"));
    // Servers with API keys also count by key (null: calls made without one).
    const byKey = (usage.by_key || []).map((r) => ({ ...r, key: r.key ?? "no key" }));
    $("figure-key").hidden = byKey.length === 0;
    $("chart-key").replaceChildren(bars(byKey, "key"));
    $("budget-state").textContent = budgetText(usage);
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    document.querySelector("#usage .charts").hidden = true;
    $("budget-state").textContent = exc.status === 401 ? "Sign in to see usage." : exc.message;
  }
}

export function wireUsage() {
  $("usage-refresh").addEventListener("click", refreshUsage);
  window.addEventListener("folio:asked", refreshUsage);
}
