"""A NIAH run's report, written at the end: summary.csv, report.md and the PNGs (the
results.jsonl lines went out as the results arrived, eval/common/results.py)."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.common.tables import markdown_table
from eval.niah import plots
from eval.niah.result import NiahResult
from eval.niah.summary import by_mode, cells, frontier, group, mean_of, miss_causes, router_view


def read_results(path: Path) -> list[NiahResult]:
    """The results of a results.jsonl (to re-draw a report without re-running)."""
    with open(path, encoding="utf-8") as fh:
        return [NiahResult.from_dict(json.loads(line)) for line in fh if line.strip()]


def _fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "-"
    if kind == "pct":
        return f"{100 * value:.0f}%"
    if kind == "usd":
        return f"${value:.4f}" if value < 1 else f"${value:.2f}"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def _table(header: Sequence[str], lines: Sequence[Sequence[str]]) -> list[str]:
    return markdown_table(header, lines) + [""]


def write_summary_csv(rows: Sequence[NiahResult], path: Path) -> None:
    """One line per (suite, mode, length, depth) cell; an empty file without results."""
    summary = cells(rows)
    if not summary:
        path.write_text("")
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(summary[0]))
        writer.writeheader()
        writer.writerows(summary)


def _pivot(rows: Sequence[NiahResult], suite: str, mode: str) -> list[str]:
    picked = [r for r in rows if r.suite == suite and r.mode == mode]
    if not picked or all(r.depth is None for r in picked):
        return []
    lengths = sorted({r.context_length for r in picked})
    depths = sorted({r.depth for r in picked if r.depth is not None})
    cellmap = group(picked, ("depth", "context_length"))
    lines = [
        [f"{d:g}%"]
        + [_fmt(mean_of(r.score for r in cellmap.get((d, n), [])), "pct") for n in lengths]
        for d in depths
    ]
    return [f"**{mode}** (accuracy; rows: depth, columns: tokens)", ""] + _table(
        ["depth"] + [f"{n:,}" for n in lengths], lines
    )


def write_report(out: Path, rows: Sequence[NiahResult], meta: dict[str, Any]) -> Path:
    """summary.csv, the PNGs and report.md under `out`; returns the report's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_summary_csv(rows, out / "summary.csv")
    md = ["# folio needle-in-a-haystack evaluation", ""]
    md += [f"- **{k}**: {v}" for k, v in meta.items()] + [f"- **rows**: {len(rows)}", ""]
    md += ["## Overview", ""]
    md += _table(
        [
            "suite",
            "mode",
            "n",
            "accuracy",
            "cites needle page",
            "needle retrieved",
            "mean needle rank",
            "$/question",
            "list $/question",
            "ms/question",
            "errors",
        ],
        [
            [
                s["suite"],
                s["mode"],
                str(s["n"]),
                _fmt(s["accuracy"], "pct"),
                _fmt(s["cited_needle_page"], "pct"),
                _fmt(s["needle_retrieved"], "pct"),
                _fmt(s["needle_rank"]),
                _fmt(s["billed_usd"], "usd"),
                _fmt(s["list_cost_usd"], "usd"),
                _fmt(s["latency_ms"]),
                str(s["errors"]),
            ]
            for s in by_mode(rows)
        ],
    )
    md += _ingest_line(rows)
    causes = miss_causes(rows)
    if causes:
        md += ["Misses by cause: " + ", ".join(f"{k} {v}" for k, v in causes.most_common()), ""]
    if plots.cost_latency(rows, out / "cost_latency.png"):
        md += ["![cost and latency (single-needle grid)](cost_latency.png)", ""]
    for suite in dict.fromkeys(r.suite for r in rows):
        md += [f"## {suite}", ""]
        if plots.accuracy_heatmaps(rows, suite, out / f"accuracy_{suite}.png"):
            md += [f"![{suite} accuracy](accuracy_{suite}.png)", ""]
        if plots.accuracy_heatmaps(
            rows, suite, out / f"retrieval_{suite}.png", field="needles_retrieved"
        ):
            md += [f"![{suite} needle retrieved](retrieval_{suite}.png)", ""]
        for mode in dict.fromkeys(r.mode for r in rows if r.suite == suite):
            md += _pivot(rows, suite, mode)
        if suite == "router":
            md += _router_section(rows, out)
    errors = [r for r in rows if r.error]
    if errors:
        md += ["## Errors", ""] + [
            f"- {r.doc} {r.mode}: {(r.error or '')[:300]}" for r in errors[:20]
        ]
    path = out / "report.md"
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return path


def _ingest_line(rows: Sequence[NiahResult]) -> list[str]:
    """Upload-to-ready time over every document: the eval's own cost, and the service's."""
    docs = {r.doc: r for r in rows if r.ingest_s and r.pdf_tokens}
    tokens = sum(r.pdf_tokens for r in docs.values())
    seconds = sum(r.ingest_s for r in docs.values())
    if not docs or not seconds:
        return []
    return [
        f"Ingest (upload to ready): {len(docs)} documents, {tokens:,} tokens in {seconds:.0f} s,"
        f" {tokens / seconds:,.0f} tokens/s ({100_000 * seconds / tokens:.0f} s per 100K tokens).",
        "",
    ]


def _router_section(rows: Sequence[NiahResult], out: Path) -> list[str]:
    view = router_view(rows)
    strategies = view["strategies"]
    on_frontier = set(frontier(strategies))
    md = [f"Cost basis: {view['cost_basis']}.", ""]
    md += _table(
        [
            "strategy",
            "n",
            "accuracy",
            "local",
            "global",
            "$/question",
            "ms/question",
            "on frontier",
        ],
        [
            [
                name,
                str(s["n"]),
                _fmt(s["accuracy"], "pct"),
                _fmt(s.get("accuracy_local"), "pct"),
                _fmt(s.get("accuracy_global"), "pct"),
                _fmt(s["cost_usd"], "usd"),
                _fmt(s["latency_ms"]),
                "yes" if name in on_frontier else "",
            ]
            for name, s in strategies.items()
        ],
    )
    choices = ", ".join(f"{k or 'none'} {v}" for k, v in view["auto_choices"].most_common())
    by_kind = ", ".join(
        f"{kind}->{mode} {v}"
        for (kind, mode), v in sorted(view["auto_choices_by_kind"].items(), key=str)
    )
    md += [f"auto chose: {choices} (escalated {view['escalated']}); by kind: {by_kind}", ""]
    lengths = sorted({n for n, _ in view["by_length"]})
    modes = list(dict.fromkeys(m for _, m in view["by_length"]))
    lines = []
    for n in lengths:
        line = [f"{n:,}"]
        for m in modes:
            cell = view["by_length"].get((n, m))
            line.append(
                "-"
                if cell is None
                else f"{_fmt(cell['accuracy'], 'pct')} at {_fmt(cell['cost_usd'], 'usd')}"
                + (
                    f" ({', '.join(f'{k} {v}' for k, v in cell['chose'].items())})"
                    if m == "auto"
                    else ""
                )
            )
        lines.append(line)
    md += ["By document size (accuracy at $/question; auto's choices):", ""]
    md += _table(["tokens"] + modes, lines)
    if plots.router_frontier(strategies, view["cost_basis"], out / "router_frontier.png"):
        md += ["![router frontier](router_frontier.png)", ""]
    return md
