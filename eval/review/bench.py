"""One run of the review benchmark: upload the contracts to a service, one review with the
cuad preset, every cell scored; results.jsonl, report.md and review_f1.png in `out`.

    python -m eval.review [--documents N] [--categories A,B] [--out DIR] [--url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from client import FolioClient
from eval.common.paths import REPO
from eval.common.results import ResultsFile
from eval.common.service import folio_version, start_service
from eval.review.baseline import run_baseline
from eval.review.data import ReviewBench, load
from eval.review.report import markdown, plot, summary
from eval.review.result import CellResult
from eval.review.run import review, score_review, upload

Progress = Callable[[str], None]


def default_out() -> Path:
    """eval/results/review/ (gitignored), what docs/EVAL.md quotes."""
    return REPO / "eval" / "results" / "review"


def run_review_eval(
    client: FolioClient, bench: ReviewBench, out: Path, progress: Progress | None = None
) -> tuple[Path, dict]:
    """Upload, review, score; returns report.md's path and the summary it was written from."""
    say = progress or (lambda text: None)
    out.mkdir(parents=True, exist_ok=True)
    results: ResultsFile[CellResult] = ResultsFile(out / "results.jsonl", fresh=True)
    started = time.monotonic()
    say(f"uploading {len(bench.contracts)} contracts")
    ids = upload(client, bench)
    ingest_s = time.monotonic() - started
    say(f"reviewing {bench.cells} cells")
    fields = "cuad" if len(bench.categories) == 41 else _fields(bench)
    body = review(client, list(ids.values()), fields)
    review_s = time.monotonic() - started - ingest_s
    for result in score_review(bench, ids, body):
        results.write(result)
    ours = summary(results.results)
    base = run_baseline(bench)
    notes = [
        f"- folio {folio_version()}; {len(bench.contracts)} contracts x"
        f" {len(bench.categories)} categories = {bench.cells} cells; scored by MANIFEST.md §3",
        f"- ingest {ingest_s:.0f} s; the review (POST /reviews to done) {review_s:.0f} s",
    ]
    report = out / "report.md"
    report.write_text(markdown(ours, base, notes), encoding="utf-8")
    plot(ours, out / "review_f1.png")
    return report, ours | {"baseline": base, "review_s": review_s}


def _fields(bench: ReviewBench) -> list[dict]:
    """The cuad preset's fields, only the bench's categories (a quick slice)."""
    from query.reviews.fields import read_fields

    keep = set(bench.categories)
    return [f.to_dict() for f in read_fields("cuad") if f.name in keep]


def run_on_service(
    bench: ReviewBench, out: Path, url: str | None = None, progress: Progress | None = None
) -> tuple[Path, dict]:
    """As run_review_eval, on a fresh offline `folio serve` (or the service at `url`)."""
    if url:
        with FolioClient(url) as client:
            return run_review_eval(client, bench, out, progress)
    with tempfile.TemporaryDirectory() as tmp:
        service = start_service(Path(tmp) / "data", out / "service.log")
        try:
            with FolioClient(service.url, api_key=service.api_key) as client:
                return run_review_eval(client, bench, out, progress)
        finally:
            service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="The review benchmark (CUAD, shared half).")
    parser.add_argument("--documents", type=int, default=None, help="only the first N")
    parser.add_argument("--categories", default=None, help="comma-separated CUAD categories")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--url", default=None, help="a running service instead")
    args = parser.parse_args()
    cats = [c.strip() for c in args.categories.split(",")] if args.categories else None
    bench = load().subset(args.documents, cats)
    report, ours = run_on_service(bench, args.out or default_out(), args.url, print)
    c = ours["all"]
    print(f"cell F1 {c.f1:.3f} (P {c.precision:.3f}, R {c.recall:.3f}); evidence recall"
          f" {ours['evidence_recall']}; bare BM25 {ours['baseline']['f1']:.3f}")  # fmt: skip
    print(f"report: {report}")
