"""The reader's question set, offline: `python -m eval.questions [--documents N]
[--kinds a,b] [--out DIR]` writes results.jsonl and report.md (docs/READER.md quotes it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.embeddings.embedders import LocalEmbedder
from core.reader.offline import OfflineReader
from eval.common.paths import REPO
from eval.common.results import ResultsFile
from eval.common.service import folio_version
from eval.questions.questions import KINDS, question_set
from eval.questions.report import markdown, summary
from eval.questions.run import QuestionResult, ask
from eval.review.data import load


def run_questions(
    out: Path, documents: int | None = None, kinds: list[str] | None = None, reader=None
) -> tuple[Path, dict]:
    """Ask, score, write; returns report.md's path and the summary."""
    bench = load().subset(documents)
    questions = question_set(bench, kinds)
    reader = reader or OfflineReader(LocalEmbedder())
    out.mkdir(parents=True, exist_ok=True)
    results: ResultsFile[QuestionResult] = ResultsFile(out / "results.jsonl", fresh=True)
    for result in ask(reader, bench, questions):
        results.write(result)
    notes = [
        f"- folio {folio_version()}; {len(bench.contracts)} contracts x"
        f" {len(kinds or KINDS)} kinds = {len(questions)} questions, offline reader with"
        " the embedder, one contract at a time (its whole pages)",
        "- right: a quote overlapping CUAD's gold clause (MANIFEST.md §3's rule) where there"
        ' is one; "No <clause> was found in <file>" with found false where there is none',
    ]
    report = out / "report.md"
    report.write_text(markdown(results.results, notes), encoding="utf-8")
    return report, summary(results.results)


def main() -> None:
    parser = argparse.ArgumentParser(description="The reader's question set (offline).")
    parser.add_argument("--documents", type=int, default=None)
    parser.add_argument("--kinds", default=None, help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--out", type=Path, default=REPO / "eval" / "results" / "questions")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",")] if args.kinds else None
    report, s = run_questions(args.out, args.documents, kinds)
    print(f"right {s['right']:.3f} (with a clause {s['with_clause']}, clause-less"
          f" {s['clause_less']}); report: {report}")  # fmt: skip
