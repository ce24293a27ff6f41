"""`folio eval router`: replay LaRA's real answers through folio's router; `--train` writes
the learned router's weights (see docs/ROUTING.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

PAIRS_HELP = "Extra stuff:rag pairs to tabulate, e.g. gpt-4o:gpt-4o,gpt-4o-mini:gpt-4o-mini."


def router_command(
    data: Annotated[Path, typer.Option(help="LaRA rows (.jsonl or .jsonl.gz).")] = Path(
        "../shared/data/benchmarks/lara/dev.jsonl.gz"
    ),
    stuff_model: Annotated[str, typer.Option(help="Catalog model that reads whole.")] = "gpt-4o",
    rag_model: Annotated[str, typer.Option(help="Catalog model that reads chunks.")] = (
        "gpt-4o-mini"
    ),
    pairs: Annotated[str, typer.Option(help=PAIRS_HELP)] = "gpt-4o:gpt-4o,gpt-4o-mini:gpt-4o-mini",
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("eval/results/router"),
    train: Annotated[bool, typer.Option(help="Fit on --data and write --weights.")] = False,
    weights: Annotated[Path | None, typer.Option(help="Weights file (default: packaged).")] = None,
    cv: Annotated[
        bool, typer.Option(help="Also replay models cross-validated by document on --data.")
    ] = True,
    models: Annotated[Path | None, typer.Option(help="Model catalog file.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N rows (a quick look).")] = None,
    judge: Annotated[
        str | None, typer.Option(help="Also grade answers with this LLM judge (needs a key).")
    ] = None,
) -> None:
    """Score always-stuff, always-rag, Self-Route, today's rule, the learned router and the
    oracle on real LaRA answers; write results.jsonl, report.md and frontier PNGs."""
    # Imported here: the replay loads the embedder and the router (not needed for --help).
    from eval.router.run import RouterEvalError, RouterOptions, run_router

    err = Console(stderr=True)
    options = RouterOptions(
        data, out, stuff_model, rag_model, pairs, train, weights, cv, models, limit, judge
    )
    try:
        report = run_router(options, say=err.print)
    except RouterEvalError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    Console().print(report.markdown)
    err.print(f"report: {report.path}")
