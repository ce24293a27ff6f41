"""The offline reader on the shared CUAD contracts, per category: a table for docs/READER.md.

For every category a lawyer asks first, one plain question is put to each of the nine
annotated contracts. Where CUAD annotates a clause, the answer counts when it is found
and quotes the clause (six words in a row in common, or a short annotation verbatim);
where CUAD annotates none, the answer should be "not found". Run from the repo root:

    .venv/bin/python -m bench.reader_cuad [--embedder]

(about a minute without the embedder). It is a measurement, not a test: nothing fails.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
from pathlib import Path

from core.reader.offline import OfflineReader, Passage
from eval.common.scoring import quotes_clause
from ingest.pdf import read_pages

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOLIO_SHARED_DATA", ROOT.parent / "shared" / "data"))

QUESTIONS = {
    "Parties": "Who are the parties to this agreement?",
    "Agreement Date": "When was this agreement signed?",
    "Effective Date": "What is the effective date?",
    "Expiration Date": "When does the agreement expire?",
    "Renewal Term": "Does the agreement renew automatically?",
    "Notice Period To Terminate Renewal": "How much notice is needed to prevent renewal?",
    "Termination For Convenience": "Can a party terminate for convenience?",
    "Governing Law": "What is the governing law?",
    "Anti-Assignment": "Can this agreement be assigned?",
    "Change Of Control": "What happens on a change of control?",
    "Revenue/Profit Sharing": "What are the payment terms?",
    "Minimum Commitment": "Is there a minimum purchase commitment?",
    "Cap On Liability": "Is liability capped?",
    "Uncapped Liability": "Is any liability uncapped?",
    "Exclusivity": "Is there an exclusivity obligation?",
    "Non-Compete": "Is there a non-compete?",
    "Audit Rights": "Does a party have audit rights?",
    "Insurance": "What insurance must be maintained?",
    "Warranty Duration": "How long is the warranty?",
    "License Grant": "What license is granted?",
}


def main() -> None:
    """Print the per-category table (markdown) and the overall rates."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", action="store_true", help="re-score with MiniLM")
    args = ap.parse_args()
    embedder = None
    if args.embedder:
        from core.embeddings.embedders import LocalEmbedder

        embedder = LocalEmbedder()
    reader = OfflineReader(embedder)
    folder = SHARED / "legal" / "cuad"
    notes = json.loads((folder / "cuad_shared_annotations.json").read_text())["contracts"]
    pages = {n: [Passage(n, p.number, p.text) for p in read_pages(folder / n)] for n in notes}
    print("| category | gold clause quoted | absent: said not found |")
    print("|---|---|---|")
    totals = [0, 0, 0, 0]
    slowest = 0.0
    for category, question in QUESTIONS.items():
        hit = gold = quiet = absent = 0
        for name, entries in notes.items():
            entry = entries.get(category) or {}
            spans = [s for s in ast.literal_eval(entry.get("context_raw") or "[]") if s.strip()]
            start = time.perf_counter()
            answer = reader.answer(question, pages[name])
            slowest = max(slowest, time.perf_counter() - start)
            if spans:
                gold += 1
                hit += answer.found and quotes_clause(answer.text, spans)
            else:
                absent += 1
                quiet += not answer.found
        totals = [totals[0] + hit, totals[1] + gold, totals[2] + quiet, totals[3] + absent]
        cell = f"{quiet}/{absent}" if absent else "-"
        print(f"| {category} | {hit}/{gold} | {cell} |" if gold else f"| {category} | - | {cell} |")
    hit, gold, quiet, absent = totals
    print(f"\nquoted the gold clause: {hit}/{gold} = {hit / gold:.0%}")
    print(f"said not found where CUAD has none: {quiet}/{absent} = {quiet / max(absent, 1):.0%}")
    print(f"slowest question: {slowest:.2f} s")


if __name__ == "__main__":
    main()
