"""The router replay's outputs: results.jsonl, the markdown tables and the frontier plot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eval.common.judge import Judge
from eval.common.plotting import plt, save
from eval.common.results import ResultsFile
from eval.router.lara import answer
from eval.router.result import ROUTER, Outcome, RouterResult

Grades = dict[tuple[str, str, str], float | None]  # (qid, model, side) -> the judge's grade


def answered(outcome: Outcome) -> tuple[str, str]:
    """(model, side) of the answer a strategy ended with (an escalation ends stuffed)."""
    return outcome.model, "stuff" if outcome.escalated else outcome.mode


def grade(items: Sequence[RouterResult], judge: Judge) -> Grades:
    """The LLM judge's 0/0.5/1 for every distinct answer any strategy ended with."""
    grades: Grades = {}
    for item in items:
        row = item.row
        for outcome in item.results.values():
            model, side = answered(outcome)
            key = (row["qid"], model, side)
            if key not in grades:
                text = answer(row, model, side) or ""
                grades[key] = judge.grade(row["question"], row["answer"], text) if text else 0.0
    return grades


def summarise(items: Sequence[RouterResult], name: str, grades: Grades | None = None) -> dict:
    """Accuracy, mean cost and the share sent to each side for one strategy (and the
    judge's mean grade where `grades` has them)."""
    outs = [i.results[name] for i in items]
    n = len(outs) or 1
    judged = [
        grades.get((i.row["qid"], *answered(i.results[name]))) for i in items
    ] if grades else []  # fmt: skip
    judged = [g for g in judged if g is not None]
    return {
        "n": len(outs),
        "accuracy": sum(o.right for o in outs) / n,
        "judge": sum(judged) / len(judged) if judged else None,
        "cost_usd": sum(o.cost_usd for o in outs) / n,
        "stuff_share": sum(o.mode == "stuff" for o in outs) / n,
        "escalated_share": sum(o.escalated for o in outs) / n,
    }


def table(items: Sequence[RouterResult], pair: str, grades: Grades | None = None) -> list[str]:
    """Markdown: every strategy overall, then accuracy by task and by length."""
    names = list(items[0].results)
    overall = {name: summarise(items, name, grades) for name in names}
    judge = " judge |" if grades else ""
    lines = [
        f"### {pair} ({len(items)} questions)",
        "",
        f"| strategy | accuracy |{judge} $/question | to stuff | escalated |",
        "|---|---:|" + ("---:|" if grades else "") + "---:|---:|---:|",
    ]
    for name, s in overall.items():
        judged = "" if not grades else (
            f" {100 * s['judge']:.1f}% |" if s["judge"] is not None else " - |"
        )  # fmt: skip
        lines.append(
            f"| {name} | {100 * s['accuracy']:.1f}% |{judged} ${s['cost_usd']:.4f} |"
            f" {100 * s['stuff_share']:.0f}% | {100 * s['escalated_share']:.0f}% |"
        )
    fixed = max(overall["always-stuff"]["accuracy"], overall["always-rag"]["accuracy"])
    gap = overall["oracle"]["accuracy"] - fixed
    if ROUTER in overall and gap > 0:
        closed = (overall[ROUTER]["accuracy"] - fixed) / gap
        lines += ["", f"Share of the oracle's gap the router closes: {100 * closed:.0f}%."]
    for key in ("task", "length"):
        values = sorted({i.row[key] for i in items})
        lines += ["", f"| by {key} | " + " | ".join(values) + " |", "|---|" + "---:|" * len(values)]
        groups = {v: [i for i in items if i.row[key] == v] for v in values}
        for name in names:
            cells = [f"{100 * summarise(groups[v], name)['accuracy']:.1f}%" for v in values]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        counts = " | ".join(f"n={len(groups[v])}" for v in values)
        lines.append(f"| (questions) | {counts} |")
    return lines + [""]


def write_results(items: Sequence[RouterResult], path: Path) -> None:
    """One line per question: the router's choice, and every strategy's outcome."""
    results: ResultsFile[RouterResult] = ResultsFile(path, fresh=True, ensure_ascii=False)
    for item in items:
        results.write(item)


def frontier(items: Sequence[RouterResult], path: Path, title: str = "") -> bool:
    """Accuracy against $/question for every strategy of one pair (a legend, not labels:
    strategies crowd the cheap corner)."""
    points = {name: summarise(items, name) for name in items[0].results}
    if not points:
        return False
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    markers = "osD^v<>pP*Xh"
    for i, (name, s) in enumerate(points.items()):
        ax.scatter(s["cost_usd"], 100 * s["accuracy"], s=55, marker=markers[i % 12], label=name)
    ax.set_xscale("log")
    ax.set_xlabel("mean USD per question (catalog list price, log scale)")
    ax.set_ylabel("accuracy (%, deterministic scorer)")
    ax.grid(alpha=0.3)
    ax.set_title(title or "router: accuracy vs cost", fontsize=10)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    save(fig, path)
    return True
