"""One retrieval benchmark run: folio through its API and the bare baseline, side by side,
written as results.jsonl, report.md and retrieval_pr.png in the output folder."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from client import FolioClient
from eval.retrieval_baseline import bare_bm25_searcher
from eval.retrieval_data import Benchmark
from eval.retrieval_report import markdown, plot, summarize
from eval.retrieval_run import SETTINGS, score_rows, service_searcher, upload

Progress = Callable[[str], None]


def run_retrieval(
    client: FolioClient,
    benchmarks: Sequence[Benchmark],
    out: Path,
    settings: Sequence[str] = SETTINGS,
    baseline: bool = True,
    progress: Progress | None = None,
    meta: Sequence[str] = (),
) -> tuple[Path, dict]:
    """Upload each benchmark, score folio (and the baseline) on every query; returns the
    report's path and the summary it was written from."""
    say = progress or (lambda text: None)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    notes: list[str] = [f"- {line}" for line in meta]
    with open(out / "results.jsonl", "w", encoding="utf-8") as fh:

        def keep(row: dict) -> None:
            rows.append(row)
            fh.write(json.dumps(row) + "\n")

        for bench in benchmarks:
            started = time.monotonic()
            say(f"{bench.name}: uploading {len(bench.documents)} documents")
            corpus = upload(client, bench)
            ingest_s = time.monotonic() - started
            say(f"{bench.name}: {len(bench.queries)} queries through /search")
            searcher = service_searcher(client, corpus)
            for row in score_rows(bench, corpus.spaces, searcher, "folio", settings):
                keep(row)
            search_s = time.monotonic() - started - ingest_s
            if baseline:
                bare, spaces = bare_bm25_searcher(bench.documents)
                for row in score_rows(bench, spaces, bare, "bare-bm25", settings):
                    keep(row)
            ours = [r for r in rows if (r["dataset"], r["system"]) == (bench.name, "folio")]
            first = [r for r in ours if r["setting"] == settings[0]]
            notes.append(
                f"- {bench.name}: {len(bench.documents)} documents, {len(first)} of"
                f" {len(bench.queries)} queries scored (the rest: no gold span found in the"
                f" PDF's text); gold spans not found: {sum(r['gold_unlocated'] for r in first)};"
                f" ingest {ingest_s:.0f} s, search {search_s:.0f} s"
                + "".join(
                    f"; median /search {setting} {_median(ours, setting):.0f} ms"
                    for setting in settings
                )
            )
    summary = summarize(rows)
    report = out / "report.md"
    report.write_text(markdown(summary, notes=notes), encoding="utf-8")
    plot(summary, out / "retrieval_pr.png")
    return report, summary


def _median(rows: list[dict], setting: str) -> float:
    values = [r["latency_ms"] for r in rows if r["setting"] == setting]
    return statistics.median(values) if values else 0.0
