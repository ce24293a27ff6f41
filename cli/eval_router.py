"""`folio eval router`: replay LaRA's real answers through folio's router; `--train` writes
the learned router's weights (see docs/ROUTING.md)."""

from __future__ import annotations

from dataclasses import replace
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
    from core.embeddings.embedders import LocalEmbedder
    from core.embeddings.question_vectors import static_minilm
    from core.llm.catalog import CatalogError, load_catalog
    from eval import router_report
    from eval.judge import build_judge
    from eval.lara import data_digest, fold_of, load_rows
    from eval.router_eval import train as fit_router
    from eval.router_replay import Replay
    from eval.router_train import FOLDS, examples, fold_models
    from query.routing.model import DEFAULT_FILE, LearnedRouter, RouteModelError, load_route_model

    err = Console(stderr=True)
    try:
        catalog = load_catalog(models)
        rows = load_rows(data)[:limit] if limit else load_rows(data)
        for name in (stuff_model, rag_model):
            catalog.get(name)
        extra = [tuple(p.split(":", 1)) for p in pairs.split(",") if p.strip()]
        if any(len(p) != 2 for p in extra):
            raise ValueError("--pairs takes stuff:rag model pairs separated by commas")
    except (CatalogError, KeyError, ValueError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    grader = build_judge(judge)
    if judge and grader is None:
        err.print(
            "[red]error:[/red] --judge needs FOLIO_OPENAI_API_KEY (and a base URL for a gateway)"
        )
        raise typer.Exit(2)
    out.mkdir(parents=True, exist_ok=True)
    vectors = static_minilm(LocalEmbedder())
    path = weights or DEFAULT_FILE
    if train:
        trained = fit_router(rows, catalog, vectors, data_digest(data))
        trained.model.save(path)
        err.print(f"wrote {path} (out-of-fold log loss {trained.cv_log_loss:.4f})")
    try:
        shipped = load_route_model(path)
    except RouteModelError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    routers = {"router (shipped weights)": lambda row: LearnedRouter(shipped, vectors)}
    if cv:
        ex = examples(rows, catalog, vectors)
        dim = shipped.vector_dim
        folds = fold_models(ex, shipped.trained_on.get("l2", 1000.0), dim, shipped.version, {})
        cv_routers = {
            k: LearnedRouter(replace(m, preferences=shipped.preferences), vectors)
            for k, m in folds.items()
        }
        routers = {"router": lambda row: cv_routers[fold_of(row["context_id"], FOLDS)]} | routers
    else:
        routers = {"router": routers["router (shipped weights)"]}
    lines = [f"# folio eval router: {data.name}", ""]
    for i, (s_model, r_model) in enumerate([(stuff_model, rag_model), *extra]):
        replay = Replay(catalog, s_model, r_model)
        items = replay.run(rows, routers, prefers=("balanced", "cost", "quality"))
        label = f"stuff = {s_model} full, rag = {r_model} rag"
        grades = router_report.grade(items, grader) if grader else None
        lines += router_report.table(items, label, grades)
        slug = f"{s_model}_{r_model}"
        router_report.frontier(items, out / f"frontier_{slug}.png", label)
        if i == 0:
            router_report.write_results(items, out / "results.jsonl")
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    Console().print("\n".join(lines))
    err.print(f"report: {out / 'report.md'}")
