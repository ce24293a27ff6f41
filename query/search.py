"""Search: the ranked passages the `rag` path would read, for a person to find the clause.

The ranking is `query.retrieval.rank()`, the one the `rag` path uses. A passage is a hit
grown over neighbouring chunks that score nearly as well (query/passages.py): an exact
slice of the document's text, with its first and last page.
A question that spells out a document's name searches that document among those asked
(see query/document_names.py); otherwise all of them (by default every ready one).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from query.documents import asked
from query.passages import grow, run_score, run_text
from query.read_path import ReadPath
from query.retrieval import rank

CANDIDATES = 128  # chunks ranked per search; passages are cut from these


@dataclass
class Passage:
    document_id: str
    filename: str
    pages: tuple[int, int]  # first and last, 1-based
    text: str
    score: float
    rank: int  # 1 = best


@dataclass
class SearchResult:
    results: list[Passage]
    document_ids: list[str]  # the documents searched
    latency_ms: float


def search(
    rp: ReadPath, query: str, document_ids: Sequence[str] | None = None, k: int = 8
) -> SearchResult:
    """The `k` best passages for `query` among the documents (default: all ready ones),
    narrowed to those the query names. Raises like `answer.prepare` for unknown or
    unready ones, or when this process does not hold the chunk store."""
    started = time.perf_counter()
    docs = asked(rp, query, document_ids)
    store, embedder = rp.retrieval("search")
    names = {d.id: d.filename for d in docs}
    ranking = rp.ranking
    # Always the same candidates, whatever k: a longer list starts with the shorter one.
    hits = rank(store, embedder, query, rp.tenant_id, list(names), CANDIDATES, ranking)
    runs = grow(hits, k, ranking.grow_within, ranking.grow_chunks)
    texts = cache(lambda doc_id: [page.text for page in rp.pages.read(doc_id)])
    results = [
        Passage(
            document_id=run[0].document_id,
            filename=names.get(run[0].document_id, ""),
            pages=(run[0].page_start, run[-1].page_end),
            text=run_text(run, texts),
            score=run_score(run),
            rank=i + 1,
        )
        for i, run in enumerate(runs)
    ]
    return SearchResult(results, list(names), (time.perf_counter() - started) * 1000)
