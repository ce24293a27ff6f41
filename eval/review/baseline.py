"""The bare baseline of MANIFEST.md §3: CUAD's text cut in 500-character pieces, plain
BM25 with the category's description as the query, the top piece cited when its score
clears a threshold. The threshold is the best of a sweep on this half (generous to the
baseline); `gold_cells` is the ceiling: CUAD's own gold clauses cited."""

from __future__ import annotations

from collections.abc import Iterator

import bm25s

from core.text.lexical import terms
from eval.review.data import ReviewBench
from eval.review.scoring import outcome, tally

PIECE_CHARS = 500
THRESHOLDS = tuple(round(0.5 * i, 1) for i in range(0, 41))


def contract_text(contract) -> str:
    """CUAD's text of the contract, or its PDF's text where CUAD has none."""
    if contract.txt is not None:
        return contract.txt.read_text(encoding="utf-8", errors="replace")
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(contract.pdf).pages)


def top_pieces(bench: ReviewBench) -> Iterator[tuple[str, str, str, float]]:
    """(contract, category, top piece, its BM25 score) for every cell."""
    for contract in bench.contracts:
        text = contract_text(contract)
        pieces = [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]
        index = bm25s.BM25()
        index.index([terms(p) or [""] for p in pieces], show_progress=False)
        for category in bench.categories:
            query = terms(bench.descriptions.get(category, category)) or [""]
            scores = index.get_scores(query)
            best = int(scores.argmax())
            yield contract.name, category, pieces[best], float(scores[best])


def run_baseline(bench: ReviewBench) -> dict:
    """The baseline's F1 at the best threshold of the sweep, and the F1 of citing gold."""
    cells = list(top_pieces(bench))
    gold = {(c.name, k): c.gold.get(k, []) for c in bench.contracts for k in bench.categories}
    sweep = {}
    for threshold in THRESHOLDS:
        counts = tally(
            outcome([piece] if score >= threshold else [], gold[(name, cat)])
            for name, cat, piece, score in cells
        )
        sweep[threshold] = counts
    best = max(sweep, key=lambda t: sweep[t].f1)
    ceiling = tally(outcome(g, g) for g in gold.values())
    return {
        "threshold": best,
        "f1": round(sweep[best].f1, 3),
        "precision": round(sweep[best].precision, 3),
        "recall": round(sweep[best].recall, 3),
        "gold_f1": round(ceiling.f1, 3),
    }
