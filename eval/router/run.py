"""`folio eval router` in one call: load LaRA's rows, train the learned router if asked,
replay every strategy for each pair of models, and write report.md, results.jsonl (the
main pair's) and a frontier PNG per pair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from core.embeddings.embedders import LocalEmbedder
from core.embeddings.question_vectors import QuestionVectors, static_minilm
from core.llm.catalog import Catalog, CatalogError, load_catalog
from eval.common.judge import Judge, build_judge
from eval.router import report
from eval.router.fit import FOLDS, examples, fold_models
from eval.router.lara import data_digest, fold_of, load_rows
from eval.router.replay import Replay
from eval.router.result import ROUTER
from eval.router.train import train
from query.routing.model import (
    DEFAULT_FILE,
    LearnedRouter,
    RouteModel,
    RouteModelError,
    load_route_model,
)

PREFERS = ("balanced", "cost", "quality")


class RouterEvalError(Exception):
    """A bad option or input (unknown model, missing data, unreadable weights)."""


@dataclass
class RouterOptions:
    """What `folio eval router` was asked (its options, one for one)."""

    data: Path
    out: Path
    stuff_model: str = "gpt-4o"
    rag_model: str = "gpt-4o-mini"
    pairs: str = "gpt-4o:gpt-4o,gpt-4o-mini:gpt-4o-mini"  # extra stuff:rag pairs
    train: bool = False  # fit on `data` and write `weights` first
    weights: Path | None = None  # default: the packaged weights
    cv: bool = True  # also replay models cross-validated by document on `data`
    models: Path | None = None  # a model catalog file
    limit: int | None = None  # only the first N rows
    judge: str | None = None  # also grade answers with this LLM judge


@dataclass
class RouterReport:
    """The report's path and its markdown."""

    path: Path
    markdown: str


def run_router(opts: RouterOptions, say: Callable[[str], None] = lambda text: None) -> RouterReport:
    """Replay every strategy on LaRA for the main pair and the extra ones and write the
    report; RouterEvalError for a bad option or input, before anything is replayed."""
    catalog, rows, extra = _inputs(opts)
    grader = _judge(opts.judge)
    opts.out.mkdir(parents=True, exist_ok=True)
    vectors = static_minilm(LocalEmbedder())
    shipped = _weights(opts, rows, catalog, vectors, say)
    routers = _routers(shipped, rows, catalog, vectors, opts.cv)
    lines = [f"# folio eval router: {opts.data.name}", ""]
    for i, (s_model, r_model) in enumerate([(opts.stuff_model, opts.rag_model), *extra]):
        replay = Replay(catalog, s_model, r_model)
        items = replay.run(rows, routers, prefers=PREFERS)
        label = f"stuff = {s_model} full, rag = {r_model} rag"
        grades = report.grade(items, grader) if grader else None
        lines += report.table(items, label, grades)
        report.frontier(items, opts.out / f"frontier_{s_model}_{r_model}.png", label)
        if i == 0:
            report.write_results(items, opts.out / "results.jsonl")
    markdown = "\n".join(lines)
    path = opts.out / "report.md"
    path.write_text(markdown, encoding="utf-8")
    return RouterReport(path, markdown)


def _inputs(opts: RouterOptions) -> tuple[Catalog, list[dict], list[tuple[str, str]]]:
    """The catalog (holding both models), the rows and the extra pairs, checked."""
    try:
        catalog = load_catalog(opts.models)
        rows = load_rows(opts.data)[: opts.limit] if opts.limit else load_rows(opts.data)
        for name in (opts.stuff_model, opts.rag_model):
            catalog.get(name)
        pairs = [p.split(":", 1) for p in opts.pairs.split(",") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise ValueError("--pairs takes stuff:rag model pairs separated by commas")
    except (CatalogError, KeyError, ValueError, FileNotFoundError) as exc:
        raise RouterEvalError(str(exc)) from exc
    return catalog, rows, [(stuff, rag) for stuff, rag in pairs]


def _judge(model: str | None) -> Judge | None:
    grader = build_judge(model)
    if model and grader is None:
        raise RouterEvalError("--judge needs FOLIO_OPENAI_API_KEY (and a base URL for a gateway)")
    return grader


def _weights(
    opts: RouterOptions,
    rows: list[dict],
    catalog: Catalog,
    vectors: QuestionVectors | None,
    say: Callable[[str], None],
) -> RouteModel:
    """The router's weights: fitted on the rows and written first under --train."""
    path = opts.weights or DEFAULT_FILE
    if opts.train:
        trained = train(rows, catalog, vectors, data_digest(opts.data))
        trained.model.save(path)
        say(f"wrote {path} (out-of-fold log loss {trained.cv_log_loss:.4f})")
    try:
        return load_route_model(path)
    except RouteModelError as exc:
        raise RouterEvalError(str(exc)) from exc


def _routers(
    shipped: RouteModel,
    rows: list[dict],
    catalog: Catalog,
    vectors: QuestionVectors | None,
    cv: bool,
) -> dict[str, Callable[[dict], LearnedRouter]]:
    """The routers to replay, each a function of the row: 'router' is cross-validated by
    document (each row routed by the fold model that never saw its document) when `cv`,
    else the shipped weights; with `cv` the shipped weights are replayed too."""
    fixed = {"router (shipped weights)": lambda row: LearnedRouter(shipped, vectors)}
    if not cv:
        return {ROUTER: fixed["router (shipped weights)"]}
    data = examples(rows, catalog, vectors)
    l2 = shipped.trained_on.get("l2", 1000.0)
    folds = fold_models(data, l2, shipped.vector_dim, shipped.version, {})
    cv_routers = {
        k: LearnedRouter(replace(m, preferences=shipped.preferences), vectors)
        for k, m in folds.items()
    }
    return {ROUTER: lambda row: cv_routers[fold_of(row["context_id"], FOLDS)]} | fixed
