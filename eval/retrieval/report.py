"""The retrieval benchmark's report: mean metrics per (dataset, system, setting, k), a
markdown table beside the published numbers, and a precision/recall-vs-k plot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

from eval.common.plotting import plt, save
from eval.common.tables import markdown_table
from eval.retrieval.metrics import K_VALUES
from eval.retrieval.result import RetrievalResult

# ContractNLI, corpus-wide (LegalBench-RAG, Pipitone & Alami 2024, best method: recursive
# splitting, no reranker) and a newer system's report; (k, precision, recall).
PUBLISHED = [
    ("LegalBench-RAG best (corpus)", 1, 0.066, None),
    ("LegalBench-RAG best (corpus)", 64, None, 0.617),
    ("newer systems (reported)", 1, 0.38, None),
    ("newer systems (reported)", 8, None, 0.81),
]
Key = tuple[str, str, str]  # dataset, system, setting
Summary = dict[Key, dict[int, dict[str, float]]]  # k -> mean of each metric, and "n"


def summarize(results: Iterable[RetrievalResult]) -> Summary:
    """Per (dataset, system, setting): for each k, the mean of each metric and the count."""
    sums: Summary = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    for result in results:
        key = (result.dataset, result.system, result.setting)
        for k, scores in result.at.items():
            cell = sums[key][k]
            cell["n"] += 1
            for name, value in asdict(scores).items():
                cell[name] += value
    return {
        key: {
            k: {name: (v / cell["n"] if name != "n" else v) for name, v in cell.items()}
            for k, cell in sorted(by_k.items())
        }
        for key, by_k in sorted(sums.items())
    }


def markdown(summary: Summary, ks: Sequence[int] = K_VALUES, notes: Sequence[str] = ()) -> str:
    """The report: precision / recall / page recall at each k, one row per system."""
    lines = ["# Retrieval benchmark", ""]
    lines += list(notes) + ([""] if notes else [])
    header = ["dataset", "system", "setting", "queries", *(f"@{k}" for k in ks)]
    for metric in ("precision", "recall", "page_recall"):
        table = []
        for (dataset, system, setting), by_k in summary.items():
            n = int(next(iter(by_k.values()))["n"]) if by_k else 0
            cells = [f"{by_k[k][metric]:.3f}" if k in by_k else "" for k in ks]
            table.append([dataset, system, setting, str(n), *cells])
        lines += [f"## {metric.replace('_', ' ')}@k", ""] + markdown_table(header, table) + [""]
    published = [
        [source, str(k), "" if p is None else str(p), "" if r is None else str(r)]
        for source, k, p, r in PUBLISHED
    ]
    lines += ["## Published (ContractNLI)", ""]
    lines += markdown_table(["source", "k", "precision", "recall"], published)
    return "\n".join(lines) + "\n"


def plot(summary: Summary, path: Path) -> Path:
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
    return save(fig, path)
