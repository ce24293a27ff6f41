"""The retrieval benchmark's report: mean metrics per (dataset, system, setting, k), a
markdown table beside the published numbers, and a precision/recall-vs-k plot."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first

from eval.retrieval_metrics import K_VALUES  # noqa: E402

# ContractNLI, corpus-wide (LegalBench-RAG, Pipitone & Alami 2024, best method: recursive
# splitting, no reranker) and a newer system's report; (k, precision, recall).
PUBLISHED = [
    ("LegalBench-RAG best (corpus)", 1, 0.066, None),
    ("LegalBench-RAG best (corpus)", 64, None, 0.617),
    ("newer systems (reported)", 1, 0.38, None),
    ("newer systems (reported)", 8, None, 0.81),
]
Key = tuple[str, str, str]  # dataset, system, setting


def summarize(rows: Iterable[dict]) -> dict[Key, dict[int, dict[str, float]]]:
    """Per (dataset, system, setting): for each k, the mean of each metric and the count."""
    sums: dict[Key, dict[int, dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for row in rows:
        key = (row["dataset"], row["system"], row["setting"])
        for k, metrics in row["at"].items():
            cell = sums[key][int(k)]
            cell["n"] += 1
            for name, value in metrics.items():
                cell[name] += value
    return {
        key: {
            k: {name: (v / cell["n"] if name != "n" else v) for name, v in cell.items()}
            for k, cell in sorted(by_k.items())
        }
        for key, by_k in sorted(sums.items())
    }


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def markdown(summary: dict, ks: Sequence[int] = K_VALUES, notes: Sequence[str] = ()) -> str:
    """The report: precision / recall / page recall at each k, one row per system."""
    lines = ["# Retrieval benchmark", ""]
    lines += list(notes) + ([""] if notes else [])
    head = " | ".join(f"@{k}" for k in ks)
    for metric in ("precision", "recall", "page_recall"):
        lines += [f"## {metric.replace('_', ' ')}@k", ""]
        lines += [f"| dataset | system | setting | queries | {head} |"]
        lines += ["|---|---|---|---|" + "---|" * len(ks)]
        for (dataset, system, setting), by_k in summary.items():
            n = int(next(iter(by_k.values()))["n"]) if by_k else 0
            cells = " | ".join(f"{by_k[k][metric]:.3f}" if k in by_k else "" for k in ks)
            lines.append(f"| {dataset} | {system} | {setting} | {n} | {cells} |")
        lines.append("")
    lines += ["## Published (ContractNLI)", "", "| source | k | precision | recall |"]
    lines += ["|---|---|---|---|"]
    for source, k, p, r in PUBLISHED:
        lines.append(f"| {source} | {k} | {'' if p is None else p} | {'' if r is None else r} |")
    return "\n".join(lines) + "\n"


def plot(summary: dict, path: Path) -> Path:
    """Precision and recall against k (log scale), one line per dataset/system/setting."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (dataset, system, setting), by_k in summary.items():
        ks = sorted(by_k)
        label = f"{dataset} {system} {setting}"
        style = "-" if system == "folio" else "--"
        left.plot(ks, [by_k[k]["precision"] for k in ks], style, marker="o", label=label)
        right.plot(ks, [by_k[k]["recall"] for k in ks], style, marker="o", label=label)
    for ax, name in ((left, "precision@k"), (right, "recall@k")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("k (passages)")
        ax.set_title(name)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    right.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
