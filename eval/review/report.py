"""The review benchmark's report: cell F1 overall, per category and per route, evidence
recall, the bare baseline and the published anchors (whose metrics differ), and a plot
of F1 per category."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from eval.common.plotting import plt, save
from eval.common.tables import markdown_table
from eval.review.result import CellResult
from eval.review.scoring import Counts, tally

ANCHORS = [
    "- CUAD's fine-tuned DeBERTa-xlarge (Hendrycks et al. 2021): AUPR 47.8%, precision at"
    " 80% recall 44.0%, on CUAD's test split; a ranking metric over extracted spans, not"
    " this cell F1.",
    "- ContractEval (2025), GPT-4.1 zero-shot: span F1 about 0.64 on CUAD; span-level, with"
    " its own matching rule, not this cell F1.",
    "- So neither is directly comparable with the numbers above; they place the task.",
]


def summary(results: Iterable[CellResult]) -> dict:
    """Counts overall, per category and per route; evidence recall; of one system."""
    rows = list(results)
    per_category: dict[str, list[str]] = defaultdict(list)
    per_route: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        per_category[r.category].append(r.outcome)
        per_route[r.route or "-"].append(r.outcome)
    evidence = [r.evidence for r in rows if r.evidence is not None]
    return {
        "all": tally(r.outcome for r in rows),
        "categories": {k: tally(v) for k, v in per_category.items()},
        "routes": {k: tally(v) for k, v in per_route.items()},
        "evidence_recall": sum(evidence) / len(evidence) if evidence else None,
        "gold_cells": len(evidence),
        "errors": sum(r.error is not None for r in rows),
    }


def _line(name: str, c: Counts) -> list[str]:
    return [name, f"{c.f1:.3f}", f"{c.precision:.3f}", f"{c.recall:.3f}",
            str(c.tp), str(c.fp), str(c.fn), str(c.tn)]  # fmt: skip


HEADER = ("", "F1", "precision", "recall", "TP", "FP", "FN", "TN")


def markdown(ours: dict, baseline: dict, notes: Sequence[str] = ()) -> str:
    """report.md."""
    c = ours["all"]
    ev = ours["evidence_recall"]
    lines = ["# Review benchmark (CUAD, shared half)", "", *notes, ""]
    lines += [
        f"**Cell F1 {c.f1:.3f}** (precision {c.precision:.3f}, recall {c.recall:.3f});"
        f" evidence recall {ev:.3f} over {ours['gold_cells']} cells with a gold clause."
        if ev is not None
        else f"**Cell F1 {c.f1:.3f}**",
        "",
        "## Beside the baseline",
        "",
        *markdown_table(
            ("system", "cell F1", "precision", "recall"),
            [
                ("folio (this run)", f"{c.f1:.3f}", f"{c.precision:.3f}", f"{c.recall:.3f}"),
                (
                    f"bare BM25, 500-char pieces, description as query (best threshold"
                    f" {baseline['threshold']})",
                    f"{baseline['f1']:.3f}",
                    f"{baseline['precision']:.3f}",
                    f"{baseline['recall']:.3f}",
                ),
                ("CUAD's gold clauses cited (ceiling)", f"{baseline['gold_f1']:.3f}", "", ""),
            ],
        ),
        "",
        "Published anchors (their metrics differ from this cell F1):",
        "",
        *ANCHORS,
        "",
        "## Per route",
        "",
        *markdown_table(HEADER, [_line(k, v) for k, v in sorted(ours["routes"].items())], True),
        "",
        "## Per category",
        "",
        *markdown_table(HEADER, [_line(k, v) for k, v in ours["categories"].items()], right=True),
        "",
    ]
    return "\n".join(lines)


def plot(ours: dict, path: Path) -> Path:
    """F1 per category, sorted, with the overall F1 as a line."""
    items = sorted(ours["categories"].items(), key=lambda kv: kv[1].f1)
    fig, ax = plt.subplots(figsize=(8, 9))
    ax.barh([k for k, _ in items], [v.f1 for _, v in items], color="#4a7ebb")
    ax.axvline(ours["all"].f1, color="black", linestyle="--", label="all cells")
    ax.set_xlabel("cell F1 (a category with no gold clause and no quote scores 1)")
    ax.set_xlim(0, 1)
    ax.legend(loc="lower right")
    ax.set_title("folio review, CUAD shared half, per category")
    ax.tick_params(axis="y", labelsize=7)
    return save(fig, path)
