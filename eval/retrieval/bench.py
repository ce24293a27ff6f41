"""One retrieval benchmark run: folio through its API and the bare baseline, side by side,
written as results.jsonl, report.md and retrieval_pr.png in the output folder."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from client import FolioClient
from core.access.admin_key import client_key
from core.settings import Settings
from eval.common.results import ResultsFile
from eval.common.service import folio_version, start_service
from eval.retrieval.baseline import bare_bm25_searcher
from eval.retrieval.data import Benchmark
from eval.retrieval.report import Summary, markdown, plot, summarize
from eval.retrieval.result import RetrievalResult
from eval.retrieval.run import SETTINGS, score_rows, service_searcher, upload

Progress = Callable[[str], None]


def run_retrieval(
    client: FolioClient,
    benchmarks: Sequence[Benchmark],
    out: Path,
    settings: Sequence[str] = SETTINGS,
    baseline: bool = True,
    progress: Progress | None = None,
    meta: Sequence[str] = (),
) -> tuple[Path, Summary]:
    """Upload each benchmark, score folio (and the baseline) on every query; returns the
    report's path and the summary it was written from."""
    say = progress or (lambda text: None)
    out.mkdir(parents=True, exist_ok=True)
    results: ResultsFile[RetrievalResult] = ResultsFile(out / "results.jsonl", fresh=True)
    notes: list[str] = [f"- {line}" for line in meta]
    for bench in benchmarks:
        started = time.monotonic()
        say(f"{bench.name}: uploading {len(bench.documents)} documents")
        corpus = upload(client, bench)
        ingest_s = time.monotonic() - started
        say(f"{bench.name}: {len(bench.queries)} queries through /search")
        searcher = service_searcher(client, corpus)
        for result in score_rows(bench, corpus.spaces, searcher, "folio", settings):
            results.write(result)
        search_s = time.monotonic() - started - ingest_s
        if baseline:
            bare, spaces = bare_bm25_searcher(bench.documents)
            for result in score_rows(bench, spaces, bare, "bare-bm25", settings):
                results.write(result)
        ours = [r for r in results.results if (r.dataset, r.system) == (bench.name, "folio")]
        first = [r for r in ours if r.setting == settings[0]]
        notes.append(
            f"- {bench.name}: {len(bench.documents)} documents, {len(first)} of"
            f" {len(bench.queries)} queries scored (the rest: no gold span found in the"
            f" PDF's text); gold spans not found: {sum(r.gold_unlocated for r in first)};"
            f" ingest {ingest_s:.0f} s, search {search_s:.0f} s"
            + "".join(
                f"; median /search {setting} {_median(ours, setting):.0f} ms"
                for setting in settings
            )
        )
    summary = summarize(results.results)
    report = out / "report.md"
    report.write_text(markdown(summary, notes=notes), encoding="utf-8")
    plot(summary, out / "retrieval_pr.png")
    return report, summary


def run_on_service(
    benchmarks: Sequence[Benchmark],
    out: Path,
    settings: Sequence[str] = SETTINGS,
    baseline: bool = True,
    url: str | None = None,
    service_env: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> tuple[Path, Summary]:
    """`folio eval retrieval`: `run_retrieval` on a fresh offline `folio serve` started on
    a scratch data dir with `service_env` set (or on the service at `url`), stopped after."""
    extra = service_env or {}
    scratch = Path(tempfile.mkdtemp(prefix="folio-retrieval-"))
    service = None if url else start_service(scratch / "data", out / "service.log", extra_env=extra)
    try:
        key = service.api_key if service else client_key(Settings())
        with FolioClient(url or service.url, api_key=key) as client:  # type: ignore[union-attr]
            meta = _meta(extra, url)
            return run_retrieval(client, benchmarks, out, settings, baseline, progress, meta)
    finally:
        if service:
            service.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _meta(extra: dict[str, str], url: str | None) -> list[str]:
    where = f"the service at {url}" if url else "a service started by the eval (offline, fresh)"
    lines = [f"folio {folio_version()}, {where}"]
    lines += [f"service setting {k}={v}" for k, v in sorted(extra.items())]
    return lines


def _median(results: list[RetrievalResult], setting: str) -> float:
    values = [r.latency_ms for r in results if r.setting == setting]
    return statistics.median(values) if values else 0.0
