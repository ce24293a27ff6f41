"""`folio eval review`: the review benchmark (CUAD's 41 categories on the 40 shared
contracts) through a fresh offline `folio serve` (or `--url`): one review with the cuad
preset, every cell scored; results.jsonl, report.md and review_f1.png (docs/EVAL.md).
`folio eval questions`: the offline reader's clause questions on the same contracts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def review_command(
    documents: Annotated[
        int | None, typer.Option(help="Only the first N contracts (default: all 40).")
    ] = None,
    categories: Annotated[
        str | None, typer.Option(help="Comma-separated CUAD categories (default: all 41).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: eval/results/review).")
    ] = None,
    url: Annotated[str | None, typer.Option(help="Use a running service instead.")] = None,
) -> None:
    """Score a whole offline review of the shared CUAD half: cell F1, evidence recall."""
    from eval.review.bench import default_out, run_on_service
    from eval.review.data import load

    err = Console(stderr=True)
    bench = load()
    cats = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    if unknown := set(cats or ()) - set(bench.categories):
        err.print(f"[red]error:[/red] unknown categories {sorted(unknown)}")
        raise typer.Exit(2)
    bench = bench.subset(documents, cats)
    try:
        report, ours = run_on_service(bench, out or default_out(), url, err.print)
    except RuntimeError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    c, base = ours["all"], ours["baseline"]
    ev = ours["evidence_recall"]
    Console().print(
        f"cell F1 {c.f1:.3f} (precision {c.precision:.3f}, recall {c.recall:.3f});"
        f" evidence recall {ev if ev is None else round(ev, 3)}; bare BM25 {base['f1']:.3f}"
    )
    err.print(f"report: {report}")


def questions_command(
    documents: Annotated[
        int | None, typer.Option(help="Only the first N contracts (default: all 40).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: eval/results/questions).")
    ] = None,
) -> None:
    """Ask the offline reader ten kinds of clause question of each shared CUAD contract."""
    from eval.common.paths import REPO
    from eval.questions.bench import run_questions

    report, s = run_questions(out or REPO / "eval" / "results" / "questions", documents)
    Console().print(
        f"right {s['right']:.3f}; where the clause is there {s['with_clause']:.3f};"
        f" where it is not {s['clause_less']:.3f}"
    )
    Console(stderr=True).print(f"report: {report}")
