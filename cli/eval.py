"""`folio eval niah`: run the needle-in-a-haystack suites from the command line, with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.eval_retrieval import retrieval_command
from cli.eval_review import questions_command, review_command
from cli.eval_router import router_command
from eval.common.paths import default_out
from eval.niah.haystack import default_haystack_dir, parse_length
from eval.niah.needles import CLASSIC_ANSWER, CLASSIC_NEEDLE, CLASSIC_QUESTION
from eval.niah.result import NiahResult
from eval.niah.session import EvalOptions, run_niah
from eval.niah.suites import SUITES, Grid
from eval.niah.summary import by_mode

eval_app = typer.Typer(
    help="Evaluate the service end to end: needles in haystacks, retrieval, reviews."
)


eval_app.command("router")(router_command)
eval_app.command("retrieval")(retrieval_command)
eval_app.command("review")(review_command)
eval_app.command("questions")(questions_command)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@eval_app.command("niah")
def niah(
    lengths: Annotated[str, typer.Option(help="Context lengths in tokens.")] = (
        "1k,8k,32k,128k,400k"
    ),
    depths: Annotated[str, typer.Option(help="Needle depths, % of the document.")] = (
        "0,10,20,30,40,50,60,70,80,90,100"
    ),
    modes: Annotated[str, typer.Option(help="Answer modes to compare.")] = "stuff,rag,auto",
    suites: Annotated[str, typer.Option(help=f"Suites to run, of {','.join(SUITES)}.")] = "single",
    haystack: Annotated[
        Path | None, typer.Option(help="Folder of .txt/.pdf files (default: Paul Graham essays).")
    ] = None,
    needle: Annotated[str, typer.Option(help="The fact to hide (single suite).")] = CLASSIC_NEEDLE,
    question: Annotated[str, typer.Option(help="The question asking for it.")] = CLASSIC_QUESTION,
    answer: Annotated[str, typer.Option(help="What a right answer states.")] = CLASSIC_ANSWER,
    trials: Annotated[int, typer.Option(help="Repeats of each question.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed for the seeded choices.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    url: Annotated[
        str | None, typer.Option(help="Evaluate a running service instead of starting one.")
    ] = None,
    provider: Annotated[
        str, typer.Option(help="offline: no key reaches the service; env: your FOLIO_* do.")
    ] = "offline",
    judge: Annotated[str | None, typer.Option(help="LLM judge model (needs a key).")] = None,
    keep: Annotated[bool, typer.Option(help="Keep documents and rendered PDFs.")] = False,
) -> None:
    """Build haystacks, ingest them through the API, ask in each mode, and write a report."""
    err = Console(stderr=True)
    unknown = set(_csv(suites)) - set(SUITES)
    if unknown or provider not in ("offline", "env"):
        err.print(f"[red]error:[/red] unknown suite(s) {sorted(unknown)} or provider {provider!r}")
        raise typer.Exit(2)
    try:
        grid = Grid(
            lengths=[parse_length(v) for v in _csv(lengths)],
            depths=[float(v) for v in _csv(depths)],
            haystack=haystack or default_haystack_dir(),
            seed=seed,
            needle=needle,
            question=question,
            answer=answer,
        )
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    specs = [spec for name in _csv(suites) for spec in SUITES[name](grid)]
    options = EvalOptions(
        out=out or default_out(),
        modes=tuple(_csv(modes)),
        trials=trials,
        seed=seed,
        provider=provider,
        url=url,
        judge_model=judge,
        keep_documents=keep,
    )
    total = sum(len(s.questions) for s in specs) * len(options.modes) * trials
    with _progress(err) as bar:
        task = bar.add_task("eval", total=total, status="starting the service")
        try:
            run = run_niah(
                specs,
                options,
                f"{suites}: lengths {lengths}; depths {depths}",
                on_status=lambda text: bar.update(task, status=text),
                on_result=lambda result: bar.advance(task),
            )
        except RuntimeError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
    if run.interrupted:
        err.print("interrupted; the report covers what ran")
    Console().print(_table(run.results))
    err.print(f"report: {run.report}" if run.report else "no results")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
    )


def _table(results: list[NiahResult]) -> Table:
    table = Table(title="folio eval")
    for name in ("suite", "mode", "n", "accuracy", "needle retrieved", "list $/q", "ms/q"):
        table.add_column(name)
    for s in by_mode(results):
        table.add_row(
            s["suite"],
            s["mode"],
            str(s["n"]),
            f"{100 * s['accuracy']:.0f}%" if s["accuracy"] is not None else "-",
            f"{100 * s['needle_retrieved']:.0f}%" if s["needle_retrieved"] is not None else "-",
            f"${s['list_cost_usd']:.4f}" if s["list_cost_usd"] is not None else "-",
            f"{s['latency_ms']:.0f}" if s["latency_ms"] is not None else "-",
        )
    return table
