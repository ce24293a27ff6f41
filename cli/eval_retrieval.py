"""`folio eval retrieval`: public retrieval benchmarks through the real service.

Starts a fresh `folio serve` on a scratch data dir (or uses `--url`), uploads the
benchmark's PDFs, asks every query through `POST /search`, and writes results.jsonl,
report.md and retrieval_pr.png (see docs/EVAL.md for the numbers and how to read them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from eval.common.paths import default_out, shared_data
from eval.retrieval.data import load_contractnli, load_cuad

SHARED = shared_data()


def retrieval_command(
    data: Annotated[Path, typer.Option(help="ContractNLI folder (queries.jsonl, docs/).")] = SHARED
    / "benchmarks"
    / "contractnli",
    cuad: Annotated[
        Path | None, typer.Option(help="CUAD folder (annotations, PDFs); 'none' to skip.")
    ] = SHARED / "legal" / "cuad",
    setting: Annotated[
        list[str] | None, typer.Option(help="per-document and/or corpus (default: both).")
    ] = None,
    max_docs: Annotated[
        int | None, typer.Option(help="Only the first N documents of each benchmark.")
    ] = None,
    baseline: Annotated[bool, typer.Option(help="Score the bare BM25 baseline too.")] = True,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    url: Annotated[str | None, typer.Option(help="Use a running service instead.")] = None,
    env: Annotated[
        list[str] | None,
        typer.Option(help="FOLIO_NAME=value for the started service, e.g. to compare settings."),
    ] = None,
) -> None:
    """Score folio's retrieval on ContractNLI (and CUAD): precision, recall, page recall @k."""
    from eval.retrieval.bench import run_on_service
    from eval.retrieval.run import SETTINGS

    err = Console(stderr=True)
    settings = tuple(setting or SETTINGS)
    if unknown := set(settings) - set(SETTINGS):
        err.print(f"[red]error:[/red] unknown setting(s) {sorted(unknown)}; use {SETTINGS}")
        raise typer.Exit(2)
    benches = [] if str(data) == "none" else [load_contractnli(data).subset(max_docs)]
    if cuad is not None and str(cuad) != "none" and cuad.exists():
        benches.append(load_cuad(cuad).subset(max_docs))
    extra = dict(item.split("=", 1) for item in env or [] if "=" in item)
    out = out or default_out().with_name(default_out().name + "-retrieval")
    report, summary = run_on_service(
        benches, out, settings, baseline, url, service_env=extra, progress=err.print
    )
    Console().print(_table(summary))
    err.print(f"report: {report}")


def _table(summary: dict) -> Table:
    table = Table(title="retrieval (full tables in report.md)")
    for column in ("dataset", "system", "setting", "P@1", "R@8", "R@64", "page R@8"):
        table.add_column(column, justify="left" if column[0].islower() else "right")
    for (dataset, system, setting), by_k in summary.items():
        cells = [
            by_k.get(k, {}).get(metric)
            for k, metric in ((1, "precision"), (8, "recall"), (64, "recall"), (8, "page_recall"))
        ]
        shown = ["" if c is None else f"{c:.3f}" for c in cells]
        table.add_row(dataset, system, setting, *shown)
    return table
